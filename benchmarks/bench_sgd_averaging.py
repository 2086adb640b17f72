"""Parallel SGD with model averaging against one Incremental model, same epochs.

Data: ``make_classification(rows + test_rows, features, n_informative=features
// 2, random_state=0)``; the first ``rows`` rows, as a dask array of
``--block-rows`` blocks persisted in memory before anything is timed, train;
the rest test. Both contenders train ``SGDClassifier(random_state=0, tol=None)``
for ``--epochs`` epochs over the shuffled blocks (``random_state=0``):

* **Incremental**: ``scalearn.wrappers.Incremental`` runs one model over all the
  blocks in turn (one core at a time);
* **ModelAveraging**: ``scalearn.ensemble.ModelAveraging`` deals the blocks to
  ``--models`` copies trained in parallel on dask's threads and averages them
  after each epoch.

BLAS is pinned to one thread. One untimed warm-up fit of each on a tenth of the
rows, then ``--repeat`` timed rounds, interleaved. Accuracy is on the test rows.
Run ``python benchmarks/bench_sgd_averaging.py --help``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import dask
import dask.array as da
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    fmt,
    ratio,
    run_header,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from threadpoolctl import threadpool_limits

from scalearn.ensemble import ModelAveraging
from scalearn.wrappers import Incremental

TARGET_SPEEDUP = 1.6
TARGET_ACCURACY_GAP = 0.01


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--test-rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--block-rows", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--models", type=int, default=2, help="parallel copies")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds")
    parser.add_argument("--wait-idle", type=float, default=60.0)
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS_DIR / "sgd_averaging.json",
        help="JSON file",
    )
    return parser.parse_args(argv)


def make(key: str, args: argparse.Namespace) -> Any:
    sgd = SGDClassifier(random_state=0, tol=None)
    if key == "incremental":
        return Incremental(sgd, max_epochs=args.epochs, random_state=0)
    return ModelAveraging(
        sgd, max_epochs=args.epochs, n_models=args.models, random_state=0
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Parallel SGD averaging vs one Incremental model")
    dask.config.set(scheduler="threads")
    X, y = make_classification(
        n_samples=args.rows + args.test_rows,
        n_features=args.features,
        n_informative=args.features // 2,
        random_state=0,
    )
    X_test, y_test = X[args.rows :], y[args.rows :]
    Xd = da.from_array(X[: args.rows], chunks=(args.block_rows, args.features))
    yd = da.from_array(y[: args.rows], chunks=args.block_rows)
    Xd, yd = dask.persist(Xd, yd)
    print(
        f"data: {args.rows:,} x {args.features} ({Xd.numblocks[0]} blocks), "
        f"{args.epochs} epochs, {args.models} parallel copies"
    )
    keys = ("incremental", "averaging")
    seconds: dict[str, list[float]] = {k: [] for k in keys}
    background: dict[str, list[Any]] = {k: [] for k in keys}
    accuracy: dict[str, float] = {}
    small = max(args.block_rows, args.rows // 10)
    with threadpool_limits(limits=1, user_api="blas"):
        for key in keys:
            make(key, args).fit(Xd[:small], yd[:small], classes=[0, 1])
        for round_ in range(args.repeat):
            if args.wait_idle > 0:
                wait_for_quiet(args.wait_idle)
            for key in keys if round_ % 2 == 0 else keys[::-1]:
                gauge = BackgroundLoad()
                tic = time.perf_counter()
                model = make(key, args).fit(Xd, yd, classes=[0, 1])
                seconds[key].append(time.perf_counter() - tic)
                background[key].append(gauge.cores())
                accuracy[key] = float(model.score(X_test, y_test))
            print(
                f"  round {round_ + 1}: "
                + ", ".join(f"{k} {seconds[k][-1]:.2f}s" for k in keys)
            )
    best = {k: min(v) for k, v in seconds.items()}
    speedup = ratio(best["incremental"], best["averaging"])
    gap = accuracy["incremental"] - accuracy["averaging"]
    rows = [
        [
            k,
            fmt(best[k], ".2f"),
            fmt(ratio(best["incremental"], best[k]), ".2f") + "x",
            fmt(accuracy[k], ".4f"),
            fmt(max((b for b in background[k] if b is not None), default=None)),
        ]
        for k in keys
    ]
    print()
    print(table(["contender", "s best", "vs Incremental", "accuracy", "others"], rows))
    targets = {
        "sgd_averaging_speedup": {
            "target": f"ModelAveraging >= {TARGET_SPEEDUP}x one Incremental on "
            f"{args.models} cores (best of rounds)",
            "measured": speedup,
            "met": None if speedup is None else speedup >= TARGET_SPEEDUP,
        },
        "sgd_averaging_accuracy": {
            "target": f"test accuracy at most {TARGET_ACCURACY_GAP} below "
            "Incremental's",
            "measured": f"{-gap:+.4f}",
            "met": gap <= TARGET_ACCURACY_GAP,
        },
    }
    for target in targets.values():
        print(f"{target['target']}: {target['measured']} -> {verdict(target['met'])}")
    payload = {
        **facts,
        "description": vars(args) | {"output": str(args.output)},
        "results": {
            k: {
                "seconds_all": seconds[k],
                "seconds_best": best[k],
                "accuracy": accuracy[k],
                "background_cores": background[k],
            }
            for k in keys
        },
        "targets": targets,
    }
    print(f"wrote {write_json(args.output, payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
