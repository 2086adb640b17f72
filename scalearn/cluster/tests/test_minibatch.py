import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import MiniBatchKMeans as SkMiniBatchKMeans
from sklearn.metrics import adjusted_rand_score

import scalearn
from scalearn.cluster import MiniBatchKMeans, _minibatch

CONTAINERS = ["numpy", "pandas", "dask_array", "dask_frame"]


@pytest.fixture(scope="module")
def references(blobs):
    X, _ = blobs
    return (
        SkMiniBatchKMeans(5, random_state=0).fit(X),
        SkKMeans(5, random_state=0).fit(X),
    )


def computed(x):
    x = x.compute() if hasattr(x, "compute") else x
    return x.to_numpy() if isinstance(x, pd.Series | pd.DataFrame) else np.asarray(x)


@pytest.fixture
def spy(monkeypatch):
    """Records the rows of every call to scikit-learn's MiniBatchKMeans.partial_fit."""
    calls = []
    original = SkMiniBatchKMeans.partial_fit

    def partial_fit(self, X, y=None, sample_weight=None):
        calls.append(np.array(X, copy=True))
        return original(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(SkMiniBatchKMeans, "partial_fit", partial_fit)
    return calls


@pytest.mark.parametrize("kind", CONTAINERS)
def test_clusters_as_sklearn(blobs, references, kind, to_container):
    X, y = blobs
    mini, full = references
    Xc, _ = to_container(X, y, kind, chunk_rows=250)
    model = MiniBatchKMeans(5, random_state=0).fit(Xc)
    assert model.inertia_ <= mini.inertia_ * 1.02
    assert model.inertia_ <= full.inertia_ * 1.02
    assert adjusted_rand_score(computed(model.labels_), full.labels_) == 1.0
    assert adjusted_rand_score(computed(model.predict(Xc)), full.labels_) == 1.0
    np.testing.assert_allclose(model.score(Xc), -model.inertia_, rtol=1e-10)
    assert model.cluster_centers_.shape == (5, 4)
    if kind in ("numpy", "pandas"):  # scikit-learn's own fit, step for step
        np.testing.assert_allclose(model.cluster_centers_, mini.cluster_centers_)
        assert model.n_steps_ == mini.n_steps_
    else:
        assert 1 <= model.n_iter_ < 100  # stopped early: no new low for 10 blocks
        assert model.n_steps_ <= model.n_iter_ * 8


def test_unknown_chunks(blobs, references):
    X, _y = blobs
    _, full = references
    frame = dd.from_pandas(pd.DataFrame(X), chunksize=300)
    Xu = frame.to_dask_array()
    assert np.isnan(Xu.shape[0])
    model = MiniBatchKMeans(5, random_state=0).fit(Xu)
    assert adjusted_rand_score(computed(model.labels_), full.labels_) == 1.0
    assert model.inertia_ <= full.inertia_ * 1.02


@pytest.mark.parametrize("init", ["k-means++", "random", "k-means||"])
@pytest.mark.parametrize("kind", ["numpy", "dask_array"])
def test_inits(blobs, references, init, kind, to_container):
    X, y = blobs
    _, full = references
    Xc, _ = to_container(X, y, kind, chunk_rows=400)
    model = MiniBatchKMeans(5, init=init, random_state=1).fit(Xc)
    if kind == "numpy" and init != "k-means||":  # scikit-learn's own fit
        expected = SkMiniBatchKMeans(5, init=init, random_state=1).fit(X)
        np.testing.assert_allclose(model.cluster_centers_, expected.cluster_centers_)
    else:
        assert model.inertia_ <= full.inertia_ * 1.02
    start = X[np.unique(full.labels_, return_index=True)[1]]
    model = MiniBatchKMeans(5, init=start, n_init=1, random_state=1).fit(Xc)
    assert adjusted_rand_score(computed(model.labels_), full.labels_) == 1.0


def test_callable_init_runs_on_the_sample(blobs):
    X, _ = blobs
    seen = []

    def first_rows(sample, n_clusters, random_state):
        seen.append(sample.shape)
        return sample[:n_clusters]

    MiniBatchKMeans(5, init=first_rows, n_init=2, init_size=600, max_iter=1).fit(
        da.from_array(X, chunks=500)
    )
    assert seen == [(600, 4), (600, 4)]


def test_one_partial_fit_per_block_per_epoch_shuffled(blobs, spy):
    X, _ = blobs
    Xd = da.from_array(X, chunks=250)  # 8 blocks
    model = MiniBatchKMeans(5, max_iter=3, max_no_improvement=None, random_state=0).fit(
        Xd
    )
    assert model.n_iter_ == 3
    assert model.n_steps_ == 24
    assert len(spy) == 24
    starts = [int(np.flatnonzero((call[0] == X).all(axis=1))[0]) // 250 for call in spy]
    epochs = [starts[i : i + 8] for i in range(0, 24, 8)]
    assert all(sorted(e) == list(range(8)) for e in epochs)
    assert len({tuple(e) for e in epochs}) == 3  # a new order each epoch
    assert all(len(call) == 250 for call in spy)


def test_partial_fit_feeds_the_blocks_in_order(blobs, spy):
    X, _ = blobs
    model = MiniBatchKMeans(5, random_state=0)
    model.partial_fit(da.from_array(X[:1000], chunks=250))
    assert [call[0].tolist() for call in spy] == [
        X[i].tolist() for i in range(0, 1000, 250)
    ]
    assert model.n_steps_ == 4
    first = model.cluster_centers_.copy()
    model.partial_fit(X[1000:1500])  # in memory: one mini-batch
    model.partial_fit(da.from_array(X[1500:], chunks=250))
    assert len(spy) == 4 + 1 + 2
    assert model.n_steps_ == 7
    assert not np.array_equal(first, model.cluster_centers_)
    expected = SkKMeans(5, random_state=0).fit(X).labels_
    assert adjusted_rand_score(computed(model.predict(X)), expected) > 0.99
    with pytest.raises(ValueError, match="X has 2 features, but MiniBatchKMeans"):
        model.partial_fit(da.from_array(X[:, :2], chunks=250))


def test_lazy_outputs(blobs, count_computes, to_container):
    X, y = blobs
    Xd = da.from_array(X, chunks=(700, 4))
    model = MiniBatchKMeans(5, random_state=0).fit(Xd)
    with count_computes() as counter:
        labels = model.predict(Xd)
        distances = model.transform(Xd)
        fitted = model.labels_
    assert counter.count == 0
    assert labels.chunks == fitted.chunks == ((700, 700, 600),)
    assert distances.chunks == ((700, 700, 600), (5,))
    np.testing.assert_array_equal(fitted.compute(), labels.compute())
    frame, _ = to_container(X, y, "dask_frame", chunk_rows=300)
    model = MiniBatchKMeans(5, random_state=0).fit(frame)
    assert isinstance(model.labels_, dd.Series)
    out = model.transform(frame)
    assert list(out.columns) == [f"minibatchkmeans{i}" for i in range(5)]
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)


def test_compute_labels_false(blobs):
    X, _ = blobs
    for data in (X, da.from_array(X, chunks=500)):
        model = MiniBatchKMeans(5, compute_labels=False, random_state=0).fit(data)
        assert not hasattr(model, "labels_")
        assert not hasattr(model, "inertia_")


def test_sample_weight_scales_the_inertia(blobs):
    X, _ = blobs
    Xd = da.from_array(X, chunks=500)
    plain = MiniBatchKMeans(5, random_state=0).fit(Xd)
    doubled = MiniBatchKMeans(5, random_state=0).fit(
        Xd, sample_weight=da.full(len(X), 2.0, chunks=500)
    )
    np.testing.assert_allclose(doubled.cluster_centers_, plain.cluster_centers_)
    np.testing.assert_allclose(doubled.inertia_, 2 * plain.inertia_)


def test_tol_stops_after_a_small_shift(blobs):
    X, _ = blobs
    Xd = da.from_array(X, chunks=250)
    loose = MiniBatchKMeans(5, tol=1.0, max_no_improvement=None, random_state=0)
    assert loose.fit(Xd).n_steps_ < 8  # within the first epoch
    strict = MiniBatchKMeans(5, tol=0.0, max_no_improvement=None, max_iter=2)
    assert strict.fit(Xd).n_steps_ == 16


def test_same_result_on_every_scheduler(blobs, scheduler):
    X, _ = blobs
    Xd = da.from_array(X, chunks=400)
    model = MiniBatchKMeans(5, random_state=0).fit(Xd)
    with dask.config.set(scheduler="sync"):
        expected = MiniBatchKMeans(5, random_state=0).fit(Xd)
    np.testing.assert_allclose(model.cluster_centers_, expected.cluster_centers_)
    assert model.n_steps_ == expected.n_steps_
    np.testing.assert_allclose(model.inertia_, expected.inertia_)


def test_errors_are_clear(blobs):
    X, _ = blobs
    Xd = da.from_array(X, chunks=500)
    for param, value in [
        ("n_clusters", 0),
        ("init", "kmeans"),
        ("max_iter", 0),
        ("batch_size", 0),
        ("tol", -1.0),
        ("max_no_improvement", -1),
        ("n_init", 0),
        ("reassignment_ratio", -0.1),
    ]:
        model = MiniBatchKMeans(**{param: value})
        with pytest.raises(ValueError, match=f"'{param}' parameter of MiniBatchKMeans"):
            model.fit(Xd)
    with pytest.raises(ValueError, match=r"init has shape \(2, 4\)"):
        MiniBatchKMeans(3, init=X[:2]).fit(Xd)
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=5"):
        MiniBatchKMeans(5).fit(Xd[:3])
    with pytest.warns(RuntimeWarning, match="init_size=2 should be larger"):
        MiniBatchKMeans(5, init_size=2, max_iter=1).fit(Xd)


def test_blocks_stream_with_bounded_read_ahead(blobs):
    """Never more than read_ahead blocks computed ahead of the one training."""
    X, _ = blobs
    live = []
    seen = {"max": 0}

    def tracked(block):
        if len(block) == 0:  # dask's call to infer the meta
            return block
        live.append(1)
        seen["max"] = max(seen["max"], len(live))
        return block

    original = _minibatch.partial_fit_step

    def step(state, block, measure):
        out = original(state, block, measure)
        live.pop()
        return out

    Xd = da.from_array(X, chunks=100).map_blocks(tracked, dtype=X.dtype)
    with scalearn.config_context(read_ahead=2), pytest.MonkeyPatch.context() as mp:
        mp.setattr(_minibatch, "partial_fit_step", step)
        MiniBatchKMeans(5, init=X[:5], max_iter=1, compute_labels=False).fit(Xd)
    assert 1 <= seen["max"] <= 3


def test_verbose_reports_each_epoch(blobs, capsys):
    X, _ = blobs
    model = MiniBatchKMeans(5, max_iter=2, max_no_improvement=None, verbose=1)
    model.fit(da.from_array(X, chunks=500))
    lines = [line for line in capsys.readouterr().out.splitlines() if "epoch" in line]
    assert [line.split(",")[0] for line in lines] == [
        "MiniBatchKMeans: epoch 1",
        "MiniBatchKMeans: epoch 2",
    ]
    assert "8 steps" in lines[-1]


def test_a_single_block_stops_early(blobs):
    """Measured alike each epoch, one block must not make every step a new low."""
    X, _ = blobs
    model = MiniBatchKMeans(5, random_state=0).fit(da.from_array(X, chunks=-1))
    assert model.n_steps_ == model.n_iter_ < 30
