"""Preprocessing: a taxi-style pipeline in scikit-learn, dask-ml and scalearn.

Two workloads, each run by the three libraries in the same process, on the same
data:

* **pipeline**: a dask DataFrame of ``--rows`` synthetic taxi trips (pickup
  timestamp, distance, passengers, fare, payment type as text) goes through
  the pipeline of dask-ml's documentation: the hour of the pickup extracted
  blockwise (``BlockTransformer``), the payment type categorized
  (``Categorizer``) and one-hot encoded (``DummyEncoder``), and every column
  standardized (``StandardScaler``). Timed: ``fit_transform`` and the
  computation of the whole output (its column sums, so that nothing is kept in
  memory). scikit-learn runs the same steps (``FunctionTransformer``,
  ``pandas.get_dummies``, ``StandardScaler``) on the data computed into pandas,
  up to ``--sklearn-max-rows`` rows; its time includes that computation.
  The outputs' column sums are compared.
* **robust**: ``RobustScaler`` fitted on a dask array of ``--robust-rows`` x 4
  skewed columns in ``--robust-chunks`` chunks; reported is each library's
  error on ``center_`` and ``scale_``, in units of the exact IQR (numpy's
  ``nanpercentile`` on the whole data), and the fit time.

Run ``python benchmarks/bench_preprocessing.py --help`` for the options.
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
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from _common import (
    RESULTS_DIR,
    fmt,
    import_dask_ml,
    ratio,
    run_header,
    table,
    wait_for_quiet,
    write_json,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn import preprocessing as sk_preprocessing
from sklearn.pipeline import make_pipeline

from scalearn import preprocessing as sl_preprocessing

dm_preprocessing, DASK_ML_IMPORT_ERROR = import_dask_ml("preprocessing")

PAYMENTS = np.array(["credit", "cash", "no charge", "dispute"], dtype=object)
NUMERIC = ["trip_distance", "passenger_count", "fare_amount"]


def quiet(args: argparse.Namespace) -> None:
    if args.wait_idle:
        wait_for_quiet(args.wait_idle)


def make_trips(start: int, n_rows: int, seed: int) -> pd.DataFrame:
    """Trips ``start`` .. ``start + n_rows - 1``; depends only on start and seed."""
    rng = np.random.default_rng([seed, start])
    base = np.datetime64("2024-01-01T00:00:00")
    seconds = rng.integers(0, 365 * 24 * 3600, n_rows)
    distance = rng.lognormal(0.5, 0.8, n_rows)
    return pd.DataFrame(
        {
            "pickup_datetime": base + seconds.astype("timedelta64[s]"),
            "trip_distance": distance,
            "passenger_count": rng.integers(1, 7, n_rows).astype(np.float64),
            "fare_amount": 2.5 + 2.8 * distance + rng.normal(0, 1, n_rows),
            "payment_type": pd.Series(
                PAYMENTS[rng.choice(4, n_rows, p=[0.62, 0.35, 0.02, 0.01])],
                dtype="str",
            ),
        },
        index=pd.RangeIndex(start, start + n_rows),
    )


def trips_frame(rows: int, partition_rows: int, seed: int = 0) -> dd.DataFrame:
    starts = list(range(0, rows, partition_rows))
    sizes = [min(partition_rows, rows - s) for s in starts]
    return dd.from_map(make_trips, starts, sizes, seed=seed)


def pickup_hour(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-block step: the pickup hour replaces the timestamp."""
    hour = frame["pickup_datetime"].dt.hour.astype(np.float64)
    return frame.drop(columns="pickup_datetime").assign(pickup_hour=hour)


def as_float(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(np.float64)


def dummies(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.get_dummies(
        frame.astype({"payment_type": pd.CategoricalDtype(sorted(PAYMENTS))}),
        columns=["payment_type"],
        dtype=np.float64,
    )


def dask_pipeline(module: Any):
    return make_pipeline(
        module.BlockTransformer(pickup_hour),
        module.Categorizer(columns=["payment_type"]),
        module.DummyEncoder(),
        # dask-ml's StandardScaler refuses get_dummies' bool columns.
        module.BlockTransformer(as_float),
        module.StandardScaler(),
    )


def run_dask(module: Any, frame: dd.DataFrame) -> tuple[float, pd.Series]:
    tic = time.perf_counter()
    out = dask_pipeline(module).fit_transform(frame)
    sums = out.astype(np.float64).sum().compute()
    return time.perf_counter() - tic, sums


def run_sklearn(frame: dd.DataFrame) -> tuple[float, pd.Series]:
    tic = time.perf_counter()
    data = frame.compute()
    pipe = make_pipeline(
        sk_preprocessing.FunctionTransformer(pickup_hour),
        sk_preprocessing.FunctionTransformer(dummies),
        sk_preprocessing.StandardScaler(),
    ).set_output(transform="pandas")
    sums = pipe.fit_transform(data).sum()
    return time.perf_counter() - tic, sums


def pipeline_workload(args: argparse.Namespace) -> dict[str, Any]:
    frame = trips_frame(args.rows, args.partition_rows)
    print(
        f"\n-- pipeline: {args.rows:,} trips in {frame.npartitions} partitions "
        f"of {args.partition_rows:,} --"
    )
    contenders = {"scalearn": lambda: run_dask(sl_preprocessing, frame)}
    if dm_preprocessing is not None:
        contenders["dask-ml"] = lambda: run_dask(dm_preprocessing, frame)
    if args.rows <= args.sklearn_max_rows:
        contenders["scikit-learn"] = lambda: run_sklearn(frame)
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    sums: dict[str, pd.Series] = {}
    errors: dict[str, str] = {}
    for round_ in range(args.repeat):
        names = list(contenders)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in names:
            if name in errors:
                continue
            quiet(args)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    elapsed, result = contenders[name]()
            except Exception as error:
                errors[name] = repr(error)[:300]
                print(f"{name}: failed: {errors[name]}")
                continue
            seconds[name].append(elapsed)
            sums[name] = result
    best = {n: min(s) for n, s in seconds.items() if s}
    agreement = {}
    for name, result in sums.items():
        reference = sums["scalearn"].reindex(result.index)
        agreement[name] = float(
            np.max(np.abs(result.to_numpy() - reference.to_numpy()))
        )
    rows = [
        [
            name,
            fmt(best.get(name), ".2f"),
            fmt(statistics.median(s) if s else None, ".2f"),
            fmt(args.rows / best[name] if name in best else None, ".3g"),
            fmt(ratio(best.get(name), best.get("scalearn")), ".2f"),
            fmt(agreement.get(name), ".2g"),
        ]
        for name, s in seconds.items()
    ]
    print(
        table(
            ["library", "best s", "median s", "rows/s", "x scalearn", "max |sum diff|"],
            rows,
        )
    )
    return {
        "rows": args.rows,
        "partitions": frame.npartitions,
        "seconds": seconds,
        "best_seconds": best,
        "speedup_vs_dask_ml": ratio(best.get("dask-ml"), best.get("scalearn")),
        "speedup_vs_sklearn": ratio(best.get("scikit-learn"), best.get("scalearn")),
        "max_abs_column_sum_difference_vs_scalearn": agreement,
        "errors": errors,
    }


def robust_workload(args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    n = args.robust_rows
    X = np.column_stack(
        [
            rng.lognormal(0, 1, n),
            rng.exponential(3, n),
            rng.normal(0, 1, n) ** 3,
            np.sort(rng.normal(0, 1, n)),  # sorted: each chunk holds one range
        ]
    )
    chunks = max(n // args.robust_chunks, 1)
    Xd = da.from_array(X, chunks=(chunks, 4))
    print(f"\n-- robust: RobustScaler on {n:,} x 4 in {Xd.numblocks[0]} chunks --")
    exact = np.nanpercentile(X, [25, 50, 75], axis=0)
    iqr = exact[2] - exact[0]
    scalers = {"scalearn": sl_preprocessing.RobustScaler}
    if dm_preprocessing is not None:
        scalers["dask-ml"] = dm_preprocessing.RobustScaler
    found = {}
    rows = []
    for name, cls in scalers.items():
        quiet(args)
        tic = time.perf_counter()
        scaler = cls().fit(Xd)
        elapsed = time.perf_counter() - tic
        center_error = float(
            np.max(np.abs(np.asarray(scaler.center_) - exact[1]) / iqr)
        )
        scale_error = float(np.max(np.abs(np.asarray(scaler.scale_) - iqr) / iqr))
        found[name] = {
            "seconds": elapsed,
            "max_center_error_in_iqr": center_error,
            "max_scale_error_in_iqr": scale_error,
        }
        rows.append(
            [
                name,
                fmt(elapsed, ".2f"),
                fmt(center_error, ".2g"),
                fmt(scale_error, ".2g"),
            ]
        )
    tic = time.perf_counter()
    sk_preprocessing.RobustScaler().fit(X)
    found["scikit-learn"] = {"seconds": time.perf_counter() - tic, "in_memory": True}
    rows.append(
        [
            "scikit-learn (in memory)",
            fmt(found["scikit-learn"]["seconds"], ".2f"),
            "0",
            "0",
        ]
    )
    print(table(["library", "fit s", "center err / IQR", "scale err / IQR"], rows))
    return {"rows": n, "chunks": Xd.numblocks[0], "results": found}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000, help="taxi trips")
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--sklearn-max-rows",
        type=int,
        default=5_000_000,
        help="run scikit-learn (in pandas) only up to this many rows",
    )
    parser.add_argument("--robust-rows", type=int, default=2_000_000)
    parser.add_argument("--robust-chunks", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=["pipeline", "robust"],
        default=["pipeline", "robust"],
    )
    parser.add_argument("--wait-idle", type=float, default=None)
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "preprocessing.json"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Preprocessing: a taxi-style pipeline, three libraries")
    print(f"dask: default scheduler (threads), {dask.system.CPU_COUNT} workers")
    if DASK_ML_IMPORT_ERROR:
        print(f"dask-ml does not import: {DASK_ML_IMPORT_ERROR}")
    results = {}
    if "pipeline" in args.workloads:
        results["pipeline"] = pipeline_workload(args)
    if "robust" in args.workloads:
        results["robust"] = robust_workload(args)
    payload = {
        **facts,
        "parameters": vars(args) | {"output": str(args.output)},
        "dask_ml_import_error": DASK_ML_IMPORT_ERROR,
        "workloads": results,
    }
    print(f"\nwrote {write_json(args.output, payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
