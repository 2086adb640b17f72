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
them because it is slow.

``--which minibatch`` (part of the default ``all``) compares MiniBatchKMeans on
``--minibatch-rows`` rows of the same blobs: scikit-learn's ``MiniBatchKMeans``
on the numpy array (mini-batches of 1024 rows, OpenMP threads), dask-ml's
equivalent ``Incremental(sklearn MiniBatchKMeans)`` (one pass of
``partial_fit`` over the blocks; dask-ml has no MiniBatchKMeans) and
scalearn's ``MiniBatchKMeans`` on the dask array (epochs of ``partial_fit``
over the shuffled blocks until its early stopping, then lazy labels and the
inertia in one pass), plus scalearn without ``compute_labels`` and
scikit-learn on one thread (its OpenMP threads start for every mini-batch of
1024 rows, which a busy machine makes very slow). These chains run one block
at a time, so BLAS keeps its threads for all of them; scalearn's steps run on
one thread of their own accord.

``--which spectral`` compares SpectralClustering on concentric circles
(``make_circles(rows, factor=0.4, noise=0.05, random_state=0)``, rbf with
``--spectral-gamma``, ``--landmarks`` Nystrom rows): dask-ml's and scalearn's on
``--spectral-rows`` rows (the labels computed inside the timing), each scored by
its adjusted Rand index against the true circles; and, on
``--spectral-small-rows`` rows, both against scikit-learn's exact
``SpectralClustering`` (infeasible at the large size).

Each part adds its targets to the one JSON file. Run
``python benchmarks/bench_cluster.py --help``.
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
    import_dask_ml,
    ratio,
    run_header,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.cluster import MiniBatchKMeans as SklearnMiniBatchKMeans
from sklearn.cluster import SpectralClustering as SklearnSpectralClustering
from sklearn.datasets import make_blobs, make_circles
from sklearn.metrics import adjusted_rand_score, pairwise_distances_argmin_min
from threadpoolctl import threadpool_limits

from scalearn.cluster import KMeans, MiniBatchKMeans, SpectralClustering

dm_cluster, dm_wrappers, DASK_ML_IMPORT_ERROR = import_dask_ml("cluster", "wrappers")

PARTS = ("kmeans", "minibatch", "spectral")
TARGET_VS_DASK_ML = 3.0
TARGET_VS_SKLEARN = 1.0
TARGET_INERTIA = 0.01
TARGET_MINIBATCH_INERTIA = 0.02
TARGET_SPECTRAL_ARI = 0.95


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
    parser.add_argument(
        "--which",
        nargs="+",
        choices=[*PARTS, "all"],
        default=["all"],
        help="the parts to run",
    )
    parser.add_argument("--minibatch-rows", type=int, default=5_000_000)
    parser.add_argument("--spectral-rows", type=int, default=200_000)
    parser.add_argument("--spectral-block-rows", type=int, default=25_000)
    parser.add_argument(
        "--spectral-small-rows",
        type=int,
        default=3_000,
        help="rows of the comparison with scikit-learn's exact SpectralClustering",
    )
    parser.add_argument("--spectral-gamma", type=float, default=20.0)
    parser.add_argument("--landmarks", type=int, default=100, help="n_components")
    args = parser.parse_args(argv)
    if args.repeat < 1 or min(args.rows, args.minibatch_rows) < args.clusters:
        parser.error("--repeat must be positive and --rows at least --clusters")
    args.which = list(PARTS) if "all" in args.which else args.which
    return args


@dataclass
class Contender:
    key: str
    label: str
    on_dask: bool
    make: Any
    rounds: int
    pin_blas: bool | None = None  # None: pinned to one thread on dask
    one_thread: bool = False  # every thread pool (BLAS, OpenMP) on one thread
    seconds: list[float] = field(default_factory=list)
    background: list[float | None] = field(default_factory=list)
    inertia: float | None = None
    own_inertia: float | None = None
    n_iter: int | None = None
    n_steps: int | None = None
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
        if dm_cluster is None:
            raise ImportError(DASK_ML_IMPORT_ERROR)
        return dm_cluster.KMeans(n_clusters=k, random_state=0)

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


def centers_of(model: Any) -> np.ndarray:
    """The cluster centers of a fitted model (or of the model a wrapper trained)."""
    inner = getattr(model, "estimator_", model)
    return np.asarray(inner.cluster_centers_)


def fit_once(c: Contender, X: np.ndarray, Xd: da.Array) -> float | None:
    """Fit a fresh model once; records its quality; None if it raised."""
    model = c.make() if c.error is None else None
    if model is None:
        return None
    data = Xd if c.on_dask else X
    pinned = c.on_dask if c.pin_blas is None else c.pin_blas
    limits = threadpool_limits(
        limits=1 if pinned or c.one_thread else None,
        user_api=None if c.one_thread else "blas",
    )
    with limits, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        try:
            model.fit(data)
        except Exception as error:
            c.error = f"{type(error).__name__}: {error}".splitlines()[0][:300]
            return None
        seconds = time.perf_counter() - tic
    c.inertia = squared_inertia(X, centers_of(model))
    own = getattr(model, "inertia_", None)
    c.own_inertia = None if own is None else float(own)
    n_iter = getattr(getattr(model, "estimator_", model), "n_iter_", None)
    c.n_iter = None if n_iter is None else int(np.max(n_iter))
    n_steps = getattr(getattr(model, "estimator_", model), "n_steps_", None)
    c.n_steps = None if n_steps is None else int(n_steps)
    return seconds


def blobs(args: argparse.Namespace, rows: int, cache: dict) -> tuple:
    """The blobs of ``rows`` rows, as numpy and as a persisted dask array (once)."""
    if rows not in cache:
        tic = time.perf_counter()
        X, _ = make_blobs(
            n_samples=rows,
            n_features=args.features,
            centers=args.clusters,
            cluster_std=3.0,
            random_state=0,
        )
        Xd = da.from_array(X, chunks=(args.block_rows, args.features)).persist()
        print(
            f"data: {rows:,} x {args.features} float64 ({X.nbytes / 2**30:.2f} "
            f"GiB), {Xd.numblocks[0]} blocks of {args.block_rows:,} rows, "
            f"k={args.clusters} (made in {time.perf_counter() - tic:.1f}s)"
        )
        cache[rows] = (X, Xd)
    return cache[rows]


def run_rounds(args: argparse.Namespace, order: list, X: Any, Xd: Any) -> None:
    """One untimed warm-up fit of each on a few rows, then the timed rounds."""
    small = min(args.warmup_rows, len(X))
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


def run_part(
    args: argparse.Namespace, title: str, rows: int, order: list, cache: dict
) -> tuple[Contender, Contender]:
    """Time the contenders on the blobs; return scikit-learn's and dask-ml's."""
    print(f"\n== {title} ==")
    X, Xd = blobs(args, rows, cache)
    run_rounds(args, order, X, Xd)
    by_key = {c.key: c for c in order}
    return by_key["sklearn"], by_key["dask_ml"]


def record(c: Contender, sk: Contender, dm: Contender) -> dict[str, Any]:
    """A contender's times, ratios and inertia, for the JSON file."""
    return {
        "label": c.label,
        "error": c.error,
        "seconds_best": c.best,
        "seconds_median": c.median,
        "seconds_all": c.seconds,
        "background_cores": c.background,
        "sklearn_seconds_over_this": ratio(sk.best, c.best),
        "dask_ml_seconds_over_this": ratio(dm.best, c.best),
        "inertia_squared": c.inertia,
        "inertia_over_sklearn": ratio(c.inertia, sk.inertia),
    }


def most_background(c: Contender) -> str:
    return fmt(max((b for b in c.background if b is not None), default=None))


def run_kmeans(args: argparse.Namespace, cache: dict) -> tuple[dict, dict]:
    """KMeans side by side: the section of the JSON file and its targets."""
    order = contenders(args)
    sk, dm = run_part(args, "KMeans", args.rows, order, cache)
    results, rows = {}, []
    for c in order:
        gap = ratio(c.inertia, sk.inertia)
        results[c.key] = {
            **record(c, sk, dm),
            "inertia_reported": c.own_inertia,
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
                most_background(c),
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
    section = {
        "description": {
            "data": f"make_blobs(n_samples={args.rows}, n_features={args.features}, "
            f"centers={args.clusters}, cluster_std=3.0, random_state=0)",
            "block_rows": args.block_rows,
            "repeat": args.repeat,
            "dask_ml_repeat": args.dask_ml_repeat,
        },
        "results": results,
    }
    return section, targets


def minibatch_contenders(args: argparse.Namespace) -> list[Contender]:
    k = args.clusters

    def dask_ml() -> Any:
        if dm_wrappers is None:
            raise ImportError(DASK_ML_IMPORT_ERROR)
        return dm_wrappers.Incremental(SklearnMiniBatchKMeans(k, random_state=0))

    return [
        Contender(
            "sklearn",
            "scikit-learn MiniBatchKMeans (numpy)",
            False,
            lambda: SklearnMiniBatchKMeans(k, random_state=0),
            args.repeat,
        ),
        Contender(
            "sklearn_one_thread",
            "scikit-learn MiniBatchKMeans, one thread (numpy)",
            False,
            lambda: SklearnMiniBatchKMeans(k, random_state=0),
            args.repeat,
            one_thread=True,
        ),
        Contender(
            "dask_ml",
            "dask-ml Incremental(MiniBatchKMeans) (dask)",
            True,
            dask_ml,
            args.repeat,
            pin_blas=False,
        ),
        Contender(
            "scalearn",
            "scalearn MiniBatchKMeans (dask)",
            True,
            lambda: MiniBatchKMeans(k, random_state=0),
            args.repeat,
            pin_blas=False,
        ),
        Contender(
            "scalearn_no_labels",
            "scalearn MiniBatchKMeans, compute_labels=False (dask)",
            True,
            lambda: MiniBatchKMeans(k, random_state=0, compute_labels=False),
            args.repeat,
            pin_blas=False,
        ),
    ]


def run_minibatch(args: argparse.Namespace, cache: dict) -> tuple[dict, dict]:
    """MiniBatchKMeans side by side: the section of the JSON file and its targets."""
    order = minibatch_contenders(args)
    sk, dm = run_part(args, "MiniBatchKMeans", args.minibatch_rows, order, cache)
    results, rows = {}, []
    for c in order:
        gap = ratio(c.inertia, sk.inertia)
        results[c.key] = {**record(c, sk, dm), "epochs": c.n_iter, "steps": c.n_steps}
        rows.append(
            [
                c.label,
                fmt(c.best, ".2f") if c.error is None else c.error[:50],
                fmt(ratio(sk.best, c.best), ".2f") + "x",
                fmt(ratio(dm.best, c.best), ".2f") + "x",
                fmt(None if gap is None else gap - 1, "+.2e"),
                fmt(c.n_iter, "d"),
                fmt(c.n_steps, "d"),
                most_background(c),
            ]
        )
    print()
    headers = ["library", "s best", "vs sklearn", "vs dask-ml", "inertia vs sklearn"]
    print(table([*headers, "epochs", "steps", "others"], rows))
    print(
        "(inertia relative to scikit-learn's MiniBatchKMeans; dask-ml's Incremental "
        "makes one pass and sets no labels; steps = mini-batches, a block each on "
        "dask)"
    )
    sl = results["scalearn"]
    gap, vs_dm = sl["inertia_over_sklearn"], sl["dask_ml_seconds_over_this"]
    dm_gap = results["dask_ml"]["inertia_over_sklearn"]
    targets = {
        "minibatch_inertia": {
            "target": "scalearn MiniBatchKMeans's inertia within 2% of scikit-learn's "
            "MiniBatchKMeans",
            "measured": None if gap is None else f"{gap - 1:+.2e}",
            "met": None if gap is None else gap - 1 <= TARGET_MINIBATCH_INERTIA,
        },
        "minibatch_vs_dask_ml": {
            "target": "scalearn MiniBatchKMeans (with labels and inertia) no slower "
            "than dask-ml's Incremental(MiniBatchKMeans) at no worse inertia "
            "(dask-ml s / scalearn s >= 1)",
            "measured": vs_dm if vs_dm is not None else (dm.error or "not measured"),
            "met": None
            if vs_dm is None or gap is None or dm_gap is None
            else vs_dm >= 1 and gap <= dm_gap * (1 + 1e-3),
        },
    }
    section = {
        "description": {
            "data": f"make_blobs(n_samples={args.minibatch_rows}, n_features="
            f"{args.features}, centers={args.clusters}, cluster_std=3.0, "
            "random_state=0)",
            "block_rows": args.block_rows,
            "repeat": args.repeat,
        },
        "results": results,
    }
    return section, targets


def spectral_models(args: argparse.Namespace) -> dict[str, Any]:
    """Fresh models of each contender, by key (dask-ml's only where it imports)."""
    params = {
        "n_clusters": 2,
        "gamma": args.spectral_gamma,
        "random_state": 0,
        "n_components": args.landmarks,
    }
    makers: dict[str, Any] = {
        "scalearn": lambda: SpectralClustering(**params),
        "scalearn_persist": lambda: SpectralClustering(
            **params, persist_embedding=True
        ),
    }
    if dm_cluster is not None:
        makers = {"dask_ml": lambda: dm_cluster.SpectralClustering(**params), **makers}
    return makers


def spectral_fit(make: Any, Xd: da.Array) -> tuple[float, np.ndarray]:
    """Seconds to fit and compute the labels (BLAS pinned, as for dask KMeans)."""
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        model = make().fit(Xd)
        labels = np.asarray(dask.compute(model.labels_)[0])
        return time.perf_counter() - tic, labels


def run_spectral(args: argparse.Namespace) -> tuple[dict, dict]:
    """SpectralClustering: dask-ml and scalearn on many rows, and against
    scikit-learn's exact spectral clustering on a few."""
    print("\n== SpectralClustering ==")
    circles = {"factor": 0.4, "noise": 0.05, "random_state": 0}
    X, truth = make_circles(args.spectral_rows, **circles)
    Xd = da.from_array(X, chunks=(args.spectral_block_rows, 2)).persist()
    print(
        f"data: make_circles({args.spectral_rows:,}), {Xd.numblocks[0]} blocks; "
        f"gamma={args.spectral_gamma}, {args.landmarks} landmarks"
    )
    results: dict[str, dict] = {}
    makers = spectral_models(args)
    for key, make in makers.items():
        rounds = 1 if key == "dask_ml" else args.repeat
        seconds, background = [], []
        ari = None
        for _ in range(rounds):
            if args.wait_idle > 0:
                wait_for_quiet(args.wait_idle)
            gauge = BackgroundLoad()
            try:
                took, labels = spectral_fit(make, Xd)
            except Exception as error:
                results[key] = {"error": f"{type(error).__name__}: {error}"[:300]}
                break
            seconds.append(took)
            background.append(gauge.cores())
            ari = adjusted_rand_score(truth, labels)
            print(f"  {key}: {took:.2f}s, ARI vs truth {ari:.4f}")
        results.setdefault(
            key,
            {
                "seconds_best": min(seconds),
                "seconds_all": seconds,
                "background_cores": background,
                "ari_vs_truth": ari,
            },
        )
    if dm_cluster is None:
        results["dask_ml"] = {"error": DASK_ML_IMPORT_ERROR}
    small, small_truth = make_circles(args.spectral_small_rows, **circles)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        exact = SklearnSpectralClustering(
            2, gamma=args.spectral_gamma, random_state=0
        ).fit(small)
        exact_seconds = time.perf_counter() - tic
    results["sklearn_small"] = {
        "seconds": exact_seconds,
        "ari_vs_truth": adjusted_rand_score(small_truth, exact.labels_),
    }
    small_d = da.from_array(small, chunks=(max(1, len(small) // 4), 2))
    for key, make in makers.items():
        try:
            took, labels = spectral_fit(make, small_d)
        except Exception as error:
            results[key]["small_error"] = f"{type(error).__name__}: {error}"[:300]
            continue
        results[key]["small_seconds"] = took
        results[key]["small_ari_vs_sklearn"] = adjusted_rand_score(
            exact.labels_, labels
        )
        results[key]["small_ari_vs_truth"] = adjusted_rand_score(small_truth, labels)
    dm_best = results.get("dask_ml", {}).get("seconds_best")
    rows = []
    for key, r in results.items():
        best = r.get("seconds_best", r.get("seconds"))
        r["dask_ml_seconds_over_this"] = ratio(dm_best, best)
        rows.append(
            [
                key,
                fmt(best, ".2f") if "error" not in r else r["error"][:50],
                fmt(ratio(dm_best, best), ".2f") + "x",
                fmt(r.get("ari_vs_truth"), ".4f"),
                fmt(r.get("small_ari_vs_sklearn"), ".4f"),
                fmt(r.get("small_ari_vs_truth"), ".4f"),
            ]
        )
    print()
    headers = ["contender", "s best", "vs dask-ml", "ARI truth"]
    print(table([*headers, "small: ARI sklearn", "small: ARI truth"], rows))
    print(
        f"(large: {args.spectral_rows:,} rows, labels computed in the timing; "
        f"small: {args.spectral_small_rows:,} rows, where sklearn_small is "
        "scikit-learn's exact spectral clustering)"
    )
    sl = results.get("scalearn", {})
    vs_dm = sl.get("dask_ml_seconds_over_this")
    small_ari, large_ari = sl.get("small_ari_vs_sklearn"), sl.get("ari_vs_truth")
    targets = {
        "spectral_vs_dask_ml": {
            "target": "scalearn SpectralClustering faster than dask-ml's "
            f"(dask-ml s / scalearn s, {args.spectral_rows:,} rows)",
            "measured": vs_dm
            if vs_dm is not None
            else results.get("dask_ml", {}).get("error", "not measured"),
            "met": None if vs_dm is None else vs_dm >= 1,
        },
        "spectral_ari_vs_sklearn": {
            "target": "scalearn's labels agree with scikit-learn's exact spectral "
            f"clustering (adjusted Rand >= {TARGET_SPECTRAL_ARI}, "
            f"{args.spectral_small_rows:,} rows)",
            "measured": small_ari,
            "met": None if small_ari is None else small_ari >= TARGET_SPECTRAL_ARI,
        },
        "spectral_ari_vs_truth": {
            "target": f"scalearn finds the circles (adjusted Rand >= "
            f"{TARGET_SPECTRAL_ARI}, {args.spectral_rows:,} rows)",
            "measured": large_ari,
            "met": None if large_ari is None else large_ari >= TARGET_SPECTRAL_ARI,
        },
    }
    section = {
        "description": {
            "data": f"make_circles(n_samples={args.spectral_rows}, factor=0.4, "
            "noise=0.05, random_state=0)",
            "block_rows": args.spectral_block_rows,
            "small_rows": args.spectral_small_rows,
            "gamma": args.spectral_gamma,
            "landmarks": args.landmarks,
            "repeat": args.repeat,
        },
        "results": results,
    }
    return section, targets


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Clustering: scikit-learn, dask-ml and scalearn")
    dask.config.set(scheduler="threads")
    with threadpool_limits(limits=1, user_api="blas"):
        print(f"BLAS threads in a dask task (pinned): {blas_threads_in_dask_worker()}")
    cache: dict = {}
    payload: dict[str, Any] = {**facts, "parts": args.which}
    targets: dict[str, dict] = {}
    if "kmeans" in args.which:
        section, found = run_kmeans(args, cache)
        payload.update(section)  # at the top, where earlier results put KMeans
        targets.update(found)
        if args.minibatch_rows != args.rows:
            cache.clear()  # the next part needs other rows: free these first
    if "minibatch" in args.which:
        section, found = run_minibatch(args, cache)
        payload["minibatch"] = section
        targets.update(found)
    cache.clear()
    if "spectral" in args.which:
        section, found = run_spectral(args)
        payload["spectral"] = section
        targets.update(found)
    print()
    for target in targets.values():
        print(f"{target['target']}: {target['measured']} -> {verdict(target['met'])}")
    payload["targets"] = targets
    print(f"wrote {write_json(args.output, payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
