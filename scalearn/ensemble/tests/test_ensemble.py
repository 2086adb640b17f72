import dask.array as da
import dask.dataframe as dd
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.ensemble import (
    BlockwiseVotingClassifier,
    BlockwiseVotingRegressor,
    ModelAveraging,
)
from scalearn.ensemble._averaging import average_models


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=1_200, n_features=6, n_classes=3, n_informative=4, random_state=0
    )
    return X, y


def blocks_of(X, y, size):
    return [(X[i : i + size], y[i : i + size]) for i in range(0, len(X), size)]


@pytest.mark.parametrize("voting", ["hard", "soft"])
@pytest.mark.parametrize("kind", ["dask_array", "dask_frame"])
def test_voting_classifier_votes_of_the_block_models(
    classification, voting, kind, to_container
):
    X, y = classification
    Xc, yc = to_container(X, y, kind, chunk_rows=400)
    model = BlockwiseVotingClassifier(LogisticRegression(), voting=voting).fit(Xc, yc)
    expected = [LogisticRegression().fit(x, t) for x, t in blocks_of(X, y, 400)]
    assert len(model.estimators_) == 3
    for ours, theirs in zip(model.estimators_, expected, strict=True):
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6)
    if voting == "soft":
        proba = np.mean([m.predict_proba(X) for m in expected], axis=0)
        np.testing.assert_allclose(
            np.asarray(model.predict_proba(Xc).compute()), proba, rtol=1e-6
        )
        wanted = proba.argmax(1)
    else:
        votes = np.stack([m.predict(X) for m in expected], 1)
        wanted = np.array([np.bincount(v, minlength=3).argmax() for v in votes])
    predictions = model.predict(Xc)
    assert isinstance(predictions, da.Array | dd.Series)
    np.testing.assert_array_equal(np.asarray(predictions.compute()), wanted)
    assert model.score(Xc, yc) == pytest.approx((wanted == y).mean())


def test_voting_classifier_classes_and_errors(classification):
    X, y = classification
    Xd, yd = da.from_array(X, chunks=400), da.from_array(y, chunks=400)
    model = BlockwiseVotingClassifier(LogisticRegression(), classes=[0, 1, 2, 3])
    np.testing.assert_array_equal(model.fit(Xd, yd).classes_, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="'voting' parameter of"):
        BlockwiseVotingClassifier(LogisticRegression(), voting="x").fit(Xd, yd)
    with pytest.raises(AttributeError, match="no attribute 'predict_proba'"):
        BlockwiseVotingClassifier(LogisticRegression()).fit(Xd, yd).predict_proba(Xd)


def test_voting_regressor_averages_block_models(count_computes):
    X, y = make_regression(n_samples=900, n_features=5, noise=1.0, random_state=0)
    Xd, yd = da.from_array(X, chunks=300), da.from_array(y, chunks=300)
    with count_computes() as counter:
        model = BlockwiseVotingRegressor(LinearRegression()).fit(Xd, yd)
        predictions = model.predict(Xd)
    assert counter.count == 1
    assert predictions.chunks == ((300, 300, 300),)
    expected = np.mean(
        [LinearRegression().fit(x, t).predict(X) for x, t in blocks_of(X, y, 300)],
        axis=0,
    )
    np.testing.assert_allclose(predictions.compute(), expected, rtol=1e-9)
    assert model.score(Xd, yd) > 0.99


def test_averaging_is_the_mean_of_copies_trained_on_their_blocks(classification):
    X, y = classification
    y = (y > 0).astype(int)
    Xd, yd = da.from_array(X, chunks=300), da.from_array(y, chunks=300)
    base = SGDClassifier(random_state=0, tol=None)
    model = ModelAveraging(base, max_epochs=1, n_models=2, shuffle_blocks=False)
    model.fit(Xd, yd)
    copies = []
    for share in ([0, 1], [2, 3]):
        copy = clone(base)
        for i in share:
            copy.partial_fit(
                X[300 * i : 300 * (i + 1)], y[300 * i : 300 * (i + 1)], classes=[0, 1]
            )
        copies.append(copy)
    np.testing.assert_allclose(
        model.estimator_.coef_, (copies[0].coef_ + copies[1].coef_) / 2, rtol=1e-12
    )
    np.testing.assert_allclose(
        model.estimator_.intercept_,
        (copies[0].intercept_ + copies[1].intercept_) / 2,
        rtol=1e-12,
    )
    assert model.n_models_ == 2


def test_averaging_is_one_compute_per_epoch_and_learns(count_computes):
    X, y = make_classification(n_samples=4_000, n_features=10, random_state=1)
    Xd, yd = da.from_array(X[:3_000], chunks=250), da.from_array(y[:3_000], chunks=250)
    model = ModelAveraging(
        SGDClassifier(random_state=0, tol=None),
        max_epochs=4,
        n_models=2,
        random_state=0,
    )
    with count_computes() as counter:
        model.fit(Xd, yd, classes=[0, 1])
    assert counter.count == 4
    single = SGDClassifier(random_state=0, tol=None)
    for _ in range(4):
        for x, t in blocks_of(X[:3_000], y[:3_000], 250):
            single.partial_fit(x, t, classes=[0, 1])
    ours = model.score(X[3_000:], y[3_000:])
    assert ours >= single.score(X[3_000:], y[3_000:]) - 0.03
    predictions = model.predict(da.from_array(X[3_000:], chunks=500))
    assert predictions.chunks == ((500, 500),)


def test_average_models_weights_by_rows():
    a, b = SGDClassifier(), SGDClassifier()
    for model, value in ((a, 1.0), (b, 4.0)):
        model.coef_, model.intercept_, model.t_ = np.full((1, 2), value), [value], 1.0
    merged = average_models([(a, 300), (b, 100)])
    np.testing.assert_allclose(merged.coef_, [[1.75, 1.75]])
    np.testing.assert_allclose(merged.intercept_, [1.75])


@parametrize_with_checks(
    [
        BlockwiseVotingClassifier(LogisticRegression()),
        BlockwiseVotingRegressor(LinearRegression()),
        ModelAveraging(
            SGDClassifier(random_state=0), max_epochs=3, n_models=2, random_state=0
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
