"""Text vectorizers: scikit-learn, dask-ml and scalearn on one synthetic corpus.

A corpus of ``--docs`` short documents (3 to 15 words drawn from a Zipf law over
``--words`` distinct words) is built once, as a Python list for scikit-learn and
as a dask bag (or Series, ``--container``) of ``--partitions`` partitions,
persisted in memory first so that every library reads the same blocks and the
timings hold no data generation. Each library then runs, in the same process:

* **count**: ``CountVectorizer().fit(docs)`` (the vocabulary), then
  ``transform(docs)`` computed down to the sum of its counts;
* **tfidf**: ``TfidfVectorizer().fit(docs)`` (vocabulary and idf), then
  ``transform(docs)`` computed down to the sum of its values; dask-ml has no
  TfidfVectorizer, so only scalearn and scikit-learn run it;
* **hashing**: ``HashingVectorizer().transform(docs)`` computed down to the sum
  of its values.

scikit-learn runs on the in-memory list in this process (one core); the dask
libraries on each scheduler of ``--schedulers``: dask's threads (text analysis
is pure Python, so threads share one interpreter lock) and a ``distributed``
LocalCluster of one single-threaded worker process per core. Reported: the best
of ``--repeat`` rounds, the ratios of scikit-learn's and dask-ml's seconds to
scalearn's (> 1: scalearn is faster), and whether the vocabularies and output
sums agree.

Run ``python benchmarks/bench_text.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    fmt,
    import_dask_ml,
    ratio,
    run_header,
    table,
    wait_for_quiet,
    write_json,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.feature_extraction import text as sk_text

from scalearn.feature_extraction import text as sl_text

dm_text, DASK_ML_IMPORT_ERROR = import_dask_ml("feature_extraction.text")

WORKLOADS = ("count", "tfidf", "hashing")
LIBRARIES = ("scikit-learn", "dask-ml", "scalearn")


# --- the corpus -------------------------------------------------------------------


def make_documents(start: int, n_docs: int, n_words: int, seed: int) -> list[str]:
    """Documents ``start`` .. ``start + n_docs - 1``; depend only on their place."""
    rng = np.random.default_rng([seed, start])
    lengths = rng.integers(3, 16, n_docs)
    ranks = (rng.zipf(1.2, int(lengths.sum())) - 1) % n_words
    words = np.char.add("w", ranks.astype(str)).tolist()
    ends = np.cumsum(lengths)
    return [" ".join(words[e - n : e]) for e, n in zip(ends, lengths, strict=True)]


def corpus(args: argparse.Namespace) -> tuple[list[str], list[int], list[int]]:
    size = -(-args.docs // args.partitions)
    starts = list(range(0, args.docs, size))
    sizes = [min(size, args.docs - s) for s in starts]
    docs: list[str] = []
    for start, n in zip(starts, sizes, strict=True):
        docs.extend(make_documents(start, n, args.words, args.seed))
    return docs, starts, sizes


def dask_corpus(args: argparse.Namespace, starts: list[int], sizes: list[int]) -> Any:
    """The same documents as a persisted dask bag or Series."""
    make = dask.delayed(make_documents, pure=True)
    pairs = zip(starts, sizes, strict=True)
    parts = [make(start, n, args.words, args.seed) for start, n in pairs]
    if args.container == "bag":
        return db.from_delayed(parts).persist()
    series = [dask.delayed(pd.Series)(p, dtype=object) for p in parts]
    return dd.from_delayed(series, meta=pd.Series([], dtype=object)).persist()


# --- what each library runs -------------------------------------------------------


def total(X: Any) -> float:
    """Sum of a (dask array of) sparse matrix, computed blockwise."""
    if hasattr(X, "to_delayed"):
        sums = [dask.delayed(_block_sum)(b) for b in X.to_delayed().ravel()]
        return float(sum(dask.compute(*sums)))
    return _block_sum(X)


def _block_sum(block: Any) -> float:
    return float(block.sum())


def runner(module: Any, workload: str, docs: Any) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        if workload == "hashing":
            tic = time.perf_counter()
            out = total(module.HashingVectorizer().transform(docs))
            return {"fit": 0.0, "transform": time.perf_counter() - tic, "sum": out}
        cls = module.CountVectorizer if workload == "count" else module.TfidfVectorizer
        tic = time.perf_counter()
        vectorizer = cls().fit(docs)
        fitted = time.perf_counter()
        out = total(vectorizer.transform(docs))
        return {
            "fit": fitted - tic,
            "transform": time.perf_counter() - fitted,
            "sum": out,
            "n_terms": len(vectorizer.vocabulary_),
        }

    return run


def measure(run: Callable, args: argparse.Namespace) -> dict[str, Any]:
    rounds = []
    for _ in range(args.repeat):
        if args.wait_idle:
            wait_for_quiet(args.wait_idle)
        gauge = BackgroundLoad()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = run()
        found["seconds"] = found["fit"] + found["transform"]
        found["background_cores"] = gauge.cores()
        rounds.append(found)
    best = min(rounds, key=lambda r: r["seconds"])
    return {**best, "rounds": [r["seconds"] for r in rounds]}


@contextlib.contextmanager
def scheduler(name: str, n_workers: int):
    if name == "threads":
        with dask.config.set(scheduler="threads"):
            yield
        return
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster),
    ):
        yield


# --- the run --------------------------------------------------------------------------


def run_workloads(args: argparse.Namespace) -> dict[str, Any]:
    tic = time.perf_counter()
    docs, starts, sizes = corpus(args)
    print(
        f"corpus: {len(docs):,} documents, {sum(len(d) for d in docs) / 2**20:.0f} "
        f"MiB of text, built in {time.perf_counter() - tic:.1f} s; "
        f"{args.container} of {len(starts)} partitions"
    )
    results: dict[str, Any] = {w: {} for w in args.workloads}
    for workload in args.workloads:
        run = runner(sk_text, workload, docs)
        results[workload]["scikit-learn"] = found = measure(run, args)
        print(f"  {workload} scikit-learn: {found['seconds']:.2f} s", flush=True)
    n_workers = len(os.sched_getaffinity(0))
    for name in args.schedulers:
        with scheduler(name, n_workers):
            persisted = dask_corpus(args, starts, sizes)
            for workload in args.workloads:
                contenders = {"scalearn": sl_text}
                if dm_text is not None and workload != "tfidf":
                    contenders["dask-ml"] = dm_text
                for library, module in contenders.items():
                    key = f"{library} ({name})"
                    try:
                        found = measure(runner(module, workload, persisted), args)
                    except Exception as error:
                        found = {"error": repr(error)[:300]}
                        print(f"  {workload} {key}: failed: {found['error']}")
                    else:
                        seconds = found["seconds"]
                        print(f"  {workload} {key}: {seconds:.2f} s", flush=True)
                    results[workload][key] = found
    return results


def report(results: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for workload, found in results.items():
        sk = found["scikit-learn"]
        rows = []
        for key, r in found.items():
            if "error" in r:
                rows.append([key, "failed", "-", "-", "-", "-", "-", r["error"][:40]])
                continue
            scheduler_name = key.partition(" (")[2].rstrip(")")
            ours = found.get(f"scalearn ({scheduler_name})", r)
            same_terms = r.get("n_terms") == sk.get("n_terms")
            same_sum = bool(np.isclose(r["sum"], sk["sum"], rtol=1e-9))
            rows.append(
                [
                    key,
                    fmt(r["fit"], ".2f"),
                    fmt(r["transform"], ".2f"),
                    fmt(r["seconds"], ".2f"),
                    fmt(ratio(sk["seconds"], r["seconds"]), ".2f") + "x",
                    fmt(ratio(r["seconds"], ours["seconds"]), ".2f") + "x",
                    f"{same_terms and same_sum}",
                    fmt(r.get("background_cores"), ".2f"),
                ]
            )
            r["sklearn_seconds_over_this"] = ratio(sk["seconds"], r["seconds"])
            r["seconds_over_scalearn_same_scheduler"] = ratio(
                r["seconds"], ours["seconds"]
            )
            r["same_vocabulary_size_and_sum_as_sklearn"] = same_terms and same_sum
        print(f"\n-- {workload}: {args.docs:,} documents --")
        print(
            table(
                [
                    "library (scheduler)",
                    "fit s",
                    "transform s",
                    "total s",
                    "sklearn/this",
                    "this/scalearn",
                    "same as sklearn",
                    "others",
                ],
                rows,
            )
        )
        summary[workload] = found
    print(
        "(best of rounds; 'sklearn/this' > 1: faster than scikit-learn on one core; "
        "'this/scalearn' > 1: slower than scalearn on the same scheduler; 'same as "
        "sklearn': vocabulary size and output sum equal; 'others': cores other "
        "processes used meanwhile)"
    )
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--words", type=int, default=50_000, help="distinct words")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--container", choices=["bag", "series"], default="bag")
    parser.add_argument(
        "--schedulers",
        nargs="+",
        choices=["threads", "distributed"],
        default=["threads", "distributed"],
    )
    parser.add_argument(
        "--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS)
    )
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wait-idle", type=float, default=None)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "text.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Text vectorizers: scikit-learn, dask-ml, scalearn")
    if DASK_ML_IMPORT_ERROR:
        print(f"dask-ml does not import: {DASK_ML_IMPORT_ERROR}")
    results = report(run_workloads(args), args)
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
