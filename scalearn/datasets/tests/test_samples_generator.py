from datetime import date

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pytest
from sklearn import datasets as sk_datasets

from scalearn import datasets

GENERATORS = {
    "classification": lambda **kw: datasets.make_classification(
        n_samples=1_000, n_features=6, **kw
    ),
    "blobs": lambda **kw: datasets.make_blobs(n_samples=1_000, n_features=3, **kw),
    "regression": lambda **kw: datasets.make_regression(
        n_samples=1_000, n_features=6, noise=1.0, **kw
    ),
    "low_rank": lambda **kw: datasets.make_regression(
        n_samples=1_000, n_features=6, effective_rank=2, **kw
    ),
    "counts": lambda **kw: datasets.make_counts(n_samples=1_000, n_features=6, **kw),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_lazy_chunked_and_reproducible(name, count_computes):
    with count_computes() as counter:
        X, y = GENERATORS[name](random_state=3, chunks=300)
    assert counter.count == 0
    assert X.chunks[0] == (300, 300, 300, 100)
    assert y.chunks[0] == X.chunks[0]
    first = dask.compute(X, y, scheduler="sync")
    again = dask.compute(*GENERATORS[name](random_state=3, chunks=300))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    # A block alone is the same block.
    np.testing.assert_array_equal(X.blocks[2].compute(), first[0][600:900])
    other, _ = GENERATORS[name](random_state=4, chunks=300)
    assert not np.allclose(other.compute(), first[0])


def test_same_data_on_every_scheduler(scheduler):
    expected = dask.compute(
        *datasets.make_classification(
            n_samples=600, n_features=5, random_state=0, chunks=100
        ),
        scheduler="sync",
    )
    X, y = datasets.make_classification(
        n_samples=600, n_features=5, random_state=0, chunks=100
    )
    np.testing.assert_array_equal(X.compute(), expected[0])
    np.testing.assert_array_equal(y.compute(), expected[1])


def test_chunks_forms():
    X, _ = datasets.make_blobs(n_samples=100, n_features=4, chunks=(30, 2))
    assert X.chunks == ((30, 30, 30, 10), (2, 2))
    X, _ = datasets.make_blobs(n_samples=100, n_features=4, chunks=((50, 50), (4,)))
    assert X.chunks == ((50, 50), (4,))
    X, _ = datasets.make_blobs(n_samples=100, n_features=4)
    assert X.chunks == ((100,), (4,))
    with pytest.raises(ValueError, match="The 'chunks' parameter of make_blobs"):
        datasets.make_blobs(n_samples=100, chunks=((60, 60), (2,)))


@pytest.mark.parametrize("shuffle", [False, True])
def test_classification_has_sklearns_class_balance(shuffle):
    kwargs = dict(
        n_samples=3_001,
        n_features=8,
        n_informative=3,
        n_classes=3,
        weights=[0.6, 0.3],
        flip_y=0,
        shuffle=shuffle,
    )
    _, y = datasets.make_classification(random_state=0, chunks=400, **kwargs)
    _, expected = sk_datasets.make_classification(random_state=0, **kwargs)
    np.testing.assert_array_equal(np.bincount(y.compute()), np.bincount(expected))
    if not shuffle:  # rows grouped by cluster, in scikit-learn's order
        np.testing.assert_array_equal(y.compute(), expected)


def test_classification_features_have_sklearns_roles():
    X, y = datasets.make_classification(
        n_samples=4_000,
        n_features=10,
        n_informative=3,
        n_redundant=2,
        n_repeated=2,
        n_clusters_per_class=1,
        class_sep=2.0,
        flip_y=0,
        shuffle=False,
        random_state=1,
        chunks=700,
    )
    X, y = dask.compute(X, y)
    # Redundant features are linear combinations of the informative ones.
    assert np.linalg.matrix_rank(X[:, :3]) == 3
    assert np.linalg.matrix_rank(X[:, :5]) == 3
    # Repeated features copy earlier ones.
    for column in (5, 6):
        assert (X[:, [column]] == X[:, :5]).all(axis=0).any()
    # The rest is standard normal noise, unrelated to the class.
    noise = X[:, 7:]
    np.testing.assert_allclose(noise.mean(axis=0), 0, atol=0.08)
    np.testing.assert_allclose(noise.std(axis=0), 1, atol=0.05)
    for label in (0, 1):
        np.testing.assert_allclose(noise[y == label].mean(axis=0), 0, atol=0.1)
        # Each class is a cluster centred on a vertex of the hypercube.
        centre = X[y == label, :3].mean(axis=0)
        np.testing.assert_allclose(np.abs(centre), 2.0, atol=0.15)


def test_classification_label_noise_and_scaling():
    kwargs = dict(n_samples=4_000, n_features=4, n_clusters_per_class=1)
    _, clean = datasets.make_classification(
        flip_y=0, random_state=0, chunks=500, **kwargs
    )
    _, noisy = datasets.make_classification(
        flip_y=0.4, random_state=0, chunks=500, **kwargs
    )
    # Half of the flipped labels land on the other class.
    changed = (clean.compute() != noisy.compute()).mean()
    assert changed == pytest.approx(0.2, abs=0.03)
    plain, _ = datasets.make_classification(random_state=0, chunks=500, **kwargs)
    moved, _ = datasets.make_classification(
        shift=3.0, scale=2.0, random_state=0, chunks=500, **kwargs
    )
    np.testing.assert_allclose(moved.compute(), (plain.compute() + 3.0) * 2.0)


def test_classification_checks_like_sklearn():
    with pytest.raises(ValueError, match="must sum to less than the number"):
        datasets.make_classification(n_features=3, n_informative=2, n_redundant=2)
    with pytest.raises(ValueError, match=r"n_classes\(3\) \* n_clusters_per_class"):
        datasets.make_classification(n_informative=2, n_classes=3)


@pytest.mark.parametrize("n_samples", [1_000, [500, 300, 200]])
def test_blobs_have_sklearns_shape(n_samples):
    X, y, centers = datasets.make_blobs(
        n_samples=n_samples,
        n_features=3,
        cluster_std=[0.5, 1.0, 2.0],
        random_state=0,
        chunks=150,
        return_centers=True,
    )
    _, expected = sk_datasets.make_blobs(
        n_samples=n_samples, n_features=3, cluster_std=[0.5, 1.0, 2.0], random_state=0
    )
    X, y = dask.compute(X, y)
    np.testing.assert_array_equal(np.bincount(y), np.bincount(expected))
    assert centers.shape == (3, 3)
    assert ((centers >= -10) & (centers <= 10)).all()
    for k, std in enumerate([0.5, 1.0, 2.0]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.3)
        np.testing.assert_allclose(X[y == k].std(axis=0), std, rtol=0.15)


def test_blobs_given_centres():
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = datasets.make_blobs(
        n_samples=400, centers=centers, cluster_std=0.1, random_state=0, chunks=90
    )
    X, y = dask.compute(X, y)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.05)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regression_is_the_linear_model(n_targets):
    X, y, coef = datasets.make_regression(
        n_samples=800,
        n_features=7,
        n_informative=3,
        n_targets=n_targets,
        bias=5.0,
        coef=True,
        random_state=0,
        chunks=250,
    )
    _, _, expected_coef = sk_datasets.make_regression(
        n_samples=800, n_features=7, n_informative=3, n_targets=n_targets, coef=True
    )
    assert coef.shape == expected_coef.shape
    assert y.shape == ((800,) if n_targets == 1 else (800, n_targets))
    X, y = dask.compute(X, y)
    np.testing.assert_allclose(y, X @ coef + 5.0, rtol=1e-12)
    informative = np.flatnonzero(np.atleast_2d(coef.T)[0])
    assert len(informative) == 3
    assert ((coef >= 0) & (coef < 100)).all()
    np.testing.assert_allclose(X.std(axis=0), 1, atol=0.1)


def test_regression_noise_and_low_rank():
    X, y, coef = datasets.make_regression(
        n_samples=2_000, n_features=5, noise=3.0, coef=True, random_state=0, chunks=500
    )
    X, y = dask.compute(X, y)
    assert np.std(y - X @ coef) == pytest.approx(3.0, rel=0.06)
    X, _ = datasets.make_regression(
        n_samples=1_000,
        n_features=20,
        effective_rank=4,
        tail_strength=0.2,
        random_state=0,
        chunks=300,
    )
    ours = np.linalg.svd(X.compute(), compute_uv=False)
    theirs = np.linalg.svd(
        sk_datasets.make_regression(
            n_samples=1_000,
            n_features=20,
            effective_rank=4,
            tail_strength=0.2,
            random_state=0,
        )[0],
        compute_uv=False,
    )
    # The same singular profile: exactly, as both are U diag(s) V.T.
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_counts_follow_the_poisson_model():
    X, y = datasets.make_counts(
        n_samples=5_000, n_features=4, n_informative=2, random_state=0, chunks=1_000
    )
    X, y = dask.compute(X, y)
    assert y.dtype == np.int64
    assert (y >= 0).all()
    # Two features drive the counts (negatively), the other two do not.
    correlations = np.array([np.corrcoef(X[:, j], y)[0, 1] for j in range(4)])
    assert (correlations < -0.1).sum() == 2
    assert (np.abs(correlations) < 0.05).sum() == 2
    with pytest.raises(ValueError, match="'n_informative' parameter of make_counts"):
        datasets.make_counts(n_features=3, n_informative=5)


def test_classification_df():
    X, y = datasets.make_classification_df(
        n_samples=2_000,
        response_rate=0.2,
        predictability=1.0,
        n_features=4,
        random_state=0,
        chunks=500,
        dates=(date(2024, 1, 1), date(2024, 3, 1)),
    )
    assert isinstance(X, dd.DataFrame)
    assert isinstance(y, dd.Series)
    assert list(X.columns) == ["var0", "var1", "var2", "var3", "date"]
    assert y.name == "target"
    assert X.npartitions == 4
    frame, target = dask.compute(X, y)
    assert (frame.index == target.index).all()
    assert target.mean() == pytest.approx(0.2, abs=0.005)
    assert frame["date"].min() >= np.datetime64("2024-01-01")
    assert frame["date"].max() < np.datetime64("2024-03-01")
    assert frame["date"].nunique() > 1_900  # a date per row, not one for all
    again, _ = dask.compute(
        *datasets.make_classification_df(
            n_samples=2_000,
            response_rate=0.2,
            predictability=1.0,
            n_features=4,
            random_state=0,
            chunks=500,
            dates=(date(2024, 1, 1), date(2024, 3, 1)),
        )
    )
    assert frame.equals(again)


def test_same_signature_as_dask_ml():
    dask_ml_datasets = pytest.importorskip("dask_ml.datasets")
    import inspect

    for name in datasets.__all__:
        if not hasattr(dask_ml_datasets, name):  # scalearn's own: from_npy
            continue
        theirs = inspect.signature(getattr(dask_ml_datasets, name)).parameters
        ours = inspect.signature(getattr(datasets, name)).parameters
        for parameter in theirs.values():
            if parameter.kind is parameter.VAR_KEYWORD:
                continue
            assert parameter.name in ours, (name, parameter.name)
            assert ours[parameter.name].default == parameter.default, (
                name,
                parameter.name,
            )
    X, _ = datasets.make_counts(chunks=250, random_state=0)
    X_ml, _ = dask_ml_datasets.make_counts(chunks=250, random_state=0)
    assert X.chunks == X_ml.chunks
    assert isinstance(X, da.Array)
