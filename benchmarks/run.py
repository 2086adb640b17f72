"""Run every benchmark, each in its own process, and summarize the targets.

``python benchmarks/run.py`` runs them at their real sizes (``make bench``):
20M rows for the big predict, 100M rows (16 GB on disk) for the out-of-core fit.
``--quick`` runs small sizes that finish in about a minute, writing to
``results/*.quick.json`` so that the real figures are not overwritten.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import BENCH_DIR, RESULTS_DIR, verdict

QUICK_ARGS = {
    "predict": ["--rows", "2000000", "--repeat", "3"],
    "incremental": ["--rows", "5000000"],
    "adaptive": ["--rows", "300000", "--block-rows", "10000"],
    "cluster": [
        "--rows",
        "500000",
        "--block-rows",
        "100000",
        "--repeat",
        "2",
        "--minibatch-rows",
        "500000",
        "--spectral-rows",
        "20000",
        "--spectral-block-rows",
        "5000",
        "--spectral-small-rows",
        "1000",
    ],
    "sgd_averaging": [
        "--rows",
        "200000",
        "--test-rows",
        "50000",
        "--block-rows",
        "25000",
        "--repeat",
        "2",
    ],
    "cli_predict": ["--rows", "300000"],
    "linear": [
        "--rows",
        "200000",
        "--chunk-rows",
        "25000",
        "--repeat",
        "2",
        "--no-admm",
    ],
    "metrics": [
        "--rows",
        "200000",
        "--chunk-rows",
        "20000",
        "--distance-rows",
        "50000",
        "--repeat",
        "2",
    ],
    "preprocessing": [
        "--rows",
        "200000",
        "--partition-rows",
        "50000",
        "--robust-rows",
        "200000",
        "--repeat",
        "1",
    ],
    "search": [
        "--samples",
        "2000",
        "--features",
        "100",
        "--redundant",
        "50",
        "--components",
        "10,20,50",
        "--forest-samples",
        "500",
        "--forest-estimators",
        "10,20,40,80",
        "--repeat",
        "2",
    ],
    "target_encoder": [
        "--rows",
        "200000",
        "--partition-rows",
        "50000",
        "--users",
        "20000",
        "--repeat",
        "1",
    ],
    "text": ["--docs", "100000", "--partitions", "8", "--repeat", "1"],
    "pca": ["--rows", "500000"],
}
SCRIPTS = {
    "predict": "bench_predict.py",
    "incremental": "bench_incremental.py",
    "search": "bench_search.py",
    "adaptive": "bench_adaptive.py",
    "preprocessing": "bench_preprocessing.py",
    "metrics": "bench_metrics.py",
    "cli_predict": "bench_cli_predict.py",
    "linear": "bench_linear.py",
    "cluster": "bench_cluster.py",
    "sgd_averaging": "bench_sgd_averaging.py",
    "target_encoder": "bench_target_encoder.py",
    "text": "bench_text.py",
    "pca": "bench_pca.py",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes (about a minute in all)"
    )
    parser.add_argument(
        "--only", choices=sorted(SCRIPTS), action="append", help="run only these"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="data directory (incremental)"
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=None,
        help="seconds to wait for a quiet machine before each measurement",
    )
    return parser.parse_args(argv)


def command_for(name: str, args: argparse.Namespace) -> tuple[list[str], Path]:
    suffix = ".quick.json" if args.quick else ".json"
    output = RESULTS_DIR / f"{name}{suffix}"
    command = [sys.executable, str(BENCH_DIR / SCRIPTS[name]), "--output", str(output)]
    if args.quick:
        command += QUICK_ARGS[name]
    if args.wait_idle is not None:
        command += ["--wait-idle", str(args.wait_idle)]
    if name == "incremental" and args.workdir is not None:
        command += ["--workdir", str(args.workdir)]
    return command, output


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.only or list(SCRIPTS)
    summary = []
    failed = False
    for name in names:
        command, output = command_for(name, args)
        print(f"$ {' '.join(command)}", flush=True)
        tic = time.perf_counter()
        code = subprocess.call(command)
        seconds = time.perf_counter() - tic
        print(f"[{name}: exit code {code}, {seconds:.0f} s]\n", flush=True)
        if code != 0 or not output.exists():
            failed = True
            summary.append(f"{name}: did not finish (exit code {code})")
            continue
        with open(output) as f:
            targets = json.load(f).get("targets", {})
        for target in targets.values():
            measured = target["measured"]
            if isinstance(measured, float):
                measured = f"{measured:.2f}x"
            note = (
                " (a tie, within run-to-run noise)"
                if target.get("within_noise")
                else ""
            )
            summary.append(
                f"{name}: {target['target']}: {measured} -> "
                f"{verdict(target['met'])}{note}"
            )
    print("== summary ==")
    for line in summary:
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
