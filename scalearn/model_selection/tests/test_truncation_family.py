"""PCA steps differing only in n_components share the largest one's fit, truncated."""

from __future__ import annotations

import contextlib
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import model_selection as sk
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from scalearn.decomposition import PCA as ScalearnPCA
from scalearn.model_selection import GridSearchCV, RandomizedSearchCV
from scalearn.model_selection._tasks import (
    _first_columns,
    resolved_pca_solver,
    truncated_pca,
)
from scalearn.model_selection.tests.test_search import assert_same_results


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=240, n_features=30, n_redundant=10, random_state=0
    )


def assert_same_fitted_pca(ours, genuine):
    """Every entry of vars(): same keys, same types, equal values (arrays 1e-12)."""
    assert sorted(vars(ours)) == sorted(vars(genuine))
    for name, expected in vars(genuine).items():
        value = vars(ours)[name]
        assert type(value) is type(expected), name
        if isinstance(expected, np.ndarray):
            assert value.dtype == expected.dtype, name
            assert value.shape == expected.shape, name
            assert value.flags.c_contiguous == expected.flags.c_contiguous, name
            np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-14)
        elif isinstance(expected, float | np.floating):
            assert value == pytest.approx(expected, rel=1e-12, abs=1e-15), name
        else:
            assert value == expected, name


SHAPES = {"tall": (300, 20), "wide": (20, 30), "square": (30, 30)}


@pytest.mark.parametrize("solver", ["full", "covariance_eigh"])
@pytest.mark.parametrize("whiten", [False, True])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("pca_class", [PCA, ScalearnPCA])
def test_truncated_pca_is_the_fit_of_fewer_components(solver, whiten, shape, pca_class):
    n_samples, n_features = SHAPES[shape]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, n_features)) @ rng.normal(size=(n_features,) * 2)
    size = min(n_samples, n_features)
    for big in (size - 5, size):
        larger = pca_class(big, svd_solver=solver, whiten=whiten).fit(X)
        for k in (0, 1, 7, big - 1):
            cut = truncated_pca(larger, k)
            if cut is None:
                # Only covariance_eigh with fewer samples than features, cut from
                # min(shape) components, loses the spectrum's tail it needs.
                assert (solver, shape, big) == ("covariance_eigh", "wide", size)
                continue
            genuine = pca_class(k, svd_solver=solver, whiten=whiten).fit(X)
            assert_same_fitted_pca(cut, genuine)
            assert cut.get_params() == genuine.get_params()
            X_new = rng.normal(size=(5, n_features))
            np.testing.assert_allclose(
                cut.transform(X_new), genuine.transform(X_new), rtol=1e-12, atol=1e-12
            )
            if 0 < k < size - 5:  # the precision is ill-conditioned near size
                assert cut.score(X) == pytest.approx(genuine.score(X), rel=1e-12)
    # The larger PCA is left as it was.
    assert larger.n_components_ == big == larger.components_.shape[0]


def test_scalearn_tsqr_in_memory_is_truncated_like_full():
    X, _ = make_classification(n_samples=100, n_features=12, random_state=1)
    larger = ScalearnPCA(10, svd_solver="tsqr").fit(X)
    assert_same_fitted_pca(
        truncated_pca(larger, 4), ScalearnPCA(4, svd_solver="tsqr").fit(X)
    )


@pytest.mark.parametrize("solver", ["full", "covariance_eigh"])
@pytest.mark.parametrize("whiten", [False, True])
def test_first_columns_of_the_larger_output_are_the_smaller_transform(
    data, solver, whiten
):
    X, _ = data
    larger = PCA(20, svd_solver=solver, whiten=whiten)
    out = larger.fit_transform(X)
    cut = truncated_pca(larger, 6)
    genuine = PCA(6, svd_solver=solver, whiten=whiten)
    expected = genuine.fit_transform(X)
    columns = _first_columns(out, X, cut)
    assert columns.flags.owndata
    assert columns.flags.c_contiguous == expected.flags.c_contiguous
    np.testing.assert_allclose(columns, expected, rtol=1e-12, atol=1e-12)
    frame = pd.DataFrame(out[:, :20], columns=[f"pca{i}" for i in range(20)])
    # Any other container is transformed again with the truncated PCA.
    again = _first_columns(frame, X, cut)
    np.testing.assert_allclose(again, genuine.transform(X), rtol=1e-12, atol=1e-12)
    assert _first_columns(None, X, cut) is None


@pytest.mark.parametrize(
    ("solver", "shape", "big", "k"),
    [
        ("randomized", (300, 20), 15, 5),
        ("arpack", (300, 20), 15, 5),
        # auto: full for 450 of 510 x 520 (>= 80% of the smaller side),
        # randomized for 5: not nested.
        ("auto", (520, 510), 450, 5),
    ],
)
def test_inexact_solvers_are_not_truncated(solver, shape, big, k):
    X = np.random.default_rng(0).normal(size=shape)
    larger = PCA(big, svd_solver=solver, random_state=0).fit(X)
    assert truncated_pca(larger, k) is None
    assert resolved_pca_solver(larger, *shape, big) == larger._fit_svd_solver


@pytest.mark.parametrize(
    "shape", [(300, 20), (20, 300), (400, 600), (600, 400), (2000, 1100)]
)
@pytest.mark.parametrize("k", [1, 5, 15, "large"])
def test_resolved_solver_is_scikit_learns(shape, k):
    """The 'auto' policy the search predicts is the one PCA applies."""
    k = int(0.9 * min(shape)) if k == "large" else k
    X = np.zeros(shape)
    X[: min(shape), : min(shape)] = np.eye(min(shape))
    pca = PCA(k, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rank-deficient variance
        pca.fit(X)
    assert resolved_pca_solver(pca, *shape, k) == pca._fit_svd_solver


def test_cut_from_min_shape_components_on_wide_covariance_is_not_truncated():
    X = np.random.default_rng(0).normal(size=(20, 30))
    larger = PCA(20, svd_solver="covariance_eigh").fit(X)
    assert truncated_pca(larger, 5) is None


# -- in the search -----------------------------------------------------------------


@contextlib.contextmanager
def counting_pca_fits():
    """Count PCA fits (fit and fit_transform, outermost call) across threads."""
    counts = {"fits": 0}
    lock = threading.Lock()
    depth = threading.local()
    originals = {name: PCA.__dict__[name] for name in ("fit", "fit_transform")}

    def counted(method):
        def wrapper(self, *args, **kwargs):
            level = getattr(depth, "value", 0)
            depth.value = level + 1
            try:
                return method(self, *args, **kwargs)
            finally:
                depth.value = level
                if level == 0:
                    with lock:
                        counts["fits"] += 1

        return wrapper

    try:
        for name, method in originals.items():
            setattr(PCA, name, counted(method))
        yield counts
    finally:
        for name, method in originals.items():
            setattr(PCA, name, method)


def pca_pipeline(**pca_params):
    return Pipeline(
        [("pca", PCA(**pca_params)), ("clf", LogisticRegression(max_iter=500))]
    )


GRID = {"pca__n_components": [4, 8, 16], "clf__C": [0.01, 1.0]}


@pytest.mark.parametrize("scheduler_name", ["sync", "threads"])
@pytest.mark.parametrize("solver", ["full", "covariance_eigh"])
def test_one_pca_fit_per_fold_for_the_family(data, scheduler_name, solver, capsys):
    X, y = data
    pipe = pca_pipeline(svd_solver=solver)
    kwargs = {"cv": 3, "return_train_score": True}
    with counting_pca_fits() as counts:
        ours = GridSearchCV(
            pipe, GRID, verbose=1, scheduler=scheduler_name, **kwargs
        ).fit(X, y)
    # 3 folds x the largest member, + the refit.
    assert counts["fits"] == 3 + 1
    out = capsys.readouterr().out
    # 9 PCA tasks (6 of them truncations) + 18 LogisticRegression fits.
    assert "27 estimator fits (0 grown from a smaller warm-started fit, " in out
    assert "6 truncated from a larger PCA fit where its solver is exact)" in out
    theirs = sk.GridSearchCV(pipe, GRID, **kwargs).fit(X, y)
    assert_same_results(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_randomized_pca_is_fit_for_every_member(data, capsys):
    X, y = data
    pipe = pca_pipeline(svd_solver="randomized", random_state=0)
    with counting_pca_fits() as counts:
        ours = GridSearchCV(pipe, GRID, cv=3, verbose=1).fit(X, y)
    # The tasks are planned, but each fits its own PCA: 9 + the refit.
    assert counts["fits"] == 9 + 1
    assert "6 truncated" in capsys.readouterr().out
    assert_same_results(ours, sk.GridSearchCV(pipe, GRID, cv=3).fit(X, y))


def test_auto_solver_decided_per_fold(capsys):
    """auto: full for the 450-component member, randomized for the smaller."""
    X, y = make_classification(n_samples=780, n_features=510, random_state=0)
    pipe = pca_pipeline(random_state=0)
    grid = {"pca__n_components": [5, 450]}
    with counting_pca_fits() as counts:
        ours = GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    assert counts["fits"] == 6
    assert_same_results(ours, sk.GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y))


def test_families_per_prefix_and_other_parameters(data):
    X, y = data
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("pca", PCA()),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    grid = {
        "scale__with_std": [True, False],
        "pca__n_components": [3, 12],
        "pca__whiten": [False, True],
        "pca__svd_solver": ["full", "covariance_eigh", "randomized"],
        "pca__random_state": [0],
    }
    with counting_pca_fits() as counts:
        ours = GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    # Per fold: 2 scalers x 2 whiten x (full, eigh: 1 fit; randomized: 2 fits).
    assert counts["fits"] == 3 * 2 * 2 * (1 + 1 + 2)
    theirs = sk.GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    assert_same_results(ours, theirs)


def test_a_failed_larger_member_does_not_fail_the_smaller(data):
    """n_components=200 > min(shape) fails; the smaller ones fit on their own."""
    X, y = data
    pipe = pca_pipeline(svd_solver="full")
    grid = {"pca__n_components": [3, 6, 200]}
    searches = []
    for search in (GridSearchCV(pipe, grid, cv=3), sk.GridSearchCV(pipe, grid, cv=3)):
        with (
            pytest.warns(FitFailedWarning, match="3 fits failed"),
            pytest.warns(UserWarning, match="test scores are non-finite"),
        ):
            searches.append(search.fit(X, y))
    ours, theirs = searches
    assert np.isfinite(ours.cv_results_["mean_test_score"][:2]).all()
    assert_same_results(ours, theirs)


def test_pandas_output_and_randomized_search(data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    pipe = pca_pipeline(svd_solver="full").set_output(transform="pandas")
    space = {"pca__n_components": [2, 5, 9, 14], "clf__C": [0.1, 1.0, 10.0]}
    kwargs = {"n_iter": 6, "random_state": 0, "cv": 3, "return_train_score": True}
    ours = RandomizedSearchCV(pipe, space, **kwargs).fit(frame, y)
    theirs = sk.RandomizedSearchCV(pipe, space, **kwargs).fit(frame, y)
    assert_same_results(ours, theirs)


@pytest.mark.parametrize("kind", ["numpy", "pandas", "dask_array", "dask_frame"])
def test_every_container_and_scheduler(data, to_container, kind, scheduler):
    X, y = data
    Xc, yc = to_container(X, y, kind, chunk_rows=60)
    pipe = pca_pipeline(svd_solver="covariance_eigh")
    ours = GridSearchCV(pipe, GRID, cv=3).fit(Xc, yc)
    assert_same_results(ours, sk.GridSearchCV(pipe, GRID, cv=3).fit(X, y))


def assert_same_refit(ours, theirs):
    """best_estimator_: the same steps, each with the same fitted attributes."""
    a, b = ours.best_estimator_, theirs.best_estimator_
    assert sorted(vars(a)) == sorted(vars(b))
    assert [n for n, _ in a.steps] == [n for n, _ in b.steps]
    for (name, step), (_, expected) in zip(a.steps, b.steps, strict=True):
        if hasattr(expected, "get_params"):
            assert type(step) is type(expected), name
            assert step.get_params() == expected.get_params(), name
        if isinstance(expected, PCA):
            assert_same_fitted_pca(step, expected)
        elif hasattr(expected, "coef_"):
            assert sorted(vars(step)) == sorted(vars(expected)), name
            np.testing.assert_allclose(step.coef_, expected.coef_, rtol=1e-10)
            np.testing.assert_allclose(step.intercept_, expected.intercept_)
        else:
            assert step == expected, name


@pytest.mark.parametrize("chosen", [4, 16])
def test_refit_cuts_the_winner_from_a_pca_fit_on_all_the_data(data, chosen):
    """The refit's PCA (largest member) is fit among the folds' tasks."""
    X, y = data
    pipe = Pipeline(
        [
            ("skip", "passthrough"),
            ("pca", PCA(svd_solver="covariance_eigh")),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )

    def refit(results):
        return int(np.flatnonzero(results["param_pca__n_components"] == chosen)[0])

    with counting_pca_fits() as counts:
        ours = GridSearchCV(pipe, GRID, cv=3, refit=refit).fit(X, y)
        after_search = counts["fits"]
    assert after_search == 3 + 1  # 3 folds + the refit's, before the refit
    theirs = sk.GridSearchCV(pipe, GRID, cv=3, refit=refit).fit(X, y)
    assert_same_results(ours, theirs)
    assert ours.best_params_["pca__n_components"] == chosen
    assert_same_refit(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_refit_without_a_single_pca_family_fits_as_usual(data):
    X, y = data
    pipe = pca_pipeline()
    grid = {**GRID, "pca__whiten": [False, True]}  # two families
    ours = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = sk.GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert_same_refit(ours, theirs)
