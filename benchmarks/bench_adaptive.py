"""Adaptive search: Hyperband against a random search over the same candidates.

On one in-memory dask array of a few million rows (``make_classification``,
blocks of ``--block-rows``), ``SGDClassifier`` candidates drawn from one space
(``alpha`` log-uniform, ``loss``, ``penalty``, ``average``) are searched three
ways in the same run:

* **scalearn HyperbandSearchCV** (``max_iter``, ``aggressiveness=3``);
* **random search, full budget**: the *same* candidates that Hyperband drew,
  each trained to ``max_iter`` ``partial_fit`` calls by scalearn's
  ``IncrementalSearchCV`` (the loop is shared, so the difference is the
  policy, not the machinery);
* **scalearn HyperbandSearchCV(asynchronous=True)** (ASHA brackets);
* **dask-ml HyperbandSearchCV**, without and with a distributed Client, where
  it runs at all (its failure is recorded otherwise).

Each reports its best held-out score, its total ``partial_fit`` calls (counted
by wrapping ``SGDClassifier.partial_fit``) and its wall time. Targets: the same
best score as the random search (within 0.5%) with at least 3x less work and
3x less wall time.

Run ``python benchmarks/bench_adaptive.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
from _common import (
    RESULTS_DIR,
    fmt,
    ratio,
    run_header,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from threadpoolctl import threadpool_limits

import scalearn
from scalearn.model_selection import HyperbandSearchCV, IncrementalSearchCV

SPACE = {
    "alpha": loguniform(1e-7, 1e0),
    "loss": ["hinge", "log_loss", "modified_huber", "squared_hinge"],
    "penalty": ["l2", "l1", "elasticnet"],
    "average": [False, True],
}
TARGET_SCORE_GAP = 0.005
TARGET_WORK = 3.0
TARGET_WALL = 3.0


class Calls:
    """Counts ``SGDClassifier.partial_fit`` calls made in this process."""

    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()
        self.original = SGDClassifier.partial_fit

    def __enter__(self) -> Calls:
        original, counter = self.original, self

        def partial_fit(model, *args, **kwargs):
            with counter.lock:
                counter.n += 1
            return original(model, *args, **kwargs)

        SGDClassifier.partial_fit = partial_fit
        return self

    def __exit__(self, *exc: Any) -> None:
        SGDClassifier.partial_fit = self.original


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--block-rows", type=int, default=50_000)
    parser.add_argument("--max-iter", type=int, default=27)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--skip-dask-ml", action="store_true", help="do not try dask-ml's Hyperband"
    )
    parser.add_argument("--wait-idle", type=float, default=None)
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "adaptive.json", help="JSON file"
    )
    return parser.parse_args(argv)


def make_data(args: argparse.Namespace) -> tuple[da.Array, da.Array]:
    X, y = make_classification(
        n_samples=args.rows,
        n_features=args.features,
        n_informative=args.features // 2,
        flip_y=0.05,
        random_state=args.random_state,
    )
    X = da.from_array(X.astype(np.float64), chunks=(args.block_rows, -1))
    y = da.from_array(y, chunks=args.block_rows)
    return X, y


def sgd() -> SGDClassifier:
    return SGDClassifier(tol=None, random_state=0)


def timed(make: Any, X: da.Array, y: da.Array) -> dict[str, Any]:
    with Calls() as calls:
        start = time.perf_counter()
        search = make().fit(X, y, classes=[0, 1])
        seconds = time.perf_counter() - start
    return {
        "search": search,
        "seconds": seconds,
        "partial_fit_calls": calls.n,
        "best_score": float(search.best_score_),
        "best_params": {k: _plain(v) for k, v in search.best_params_.items()},
        "n_models": len(search.cv_results_["params"]),
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def dask_ml_hyperband(args: argparse.Namespace, X, y, with_client: bool) -> dict:
    """Try dask-ml's HyperbandSearchCV; its error when it does not run."""
    try:
        from dask_ml.model_selection import HyperbandSearchCV as DaskMLHyperband
    except Exception as error:
        return {"error": f"import: {type(error).__name__}: {error}"}
    make = lambda: DaskMLHyperband(  # noqa: E731
        sgd(), SPACE, max_iter=args.max_iter, random_state=args.random_state
    )
    try:
        if with_client:
            from distributed import Client, LocalCluster

            with (
                LocalCluster(
                    n_workers=1,
                    threads_per_worker=2,
                    processes=False,
                    dashboard_address=":0",
                ) as cluster,
                Client(cluster),
            ):
                out = timed(make, X, y)
        else:
            out = timed(make, X, y)
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        return {"error": f"{type(error).__name__}: {first_line}"[:300]}
    out.pop("search")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Adaptive search: Hyperband vs random search, same candidates")
    X, y = make_data(args)
    print(
        f"data: {args.rows:,} x {args.features} float64 in {X.numblocks[0]} blocks "
        f"of {args.block_rows:,} rows (in memory); SGDClassifier; max_iter "
        f"{args.max_iter}, aggressiveness 3; dask threads, "
        f"{dask.system.CPU_COUNT} workers; BLAS 1 thread"
    )
    if args.wait_idle is not None:
        load = wait_for_quiet(args.wait_idle)
        print(f"background load: {fmt(load, '.2f')} cores")

    def hyperband(asynchronous: bool = False):
        return lambda: HyperbandSearchCV(
            sgd(),
            SPACE,
            max_iter=args.max_iter,
            random_state=args.random_state,
            asynchronous=asynchronous,
        )

    results: dict[str, Any] = {}
    with (
        threadpool_limits(limits=1, user_api="blas"),
        scalearn.config_context(progress_bar=False),
    ):
        results["hyperband"] = timed(hyperband(), X, y)
        candidates = results["hyperband"]["search"].cv_results_["params"]
        grid = [{k: [v] for k, v in params.items()} for params in candidates]
        results["random_full"] = timed(
            lambda: IncrementalSearchCV(
                sgd(),
                grid,
                n_initial_parameters="grid",
                max_iter=args.max_iter,
                random_state=args.random_state,
            ),
            X,
            y,
        )
        results["asha"] = timed(hyperband(asynchronous=True), X, y)
        if not args.skip_dask_ml:
            results["dask_ml_hyperband"] = dask_ml_hyperband(args, X, y, False)
            results["dask_ml_hyperband_client"] = dask_ml_hyperband(args, X, y, True)
    planned = results["hyperband"]["search"].metadata
    for out in results.values():
        out.pop("search", None)

    labels = {
        "hyperband": "scalearn HyperbandSearchCV",
        "asha": "scalearn HyperbandSearchCV(asynchronous=True)",
        "random_full": "random search (same candidates, max_iter each)",
        "dask_ml_hyperband": "dask-ml HyperbandSearchCV (no Client)",
        "dask_ml_hyperband_client": "dask-ml HyperbandSearchCV (Client)",
    }
    reference = results["random_full"]
    rows = []
    for key, out in results.items():
        if "error" in out:
            rows.append([labels[key], "fails", "-", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                labels[key],
                f"{out['seconds']:.1f}",
                f"{out['partial_fit_calls']:,}",
                str(out["n_models"]),
                f"{out['best_score']:.4f}",
                fmt(ratio(reference["partial_fit_calls"], out["partial_fit_calls"])),
                fmt(ratio(reference["seconds"], out["seconds"])),
            ]
        )
    print()
    print(
        table(
            [
                "search",
                "wall s",
                "partial_fit calls",
                "models",
                "best score",
                "less work (x)",
                "faster (x)",
            ],
            rows,
        )
    )
    for key, out in results.items():
        if "error" in out:
            print(f"{labels[key]} fails: {out['error']}")
    print(
        f"Hyperband planned {planned['partial_fit_calls']:,} calls over "
        f"{planned['n_models']} models; the random search does "
        f"{planned['n_models']} x {args.max_iter} = "
        f"{planned['n_models'] * args.max_iter:,}"
    )

    hb = results["hyperband"]
    gap = (reference["best_score"] - hb["best_score"]) / reference["best_score"]
    work = ratio(reference["partial_fit_calls"], hb["partial_fit_calls"])
    wall = ratio(reference["seconds"], hb["seconds"])
    targets = {
        "score": {
            "target": f"best score within {TARGET_SCORE_GAP:.1%} of the random search",
            "measured": f"{gap:.2%} below",
            "gap": gap,
            "met": gap <= TARGET_SCORE_GAP,
        },
        "work": {
            "target": f">= {TARGET_WORK}x less partial_fit work",
            "measured": work,
            "met": work is not None and work >= TARGET_WORK,
        },
        "wall": {
            "target": f">= {TARGET_WALL}x less wall time",
            "measured": wall,
            "met": wall is not None and wall >= TARGET_WALL,
        },
    }
    print()
    for target in targets.values():
        measured = target["measured"]
        shown = measured if isinstance(measured, str) else f"{measured:.2f}x"
        print(f"target {target['target']}: {shown} -> {verdict(target['met'])}")
    payload = {
        **facts,
        "parameters": vars(args) | {"output": str(args.output)},
        "space": {k: repr(v) for k, v in SPACE.items()},
        "results": results,
        "hyperband_metadata": planned,
        "targets": targets,
    }
    print(f"wrote {write_json(args.output, payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
