import dask.array as da
import numpy as np
import pytest
from sklearn import metrics as sk_metrics

from scalearn import metrics
from scalearn.metrics.tests._inputs import KINDS, as_kind

N = 600


@pytest.fixture(scope="module")
def labels():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, N)
    # Right two times in three, so that every score is informative.
    y_pred = np.where(rng.random(N) < 0.66, y_true, rng.integers(0, 3, N))
    weights = rng.random(N) * 3
    return y_true, y_pred, weights


def binary(y):
    return (y == 2).astype(np.int64)


# name, scikit-learn's arguments, whether the labels are made binary
CASES = [
    ("accuracy_score", {}, False),
    ("accuracy_score", {"normalize": False}, False),
    ("precision_score", {}, True),
    ("recall_score", {"pos_label": 0}, True),
    ("f1_score", {"average": "macro"}, False),
    ("f1_score", {"average": "micro"}, False),
    ("f1_score", {"average": "weighted"}, False),
    ("precision_score", {"average": None}, False),
    ("recall_score", {"average": None, "labels": [2, 0]}, False),
    ("fbeta_score", {"beta": 2, "average": "macro"}, False),
    ("confusion_matrix", {}, False),
    ("confusion_matrix", {"normalize": "true"}, False),
    ("confusion_matrix", {"labels": [2, 1]}, False),
    ("precision_recall_fscore_support", {}, False),
    ("precision_recall_fscore_support", {"average": "macro"}, False),
]


def assert_same(ours, theirs):
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_same(a, b)
        return
    if theirs is None:
        assert ours is None
        return
    assert type(ours) is type(theirs)
    theirs = np.asarray(theirs)
    assert np.asarray(ours).dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("name", "kwargs", "make_binary"), CASES)
def test_label_metrics_equal_sklearn(labels, kind, weighted, name, kwargs, make_binary):
    y_true, y_pred, weights = labels
    if make_binary:
        y_true, y_pred = binary(y_true), binary(y_pred)
    weights = weights if weighted else None
    expected = getattr(sk_metrics, name)(
        y_true, y_pred, sample_weight=weights, **kwargs
    )
    t, p, w = as_kind(kind, y_true, y_pred, weights)
    assert_same(getattr(metrics, name)(t, p, sample_weight=w, **kwargs), expected)


def test_string_labels_and_multilabel_indicators(labels):
    y_true, y_pred, _ = labels
    names = np.array(["cat", "dog", "emu"], dtype=object)
    t, p = as_kind("dask_frame", names[y_true], names[y_pred])
    assert metrics.f1_score(t, p, average="macro") == sk_metrics.f1_score(
        names[y_true], names[y_pred], average="macro"
    )
    np.testing.assert_array_equal(
        metrics.precision_score(t, p, labels=["emu", "dog"], average=None),
        sk_metrics.precision_score(
            names[y_true], names[y_pred], labels=["emu", "dog"], average=None
        ),
    )
    rng = np.random.default_rng(1)
    indicator_true = rng.integers(0, 2, (N, 3))
    indicator_pred = np.where(
        rng.random((N, 3)) < 0.8, indicator_true, 1 - indicator_true
    )
    t, p = as_kind("dask_array", indicator_true, indicator_pred)
    for name, kwargs in [
        ("accuracy_score", {}),
        ("f1_score", {"average": "samples", "zero_division": 0}),
    ]:
        assert getattr(metrics, name)(t, p, **kwargs) == pytest.approx(
            getattr(sk_metrics, name)(indicator_true, indicator_pred, **kwargs),
            rel=1e-12,
        )


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, N)
    logits = rng.normal(size=(N, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # Ties between rows, as rounded scores have.
    proba = np.round(proba, 2)
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba, rng.random(N)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_fpr": 0.3},
        {"multi_class": "ovr"},
        {"multi_class": "ovo", "average": "weighted"},
        {"multi_class": "ovr", "average": None},
    ],
)
def test_roc_auc_equals_sklearn(scores, kind, weighted, kwargs):
    y, proba, weights = scores
    if "multi_class" not in kwargs:
        y, proba = binary(y), proba[:, 2]
    weights = weights if weighted else None
    if weighted and kwargs.get("multi_class") == "ovo":
        # scikit-learn refuses weights for one-vs-one, and so do we.
        t, p, w = as_kind(kind, y, proba, weights)
        with pytest.raises(ValueError, match="sample_weight is not supported"):
            metrics.roc_auc_score(t, p, sample_weight=w, **kwargs)
        return
    expected = sk_metrics.roc_auc_score(y, proba, sample_weight=weights, **kwargs)
    t, p, w = as_kind(kind, y, proba, weights)
    ours = metrics.roc_auc_score(t, p, sample_weight=w, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert type(ours) is type(expected)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "kwargs", [{}, {"normalize": False}, {"labels": [0, 1, 2, 3]}, {"weighted": True}]
)
def test_log_loss_equals_sklearn(scores, kind, kwargs):
    y, proba, weights = scores
    kwargs = dict(kwargs)
    weights = weights if kwargs.pop("weighted", False) else None
    if "labels" in kwargs:  # a class that never occurs
        proba = np.column_stack([proba * 0.9, np.full(N, 0.1)])
    expected = sk_metrics.log_loss(y, proba, sample_weight=weights, **kwargs)
    t, p, w = as_kind(kind, y, proba, weights)
    ours = metrics.log_loss(t, p, sample_weight=w, **kwargs)
    if kind not in ("numpy", "pandas"):
        assert isinstance(ours, da.Array)  # lazy, as dask-ml's
        ours = ours.compute()
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    # The positive-class column alone, for a binary problem.
    t, p = as_kind(kind, binary(y), proba[:, 2])
    ours = metrics.log_loss(t, p, compute=True)
    np.testing.assert_allclose(
        ours, sk_metrics.log_loss(binary(y), proba[:, 2]), rtol=1e-12
    )


def test_log_loss_checks_like_sklearn(scores):
    y, proba, _ = scores
    t, p = as_kind("dask_array", y, proba[:, :2])
    with pytest.raises(ValueError, match="different number of classes: 3 vs 2"):
        metrics.log_loss(t, p, compute=True)
    t, p = as_kind("dask_array", np.zeros(N, int), proba[:, 2])
    with pytest.raises(ValueError, match="y_true contains only one label"):
        metrics.log_loss(t, p, compute=True)
    t, p = as_kind("dask_array", y, proba * 1.5)
    with pytest.raises(ValueError, match="y_prob contains values greater than 1"):
        metrics.log_loss(t, p, compute=True)
    t, p = as_kind("dask_array", y, proba * 0.5)
    with pytest.warns(UserWarning, match="do not sum to one"):
        metrics.log_loss(t, p, compute=True)


def test_one_pass_and_laziness(labels, count_computes):
    y_true, y_pred, weights = labels
    t, p, w = as_kind("dask_array", y_true, y_pred, weights)
    with count_computes() as counter:
        lazy = metrics.accuracy_score(t, p, sample_weight=w, compute=False)
        matrix = metrics.confusion_matrix(t, p, compute=False)
    assert counter.count == 0
    assert isinstance(lazy, da.Array)
    assert lazy.shape == ()
    assert isinstance(matrix, da.Array)
    assert matrix.dtype == np.int64
    with count_computes() as counter:
        value = metrics.f1_score(t, p, average="macro", sample_weight=w)
    assert counter.count == 1
    assert value == pytest.approx(
        sk_metrics.f1_score(y_true, y_pred, average="macro", sample_weight=weights),
        rel=1e-12,
    )
    np.testing.assert_array_equal(
        matrix.compute(), sk_metrics.confusion_matrix(y_true, y_pred)
    )


def test_results_on_every_scheduler(labels, scheduler):
    y_true, y_pred, weights = labels
    t, p, w = as_kind("dask_frame", y_true, y_pred, weights)
    assert metrics.recall_score(
        t, p, average="weighted", sample_weight=w
    ) == pytest.approx(
        sk_metrics.recall_score(
            y_true, y_pred, average="weighted", sample_weight=weights
        ),
        rel=1e-12,
    )


def test_mismatched_inputs_fail_clearly(labels):
    y_true, y_pred, _ = labels
    with pytest.raises(ValueError, match="X has 600 rows but y has 599"):
        metrics.accuracy_score(da.from_array(y_true, chunks=100), y_pred[:-1])
    # Hidden lengths, same number of partitions, different rows.
    t = as_kind("dask_frame", y_true)[0]
    p = as_kind("dask_frame", y_pred[:-50], chunk_rows=85)[0]
    assert t.npartitions == p.npartitions
    with pytest.raises(ValueError, match="a row block of the inputs differs in length"):
        metrics.accuracy_score(t, p)
    with pytest.raises(ValueError, match="Mix of label input types"):
        metrics.accuracy_score(
            da.from_array(y_true, chunks=100),
            da.from_array(y_pred.astype(str).astype(object), chunks=100),
        )


def test_dask_ml_agrees_where_it_is_right(labels):
    dask_ml_metrics = pytest.importorskip("dask_ml.metrics")
    y_true, y_pred, weights = labels
    t, p, w = as_kind("dask_array", y_true, y_pred, weights)
    assert metrics.accuracy_score(t, p, sample_weight=w) == pytest.approx(
        dask_ml_metrics.accuracy_score(t, p, sample_weight=w), rel=1e-12
    )
