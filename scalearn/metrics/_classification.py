"""Classification metrics in one pass over dask collections.

A classification metric depends on the data only through how often (or with
how much weight) each distinct pair of true label and prediction occurs. One
pass gathers that table, block by block, and scikit-learn's own metric then runs
on the table, one row per distinct pair weighted by its count. The result is
scikit-learn's, with its parameters, checks and warnings; the memory needed is
the number of distinct pairs (labels squared for class predictions; up to one
row per distinct score for ``roc_auc_score``).

``log_loss`` needs no table: per true label, the sums of minus the log of every
probability column, from which the loss follows once the classes are known.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as sk_metrics
from sklearn.preprocessing import LabelBinarizer

from scalearn.metrics._blocks import (
    any_dask,
    as_values,
    check_block_lengths,
    deliver,
    tree_reduce,
)

_WEIGHT, _COUNT = "__weight__", "__count__"


# --- per-block kernels: pure pandas/numpy ------------------------------------------


def _label_columns(prefix: str, values: np.ndarray) -> dict[str, np.ndarray]:
    if values.ndim == 1:
        return {prefix: values}
    return {f"{prefix}{i}": values[:, i] for i in range(values.shape[1])}


def label_pair_counts(
    y_true: Any, y_pred: Any, sample_weight: Any, owner: str
) -> pd.DataFrame:
    """Weight and count of each distinct (y_true, y_pred) row pair in one block.

    Multi-column inputs (label indicators, class scores) make one key column
    per column. Indexed by the key columns, with a weight and a count column.
    """
    t, p, w = as_values(y_true), as_values(y_pred), as_values(sample_weight)
    check_block_lengths(owner, y_true=t, y_pred=p, sample_weight=w)
    weights = None if w is None else w.astype(np.float64).ravel()
    if t.ndim == 1 and p.ndim == 1:
        return _pair_counts_1d(t, p, weights)
    table = pd.DataFrame({**_label_columns("t", t), **_label_columns("p", p)})
    keys = list(table.columns)
    table[_WEIGHT] = 1.0 if weights is None else weights
    table[_COUNT] = 1
    return table.groupby(keys, sort=False, dropna=False)[[_WEIGHT, _COUNT]].sum()


def _codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``labels`` and the label of each code.

    Small integer ranges are their own codes (no hashing); anything else is
    factorized.
    """
    if labels.dtype.kind in "iu" and labels.size:
        low, high = int(labels.min()), int(labels.max())
        if high - low <= 2 * labels.size + 1024:
            return labels - low, np.arange(low, high + 1, dtype=labels.dtype)
    codes, values = pd.factorize(labels, use_na_sentinel=False)
    return codes, np.asarray(values)


def _pair_counts_1d(
    t: np.ndarray, p: np.ndarray, weights: np.ndarray | None
) -> pd.DataFrame:
    """The pair table of 1-D labels by hashing each side once and counting codes

    (several times faster than a two-key groupby)."""
    t_codes, t_values = _codes(t)
    p_codes, p_values = _codes(p)
    pairs = t_codes.astype(np.int64) * len(p_values) + p_codes
    if len(t_values) * len(p_values) > 4 * len(pairs) + 1024:  # many distinct
        codes, pairs = np.unique(pairs, return_inverse=True)
    else:  # few labels: count every possible pair, keep those seen
        codes = None
    size = len(t_values) * len(p_values) if codes is None else len(codes)
    counts = np.bincount(pairs, minlength=size)
    summed = (
        counts.astype(np.float64)
        if weights is None
        else np.bincount(pairs, weights=weights, minlength=size)
    )
    if codes is None:
        codes = np.flatnonzero(counts)
        counts, summed = counts[codes], summed[codes]
    index = pd.MultiIndex.from_arrays(
        [
            t_values[codes // len(p_values)],
            p_values[codes % len(p_values)],
        ]
    )
    return pd.DataFrame({_WEIGHT: summed, _COUNT: counts}, index=index)


def merge_pair_counts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    merged = pd.concat(parts)
    levels = list(range(merged.index.nlevels))
    return merged.groupby(level=levels, sort=False, dropna=False).sum()


def _pairs_as_sample(
    table: pd.DataFrame, true_columns: int, weighted: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The table as a small weighted sample: y_true, y_pred, sample_weight."""
    index = table.index
    columns = [index.get_level_values(i).to_numpy() for i in range(index.nlevels)]

    def stack(cols: list[np.ndarray]) -> np.ndarray:
        return cols[0] if len(cols) == 1 else np.column_stack(cols)

    y_true = stack(columns[:true_columns])
    y_pred = stack(columns[true_columns:])
    # Integer counts when the caller gave no weights, as scikit-learn counts then
    # (a confusion matrix of counts stays integer).
    weights = table[_WEIGHT] if weighted else table[_COUNT]
    return y_true, y_pred, weights.to_numpy()


def _finish_on_pairs(
    table: pd.DataFrame,
    metric: Callable,
    true_columns: int,
    weighted: bool,
    kwargs: dict,
) -> Any:
    y_true, y_pred, weights = _pairs_as_sample(table, true_columns, weighted)
    return metric(y_true, y_pred, sample_weight=weights, **kwargs)


def _n_columns(y: Any) -> int:
    """Columns of a label input: 1 for 1-D, known from metadata for dask."""
    shape = getattr(y, "shape", None)
    if shape is None:
        shape = np.shape(y)
    return 1 if len(shape) == 1 else int(shape[1])


def on_label_pairs(
    metric: Callable,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any,
    compute: bool,
    shape: tuple | None = (),
    dtype: Any = float,
    on_pairs: Callable | None = None,
    **kwargs: Any,
) -> Any:
    """scikit-learn's ``metric``, in one pass over dask input.

    In-memory input goes to ``metric`` directly; ``on_pairs``, when given, is
    what runs on the table instead. With ``compute=False`` the result is a lazy
    dask array of ``shape`` and ``dtype`` (with ``shape=None``, the ``Delayed``).
    """
    if not any_dask(y_true, y_pred, sample_weight):
        return metric(y_true, y_pred, sample_weight=sample_weight, **kwargs)
    owner = metric.__name__
    result = tree_reduce(
        owner,
        [y_true, y_pred, sample_weight],
        label_pair_counts,
        merge_pair_counts,
        _finish_on_pairs,
        kernel_args=(owner,),
        finish_args=(
            on_pairs or metric,
            _n_columns(y_true),
            sample_weight is not None,
            kwargs,
        ),
    )
    return deliver(result, compute, shape, dtype)


# --- log loss -------------------------------------------------------------------------


def log_loss_sums(
    y_true: Any, y_proba: Any, sample_weight: Any, owner: str
) -> tuple[pd.DataFrame, float, float, bool]:
    """Per true label, the weighted sums of -log(p) of every probability column.

    Also the largest and smallest probability and whether every row sums to one,
    for scikit-learn's checks.
    """
    t, p, w = as_values(y_true), as_values(y_proba), as_values(sample_weight)
    check_block_lengths(owner, y_true=t, y_proba=p, sample_weight=w)
    if p.dtype not in (np.float32, np.float64):
        p = p.astype(np.float64)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t.ravel()
    if t.ndim != 1:
        raise ValueError(
            f"{owner}: y_true must be 1-D class labels on dask input; got shape "
            f"{t.shape}. Pass the labels (not a label indicator matrix)."
        )
    highest = float(p.max()) if p.size else -np.inf
    lowest = float(p.min()) if p.size else np.inf
    if p.ndim == 1:
        p = p[:, np.newaxis]
    if p.shape[1] == 1:
        p = np.concatenate([1 - p, p], axis=1)
    eps = np.finfo(p.dtype).eps
    sums_to_one = bool(np.isclose(p.sum(axis=1), 1, rtol=np.sqrt(eps)).all())
    weights = np.ones(len(t)) if w is None else w.astype(np.float64).ravel()
    losses = -np.log(np.clip(p, eps, 1 - eps)).astype(np.float64)
    table = pd.DataFrame(losses * weights[:, np.newaxis])
    table[_WEIGHT] = weights
    table["label"] = t
    return (
        table.groupby("label", sort=False, dropna=False).sum(),
        highest,
        lowest,
        (sums_to_one),
    )


def merge_log_loss_sums(parts: list[tuple]) -> tuple:
    tables, highest, lowest, sums_to_one = zip(*parts, strict=True)
    table = pd.concat(tables).groupby(level=0, sort=False, dropna=False).sum()
    return table, max(highest), min(lowest), all(sums_to_one)


def _finish_log_loss(
    summary: tuple, labels: Any, normalize: bool, proba_is_1d: bool
) -> float:
    table, highest, lowest, sums_to_one = summary
    # scikit-learn's own checks, in its order and words.
    if highest > 1:
        raise ValueError(f"y_prob contains values greater than 1: {highest}")
    if lowest < 0:
        raise ValueError(f"y_prob contains values lower than 0: {lowest}")
    found = table.index.to_numpy()
    n_columns = table.shape[1] - 1
    # The label checks (one label only, labels that do not match the columns...)
    # are scikit-learn's, run on one row per label found.
    stand_in = (
        np.full(len(found), 0.5)
        if proba_is_1d
        else np.full((len(found), n_columns), 1 / n_columns)
    )
    sk_metrics.log_loss(found, stand_in, labels=labels)
    if not sums_to_one:
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    classes = LabelBinarizer().fit(found if labels is None else labels).classes_
    columns = np.searchsorted(classes, found)
    losses = table.drop(columns=_WEIGHT).to_numpy()
    total = losses[np.arange(len(found)), columns].sum()
    return float(total / table[_WEIGHT].sum() if normalize else total)


def log_loss(
    y_true: Any,
    y_proba: Any,
    *,
    normalize: bool = True,
    sample_weight: Any = None,
    labels: Any = None,
    compute: bool = False,
) -> Any:
    """Log loss (cross-entropy), in one pass over dask input.

    scikit-learn's :func:`~sklearn.metrics.log_loss`. On dask input the result
    is a lazy dask scalar, as in dask-ml (``compute=True`` gives the float);
    in-memory input goes to scikit-learn. Probabilities are clipped to
    ``[eps, 1 - eps]`` of their dtype, as scikit-learn does (dask-ml's ``eps``
    parameter, which scikit-learn removed, is gone).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, columns in the order of the sorted labels; 1-D
        for the probability of the positive class of a binary problem.
    normalize : bool, default=True
        Return the mean loss per sample, else the sum.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    labels : array-like, default=None
        All the class labels, when ``y_true`` may not show them all.
    compute : bool, default=False
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    loss : float or dask scalar

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import log_loss
    >>> y = da.from_array(["spam", "ham", "ham", "spam"], chunks=2)
    >>> p = da.from_array([[.1, .9], [.9, .1], [.8, .2], [.35, .65]], chunks=2)
    >>> round(float(log_loss(y, p).compute()), 5)
    0.21616
    """
    if not any_dask(y_true, y_proba, sample_weight):
        return sk_metrics.log_loss(
            y_true,
            y_proba,
            normalize=normalize,
            sample_weight=sample_weight,
            labels=labels,
        )
    owner = "log_loss"
    result = tree_reduce(
        owner,
        [y_true, y_proba, sample_weight],
        log_loss_sums,
        merge_log_loss_sums,
        _finish_log_loss,
        kernel_args=(owner,),
        finish_args=(labels, normalize, len(np.shape(y_proba)) == 1),
    )
    return deliver(result, compute)


# --- metrics on the table of label pairs ----------------------------------------


def accuracy_score(
    y_true: Any,
    y_pred: Any,
    normalize: bool = True,
    sample_weight: Any = None,
    compute: bool = True,
) -> Any:
    """Accuracy: the fraction (or number) of correct predictions.

    scikit-learn's :func:`~sklearn.metrics.accuracy_score`, with dask-ml's
    ``compute`` parameter; subset accuracy for label indicator matrices.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        True and predicted labels.
    normalize : bool, default=True
        Return the fraction of correct predictions, else their (weighted) number.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    score : float or dask scalar

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import accuracy_score
    >>> y_true = da.from_array([0, 1, 2, 3], chunks=2)
    >>> y_pred = da.from_array([0, 2, 1, 3], chunks=2)
    >>> accuracy_score(y_true, y_pred)
    0.5
    >>> accuracy_score(y_true, y_pred, normalize=False, compute=False).compute()
    2.0
    """
    return on_label_pairs(
        sk_metrics.accuracy_score,
        y_true,
        y_pred,
        sample_weight,
        compute,
        normalize=normalize,
    )


def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = None,
    warn_for: tuple = ("precision", "recall", "f-score"),
    sample_weight: Any = None,
    zero_division: Any = "warn",
    compute: bool = True,
) -> Any:
    """Precision, recall, F-beta score and support, per class or averaged.

    scikit-learn's :func:`~sklearn.metrics.precision_recall_fscore_support` with
    its parameters. With ``compute=False`` the result is a ``Delayed`` of the
    4-tuple.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import precision_recall_fscore_support
    >>> y_true = da.from_array([0, 1, 1, 0, 1], chunks=2)
    >>> y_pred = da.from_array([0, 1, 0, 0, 1], chunks=2)
    >>> precision, recall, f, support = precision_recall_fscore_support(
    ...     y_true, y_pred)
    >>> support
    array([2, 3])
    """
    return on_label_pairs(
        sk_metrics.precision_recall_fscore_support,
        y_true,
        y_pred,
        sample_weight,
        compute,
        None,  # four results: a Delayed of the tuple
        on_pairs=_prfs_on_pairs,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
    )


def _prfs_on_pairs(y_true, y_pred, *, sample_weight, **kwargs):
    """scikit-learn's, with the integer support it gives when nothing is weighted."""
    *scores, support = sk_metrics.precision_recall_fscore_support(
        y_true, y_pred, sample_weight=sample_weight, **kwargs
    )
    if support is not None and sample_weight.dtype.kind == "i":
        support = support.astype(np.int64)
    return (*scores, support)


def _binary_or_averaged(
    metric: Callable,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any,
    compute: bool,
    kwargs: dict,
) -> Any:
    """A precision/recall/F metric: a scalar when averaged, else one per label."""
    labels = kwargs.get("labels")
    if kwargs["average"] is not None:
        shape: tuple = ()
    else:
        shape = (np.nan,) if labels is None else (len(labels),)
    return on_label_pairs(
        metric, y_true, y_pred, sample_weight, compute, shape, float, **kwargs
    )


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
    compute: bool = True,
) -> Any:
    """Precision: the fraction of predicted positives truly positive.

    scikit-learn's :func:`~sklearn.metrics.precision_score`.

    On dask input (alone or mixed with numpy and pandas) the data are read
    once, block by block; ``compute=False`` returns a lazy dask array instead.
    In-memory input goes to scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        True and predicted labels (or label indicator matrices).
    labels : array-like, default=None
        The labels to include, and their order when ``average=None``.
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted', 'samples'} or None
        How the per-label scores are combined; None returns them all.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value when a division by zero occurs.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    score : float, array of shape (n_labels,), or a lazy dask array of either

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import precision_score
    >>> y_true = da.from_array([0, 1, 1, 0, 1], chunks=2)
    >>> y_pred = da.from_array([1, 1, 0, 0, 1], chunks=2)
    >>> precision_score(y_true, y_pred)
    0.6666666666666666
    """
    kwargs = dict(
        labels=labels, pos_label=pos_label, average=average, zero_division=zero_division
    )
    return _binary_or_averaged(
        sk_metrics.precision_score, y_true, y_pred, sample_weight, compute, kwargs
    )


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
    compute: bool = True,
) -> Any:
    """Recall: the fraction of true positives predicted positive.

    scikit-learn's :func:`~sklearn.metrics.recall_score`.

    On dask input (alone or mixed with numpy and pandas) the data are read
    once, block by block; ``compute=False`` returns a lazy dask array instead.
    In-memory input goes to scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        True and predicted labels (or label indicator matrices).
    labels : array-like, default=None
        The labels to include, and their order when ``average=None``.
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted', 'samples'} or None
        How the per-label scores are combined; None returns them all.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value when a division by zero occurs.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    score : float, array of shape (n_labels,), or a lazy dask array of either

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import recall_score
    >>> y_true = da.from_array(["a", "b", "b", "c"], chunks=2)
    >>> y_pred = da.from_array(["a", "b", "c", "c"], chunks=2)
    >>> recall_score(y_true, y_pred, average="macro")
    0.8333333333333334
    """
    kwargs = dict(
        labels=labels, pos_label=pos_label, average=average, zero_division=zero_division
    )
    return _binary_or_averaged(
        sk_metrics.recall_score, y_true, y_pred, sample_weight, compute, kwargs
    )


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
    compute: bool = True,
) -> Any:
    """F1 score: the harmonic mean of precision and recall.

    scikit-learn's :func:`~sklearn.metrics.f1_score`.

    On dask input (alone or mixed with numpy and pandas) the data are read
    once, block by block; ``compute=False`` returns a lazy dask array instead.
    In-memory input goes to scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        True and predicted labels (or label indicator matrices).
    labels : array-like, default=None
        The labels to include, and their order when ``average=None``.
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted', 'samples'} or None
        How the per-label scores are combined; None returns them all.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value when a division by zero occurs.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    score : float, array of shape (n_labels,), or a lazy dask array of either

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import f1_score
    >>> y_true = da.from_array([0, 1, 1, 0, 1], chunks=2)
    >>> y_pred = da.from_array([1, 1, 0, 0, 1], chunks=2)
    >>> f1_score(y_true, y_pred, average=None)
    array([0.5       , 0.66666667])
    """
    kwargs = dict(
        labels=labels, pos_label=pos_label, average=average, zero_division=zero_division
    )
    return _binary_or_averaged(
        sk_metrics.f1_score, y_true, y_pred, sample_weight, compute, kwargs
    )


def fbeta_score(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
    compute: bool = True,
) -> Any:
    """F-beta: recall weighted ``beta`` times as much as precision.

    scikit-learn's :func:`~sklearn.metrics.fbeta_score`; ``beta`` is required.

    On dask input (alone or mixed with numpy and pandas) the data are read
    once, block by block; ``compute=False`` returns a lazy dask array instead.
    In-memory input goes to scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        True and predicted labels (or label indicator matrices).
    labels : array-like, default=None
        The labels to include, and their order when ``average=None``.
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'weighted', 'samples'} or None
        How the per-label scores are combined; None returns them all.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value when a division by zero occurs.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    score : float, array of shape (n_labels,), or a lazy dask array of either

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import fbeta_score
    >>> y_true = da.from_array([0, 1, 1, 0, 1], chunks=2)
    >>> y_pred = da.from_array([1, 1, 0, 0, 1], chunks=2)
    >>> round(fbeta_score(y_true, y_pred, beta=2), 4)
    0.6667
    """
    kwargs = dict(
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )
    return _binary_or_averaged(
        sk_metrics.fbeta_score, y_true, y_pred, sample_weight, compute, kwargs
    )


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    sample_weight: Any = None,
    normalize: str | None = None,
    compute: bool = True,
) -> Any:
    """The confusion matrix: row ``i`` true label, column ``j`` predicted label.

    scikit-learn's :func:`~sklearn.metrics.confusion_matrix`: counts (integers)
    unless weighted or normalized.

    On dask input (alone or mixed with numpy and pandas) the data are read
    once, block by block; ``compute=False`` returns a lazy dask array instead.
    In-memory input goes to scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like of shape (n_classes,), default=None
        The labels, in the order of the rows and columns; by default the sorted
        labels found in either input.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    normalize : {'true', 'pred', 'all'}, default=None
        Normalize over the true labels (rows), predictions (columns) or all.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes), or a lazy dask array

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import confusion_matrix
    >>> y_true = da.from_array([2, 0, 2, 2, 0, 1], chunks=3)
    >>> y_pred = da.from_array([0, 0, 2, 2, 0, 2], chunks=3)
    >>> confusion_matrix(y_true, y_pred)
    array([[2, 0, 0],
           [0, 0, 1],
           [1, 0, 2]])
    """
    n = np.nan if labels is None else len(labels)
    weighted = sample_weight is not None or normalize is not None
    return on_label_pairs(
        sk_metrics.confusion_matrix,
        y_true,
        y_pred,
        sample_weight,
        compute,
        (n, n),
        np.float64 if weighted else np.int64,
        labels=labels,
        normalize=normalize,
    )


def roc_auc_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    sample_weight: Any = None,
    max_fpr: float | None = None,
    multi_class: str = "raise",
    labels: Any = None,
    compute: bool = True,
) -> Any:
    """Area under the ROC curve, exactly scikit-learn's, in one pass.

    scikit-learn's :func:`~sklearn.metrics.roc_auc_score` with its parameters
    (binary, multilabel, and multiclass with ``multi_class='ovr'`` or
    ``'ovo'``). The pass gathers the weight of each distinct (label, score)
    pair, so memory grows with the number of distinct scores: about 24 bytes
    per distinct score of a binary problem (round the scores to bound it).

    On dask input (alone or mixed with numpy and pandas) the data are read
    once, block by block; ``compute=False`` returns a lazy dask array instead.
    In-memory input goes to scikit-learn.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        True labels or a label indicator matrix.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores: probability of the positive class, decision function, or one
        column of probabilities per class.
    average, sample_weight, max_fpr, multi_class, labels
        As in scikit-learn.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily.

    Returns
    -------
    auc : float or dask scalar (an array with ``average=None``)

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import roc_auc_score
    >>> y_true = da.from_array([0, 0, 1, 1], chunks=2)
    >>> y_score = da.from_array([0.1, 0.4, 0.35, 0.8], chunks=2)
    >>> roc_auc_score(y_true, y_score)
    0.75
    """
    return on_label_pairs(
        sk_metrics.roc_auc_score,
        y_true,
        y_score,
        sample_weight,
        compute,
        () if average is not None else (np.nan,),
        float,
        # One-vs-one takes no weights: it gets the rows back from their counts.
        on_pairs=_roc_auc_of_rows if sample_weight is None else None,
        average=average,
        max_fpr=max_fpr,
        multi_class=multi_class,
        labels=labels,
    )


def _roc_auc_of_rows(y_true, y_score, *, sample_weight, **kwargs):
    """scikit-learn's unweighted roc_auc_score on the pairs repeated by count."""
    return sk_metrics.roc_auc_score(
        np.repeat(y_true, sample_weight, axis=0),
        np.repeat(y_score, sample_weight, axis=0),
        **kwargs,
    )
