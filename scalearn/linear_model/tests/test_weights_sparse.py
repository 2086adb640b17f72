"""Where the default tolerance stops, sample and class weights, and sparse input:
each compared with scikit-learn on the same data."""

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

from scalearn import linear_model as sl

N, P, CHUNK = 900, 5, 300
STRICT = {"tol": 1e-10, "max_iter": 10_000}


def params_of(model):
    return np.r_[np.ravel(model.coef_), np.ravel(model.intercept_)]


def dask(a):
    return da.from_array(a, chunks=CHUNK)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(N, P)) + 0.2


@pytest.fixture(scope="module")
def weights():
    return np.random.default_rng(1).uniform(0.0, 3.0, size=N)


def labels(X, n_classes, seed=2):
    """Well separated classes, so that the problem is ill-conditioned and a loose
    tolerance stops visibly short of the optimum."""
    rng = np.random.default_rng(seed)
    scores = 3 * X[:, :n_classes] + rng.logistic(size=(N, n_classes))
    return scores.argmax(axis=1)


# --- 1. the default tolerance ------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_default_tol_stops_where_sklearn_stops(X, n_classes):
    """At the default tol both stop short of the optimum, at the same point."""
    y = labels(X, n_classes)
    optimum = params_of(sk.LogisticRegression(tol=1e-12, max_iter=1000).fit(X, y))
    theirs = params_of(sk.LogisticRegression().fit(X, y))
    ours = params_of(sl.LogisticRegression().fit(dask(X), dask(y)))
    short = np.abs(theirs - optimum).max()
    assert short > 1e-5  # the test would show nothing otherwise
    np.testing.assert_allclose(ours, theirs, atol=1e-8, rtol=0)
    assert np.abs(ours - optimum).max() <= short + 1e-8


def test_poisson_default_tol_stops_where_sklearn_stops(X):
    y = np.random.default_rng(3).poisson(np.exp(X @ [0.5, -0.3, 0.2, 0.0, 0.1]))
    ours = sl.PoissonRegression().fit(dask(X), dask(y.astype(float)))
    theirs = sk.PoissonRegressor(alpha=1 / N).fit(X, y)
    np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=1e-8)


# --- 2. sample_weight ---------------------------------------------------------------

SOLVERS = ["lbfgs", "newton", "proximal_grad", "admm"]
ATOL = {"lbfgs": 1e-5, "newton": 1e-6, "proximal_grad": 1e-5, "admm": 1e-4}


def strict(solver):
    return {**STRICT, "tol": 1e-7} if solver == "admm" else STRICT


# Every solver on the binary problem; the multinomial loss's weights with one.
SOLVER_CLASSES = [*((s, 2) for s in SOLVERS), ("lbfgs", 3)]


@pytest.mark.parametrize(("solver", "n_classes"), SOLVER_CLASSES)
def test_logistic_sample_weight(X, weights, solver, n_classes):
    y = labels(X, n_classes, seed=4)
    weights = weights.copy()
    weights[:50] = 0.0  # zero weights drop rows
    ours = sl.LogisticRegression(C=0.1, solver=solver, **strict(solver))
    ours.fit(dask(X), dask(y), sample_weight=dask(weights))
    theirs = sk.LogisticRegression(C=0.1, tol=1e-12, max_iter=10_000)
    theirs.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=ATOL[solver])


REGRESSORS = [
    # ours, scikit-learn's under the mapping with n = the weights' sum.
    (sl.LinearRegression(C=0.05), lambda n: sk.Ridge(alpha=1 / (2 * 0.05))),
    (
        sl.LinearRegression(penalty="l1", C=0.05),
        lambda n: sk.Lasso(alpha=1 / (2 * n * 0.05), tol=1e-12, max_iter=100_000),
    ),
    (sl.Ridge(alpha=5.0), lambda n: sk.Ridge(alpha=5.0)),
    (
        sl.ElasticNet(alpha=0.05, l1_ratio=0.3),
        lambda n: sk.ElasticNet(alpha=0.05, l1_ratio=0.3, tol=1e-12, max_iter=100_000),
    ),
    (sl.PoissonRegression(C=0.05), lambda n: sk.PoissonRegressor(alpha=1 / (n * 0.05))),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "solver"),
    [(*pair, "lbfgs") for pair in REGRESSORS]
    + [(*pair, "proximal_grad") for pair in REGRESSORS[1:2]],
    ids=lambda m: getattr(m, "__name__", str(m)),
)
def test_regressor_sample_weight(X, weights, ours, theirs, solver):
    coef = np.array([0.4, -0.3, 0.0, 0.2, 0.1])
    rng = np.random.default_rng(5)
    if isinstance(ours, sl.PoissonRegression):
        y = rng.poisson(np.exp(X @ coef)).astype(float)
    else:
        y = X @ coef + 1 + rng.normal(size=N)
    ours = ours.set_params(solver=solver, **strict(solver))
    ours.fit(dask(X), dask(y), sample_weight=dask(weights))
    reference = theirs(weights.sum())
    if isinstance(reference, sk.PoissonRegressor):
        reference.set_params(tol=1e-12, max_iter=1000)
    reference.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(
        params_of(ours), params_of(reference), atol=ATOL[solver], rtol=0
    )


def weighted_containers(X, y, w, kind):
    columns = [f"f{i}" for i in range(X.shape[1])]
    if kind == "numpy":
        return X, y, w
    if kind == "pandas":
        return pd.DataFrame(X, columns=columns), pd.Series(y), pd.Series(w)
    if kind == "dask_array":
        return dask(X), dask(y), list(w)  # in-memory weights are split like X
    frame = pd.DataFrame(X, columns=columns).assign(target=y, weight=w)
    ddf = dd.from_pandas(frame, npartitions=3)
    return ddf[columns], ddf["target"], ddf["weight"]


@pytest.mark.parametrize("kind", ["numpy", "pandas", "dask_array", "dask_frame"])
def test_sample_weight_on_every_container(X, weights, kind):
    y = labels(X, 2, seed=6)
    theirs = sk.LogisticRegression(tol=1e-12).fit(X, y, sample_weight=weights)
    Xc, yc, wc = weighted_containers(X, y, weights, kind)
    ours = sl.LogisticRegression(tol=1e-10).fit(Xc, yc, sample_weight=wc)
    np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=1e-6)
    # A scalar weight is uniform: the same fit as none.
    scalar = sl.LogisticRegression(tol=1e-10).fit(Xc, yc, sample_weight=2.5)
    plain = sk.LogisticRegression(tol=1e-12).fit(X, y)
    np.testing.assert_allclose(params_of(scalar), params_of(plain), atol=1e-6)


def test_sample_weight_errors(X):
    y = labels(X, 2)
    model = sl.LogisticRegression()
    bad = np.ones(N)
    bad[3] = -1.0
    with pytest.raises(ValueError, match="negative, NaN or infinite"):
        model.fit(dask(X), dask(y), sample_weight=dask(bad))
    with pytest.raises(ValueError, match="negative, NaN or infinite"):
        model.fit(X, y, sample_weight=bad)
    with pytest.raises(ValueError, match=r"shape \(899,\); expected \(900,\)"):
        model.fit(X, y, sample_weight=np.ones(N - 1))
    with pytest.raises(ValueError, match=r"shape \(899,\); expected \(900,\)"):
        model.fit(dask(X), dask(y), sample_weight=np.ones(N - 1))
    with pytest.raises(ValueError, match="X has 900 rows but y has 899"):
        model.fit(dask(X), dask(y), sample_weight=dask(np.ones(N - 1)))
    with pytest.raises(ValueError, match="every sample weight is zero"):
        model.fit(dask(X), dask(y), sample_weight=da.zeros(N, chunks=CHUNK))
    with pytest.raises(ValueError, match="scalar sample_weight must be"):
        model.fit(X, y, sample_weight=0)
    with pytest.raises(ValueError, match="'class_weight' parameter of LinearReg"):
        sl.LinearRegression(class_weight="balanced").fit(X, X[:, 0])
    with pytest.raises(ValueError, match="'class_weight' parameter of Logistic"):
        sl.LogisticRegression(class_weight="even").fit(X, y)


# --- class_weight -------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("class_weight", ["balanced", "dict"])
def test_class_weight(X, weights, n_classes, class_weight):
    y = labels(X, n_classes, seed=7)
    y = np.where(y == 0, 0, y)[: N - 200]  # unequal classes
    y = np.r_[y, np.zeros(200, dtype=y.dtype)]
    if class_weight == "dict":
        class_weight = {0: 0.5, 1: 3.0}  # a class left out weighs 1
    theirs = sk.LogisticRegression(class_weight=class_weight, tol=1e-12)
    theirs.fit(X, y, sample_weight=weights)
    ours = sl.LogisticRegression(class_weight=class_weight, tol=1e-10)
    ours.fit(dask(X), dask(y), sample_weight=dask(weights))
    np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=1e-6)


def test_balanced_class_weight_costs_no_pass(X, count_computes, kernel_calls):
    """The class totals come from fit's first pass; the weights ride on y's
    encoding, which is persisted with it."""
    y = labels(X, 2, seed=8)
    kernels = kernel_calls
    model = sl.LogisticRegression(class_weight="balanced")
    with count_computes() as counter:
        model.fit(dask(X), dask(y), sample_weight=dask(np.ones(N)))
    assert kernels[0] == "_summary_block"
    assert set(kernels[1:]) == {"block_eval"}
    assert counter.count == len(kernels) + 2  # + persisting the data and targets


# --- 3. sparse input ----------------------------------------------------------------


@pytest.fixture(scope="module")
def X_sparse(X):
    rng = np.random.default_rng(9)
    return sp.csr_matrix(np.where(rng.uniform(size=X.shape) < 0.6, 0.0, X))


def sparse_dask(X_sparse):
    dense = da.from_array(X_sparse.toarray(), chunks=(CHUNK, P))
    return dense.map_blocks(sp.csr_matrix, meta=sp.csr_matrix((0, P)))


@pytest.mark.parametrize(("solver", "n_classes"), SOLVER_CLASSES)
def test_logistic_on_sparse_input(X_sparse, solver, n_classes):
    y = labels(X_sparse.toarray(), n_classes, seed=10)
    theirs = sk.LogisticRegression(C=0.1, tol=1e-12, max_iter=10_000).fit(X_sparse, y)
    Xd = sparse_dask(X_sparse)
    ours = sl.LogisticRegression(C=0.1, solver=solver, **strict(solver))
    ours.fit(Xd, dask(y))
    np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=ATOL[solver])
    proba = ours.predict_proba(Xd)
    assert isinstance(proba, da.Array)
    assert proba.chunks[0] == Xd.chunks[0]
    np.testing.assert_allclose(
        proba.compute(), theirs.predict_proba(X_sparse), atol=10 * ATOL[solver]
    )
    np.testing.assert_array_equal(ours.predict(X_sparse), ours.predict(Xd).compute())


@pytest.mark.parametrize("solver", ["lbfgs", "proximal_grad"])
def test_regressors_on_sparse_input(X_sparse, weights, solver):
    y = X_sparse @ [1.0, -2.0, 0.0, 0.5, 0.3] + np.random.default_rng(11).normal(size=N)
    for ours, theirs in [
        (sl.Lasso(alpha=0.05), sk.Lasso(alpha=0.05, tol=1e-12, max_iter=100_000)),
        (sl.Ridge(alpha=2.0), sk.Ridge(alpha=2.0)),
    ]:
        # Dense for scikit-learn: its sparse Ridge is iterative, to its own tol.
        theirs.fit(X_sparse.toarray(), y, sample_weight=weights)
        ours.set_params(solver=solver, **STRICT)
        # In memory, then as a dask array of sparse blocks: the same fit.
        in_memory = params_of(ours.fit(X_sparse, y, sample_weight=weights))
        ours.fit(sparse_dask(X_sparse), dask(y), sample_weight=dask(weights))
        np.testing.assert_allclose(params_of(ours), params_of(theirs), atol=1e-5)
        np.testing.assert_allclose(in_memory, params_of(ours), atol=1e-7)
        assert ours.score(X_sparse, y) == pytest.approx(theirs.score(X_sparse, y))
