import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import decomposition as skd
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.decomposition import PCA, IncrementalPCA, TruncatedSVD, _blocks

CONTAINERS = ["numpy", "pandas", "dask_array", "dask_frame"]
PCA_ATTRIBUTES = (
    "components_",
    "explained_variance_",
    "explained_variance_ratio_",
    "singular_values_",
    "mean_",
    "noise_variance_",
    "n_components_",
    "n_samples_",
)


@pytest.fixture(scope="module")
def data():
    """Correlated features with an offset and very different scales."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2_000, 6)) @ rng.normal(size=(6, 6))
    return X * [1, 2, 5, 0.5, 1, 3] + [100, -5, 0, 1e3, 2, 0]


def dense(x):
    x = x.compute() if hasattr(x, "compute") else x
    return x.to_numpy() if isinstance(x, pd.DataFrame) else np.asarray(x)


def assert_same(ours, theirs, names, rtol=1e-9):
    for name in names:
        np.testing.assert_allclose(
            getattr(ours, name),
            getattr(theirs, name),
            rtol=rtol,
            atol=1e-9,
            err_msg=name,
        )


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("solver", ["tsqr", "full", "covariance_eigh", "auto"])
def test_pca_exact_solvers_equal_sklearn(data, kind, solver, to_container):
    expected = skd.PCA(n_components=4, svd_solver="full").fit(data)
    X, _ = to_container(data, np.zeros(len(data)), kind, chunk_rows=300)
    pca = PCA(n_components=4, svd_solver=solver).fit(X)
    assert_same(pca, expected, PCA_ATTRIBUTES)
    np.testing.assert_allclose(
        dense(pca.transform(X)), expected.transform(data), rtol=1e-8, atol=1e-8
    )
    back = pca.inverse_transform(pca.transform(X))
    np.testing.assert_allclose(
        dense(back),
        expected.inverse_transform(expected.transform(data)),
        rtol=1e-8,
        atol=1e-7,
    )


@pytest.mark.parametrize("n_components", [None, 0.9, 0.999, 3])
def test_pca_n_components_and_whiten(data, n_components):
    expected = skd.PCA(n_components, whiten=True, svd_solver="full").fit(data)
    Xd = da.from_array(data, chunks=450)
    pca = PCA(n_components, whiten=True, svd_solver="tsqr").fit(Xd)
    assert_same(pca, expected, PCA_ATTRIBUTES)
    np.testing.assert_allclose(
        pca.transform(Xd).compute(), expected.transform(data), rtol=1e-8, atol=1e-8
    )


def test_pca_randomized_equals_sklearn(data):
    Xd = da.from_array(data, chunks=450)
    expected = skd.PCA(3, svd_solver="randomized", random_state=0).fit(data)
    pca = PCA(3, svd_solver="randomized", random_state=0).fit(Xd)
    # Different random projections converge to the same leading subspace.
    assert_same(pca, expected, PCA_ATTRIBUTES, rtol=1e-6)
    np.testing.assert_allclose(
        pca.transform(Xd).compute(), expected.transform(data), rtol=1e-6, atol=1e-6
    )


def test_pca_exact_fit_is_one_pass_and_transform_lazy(data, count_computes):
    Xd = da.from_array(data, chunks=300)
    with count_computes() as counter:
        pca = PCA(3, svd_solver="tsqr").fit(Xd)
    assert counter.count == 1
    with count_computes() as counter:
        out = pca.transform(Xd)
        back = pca.inverse_transform(out)
    assert counter.count == 0
    assert out.chunks == (Xd.chunks[0], (3,))
    assert back.chunks == Xd.chunks


def test_pca_dask_frame_in_frame_out(data, to_container):
    X, _ = to_container(data, np.zeros(len(data)), "dask_frame", chunk_rows=300)
    pca = PCA(2).fit(X)
    np.testing.assert_array_equal(pca.feature_names_in_, X.columns)
    out = pca.transform(X)
    assert isinstance(out, dd.DataFrame)
    assert list(out.columns) == ["pca0", "pca1"]
    pd.testing.assert_index_equal(out.compute().index, X.index.compute())
    back = pca.inverse_transform(out)
    assert list(back.columns) == list(X.columns)


def test_pca_float32_keeps_dtype(data):
    X = data.astype(np.float32)
    pca = PCA(2, svd_solver="tsqr").fit(da.from_array(X, chunks=500))
    expected = skd.PCA(2, svd_solver="full").fit(X)
    assert pca.components_.dtype == np.float32
    assert pca.transform(da.from_array(X, chunks=500)).dtype == np.float32
    np.testing.assert_allclose(pca.components_, expected.components_, atol=1e-4)


def test_pca_errors_are_clear(data):
    Xd = da.from_array(data, chunks=500)
    with pytest.raises(ValueError, match="'svd_solver' parameter of PCA"):
        PCA(2, svd_solver="arpack").fit(Xd)
    with pytest.raises(ValueError, match="'n_components' parameter of PCA"):
        PCA("mle").fit(Xd)
    with pytest.raises(ValueError, match="an int with svd_solver='randomized'"):
        PCA(0.5, svd_solver="randomized").fit(Xd)
    with pytest.raises(ValueError, match="n_components=7 must be between 0 and"):
        PCA(7, svd_solver="tsqr").fit(Xd)
    bad = data.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        PCA(2).fit(da.from_array(bad, chunks=500))


@pytest.mark.parametrize("kind", CONTAINERS)
def test_truncated_svd_equals_sklearn(data, kind, to_container):
    expected = skd.TruncatedSVD(3, algorithm="arpack").fit(data)
    X, _ = to_container(data, np.zeros(len(data)), kind, chunk_rows=300)
    svd = TruncatedSVD(3).fit(X)
    names = (
        "components_",
        "singular_values_",
        "explained_variance_",
        "explained_variance_ratio_",
    )
    assert_same(svd, expected, names, rtol=1e-8)
    np.testing.assert_allclose(
        dense(svd.transform(X)), expected.transform(data), rtol=1e-8
    )
    randomized = TruncatedSVD(3, algorithm="randomized", n_iter=10, random_state=0)
    assert_same(randomized.fit(X), expected, names, rtol=1e-6)


def test_truncated_svd_one_pass_and_lazy(data, count_computes):
    Xd = da.from_array(data, chunks=300)
    with count_computes() as counter:
        svd = TruncatedSVD(2).fit(Xd)
        out = svd.transform(Xd)
    assert counter.count == 1
    assert out.chunks == (Xd.chunks[0], (2,))
    with pytest.raises(ValueError, match="'algorithm' parameter of TruncatedSVD"):
        TruncatedSVD(2, algorithm="arpack").fit(Xd)


def test_incremental_pca_equals_sklearn_across_blocks(data):
    # Batches of 130 rows straddle the blocks of 300, as scikit-learn cuts them.
    expected = skd.IncrementalPCA(3, batch_size=130).fit(data)
    original = data.copy()
    Xd = da.from_array(data, chunks=300)
    ipca = IncrementalPCA(3, batch_size=130).fit(Xd)
    np.testing.assert_array_equal(data, original)  # the caller's rows untouched
    names = (
        "components_",
        "explained_variance_",
        "explained_variance_ratio_",
        "singular_values_",
        "mean_",
        "var_",
        "noise_variance_",
        "n_samples_seen_",
    )
    assert_same(ipca, expected, names, rtol=1e-12)
    np.testing.assert_allclose(ipca.transform(Xd).compute(), expected.transform(data))
    # partial_fit takes each block as a batch
    step = skd.IncrementalPCA(3)
    for start in range(0, len(data), 300):
        step.partial_fit(data[start : start + 300])
    assert_same(IncrementalPCA(3).partial_fit(Xd), step, names, rtol=1e-12)


def test_incremental_pca_is_one_compute_on_a_dask_frame(
    data, to_container, count_computes
):
    X, _ = to_container(data, np.zeros(len(data)), "dask_frame", chunk_rows=300)
    with count_computes() as counter:
        ipca = IncrementalPCA(2, batch_size=200).fit(X)
    assert counter.count == 2  # the partition lengths, then the chain
    expected = skd.IncrementalPCA(2, batch_size=200).fit(data)
    np.testing.assert_allclose(ipca.components_, expected.components_, rtol=1e-10)
    np.testing.assert_array_equal(ipca.feature_names_in_, X.columns)
    assert isinstance(ipca.transform(X), dd.DataFrame)


def test_merged_summaries_equal_the_whole():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 4)) + 50
    pieces = (x[:3], x[3:200], x[200:])
    centered = x - x.mean(0)
    for kind in ("qr", "scatter", "moments"):
        parts = [_blocks.block_summary(p, kind, True) for p in pieces]
        n, mean, variance, summary = _blocks.merge_summaries(parts, kind, True)
        assert n == 500
        np.testing.assert_allclose(mean, x.mean(0))
        np.testing.assert_allclose(variance, x.var(0), rtol=1e-10)
        if kind == "qr":
            np.testing.assert_allclose(
                summary.T @ summary, centered.T @ centered, rtol=1e-9
            )
        if kind == "scatter":
            np.testing.assert_allclose(summary, centered.T @ centered, rtol=1e-9)


EXPECTED_FAILURES = {}


@parametrize_with_checks(
    [PCA(n_components=2), TruncatedSVD(n_components=2), IncrementalPCA(n_components=2)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_truncated_svd_sparse_input_stays_sparse(data):
    import scipy.sparse as sp

    X = sp.random(300, 20, density=0.1, random_state=0, format="csr")
    ours = TruncatedSVD(3, random_state=0).fit(X)
    theirs = skd.TruncatedSVD(3, random_state=0).fit(X)
    np.testing.assert_allclose(ours.components_, theirs.components_)


def test_block_summaries_read_in_slices(monkeypatch):
    """A block read in many slices gives the summary of the whole block."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1_000, 5)) + 20
    whole = {k: _blocks.block_summary(x, k, True)[2] for k in ("qr", "scatter")}
    monkeypatch.setattr(_blocks, "SLICE_ELEMENTS", 64)  # slices of 20 rows
    for kind, expected in whole.items():
        sliced = _blocks.block_summary(x, kind, True)[2]
        np.testing.assert_allclose(
            sliced.T @ sliced if kind == "qr" else sliced,
            expected.T @ expected if kind == "qr" else expected,
            rtol=1e-10,
        )
