import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from scalearn.cluster import KMeans, _blocks

CONTAINERS = ["numpy", "pandas", "dask_array", "dask_frame"]


@pytest.fixture(scope="module")
def overlapping():
    """Data whose clusters overlap, so Lloyd needs several iterations."""
    X, _ = make_blobs(
        n_samples=1_500, n_features=3, centers=4, cluster_std=4.0, random_state=1
    )
    return X * [1.0, 100.0, 0.01] + [0.0, 1e4, 5.0]


def compute(x):
    return x.compute() if hasattr(x, "compute") else x


def values_of(labels):
    labels = compute(labels)
    return labels.to_numpy() if isinstance(labels, pd.Series) else labels


@pytest.mark.parametrize("kind", CONTAINERS)
def test_same_start_same_clusters_as_sklearn(overlapping, kind, to_container):
    X = overlapping
    start = X[[0, 10, 20, 30]]
    expected = SkKMeans(4, init=start, n_init=1).fit(X)
    assert expected.n_iter_ > 3  # the test is about Lloyd, not the start
    Xc, _ = to_container(X, np.zeros(len(X)), kind, chunk_rows=400)
    model = KMeans(4, init=start).fit(Xc)
    np.testing.assert_allclose(
        model.cluster_centers_, expected.cluster_centers_, rtol=1e-10
    )
    assert model.n_iter_ == expected.n_iter_
    np.testing.assert_allclose(model.inertia_, expected.inertia_, rtol=1e-10)
    np.testing.assert_array_equal(values_of(model.labels_), expected.labels_)
    np.testing.assert_array_equal(values_of(model.predict(Xc)), expected.predict(X))
    np.testing.assert_allclose(
        np.asarray(compute(model.transform(Xc))), expected.transform(X), atol=1e-6
    )
    np.testing.assert_allclose(model.score(Xc), expected.score(X), rtol=1e-10)


@pytest.mark.parametrize("init", ["k-means||", "k-means++", "random"])
@pytest.mark.parametrize("kind", ["numpy", "dask_array", "dask_frame"])
def test_inits_find_the_clusters(blobs, init, kind, to_container):
    X, y = blobs
    expected = SkKMeans(5, random_state=0, n_init=10).fit(X)
    Xc, _ = to_container(X, y, kind, chunk_rows=300)
    model = KMeans(5, init=init, random_state=0).fit(Xc)
    assert model.inertia_ <= expected.inertia_ * 1.01
    assert adjusted_rand_score(values_of(model.labels_), expected.labels_) == 1.0


def test_sample_weight_as_sklearn(overlapping):
    X = overlapping
    weights = np.random.default_rng(0).uniform(0.1, 3, len(X))
    start = X[[0, 10, 20, 30]]
    expected = SkKMeans(4, init=start, n_init=1).fit(X, sample_weight=weights)
    model = KMeans(4, init=start).fit(
        da.from_array(X, chunks=500), sample_weight=da.from_array(weights, chunks=500)
    )
    np.testing.assert_allclose(
        model.cluster_centers_, expected.cluster_centers_, rtol=1e-10
    )
    np.testing.assert_allclose(model.inertia_, expected.inertia_, rtol=1e-10)
    assert model.n_iter_ == expected.n_iter_
    # Weighted k-means|| on in-memory data starts scikit-learn where it should.
    ours = KMeans(4, random_state=0).fit(X, sample_weight=weights)
    assert ours.inertia_ <= expected.inertia_ * 1.01


def test_tol_is_relative_to_the_variance(overlapping):
    """A tol that is tiny in absolute terms but large relative to the variance."""
    X = overlapping * 1e3
    start = X[[0, 10, 20, 30]]
    expected = SkKMeans(4, init=start, n_init=1, tol=1e-2).fit(X)
    full = SkKMeans(4, init=start, n_init=1, tol=0).fit(X)
    assert expected.n_iter_ < full.n_iter_
    model = KMeans(4, init=start, tol=1e-2).fit(da.from_array(X, chunks=500))
    assert model.n_iter_ == expected.n_iter_
    np.testing.assert_allclose(model.inertia_, expected.inertia_, rtol=1e-10)


def test_one_compute_per_iteration(overlapping, blobs, count_computes):
    Xd = da.from_array(overlapping, chunks=300)
    start = overlapping[[0, 10, 20, 30]]
    with count_computes() as counter:
        model = KMeans(4, init=start, max_iter=3, tol=0).fit(Xd)
    assert model.n_iter_ == 3
    assert counter.count == 3 + 1  # three iterations and the final inertia
    # With tol=0, the last iteration moves nothing and its inertia is the answer.
    Xd = da.from_array(blobs[0], chunks=300)
    for init in ("k-means||", "k-means++"):
        with count_computes() as counter:
            model = KMeans(5, init=init, tol=0, random_state=0).fit(Xd)
        assert counter.count == 1 + model.n_iter_  # the init is one graph


def test_lazy_outputs_keep_chunks_and_containers(blobs, count_computes, to_container):
    X, y = blobs
    Xd = da.from_array(X, chunks=(700, 4))
    model = KMeans(5, random_state=0).fit(Xd)
    with count_computes() as counter:
        labels = model.predict(Xd)
        distances = model.transform(Xd)
        fitted = model.labels_
    assert counter.count == 0
    assert labels.chunks == ((700, 700, 600),)
    assert distances.chunks == ((700, 700, 600), (5,))
    assert fitted.chunks == labels.chunks
    frame, _ = to_container(X, y, "dask_frame", chunk_rows=300)
    model = KMeans(5, random_state=0).fit(frame)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    labels = model.fit_predict(frame)
    assert isinstance(labels, dd.Series)
    pd.testing.assert_index_equal(labels.compute().index, frame.index.compute())
    out = model.transform(frame)
    assert isinstance(out, dd.DataFrame)
    assert list(out.columns) == [f"kmeans{i}" for i in range(5)]
    np.testing.assert_allclose(
        out.compute().to_numpy(), model.transform(frame.compute()), rtol=1e-12
    )


def test_empty_cluster_takes_the_farthest_row(blobs):
    X, _ = blobs
    start = np.vstack([X[:4], [[1e3] * 4]])  # no row is nearest the last center
    model = KMeans(5, init=start, max_iter=1).fit(da.from_array(X, chunks=500))
    labels = model.labels_.compute()
    assert np.bincount(labels, minlength=5).min() > 0
    assert np.isfinite(model.cluster_centers_).all()


def test_float32_stays_float32(blobs):
    X = blobs[0].astype(np.float32)
    model = KMeans(5, random_state=0).fit(da.from_array(X, chunks=500))
    assert model.cluster_centers_.dtype == np.float32
    assert model.transform(da.from_array(X, chunks=500)).dtype == np.float32
    expected = SkKMeans(5, random_state=0).fit(X)
    np.testing.assert_allclose(model.inertia_, expected.inertia_, rtol=1e-3)


def test_results_on_every_scheduler(blobs, scheduler):
    X, _ = blobs
    model = KMeans(5, random_state=0).fit(da.from_array(X, chunks=500))
    expected = SkKMeans(5, random_state=0).fit(X)
    assert adjusted_rand_score(model.labels_.compute(), expected.labels_) == 1.0
    np.testing.assert_allclose(model.inertia_, expected.inertia_, rtol=1e-9)


def test_errors_are_clear(blobs):
    X, _ = blobs
    Xd = da.from_array(X, chunks=500)
    with pytest.raises(ValueError, match="'n_clusters' parameter of KMeans"):
        KMeans(0).fit(Xd)
    with pytest.raises(ValueError, match="'init' parameter of KMeans"):
        KMeans(init="kmeans").fit(Xd)
    with pytest.raises(ValueError, match="'n_init' parameter of KMeans"):
        KMeans(n_init=0).fit(Xd)
    with pytest.raises(ValueError, match=r"init has shape \(2, 4\)"):
        KMeans(3, init=X[:2]).fit(Xd)
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=5"):
        KMeans(5).fit(Xd[:3])
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=5"):
        KMeans(5).fit(X[:3])
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        KMeans(5, init=X[:5]).fit(da.from_array(bad, chunks=500))
    model = KMeans(5, random_state=0).fit(Xd)
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting"):
        model.predict(Xd[:, :2])


def test_kernels_match_brute_force():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 3)) + 100
    centers = rng.normal(size=(6, 3)) + 100
    brute = ((x[:, None, :] - centers[None]) ** 2).sum(-1)
    labels, closest = _blocks.nearest(x, centers)
    np.testing.assert_array_equal(labels, brute.argmin(1))
    np.testing.assert_allclose(closest, brute.min(1), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        _blocks.squared_distances(x, centers), brute, rtol=1e-6, atol=1e-8
    )
    parts = [
        _blocks.lloyd_block(p, None, centers, with_moments=True)["moments"]
        for p in (x[:7], x[7:12_000], x[12_000:])
    ]
    np.testing.assert_allclose(_blocks.merge_moments(parts), x.var(0), rtol=1e-10)
    step = _blocks.lloyd_block(x, None, centers, with_moments=False)
    np.testing.assert_allclose(step["inertia"], brute.min(1).sum(), rtol=1e-10)
    for j in range(6):
        np.testing.assert_allclose(step["sums"][j], x[labels == j].sum(0))
    np.testing.assert_array_equal(step["counts"], np.bincount(labels, minlength=6))


def test_weighted_keys_draw_in_proportion_to_weight():
    """With one heavy row among 99 light ones, it is almost always drawn first."""
    x = np.arange(100.0).reshape(-1, 1)
    weights = np.ones(100)
    weights[42] = 1e4
    firsts = [
        _blocks.merge_smallest([_blocks.smallest_keys(x, weights, 1, s, x.dtype)], 1)
        for s in range(50)
    ]
    assert sum(float(f[0, 0]) == 42.0 for f in firsts) >= 45
