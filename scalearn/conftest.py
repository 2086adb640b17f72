"""Fixtures shared by every test module: schedulers, data and a no-compute guard."""

from __future__ import annotations

import contextlib

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.callbacks import Callback

import scalearn


@pytest.fixture(autouse=True)
def _deterministic_and_quiet():
    """Deterministic tokens everywhere, and no progress bars in test output."""
    with (
        dask.config.set({"tokenize.ensure-deterministic": True}),
        scalearn.config_context(progress_bar=False),
    ):
        yield


@pytest.fixture(scope="session")
def cluster():
    """One LocalCluster with worker processes, so everything is shown to pickle."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        # Any free port: a fixed one (8787) collides with other clusters.
        dashboard_address=":0",
        worker_dashboard_address=":0",
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(params=["sync", "threads", "distributed"])
def scheduler(request):
    """Run the test on dask's synchronous and threaded schedulers and on a cluster."""
    if request.param != "distributed":
        with dask.config.set(scheduler=request.param):
            yield request.param
        return
    from distributed import Client

    with Client(request.getfixturevalue("cluster")) as client:
        yield client


class _ComputeCounter(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def _start(self, dsk) -> None:
        self.count += 1


@contextlib.contextmanager
def _count_computes():
    counter = _ComputeCounter()
    with counter:
        yield counter


@pytest.fixture
def count_computes():
    """``with count_computes() as c: ...; c.count`` counts local dask computes."""
    return _count_computes


@pytest.fixture
def classification_data():
    """A 1,000 x 4 binary problem as numpy arrays."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1_000, 4))
    y = (X[:, 0] - X[:, 1] + 0.5 * rng.normal(size=1_000) > 0).astype(np.int64)
    return X, y


def as_container(X, y, kind, chunk_rows=250):
    """The same data as numpy, pandas, dask array or dask DataFrame."""
    columns = [f"f{i}" for i in range(X.shape[1])]
    if kind == "numpy":
        return X, y
    if kind == "pandas":
        return pd.DataFrame(X, columns=columns), pd.Series(y, name="target")
    if kind == "dask_array":
        return (
            da.from_array(X, chunks=(chunk_rows, X.shape[1])),
            da.from_array(y, chunks=chunk_rows),
        )
    frame = pd.DataFrame(X, columns=columns).assign(target=y)
    ddf = dd.from_pandas(frame, chunksize=chunk_rows, sort=True)
    return ddf[columns], ddf["target"]


@pytest.fixture
def to_container():
    """``to_container(X, y, kind)``: the data in one of the four containers."""
    return as_container
