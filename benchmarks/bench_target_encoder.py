"""TargetEncoder: scalearn on a dask DataFrame against scikit-learn in pandas.

A dask DataFrame of ``--rows`` synthetic rows holds a high-cardinality text
column (``--users`` distinct values), an integer column of 1,000 zones and a
continuous target. Timed, for each library in the same process on the same
data:

* **fit**: the encodings learned on all rows (scalearn: one pass over the
  dask data; scikit-learn: on the data computed into pandas, the computation
  included in its time). The largest relative difference between the two
  libraries' ``encodings_`` is reported (they should agree to ~1e-12).
* **fit_transform**: the cross-fitted encoding of every row (5 folds), with
  the output reduced to its column sums so that nothing is kept in memory.
  scalearn's folds are drawn within each block, so its sums differ slightly
  from scikit-learn's (see ``scalearn.preprocessing._target_encoder``).

dask-ml has no TargetEncoder, so it is not run (the JSON says so).
scikit-learn runs only up to ``--sklearn-max-rows`` rows.

Run ``python benchmarks/bench_target_encoder.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from _common import (
    RESULTS_DIR,
    fmt,
    ratio,
    run_header,
    table,
    wait_for_quiet,
    write_json,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn import preprocessing as sk_preprocessing
from sklearn.model_selection import KFold

from scalearn import preprocessing as sl_preprocessing

COLUMNS = ["user", "zone"]


def make_rows(start: int, n_rows: int, users: int, seed: int) -> pd.DataFrame:
    """Rows ``start`` .. ``start + n_rows - 1``; depends only on start and seed."""
    rng = np.random.default_rng([seed, start])
    user = rng.zipf(1.3, n_rows) % users
    zone = rng.integers(0, 1_000, n_rows)
    noise = rng.normal(0, 1, n_rows)
    return pd.DataFrame(
        {
            "user": pd.array(np.char.add("u", user.astype(str)), dtype="str"),
            "zone": zone,
            "y": 0.001 * (user % 97) + 0.01 * (zone % 13) + noise,
        },
        index=pd.RangeIndex(start, start + n_rows),
    )


def frame(rows: int, partition_rows: int, users: int, seed: int = 0) -> dd.DataFrame:
    starts = list(range(0, rows, partition_rows))
    sizes = [min(partition_rows, rows - s) for s in starts]
    return dd.from_map(make_rows, starts, sizes, users=users, seed=seed)


def cv() -> KFold:
    return KFold(5, shuffle=True, random_state=0)


def run_scalearn(data: dd.DataFrame, method: str) -> tuple[float, Any]:
    tic = time.perf_counter()
    encoder = sl_preprocessing.TargetEncoder(cv=cv())
    if method == "fit":
        encoder.fit(data[COLUMNS], data["y"])
        return time.perf_counter() - tic, encoder.encodings_
    sums = encoder.fit_transform(data[COLUMNS], data["y"]).sum().compute()
    return time.perf_counter() - tic, sums.to_numpy()


def run_sklearn(data: dd.DataFrame, method: str) -> tuple[float, Any]:
    tic = time.perf_counter()
    local = data.compute()
    X = local[COLUMNS].astype({"user": object})
    encoder = sk_preprocessing.TargetEncoder(cv=cv())
    if method == "fit":
        encoder.fit(X, local["y"])
        return time.perf_counter() - tic, encoder.encodings_
    sums = encoder.fit_transform(X, local["y"]).sum(axis=0)
    return time.perf_counter() - tic, sums


def largest_relative_difference(ours: Any, theirs: Any) -> float:
    if isinstance(ours, list):
        pairs = zip(ours, theirs, strict=True)
        return max(largest_relative_difference(a, b) for a, b in pairs)
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = np.maximum(np.abs(theirs), 1e-300)
    return float(np.max(np.abs(ours - theirs) / scale))


def workload(args: argparse.Namespace, method: str) -> dict[str, Any]:
    data = frame(args.rows, args.partition_rows, args.users)
    print(
        f"\n-- {method}: {args.rows:,} rows in {data.npartitions} partitions, "
        f"{args.users:,} users --"
    )
    contenders = {"scalearn": run_scalearn}
    if args.rows <= args.sklearn_max_rows:
        contenders["scikit-learn"] = run_sklearn
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, Any] = {}
    for round_ in range(args.repeat):
        names = list(contenders)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in names:
            if args.wait_idle:
                wait_for_quiet(args.wait_idle)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                elapsed, results[name] = contenders[name](data, method)
            seconds[name].append(elapsed)
    best = {n: min(s) for n, s in seconds.items()}
    difference = (
        largest_relative_difference(results["scalearn"], results["scikit-learn"])
        if "scikit-learn" in results
        else None
    )
    rows = [
        [
            name,
            fmt(best[name], ".2f"),
            fmt(statistics.median(s), ".2f"),
            fmt(args.rows / best[name], ".3g"),
            fmt(ratio(best[name], best["scalearn"]), ".2f"),
        ]
        for name, s in seconds.items()
    ]
    print(table(["library", "best s", "median s", "rows/s", "x scalearn"], rows))
    label = "encodings_" if method == "fit" else "column sums"
    print(f"largest relative difference of the {label}: {fmt(difference, '.2g')}")
    return {
        "rows": args.rows,
        "partitions": data.npartitions,
        "seconds": seconds,
        "best_seconds": best,
        "speedup_vs_sklearn": ratio(best.get("scikit-learn"), best["scalearn"]),
        "largest_relative_difference_vs_sklearn": difference,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=200_000, help="cardinality")
    parser.add_argument("--sklearn-max-rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=["fit", "fit_transform"],
        default=["fit", "fit_transform"],
    )
    parser.add_argument("--wait-idle", type=float, default=None)
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "target_encoder.json"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("TargetEncoder: scalearn on dask against scikit-learn")
    print(f"dask: default scheduler (threads), {dask.system.CPU_COUNT} workers")
    results = {method: workload(args, method) for method in args.workloads}
    payload = {
        **facts,
        "parameters": vars(args) | {"output": str(args.output)},
        "dask_ml": "dask-ml has no TargetEncoder; not run",
        "workloads": results,
    }
    print(f"\nwrote {write_json(args.output, payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
