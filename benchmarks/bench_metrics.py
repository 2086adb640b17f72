"""Metrics and datasets: scikit-learn, dask-ml and scalearn side by side.

Each metric is computed three ways on the same data in the same run:
scikit-learn on numpy arrays, dask-ml and scalearn on dask arrays made from
those arrays (``--chunk-rows`` rows per block; building them is not timed).
Each timed call includes the compute; the best of ``--repeat`` is reported,
with the value each library returned and its difference from scikit-learn's
(a wrong or failing result shows up there, whatever the speed). The dataset
generators are timed generating and summing X and y. dask runs on its threaded
scheduler, on every core the machine gives.

Run ``python benchmarks/bench_metrics.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
from _common import (
    RESULTS_DIR,
    fmt,
    import_dask_ml,
    ratio,
    run_header,
    table,
    write_json,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    parser.add_argument(
        "--distance-rows", type=int, default=2_000_000, help="rows of X for argmin"
    )
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--centers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "metrics.json", help="JSON file"
    )
    return parser.parse_args(argv)


def best_of(repeat: int, call: Callable[[], Any]) -> tuple[float | None, Any, str]:
    """(best seconds, value, error): an error stops the rounds and is reported."""
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            value = call()
        except Exception as error:  # a library failing is a result to report
            return None, None, f"{type(error).__name__}: {error}"[:120]
        times.append(time.perf_counter() - start)
    return min(times), value, ""


def as_number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, tuple):  # (argmin, distances): sum both
        return float(sum(np.asarray(v, dtype=np.float64).sum() for v in value))
    if dask.is_dask_collection(value):
        value = value.compute()
    return float(np.asarray(value, dtype=np.float64).sum())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("metrics and datasets: scikit-learn vs dask-ml vs scalearn")
    from sklearn import datasets as sk_datasets
    from sklearn import metrics as sk_metrics

    from scalearn import datasets, metrics

    ml_datasets, ml_metrics, _ = import_dask_ml("datasets", "metrics")

    rng = np.random.default_rng(args.seed)
    n = args.rows
    y_true = rng.integers(0, 2, n)
    y_pred = np.where(rng.random(n) < 0.8, y_true, 1 - y_true)
    proba = np.clip(0.5 * y_true + 0.5 * rng.random(n), 1e-3, 1 - 1e-3).round(3)
    target = rng.normal(size=n) * 10 + 100
    estimate = target + rng.normal(size=n)
    X = rng.normal(size=(args.distance_rows, args.features))
    Y = rng.normal(size=(args.centers, args.features))

    def chunked(a: np.ndarray) -> da.Array:
        return da.from_array(a, chunks=(args.chunk_rows, *a.shape[1:]))

    yt, yp, pr = chunked(y_true), chunked(y_pred), chunked(proba)
    tg, es, Xd = chunked(target), chunked(estimate), chunked(X)
    ml = ml_metrics
    cases: list[tuple[str, Callable, Callable | None, Callable]] = [
        (
            "accuracy_score",
            lambda: sk_metrics.accuracy_score(y_true, y_pred),
            ml and (lambda: ml.accuracy_score(yt, yp)),
            lambda: metrics.accuracy_score(yt, yp),
        ),
        (
            "f1_score (binary)",
            lambda: sk_metrics.f1_score(y_true, y_pred),
            None,
            lambda: metrics.f1_score(yt, yp),
        ),
        (
            "log_loss",
            lambda: sk_metrics.log_loss(y_true, proba),
            ml and (lambda: ml.log_loss(yt, pr).compute()),
            lambda: metrics.log_loss(yt, pr, compute=True),
        ),
        (
            "roc_auc_score",
            lambda: sk_metrics.roc_auc_score(y_true, proba),
            None,
            lambda: metrics.roc_auc_score(yt, pr),
        ),
        (
            "mean_squared_error",
            lambda: sk_metrics.mean_squared_error(target, estimate),
            ml and (lambda: ml.mean_squared_error(tg, es)),
            lambda: metrics.mean_squared_error(tg, es),
        ),
        (
            "r2_score",
            lambda: sk_metrics.r2_score(target, estimate),
            ml and (lambda: ml.r2_score(tg, es)),
            lambda: metrics.r2_score(tg, es),
        ),
        (
            "pairwise_distances_argmin_min",
            lambda: sk_metrics.pairwise_distances_argmin_min(X, Y),
            ml and (lambda: dask.compute(*ml.pairwise_distances_argmin_min(Xd, Y))),
            lambda: dask.compute(*metrics.pairwise_distances_argmin_min(Xd, Y)),
        ),
    ]
    generator_kwargs = dict(n_samples=n, n_features=args.features, random_state=0)
    cases += [
        (
            "make_classification (X, y summed)",
            lambda: tuple(
                a.sum() for a in sk_datasets.make_classification(**generator_kwargs)
            ),
            ml_datasets
            and (
                lambda: dask.compute(
                    *(
                        a.sum()
                        for a in ml_datasets.make_classification(
                            chunks=args.chunk_rows, **generator_kwargs
                        )
                    )
                )
            ),
            lambda: dask.compute(
                *(
                    a.sum()
                    for a in datasets.make_classification(
                        chunks=args.chunk_rows, **generator_kwargs
                    )
                )
            ),
        ),
    ]

    results, rows = [], []
    for name, sk_call, ml_call, our_call in cases:
        print(f"  {name} ...", flush=True)
        measured = {
            "scikit-learn": best_of(args.repeat, sk_call),
            "dask-ml": best_of(args.repeat, ml_call) if ml_call else (None, None, "-"),
            "scalearn": best_of(args.repeat, our_call),
        }
        values = {lib: as_number(m[1]) for lib, m in measured.items()}
        reference = values["scikit-learn"]
        entry = {"case": name}
        for lib, (seconds, _, error) in measured.items():
            entry[lib] = {
                "seconds": seconds,
                "value": values[lib],
                "difference_from_sklearn": None
                if values[lib] is None or reference is None
                else abs(values[lib] - reference),
                "error": error,
            }
        sk_s, ml_s, our_s = (measured[k][0] for k in measured)
        entry["sklearn_over_scalearn"] = ratio(sk_s, our_s)
        entry["dask_ml_over_scalearn"] = ratio(ml_s, our_s)
        results.append(entry)
        rows.append(
            [
                name,
                fmt(sk_s),
                fmt(ml_s, missing=measured["dask-ml"][2][:20] or "-"),
                fmt(our_s),
                fmt(entry["sklearn_over_scalearn"], ".2f"),
                fmt(entry["dask_ml_over_scalearn"], ".2f"),
                fmt(entry["scalearn"]["difference_from_sklearn"], ".1e"),
            ]
        )
    print(
        table(
            [
                "case",
                "sklearn s",
                "dask-ml s",
                "scalearn s",
                "sk/ours",
                "dask-ml/ours",
                "|ours - sk|",
            ],
            rows,
        )
    )
    print(
        "(make_classification: the libraries draw different random data, so the "
        "sums differ by design; the other rows compare the same data.)"
    )
    payload = {
        **facts,
        "parameters": {
            "rows": n,
            "chunk_rows": args.chunk_rows,
            "distance_rows": args.distance_rows,
            "features": args.features,
            "centers": args.centers,
            "repeat": args.repeat,
            "seed": args.seed,
            "dask_scheduler": "threads",
        },
        "results": results,
    }
    path = write_json(args.output, payload)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
