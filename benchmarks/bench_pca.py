"""PCA on a tall 4 GB array in scikit-learn, dask-ml and scalearn, side by side.

Data: ``--rows`` x ``--cols`` float64 (by default 5M x 100 = 4 GB; ``--rows
25000000 --cols 20`` is the other 4 GB shape): standard normal rows times a
fixed mixing matrix whose singular values decay from 10 to 0.5, so that the
spectrum has distinct, well separated variances. The array is
generated once into one numpy array (for scikit-learn); the dask contenders get
``da.from_array`` of it in ``--chunk-rows`` blocks, which are views of the same
memory, so the data are held once and every contender measures the
decomposition only.

Contenders, ``n_components=--components`` (10 by default) and ``random_state=0``:

* **scikit-learn** ``PCA`` on the numpy array: ``svd_solver="auto"`` (which is
  ``"covariance_eigh"`` for tall data) and ``"randomized"``, plus ``"full"``
  (LAPACK SVD of the centered copy) with ``--sklearn-full``;
* **dask-ml** ``PCA`` on the dask array: ``svd_solver="full"`` (dask's tsqr
  SVD) and ``"randomized"`` (dask's ``svd_compressed``, its default of 0 power
  iterations, and with ``iterated_power=4``, scikit-learn's and scalearn's
  count here, for the same accuracy);
* **scalearn** ``PCA`` on the dask array: ``"auto"`` (``"covariance_eigh"``: the
  blocks' scatter matrices merged, one pass), ``"tsqr"`` (the blocks' R factors
  merged, one pass) and ``"randomized"`` (scikit-learn's number of power
  iterations).

The dask contenders run on dask's threaded scheduler. Each contender is fitted
``--repeat`` times (best reported) after waiting for a quiet machine. Peak
memory is the process's RSS high-water mark (``VmHWM``, reset before each fit)
minus the RSS before the fit: the extra memory the fit needed on top of the
data. A contender whose expected extra memory exceeds what ``psutil`` reports
available is skipped, and said so. Agreement: each ``explained_variance_``
against the reference (scikit-learn's ``"auto"``, exact in float64 here) as a
maximum relative difference, and the components as ``max_k (1 - |<c_k,
ref_k>|)`` (0 when equal up to sign).

Run ``python benchmarks/bench_pca.py --help``; ``--rows 500000`` for a quick run.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
import psutil
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    blas_threads,
    fmt,
    fmt_bytes,
    import_dask_ml,
    ratio,
    reset_peak_rss,
    run_header,
    status_bytes,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from sklearn.decomposition import PCA as SklearnPCA

from scalearn.decomposition import PCA

dm_decomposition, DASK_ML_IMPORT_ERROR = import_dask_ml("decomposition")

TARGET_VS_DASK_ML = 1.0  # scalearn's exact PCA at least as fast as dask-ml's
AGREEMENT = 1e-6  # relative difference of explained_variance_ for exact solvers


@dataclass
class Contender:
    key: str
    label: str
    make: Callable[[], Any]
    on_dask: bool
    exact: bool
    # Extra memory the fit is expected to need, in units of the data's size.
    memory_factor: float
    seconds: list[float] = field(default_factory=list)
    peak_extra: list[int] = field(default_factory=list)
    model: Any = None
    skipped: str | None = None

    @property
    def best(self) -> float | None:
        return min(self.seconds) if self.seconds else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="fits per contender")
    parser.add_argument(
        "--sklearn-full",
        action="store_true",
        help="also scikit-learn's svd_solver='full' (about 2-3x the data's "
        "size of extra memory)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=30.0,
        help="before each fit, wait up to this many seconds for a quiet machine",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "pca.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    if min(args.rows, args.cols, args.chunk_rows, args.components, args.repeat) < 1:
        parser.error("--rows, --cols, --chunk-rows, --components, --repeat >= 1")
    if args.components > args.cols:
        parser.error("--components must be at most --cols")
    return args


def make_data(rows: int, cols: int, chunk_rows: int, seed: int) -> np.ndarray:
    """Rows ``z @ mixing``, z standard normal, filled block by block in place."""
    rng = np.random.default_rng([seed, 0])
    left, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
    right, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
    mixing = left @ np.diag(np.geomspace(10.0, 0.5, cols)) @ right
    X = np.empty((rows, cols))
    for i, start in enumerate(range(0, rows, chunk_rows)):
        stop = min(start + chunk_rows, rows)
        z = np.random.default_rng([seed, 1, i]).standard_normal((stop - start, cols))
        np.matmul(z, mixing, out=X[start:stop])
    X += np.linspace(-1.0, 1.0, cols)  # a mean to remove
    return X


def contenders(args: argparse.Namespace) -> list[Contender]:
    k = args.components
    # key, label, estimator, on dask, exact, extra memory in units of the data
    specs = [
        ("sklearn_auto", "scikit-learn PCA() (auto: covariance_eigh)",
         lambda: SklearnPCA(k, random_state=0), False, True, 0.1),
        ("sklearn_randomized", "scikit-learn PCA(svd_solver='randomized')",
         lambda: SklearnPCA(k, svd_solver="randomized", random_state=0),
         False, False, 2.5),
    ]  # fmt: skip
    if args.sklearn_full:
        specs.append(
            ("sklearn_full", "scikit-learn PCA(svd_solver='full')",
             lambda: SklearnPCA(k, svd_solver="full"), False, True, 3.0)
        )  # fmt: skip
    if dm_decomposition is not None:
        dm_pca = dm_decomposition.PCA
        specs += [
            ("dask_ml_full", "dask-ml PCA(svd_solver='full') (tsqr)",
             lambda: dm_pca(k, svd_solver="full"), True, True, 2.0),
            ("dask_ml_randomized", "dask-ml PCA(svd_solver='randomized')",
             lambda: dm_pca(k, svd_solver="randomized", random_state=0),
             True, False, 2.0),
            ("dask_ml_randomized_4", "dask-ml PCA(randomized, iterated_power=4)",
             lambda: dm_pca(k, svd_solver="randomized", iterated_power=4,
                            random_state=0), True, False, 2.0),
        ]  # fmt: skip
    specs += [
        ("scalearn_auto", "scalearn PCA() (auto: covariance_eigh)",
         lambda: PCA(k, random_state=0), True, True, 0.5),
        ("scalearn_tsqr", "scalearn PCA(svd_solver='tsqr')",
         lambda: PCA(k, svd_solver="tsqr"), True, True, 0.5),
        ("scalearn_randomized", "scalearn PCA(svd_solver='randomized')",
         lambda: PCA(k, svd_solver="randomized", random_state=0), True, False, 1.0),
    ]  # fmt: skip
    return [Contender(*row) for row in specs]


def fit_once(c: Contender, X: np.ndarray, Xd: da.Array) -> None:
    can_reset = reset_peak_rss()
    before = status_bytes("VmRSS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dask's large-graph and chunk warnings
        tic = time.perf_counter()
        c.model = c.make().fit(Xd if c.on_dask else X)
        c.seconds.append(time.perf_counter() - tic)
    peak = status_bytes("VmHWM") if can_reset else None
    if peak is not None and before is not None:
        c.peak_extra.append(max(peak - before, 0))


def agreement(c: Contender, reference: Contender) -> tuple[float, float]:
    ours, theirs = (
        np.asarray(c.model.explained_variance_),
        reference.model.explained_variance_,
    )
    variance = float(np.abs(ours - theirs).max() / theirs.max())
    cosines = np.abs(
        np.sum(np.asarray(c.model.components_) * reference.model.components_, axis=1)
    )
    return variance, float((1 - cosines).max())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("PCA on a tall array: scikit-learn, dask-ml, scalearn")
    if DASK_ML_IMPORT_ERROR:
        print(f"dask-ml not measured: {DASK_ML_IMPORT_ERROR}")
    dask.config.set(scheduler="threads")
    tic = time.perf_counter()
    X = make_data(args.rows, args.cols, args.chunk_rows, args.seed)
    Xd = da.from_array(X, chunks=(args.chunk_rows, args.cols), name=False)
    setup = time.perf_counter() - tic
    print(
        f"data: {args.rows:,} x {args.cols} float64 = {fmt_bytes(X.nbytes)} in "
        f"{Xd.numblocks[0]} blocks of {args.chunk_rows:,} rows (views of one numpy "
        f"array); generated in {setup:.1f} s (not timed); BLAS threads "
        f"{blas_threads()}; n_components={args.components}"
    )
    order = contenders(args)
    background: dict[str, list[float | None]] = {}
    for c in order:
        needed = c.memory_factor * X.nbytes
        available = psutil.virtual_memory().available
        if needed > 0.8 * available:
            c.skipped = (
                f"needs about {fmt_bytes(needed)} more memory, "
                f"{fmt_bytes(available)} available"
            )
            print(f"  {c.key}: skipped ({c.skipped})")
            continue
        for _ in range(args.repeat):
            if args.wait_idle > 0:
                wait_for_quiet(args.wait_idle)
            gauge = BackgroundLoad()
            fit_once(c, X, Xd)
            background.setdefault(c.key, []).append(gauge.cores())
        print(
            f"  {c.key}: {c.seconds[-1]:.2f} s, peak extra memory "
            f"{fmt_bytes(max(c.peak_extra) if c.peak_extra else None)} (other "
            f"processes: {fmt(background[c.key][-1], '.2f')} cores)"
        )

    by_key = {c.key: c for c in order}
    reference = by_key["sklearn_auto"]
    if reference.model is None:
        reference = by_key["scalearn_tsqr"]
    sklearn_auto = by_key["sklearn_auto"]
    rows_out, results = [], {}
    for c in order:
        if c.model is None:
            results[c.key] = {"label": c.label, "skipped": c.skipped}
            rows_out.append([c.label, "skipped", "-", "-", "-", "-", "-"])
            continue
        variance_diff, component_diff = agreement(c, reference)
        results[c.key] = {
            "label": c.label,
            "seconds_best": c.best,
            "seconds_all": c.seconds,
            "seconds_vs_sklearn_auto": ratio(c.best, sklearn_auto.best),
            "peak_extra_memory_bytes": max(c.peak_extra) if c.peak_extra else None,
            "explained_variance_max_rel_diff": variance_diff,
            "components_max_one_minus_cosine": component_diff,
            "explained_variance_": np.asarray(c.model.explained_variance_).tolist(),
            "background_cores": background.get(c.key),
        }
        rows_out.append(
            [
                c.label,
                fmt(c.best, ".2f"),
                fmt(ratio(c.best, sklearn_auto.best), ".2f") + "x",
                fmt_bytes(max(c.peak_extra) if c.peak_extra else None),
                fmt(variance_diff, ".1e"),
                fmt(component_diff, ".1e"),
                fmt(max(x or 0 for x in background[c.key]), ".2f"),
            ]
        )
    print()
    print(
        table(
            [
                "method",
                "seconds",
                "s / sklearn auto s",
                "peak extra memory",
                "explained var rel diff",
                "1 - |cos| components",
                "others' cores",
            ],
            rows_out,
        )
    )

    def speed(ours: str, theirs: str) -> float | None:
        if ours not in results or theirs not in results:
            return None
        return ratio(
            results[theirs].get("seconds_best"), results[ours].get("seconds_best")
        )

    targets: dict[str, dict[str, Any]] = {}
    for ours, theirs in [
        ("scalearn_tsqr", "dask_ml_full"),
        ("scalearn_auto", "dask_ml_full"),
        ("scalearn_randomized", "dask_ml_randomized"),
        ("scalearn_randomized", "dask_ml_randomized_4"),
    ]:
        measured = speed(ours, theirs)
        targets[f"{ours}_vs_{theirs}"] = {
            "target": f"{ours} at least {TARGET_VS_DASK_ML}x as fast as {theirs}",
            "measured": measured,
            "met": None if measured is None else measured >= TARGET_VS_DASK_ML,
        }
    exact = [c for c in order if c.exact and c.model is not None]
    worst = max(results[c.key]["explained_variance_max_rel_diff"] for c in exact)
    targets["exact_agreement"] = {
        "target": f"exact solvers' explained_variance_ within {AGREEMENT} "
        "(relative) of the reference",
        "measured": worst,
        "met": worst <= AGREEMENT,
    }
    for target in targets.values():
        measured = target["measured"]
        shown = "-" if measured is None else f"{measured:.3g}"
        print(
            f"target {target['target']}: measured {shown} -> {verdict(target['met'])}"
        )

    payload = {
        **facts,
        "parameters": {
            "rows": args.rows,
            "cols": args.cols,
            "chunk_rows": args.chunk_rows,
            "n_blocks": Xd.numblocks[0],
            "data_bytes": int(X.nbytes),
            "components": args.components,
            "repeat": args.repeat,
            "dask_scheduler": "threads",
            "seed": args.seed,
            "reference": reference.key,
            "dask_ml_import_error": DASK_ML_IMPORT_ERROR,
        },
        "setup_seconds": setup,
        "results": results,
        "targets": targets,
    }
    path = write_json(args.output, payload)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
