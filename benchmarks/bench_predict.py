"""Big predict: ParallelPostFit(LogisticRegression()).predict_proba over a tall array.

Three ways to get the class-1 probabilities of every row of the same in-memory
dask array, each reduced to one number (the column's sum) so that no output is
held:

* a serial loop over the array's numpy blocks calling scikit-learn's
  ``predict_proba`` on each (the baseline);
* ``scalearn.wrappers.ParallelPostFit`` (lazy, blockwise, dask threads);
* ``dask_ml.wrappers.ParallelPostFit`` (the same, from dask-ml).

The data are generated and persisted in memory before anything is timed, so the
figures measure prediction and nothing else. BLAS is pinned to one thread for
the three contenders (so that the serial loop really is serial and dask's
threads are not oversubscribed); the serial loop is also timed with the default
BLAS threads, for honesty. A fourth row, the same numpy blocks mapped over a
plain thread pool without dask, shows how much parallel speed-up this kernel
can get from this machine at all. Each figure is the best of ``--repeat`` runs,
with the contenders interleaved within each round.

Run ``python benchmarks/bench_predict.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    blas_threads,
    blas_threads_in_dask_worker,
    fmt,
    fmt_bytes,
    fmt_rate,
    ratio,
    run_header,
    spread,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from dask_ml.wrappers import ParallelPostFit as DaskMLParallelPostFit
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from scalearn.wrappers import ParallelPostFit

TARGET_VS_SERIAL = 1.8
TARGET_VS_DASK_ML = 1.0


@dataclass
class Contender:
    key: str
    label: str
    run: Callable[[], float]
    pin_blas: bool
    seconds: list[float] = field(default_factory=list)
    checksums: list[float] = field(default_factory=list)

    @property
    def best(self) -> float | None:
        return min(self.seconds) if self.seconds else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument(
        "--chunk-rows", type=int, default=500_000, help="rows per dask block"
    )
    parser.add_argument("--repeat", type=int, default=5, help="report the best of N")
    parser.add_argument(
        "--fit-rows",
        type=int,
        default=100_000,
        help="rows of the in-memory sample the model is trained on",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="dask threads (default: the number of usable CPUs)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        help="before each round, wait up to this many seconds for other processes "
        "to leave the CPUs idle (0: do not wait)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "predict.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.chunk_rows < 1 or args.repeat < 1:
        parser.error("--rows, --chunk-rows and --repeat must be positive")
    return args


def make_data(
    rows: int, features: int, chunk_rows: int, seed: int
) -> tuple[da.Array, list[np.ndarray], float]:
    """A persisted float64 dask array and its blocks (the same memory, no copy)."""
    tic = time.perf_counter()
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    X = X.persist()
    blocks = list(dask.compute(*X.to_delayed().ravel()))
    return X, blocks, time.perf_counter() - tic


def training_sample(
    blocks: list[np.ndarray], n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` rows with labels from a noisy linear rule."""
    X_fit = np.concatenate(blocks[: math.ceil(n / len(blocks[0])) or 1])[:n]
    rng = np.random.default_rng([seed, 1])
    weights = rng.standard_normal(X_fit.shape[1])
    noise = rng.standard_normal(len(X_fit))
    y_fit = (X_fit @ weights + noise > 0).astype(np.int64)
    return X_fit, y_fit


def build_contenders(
    X: da.Array,
    blocks: list[np.ndarray],
    X_fit: np.ndarray,
    y_fit: np.ndarray,
    workers: int,
) -> list[Contender]:
    model = LogisticRegression().fit(X_fit, y_fit)
    scalearn_model = ParallelPostFit(LogisticRegression()).fit(X_fit, y_fit)
    dask_ml_model = DaskMLParallelPostFit(LogisticRegression()).fit(X_fit, y_fit)

    def serial_loop() -> float:
        total = 0.0
        for block in blocks:
            total += float(model.predict_proba(block)[:, 1].sum())
        return total

    def scalearn_predict() -> float:
        return float(scalearn_model.predict_proba(X)[:, 1].sum().compute())

    def dask_ml_predict() -> float:
        return float(dask_ml_model.predict_proba(X)[:, 1].sum().compute())

    def thread_pool() -> float:
        def one(block: np.ndarray) -> float:
            return float(model.predict_proba(block)[:, 1].sum())

        with ThreadPoolExecutor(workers) as pool:
            return float(sum(pool.map(one, blocks)))

    return [
        Contender("serial", "serial numpy loop (BLAS 1 thread)", serial_loop, True),
        Contender(
            "scalearn",
            "scalearn ParallelPostFit (BLAS 1 thread)",
            scalearn_predict,
            True,
        ),
        Contender(
            "dask_ml", "dask-ml ParallelPostFit (BLAS 1 thread)", dask_ml_predict, True
        ),
        Contender(
            "thread_pool",
            f"reference: numpy blocks on a {workers}-thread pool, no dask",
            thread_pool,
            True,
        ),
        Contender(
            "serial_default_blas",
            f"serial numpy loop (default BLAS, {blas_threads()} threads)",
            serial_loop,
            False,
        ),
    ]


def time_once(contender: Contender) -> tuple[float, float]:
    if contender.pin_blas:
        with threadpool_limits(limits=1, user_api="blas"):
            tic = time.perf_counter()
            checksum = contender.run()
            seconds = time.perf_counter() - tic
    else:
        tic = time.perf_counter()
        checksum = contender.run()
        seconds = time.perf_counter() - tic
    return seconds, checksum


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Big predict: ParallelPostFit(LogisticRegression).predict_proba")
    workers = args.workers or facts["machine"]["usable_cpus"]
    dask.config.set(scheduler="threads", num_workers=workers)

    default_blas = blas_threads()
    with threadpool_limits(limits=1, user_api="blas"):
        pinned_main = blas_threads()
        pinned_worker = blas_threads_in_dask_worker()
    print(
        f"BLAS threads: default {default_blas}; pinned to {pinned_main} in the main "
        f"thread and {pinned_worker} inside dask worker threads (threadpoolctl) for "
        "every row except the last"
    )
    print(f"dask scheduler: threads, {workers} workers")

    X, blocks, gen_seconds = make_data(
        args.rows, args.features, args.chunk_rows, args.seed
    )
    print(
        f"data: {args.rows:,} x {args.features} float64 = {fmt_bytes(X.nbytes)} in "
        f"{len(blocks)} blocks of {args.chunk_rows:,} rows, generated and persisted "
        f"in memory in {gen_seconds:.1f} s (not timed below)"
    )
    X_fit, y_fit = training_sample(blocks, args.fit_rows, args.seed)
    contenders = build_contenders(X, blocks, X_fit, y_fit, workers)

    print(f"warm-up: one untimed run of each; then best of {args.repeat} rounds")
    for contender in contenders:
        time_once(contender)
    background = []
    for round_ in range(args.repeat):
        if args.wait_idle > 0:
            wait_for_quiet(args.wait_idle)
        gauge = BackgroundLoad()
        for contender in contenders:
            seconds, checksum = time_once(contender)
            contender.seconds.append(seconds)
            contender.checksums.append(checksum)
        background.append(gauge.cores())
        summary = ", ".join(f"{c.key} {c.seconds[-1]:.2f}s" for c in contenders)
        print(
            f"  round {round_ + 1}: {summary} "
            f"(other processes: {fmt(background[-1], '.2f')} cores)"
        )

    by_key = {c.key: c for c in contenders}
    serial_best = by_key["serial"].best
    dask_ml_best = by_key["dask_ml"].best
    reference = by_key["serial"].checksums[0]
    agree = all(
        math.isclose(s, reference, rel_tol=1e-9)
        for c in contenders
        for s in c.checksums
    )

    rows_out = []
    results = {}
    for c in contenders:
        vs_serial = ratio(serial_best, c.best)
        vs_dask_ml = ratio(dask_ml_best, c.best)
        rows_out.append(
            [
                c.label,
                fmt(c.best, ".3f"),
                fmt_rate(args.rows / c.best),
                fmt(vs_serial, ".2f") + "x",
                fmt(vs_dask_ml, ".2f") + "x",
            ]
        )
        results[c.key] = {
            "label": c.label,
            "blas_threads": 1 if c.pin_blas else default_blas,
            "seconds_best": c.best,
            "seconds_median": c.median,
            "seconds_all": c.seconds,
            "rows_per_second": args.rows / c.best,
            "speedup_vs_serial": vs_serial,
            "speedup_vs_dask_ml": vs_dask_ml,
            "checksum": c.checksums[0],
        }
    print()
    print(
        table(
            ["method", "seconds", "rows/s", "vs serial", "vs dask-ml"],
            rows_out,
        )
    )
    print(
        "(seconds: best of the rounds; 'vs X' = X's seconds / this method's "
        "seconds, so > 1 means faster than X)"
    )
    print(f"checksums (sum of P(class 1)) agree across methods: {agree}")

    scalearn = results["scalearn"]
    targets = {
        "scalearn_vs_serial": {
            "target": f">= {TARGET_VS_SERIAL}x the serial loop (BLAS 1 thread)",
            "measured": scalearn["speedup_vs_serial"],
            "met": scalearn["speedup_vs_serial"] >= TARGET_VS_SERIAL,
        },
        "scalearn_vs_dask_ml": {
            "target": "no slower than dask-ml (ratio >= 1.0, best of rounds)",
            "measured": scalearn["speedup_vs_dask_ml"],
            "met": scalearn["speedup_vs_dask_ml"] >= TARGET_VS_DASK_ML,
        },
    }
    # The rounds' spread says how far apart two equal methods can land.
    noise = max(spread(by_key[k].seconds) for k in ("scalearn", "dask_ml"))
    tie = targets["scalearn_vs_dask_ml"]
    tie["round_spread"] = noise
    tie["within_noise"] = abs(tie["measured"] - 1.0) <= noise
    for target in targets.values():
        note = ""
        if target.get("within_noise"):
            note = f" (a tie: within the rounds' spread of {noise:.1%})"
        print(
            f"target {target['target']}: measured {target['measured']:.2f}x -> "
            f"{verdict(target['met'])}{note}"
        )

    payload = {
        **facts,
        "parameters": {
            "rows": args.rows,
            "features": args.features,
            "chunk_rows": args.chunk_rows,
            "n_blocks": len(blocks),
            "data_bytes": int(X.nbytes),
            "repeat": args.repeat,
            "fit_rows": args.fit_rows,
            "dask_scheduler": "threads",
            "dask_workers": workers,
            "seed": args.seed,
        },
        "blas": {
            "default_threads": default_blas,
            "pinned_main_thread": pinned_main,
            "pinned_dask_worker_thread": pinned_worker,
            "method": "threadpoolctl.threadpool_limits(limits=1, user_api='blas')",
        },
        "setup_seconds": gen_seconds,
        "background_cores_per_round": background,
        "results": results,
        "checksums_agree": agree,
        "targets": targets,
    }
    path = write_json(args.output, payload)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
