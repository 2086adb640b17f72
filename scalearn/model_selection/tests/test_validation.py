"""The cross-validation functions against scikit-learn's, on every container."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import model_selection as sk
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline

from scalearn.model_selection import (
    cross_val_predict,
    cross_val_score,
    cross_validate,
    learning_curve,
)
from scalearn.model_selection.tests.test_search import FailingClassifier


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=180, n_features=8, n_informative=5, n_classes=3, random_state=0
    )


def pipeline():
    return Pipeline([("pca", PCA(4)), ("clf", LogisticRegression())])


@pytest.mark.parametrize("scoring", [None, "accuracy", ["accuracy", "f1_macro"]])
def test_cross_validate_equals_scikit_learn(data, scoring):
    X, y = data
    kwargs = {
        "cv": 3,
        "scoring": scoring,
        "return_train_score": True,
        "return_estimator": True,
        "return_indices": True,
    }
    ours = cross_validate(pipeline(), X, y, **kwargs)
    theirs = sk.cross_validate(pipeline(), X, y, **kwargs)
    assert sorted(ours) == sorted(theirs)
    for key, value in theirs.items():
        if key == "estimator":
            for a, b in zip(ours[key], value, strict=True):
                np.testing.assert_allclose(a[-1].coef_, b[-1].coef_)
        elif key == "indices":
            for part in ("train", "test"):
                for a, b in zip(ours[key][part], value[part], strict=True):
                    np.testing.assert_array_equal(a, b)
        elif "time" not in key:
            np.testing.assert_allclose(ours[key], value, rtol=1e-12, err_msg=key)
        assert len(ours[key]) == len(value)


@pytest.mark.parametrize("kind", ["numpy", "pandas", "dask_array", "dask_frame"])
def test_every_container_and_scheduler(data, to_container, kind, scheduler):
    X, y = data
    Xc, yc = to_container(X, y, kind, chunk_rows=50)
    ours = cross_val_score(pipeline(), Xc, yc, cv=3)
    theirs = sk.cross_val_score(pipeline(), X, y, cv=3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    predicted = cross_val_predict(pipeline(), Xc, yc, cv=3, method="predict_proba")
    expected = sk.cross_val_predict(pipeline(), X, y, cv=3, method="predict_proba")
    np.testing.assert_allclose(predicted, expected, rtol=1e-10)


class FailsWithRowZero(FailingClassifier):
    """Fails on the folds whose training rows include row 0 (column 0 = row id)."""

    def fit(self, X, y):
        if np.min(X[:, 0]) == 0:
            raise RuntimeError("row zero in training")
        return super().fit(X, y)


def test_error_score_like_scikit_learn(data):
    X, y = data
    X = np.column_stack([np.arange(len(y)), X])
    cv = sk.KFold(3)
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 3"):
        ours = cross_val_score(FailsWithRowZero(), X, y, cv=cv, error_score=-1)
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 3"):
        theirs = sk.cross_val_score(FailsWithRowZero(), X, y, cv=cv, error_score=-1)
    np.testing.assert_array_equal(ours, theirs)
    assert list(ours[1:]) == [-1, -1]
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        cross_val_score(FailingClassifier(fail=True), X, y, cv=3)
    with pytest.raises(RuntimeError, match="row zero"):
        cross_validate(FailsWithRowZero(), X, y, cv=cv, error_score="raise")


def test_cross_val_predict_methods_and_missing_classes():
    X, y = make_classification(
        n_samples=90, n_features=6, n_informative=4, n_classes=3, random_state=1
    )
    y = np.sort(y)  # unshuffled KFold folds then miss whole classes
    cv = sk.KFold(3)
    ours = cross_val_predict(GaussianNB(), X, y, cv=cv)
    np.testing.assert_array_equal(ours, sk.cross_val_predict(GaussianNB(), X, y, cv=cv))
    for method in ("predict_proba", "predict_log_proba"):
        with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
            ours = cross_val_predict(GaussianNB(), X, y, cv=cv, method=method)
        with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
            theirs = sk.cross_val_predict(GaussianNB(), X, y, cv=cv, method=method)
        np.testing.assert_allclose(ours, theirs, err_msg=method)
    with pytest.raises(ValueError, match="only works for partitions"):
        cross_val_predict(GaussianNB(), X, y, cv=sk.ShuffleSplit(2, random_state=0))


def test_cross_val_predict_string_labels_and_decision_function(data):
    X, y = data
    labels = np.array(["a", "b", "c"])[y]
    ours = cross_val_predict(LogisticRegression(), X, labels, cv=3)
    theirs = sk.cross_val_predict(LogisticRegression(), X, labels, cv=3)
    np.testing.assert_array_equal(ours, theirs)
    method = "decision_function"
    ours = cross_val_predict(LogisticRegression(), X, labels, cv=3, method=method)
    theirs = sk.cross_val_predict(LogisticRegression(), X, labels, cv=3, method=method)
    np.testing.assert_allclose(ours, theirs)


@pytest.mark.parametrize("shuffle", [False, True])
def test_learning_curve_equals_scikit_learn(data, shuffle):
    X, y = data
    kwargs = {
        "train_sizes": [0.2, 0.5, 1.0],
        "cv": 3,
        "shuffle": shuffle,
        "random_state": 0,
        "return_times": True,
    }
    ours = learning_curve(pipeline(), X, y, **kwargs)
    theirs = sk.learning_curve(pipeline(), X, y, **kwargs)
    np.testing.assert_array_equal(ours[0], theirs[0])
    for a, b in zip(ours[1:3], theirs[1:3], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(ours[3:], theirs[3:], strict=True):
        assert a.shape == b.shape
        assert np.all(a >= 0)


def test_learning_curve_incremental_and_regression():
    X, y = make_classification(n_samples=150, n_features=6, random_state=2)
    estimator = SGDClassifier(random_state=0, tol=None, max_iter=5)
    kwargs = {"train_sizes": [30, 60, 100], "cv": 3}
    ours = learning_curve(estimator, X, y, exploit_incremental_learning=True, **kwargs)
    theirs = sk.learning_curve(
        estimator, X, y, exploit_incremental_learning=True, **kwargs
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b)
    Xr, yr = make_regression(n_samples=80, n_features=4, random_state=0)
    ours = learning_curve(Ridge(), Xr, yr, train_sizes=[10, 20, 53], cv=3)
    theirs = sk.learning_curve(Ridge(), Xr, yr, train_sizes=[10, 20, 53], cv=3)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_learning_curve_bad_sizes(data):
    X, y = data
    with pytest.raises(ValueError, match=r"must be within \(0, 1\]"):
        learning_curve(LogisticRegression(), X, y, train_sizes=[0.0, 0.5])
    with pytest.raises(ValueError, match="absolute numbers of training samples"):
        learning_curve(LogisticRegression(), X, y, train_sizes=[10, 10_000], cv=3)
    with pytest.raises(ValueError, match="partial_fit interface"):
        learning_curve(Ridge(), X, y, exploit_incremental_learning=True)
    with pytest.warns(RuntimeWarning, match="Removed duplicate entries"):
        learning_curve(LogisticRegression(), X, y, train_sizes=[40, 40, 80], cv=3)
