import threading

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.preprocessing import StandardScaler as SkStandardScaler

import scalearn
from scalearn.preprocessing import StandardScaler
from scalearn.wrappers import Incremental, ParallelPostFit

N_BLOCKS, BLOCK = 8, 250


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(N_BLOCKS * BLOCK, 5)) * 4 + 3
    y = (X[:, 0] - X[:, 2] + rng.normal(size=len(X)) > 0).astype(np.int64)
    return X, y


def dask_xy(X, y):
    return da.from_array(X, chunks=(BLOCK, X.shape[1])), da.from_array(y, chunks=BLOCK)


def manual_loop(estimator, X, y, orders, **fit_params):
    model = clone(estimator)
    for order in orders:
        for i in order:
            rows = slice(i * BLOCK, (i + 1) * BLOCK)
            model.partial_fit(X[rows], y[rows], **fit_params)
    return model


def block_orders(random_state, n_epochs, shuffle=True):
    rng = np.random.RandomState(random_state)
    blocks = np.arange(N_BLOCKS)
    return [rng.permutation(blocks) if shuffle else blocks for _ in range(n_epochs)]


@pytest.mark.parametrize("shuffle", [True, False])
def test_same_model_as_a_manual_partial_fit_loop(data, shuffle, scheduler):
    X, y = data
    sgd = SGDClassifier(random_state=0, tol=None)
    inc = Incremental(sgd, max_epochs=3, shuffle_blocks=shuffle, random_state=7)
    inc.fit(*dask_xy(X, y), classes=[0, 1])
    expected = manual_loop(sgd, X, y, block_orders(7, 3, shuffle), classes=[0, 1])
    np.testing.assert_array_equal(inc.estimator_.coef_, expected.coef_)
    np.testing.assert_array_equal(inc.estimator_.intercept_, expected.intercept_)
    assert inc.n_epochs_ == 3
    assert [h["epoch"] for h in inc.history_] == [1, 2, 3]
    assert all(
        h["n_samples"] == len(X) and h["n_blocks"] == N_BLOCKS for h in inc.history_
    )


def test_block_order_is_reproducible_and_reshuffled_per_epoch(data):
    X, y = data
    fits = [
        Incremental(SGDClassifier(random_state=0), max_epochs=2, random_state=3)
        .fit(*dask_xy(X, y))
        .estimator_.coef_
        for _ in range(2)
    ]
    np.testing.assert_array_equal(*fits)
    orders = block_orders(3, 2)
    assert not np.array_equal(orders[0], orders[1])


def test_classes_are_found_when_not_given(data):
    X, y = data
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False).fit(
        *dask_xy(X, y)
    )
    expected = manual_loop(
        SGDClassifier(random_state=0), X, y, [range(N_BLOCKS)], classes=[0, 1]
    )
    np.testing.assert_array_equal(inc.estimator_.coef_, expected.coef_)
    np.testing.assert_array_equal(inc.classes_, [0, 1])


def test_history_scores_each_block_before_training_on_it(data):
    X, y = data
    inc = Incremental(SGDClassifier(random_state=0), max_epochs=2, shuffle_blocks=False)
    inc.fit(*dask_xy(X, y))
    first, second = inc.history_
    model = SGDClassifier(random_state=0)
    scores = []
    for epoch in range(2):
        for i in range(N_BLOCKS):
            rows = slice(i * BLOCK, (i + 1) * BLOCK)
            if epoch or i:
                scores.append(model.score(X[rows], y[rows]))
            model.partial_fit(X[rows], y[rows], classes=[0, 1])
    assert first["train_score"] == pytest.approx(np.mean(scores[: N_BLOCKS - 1]))
    assert second["train_score"] == pytest.approx(np.mean(scores[N_BLOCKS - 1 :]))
    assert first["rows_per_second"] > 0


def test_early_stopping_on_held_out_blocks(data):
    X, y = data
    inc = Incremental(
        SGDClassifier(random_state=0),
        max_epochs=100,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=2,
        tol=0.5,  # no epoch improves by half the accuracy: stop after 1 + 2
        random_state=0,
    ).fit(*dask_xy(X, y))
    assert inc.n_epochs_ == 3
    assert all("validation_score" in h for h in inc.history_)
    assert all(h["n_blocks"] == N_BLOCKS - 2 for h in inc.history_)
    # The held-out blocks never reached partial_fit.
    held_out = np.sort(np.random.RandomState(0).permutation(N_BLOCKS)[:2])
    rows = np.concatenate([np.arange(i * BLOCK, (i + 1) * BLOCK) for i in held_out])
    assert inc.history_[-1]["validation_score"] == pytest.approx(
        inc.estimator_.score(X[rows], y[rows])
    )


def test_early_stopping_needs_two_blocks(data):
    X, y = data
    with pytest.raises(ValueError, match="only 1 block"):
        Incremental(SGDClassifier(), early_stopping=True).fit(X, y)


def test_partial_fit_continues_from_the_trained_model(data):
    X, y = data
    Xd, yd = dask_xy(X, y)
    inc = Incremental(SGDClassifier(random_state=0, tol=None), shuffle_blocks=False)
    inc.partial_fit(Xd[: 4 * BLOCK], yd[: 4 * BLOCK], classes=[0, 1])
    model = inc.estimator_
    inc.partial_fit(Xd[4 * BLOCK :], yd[4 * BLOCK :])
    assert inc.estimator_ is model
    expected = manual_loop(
        SGDClassifier(random_state=0, tol=None), X, y, [range(N_BLOCKS)], classes=[0, 1]
    )
    np.testing.assert_array_equal(inc.estimator_.coef_, expected.coef_)
    assert len(inc.history_) == 2


def test_numpy_and_pandas_input_is_one_block(data):
    X, y = data
    inc = Incremental(SGDClassifier(random_state=0)).fit(X, y)
    expected = SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(inc.estimator_.coef_, expected.coef_)
    frame = pd.DataFrame(X, columns=list("abcde"))
    inc = Incremental(SGDClassifier(random_state=0)).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(inc.feature_names_in_, list("abcde"))


def test_dask_dataframe_input(data, to_container):
    X, y = data
    Xd, yd = to_container(X, y, "dask_frame", chunk_rows=BLOCK)
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False).fit(Xd, yd)
    frame = Xd.compute()
    model = SGDClassifier(random_state=0)
    for i in range(Xd.npartitions):
        model.partial_fit(
            frame.iloc[i * BLOCK : (i + 1) * BLOCK],
            y[i * BLOCK : (i + 1) * BLOCK],
            classes=[0, 1],
        )
    np.testing.assert_array_equal(inc.estimator_.coef_, model.coef_)
    np.testing.assert_array_equal(inc.feature_names_in_, frame.columns)
    assert inc.predict(Xd).compute().shape == (len(X),)


def test_sample_weight_goes_block_by_block(data):
    X, y = data
    weights = np.linspace(0.5, 2, len(y))
    Xd, yd = dask_xy(X, y)
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False)
    inc.fit(Xd, yd, sample_weight=da.from_array(weights, chunks=BLOCK), classes=[0, 1])
    model = SGDClassifier(random_state=0)
    for i in range(N_BLOCKS):
        rows = slice(i * BLOCK, (i + 1) * BLOCK)
        model.partial_fit(X[rows], y[rows], classes=[0, 1], sample_weight=weights[rows])
    np.testing.assert_array_equal(inc.estimator_.coef_, model.coef_)


def test_y_is_rechunked_to_x_blocks(data):
    X, y = data
    Xd = da.from_array(X, chunks=(BLOCK, 5))
    yd = da.from_array(y, chunks=3 * BLOCK)
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False).fit(Xd, yd)
    expected = manual_loop(
        SGDClassifier(random_state=0), X, y, [range(N_BLOCKS)], classes=[0, 1]
    )
    np.testing.assert_array_equal(inc.estimator_.coef_, expected.coef_)


def test_y_with_as_many_blocks_but_other_lengths_is_realigned(data):
    X, y = data
    Xd = da.from_array(X, chunks=(300, 5))  # 300 * 6 + 200
    yd = da.from_array(y, chunks=(286, 286, 286, 286, 286, 286, 284))
    assert Xd.numblocks[0] == yd.numblocks[0]
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False).fit(Xd, yd)
    model = SGDClassifier(random_state=0)
    for start in range(0, len(X), 300):
        model.partial_fit(
            X[start : start + 300], y[start : start + 300], classes=[0, 1]
        )
    np.testing.assert_array_equal(inc.estimator_.coef_, model.coef_)


def test_unsupervised_and_regression_estimators(data):
    X, y = data
    Xd, _ = dask_xy(X, y)
    km = Incremental(
        MiniBatchKMeans(n_clusters=3, random_state=0, n_init=1), shuffle_blocks=False
    )
    km.fit(Xd)
    model = MiniBatchKMeans(n_clusters=3, random_state=0, n_init=1)
    for i in range(N_BLOCKS):
        model.partial_fit(X[i * BLOCK : (i + 1) * BLOCK])
    np.testing.assert_allclose(km.estimator_.cluster_centers_, model.cluster_centers_)
    target = X @ np.arange(5.0)
    reg = Incremental(SGDRegressor(random_state=0), scoring="r2", max_epochs=3)
    reg.fit(Xd, da.from_array(target, chunks=BLOCK))
    assert reg.history_[-1]["train_score"] is not None
    assert reg.score(Xd, da.from_array(target, chunks=BLOCK)) > 0.9


def interleaved_by_hand(X, y, n_epochs):
    scaler, sgd = SkStandardScaler(), SGDClassifier(random_state=0)
    for epoch in range(n_epochs):
        for i in range(N_BLOCKS):
            rows = slice(i * BLOCK, (i + 1) * BLOCK)
            if epoch == 0:
                scaler.partial_fit(X[rows])
            sgd.partial_fit(scaler.transform(X[rows]), y[rows], classes=[0, 1])
    return scaler, sgd


def test_pipeline_interleaved_is_one_pass_per_epoch(data):
    X, y = data
    pipe = make_pipeline(SkStandardScaler(), SGDClassifier(random_state=0))
    inc = Incremental(pipe, max_epochs=2, shuffle_blocks=False).fit(*dask_xy(X, y))
    scaler, sgd = interleaved_by_hand(X, y, 2)
    np.testing.assert_allclose(inc.estimator_[0].mean_, scaler.mean_)
    np.testing.assert_array_equal(inc.estimator_[-1].coef_, sgd.coef_)
    assert [h["n_blocks"] for h in inc.history_] == [N_BLOCKS, N_BLOCKS]
    assert pipe[0].__dict__.get("mean_") is None  # the given pipeline is untouched


def test_pipeline_stagewise_is_the_exact_order(data):
    X, y = data
    pipe = make_pipeline(SkStandardScaler(), SGDClassifier(random_state=0))
    inc = Incremental(
        pipe, max_epochs=2, shuffle_blocks=False, pipeline_fit="stagewise"
    )
    inc.fit(*dask_xy(X, y))
    scaler = SkStandardScaler().fit(X)
    np.testing.assert_allclose(inc.estimator_[0].mean_, scaler.mean_)
    np.testing.assert_allclose(inc.estimator_[0].var_, scaler.var_)
    sgd = manual_loop(
        SGDClassifier(random_state=0),
        scaler.transform(X),
        y,
        [range(N_BLOCKS)] * 2,
        classes=[0, 1],
    )
    np.testing.assert_allclose(inc.estimator_[-1].coef_, sgd.coef_, rtol=1e-10)
    assert [h["stage"] for h in inc.history_] == ["standardscaler", "final", "final"]


def test_pipeline_with_stateless_and_passthrough_steps(data):
    X, y = data
    pipe = make_pipeline(FunctionTransformer(np.abs), "passthrough", GaussianNB())
    inc = Incremental(pipe, shuffle_blocks=False).fit(*dask_xy(X, y))
    expected = GaussianNB().fit(np.abs(X), y)
    np.testing.assert_allclose(inc.estimator_[-1].theta_, expected.theta_)
    np.testing.assert_allclose(inc.estimator_[-1].var_, expected.var_, rtol=1e-6)


def test_in_a_pipeline_after_the_dask_native_scaler(data, count_computes):
    X, y = data
    Xd, yd = dask_xy(X, y)
    pipe = make_pipeline(
        StandardScaler(),
        Incremental(SGDClassifier(random_state=0), shuffle_blocks=False),
    )
    pipe.fit(Xd, yd)
    scaled = SkStandardScaler().fit_transform(X)
    expected = manual_loop(
        SGDClassifier(random_state=0), scaled, y, [range(N_BLOCKS)], classes=[0, 1]
    )
    np.testing.assert_allclose(pipe[-1].estimator_.coef_, expected.coef_, rtol=1e-8)
    with count_computes() as counter:
        prediction = pipe.predict(Xd)
    assert counter.count == 0
    assert prediction.chunks == Xd.chunks[:1]


def test_read_ahead_is_bounded_and_overlaps(data):
    X, y = data
    events, changed = [], threading.Condition()

    def logged(block, block_info=None):
        with changed:
            events.append("read")
            changed.notify_all()
        return block

    class Logger(ClassifierMixin, BaseEstimator):
        """Waits (briefly) inside partial_fit for the next block's read to start."""

        def partial_fit(self, X, y, classes=None):
            with changed:
                events.append("fit")
                fits = events.count("fit")
                if scalearn.get_config()["read_ahead"]:
                    changed.wait_for(
                        lambda: events.count("read") > fits or fits == N_BLOCKS,
                        timeout=1,
                    )
                events.append("done")
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, X):
            return np.zeros(len(X), dtype=int)

    Xd = da.from_array(X, chunks=(BLOCK, 5)).map_blocks(
        logged, dtype=X.dtype, name="logged"
    )
    yd = da.from_array(y, chunks=BLOCK)
    for read_ahead in (0, 1, 3):
        events.clear()
        with scalearn.config_context(read_ahead=read_ahead):
            Incremental(Logger(), shuffle_blocks=False).fit(Xd, yd, classes=[0, 1])
        reads = done = held = 0
        read_before_done = []  # at each fit's end: was a later block already read?
        for kind in events:
            reads += kind == "read"
            done += kind == "done"
            held = max(held, reads - done)
            if kind == "done" and done < N_BLOCKS:
                read_before_done.append(reads > done)
        # Blocks held: the one partial_fit works on plus those read ahead.
        assert held <= read_ahead + 1, (read_ahead, events)
        assert reads == done == N_BLOCKS
        # With read-ahead the next block is read while partial_fit runs; without
        # it, each block is read only once the previous fit is over.
        assert all(read_before_done) if read_ahead else not any(read_before_done)


def test_errors_are_clear(data):
    X, y = data
    with pytest.raises(
        ValueError, match=r"'estimator' parameter of Incremental.*partial_fit"
    ):
        Incremental(PCA()).fit(X, y)
    with pytest.raises(ValueError, match=r"Step 'pca' \(PCA\) must see all the data"):
        Incremental(make_pipeline(PCA(), SGDClassifier())).fit(X, y)
    for param, value in [
        ("max_epochs", 0),
        ("validation_fraction", 1.5),
        ("n_iter_no_change", 0),
        ("tol", -1),
        ("pipeline_fit", "zigzag"),
        ("shuffle_rows", "yes"),
    ]:
        with pytest.raises(ValueError, match=f"'{param}' parameter of Incremental"):
            Incremental(SGDClassifier(), **{param: value}).fit(X, y)
    Xd, yd = dask_xy(X, y)
    with pytest.raises(ValueError, match="X has 2000 rows but y has 1000"):
        Incremental(SGDClassifier()).fit(Xd, yd[:1000])
    inc = Incremental(SGDClassifier()).fit(Xd, yd)
    with pytest.raises(ValueError, match="X has 3 features"):
        inc.partial_fit(Xd[:, :3], yd)


def test_unknown_block_lengths_checked_when_asked(data, to_container):
    X, y = data
    Xd, yd = to_container(X, y, "dask_frame", chunk_rows=BLOCK)
    Xa, ya = Xd.to_dask_array(), yd.to_dask_array()
    inc = Incremental(SGDClassifier(random_state=0), assume_equal_chunks=False)
    inc.fit(Xa, ya)
    assert inc.history_[0]["n_samples"] == len(X)
    with pytest.raises(ValueError, match="blocks of X have"):
        Incremental(SGDClassifier(), assume_equal_chunks=False).fit(Xa, _misaligned(y))


def _misaligned(values):
    """A y with the same number of blocks as X but other lengths, all hidden."""
    sizes = [BLOCK + 10] + [BLOCK] * (N_BLOCKS - 2) + [BLOCK - 10]
    parts = np.split(values, np.cumsum(sizes)[:-1])
    return da.concatenate(
        [
            da.from_delayed(dask.delayed(p), shape=(np.nan,), dtype=values.dtype)
            for p in parts
        ]
    )


def test_progress_bar_when_enabled(data, capsys):
    X, y = data
    with scalearn.config_context(progress_bar=True):
        Incremental(SGDClassifier(random_state=0), max_epochs=2).fit(*dask_xy(X, y))
    err = capsys.readouterr().err
    assert "SGDClassifier" in err
    assert f"{2 * N_BLOCKS}/{2 * N_BLOCKS}" in err


def test_columns_of_one_parquet_read_stay_aligned(data, tmp_path):
    """dask fuses a parquet read's partitions by how many columns are kept."""
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde")).assign(target=y)
    dd.from_pandas(frame, npartitions=N_BLOCKS).to_parquet(tmp_path, write_index=False)
    stored = dd.read_parquet(tmp_path, filesystem="arrow")
    features, target = stored[["a", "b"]], stored["target"]
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False)
    inc.fit(features, target)
    assert inc.history_[0]["n_blocks"] == features.npartitions
    model = SGDClassifier(random_state=0)
    for i in range(stored.npartitions):  # in dask's file order, whatever it is
        part = stored.partitions[i].compute()
        model.partial_fit(part[["a", "b"]], part["target"], classes=[0, 1])
    np.testing.assert_array_equal(inc.estimator_.coef_, model.coef_)
    proba = ParallelPostFit(SGDClassifier(loss="log_loss")).fit(frame[["a", "b"]], y)
    written = tmp_path / "proba"
    proba.predict_proba(features).to_parquet(written)  # string column names
    assert len(dd.read_parquet(written, filesystem="arrow")) == len(X)


def test_progressive_score_uses_a_bounded_sample_of_large_blocks():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60_000, 3))
    y = (X[:, 0] + rng.normal(size=len(X)) > 0).astype(np.int64)
    Xd, yd = da.from_array(X, chunks=(30_000, 3)), da.from_array(y, chunks=30_000)
    inc = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False).fit(Xd, yd)
    model = SGDClassifier(random_state=0).partial_fit(
        X[:30_000], y[:30_000], classes=[0, 1]
    )
    sample = slice(30_000, None, 3)  # 30,000 rows scored on every third: 10,000
    assert inc.history_[0]["train_score"] == pytest.approx(
        model.score(X[sample], y[sample])
    )


class _Recorder(ClassifierMixin, BaseEstimator):
    """Records what each partial_fit call receives, and its own shuffle setting."""

    def __init__(self, shuffle=True):
        self.shuffle = shuffle

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        calls = getattr(self, "calls_", [])
        rows = np.asarray(X).copy()
        calls.append((rows, np.asarray(y).copy(), sample_weight, self.shuffle))
        self.calls_ = calls
        self.classes_ = np.asarray(classes)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def _row_key(x, y, w):
    return sorted(zip(map(tuple, x), y.tolist(), w.tolist(), strict=True))


def test_shuffle_rows_permutes_each_block_on_the_reader(data, scheduler):
    X, y = data
    weights = np.arange(len(y), dtype=float)  # tells each row apart
    Xd, yd = dask_xy(X, y)
    wd = da.from_array(weights, chunks=BLOCK)

    def fit(random_state):
        inc = Incremental(
            _Recorder(), shuffle_blocks=False, max_epochs=2,
            random_state=random_state, shuffle_rows=True,
        )  # fmt: skip
        return inc.fit(Xd, yd, classes=[0, 1], sample_weight=wd)

    inc = fit(3)
    calls = inc.estimator_.calls_
    assert len(calls) == 2 * N_BLOCKS
    # The estimator's own shuffle is off while training, and set back after.
    assert [call[3] for call in calls] == [False] * len(calls)
    assert inc.estimator_.shuffle is True
    assert inc.estimator.shuffle is True
    assert not hasattr(inc.estimator, "calls_")
    for k, (x, yb, w, _) in enumerate(calls):
        i = k % N_BLOCKS
        rows = slice(i * BLOCK, (i + 1) * BLOCK)
        # The block's rows, each with its own label and weight, in a new order.
        assert _row_key(x, yb, w) == _row_key(X[rows], y[rows], weights[rows])
        assert not np.array_equal(w, weights[rows])
        np.testing.assert_array_equal(x, X[w.astype(int)])
    first, second = calls[0][2], calls[N_BLOCKS][2]
    assert not np.array_equal(first, second)  # a new order each epoch
    again = fit(3).estimator_.calls_
    assert all(
        np.array_equal(a[2], b[2]) for a, b in zip(calls, again, strict=True)
    )  # reproducible from random_state
    assert not np.array_equal(fit(4).estimator_.calls_[0][2], first)


def test_shuffle_rows_in_a_pipeline_and_on_dataframes(data, to_container):
    X, y = data
    Xd, yd = to_container(X, y, "dask_frame", chunk_rows=BLOCK)
    pipe = make_pipeline(FunctionTransformer(), _Recorder())
    inc = Incremental(pipe, shuffle_blocks=False, shuffle_rows=True, random_state=0)
    inc.fit(Xd, yd, _recorder__classes=[0, 1])
    recorder = inc.estimator_[-1]
    assert recorder.shuffle is True
    assert {call[3] for call in recorder.calls_} == {False}
    x, yb, _, _ = recorder.calls_[0]
    assert not np.array_equal(x, X[:BLOCK])
    # Each row still has its own label: find the rows by their first feature.
    where = {value: i for i, value in enumerate(X[:BLOCK, 0])}
    rows = [where[value] for value in x[:, 0]]
    assert sorted(rows) == list(range(BLOCK))
    np.testing.assert_array_equal(x, X[rows])
    np.testing.assert_array_equal(yb, y[rows])


def test_shuffle_rows_trains_as_well_as_the_estimators_own_shuffle(data):
    X, y = data
    Xd, yd = dask_xy(X, y)
    scores = {}
    for shuffle_rows in (False, True):
        inc = Incremental(
            SGDClassifier(random_state=0), max_epochs=3, random_state=0,
            shuffle_rows=shuffle_rows,
        )  # fmt: skip
        inc.fit(Xd, yd, classes=[0, 1])
        assert inc.estimator_.shuffle is True
        scores[shuffle_rows] = inc.score(X, y)
    assert scores[True] > 0.8
    assert abs(scores[True] - scores[False]) < 0.03


class _ConfigRecorder(_Recorder):
    """Records scikit-learn's assume_finite setting during each partial_fit."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        seen = getattr(self, "assume_finite_", [])
        self.assume_finite_ = [*seen, sklearn.get_config()["assume_finite"]]
        return super().partial_fit(X, y, classes, sample_weight)


def test_reader_checks_finiteness_so_partial_fit_need_not(data, scheduler):
    X, y = data
    Xd, yd = dask_xy(X, y)
    inc = Incremental(_ConfigRecorder(), shuffle_blocks=False).fit(Xd, yd)
    assert inc.estimator_.assume_finite_ == [True] * N_BLOCKS
    assert sklearn.get_config()["assume_finite"] is False
    # A Pipeline's steps check their own input: a transform may create NaN.
    pipe = make_pipeline(FunctionTransformer(), _ConfigRecorder())
    inc = Incremental(pipe, shuffle_blocks=False).fit(Xd, yd)
    assert inc.estimator_[-1].assume_finite_ == [False] * N_BLOCKS


@pytest.mark.parametrize("shuffle_rows", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_a_block_is_a_clear_error(data, shuffle_rows, bad):
    X, y = data
    X = X.copy()
    X[3 * BLOCK + 7, 1] = bad
    inc = Incremental(SGDClassifier(), shuffle_blocks=False, shuffle_rows=shuffle_rows)
    with pytest.raises(
        ValueError, match=r"Incremental.fit: block 3 of the data: Input X contains"
    ):
        inc.fit(*dask_xy(X, y), classes=[0, 1])
    weights = np.ones(len(y))
    weights[5] = np.nan
    with pytest.raises(ValueError, match=r"block 0 .*sample_weight contains NaN"):
        inc.fit(
            *dask_xy(np.asarray(data[0]), y),
            classes=[0, 1],
            sample_weight=da.from_array(weights, chunks=BLOCK),
        )


def test_estimators_that_accept_nan_still_get_it(data):
    class NanRecorder(_Recorder):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.allow_nan = True
            return tags

    X, y = data
    X = X.copy()
    X[10, 0] = np.nan
    inc = Incremental(NanRecorder(), shuffle_blocks=False).fit(*dask_xy(X, y))
    assert np.isnan(inc.estimator_.calls_[0][0][10, 0])
    X[20, 0] = np.inf
    with pytest.raises(ValueError, match="block 0 of the data: Input X contains inf"):
        Incremental(NanRecorder(), shuffle_blocks=False).fit(*dask_xy(X, y))
