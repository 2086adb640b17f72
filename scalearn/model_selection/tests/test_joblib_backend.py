"""scikit-learn's own ``n_jobs`` work runs on a Dask cluster through joblib.

Not scalearn code: the documented way to put scikit-learn's joblib parallelism
(``n_jobs`` in its searches, forests, ``cross_val_score``) on the same cluster
that scalearn uses. Tested here so that the README's claim stays true.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from distributed import get_task_stream
from sklearn import model_selection as sk
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


@pytest.fixture
def client(cluster):
    from distributed import Client

    with Client(cluster) as connected:
        yield connected


def test_scikit_learn_search_runs_on_the_cluster(client):
    X, y = make_classification(n_samples=200, n_features=8, random_state=0)
    grid = {"C": [0.01, 0.1, 1.0, 10.0]}
    expected = sk.GridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)
    with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        search = sk.GridSearchCV(LogisticRegression(), grid, cv=3, n_jobs=-1)
        search.fit(X, y)
        forest = RandomForestClassifier(n_estimators=8, n_jobs=-1, random_state=0)
        forest.fit(X, y)
    assert search.best_params_ == expected.best_params_
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], expected.cv_results_["mean_test_score"]
    )
    assert forest.score(X, y) > 0.9
    # The fits ran as tasks on the cluster's workers.
    keys = [str(task["key"]) for task in stream.data]
    assert sum("batch_of" in key for key in keys) >= 2, keys[:5]
