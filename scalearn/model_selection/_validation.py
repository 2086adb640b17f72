"""cross_validate, cross_val_score, cross_val_predict and learning_curve on dask.

scikit-learn's functions with the same signatures and results, run as dask
tasks by the search machinery: the folds' fits in parallel on local threads or
on a distributed cluster, dask collections computed once (on the cluster when a
Client is active), each fold's rows sliced once. ``learning_curve`` is the
"statistics first" tool: fit on growing samples and see whether more data would
help before paying for all of it (see :func:`scalearn.model_selection.sample`).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from typing import Any
from uuid import uuid4

import numpy as np
import scipy.sparse as sp
from dask import delayed
from sklearn.base import clone, is_classifier
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state

from scalearn.metrics import check_scoring
from scalearn.model_selection._evaluate import (
    Data,
    insert_error_scores,
    is_raise,
    make_splits,
    materialize,
    report,
    scheduler_context,
)
from scalearn.model_selection._plan import SearchPlan
from scalearn.model_selection._tasks import _run_scorer, slice_params
from scalearn.utils._containers import n_rows, take_rows
from scalearn.utils._progress import compute_counting

_ORDERED_METHODS = ("decision_function", "predict_proba", "predict_log_proba")


def cross_validate(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    groups: Any = None,
    scoring: Any = None,
    cv: Any = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    params: dict | None = None,
    pre_dispatch: Any = "2*n_jobs",
    return_train_score: bool = False,
    return_estimator: bool = False,
    return_indices: bool = False,
    error_score: Any = np.nan,
) -> dict:
    """Evaluate metrics by cross-validation; scikit-learn's ``cross_validate``.

    The folds are fit in parallel as dask tasks (local threads, or the cluster
    of an active Client); dask ``X``/``y`` are computed once. A Pipeline is fit
    step by step, so the result is scikit-learn's.

    Parameters
    ----------
    estimator, X, y, groups, scoring, cv, return_train_score, return_estimator,
    return_indices, error_score
        As in :func:`sklearn.model_selection.cross_validate`; ``X`` and ``y``
        may also be dask collections.
    n_jobs : int, default=None
        Local threads (None or -1: all cores); ignored on a cluster.
    verbose : int, default=0
        Accepted for compatibility; a progress bar follows
        ``scalearn.set_config(progress_bar=...)``.
    params : dict, default=None
        Fit parameters (``step__name`` for a Pipeline); arrays with one value per
        sample are sliced per fold.
    pre_dispatch : default='2*n_jobs'
        Accepted for compatibility; dask runs each task when its inputs are ready.

    Returns
    -------
    dict of arrays
        ``fit_time``, ``score_time``, ``test_score`` (or ``test_<name>``), and
        ``train_*``, ``estimator``, ``indices`` when asked for.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=100, random_state=0)
    >>> result = cross_validate(LogisticRegression(), X, y, cv=3)
    >>> result["test_score"].shape
    (3,)
    """
    with scheduler_context(None, n_jobs):
        data = materialize(X, y, groups)
        splits = make_splits(cv, data, estimator)
        scorer = check_scoring(
            estimator, scoring=scoring, raise_exc=is_raise(error_score)
        )
        plan = SearchPlan(scorer, error_score, return_train_score)
        plan.keep_estimator = return_estimator
        folds = plan.folds(data, splits, params or {})
        records = [plan.candidate(clone(estimator), fold) for fold in folds]
        out = compute_counting(
            records, list(range(len(records))), desc="cross_validate", unit="fold"
        )
    report(out, error_score)
    if callable(scoring):
        insert_error_scores(out, error_score)
    result: dict[str, Any] = {
        "fit_time": np.array([r["fit_time"] for r in out]),
        "score_time": np.array([r["score_time"] for r in out]),
    }
    if return_estimator:
        result["estimator"] = [r["estimator"] for r in out]
    if return_indices:
        result["indices"] = {
            "train": [train for train, _ in splits],
            "test": [test for _, test in splits],
        }
    for kind in ("test", "train"):
        if kind == "train" and not return_train_score:
            continue
        scores = [r[f"{kind}_scores"] for r in out]
        if isinstance(scores[0], dict):
            for name in scores[0]:
                result[f"{kind}_{name}"] = np.array([s[name] for s in scores])
        else:
            result[f"{kind}_score"] = np.array(scores)
    return result


def cross_val_score(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    groups: Any = None,
    scoring: Any = None,
    cv: Any = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    params: dict | None = None,
    pre_dispatch: Any = "2*n_jobs",
    error_score: Any = np.nan,
) -> np.ndarray:
    """The test scores of :func:`cross_validate`; scikit-learn's ``cross_val_score``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> X, y = make_regression(n_samples=60, random_state=0)
    >>> cross_val_score(Ridge(), X, y, cv=3).shape
    (3,)
    """
    scorer = check_scoring(estimator, scoring=scoring)
    result = cross_validate(
        estimator, X, y, groups=groups, scoring={"score": scorer}, cv=cv,
        n_jobs=n_jobs, verbose=verbose, params=params, pre_dispatch=pre_dispatch,
        error_score=error_score,
    )  # fmt: skip
    return result["test_score"]


def cross_val_predict(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    groups: Any = None,
    cv: Any = None,
    n_jobs: int | None = None,
    verbose: int = 0,
    params: dict | None = None,
    pre_dispatch: Any = "2*n_jobs",
    method: str = "predict",
) -> Any:
    """Out-of-fold predictions; scikit-learn's ``cross_val_predict``.

    Each sample's prediction comes from the model fit on the folds that leave it
    out; ``cv`` must therefore be a partition. With ``predict_proba`` and the
    like on a classifier, a fold missing a class gets that class's column
    filled as scikit-learn fills it. Returns an in-memory array (the predictions
    are one value or one row per sample) for every kind of input.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=90, random_state=0)
    >>> cross_val_predict(LogisticRegression(), X, y, cv=3).shape
    (90,)
    """
    with scheduler_context(None, n_jobs):
        data = materialize(X, y, groups)
        splits = make_splits(cv, data, estimator)
        test_rows = np.concatenate([test for _, test in splits])
        if not _is_partition(test_rows, data.n_samples):
            raise ValueError("cross_val_predict only works for partitions")
        encode = is_classifier(estimator) and method in _ORDERED_METHODS
        n_classes = None
        if encode and data.split_y is not None and np.ndim(data.split_y) == 1:
            encoder = LabelEncoder().fit(np.asarray(data.split_y))
            n_classes = len(encoder.classes_)
            data = _with_encoded_y(data, encoder)
        plan = SearchPlan(None, "raise", False)
        folds = plan.folds(data, splits, params or {})
        parts = [plan.prediction(clone(estimator), fold, method) for fold in folds]
        out = compute_counting(
            parts, list(range(len(parts))), desc="cross_val_predict", unit="fold"
        )
    predictions = [
        _order_columns(fold_classes, values, n_classes, method)
        if n_classes is not None
        else values
        for values, fold_classes in out
    ]
    inverse = np.empty(len(test_rows), dtype=int)
    inverse[test_rows] = np.arange(len(test_rows))
    if sp.issparse(predictions[0]):
        return sp.vstack(predictions, format=predictions[0].format)[inverse]
    return np.concatenate([np.asarray(p) for p in predictions])[inverse]


def _is_partition(rows: np.ndarray, n_samples: int) -> bool:
    if len(rows) != n_samples:
        return False
    seen = np.zeros(n_samples, dtype=bool)
    seen[rows] = True
    return bool(seen.all())


def _with_encoded_y(data: Data, encoder: LabelEncoder) -> Data:
    if data.on_cluster:
        y = data.X.client.submit(encoder.transform, data.y)
    else:
        y = encoder.transform(np.asarray(data.y))
    split_y = encoder.transform(np.asarray(data.split_y))
    return dataclasses.replace(data, y=y, split_y=split_y)


def _order_columns(
    classes: np.ndarray, predictions: Any, n_classes: int, method: str
) -> Any:
    """Columns for every class of the whole data, as scikit-learn fills them."""
    if n_classes == len(classes):
        return predictions
    recommendation = (
        "To fix this, use a cross-validation technique resulting in properly "
        "stratified folds"
    )
    warnings.warn(
        f"Number of classes in training fold ({len(classes)}) does not match total "
        f"number of classes ({n_classes}). Results may not be appropriate for your "
        f"use case. {recommendation}",
        RuntimeWarning,
        stacklevel=3,
    )
    if method == "decision_function" and (
        np.ndim(predictions) == 1 or len(classes) <= 2
    ):
        raise ValueError(
            f"Only {len(classes)} class/es in training fold, but {n_classes} in "
            "overall dataset. This is not supported for decision_function with "
            f"imbalanced folds. {recommendation}"
        )
    predictions = np.asarray(predictions)
    fill = 0 if method == "predict_proba" else np.finfo(predictions.dtype).min
    ordered = np.full((len(predictions), n_classes), fill, dtype=predictions.dtype)
    ordered[:, classes] = predictions
    return ordered


def learning_curve(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    groups: Any = None,
    train_sizes: Any = np.linspace(0.1, 1.0, 5),  # noqa: B008 - scikit-learn's default
    cv: Any = None,
    scoring: Any = None,
    exploit_incremental_learning: bool = False,
    n_jobs: int | None = None,
    pre_dispatch: Any = "all",
    verbose: int = 0,
    shuffle: bool = False,
    random_state: Any = None,
    error_score: Any = np.nan,
    return_times: bool = False,
    params: dict | None = None,
) -> tuple:
    """Scores for growing training sets; scikit-learn's ``learning_curve``.

    Every (training size, fold) is a dask task, so the whole curve is fit in
    parallel. Use it on a sample of a large dataset
    (:func:`scalearn.model_selection.sample`): if the test score has flattened
    well before the sample's size, the whole dataset will not do better.

    Returns
    -------
    train_sizes_abs, train_scores, test_scores[, fit_times, score_times]
        As scikit-learn: scores are ``(n_ticks, n_folds)``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> sizes, train, test = learning_curve(
    ...     LogisticRegression(), X, y, train_sizes=[0.3, 0.6, 1.0], cv=3
    ... )
    >>> sizes.tolist(), test.shape
    ([39, 79, 133], (3, 3))
    """
    if exploit_incremental_learning and not hasattr(estimator, "partial_fit"):
        raise ValueError(
            "An estimator must support the partial_fit interface to exploit "
            f"incremental learning; {type(estimator).__name__} does not. Pass "
            "exploit_incremental_learning=False."
        )
    with scheduler_context(None, n_jobs):
        data = materialize(X, y, groups)
        splits = make_splits(cv, data, estimator)
        if shuffle:
            rng = check_random_state(random_state)
            splits = [(rng.permutation(train), test) for train, test in splits]
        sizes = _absolute_train_sizes(train_sizes, len(splits[0][0]))
        scorer = check_scoring(estimator, scoring=scoring)
        if exploit_incremental_learning:
            out = _incremental_curves(estimator, data, splits, sizes, scorer, params)
        else:
            out = _curves(estimator, data, splits, sizes, scorer, error_score, params)
    shape = (len(splits), len(sizes))
    train, test, fit_times, score_times = (
        np.array(values, dtype=float).reshape(shape).T for values in out
    )
    if return_times:
        return sizes, train, test, fit_times, score_times
    return sizes, train, test


def _curves(estimator, data, splits, sizes, scorer, error_score, params) -> tuple:
    plan = SearchPlan(scorer, error_score, True)
    pairs = [(train[:n], test) for train, test in splits for n in sizes]
    folds = plan.folds(data, pairs, params or {})
    records = [plan.candidate(clone(estimator), fold) for fold in folds]
    out = compute_counting(
        records, list(range(len(records))), desc="learning_curve", unit="fit"
    )
    report(out, error_score)
    return (
        [r["train_scores"] for r in out],
        [r["test_scores"] for r in out],
        [r["fit_time"] for r in out],
        [r["score_time"] for r in out],
    )


def _incremental_curves(estimator, data, splits, sizes, scorer, params) -> tuple:
    """One task per fold: partial_fit on each new slice, score after each."""
    classes = np.unique(data.split_y) if is_classifier(estimator) else None
    pair = delayed(tuple)([data.X, data.y], dask_key_name=f"curve-data-{uuid4().hex}")
    tasks = [
        delayed(_incremental_curve)(
            pair, train, test, sizes, clone(estimator), scorer, classes, params or {}
        )
        for train, test in splits
    ]
    per_fold = compute_counting(
        tasks, list(range(len(tasks))), desc="learning_curve", unit="fold"
    )
    return tuple([value for fold in per_fold for value in fold[i]] for i in range(4))


def _incremental_curve(data, train, test, sizes, estimator, scorer, classes, params):
    X, y = data
    n_samples = n_rows(X)
    X_test, y_test = take_rows(X, test), take_rows(y, test)
    scores: tuple[list, list, list, list] = ([], [], [], [])
    previous = 0
    for n in sizes:
        rows = train[previous:n]
        kwargs = slice_params(params, rows, n_samples)
        if classes is not None:
            kwargs["classes"] = classes
        start = time.perf_counter()
        estimator.partial_fit(take_rows(X, rows), take_rows(y, rows), **kwargs)
        fit_time = time.perf_counter() - start
        record: dict = {"warnings": []}
        start = time.perf_counter()
        test_score = _run_scorer(scorer, estimator, X_test, y_test, "raise", record)
        score_time = time.perf_counter() - start
        seen = train[:n]
        train_score = _run_scorer(
            scorer, estimator, take_rows(X, seen), take_rows(y, seen), "raise", record
        )
        for values, value in zip(
            scores, (train_score, test_score, fit_time, score_time), strict=True
        ):
            values.append(value)
        previous = n
    return scores


def _absolute_train_sizes(train_sizes: Any, n_max: int) -> np.ndarray:
    """scikit-learn's rule: fractions of ``n_max`` (floored) or counts; unique."""
    sizes = np.asarray(train_sizes)
    n_ticks = sizes.shape[0]
    low, high = np.min(sizes), np.max(sizes)
    if np.issubdtype(sizes.dtype, np.floating):
        if low <= 0.0 or high > 1.0:
            raise ValueError(
                "train_sizes has been interpreted as fractions of the maximum "
                f"number of training samples and must be within (0, 1], but is "
                f"within [{low:f}, {high:f}]."
            )
        absolute = (sizes * n_max).astype(int)
        absolute = np.clip(absolute, 1, n_max)
    else:
        if low <= 0 or high > n_max:
            raise ValueError(
                "train_sizes has been interpreted as absolute numbers of training "
                f"samples and must be within (0, {n_max}], but is within "
                f"[{low:d}, {high:d}]."
            )
        absolute = sizes
    absolute = np.unique(absolute)
    if n_ticks > absolute.shape[0]:
        warnings.warn(
            "Removed duplicate entries from 'train_sizes'. Number of ticks will be "
            f"less than the size of 'train_sizes': {absolute.shape[0]} instead of "
            f"{n_ticks}).",
            RuntimeWarning,
            stacklevel=3,
        )
    return absolute
