"""KMeans in scikit-learn, dask-ml and scalearn, side by side on the same blobs.

Data: ``make_blobs(rows, features, centers=clusters, cluster_std=3,
random_state=0)``, float64, held as one numpy array (for scikit-learn) and as a
dask array of ``--block-rows`` blocks persisted in memory before anything is
timed (for dask-ml and scalearn), so every contender measures clustering only.

Contenders, each with its defaults and ``random_state=0``:

* **scikit-learn** ``KMeans(n_clusters)`` on the numpy array (k-means++, Lloyd
  in OpenMP threads on all cores), the baseline;
* **dask-ml** ``KMeans(n_clusters)`` on the dask array (k-means||);
* **scalearn** ``KMeans(n_clusters)`` on the dask array (k-means||, one pass per
  Lloyd iteration);
* **scalearn on numpy**: the same estimator on the numpy array (k-means|| on
  dask's threads, then scikit-learn's Lloyd).

The dask contenders run on dask's threaded scheduler with BLAS pinned to one
thread (so two tasks use the two cores without oversubscription); scikit-learn
keeps its own threading. Quality is the inertia as scikit-learn defines it (the
sum of squared distances of the rows to their nearest center), recomputed for
every contender from its ``cluster_centers_`` (dask-ml's own ``inertia_`` sums
unsquared distances). One untimed warm-up fit of each (at most ``--warmup-rows``
rows), then ``--repeat`` timed rounds, dask-ml in at most ``--dask-ml-repeat`` of
them because it is slow. Run ``python benchmarks/bench_cluster.py --help``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    blas_threads_in_dask_worker,
    fmt,
    ratio,
    run_header,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import pairwise_distances_argmin_min
from threadpoolctl import threadpool_limits

from scalearn.cluster import KMeans

try:
    from dask_ml.cluster import KMeans as DaskMLKMeans
except Exception as error:  # dask-ml may not import on a newer dask
    DaskMLKMeans = None
    DASK_ML_IMPORT_ERROR = f"{type(error).__name__}: {error}"
else:
    DASK_ML_IMPORT_ERROR = None

TARGET_VS_DASK_ML = 3.0
TARGET_VS_SKLEARN = 1.0
TARGET_INERTIA = 0.01


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--clusters", type=int, default=8)
    parser.add_argument("--block-rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds")
    parser.add_argument(
        "--dask-ml-repeat", type=int, default=1, help="timed rounds of dask-ml"
    )
    parser.add_argument("--warmup-rows", type=int, default=200_000)
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        help="before each round, wait up to this many seconds for other processes "
        "to leave the CPUs idle (0: do not wait)",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "cluster.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rows < args.clusters:
        parser.error("--repeat must be positive and --rows at least --clusters")
    return args


@dataclass
class Contender:
    key: str
    label: str
    on_dask: bool
    make: Any
    rounds: int
    seconds: list[float] = field(default_factory=list)
    background: list[float | None] = field(default_factory=list)
    inertia: float | None = None
    own_inertia: float | None = None
    n_iter: int | None = None
    error: str | None = None

    @property
    def best(self) -> float | None:
        return min(self.seconds) if self.seconds else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def contenders(args: argparse.Namespace) -> list[Contender]:
    k = args.clusters

    def dask_ml() -> Any:
        if DaskMLKMeans is None:
            raise ImportError(DASK_ML_IMPORT_ERROR)
        return DaskMLKMeans(n_clusters=k, random_state=0)

    return [
        Contender(
            "sklearn",
            "scikit-learn KMeans (numpy)",
            False,
            lambda: SklearnKMeans(k, random_state=0),
            args.repeat,
        ),
        Contender(
            "dask_ml", "dask-ml KMeans (dask)", True, dask_ml, args.dask_ml_repeat
        ),
        Contender(
            "scalearn",
            "scalearn KMeans (dask)",
            True,
            lambda: KMeans(k, random_state=0),
            args.repeat,
        ),
        Contender(
            "scalearn_numpy",
            "scalearn KMeans (numpy)",
            False,
            lambda: KMeans(k, random_state=0),
            args.repeat,
        ),
    ]


def squared_inertia(X: np.ndarray, centers: np.ndarray) -> float:
    """Sum of squared distances of the rows of X to their nearest center."""
    _, distances = pairwise_distances_argmin_min(X, centers)
    return float(np.sum(distances**2))


def fit_once(c: Contender, X: np.ndarray, Xd: da.Array) -> float | None:
    """Fit a fresh model once; records its quality; None if it raised."""
    model = c.make() if c.error is None else None
    if model is None:
        return None
    data = Xd if c.on_dask else X
    limit = 1 if c.on_dask else None
    with threadpool_limits(limits=limit, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        try:
            model.fit(data)
        except Exception as error:
            c.error = f"{type(error).__name__}: {error}".splitlines()[0][:300]
            return None
        seconds = time.perf_counter() - tic
    c.inertia = squared_inertia(X, np.asarray(model.cluster_centers_))
    c.own_inertia = float(model.inertia_)
    c.n_iter = int(np.max(model.n_iter_))
    return seconds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("KMeans: scikit-learn, dask-ml and scalearn")
    dask.config.set(scheduler="threads")
    tic = time.perf_counter()
    X, _ = make_blobs(
        n_samples=args.rows,
        n_features=args.features,
        centers=args.clusters,
        cluster_std=3.0,
        random_state=0,
    )
    Xd = da.from_array(X, chunks=(args.block_rows, args.features)).persist()
    print(
        f"data: {args.rows:,} x {args.features} float64 ({X.nbytes / 2**30:.2f} GiB), "
        f"{Xd.numblocks[0]} blocks of {args.block_rows:,} rows, k={args.clusters} "
        f"(made in {time.perf_counter() - tic:.1f}s)"
    )
    with threadpool_limits(limits=1, user_api="blas"):
        print(f"BLAS threads in a dask task (pinned): {blas_threads_in_dask_worker()}")
    order = contenders(args)
    small = min(args.warmup_rows, args.rows)
    print(f"warm-up: one untimed fit of each on {small:,} rows")
    for c in order:
        seconds = fit_once(c, X[:small], Xd[:small])
        print(f"  {c.key}: " + (f"{seconds:.2f}s" if c.error is None else c.error))
    for round_ in range(args.repeat):
        if args.wait_idle > 0:
            wait_for_quiet(args.wait_idle)
        line = []
        for c in order:
            if c.error is not None or len(c.seconds) >= c.rounds:
                continue
            gauge = BackgroundLoad()
            seconds = fit_once(c, X, Xd)
            if seconds is not None:
                c.seconds.append(seconds)
                c.background.append(gauge.cores())
                line.append(f"{c.key} {seconds:.2f}s ({c.n_iter} it)")
        print(f"  round {round_ + 1}: " + ", ".join(line))

    by_key = {c.key: c for c in order}
    sk, dm = by_key["sklearn"], by_key["dask_ml"]
    results, rows = {}, []
    for c in order:
        gap = ratio(c.inertia, sk.inertia)
        results[c.key] = {
            "label": c.label,
            "error": c.error,
            "seconds_best": c.best,
            "seconds_median": c.median,
            "seconds_all": c.seconds,
            "background_cores": c.background,
            "sklearn_seconds_over_this": ratio(sk.best, c.best),
            "dask_ml_seconds_over_this": ratio(dm.best, c.best),
            "inertia_squared": c.inertia,
            "inertia_reported": c.own_inertia,
            "inertia_over_sklearn": gap,
            "n_iter": c.n_iter,
        }
        rows.append(
            [
                c.label,
                fmt(c.best, ".2f") if c.error is None else c.error[:50],
                fmt(c.median, ".2f"),
                fmt(ratio(sk.best, c.best), ".2f") + "x",
                fmt(ratio(dm.best, c.best), ".2f") + "x",
                fmt(None if gap is None else gap - 1, "+.2e"),
                fmt(c.n_iter, "d"),
                fmt(max((b for b in c.background if b is not None), default=None)),
            ]
        )
    print()
    print(
        table(
            [
                "library",
                "s best",
                "s median",
                "vs sklearn",
                "vs dask-ml",
                "inertia vs sklearn",
                "iters",
                "others",
            ],
            rows,
        )
    )
    print(
        "('vs X' = X's best seconds / this one's, > 1 means faster than X; inertia "
        "is the sum of squared distances, relative to scikit-learn's; 'others': "
        "most cores other processes used during one round)"
    )
    sl = results["scalearn"]
    vs_dm, vs_sk = sl["dask_ml_seconds_over_this"], sl["sklearn_seconds_over_this"]
    gap = sl["inertia_over_sklearn"]
    targets = {
        "kmeans_vs_dask_ml": {
            "target": f"scalearn KMeans >= {TARGET_VS_DASK_ML}x dask-ml (dask-ml s / "
            "scalearn s, best of rounds)",
            "measured": vs_dm if vs_dm is not None else (dm.error or "not measured"),
            "met": None if vs_dm is None else vs_dm >= TARGET_VS_DASK_ML,
        },
        "kmeans_vs_sklearn": {
            "target": "scalearn KMeans on dask as fast as scikit-learn on numpy "
            "(sklearn s / scalearn s >= 1)",
            "measured": vs_sk,
            "met": None if vs_sk is None else vs_sk >= TARGET_VS_SKLEARN,
        },
        "kmeans_inertia": {
            "target": "scalearn's inertia within 1% of scikit-learn's",
            "measured": None if gap is None else f"{gap - 1:+.2e}",
            "met": None if gap is None else abs(gap - 1) <= TARGET_INERTIA,
        },
    }
    for target in targets.values():
        print(f"{target['target']}: {target['measured']} -> {verdict(target['met'])}")
    payload = {
        **facts,
        "description": {
            "data": f"make_blobs(n_samples={args.rows}, n_features={args.features}, "
            f"centers={args.clusters}, cluster_std=3.0, random_state=0)",
            "block_rows": args.block_rows,
            "repeat": args.repeat,
            "dask_ml_repeat": args.dask_ml_repeat,
        },
        "results": results,
        "targets": targets,
    }
    print(f"wrote {write_json(args.output, payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
