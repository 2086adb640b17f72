import dask.array as da
import numpy as np
import pytest
from sklearn import metrics as sk_metrics
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_validate

from scalearn import metrics
from scalearn.wrappers import ParallelPostFit


@pytest.fixture(scope="module")
def classified():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + rng.normal(size=400) > 0).astype(int) + (X[:, 1] > 1)
    model = ParallelPostFit(LogisticRegression()).fit(X, y)
    return X, y, model


@pytest.fixture(scope="module")
def regressed():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = np.exp(X @ [0.3, -0.2, 0.1] + rng.normal(size=400) * 0.1)
    return X, y, ParallelPostFit(Ridge()).fit(X, y)


CLASSIFIER_SCORERS = [
    "accuracy",
    "f1_macro",
    "precision_weighted",
    "recall_micro",
    "neg_log_loss",
    "roc_auc_ovr",
    "roc_auc_ovo_weighted",
]
REGRESSOR_SCORERS = [
    "r2",
    "explained_variance",
    "neg_mean_squared_error",
    "neg_root_mean_squared_error",
    "neg_mean_absolute_error",
    "neg_mean_absolute_percentage_error",
    "neg_mean_squared_log_error",
]


def test_every_name_is_covered():
    assert set(CLASSIFIER_SCORERS + REGRESSOR_SCORERS) <= set(
        metrics.get_scorer_names()
    )
    assert set(metrics.get_scorer_names()) <= set(sk_metrics.get_scorer_names())


@pytest.mark.parametrize("name", CLASSIFIER_SCORERS + REGRESSOR_SCORERS)
def test_scorer_on_dask_equals_sklearn_in_memory(name, classified, regressed):
    X, y, model = classified if name in CLASSIFIER_SCORERS else regressed
    expected = sk_metrics.get_scorer(name)(model, X, y)
    X_d, y_d = da.from_array(X, chunks=70), da.from_array(y, chunks=70)
    scorer = metrics.get_scorer(name)
    assert scorer(model, X_d, y_d) == pytest.approx(expected, rel=1e-10)
    assert scorer(model, X, y) == pytest.approx(expected, rel=1e-12)
    lazy = metrics.get_scorer(name, compute=False)(model, X_d, y_d)
    assert float(np.asarray(lazy)) == pytest.approx(expected, rel=1e-10)


def test_binary_scorers_and_one_pass(classified, count_computes):
    X, y, _ = classified
    y = (y > 0).astype(int)
    model = ParallelPostFit(LogisticRegression()).fit(X, y)
    X_d, y_d = da.from_array(X, chunks=70), da.from_array(y, chunks=70)
    for name in ("roc_auc", "f1", "precision", "neg_log_loss"):
        with count_computes() as counter:
            score = metrics.get_scorer(name)(model, X_d, y_d)
        assert counter.count == 1, name
        assert score == pytest.approx(
            sk_metrics.get_scorer(name)(model, X, y), rel=1e-10
        )


def test_sklearn_tools_take_the_scorers(regressed):
    X, y, _ = regressed
    scoring = metrics.check_scoring(Ridge(), ["r2", "neg_mean_absolute_error"])
    ours = cross_validate(Ridge(), X, y, cv=3, scoring=scoring)
    theirs = cross_validate(
        Ridge(), X, y, cv=3, scoring=["r2", "neg_mean_absolute_error"]
    )
    for key in ("test_r2", "test_neg_mean_absolute_error"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12)


def test_other_names_callables_and_none(classified):
    X, y, model = classified
    balanced = metrics.get_scorer("balanced_accuracy")
    assert balanced(model, X, y) == sk_metrics.get_scorer("balanced_accuracy")(
        model, X, y
    )

    def custom(estimator, X, y):
        return 0.5

    assert metrics.get_scorer(custom) is custom
    assert metrics.get_scorer(None) is None
    assert metrics.check_scoring(model, None)(model, X, y) == model.score(X, y)
    with pytest.raises(ValueError, match="'no-such-score' is not a valid scoring"):
        metrics.get_scorer("no-such-score")
    with pytest.raises(ValueError, match=r"make_scorer\(accuracy_score\)"):
        metrics.check_scoring(model, metrics.accuracy_score)


def test_dask_ml_style_scorer_agrees(classified):
    dask_ml_metrics = pytest.importorskip("dask_ml.metrics")
    X, y, model = classified
    X_d, y_d = da.from_array(X, chunks=70), da.from_array(y, chunks=70)
    assert metrics.get_scorer("accuracy")(model, X_d, y_d) == pytest.approx(
        dask_ml_metrics.get_scorer("accuracy")(model, X_d, y_d)
    )
