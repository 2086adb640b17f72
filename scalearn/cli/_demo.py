"""``scalearn demo``: the scaling regimes, end to end, on generated taxi trips.

1. Data: taxi-like trips are generated lazily, partition by partition, and
   written to parquet by the workers; this process never holds the dataset.
2. Small fit, big predict: a random sample is fitted in memory with a plain
   scikit-learn Pipeline wrapped in :class:`~scalearn.wrappers.ParallelPostFit`,
   which then predicts every trip blockwise, from parquet to parquet.
3. Big fit: :class:`~scalearn.preprocessing.StandardScaler` (one pass) and
   :class:`~scalearn.wrappers.Incremental` (``partial_fit`` block by block,
   epoch after epoch) train on all the training trips, in a scikit-learn
   Pipeline.

The last partition of trips is held out of every fit, to measure the models.
Each step's time, throughput, model quality and peak memory (of the cluster
and of this process) end up in a summary table.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.utils import format_bytes
from distributed import Client, performance_report
from scipy.stats import loguniform
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import ParameterGrid
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import StandardScaler as InMemoryScaler

from scalearn._config import config_context
from scalearn.cli._cluster import ClusterUnavailable, LocalShape, connect
from scalearn.cli._measure import Step, format_table, measure
from scalearn.cli._taxi import (
    CATEGORICAL_COLUMN,
    ENCODED_FEATURES,
    FEATURES,
    NUMERIC_COLUMNS,
    PAYMENT_TYPES,
    TARGET,
    TRIP_ID,
    encode_trips,
    make_trips,
)
from scalearn.model_selection import GridSearchCV, HyperbandSearchCV
from scalearn.preprocessing import StandardScaler
from scalearn.utils._progress import compute
from scalearn.wrappers import Incremental, ParallelPostFit

NAME = "demo"
HELP = "walk the scaling regimes end to end on generated taxi trips"
DESCRIPTION = (
    "Walk the scaling regimes of scikit-learn on Dask, end to end, on generated "
    "taxi trips: generate a dataset to parquet; fit a sample in memory and "
    "predict every trip out of core (ParallelPostFit); train on every trip one "
    "block at a time (StandardScaler + Incremental); grid-search a pipeline on "
    "the sample (GridSearchCV); search SGD models adaptively on the blocks "
    "(HyperbandSearchCV). Prints a summary of time, throughput, model quality "
    "and peak memory per step."
)

DEFAULT_ROWS = 40_000_000
MIN_ROWS = 1_000
ROWS_PER_PARTITION = 250_000
MIN_PARTITIONS = 4
SAMPLE_ROWS = 100_000
EPOCHS = 2
SEED = 0
LOCAL_WORKERS = 2
_LOCAL_SHAPE = LocalShape(workers=LOCAL_WORKERS, threads_per_worker=1)

# Dask's pyarrow parquet reader fuses files smaller than this size into one
# partition. The demo keeps one partition per file, so that blocks stay the
# size it wrote them (``ROWS_PER_PARTITION`` trips).
_DASK_SETTINGS = {"dataframe.parquet.minimum-partition-size": 0}

REGIME_DATA = "data"
REGIME_SMALL_FIT = "small fit, big predict"
REGIME_BIG_FIT = "big fit"
REGIME_MANY_FITS = "many fits"
#: The many-fits grid: 8 candidates; the one-hot encoding is fit once per fold.
SEARCH_GRID = {
    "encode__numeric__with_std": [True, False],
    "classify__C": [0.01, 0.1, 1.0, 10.0],
}
SEARCH_FOLDS = 3
#: The adaptive search: SGD models, each trained up to this many blocks.
ADAPTIVE_MAX_ITER = 9
ADAPTIVE_SPACE = {
    "alpha": loguniform(1e-7, 1e-1),
    "penalty": ["l2", "l1", "elasticnet"],
}


# --- command line -------------------------------------------------------------


def row_count(text: str) -> int:
    """Parse ``--rows``: an integer of at least ``MIN_ROWS`` (``5_000_000`` works).

    Examples
    --------
    >>> row_count("20_000")
    20000
    >>> row_count("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer >= 1,000, got '0'
    """
    try:
        rows = int(text)
    except ValueError:
        rows = None
    if rows is None or rows < MIN_ROWS:
        raise argparse.ArgumentTypeError(
            f"must be an integer >= {MIN_ROWS:,}, got {text!r}"
        )
    return rows


def _bokeh_installed() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def report_path(text: str) -> Path:
    """Parse ``--report``: a file in an existing directory, with bokeh installed."""
    if not _bokeh_installed():
        raise argparse.ArgumentTypeError(
            "a performance report needs bokeh, which is not installed; install "
            "it with: pip install 'scalearn[diagnostics]'"
        )
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"no directory {str(path.parent)!r}")
    return path


def workdir_path(text: str) -> Path:
    """Parse ``--workdir``: a directory, or a path where one can be made."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``scalearn demo`` to ``parser``."""
    parser.add_argument(
        "--rows",
        type=row_count,
        default=DEFAULT_ROWS,
        metavar="N",
        help=f"trips in the generated dataset (default {DEFAULT_ROWS:_}, about "
        "a minute on 2 cores)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler (tcp://host:8786) to use; by "
        f"default a local cluster of {LOCAL_WORKERS} worker processes of one "
        "thread each is started, and closed at the end. The workers need "
        "scalearn installed, and --workdir on a file system they share",
    )
    parser.add_argument(
        "--report",
        type=report_path,
        metavar="FILE.html",
        help="save Dask's performance report of the run to this HTML file "
        "(needs bokeh)",
    )
    parser.add_argument(
        "--workdir",
        type=workdir_path,
        metavar="DIR",
        help="directory for the generated parquet datasets, kept at the end "
        "(default: a temporary directory, removed at the end)",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="do not show progress bars",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo with parsed options; return the exit code."""
    started = time.perf_counter()
    layout = Layout.for_rows(args.rows)
    try:
        with ExitStack() as stack:
            workdir = stack.enter_context(_workdir(args.workdir))
            client = stack.enter_context(connect(args.scheduler, _LOCAL_SHAPE))
            if args.report is not None:
                stack.enter_context(performance_report(filename=str(args.report)))
            stack.enter_context(config_context(progress_bar=args.progress))
            stack.enter_context(dask.config.set(_DASK_SETTINGS))
            _introduce(client, layout, workdir, kept=args.workdir is not None)
            steps = _walk_regimes(client, workdir, layout)
    except ClusterUnavailable as exc:
        print(f"scalearn demo: {exc}", file=sys.stderr)
        return 1
    _conclude(steps, time.perf_counter() - started, args)
    return 0


# --- the data -----------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How the trips are split into partitions.

    The last partition is held out: no model trains on it.

    Attributes
    ----------
    lengths : tuple of int
        Trips per partition.

    Examples
    --------
    >>> layout = Layout.for_rows(1_001)
    >>> layout.lengths, layout.starts
    ((251, 250, 250, 250), [0, 251, 501, 751])
    >>> layout.train_rows, layout.holdout_rows
    (751, 250)
    """

    lengths: tuple[int, ...]

    @classmethod
    def for_rows(cls, rows: int) -> Layout:
        """Split ``rows`` into ``MIN_PARTITIONS`` or more even partitions."""
        n = max(MIN_PARTITIONS, math.ceil(rows / ROWS_PER_PARTITION))
        base, extra = divmod(rows, n)
        return cls(tuple(base + (i < extra) for i in range(n)))

    @property
    def rows(self) -> int:
        return sum(self.lengths)

    @property
    def n_partitions(self) -> int:
        return len(self.lengths)

    @property
    def starts(self) -> list[int]:
        """Number of the first trip of each partition."""
        return [int(s) for s in np.cumsum((0, *self.lengths[:-1]))]

    @property
    def n_train_partitions(self) -> int:
        return self.n_partitions - 1

    @property
    def holdout_rows(self) -> int:
        return self.lengths[-1]

    @property
    def train_rows(self) -> int:
        return self.rows - self.holdout_rows


@dataclass
class Trips:
    """The generated trips: lazily on disk, and the held-out ones in memory.

    Attributes
    ----------
    frame : dask.dataframe.DataFrame
        All the trips, read lazily from parquet.
    layout : Layout
    holdout : pandas.DataFrame
        The trips of the last partition, which no model trains on.
    """

    frame: dd.DataFrame
    layout: Layout
    holdout: pd.DataFrame

    @property
    def train(self) -> dd.DataFrame:
        """The training trips (all partitions but the last), lazily."""
        return self.frame.partitions[: self.layout.n_train_partitions]


def read_trips(path: Path, layout: Layout) -> Trips:
    """Open the trips written to ``path``; only the held-out ones are read now.

    Parquet is read through pyarrow's file system: dask's default (fsspec)
    reader calls pandas methods with ``inplace=True``, which pandas 3.1
    deprecates with a warning on every partition it reads.
    """
    frame = dd.read_parquet(path, filesystem="arrow")
    held_out = frame.partitions[layout.n_train_partitions]
    (holdout,) = compute(held_out, desc="reading the held-out trips")
    return Trips(frame, layout, holdout)


# --- the session: work directory, cluster, report -----------------------------


@contextmanager
def _workdir(path: Path | None) -> Iterator[Path]:
    """The given directory (created if needed, and kept), or a temporary one."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="scalearn-demo-") as tmp:
        yield Path(tmp)


def _introduce(client: Client, layout: Layout, workdir: Path, *, kept: bool) -> None:
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    threads = sum(worker["nthreads"] for worker in workers)
    _say(
        f"scalearn demo: {layout.rows:,} taxi trips in {layout.n_partitions} "
        f"partitions, on {len(workers)} Dask workers ({threads} threads)"
    )
    _say(f"  scheduler:  {client.scheduler.address}")
    _say(f"  dashboard:  {client.dashboard_link}")
    _say(f"  work dir:   {workdir} ({'kept' if kept else 'removed at the end'})")


def _say(text: str = "") -> None:
    print(text, flush=True)


def _disk_usage(directory: Path) -> str:
    """Total size of the files in ``directory``, for people to read."""
    return format_bytes(sum(f.stat().st_size for f in directory.rglob("*.parquet")))


# --- the regimes --------------------------------------------------------------


def _walk_regimes(client: Client, workdir: Path, layout: Layout) -> list[Step]:
    trips_path = workdir / "trips.parquet"
    steps = [generate_trips(client, trips_path, layout)]
    trips = read_trips(trips_path, layout)
    predicted, sample = small_fit_big_predict(
        client, trips, workdir / "predictions.parquet"
    )
    steps += predicted
    fitted, fit_steps = big_fit(client, trips)
    steps += fit_steps
    steps.append(many_fits(client, trips, sample))
    steps.append(adaptive_fits(client, trips, fitted.named_steps["scale"]))
    return steps


def generate_trips(client: Client, path: Path, layout: Layout) -> Step:
    """Make the trips lazily, one partition per task, and write them to parquet.

    Parameters
    ----------
    client : distributed.Client
    path : Path
        Directory of the parquet dataset (replaced if it exists).
    layout : Layout

    Returns
    -------
    Step
    """
    _say(f"\n[1/5] Data: generating {layout.rows:,} trips into {path.name}")
    trips = dd.from_map(
        make_trips,
        layout.starts,
        layout.lengths,
        seed=SEED,
        meta=make_trips(0, 0, seed=SEED),
        label="make-trips",
    )
    write = trips.to_parquet(path, write_index=False, overwrite=True, compute=False)
    with measure(client, "generate") as cost:
        compute(write, desc="generating trips and writing parquet")
    _say(f"      written in {cost.seconds:.1f} s ({_disk_usage(path)} on disk)")
    return Step.measured(REGIME_DATA, "generate trips -> parquet", layout.rows, cost)


def small_fit_big_predict(
    client: Client, trips: Trips, path: Path
) -> tuple[list[Step], pd.DataFrame]:
    """Fit a sample in memory, then predict every trip blockwise to parquet.

    Parameters
    ----------
    client : distributed.Client
    trips : Trips
    path : Path
        Directory of the parquet dataset of predictions (replaced if it exists).

    Returns
    -------
    list of Step
        Drawing the sample, fitting, predicting.
    pandas.DataFrame
        The sample, for the many-fits regime.
    """
    _say("\n[2/5] Small fit, big predict: ParallelPostFit(scikit-learn Pipeline)")
    layout = trips.layout
    with measure(client, "sample") as cost:
        sample = draw_sample(trips)
    steps = [
        Step.measured(
            REGIME_SMALL_FIT,
            f"draw a {len(sample):,}-row sample",
            layout.train_rows,
            cost,
        )
    ]
    with measure(client, "small-fit") as cost:
        model = ParallelPostFit(tip_pipeline())
        model.fit(sample[list(FEATURES)], sample[TARGET])
    quality = held_out_quality(
        model, trips.holdout[list(FEATURES)], trips.holdout[TARGET]
    )
    _say(f"      fitted on {len(sample):,} trips in {cost.seconds:.1f} s: {quality}")
    steps.append(
        Step.measured(
            REGIME_SMALL_FIT,
            "fit Pipeline in memory",
            len(sample),
            cost,
            quality=quality,
        )
    )
    with measure(client, "predict") as cost:
        predict_to_parquet(model, trips.frame, path)
    _say(
        f"      predicted {layout.rows:,} trips in {cost.seconds:.1f} s, into "
        f"{path.name} ({_disk_usage(path)})"
    )
    steps.append(
        Step.measured(REGIME_SMALL_FIT, "predict_proba -> parquet", layout.rows, cost)
    )
    return steps, sample


def draw_sample(trips: Trips) -> pd.DataFrame:
    """A random sample of about ``SAMPLE_ROWS`` training trips, in memory.

    Reads the training partitions once; only the sample reaches this process.
    """
    fraction = min(1.0, SAMPLE_ROWS / trips.layout.train_rows)
    sample = trips.train.sample(frac=fraction, random_state=SEED)
    return compute(sample, desc="drawing a random sample")[0]


def tip_pipeline() -> Pipeline:
    """The in-memory model: one-hot payment, scaled numbers, logistic regression."""
    payment = OneHotEncoder(
        categories=[list(PAYMENT_TYPES)], handle_unknown="ignore", sparse_output=False
    )
    encode = ColumnTransformer(
        [
            ("payment", payment, [CATEGORICAL_COLUMN]),
            ("numeric", InMemoryScaler(), list(NUMERIC_COLUMNS)),
        ]
    )
    return Pipeline([("encode", encode), ("classify", LogisticRegression())])


def predict_to_parquet(model: ParallelPostFit, trips: dd.DataFrame, path: Path) -> None:
    """Write each trip's id and tip probability, block by block, to parquet."""
    proba = model.predict_proba(trips[list(FEATURES)])
    predictions = trips[[TRIP_ID]].assign(tip_probability=proba["1"].astype("f4"))
    write = predictions.to_parquet(
        path, write_index=False, overwrite=True, compute=False
    )
    compute(write, desc="predicting and writing parquet")


def big_fit(client: Client, trips: Trips) -> tuple[Pipeline, list[Step]]:
    """Train on every training trip, one block at a time, in a Pipeline.

    Parameters
    ----------
    client : distributed.Client
    trips : Trips

    Returns
    -------
    model : Pipeline
        The fitted StandardScaler + Incremental(SGDClassifier).
    steps : list of Step
        The whole fit, then its scaling pass and each of its epochs.
    """
    _say("\n[3/5] Big fit: Pipeline(StandardScaler, Incremental(SGDClassifier))")
    train_rows = trips.layout.train_rows
    X, y = training_arrays(trips)
    model = sgd_pipeline()
    with measure(client, "big-fit") as cost:
        model.fit(X, y, sgd__classes=[0, 1])
    holdout = encode_trips(trips.holdout)
    quality = held_out_quality(
        model, holdout[list(ENCODED_FEATURES)].to_numpy(), holdout[TARGET]
    )
    _say(f"      trained on {train_rows:,} trips in {cost.seconds:.1f} s: {quality}")
    whole = Step.measured(
        REGIME_BIG_FIT,
        f"fit Pipeline, {EPOCHS} epochs",
        train_rows * (EPOCHS + 1),
        cost,
        quality=quality,
    )
    return model, [whole, *_fit_parts(model, cost.seconds, train_rows)]


def training_arrays(trips: Trips) -> tuple[Any, Any]:
    """Encoded features and target of the training trips, as lazy dask arrays.

    Both come from one ``map_partitions`` over whole partitions, so they are
    read the same way and have the same blocks. Their block lengths are left
    unknown (``Incremental`` does not need them): ``to_dask_array(lengths=True)``
    fails when dask's parquet reader fuses partitions as it builds the graph,
    after reporting ``npartitions``.
    """
    meta = encode_trips(make_trips(0, 0, seed=SEED))
    encoded = trips.train.map_partitions(encode_trips, meta=meta)
    X = encoded[list(ENCODED_FEATURES)].to_dask_array()
    y = encoded[TARGET].to_dask_array()
    if X.numblocks[0] != y.numblocks[0]:  # a guard, should dask ever change
        raise RuntimeError(
            f"X has {X.numblocks[0]} blocks but y has {y.numblocks[0]}; they "
            "must come from the same partitions."
        )
    return X, y


def sgd_pipeline() -> Pipeline:
    """The out-of-core model: dask-native scaling, then SGD one block at a time."""
    sgd = SGDClassifier(loss="log_loss", random_state=SEED)
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("sgd", Incremental(sgd, max_epochs=EPOCHS, random_state=SEED)),
        ]
    )


def _fit_parts(model: Pipeline, seconds: float, train_rows: int) -> list[Step]:
    """The big fit's parts: the scaler's pass (the time not in epochs), the epochs."""
    history = model.named_steps["sgd"].history_
    in_epochs = sum(record["seconds"] for record in history)
    scaling = Step(
        REGIME_BIG_FIT,
        "  StandardScaler pass, setup",
        train_rows,
        seconds - in_epochs,
    )
    return [scaling, *(_epoch_step(record) for record in history)]


def _epoch_step(record: dict[str, Any]) -> Step:
    score = record["train_score"]
    return Step(
        REGIME_BIG_FIT,
        f"  SGD epoch {record['epoch']}",
        record["n_samples"],
        record["seconds"],
        quality="" if score is None else f"acc {score:.3f} (progressive)",
    )


def many_fits(client: Client, trips: Trips, sample: pd.DataFrame) -> Step:
    """Grid-search the in-memory Pipeline on the sample, on the cluster.

    Parameters
    ----------
    client : distributed.Client
    trips : Trips
    sample : pandas.DataFrame
        The in-memory sample of the small-fit regime.

    Returns
    -------
    Step
    """
    n_candidates = len(ParameterGrid(SEARCH_GRID))
    _say(
        f"\n[4/5] Many fits: GridSearchCV, {n_candidates} candidates x "
        f"{SEARCH_FOLDS} folds on the {len(sample):,}-row sample"
    )
    search = GridSearchCV(tip_pipeline(), SEARCH_GRID, cv=SEARCH_FOLDS)
    with measure(client, "many-fits") as cost:
        search.fit(sample[list(FEATURES)], sample[TARGET])
    quality = held_out_quality(
        search, trips.holdout[list(FEATURES)], trips.holdout[TARGET]
    )
    best = ", ".join(f"{k.split('__')[-1]}={v}" for k, v in search.best_params_.items())
    _say(f"      searched in {cost.seconds:.1f} s; best {best}: {quality}")
    return Step.measured(
        REGIME_MANY_FITS,
        f"GridSearchCV {n_candidates}x{SEARCH_FOLDS}",
        len(sample) * n_candidates * SEARCH_FOLDS,
        cost,
        quality=quality,
    )


def adaptive_fits(client: Client, trips: Trips, scaler: StandardScaler) -> Step:
    """Hyperband over SGD models on the scaled training blocks, on the cluster.

    Every model trains with ``partial_fit`` on the blocks in turn, and only the
    promising ones get more blocks (up to ``ADAPTIVE_MAX_ITER``); a search that
    trained every model to the end would make ``n_models * ADAPTIVE_MAX_ITER``
    calls.

    Parameters
    ----------
    client : distributed.Client
    trips : Trips
    scaler : scalearn.preprocessing.StandardScaler
        Fitted on the training trips by the big fit.

    Returns
    -------
    Step
    """
    search = HyperbandSearchCV(
        SGDClassifier(loss="log_loss", random_state=SEED),
        ADAPTIVE_SPACE,
        max_iter=ADAPTIVE_MAX_ITER,
        random_state=SEED,
    )
    n_models = search.metadata["n_models"]
    _say(
        f"\n[5/5] Many fits, adaptively: HyperbandSearchCV, {n_models} SGD models "
        f"trained on up to {ADAPTIVE_MAX_ITER} blocks each"
    )
    X, y = training_arrays(trips)
    with measure(client, "adaptive-fits") as cost:
        search.fit(scaler.transform(X), y, classes=[0, 1])
    holdout = encode_trips(trips.holdout)
    features = scaler.transform(holdout[list(ENCODED_FEATURES)].to_numpy())
    quality = held_out_quality(search, features, holdout[TARGET])
    calls = search.metadata_["partial_fit_calls"]
    best = ", ".join(
        f"{k}={v:.2g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in search.best_params_.items()
    )
    _say(
        f"      {calls} partial_fit calls (every model to the end: "
        f"{n_models * ADAPTIVE_MAX_ITER}) in {cost.seconds:.1f} s; best {best}: "
        f"{quality}"
    )
    block_rows = trips.layout.train_rows / trips.layout.n_train_partitions
    return Step.measured(
        REGIME_MANY_FITS,
        f"HyperbandSearchCV {n_models} models",
        round(calls * block_rows),
        cost,
        quality=quality,
    )


def held_out_quality(model: Any, X: Any, y: Any) -> str:
    """ROC AUC and accuracy of a fitted binary classifier on in-memory data."""
    auc = roc_auc_score(y, model.predict_proba(X)[:, 1])
    accuracy = accuracy_score(y, model.predict(X))
    return f"AUC {auc:.3f}, acc {accuracy:.3f}"


# --- the end ------------------------------------------------------------------


def _conclude(steps: list[Step], seconds: float, args: argparse.Namespace) -> None:
    _say("\nSummary")
    _say(format_table(steps))
    _say()
    for note in _notes(local_cluster=args.scheduler is None):
        _say(note)
    if args.workdir is not None:
        _say(f"Datasets kept in {args.workdir.resolve()}")
    if args.report is not None:
        _say(f"Performance report saved to {args.report}")
    _say(f"Demo done in {seconds:.1f} s.")


def _notes(*, local_cluster: bool) -> list[str]:
    """What the columns of the summary mean."""
    client = "this process"
    if local_cluster:
        client += ", which also runs the local cluster's scheduler"
    return [
        "rows/s:        rows read per second (a fit that reads the data several "
        "times counts each pass)",
        "cluster peak:  highest total resident memory of the workers",
        f"client peak:   highest resident memory of {client}",
        "quality:       ROC AUC and accuracy on the held-out trips (the last "
        "partition, never trained on);",
        "               progressive: each block scored by SGD before it trains "
        "on it, averaged over the epoch",
    ]
