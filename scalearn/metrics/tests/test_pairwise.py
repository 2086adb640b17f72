import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk_metrics
from sklearn.metrics import pairwise as sk_pairwise

from scalearn import metrics


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4)) + 5
    Y = rng.normal(size=(40, 4)) + 5
    return X, Y


def as_dask(kind, X, chunk_rows):
    if kind == "numpy":
        return X
    if kind == "pandas":
        return pd.DataFrame(X)
    if kind == "dask_array":
        return da.from_array(X, chunks=(chunk_rows, 2))  # split columns too
    return dd.from_pandas(pd.DataFrame(X), chunksize=chunk_rows)


KINDS = ["numpy", "pandas", "dask_array", "dask_frame"]


@pytest.mark.parametrize("x_kind", KINDS)
@pytest.mark.parametrize("y_kind", ["none", "numpy", "dask_array"])
@pytest.mark.parametrize(
    ("metric", "kwargs"),
    [
        ("euclidean", {}),
        ("manhattan", {}),
        ("cosine", {}),
        ("minkowski", {"p": 3}),
        ("seuclidean", {"V": np.arange(1.0, 5.0)}),
        (lambda a, b: np.abs(a - b).max(), {}),
    ],
)
def test_pairwise_distances_equal_sklearn(points, x_kind, y_kind, metric, kwargs):
    X, Y = points
    Y_in = None if y_kind == "none" else as_dask(y_kind, Y, 15)
    expected = sk_metrics.pairwise_distances(
        X, None if Y_in is None else Y, metric=metric, **kwargs
    )
    ours = metrics.pairwise_distances(as_dask(x_kind, X, 35), Y_in, metric, **kwargs)
    if x_kind in ("numpy", "pandas") and y_kind != "dask_array":
        assert isinstance(ours, np.ndarray)
    else:
        assert isinstance(ours, da.Array)
        if x_kind == "dask_array":
            assert ours.chunks[0] == (35, 35, 35, 35, 10)
        ours = ours.compute()
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)
    if y_kind == "none" and metric in ("euclidean", "cosine"):
        # scikit-learn's exact zeros for X against itself, also across blocks.
        np.testing.assert_array_equal(np.diag(ours), 0.0)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("with_norms", [False, True])
@pytest.mark.parametrize("y_kind", ["none", "numpy", "dask_array"])
def test_euclidean_distances_equal_sklearn(points, squared, with_norms, y_kind):
    X, Y = points
    X_d = da.from_array(X, chunks=40)
    Y_in = None if y_kind == "none" else as_dask(y_kind, Y, 15)
    norms = {}
    if with_norms:
        norms["X_norm_squared"] = da.from_array((X**2).sum(1), chunks=25)
        if Y_in is not None:
            norms["Y_norm_squared"] = (Y**2).sum(1)
    expected = sk_metrics.euclidean_distances(
        X,
        None if Y_in is None else Y,
        squared=squared,
        **{k: np.asarray(v) for k, v in norms.items()},
    )
    ours = metrics.euclidean_distances(X_d, Y_in, squared=squared, **norms)
    assert ours.chunks[0] == X_d.chunks[0]
    np.testing.assert_allclose(ours.compute(), expected, rtol=1e-12, atol=1e-10)


def test_float32_stays_float32(points):
    X = points[0].astype(np.float32)
    ours = metrics.euclidean_distances(da.from_array(X, chunks=50))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(
        ours.compute(), sk_metrics.euclidean_distances(X), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("rbf_kernel", {}),
        ("rbf_kernel", {"gamma": 0.3}),
        ("polynomial_kernel", {"degree": 2, "coef0": 0.5}),
        ("linear_kernel", {}),
        ("sigmoid_kernel", {"gamma": 0.01}),
    ],
)
@pytest.mark.parametrize("y_kind", ["none", "numpy", "dask_array"])
def test_kernels_equal_sklearn(points, name, kwargs, y_kind):
    X, Y = points
    Y_in = None if y_kind == "none" else as_dask(y_kind, Y, 15)
    expected = getattr(sk_pairwise, name)(X, None if Y_in is None else Y, **kwargs)
    ours = getattr(metrics, name)(da.from_array(X, chunks=40), Y_in, **kwargs)
    np.testing.assert_allclose(ours.compute(), expected, rtol=1e-12)
    metric = name.removesuffix("_kernel")
    generic = metrics.pairwise_kernels(
        da.from_array(X, chunks=40), Y_in, metric=metric, **kwargs
    )
    np.testing.assert_allclose(generic.compute(), expected, rtol=1e-12)
    if y_kind == "none" and name == "rbf_kernel":
        np.testing.assert_array_equal(np.diag(ours.compute()), 1.0)


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("x_kind", ["dask_array", "dask_frame"])
@pytest.mark.parametrize("y_kind", ["numpy", "dask_array"])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_argmin_min_equals_sklearn(points, axis, x_kind, y_kind, metric):
    X, Y = points
    X = np.round(X)  # ties, broken toward the first row as scikit-learn does
    Y = np.round(Y)
    expected = sk_metrics.pairwise_distances_argmin_min(X, Y, axis=axis, metric=metric)
    index, distance = metrics.pairwise_distances_argmin_min(
        as_dask(x_kind, X, 35), as_dask(y_kind, Y, 15), axis=axis, metric=metric
    )
    assert index.dtype == np.int64
    np.testing.assert_array_equal(index.compute(), expected[0])
    np.testing.assert_allclose(distance.compute(), expected[1], rtol=1e-12)
    argmin = metrics.pairwise_distances_argmin(
        as_dask(x_kind, X, 35), Y, axis=axis, metric=metric
    )
    np.testing.assert_array_equal(argmin.compute(), expected[0])


def test_lazy_and_blockwise(points, count_computes):
    X, Y = points
    X_d, Y_d = da.from_array(X, chunks=30), da.from_array(Y, chunks=20)
    with count_computes() as counter:
        D = metrics.pairwise_distances(X_d, Y_d)
        K = metrics.rbf_kernel(X_d)
        index, _ = metrics.pairwise_distances_argmin_min(X_d, Y_d)
    assert counter.count == 0
    assert D.chunks == (X_d.chunks[0], Y_d.chunks[0])
    assert K.chunks == (X_d.chunks[0], X_d.chunks[0])
    assert index.chunks == (X_d.chunks[0],)
    with count_computes() as counter:
        index.compute()
    assert counter.count == 1


def test_errors_are_clear(points, count_computes):
    X, Y = points
    X_d = da.from_array(X, chunks=30)
    with pytest.raises(ValueError, match=r"X.shape\[1\] == 4 while Y.shape\[1\] == 3"):
        metrics.pairwise_distances(X_d, Y[:, :3])
    with pytest.raises(ValueError, match="needs its parameter 'V'"):
        metrics.pairwise_distances(X_d, Y, metric="seuclidean")
    with (
        count_computes() as counter,
        pytest.raises(ValueError, match="'metric' parameter of pairwise_distances"),
    ):
        metrics.pairwise_distances(X_d, Y, metric="no-such-metric")
    assert counter.count == 0
    with pytest.raises(ValueError, match="X has 150 rows but y has 20"):
        metrics.euclidean_distances(X_d, X_norm_squared=np.ones(20))


def test_dask_ml_agrees(points):
    dask_ml_metrics = pytest.importorskip("dask_ml.metrics")
    X, Y = points
    X_d = da.from_array(X, chunks=30)
    np.testing.assert_allclose(
        metrics.pairwise_distances(X_d, Y, metric="manhattan").compute(),
        dask_ml_metrics.pairwise_distances(X_d, Y, metric="manhattan").compute(),
    )
