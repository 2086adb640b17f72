"""Coefficients equal scikit-learn's under the documented mapping, for every
penalty and every solver, on dask input.

Everything is fitted to a tight tolerance, so that the comparison measures the
objectives (which must be the same) rather than where two solvers stop.
"""

import dask.array as da
import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.multiclass import OneVsRestClassifier

from scalearn import linear_model as sl

N, P, CHUNK = 600, 4, 150
SOLVERS = ["lbfgs", "newton", "proximal_grad", "admm"]
PENALTIES = ["l2", "l1", "elastic_net", None]
# ADMM's consensus converges to its residual tolerance, not to machine precision.
ATOL = {"lbfgs": 1e-5, "newton": 1e-6, "proximal_grad": 1e-5, "admm": 1e-4}
STRICT = {"tol": 1e-9, "max_iter": 10_000}
# Newton's method is for smooth penalties only (test_checks tests that it raises).
COMBINATIONS = [
    (solver, penalty)
    for solver in SOLVERS
    for penalty in PENALTIES
    if not (solver == "newton" and penalty in ("l1", "elastic_net"))
]


def strict(solver):
    """A tolerance tight enough to compare objectives, not stopping points."""
    return {**STRICT, "tol": 1e-7} if solver == "admm" else STRICT


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(N, P)) + 0.3


def dask(a):
    return da.from_array(a, chunks=CHUNK)


def params_of(model):
    return np.r_[np.ravel(model.coef_), np.ravel(model.intercept_)]


def assert_same_fit(ours, theirs, atol):
    np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=atol, rtol=0)


def sklearn_logistic(penalty, C, l1_ratio):
    if penalty is None:
        return sk.LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000)
    share = {"l2": 0.0, "l1": 1.0, "elastic_net": l1_ratio}[penalty]
    solver = "lbfgs" if share == 0 else "saga"
    return sk.LogisticRegression(
        C=C, l1_ratio=share, solver=solver, tol=1e-12, max_iter=100_000
    )


@pytest.mark.parametrize(("solver", "penalty"), COMBINATIONS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression(X, solver, penalty, n_classes):
    rng = np.random.default_rng(1)
    scores = X[:, :n_classes] * 2 + rng.normal(size=(N, n_classes))
    y = scores.argmax(axis=1) if n_classes > 2 else (scores[:, 0] > scores[:, 1])
    C = 0.05
    ours = sl.LogisticRegression(
        penalty, C=C, solver=solver, l1_ratio=0.4, **strict(solver)
    )
    ours.fit(dask(X), dask(y.astype(int)))
    theirs = sklearn_logistic(penalty, C, 0.4).fit(X, y.astype(int))
    if penalty is None and n_classes > 2:
        # Unpenalized multinomial coefficients are defined up to a shift shared
        # by the classes: compare the centered ones and the probabilities.
        theirs.coef_ = theirs.coef_ - theirs.coef_.mean(axis=0)
        theirs.intercept_ = theirs.intercept_ - theirs.intercept_.mean()
    assert_same_fit(ours, theirs, ATOL[solver])
    assert ours.coef_.shape == theirs.coef_.shape
    assert ours.intercept_.shape == theirs.intercept_.shape
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), atol=ATOL[solver]
    )
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_one_vs_rest(X, solver):
    rng = np.random.default_rng(2)
    y = (X[:, :3] + rng.normal(size=(N, 3))).argmax(axis=1)
    ours = sl.LogisticRegression(C=0.1, multi_class="ovr", solver=solver, **STRICT)
    ours.fit(dask(X), dask(y))
    theirs = OneVsRestClassifier(sk.LogisticRegression(C=0.1, tol=1e-10)).fit(X, y)
    np.testing.assert_allclose(
        ours.coef_, np.vstack([e.coef_ for e in theirs.estimators_]), atol=1e-6
    )
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6
    )


def sklearn_least_squares(penalty, C, l1_ratio):
    """dask-ml's ``sum r^2 + R(w) / C`` in scikit-learn's own parameters."""
    if penalty is None:
        return sk.LinearRegression()
    if penalty == "l2":
        return sk.Ridge(alpha=1 / (2 * C))
    alpha = 1 / (2 * N * C)
    if penalty == "l1":
        return sk.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000)
    return sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)


@pytest.mark.parametrize(("solver", "penalty"), COMBINATIONS)
def test_linear_regression(X, solver, penalty):
    y = X @ [1.0, -2.0, 0.0, 0.5] + 1 + np.random.default_rng(3).normal(size=N)
    C = 0.01
    ours = sl.LinearRegression(
        penalty, C=C, solver=solver, l1_ratio=0.3, **strict(solver)
    )
    ours.fit(dask(X), dask(y))
    theirs = sklearn_least_squares(penalty, C, 0.3).fit(X, y)
    assert_same_fit(ours, theirs, ATOL[solver])
    if penalty == "l1":
        assert (ours.coef_ == 0).sum() == (theirs.coef_ == 0).sum() >= 1


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("penalty", ["l2", None])
def test_poisson_regression(X, solver, penalty):
    mean = np.exp(X @ [0.3, -0.2, 0.0, 0.1])
    y = np.random.default_rng(4).poisson(mean).astype(float)
    C = 0.01
    ours = sl.PoissonRegression(penalty, C=C, solver=solver, **strict(solver))
    ours.fit(dask(X), dask(y))
    alpha = 0.0 if penalty is None else 1 / (N * C)
    theirs = sk.PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=1000).fit(X, y)
    assert_same_fit(ours, theirs, ATOL[solver])
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-4)
    assert ours.score(dask(X), dask(y)) == pytest.approx(theirs.score(X, y), abs=1e-6)


ALPHA_MODELS = [
    ("Ridge", {"alpha": 3.0}, ["auto", *SOLVERS]),
    ("Lasso", {"alpha": 0.05}, ["auto", "lbfgs", "proximal_grad", "admm"]),
    ("ElasticNet", {"alpha": 0.05, "l1_ratio": 0.3}, ["auto", "proximal_grad"]),
]


@pytest.mark.parametrize(
    ("name", "params", "solver"),
    [(name, params, s) for name, params, solvers in ALPHA_MODELS for s in solvers],
)
def test_alpha_regressors(X, solver, name, params):
    y = X @ [1.0, -2.0, 0.0, 0.05] + 1 + np.random.default_rng(5).normal(size=N)
    ours = getattr(sl, name)(**params, solver=solver, **strict(solver))
    ours.fit(dask(X), dask(y))
    extra = {} if name == "Ridge" else {"tol": 1e-12, "max_iter": 100_000}
    theirs = getattr(sk, name)(**params, **extra).fit(X, y)
    assert_same_fit(ours, theirs, ATOL.get(solver, 1e-6))
    assert ours.score(dask(X), dask(y)) == pytest.approx(theirs.score(X, y), abs=1e-6)
