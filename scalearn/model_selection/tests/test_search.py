"""GridSearchCV / RandomizedSearchCV: parity with scikit-learn, shared work, dask."""

from __future__ import annotations

import threading

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from scipy.stats import loguniform
from sklearn import model_selection as sk
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from scalearn.model_selection import GridSearchCV, RandomizedSearchCV
from scalearn.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=240, n_features=12, n_informative=6, random_state=0
    )


def pca_pipeline():
    return Pipeline([("pca", PCA()), ("clf", LogisticRegression())])


PCA_GRID = {"pca__n_components": [2, 4, 8], "clf__C": [0.01, 1.0, 100.0]}


def assert_same_results(ours, theirs, *, times=False):
    """Every key, dtype and value of cv_results_ (times only by shape), best_*."""
    a, b = ours.cv_results_, theirs.cv_results_
    assert sorted(a) == sorted(b)
    for key in b:
        if key == "params":
            assert a[key] == b[key]
            continue
        assert type(a[key]) is type(b[key]), key
        assert a[key].dtype == b[key].dtype, key
        assert a[key].shape == b[key].shape, key
        if "time" in key and not times:
            assert np.all(a[key] >= 0), key
        elif key.startswith("param_"):
            assert list(a[key]) == list(b[key]), key
            np.testing.assert_array_equal(np.ma.getmask(a[key]), np.ma.getmask(b[key]))
        else:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-10, err_msg=key)
    for attribute in ("best_index_", "best_params_", "best_score_", "n_splits_"):
        if hasattr(theirs, attribute):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
        else:
            assert not hasattr(ours, attribute), attribute
    assert ours.multimetric_ == theirs.multimetric_


@pytest.mark.parametrize("return_train_score", [False, True])
def test_grid_search_equals_scikit_learn(data, return_train_score):
    X, y = data
    kwargs = {"cv": 3, "return_train_score": return_train_score}
    ours = GridSearchCV(pca_pipeline(), PCA_GRID, **kwargs).fit(X, y)
    theirs = sk.GridSearchCV(pca_pipeline(), PCA_GRID, **kwargs).fit(X, y)
    assert_same_results(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    assert ours.score(X, y) == theirs.score(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.n_features_in_ == theirs.n_features_in_ == X.shape[1]
    assert ours.refit_time_ >= 0
    pd.testing.assert_frame_equal(
        pd.DataFrame(ours.cv_results_).filter(regex="^(?!.*time)"),
        pd.DataFrame(theirs.cv_results_).filter(regex="^(?!.*time)"),
    )


def test_randomized_search_equals_scikit_learn(data):
    X, y = data
    space = {"C": loguniform(1e-3, 1e3), "fit_intercept": [True, False]}
    kwargs = {"n_iter": 6, "cv": 4, "random_state": 0}
    ours = RandomizedSearchCV(LogisticRegression(), space, **kwargs).fit(X, y)
    theirs = sk.RandomizedSearchCV(LogisticRegression(), space, **kwargs).fit(X, y)
    assert_same_results(ours, theirs)


def test_regression_with_list_of_grids_and_masked_params():
    X, y = make_regression(n_samples=150, n_features=6, noise=5.0, random_state=1)
    pipe = Pipeline([("scale", SkStandardScaler()), ("ridge", Ridge())])
    grid = [
        {"scale": [SkStandardScaler(), MinMaxScaler()], "ridge__alpha": [0.1, 10.0]},
        {"scale": ["passthrough"], "ridge__fit_intercept": [True, False]},
    ]
    ours = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = sk.GridSearchCV(pipe, grid, cv=3).fit(X, y)
    a, b = ours.cv_results_, theirs.cv_results_
    assert sorted(a) == sorted(b)
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-10)
    np.testing.assert_array_equal(
        np.ma.getmask(a["param_ridge__alpha"]), np.ma.getmask(b["param_ridge__alpha"])
    )
    assert a["param_scale"].dtype == object
    assert ours.best_index_ == theirs.best_index_


@pytest.mark.parametrize(
    "scoring", [["accuracy", "roc_auc"], {"acc": "accuracy", "nll": "neg_log_loss"}]
)
@pytest.mark.parametrize("refit", ["first", False, "callable"])
def test_multimetric_and_refit_variants(data, scoring, refit):
    X, y = data
    names = list(scoring)
    if refit == "first":
        refit = names[0]
    elif refit == "callable":

        def refit(results):
            return int(np.argmax(results[f"mean_test_{names[1]}"]))

    kwargs = {"cv": 3, "scoring": scoring, "refit": refit, "return_train_score": True}
    ours = GridSearchCV(pca_pipeline(), PCA_GRID, **kwargs).fit(X, y)
    theirs = sk.GridSearchCV(pca_pipeline(), PCA_GRID, **kwargs).fit(X, y)
    assert_same_results(ours, theirs)
    assert ours.multimetric_
    assert hasattr(ours, "best_estimator_") == hasattr(theirs, "best_estimator_")
    if refit is False:
        with pytest.raises(AttributeError, match="refit=False"):
            ours.predict(X)


def test_refit_false_single_metric_still_gives_best(data):
    X, y = data
    ours = GridSearchCV(pca_pipeline(), PCA_GRID, cv=3, refit=False).fit(X, y)
    theirs = sk.GridSearchCV(pca_pipeline(), PCA_GRID, cv=3, refit=False).fit(X, y)
    assert_same_results(ours, theirs)
    assert not hasattr(ours, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        ours.score(X, y)


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``fail`` is True; predicts the majority class otherwise."""

    def __init__(self, fail=False, shift=0.0):
        self.fail = fail
        self.shift = shift

    def fit(self, X, y):
        if self.fail:
            raise RuntimeError("this candidate cannot fit")
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_numeric_error_score_records_failures_like_scikit_learn(data):
    X, y = data
    grid = {"fail": [False, True], "shift": [0.0, 1.0]}
    kwargs = {"cv": 3, "error_score": -1.0}
    with pytest.warns(FitFailedWarning, match="6 fits failed out of a total of 12"):
        ours = GridSearchCV(FailingClassifier(), grid, **kwargs).fit(X, y)
    with pytest.warns(FitFailedWarning, match="6 fits failed out of a total of 12"):
        theirs = sk.GridSearchCV(FailingClassifier(), grid, **kwargs).fit(X, y)
    assert_same_results(ours, theirs)
    assert np.all(ours.cv_results_["mean_test_score"][[2, 3]] == -1.0)


def test_nan_error_score_warns_and_ranks_failures_last(data):
    X, y = data
    grid = {"fail": [True, False]}
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        ours = GridSearchCV(FailingClassifier(), grid, cv=3).fit(X, y)
    assert np.isnan(ours.cv_results_["mean_test_score"][0])
    assert list(ours.cv_results_["rank_test_score"]) == [2, 1]
    assert ours.best_params_ == {"fail": False}


def test_error_score_raise_and_all_failed(data):
    X, y = data
    with pytest.raises(RuntimeError, match="cannot fit"):
        GridSearchCV(FailingClassifier(), {"fail": [True]}, error_score="raise").fit(
            X, y
        )
    with pytest.raises(ValueError, match="All the 5 fits failed"):
        GridSearchCV(FailingClassifier(), {"fail": [True]}).fit(X, y)


def test_failure_in_a_shared_prefix_fails_every_candidate_downstream(data):
    X, y = data
    pipe = Pipeline([("pca", PCA()), ("clf", LogisticRegression())])
    grid = {"pca__n_components": [3, 500], "clf__C": [0.1, 1.0]}
    with pytest.warns(FitFailedWarning, match="6 fits failed out of a total of 12"):
        ours = GridSearchCV(pipe, grid, cv=3, error_score=0.0).fit(X, y)
    failed = ours.cv_results_["param_pca__n_components"] == 500
    assert np.all(ours.cv_results_["mean_test_score"][failed] == 0.0)
    assert ours.best_params_["pca__n_components"] == 3


class CountingScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Counts its fits (across threads) so a test can see the work shared."""

    fits = 0
    lock = threading.Lock()

    def __init__(self, scale=1.0):
        self.scale = scale

    def fit(self, X, y=None):
        with CountingScaler.lock:
            CountingScaler.fits += 1
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        return np.asarray(X) * self.scale


@pytest.fixture
def counting():
    CountingScaler.fits = 0
    yield CountingScaler
    CountingScaler.fits = 0


@pytest.mark.parametrize("scheduler_name", ["sync", "threads"])
def test_each_shared_prefix_is_fit_once(data, counting, scheduler_name, capsys):
    X, y = data
    pipe = Pipeline([("scale", CountingScaler()), ("clf", LogisticRegression())])
    grid = {"scale__scale": [0.5, 1.0, 2.0], "clf__C": [0.01, 0.1, 1, 10, 100, 1000]}
    search = GridSearchCV(
        pipe, grid, cv=3, refit=False, verbose=1, scheduler=scheduler_name
    ).fit(X, y)
    # 18 candidates x 3 folds: scikit-learn fits the scaler 54 times; 9 differ.
    assert counting.fits == 9
    out = capsys.readouterr().out
    assert "63 estimator fits (0 grown from a smaller warm-started fit, 0 trunc" in out
    assert "where a fit-per-step search would do 108" in out
    theirs = sk.GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    assert_same_results(search, theirs)


def test_feature_union_branches_are_shared(data, counting):
    X, y = data
    union = FeatureUnion([("a", CountingScaler()), ("pca", PCA(2))])
    pipe = Pipeline([("union", union), ("clf", LogisticRegression())])
    grid = {"union__pca__n_components": [2, 3, 4], "union__a": [CountingScaler()]}
    grid["clf__C"] = [0.1, 1.0]
    ours = GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    # The counting branch does not change across candidates: once per fold.
    assert counting.fits == 3
    counting.fits = 0
    theirs = sk.GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    assert counting.fits == 18
    assert_same_results(ours, theirs)


def test_weighted_feature_union_and_passthrough_branch(data):
    X, y = data
    union = FeatureUnion(
        [("pca", PCA(3)), ("raw", "passthrough")], transformer_weights={"pca": 2.0}
    )
    pipe = Pipeline([("union", union), ("clf", LogisticRegression(max_iter=500))])
    grid = {"union__pca__n_components": [2, 3], "clf__C": [0.1, 1.0]}
    ours = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = sk.GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert_same_results(ours, theirs)


def test_sample_weight_is_sliced_per_fold(data):
    X, y = data
    weights = np.linspace(0.5, 2.0, len(y))
    grid = {"clf__C": [0.1, 10.0]}
    pipe = Pipeline([("scale", SkStandardScaler()), ("clf", LogisticRegression())])
    ours = GridSearchCV(pipe, grid, cv=3).fit(X, y, clf__sample_weight=weights)
    theirs = sk.GridSearchCV(pipe, grid, cv=3).fit(X, y, clf__sample_weight=weights)
    assert_same_results(ours, theirs)
    np.testing.assert_allclose(
        ours.best_estimator_[-1].coef_, theirs.best_estimator_[-1].coef_
    )


def test_groups_reach_the_splitter(data):
    X, y = data
    groups = np.arange(len(y)) % 4
    cv = sk.GroupKFold(n_splits=4)
    ours = GridSearchCV(LogisticRegression(), {"C": [0.1, 1]}, cv=cv)
    theirs = sk.GridSearchCV(LogisticRegression(), {"C": [0.1, 1]}, cv=cv)
    assert_same_results(ours.fit(X, y, groups=groups), theirs.fit(X, y, groups=groups))


@pytest.mark.parametrize("kind", ["numpy", "pandas", "dask_array", "dask_frame"])
def test_every_container_and_scheduler(data, to_container, kind, scheduler):
    X, y = data
    Xc, yc = to_container(X, y, kind, chunk_rows=60)
    ours = GridSearchCV(pca_pipeline(), PCA_GRID, cv=3).fit(Xc, yc)
    theirs = sk.GridSearchCV(pca_pipeline(), PCA_GRID, cv=3).fit(X, y)
    assert_same_results(ours, theirs)
    predicted = ours.predict(Xc)
    if kind.startswith("dask"):
        assert type(predicted).__module__.startswith("dask")
        predicted = predicted.compute()
        assert ours.score(Xc, yc) == pytest.approx(theirs.score(X, y))
    np.testing.assert_array_equal(np.asarray(predicted), theirs.predict(X))


def test_scalearn_scaler_feeding_scikit_learn_model_on_dask(data, to_container):
    X, y = data
    Xd, yd = to_container(X, y, "dask_frame", chunk_rows=60)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    grid = {"scale__with_mean": [True, False], "clf__C": [0.1, 1.0]}
    ours = GridSearchCV(pipe, grid, cv=3).fit(Xd, yd)
    reference = Pipeline([("scale", SkStandardScaler()), ("clf", LogisticRegression())])
    theirs = sk.GridSearchCV(reference, grid, cv=3).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    assert isinstance(ours.predict(Xd), type(yd))


def test_dask_data_is_computed_once(data, count_computes):
    X, y = data
    Xd, yd = da.from_array(X, chunks=60), da.from_array(y, chunks=60)
    with count_computes() as counter:
        GridSearchCV(pca_pipeline(), PCA_GRID, cv=3, refit=False).fit(Xd, yd)
    # One compute materialises X and y; one runs the whole search.
    assert counter.count == 2


def test_n_jobs_and_scheduler_give_same_results(data):
    X, y = data
    a = GridSearchCV(pca_pipeline(), PCA_GRID, cv=3, n_jobs=1).fit(X, y)
    b = GridSearchCV(pca_pipeline(), PCA_GRID, cv=3, scheduler="sync").fit(X, y)
    assert_same_results(a, b)


def test_progress_bar_counts_candidates(data, capsys):
    import scalearn

    X, y = data
    with scalearn.config_context(progress_bar=True):
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    err = capsys.readouterr().err
    assert "GridSearchCV" in err
    assert "3/3" in err


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"error_score": "ignore"}, "'error_score' parameter of GridSearchCV"),
        ({"scoring": ["accuracy", "f1"], "refit": True}, "refit=True"),
        ({"estimator": "not an estimator"}, "'estimator' parameter of GridSearchCV"),
    ],
)
def test_bad_parameters_are_named(data, params, match):
    X, y = data
    settings = {"estimator": LogisticRegression(), "param_grid": {"C": [1.0]}}
    settings.update(params)
    with pytest.raises((ValueError, TypeError), match=match):
        GridSearchCV(**settings).fit(X, y)


def test_empty_grid_is_an_error(data):
    X, y = data
    with pytest.raises(ValueError, match="non-empty parameter space"):
        RandomizedSearchCV(LogisticRegression(), {"C": [1.0]}, n_iter=0).fit(X, y)


def test_delegation_before_fit_follows_the_estimator():
    search = GridSearchCV(Ridge(), {"alpha": [1.0]})
    assert hasattr(search, "predict")
    assert not hasattr(search, "predict_proba")
    assert not hasattr(search, "transform")


@pytest.mark.parametrize(
    ("estimator", "grid"),
    [
        (
            RandomForestClassifier(random_state=0),
            {"n_estimators": [5, 10, 20], "max_features": [2, "sqrt"]},
        ),
        (
            GradientBoostingClassifier(random_state=0, subsample=0.8),
            {"n_estimators": [5, 15], "max_depth": [1, 2]},
        ),
    ],
    ids=["forest", "boosting"],
)
def test_warm_start_growth_gives_scikit_learns_results_exactly(
    data, estimator, grid, capsys
):
    X, y = data
    kwargs = {"cv": 3, "return_train_score": True}
    ours = GridSearchCV(estimator, grid, verbose=1, **kwargs).fit(X, y)
    theirs = sk.GridSearchCV(estimator, grid, **kwargs).fit(X, y)
    n_small = len(grid["max_features" if "max_features" in grid else "max_depth"])
    grown = (len(grid["n_estimators"]) - 1) * n_small * 3
    assert f"({grown} grown from a smaller warm-started fit," in capsys.readouterr().out
    for key, value in theirs.cv_results_.items():
        if key.startswith(("split", "mean_t", "std_t", "rank")):
            np.testing.assert_array_equal(ours.cv_results_[key], value, err_msg=key)
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_estimator_.get_params() == theirs.best_estimator_.get_params()


def test_no_growth_from_a_random_state_instance_or_in_a_pipeline_prefix(data, capsys):
    X, y = data
    forest = RandomForestClassifier(random_state=np.random.RandomState(0))
    GridSearchCV(forest, {"n_estimators": [3, 6]}, cv=2, verbose=1).fit(X, y)
    assert "(0 grown" in capsys.readouterr().out
    pipe = Pipeline([("scale", SkStandardScaler()), ("rf", RandomForestClassifier())])
    grid = {"rf__n_estimators": [3, 6], "rf__random_state": [0]}
    ours = GridSearchCV(pipe, grid, cv=2, verbose=1).fit(X, y)
    assert "(2 grown" in capsys.readouterr().out
    theirs = sk.GridSearchCV(pipe, grid, cv=2).fit(X, y)
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize(
    ("remainder", "threshold", "output"),
    [
        ("drop", 0.3, "default"),
        ("passthrough", 0.3, "default"),
        (SkStandardScaler(), 0.9, "default"),
        ("passthrough", 0.3, "pandas"),
    ],
)
def test_column_transformer_columns_are_shared(counting, remainder, threshold, output):
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["x", "y", "z"], n),
            "d": rng.normal(size=n),
        }
    )
    y = ((frame.a + (frame.c == "x") + rng.normal(size=n) * 0.5) > 0.5).astype(int)
    dense = output == "pandas"
    ct = ColumnTransformer(
        [
            ("num", SkStandardScaler(), ["a"]),
            ("count", CountingScaler(), ["b"]),
            (
                "cat",
                OneHotEncoder(sparse_output=not dense),
                make_column_selector("^c$"),
            ),
        ],
        remainder=remainder,
        sparse_threshold=threshold,
    )
    if dense:
        ct.set_output(transform="pandas")
    pipe = Pipeline([("ct", ct), ("clf", LogisticRegression())])
    grid = {"ct__num__with_mean": [True, False], "clf__C": [0.1, 1.0, 10.0]}
    ours = GridSearchCV(pipe, grid, cv=3, return_train_score=True).fit(frame, y)
    assert counting.fits == 3 + 1  # once per fold, plus the refit
    theirs = sk.GridSearchCV(pipe, grid, cv=3, return_train_score=True).fit(frame, y)
    assert_same_results(ours, theirs)


def test_fit_params_of_other_steps_stay_out_of_union_and_column_parts(data):
    X, y = data
    weights = np.linspace(0.5, 2.0, len(y))
    union = FeatureUnion([("pca", PCA(3)), ("scale", SkStandardScaler())])
    columns = ColumnTransformer([("first", SkStandardScaler(), [0, 1])])
    grid = {"clf__C": [0.1, 10.0]}
    for step in (union, columns):
        pipe = Pipeline([("features", step), ("clf", LogisticRegression())])
        ours = GridSearchCV(pipe, grid, cv=3).fit(X, y, clf__sample_weight=weights)
        theirs = sk.GridSearchCV(pipe, grid, cv=3)
        assert_same_results(ours, theirs.fit(X, y, clf__sample_weight=weights))
