"""``scalearn predict``: score CSV or parquet files with a saved model, into parquet.

The job, end to end:

1. The model file is loaded safely (:func:`scalearn.persist.load_with_info`:
   skops by default, pickles only with ``--trust-pickle``), and the inputs are
   checked against the columns it was trained on, from metadata only. The
   local cluster starts meanwhile, in the background, and its workers import
   what the tasks need (:mod:`scalearn.cli._cluster`).
2. Each input partition is read, scored by the model blockwise (as
   :class:`~scalearn.wrappers.ParallelPostFit` does) and written to its own
   parquet file by the task that scored it, so memory holds a few partitions
   at a time and this process never holds the data. Floating-point columns
   are written without dictionary encoding: probabilities are nearly all
   distinct, and building a dictionary only to drop it cost most of a write.
3. Files are written under a hidden sibling of the output directory, each one
   under a temporary name first; the directory takes the output's name only
   when every partition is written. A failed or interrupted run leaves nothing
   under the output's name, and ``--resume`` keeps the partitions it finished.
   A partition retried after a worker died overwrites its own file, so nothing
   is lost or written twice.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dask.utils import parse_bytes
from distributed import as_completed
from fsspec.core import url_to_fs

from scalearn._config import config_context
from scalearn.cli._cluster import (
    ClusterUnavailable,
    Connection,
    LocalShape,
    positive_int,
)
from scalearn.cli._read import (
    FORMATS,
    InputError,
    InputFileError,
    Inputs,
    find_inputs,
    read_inputs,
)
from scalearn.persist import (
    ModelFileError,
    ModelInfo,
    SchemaError,
    UntrustedModelError,
    load_with_info,
)
from scalearn.utils._executor import one_blas_thread
from scalearn.utils._progress import progress_bar
from scalearn.wrappers._parallel_post_fit import post_fit_view

NAME = "predict"
HELP = "score CSV or parquet files with a saved model, into parquet"
DESCRIPTION = (
    "Score CSV or parquet files (local paths, globs or fsspec URLs) with a model "
    "saved by scalearn.persist.save (or skops, or joblib.dump with "
    "--trust-pickle), partition by partition on a Dask cluster, and write the "
    "predictions, beside chosen id columns, as a parquet dataset. The output "
    "appears only once every partition is written; --resume finishes an "
    "interrupted run."
)

METHODS = ("predict", "predict_proba", "transform")
JOB_FILE = "_scalearn_predict.json"
PART_NAME = "part.{:05d}.parquet"
PROBA_PREFIX = "proba_"
#: What the scoring tasks import on a worker (and, through them, pandas,
#: pyarrow, dask.dataframe and scikit-learn's base).
_WORKER_MODULES = ("scalearn.cli._predict", "scalearn.cli._read")


# --- command line -------------------------------------------------------------


def column_list(text: str) -> list[str]:
    """Parse ``--id-columns``: names separated by commas.

    Examples
    --------
    >>> column_list("trip_id, vendor")
    ['trip_id', 'vendor']
    """
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"empty column name in {text!r}")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``scalearn predict`` to ``parser``."""
    parser.add_argument("model", metavar="MODEL", help="the model file")
    parser.add_argument(
        "inputs",
        metavar="INPUT",
        nargs="+",
        help="CSV or parquet files, directories of them, globs ('data/*.csv') or "
        "fsspec URLs (s3://..., with the file system's package installed)",
    )
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="DIR",
        help="the parquet dataset to write (a directory of part.NNNNN.parquet "
        "files, one per input partition)",
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="predict",
        help="what to write: predictions (column 'prediction'), class "
        f"probabilities (columns '{PROBA_PREFIX}<class>') or the transformed "
        "features (default: predict)",
    )
    parser.add_argument(
        "--id-columns",
        type=column_list,
        action="extend",
        default=[],
        metavar="COL[,COL...]",
        help="input columns to copy beside the predictions (trip_id,vendor_id)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="the inputs' format (default: from their suffix)",
    )
    parser.add_argument(
        "--blocksize",
        type=byte_size,
        metavar="SIZE",
        help="CSV inputs: bytes of CSV per partition ('64MB', '1GiB', or 0 "
        "for a partition per file; default 64MiB). Each worker thread holds "
        "a few partitions in memory, several times this size as pandas frames. "
        "Compressed CSV files are read whole",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler (tcp://host:8786); by default "
        "a local cluster is started (while the model loads) and closed at the "
        "end. Its workers need scalearn installed and access to the inputs and "
        "the output",
    )
    cluster = parser.add_argument_group(
        "local cluster", "the cluster started when --scheduler is not given"
    )
    cluster.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="number of workers (default: one per core, or one with --no-processes)",
    )
    cluster.add_argument(
        "--threads-per-worker",
        type=positive_int,
        metavar="N",
        help="threads of each worker (default: the cores shared among the "
        "workers, at least one)",
    )
    cluster.add_argument(
        "--processes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run each worker in a process of its own (the default: models "
        "whose Python code holds the GIL score in parallel), or, with "
        "--no-processes, as threads of this process (starts a few seconds "
        "sooner, uses less memory, and suits models that release the GIL)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the partitions an interrupted run of the same job wrote, and "
        "score only the others",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing output (only once the new one is complete)",
    )
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a model saved as a pickle (joblib.dump); a pickle runs code "
        "as it loads: only for files from a source you trust",
    )
    parser.add_argument(
        "--trust-type",
        action="append",
        default=[],
        metavar="TYPE",
        help="a type a skops model file may hold beyond those trusted by default "
        "(repeat for several), as named by the error that lists them",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="do not show a progress bar",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``scalearn predict`` with parsed options; return the exit code."""
    started = time.perf_counter()
    try:
        shape = local_shape(args)
        with Connection(args.scheduler, shape, warm_up=_WORKER_MODULES) as connection:
            model, info = load_with_info(
                args.model, trust_pickle=args.trust_pickle, trusted=args.trust_type
            )
            inputs = find_inputs(args.inputs, args.format)
            planned = plan_job(model, info, inputs, args)
            output = Output(args.output)
            todo = output.prepare(planned, resume=args.resume, overwrite=args.overwrite)
            if todo is None:
                _say(f"scalearn predict: {args.output} is already complete.")
                return 0
            client = connection.client()
            scoring = time.perf_counter()
            with ExitStack() as stack:
                stack.enter_context(config_context(progress_bar=args.progress))
                if args.scheduler is None and not shape.processes:
                    # The workers are this process's threads: BLAS on top of
                    # them would oversubscribe the cores.
                    stack.enter_context(one_blas_thread())
                rows = score(planned, output, todo, client)
            seconds = time.perf_counter() - scoring
            output.finish(planned, overwrite=args.overwrite)
            _summarize(
                planned, output, todo, rows, seconds, time.perf_counter() - started
            )
    except (
        InputError,
        InputFileError,
        ModelFileError,
        UntrustedModelError,
        SchemaError,
        ClusterUnavailable,
    ) as exc:
        print(f"scalearn predict: {exc}", file=sys.stderr)
        return 1
    return 0


def byte_size(text: str) -> int:
    """Parse ``--blocksize``: a number of bytes, with a unit or not.

    Examples
    --------
    >>> byte_size("64MB"), byte_size("1KiB"), byte_size("0")
    (64000000, 1024, 0)
    """
    try:
        size = parse_bytes(text)
    except (ValueError, TypeError):
        size = -1
    if size < 0:
        raise argparse.ArgumentTypeError(
            f"must be a size such as 64MB, 256MiB or 0, got {text!r}"
        )
    return size


def local_shape(args: argparse.Namespace) -> LocalShape:
    """The local cluster's shape from the options (they must not come with
    ``--scheduler``)."""
    given = {
        "--workers": args.workers,
        "--threads-per-worker": args.threads_per_worker,
        "--processes/--no-processes": args.processes,
    }
    if args.scheduler is not None:
        named = [name for name, value in given.items() if value is not None]
        if named:
            raise InputError(
                f"{', '.join(named)} shape the local cluster, but --scheduler "
                f"{args.scheduler!r} names a running one, whose workers run the "
                "job. Leave out one or the other."
            )
    return LocalShape.choose(
        args.workers,
        args.threads_per_worker,
        processes=args.processes is not False,
    )


def _say(text: str = "") -> None:
    print(text, flush=True)


# --- the job ------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What is scored, how, and what identifies the run for ``--resume``.

    Attributes
    ----------
    model : str
        The model file, as given.
    model_sha256 : str
        The hash of the model's bytes.
    inputs : tuple of str
        The input files' URLs.
    method : str
    id_columns : tuple of str
    features : tuple of str or None
        The columns given to the model (None: every column but the ids).
    n_partitions : int
    """

    model: str
    model_sha256: str
    inputs: tuple[str, ...]
    method: str
    id_columns: tuple[str, ...]
    features: tuple[str, ...] | None
    n_partitions: int

    def identity(self) -> dict[str, Any]:
        """What must match for a run to resume another (the model path may move)."""
        record = asdict(self)
        del record["model"]
        return json.loads(json.dumps(record))


@dataclass
class _Planned:
    job: Job
    frame: dd.DataFrame
    predictions: dd.DataFrame


def plan_job(
    model: Any, info: ModelInfo, inputs: Inputs, args: argparse.Namespace
) -> _Planned:
    """Check the method, columns and schema; build the lazy predictions."""
    method = args.method
    if not hasattr(model, method):
        methods = [m for m in METHODS if hasattr(model, m)]
        raise InputError(
            f"the model ({info.estimator}) has no {method!r} method; it has "
            f"{methods}. Pass one of them with --method."
        )
    id_columns = list(dict.fromkeys(args.id_columns))
    names = list(info.schema.names) if info.schema.names is not None else None
    wanted = None if names is None else list(dict.fromkeys(names + id_columns))
    # Check every column first, then read only those needed.
    blocksize = getattr(args, "blocksize", None)
    everything = read_inputs(inputs, None, blocksize)
    _check_columns(everything, id_columns, info, inputs)
    frame = everything if wanted is None else read_inputs(inputs, wanted, blocksize)
    features = names or [c for c in frame.columns if c not in id_columns]
    predictions = _lazy_predictions(model, method, frame, features, id_columns)
    job = Job(
        model=str(args.model),
        model_sha256=info.sha256,
        inputs=tuple(inputs.urls()),
        method=method,
        id_columns=tuple(id_columns),
        features=None if names is None else tuple(names),
        n_partitions=predictions.npartitions,
    )
    return _Planned(job, frame, predictions)


def _check_columns(
    frame: dd.DataFrame, id_columns: list[str], info: ModelInfo, inputs: Inputs
) -> None:
    missing_ids = [c for c in id_columns if c not in frame.columns]
    if missing_ids:
        raise InputError(
            f"--id-columns names {missing_ids}, which the inputs do not have; "
            f"their columns are {list(frame.columns)}."
        )
    # The columns and dtypes of a lazy frame are those of its first file.
    source = f"the input {inputs.urls()[0]!r}"
    features = frame.drop(columns=id_columns) if info.schema.names is None else frame
    info.schema.check(features, source=source)


def _lazy_predictions(
    model: Any,
    method: str,
    frame: dd.DataFrame,
    features: list[str],
    id_columns: list[str],
) -> dd.DataFrame:
    scored = getattr(post_fit_view(model), method)(frame[features])
    if not isinstance(scored, dd.DataFrame | dd.Series):
        raise InputError(
            f"the model's {method} gives {type(scored).__name__} blocks (sparse "
            "output?), which parquet cannot hold. Make the model give dense "
            "output (sparse_output=False on encoders) and save it again."
        )
    if isinstance(scored, dd.Series):
        scored = scored.to_frame()
    elif method == "predict_proba":
        scored = scored.rename(
            columns={c: f"{PROBA_PREFIX}{c}" for c in scored.columns}
        )
    scored.columns = [str(c) for c in scored.columns]
    clash = sorted(set(scored.columns) & set(id_columns))
    if clash:
        raise InputError(
            f"the id columns {clash} have the names of output columns. Rename "
            "them in the inputs, or leave them out of --id-columns."
        )
    if not id_columns:
        return scored
    return frame[id_columns].assign(**{c: scored[c] for c in scored.columns})


# --- the output ---------------------------------------------------------------


class Output:
    """The output dataset, written under a hidden sibling directory until complete.

    Parameters
    ----------
    url : str
        The output directory: a local path or an fsspec URL.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, path = url_to_fs(url)
        self.path = path.rstrip("/")
        parent, _, name = self.path.rpartition("/")
        self.staging = f"{parent}/.{name}.partial" if parent else f".{name}.partial"
        self.resumed: int = 0
        self.discarded: int = 0

    def _job_file(self, directory: str) -> str:
        return f"{directory}/{JOB_FILE}"

    def _read_job(self, directory: str) -> dict[str, Any] | None:
        try:
            with self.fs.open(self._job_file(directory), "r") as f:
                return json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def written(self, directory: str | None = None) -> set[int]:
        """Indices of the partitions whose files are complete in ``directory``."""
        directory = directory or self.staging
        if not self.fs.isdir(directory):
            return set()
        done = set()
        for path in self.fs.ls(directory, detail=False):
            name = path.rsplit("/", 1)[-1]
            if name.startswith("part.") and name.endswith(".parquet"):
                done.add(int(name[len("part.") : -len(".parquet")]))
        return done

    def prepare(
        self, planned: _Planned, *, resume: bool, overwrite: bool
    ) -> list[int] | None:
        """Make the staging directory; the partitions to score (None: all done)."""
        job = planned.job
        if self.fs.exists(self.path):
            if resume and self._read_job(self.path) == job.identity():
                return None
            if not overwrite:
                raise InputError(
                    f"the output {self.url!r} exists. Remove it, choose another "
                    "--output, or pass --overwrite to replace it once the new "
                    "output is complete."
                )
        if self.fs.exists(self.staging):
            previous = self._read_job(self.staging)
            if resume and previous is not None and previous != job.identity():
                raise InputError(
                    f"the interrupted run in {self.staging!r} scored another job "
                    "(other model, inputs, method or columns), so --resume cannot "
                    "keep its partitions. Run without --resume to start over."
                )
            if not resume:
                self.discarded = len(self.written())
                self.fs.rm(self.staging, recursive=True)
        self.fs.makedirs(self.staging, exist_ok=True)
        with self.fs.open(self._job_file(self.staging), "w") as f:
            json.dump(job.identity(), f, indent=2)
        done = self.written() & set(range(job.n_partitions))
        self.resumed = len(done)
        return [i for i in range(job.n_partitions) if i not in done]

    def finish(self, planned: _Planned, *, overwrite: bool) -> None:
        """Check every partition is written; give the directory the output's name."""
        n = planned.job.n_partitions
        missing = sorted(set(range(n)) - self.written())
        if missing:  # a guard: every task returned, so every file should exist
            raise RuntimeError(
                f"partitions {missing[:10]} were scored but their files are not in "
                f"{self.staging!r}; run again with --resume."
            )
        for path in self.fs.ls(self.staging, detail=False):
            if path.endswith(".tmp"):  # left by a worker that died mid-write
                self.fs.rm(path)
        if overwrite and self.fs.exists(self.path):
            old = f"{self.staging}.old-{uuid.uuid4().hex}"
            self.fs.mv(self.path, old, recursive=True)
            self.fs.mv(self.staging, self.path, recursive=True)
            self.fs.rm(old, recursive=True)
        else:
            self.fs.mv(self.staging, self.path, recursive=True)


def write_partition(frame: pd.DataFrame, fs: Any, directory: str, index: int) -> int:
    """Write one partition's predictions under its final name, atomically.

    The per-partition kernel of the job: the file is written under a unique
    temporary name, then renamed; a retry overwrites the file of its partition.
    Returns the number of rows.
    """
    final = f"{directory}/{PART_NAME.format(index)}"
    temporary = f"{final}.{uuid.uuid4().hex}.tmp"
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with fs.open(temporary, "wb") as f:
        pq.write_table(table, f, use_dictionary=_dictionary_columns(table))
    fs.mv(temporary, final)
    return len(frame)


def _dictionary_columns(table: pa.Table) -> list[str]:
    """The columns worth dictionary-encoding: all but floating-point ones.

    Probabilities and scores are nearly all distinct: building a dictionary
    for them, only to give it up, costs more than the rest of the write.
    """
    return [
        field.name for field in table.schema if not pa.types.is_floating(field.type)
    ]


def score(planned: _Planned, output: Output, todo: list[int], client: Any) -> int:
    """Score and write the partitions ``todo``; the number of rows scored.

    A partition that fails does not stop the others: every partition that can
    be written is, so that ``--resume`` has only the failed ones left to do.
    """
    parts = planned.predictions.to_delayed()
    write = dask.delayed(write_partition, pure=False)
    tasks = [write(parts[i], output.fs, output.staging, i) for i in todo]
    _announce(planned, output, todo, client)
    bar = progress_bar(len(tasks), "scoring partitions", unit="partition")
    rows, failures = 0, []
    try:
        futures = client.compute(tasks)
        for future in as_completed(futures, loop=client.loop):
            if future.status == "error":
                failures.append(future.exception())
            else:
                rows += future.result()
            bar.update(1)
    except KeyboardInterrupt:
        _hint_resume(output, planned)
        raise
    finally:
        bar.close()
    if failures:
        _hint_resume(output, planned)
        raise _failed(failures[0], len(failures))
    return rows


def _failed(exc: BaseException, n_failed: int) -> InputFileError:
    count = f"{n_failed} partition{'s' if n_failed > 1 else ''} failed; the first: "
    if isinstance(exc, InputFileError | SchemaError):
        return InputFileError(count + str(exc))
    return InputFileError(
        f"{count}reading or scoring the inputs failed ({type(exc).__name__}: "
        f"{exc}). A corrupt or truncated input file, or a value that does not "
        "fit its column's type, causes this; fix the input, then run again with "
        "--resume to keep the partitions already written."
    )


def _announce(planned: _Planned, output: Output, todo: list[int], client: Any) -> None:
    job = planned.job
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(worker["nthreads"] for worker in workers)
    _say(
        f"scalearn predict: {job.method} of {len(job.inputs)} input files "
        f"({job.n_partitions} partitions) on {len(workers)} Dask workers "
        f"({threads} threads)"
    )
    if output.resumed:
        _say(f"  resuming: {output.resumed} partitions already written, kept")
    if output.discarded:
        _say(
            f"  discarded {output.discarded} partitions of an interrupted run "
            "(pass --resume to keep them)"
        )


def _hint_resume(output: Output, planned: _Planned) -> None:
    done = len(output.written())
    print(
        f"scalearn predict: {done} of {planned.job.n_partitions} partitions are "
        f"written in {output.staging}; nothing is under {output.url}. Run again "
        "with --resume to score only the others.",
        file=sys.stderr,
        flush=True,
    )


def _summarize(
    planned: _Planned,
    output: Output,
    todo: list[int],
    rows: int,
    seconds: float,
    total_seconds: float,
) -> None:
    rate = rows / seconds if seconds > 0 else math.nan
    kept = f", {output.resumed} kept from the interrupted run" if output.resumed else ""
    _say(
        f"scalearn predict: {rows:,} rows scored in {seconds:.1f} s "
        f"({rate:,.0f} rows/s); {len(todo)} files written{kept}; "
        f"{planned.job.n_partitions} files in {output.url} ({total_seconds:.1f} s "
        "in all, with loading and the cluster's start)"
    )
