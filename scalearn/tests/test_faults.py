"""A worker killed mid-job: ``scalearn predict``, GridSearchCV and Incremental finish
with the same result as an undisturbed run, and nothing is lost or written twice.

The cluster's workers are processes under nannies, so a killed worker comes
back, and the scheduler reruns the tasks it held. The jobs are slowed down a
little (a sleep per block or fit) so that the kill lands while they run; a
killer thread kills the worker busiest at that moment.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV as SklearnGridSearchCV

from scalearn.cli import main
from scalearn.cli._taxi import TARGET, TRIP_ID, make_trips
from scalearn.model_selection import GridSearchCV
from scalearn.persist import save
from scalearn.wrappers import Incremental

pytestmark = pytest.mark.slow
DELAY = 0.15


class SlowLogisticRegression(LogisticRegression):
    """LogisticRegression that takes ``DELAY`` s longer to fit and predict."""

    def fit(self, X, y, sample_weight=None):
        time.sleep(DELAY)
        return super().fit(X, y, sample_weight=sample_weight)

    def predict(self, X):
        time.sleep(DELAY)
        return super().predict(X)


def _slow_block(block):
    time.sleep(DELAY / 3)
    return block


@pytest.fixture(scope="module")
def fragile_cluster():
    """Two one-thread worker processes under nannies; killed workers come back."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        worker_dashboard_address=None,
    ) as cluster:
        yield cluster


class Killer(threading.Thread):
    """Kill the busiest worker's process once ``ready()`` says the job is running."""

    def __init__(self, client: Client, ready) -> None:
        super().__init__(daemon=True)
        self.client, self.ready = client, ready
        self.killed_at: float | None = None
        self.pids = client.run(os.getpid)

    def run(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.ready():
                busy = {w: len(t) for w, t in self.client.processing().items() if t}
                if busy:
                    victim = max(busy, key=busy.get)
                    os.kill(self.pids[victim], signal.SIGKILL)
                    self.killed_at = time.monotonic()
                    return
            time.sleep(0.02)


def _wait_for_workers(client: Client, n: int = 2) -> None:
    client.wait_for_workers(n, timeout=30)


def test_predict_survives_a_killed_worker(fragile_cluster, tmp_path):
    n_files, rows = 10, 200
    train = make_trips(10_000, 1_000, seed=1)
    model = SlowLogisticRegression().fit(
        train[["trip_distance", "fare_amount"]], train[TARGET]
    )
    save(model, tmp_path / "model", serializer="pickle")
    trips = [make_trips(i * rows, rows, seed=0) for i in range(n_files)]
    for i, part in enumerate(trips):
        part.to_parquet(tmp_path / f"trips-{i:02d}.parquet", index=False)
    staging = tmp_path / ".out.partial"

    with Client(fragile_cluster) as client:
        _wait_for_workers(client)
        killer = Killer(client, lambda: len(list(staging.glob("part.*"))) >= 2)
        killer.start()
        code = main(
            [
                *("predict", str(tmp_path / "model")),
                str(tmp_path / "trips-*.parquet"),
                *("-o", str(tmp_path / "out"), "--id-columns", TRIP_ID),
                *("--scheduler", fragile_cluster.scheduler_address),
                *("--trust-pickle", "--no-progress"),
            ]
        )
        finished = time.monotonic()
        killer.join()
        _wait_for_workers(client)
    assert code == 0
    assert killer.killed_at is not None
    assert killer.killed_at < finished
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    # One file per partition, and no temporary file left behind.
    assert names == ["_scalearn_predict.json"] + [
        f"part.{i:05d}.parquet" for i in range(n_files)
    ]
    result = pd.read_parquet(tmp_path / "out")
    frame = pd.concat(trips, ignore_index=True)
    np.testing.assert_array_equal(result[TRIP_ID], frame[TRIP_ID])  # each row once
    expected = model.predict(frame[["trip_distance", "fare_amount"]])
    np.testing.assert_array_equal(result["prediction"], expected)


def test_grid_search_survives_a_killed_worker(fragile_cluster):
    """On dask input: the search computes the data on the cluster, from its graph.

    In-memory input is scattered to one worker instead, and a worker killed
    before another has fetched it loses it for good ("Removing worker ...
    caused the cluster to lose scattered data, which can't be recovered"):
    reported, not tested here, since whether the kill lands first is a race.
    """
    data = make_trips(0, 600, seed=2)
    columns = ["trip_distance", "fare_amount", "pickup_hour"]
    X, y = data[columns], data[TARGET]
    grid = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    reference = SklearnGridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)
    lazy = dd.from_pandas(data, npartitions=3)
    started = threading.Event()
    with Client(fragile_cluster) as client:
        _wait_for_workers(client)
        killer = Killer(client, started.is_set)
        search = GridSearchCV(SlowLogisticRegression(), grid, cv=3)
        started.set()
        killer.start()
        search.fit(lazy[columns], lazy[TARGET])
        finished = time.monotonic()
        killer.join()
        _wait_for_workers(client)
    assert killer.killed_at is not None
    assert killer.killed_at < finished
    assert search.best_params_ == reference.best_params_
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_allclose(
            search.cv_results_[key], reference.cv_results_[key], rtol=1e-12
        )
    np.testing.assert_allclose(
        search.best_estimator_.coef_, reference.best_estimator_.coef_, rtol=1e-12
    )


def test_incremental_fit_survives_a_killed_worker(fragile_cluster):
    rng = np.random.default_rng(3)
    X_np = rng.normal(size=(1_500, 4))
    y_np = (X_np[:, 0] - X_np[:, 2] > 0).astype(np.int64)
    fast = da.from_array(X_np, chunks=(100, 4))
    X = fast.map_blocks(_slow_block)
    y = da.from_array(y_np, chunks=100)

    def model():
        return Incremental(
            SGDClassifier(random_state=0, tol=None), max_epochs=2, random_state=0
        )

    undisturbed = model().fit(fast, y, classes=[0, 1])
    started = threading.Event()
    with Client(fragile_cluster) as client:
        _wait_for_workers(client)
        killer = Killer(client, started.is_set)
        disturbed = model()
        started.set()
        killer.start()
        disturbed.fit(X, y, classes=[0, 1])
        finished = time.monotonic()
        killer.join()
        _wait_for_workers(client)
    assert killer.killed_at is not None
    assert killer.killed_at < finished
    np.testing.assert_allclose(
        disturbed.estimator_.coef_, undisturbed.estimator_.coef_, rtol=1e-10
    )
    assert [r["n_samples"] for r in disturbed.history_] == [1_500] * 2
