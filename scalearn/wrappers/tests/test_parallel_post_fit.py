import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier
from sklearn.metrics import get_scorer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from scalearn.preprocessing import StandardScaler
from scalearn.wrappers import ParallelPostFit

CONTAINERS = ["numpy", "pandas", "dask_array", "dask_frame"]
CLASSIFIER_METHODS = [
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
]


@pytest.fixture
def fitted(classification_data):
    X, y = classification_data
    return ParallelPostFit(LogisticRegression()).fit(X, y), X, y


@pytest.mark.parametrize("method", CLASSIFIER_METHODS)
@pytest.mark.parametrize("kind", CONTAINERS)
def test_methods_match_sklearn_on_every_container(
    classification_data, to_container, kind, method
):
    X, y = classification_data
    Xc, yc = to_container(X, y, kind)
    wrapper = ParallelPostFit(LogisticRegression()).fit(Xc, yc)
    in_memory = "pandas" if kind in ("pandas", "dask_frame") else "numpy"
    Xm, ym = to_container(X, y, in_memory)
    expected = getattr(LogisticRegression().fit(Xm, ym), method)(Xm)
    result = getattr(wrapper, method)(Xc)
    if kind == "dask_array":
        assert isinstance(result, da.Array)
        assert result.chunks[0] == Xc.chunks[0]
    if kind == "dask_frame":
        assert isinstance(result, dd.DataFrame | dd.Series)
    computed = result.compute() if hasattr(result, "compute") else result
    np.testing.assert_allclose(np.asarray(computed), expected, rtol=1e-12)


def test_dask_frame_predict_is_a_series_on_the_input_index(
    classification_data, to_container
):
    X, y = classification_data
    Xd, yd = to_container(X, y, "dask_frame")
    wrapper = ParallelPostFit(LogisticRegression()).fit(Xd, yd)
    prediction = wrapper.predict(Xd)
    assert isinstance(prediction, dd.Series)
    assert prediction.npartitions == Xd.npartitions
    assert prediction.name == "prediction"
    assert prediction.dtype == np.int64
    computed = prediction.compute()
    pd.testing.assert_index_equal(computed.index, Xd.index.compute())
    proba = wrapper.predict_proba(Xd)
    assert list(proba.columns) == ["0", "1"]
    assert proba.compute().shape == (len(X), 2)


def test_transform_meta_has_the_true_number_of_columns(
    classification_data, to_container
):
    X, y = classification_data
    for kind in ("dask_array", "dask_frame"):
        Xc, _ = to_container(X, y, kind)
        pca = ParallelPostFit(PCA(n_components=2)).fit(X)
        out = pca.transform(Xc if kind == "dask_array" else Xc.to_dask_array())
        assert out.shape[1] == 2
        assert out.chunks[1] == (2,)
    Xd, _ = to_container(X, y, "dask_frame")
    pca = ParallelPostFit(PCA(n_components=2)).fit(Xd.compute())
    frame = pca.transform(Xd)
    assert list(frame.columns) == ["pca0", "pca1"]
    np.testing.assert_allclose(
        frame.compute().to_numpy(), pca.estimator_.transform(Xd.compute()), rtol=1e-12
    )


def test_set_output_pandas_is_honoured(classification_data, to_container):
    X, y = classification_data
    Xp, _ = to_container(X, y, "pandas")
    Xd, _ = to_container(X, y, "dask_frame")
    Xa, _ = to_container(X, y, "dask_array")
    wrapper = ParallelPostFit(SkStandardScaler()).set_output(transform="pandas")
    wrapper.fit(Xp)
    assert isinstance(wrapper.transform(Xp), pd.DataFrame)
    frame = wrapper.transform(Xd)
    assert isinstance(frame, dd.DataFrame)
    assert list(frame.columns) == list(Xp.columns)
    wrapper_array = (
        ParallelPostFit(SkStandardScaler()).set_output(transform="pandas").fit(X)
    )
    from_array = wrapper_array.transform(Xa)
    assert isinstance(from_array, dd.DataFrame)
    computed = from_array.compute()
    pd.testing.assert_index_equal(computed.index, pd.RangeIndex(len(X)))
    np.testing.assert_allclose(computed.to_numpy(), SkStandardScaler().fit_transform(X))


def test_sparse_transform_on_dask_frame_gives_sparse_blocks():
    frame = pd.DataFrame({"c": list("xyzx") * 25})
    encoder = ParallelPostFit(OneHotEncoder()).fit(frame)
    out = encoder.transform(dd.from_pandas(frame, npartitions=3))
    assert isinstance(out, da.Array)
    assert out.shape[1] == 3
    computed = out.compute()
    np.testing.assert_array_equal(
        computed.toarray(), encoder.estimator_.transform(frame).toarray()
    )


def test_post_fit_methods_compute_nothing(fitted, count_computes):
    wrapper, X, _ = fitted
    Xd = da.from_array(X, chunks=100)
    with count_computes() as counter:
        for method in CLASSIFIER_METHODS:
            getattr(wrapper, method)(Xd)
    assert counter.count == 0


def test_meta_can_be_overridden(fitted):
    wrapper, X, _ = fitted
    wrapper.set_params(predict_meta=np.array([], dtype=np.float32))
    wrapper.fit(X, fitted[2])
    result = wrapper.predict(da.from_array(X, chunks=100))
    assert result.dtype == np.float32


def test_meta_inference_falls_back_to_real_rows_and_then_asks_for_meta():
    frame = pd.DataFrame({"c": list("pq") * 10})
    strict = ParallelPostFit(OneHotEncoder(handle_unknown="error", sparse_output=False))
    strict.fit(frame)
    ddf = dd.from_pandas(frame, npartitions=2)
    out = strict.transform(ddf)  # the made-up stand-in is refused, real rows work
    assert list(out.columns) == ["c_p", "c_q"]
    bad = dd.from_pandas(pd.DataFrame({"c": list("zz")}), npartitions=1)
    with pytest.raises(ValueError, match="transform_meta="):
        strict.transform(bad)


@pytest.mark.parametrize("scoring", [None, "accuracy", "roc_auc", "neg_log_loss", "f1"])
@pytest.mark.parametrize("kind", ["dask_array", "dask_frame"])
def test_score_matches_sklearn_with_every_scorer(
    classification_data, to_container, kind, scoring
):
    X, y = classification_data
    Xc, yc = to_container(X, y, kind)
    wrapper = ParallelPostFit(LogisticRegression(), scoring=scoring).fit(Xc, yc)
    plain = LogisticRegression().fit(X, y)
    expected = (
        plain.score(X, y) if scoring is None else get_scorer(scoring)(plain, X, y)
    )
    assert wrapper.score(Xc, yc) == pytest.approx(expected, rel=1e-12)


def test_r2_score_on_dask_arrays(classification_data):
    X, _ = classification_data
    target = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1
    wrapper = ParallelPostFit(LinearRegression(), scoring="r2").fit(X, target)
    Xd, yd = da.from_array(X, chunks=300), da.from_array(target, chunks=300)
    assert wrapper.score(Xd, yd) == pytest.approx(
        LinearRegression().fit(X, target).score(X, target)
    )
    default = ParallelPostFit(LinearRegression()).fit(X, target)
    assert default.score(Xd, yd) == pytest.approx(wrapper.score(X, target))


def test_score_uses_one_compute_per_pass(fitted, count_computes):
    wrapper, X, y = fitted
    Xd, yd = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    wrapper.set_params(scoring="roc_auc")
    with count_computes() as counter:
        wrapper.score(Xd, yd)
    assert counter.count == 1


def test_score_with_sample_weight(fitted):
    wrapper, X, y = fitted
    weights = np.linspace(0.1, 1, len(y))
    expected = wrapper.estimator_.score(X, y, sample_weight=weights)
    Xd, yd, wd = (da.from_array(a, chunks=100) for a in (X, y, weights))
    assert wrapper.score(Xd, yd, sample_weight=wd) == pytest.approx(expected)


def test_clusterer_default_score_falls_back_to_its_own(classification_data):
    X, _ = classification_data
    wrapper = ParallelPostFit(KMeans(n_clusters=3, n_init=2, random_state=0)).fit(X)
    Xd = da.from_array(X, chunks=250)
    assert wrapper.score(Xd, None) == pytest.approx(wrapper.estimator_.score(X))
    np.testing.assert_array_equal(
        wrapper.predict(Xd).compute(), wrapper.estimator_.predict(X)
    )


def test_fit_clones_and_never_mutates_the_estimator(classification_data):
    X, y = classification_data
    estimator = LogisticRegression(C=0.5)
    before = clone(estimator).get_params()
    wrapper = ParallelPostFit(estimator).fit(X, y)
    assert wrapper.estimator_ is not estimator
    assert not hasattr(estimator, "coef_")
    assert estimator.get_params() == before


def test_fit_on_dask_input_computes_once(classification_data, count_computes):
    X, y = classification_data
    Xd, yd = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    with count_computes() as counter:
        wrapper = ParallelPostFit(LogisticRegression()).fit(Xd, yd)
    assert counter.count == 1
    np.testing.assert_allclose(
        wrapper.estimator_.coef_, LogisticRegression().fit(X, y).coef_
    )


def test_delegated_attributes(fitted):
    wrapper, X, _ = fitted
    np.testing.assert_array_equal(wrapper.classes_, [0, 1])
    assert wrapper.n_features_in_ == X.shape[1]
    assert not hasattr(ParallelPostFit(SkStandardScaler()), "predict")
    assert hasattr(ParallelPostFit(SkStandardScaler()), "transform")


def test_works_as_a_pipeline_step_after_a_dask_scaler(
    classification_data, count_computes
):
    X, y = classification_data
    Xd, yd = da.from_array(X, chunks=200), da.from_array(y, chunks=200)
    pipe = make_pipeline(StandardScaler(), ParallelPostFit(LogisticRegression()))
    pipe.fit(Xd, yd)
    with count_computes() as counter:
        proba = pipe.predict_proba(Xd)
    assert counter.count == 0
    assert proba.chunks[0] == Xd.chunks[0]
    plain = make_pipeline(SkStandardScaler(), LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(proba.compute(), plain.predict_proba(X), rtol=1e-6)


def test_wraps_a_whole_pipeline(classification_data, to_container):
    X, y = classification_data
    Xd, yd = to_container(X, y, "dask_frame")
    pipe = make_pipeline(SkStandardScaler(), LogisticRegression())
    wrapper = ParallelPostFit(pipe, scoring="roc_auc").fit(Xd.compute(), yd.compute())
    prediction = wrapper.predict(Xd)
    assert isinstance(prediction, dd.Series)
    plain = clone(pipe).fit(Xd.compute(), yd.compute())
    np.testing.assert_array_equal(
        prediction.compute().to_numpy(), plain.predict(Xd.compute())
    )
    assert 0.5 < wrapper.score(Xd, yd) <= 1


def test_results_equal_on_every_scheduler(fitted, scheduler):
    wrapper, X, y = fitted
    Xd = da.from_array(X, chunks=250)
    proba = wrapper.predict_proba(Xd)
    np.testing.assert_allclose(proba.compute(), wrapper.estimator_.predict_proba(X))
    assert wrapper.score(Xd, da.from_array(y, chunks=250)) == pytest.approx(
        wrapper.estimator_.score(X, y)
    )


def test_unknown_chunk_sizes_are_fine_for_predict(classification_data, to_container):
    X, y = classification_data
    Xd, _ = to_container(X, y, "dask_frame")
    Xa = Xd.to_dask_array()
    wrapper = ParallelPostFit(LogisticRegression()).fit(X, y)
    prediction = wrapper.predict(Xa)
    assert np.isnan(prediction.shape[0])
    np.testing.assert_array_equal(prediction.compute(), wrapper.estimator_.predict(X))


def test_errors_are_clear(fitted):
    wrapper, X, y = fitted
    with pytest.raises(
        ValueError, match=r"'estimator' parameter of ParallelPostFit.*None"
    ):
        ParallelPostFit().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but ParallelPostFit is"):
        wrapper.predict(da.from_array(X[:, :3], chunks=100))
    named = ParallelPostFit(LogisticRegression()).fit(
        pd.DataFrame(X, columns=list("abcd")), y
    )
    swapped = dd.from_pandas(pd.DataFrame(X, columns=list("abdc")), npartitions=2)
    with pytest.raises(ValueError, match="columns"):
        named.predict(swapped)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ParallelPostFit(LogisticRegression()).predict(da.from_array(X, chunks=100))


def test_dask_frame_results_on_every_scheduler(
    classification_data, to_container, scheduler
):
    X, y = classification_data
    Xd, yd = to_container(X, y, "dask_frame")
    wrapper = ParallelPostFit(LogisticRegression()).fit(Xd, yd)
    (prediction,) = dask.compute(wrapper.predict(Xd))
    expected = wrapper.estimator_.predict(Xd.compute())
    np.testing.assert_array_equal(prediction.to_numpy(), expected)


def test_sgd_classifier_decision_function_binary_shape(classification_data):
    X, y = classification_data
    wrapper = ParallelPostFit(SGDClassifier(random_state=0)).fit(X, y)
    out = wrapper.decision_function(da.from_array(X, chunks=300))
    assert out.ndim == 1
    assert out.chunks == ((300, 300, 300, 100),)
