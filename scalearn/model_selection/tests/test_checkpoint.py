"""A search with ``checkpoint=`` resumes after a crash, refitting only the rest."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from scalearn.model_selection import GridSearchCV, RandomizedSearchCV

GRID = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}


class CountingLogistic(LogisticRegression):
    """Counts fits in this process; sleeps ``SCALEARN_TEST_FIT_SLEEP`` s in each."""

    fits = 0
    lock = threading.Lock()

    def fit(self, X, y, sample_weight=None):
        with CountingLogistic.lock:
            CountingLogistic.fits += 1
        time.sleep(float(os.environ.get("SCALEARN_TEST_FIT_SLEEP", "0")))
        return super().fit(X, y, sample_weight=sample_weight)


def data():
    return make_classification(n_samples=300, n_features=8, random_state=0)


def search(path, **kwargs):
    return GridSearchCV(CountingLogistic(), GRID, cv=3, checkpoint=path, **kwargs)


def assert_same_results(a, b):
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key])
    assert a.best_params_ == b.best_params_


def test_a_finished_search_is_not_fit_again(tmp_path):
    X, y = data()
    CountingLogistic.fits = 0
    first = search(tmp_path).fit(X, y)
    assert CountingLogistic.fits == 8 * 3 + 1  # every fold, then the refit
    assert len(list(tmp_path.glob("*/*.pkl"))) == 8 * 3
    CountingLogistic.fits = 0
    second = search(tmp_path, verbose=1).fit(X, y)
    assert CountingLogistic.fits == 1  # the refit only
    assert_same_results(first, second)
    plain = GridSearchCV(CountingLogistic(), GRID, cv=3).fit(X, y)
    assert_same_results(first, plain)


def test_only_missing_fits_are_done_and_other_inputs_do_not_mix(tmp_path):
    X, y = data()
    first = search(tmp_path).fit(X, y)
    files = sorted(tmp_path.glob("*/*.pkl"))
    for path in files[:5]:
        path.unlink()
    CountingLogistic.fits = 0
    again = search(tmp_path).fit(X, y)
    assert CountingLogistic.fits == 5 + 1
    assert_same_results(first, again)
    # Other data, folds or scoring get their own run directory.
    CountingLogistic.fits = 0
    search(tmp_path, scoring="roc_auc").fit(X, y)
    assert CountingLogistic.fits == 8 * 3 + 1
    search(tmp_path).fit(X[:-30], y[:-30])
    assert len(list(tmp_path.iterdir())) == 3


def test_randomized_search_resumes(tmp_path):
    X, y = data()
    make = lambda: RandomizedSearchCV(  # noqa: E731
        CountingLogistic(), GRID, n_iter=5, cv=2, random_state=0, checkpoint=tmp_path
    )
    first = make().fit(X, y)
    CountingLogistic.fits = 0
    second = make().fit(X, y)
    assert CountingLogistic.fits == 1
    assert_same_results(first, second)


@pytest.mark.slow
def test_resumes_after_the_process_is_killed(tmp_path):
    checkpoint = tmp_path / "ckpt"
    script = tmp_path / "run_search.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import dask
            from scalearn.model_selection.tests.test_checkpoint import data, search
            X, y = data()
            with dask.config.set(scheduler="threads", num_workers=2):
                search({str(checkpoint)!r}).fit(X, y)
            """
        )
    )
    env = {**os.environ, "SCALEARN_TEST_FIT_SLEEP": "0.3"}
    process = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(list(checkpoint.glob("*/*.pkl"))) < 6:
            assert process.poll() is None, "the search ended before it was killed"
            assert time.monotonic() < deadline, "no progress in 60 s"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    saved = len(list(checkpoint.glob("*/*.pkl")))
    assert 6 <= saved < 24
    assert not list(checkpoint.glob("*/*.tmp"))  # no half-written record
    X, y = data()
    CountingLogistic.fits = 0
    resumed = search(checkpoint).fit(X, y)
    assert CountingLogistic.fits == 24 - saved + 1
    assert_same_results(
        resumed, GridSearchCV(LogisticRegression(), GRID, cv=3).fit(X, y)
    )
