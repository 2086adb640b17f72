"""Batch scoring from the command line: ``scalearn predict`` against dask-ml.

A taxi-like parquet dataset (``scalearn.cli._taxi.make_trips``, one file per
250k trips, as ``scalearn demo`` writes it) is scored with the demo's in-memory
Pipeline (one-hot payment type, scaled numbers, LogisticRegression) fitted on
a 100k-trip sample, and the class probabilities are written to parquet, three
ways, each in its own process with its own local cluster:

* ``scalearn predict MODEL DATA --output OUT --method predict_proba`` on the
  model saved by ``scalearn.persist.save``, with its default local cluster of
  ``--workers`` worker processes of one thread each;
* the same with ``--no-processes``: one worker of ``--workers`` threads in the
  command's own process;
* the equivalent dask-ml script: ``dd.read_parquet`` ->
  ``dask_ml.wrappers.ParallelPostFit(pipeline).predict_proba`` ->
  ``dd.from_dask_array`` -> ``to_parquet``, on ``--workers`` worker processes
  of one thread each.

Each is timed from process start to exit (cluster start included, the same
for both), and the resident memory of its whole process tree (client, nanny
and worker processes) is sampled every 0.1 s; the peak is reported, with the
CPU seconds of the tree. The outputs are checked to hold the same number of
rows and the same sum of probabilities. Contenders alternate within each
round, so the machine's load falls on all of them; the median round counts.

Run ``python benchmarks/bench_cli_predict.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _common import (
    RESULTS_DIR,
    BackgroundLoad,
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

DEFAULT_ROWS = 50_000_000
SAMPLE_ROWS = 100_000
TARGET_THROUGHPUT = 1.0
# Memory: the peak of the whole process tree, no more than dask-ml's (plus
# the sampling's noise); its excess over an idle cluster is also reported in
# partitions (in pandas, as read) per worker, which should not grow with rows.
MEMORY_TOLERANCE = 1.05


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument(
        "--repeat", type=int, default=1, help="report the median of N rounds"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="directory for the dataset and outputs (default: a temporary one)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        help="before each round, wait up to this many seconds for a quiet machine",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS_DIR / "cli_predict.json",
        help="JSON file",
    )
    args = parser.parse_args(argv)
    if args.rows < 1_000 or args.repeat < 1 or args.workers < 1:
        parser.error("--rows must be >= 1000, --repeat and --workers positive")
    return args


# --- the data and the model ------------------------------------------------------


def prepare(workdir: Path, rows: int, workers: int) -> tuple[Path, Path, Path, float]:
    """Write the trips and the model; return their paths, the pickled pipeline's
    path (for dask-ml) and the seconds the data took."""
    from distributed import Client, LocalCluster

    from scalearn.cli._demo import SEED, Layout, generate_trips, tip_pipeline
    from scalearn.cli._taxi import FEATURES, TARGET, make_trips
    from scalearn.persist import save

    data = workdir / "trips.parquet"
    tic = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        generate_trips(client, data, Layout.for_rows(rows))
    seconds = time.perf_counter() - tic
    sample = make_trips(10**12, SAMPLE_ROWS, seed=SEED + 1)
    pipeline = tip_pipeline().fit(sample[list(FEATURES)], sample[TARGET])
    model = workdir / "model.scalearn"
    save(pipeline, model, X=sample[list(FEATURES)])
    import joblib

    pickled = workdir / "model.joblib"
    joblib.dump(pipeline, pickled)
    return data, model, pickled, seconds


DASK_ML_SCRIPT = textwrap.dedent(
    """
    import sys, warnings
    warnings.simplefilter("ignore")
    import dask.dataframe as dd, joblib
    from dask_ml.wrappers import ParallelPostFit
    from distributed import Client, LocalCluster
    data, pickled, out, workers = sys.argv[1:5]
    FEATURES = {features!r}
    if __name__ == "__main__":
        with LocalCluster(n_workers=int(workers), threads_per_worker=1,
                          dashboard_address=":0") as cluster, Client(cluster):
            model = ParallelPostFit(joblib.load(pickled))
            model.estimator_ = model.estimator  # fitted already
            trips = dd.read_parquet(data)
            proba = model.predict_proba(trips[FEATURES])
            frame = dd.from_dask_array(proba, columns=["proba_0", "proba_1"])
            frame.to_parquet(out, write_index=False)
    """
)


def commands(
    data: Path, model: Path, pickled: Path, out: Path, workers: int, script: Path
) -> dict[str, list[str]]:
    return {
        "scalearn": [
            sys.executable,
            *("-m", "scalearn.cli", "predict", str(model), str(data)),
            *("--output", str(out / "scalearn"), "--method", "predict_proba"),
            *("--no-progress", "--workers", str(workers)),
        ],
        "scalearn_threads": [
            sys.executable,
            *("-m", "scalearn.cli", "predict", str(model), str(data)),
            *("--output", str(out / "scalearn_threads")),
            *("--method", "predict_proba", "--no-progress", "--no-processes"),
            *("--threads-per-worker", str(workers)),
        ],
        "dask_ml": [
            sys.executable,
            str(script),
            *(str(data), str(pickled), str(out / "dask_ml"), str(workers)),
        ],
    }


# --- measuring -------------------------------------------------------------------


def run_measured(command: list[str]) -> tuple[float, int, str, float]:
    """Run ``command``; its seconds, the peak RSS of its process tree, its
    output and the CPU seconds of the tree."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tic = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    parent = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        total = 0
        with contextlib.suppress(psutil.Error):
            for proc in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.1)
    seconds = time.perf_counter() - tic
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed ({process.returncode}):\n{output}")
    return seconds, peak, output, cpu


def checksum(path: Path) -> tuple[int, float]:
    """Rows and sum of ``proba_1`` of a parquet dataset, read a file at a time."""
    import pyarrow.parquet as pq

    rows, total = 0, 0.0
    for file in sorted(path.glob("*.parquet")):
        column = pq.read_table(file, columns=["proba_1"]).column(0)
        rows += len(column)
        total += float(column.to_numpy().sum())
    return rows, total


def partition_bytes(data: Path) -> int:
    """Memory of one input partition in pandas, as read."""
    import pandas as pd

    first = sorted(data.glob("*.parquet"))[0]
    return int(pd.read_parquet(first).memory_usage(deep=True).sum())


def idle_tree_bytes(workers: int) -> int:
    """RSS of a client and an idle local cluster of the same shape."""
    script = (
        "from distributed import Client, LocalCluster; import time, sklearn, scalearn\n"
        "if __name__ == '__main__':\n"
        f"    with LocalCluster(n_workers={workers}, threads_per_worker=1, "
        "dashboard_address=':0') as c, Client(c):\n"
        "        time.sleep(3)\n"
    )
    _, peak, _, _ = run_measured([sys.executable, "-c", script])
    return peak


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Batch scoring: scalearn predict vs dask-ml ParallelPostFit")
    with tempfile.TemporaryDirectory(prefix="bench-cli-predict-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        data, model, pickled, gen_seconds = prepare(workdir, args.rows, args.workers)
        n_files = len(list(data.glob("*.parquet")))
        print(
            f"data: {args.rows:,} trips in {n_files} parquet files, generated in "
            f"{gen_seconds:.1f} s (not timed below)"
        )
        from scalearn.cli._taxi import FEATURES

        script = workdir / "dask_ml_predict.py"
        script.write_text(DASK_ML_SCRIPT.format(features=list(FEATURES)))
        out = workdir / "out"
        runs = commands(data, model, pickled, out, args.workers, script)
        results: dict[str, dict] = {
            k: {"seconds": [], "peak": [], "cpu_seconds": []} for k in runs
        }
        background = []
        for round_ in range(args.repeat):
            if args.wait_idle > 0:
                wait_for_quiet(args.wait_idle)
            gauge = BackgroundLoad()
            for key, command in runs.items():
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir(parents=True)
                seconds, peak, log, cpu = run_measured(command)
                results[key]["seconds"].append(seconds)
                results[key]["peak"].append(peak)
                results[key]["cpu_seconds"].append(cpu)
                results[key]["checksum"] = checksum(out / key)
                if key.startswith("scalearn"):
                    results[key]["summary"] = log.strip().splitlines()[-1]
            background.append(gauge.cores())
            print(
                f"  round {round_ + 1}: "
                + ", ".join(f"{k} {v['seconds'][-1]:.1f}s" for k, v in results.items())
                + f" (other processes: {fmt(background[-1], '.2f')} cores)"
            )
        one_partition = partition_bytes(data)
        idle = idle_tree_bytes(args.workers)
        shutil.rmtree(out, ignore_errors=True)

    rows_out = []
    for key, r in results.items():
        r["seconds_median"] = statistics.median(r["seconds"])
        r["cpu_seconds_median"] = statistics.median(r["cpu_seconds"])
        r["peak_rss_max"] = max(r["peak"])
        r["rows_per_second"] = args.rows / r["seconds_median"]
        rows_out.append(
            [
                key,
                fmt(r["seconds_median"], ".1f"),
                fmt_rate(r["rows_per_second"]),
                fmt(r["cpu_seconds_median"], ".1f"),
                fmt_bytes(r["peak_rss_max"]),
                f"{r['checksum'][0]:,}",
            ]
        )
    print()
    headers = ["method", "seconds", "rows/s", "CPU s (tree)", "peak RSS (tree)"]
    print(table([*headers, "rows out"], rows_out))
    for key in ("scalearn", "scalearn_threads"):
        print(f"{key}'s own summary: {results[key].get('summary', '')}")
    s, d = results["scalearn"], results["dask_ml"]
    agree = all(
        r["checksum"][0] == args.rows
        and math.isclose(r["checksum"][1], d["checksum"][1], rel_tol=1e-9)
        for r in results.values()
    )
    print(f"outputs agree (rows, sum of P(tipped)): {agree}")
    throughput = ratio(s["rows_per_second"], d["rows_per_second"])
    threads_throughput = ratio(
        results["scalearn_threads"]["rows_per_second"], d["rows_per_second"]
    )
    shown = fmt(threads_throughput, ".2f")
    print(f"scalearn --no-processes: {shown}x dask-ml's rows/s")
    noise = max(spread(r["seconds"]) for r in results.values())
    excess = (s["peak_rss_max"] - idle) / (args.workers * one_partition)
    targets = {
        "throughput_vs_dask_ml": {
            "target": f">= {TARGET_THROUGHPUT}x dask-ml's rows/s",
            "measured": throughput,
            "met": throughput is not None and throughput >= TARGET_THROUGHPUT,
            "round_spread": noise,
            "no_processes_vs_dask_ml": threads_throughput,
        },
        "memory_vs_dask_ml": {
            "target": f"peak RSS of the tree <= {MEMORY_TOLERANCE}x dask-ml's "
            f"({fmt_bytes(d['peak_rss_max'])})",
            "measured": s["peak_rss_max"],
            "met": s["peak_rss_max"] <= MEMORY_TOLERANCE * d["peak_rss_max"],
            "idle_tree_bytes": idle,
            "partition_bytes": one_partition,
            "excess_over_idle_in_partitions_per_worker": excess,
        },
    }
    print(
        f"scalearn's peak is {fmt_bytes(s['peak_rss_max'] - idle)} over an idle "
        f"cluster ({fmt_bytes(idle)}): {excess:.1f} partitions of "
        f"{fmt_bytes(one_partition)} per worker"
    )
    for target in targets.values():
        measured = target["measured"]
        shown = (
            fmt_bytes(measured)
            if target is targets["memory_vs_dask_ml"]
            else (f"{fmt(measured, '.2f')}x")
        )
        print(
            f"target {target['target']}: measured {shown} -> {verdict(target['met'])}"
        )
    payload = {
        **facts,
        "parameters": {
            "rows": args.rows,
            "files": n_files,
            "workers": args.workers,
            "threads_per_worker": 1,
            "repeat": args.repeat,
            "sample_rows": SAMPLE_ROWS,
        },
        "setup_seconds": gen_seconds,
        "partition_bytes_in_pandas": one_partition,
        "idle_tree_bytes": idle,
        "background_cores_per_round": background,
        "results": results,
        "outputs_agree": agree,
        "targets": targets,
    }
    path = write_json(args.output, payload)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
