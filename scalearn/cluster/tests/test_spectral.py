import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import SpectralClustering as SkSpectralClustering
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import rbf_kernel

from scalearn.cluster import MiniBatchKMeans, SpectralClustering, _spectral

CONTAINERS = ["numpy", "pandas", "dask_array", "dask_frame"]
# name: (X, truth, gamma, n_clusters)
SHAPES = {
    "circles": (*make_circles(600, factor=0.4, noise=0.05, random_state=0), 20.0, 2),
    "moons": (*make_moons(600, noise=0.05, random_state=0), 20.0, 2),
    "blobs": (
        *make_blobs(600, n_features=3, centers=4, cluster_std=0.8, random_state=0),
        0.5,
        4,
    ),
}


@pytest.fixture(scope="module")
def sklearn_labels():
    """scikit-learn's exact spectral clustering of each shape."""
    out = {}
    for name, (X, _, gamma, k) in SHAPES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its graph-connectivity warnings
            out[name] = SkSpectralClustering(k, gamma=gamma, random_state=0).fit(X)
    return {name: model.labels_ for name, model in out.items()}


def computed(x):
    x = x.compute() if hasattr(x, "compute") else x
    return x.to_numpy() if isinstance(x, pd.Series | pd.DataFrame) else np.asarray(x)


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("kind", CONTAINERS)
def test_agrees_with_sklearn_and_the_truth(shape, kind, sklearn_labels, to_container):
    X, truth, gamma, k = SHAPES[shape]
    Xc, _ = to_container(X, truth, kind, chunk_rows=150)
    model = SpectralClustering(k, gamma=gamma, random_state=0).fit(Xc)
    labels = computed(model.labels_)
    assert adjusted_rand_score(labels, sklearn_labels[shape]) >= 0.95
    assert adjusted_rand_score(labels, truth) >= 0.95
    assert model.eigenvalues_.shape == (k,)
    assert np.all(model.eigenvalues_ <= 1 + 1e-8)
    assert model.eigenvalues_[0] == pytest.approx(1.0, abs=1e-6)
    assert model.landmarks_.shape == (100, X.shape[1])
    if kind in ("dask_array", "dask_frame"):
        assert isinstance(model.labels_, da.Array)
    else:
        assert isinstance(model.labels_, np.ndarray)


def test_outputs_are_lazy_with_the_input_chunks(count_computes):
    X, _, gamma, k = SHAPES["circles"]
    Xd = da.from_array(X, chunks=(150, 2))
    with count_computes() as counter:
        model = SpectralClustering(k, gamma=gamma, random_state=0).fit(Xd)
    kmeans = model.assign_labels_
    # landmarks, degrees and spectrum; then k-means: its init, one per Lloyd
    # iteration, and the final inertia unless the last iteration gave it
    assert 3 + 1 + kmeans.n_iter_ <= counter.count <= 3 + 2 + kmeans.n_iter_
    with count_computes() as counter:
        labels = model.labels_
        affinities = model.affinity_matrix_
    assert counter.count == 0
    assert labels.chunks == ((150,) * 4,)
    assert affinities.chunks == ((150,) * 4, (100,))
    np.testing.assert_allclose(
        affinities.compute(), rbf_kernel(X, model.landmarks_, gamma=gamma)
    )
    persisted = SpectralClustering(
        k, gamma=gamma, random_state=0, persist_embedding=True
    ).fit(Xd)
    np.testing.assert_array_equal(persisted.labels_.compute(), labels.compute())


def test_unknown_chunks():
    X, truth, gamma, k = SHAPES["moons"]
    Xu = da.from_array(X, chunks=100).map_blocks(
        lambda b: b[b[:, 0] > -np.inf], dtype=X.dtype, chunks=((np.nan,) * 6, (2,))
    )
    model = SpectralClustering(k, gamma=gamma, random_state=0).fit(Xu)
    assert adjusted_rand_score(computed(model.labels_), truth) >= 0.95


def test_every_row_a_landmark_when_few_rows():
    X, truth, gamma, k = SHAPES["circles"]
    model = SpectralClustering(k, gamma=gamma, n_components=1_000, random_state=0)
    model.fit(X[:300])
    assert len(model.landmarks_) == 300
    np.testing.assert_array_equal(
        np.sort(model.landmarks_, axis=0), np.sort(X[:300], axis=0)
    )
    assert adjusted_rand_score(model.labels_, truth[:300]) == 1.0


def test_callable_affinity_and_kernel_params():
    X, _, gamma, k = SHAPES["circles"]
    Xd = da.from_array(X, chunks=200)

    def kernel(a, b, scale):
        return rbf_kernel(a, b, gamma=scale)

    called = SpectralClustering(
        k, affinity=kernel, kernel_params={"scale": gamma}, random_state=0
    ).fit(Xd)
    named = SpectralClustering(k, gamma=gamma, random_state=0).fit(Xd)
    np.testing.assert_allclose(called.eigenvalues_, named.eigenvalues_)
    np.testing.assert_array_equal(called.labels_.compute(), named.labels_.compute())
    laplacian = SpectralClustering(k, affinity="laplacian", gamma=20.0, random_state=0)
    expected = SkSpectralClustering(k, affinity="laplacian", gamma=20.0).fit(X)
    labels = computed(laplacian.fit(Xd).labels_)
    assert adjusted_rand_score(labels, expected.labels_) >= 0.95


def test_assign_labels_estimators():
    X, truth, gamma, k = SHAPES["blobs"]
    Xd = da.from_array(X, chunks=200)
    model = SpectralClustering(
        k,
        gamma=gamma,
        random_state=0,
        assign_labels=SkKMeans(k, n_init=3, random_state=0),
        kmeans_params={"n_init": 2},
    ).fit(Xd)
    assert isinstance(model.assign_labels_, SkKMeans)
    assert model.assign_labels_.n_init == 2
    assert isinstance(model.labels_, da.Array)
    assert model.labels_.chunks == ((200,) * 3,)
    assert adjusted_rand_score(model.labels_.compute(), truth) >= 0.95
    mini = SpectralClustering(
        k, gamma=gamma, random_state=0, assign_labels=MiniBatchKMeans(k)
    ).fit(Xd)
    assert isinstance(mini.assign_labels_, MiniBatchKMeans)
    assert adjusted_rand_score(computed(mini.labels_), truth) >= 0.95
    default = SpectralClustering(
        k, gamma=gamma, random_state=0, kmeans_params={"init": "k-means++"}
    ).fit(X)
    assert default.assign_labels_.init == "k-means++"


def test_same_labels_on_every_scheduler(scheduler):
    X, truth, gamma, k = SHAPES["moons"]
    model = SpectralClustering(k, gamma=gamma, random_state=0)
    labels = model.fit(da.from_array(X, chunks=200)).labels_.compute()
    assert adjusted_rand_score(labels, truth) == 1.0


def test_errors_are_clear():
    X, _, _, _ = SHAPES["blobs"]
    Xd = da.from_array(X, chunks=200)
    with pytest.raises(ValueError, match="'affinity' parameter of SpectralClustering"):
        SpectralClustering(affinity="precomputed").fit(Xd)
    with pytest.raises(ValueError, match="never forms"):
        SpectralClustering(affinity="precomputed").fit(X)
    with pytest.raises(ValueError, match="neighbours among all rows"):
        SpectralClustering(affinity="nearest_neighbors").fit(Xd)
    with pytest.raises(ValueError, match=r"Got 'gaussian' instead"):
        SpectralClustering(affinity="gaussian").fit(Xd)
    with pytest.raises(ValueError, match="'assign_labels' parameter"):
        SpectralClustering(assign_labels="discretize").fit(Xd)
    for param, value in [("n_components", 0), ("n_clusters", 0), ("gamma", -1.0)]:
        with pytest.raises(ValueError, match=f"'{param}' parameter"):
            SpectralClustering(**{param: value}).fit(Xd)
    with pytest.raises(ValueError, match="at most n_components eigenvectors"):
        SpectralClustering(n_clusters=5, n_components=4).fit(Xd)
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=4"):
        SpectralClustering(4).fit(Xd[:3])
    with pytest.raises(ValueError, match=r"degree .* <= 0"):
        SpectralClustering(2, affinity="linear").fit(Xd - Xd.mean(axis=0))


def test_kernels_on_one_block():
    """The one-shot Nystrom embedding is exact when every row is a landmark."""
    X, _, gamma, k = SHAPES["blobs"]
    x = X[:80]
    kernel = ("rbf", {"gamma": gamma})
    affinities = rbf_kernel(x, x, gamma=gamma)
    pseudo_inverse, inverse_root = _spectral.inverse_roots(affinities)
    weights = pseudo_inverse @ _spectral.affinity_sums(x, x, kernel)
    np.testing.assert_allclose(x_degrees := affinities @ weights, affinities.sum(1))
    gram = _spectral.normalized_gram(x, x, kernel, weights)
    values, projection = _spectral.top_eigenpairs(gram, inverse_root, k)
    normalized = affinities / np.sqrt(np.outer(x_degrees, x_degrees))
    np.testing.assert_allclose(values, np.linalg.eigvalsh(normalized)[::-1][:k])
    vectors = _spectral.normalized_affinities(x, x, kernel, weights) @ projection
    np.testing.assert_allclose(vectors.T @ vectors, np.eye(k), atol=1e-8)
    np.testing.assert_allclose(normalized @ vectors, vectors * values, atol=1e-8)
