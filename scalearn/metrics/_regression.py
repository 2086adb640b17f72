"""Regression metrics in one pass over dask collections.

Each metric is a weighted mean per output of a per-row loss (squared, absolute,
percentage, squared log error), or, for ``r2_score`` and
``explained_variance_score``, a ratio of weighted sums of squares. Blocks give
per-output sums (and, for the ratios, means and sums of squared deviations
merged exactly as in parallel Welford updates, not the cancellation-prone
``sum(y**2) - sum(y)**2 / n``); the outputs are then combined as scikit-learn
does (``multioutput``, ``force_finite``).

Parameters are checked before anything is computed, by scikit-learn itself on
two-row stand-ins of the inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import metrics as sk_metrics
from sklearn.exceptions import UndefinedMetricWarning

from scalearn.metrics._blocks import (
    aligned,
    any_dask,
    as_values,
    check_block_lengths,
    deliver,
    sum_parts,
    tree_reduce,
)
from scalearn.utils._containers import stand_in
from scalearn.utils._moments import block_moments, merge_moments

# --- per-block kernels: pure numpy -------------------------------------------------


def _as_columns(owner: str, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple:
    """Float 2-D true and predicted values and (n, 1) weights, checked."""
    t, p, w = as_values(y_true), as_values(y_pred), as_values(sample_weight)
    check_block_lengths(owner, y_true=t, y_pred=p, sample_weight=w)
    t = np.asarray(t, dtype=np.float64).reshape(len(t), -1)
    p = np.asarray(p, dtype=np.float64).reshape(len(p), -1)
    for name, values in (("y_true", t), ("y_pred", p)):
        if not np.isfinite(values).all():
            raise ValueError(
                f"{owner}: {name} contains NaN or infinity. Drop or fill those rows "
                "(for example with dask's dropna or fillna) before scoring."
            )
    if w is not None:
        w = np.asarray(w, dtype=np.float64).reshape(-1, 1)
    return t, p, w


def _squared(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (t - p) ** 2


def _absolute(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.abs(t - p)


def _absolute_percentage(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.abs(t - p) / np.maximum(np.abs(t), np.finfo(np.float64).eps)


def _squared_log(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    if (t <= -1).any() or (p <= -1).any():
        # scikit-learn's words.
        raise ValueError(
            "Mean Squared Logarithmic Error cannot be used when targets contain "
            "values less than or equal to -1."
        )
    return (np.log1p(t) - np.log1p(p)) ** 2


def loss_sums(
    y_true: Any, y_pred: Any, sample_weight: Any, loss: Callable, owner: str
) -> np.ndarray:
    """Per output: the sum of weights and the weighted sum of ``loss``, (2, k)."""
    t, p, w = _as_columns(owner, y_true, y_pred, sample_weight)
    losses = loss(t, p)
    weights = np.ones((len(t), 1)) if w is None else w
    return np.stack(
        [np.broadcast_to(weights.sum(), losses.shape[1]), (losses * weights).sum(0)]
    )


def deviation_moments(
    y_true: Any, y_pred: Any, sample_weight: Any, owner: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Moments of y_true and of y_true - y_pred per output, the weighted sum of
    squared errors, and the row count of one block."""
    t, p, w = _as_columns(owner, y_true, y_pred, sample_weight)
    moments = block_moments(
        np.concatenate([t, t - p], axis=1), w, owner=owner, fix="in y "
    )
    weights = 1.0 if w is None else w
    return moments, (weights * (t - p) ** 2).sum(0), len(t)


def merge_deviation_moments(parts: list[tuple]) -> tuple:
    moments, squared_errors, rows = zip(*parts, strict=True)
    count, mean, m2 = merge_moments(np.concatenate(moments))
    return np.stack([count, mean, m2]), np.sum(squared_errors, 0), sum(rows)


# --- combining outputs, as scikit-learn does -----------------------------------------


def _average_outputs(errors: np.ndarray, multioutput: Any) -> Any:
    if isinstance(multioutput, str) and multioutput == "raw_values":
        return errors
    weights = None if isinstance(multioutput, str) else multioutput
    return float(np.average(errors, weights=weights))


def _finish_loss(sums: np.ndarray, multioutput: Any, root: bool) -> Any:
    errors = sums[1] / sums[0]
    return _average_outputs(np.sqrt(errors) if root else errors, multioutput)


def _fraction_explained(
    numerator: np.ndarray, denominator: np.ndarray, multioutput: Any, force_finite
) -> Any:
    """1 - numerator / denominator per output, then averaged (scikit-learn's rules)."""
    if force_finite:
        scores = np.ones(len(numerator))
        valid = (denominator != 0) & (numerator != 0)
        scores[valid] = 1 - numerator[valid] / denominator[valid]
        scores[(numerator != 0) & (denominator == 0)] = 0.0
    else:  # NaN or -inf, with numpy's warning, as scikit-learn gives
        scores = 1 - numerator / denominator
    if isinstance(multioutput, str) and multioutput == "variance_weighted":
        multioutput = denominator if (denominator != 0).any() else "uniform_average"
    return _average_outputs(scores, multioutput)


def _finish_r2(summary: tuple, multioutput: Any, force_finite: bool) -> Any:
    (_, _, m2), squared_errors, rows = summary
    if rows < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return float("nan")
    k = len(squared_errors)
    return _fraction_explained(squared_errors, m2[:k], multioutput, force_finite)


def _finish_explained_variance(
    summary: tuple, multioutput: Any, force_finite: bool
) -> Any:
    (count, _, m2), _, _ = summary
    k = len(m2) // 2
    return _fraction_explained(
        m2[k:] / count[k:], m2[:k] / count[:k], multioutput, force_finite
    )


# --- the driver -----------------------------------------------------------------------


def _one_pass(
    sk_metric: Callable,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any,
    multioutput: Any,
    compute: bool,
    kernel: Callable,
    merge: Callable,
    finish: Callable,
    kernel_args: tuple = (),
    finish_args: tuple = (),
    **sk_kwargs: Any,
) -> Any:
    """``sk_metric`` on in-memory input; on dask input, one pass of ``kernel``."""
    if not any_dask(y_true, y_pred, sample_weight):
        return sk_metric(
            y_true,
            y_pred,
            sample_weight=sample_weight,
            multioutput=multioutput,
            **sk_kwargs,
        )
    owner = sk_metric.__name__
    y_true, y_pred, sample_weight = aligned(owner, y_true, y_pred, sample_weight)
    # scikit-learn checks shapes and parameters on two-row stand-ins, up front.
    sk_metric(
        stand_in(y_true),
        stand_in(y_pred),
        sample_weight=None if sample_weight is None else np.ones(2),
        multioutput=multioutput,
        **sk_kwargs,
    )
    result = tree_reduce(
        owner,
        [y_true, y_pred, sample_weight],
        kernel,
        merge,
        finish,
        kernel_args=(*kernel_args, owner),
        finish_args=(multioutput, *finish_args),
    )
    raw = isinstance(multioutput, str) and multioutput == "raw_values"
    shape = (_n_outputs(y_true),) if raw else ()
    return deliver(result, compute, shape, float)


def _n_outputs(y: Any) -> float:
    shape = y.shape
    return 1 if len(shape) == 1 else shape[1]


def _loss_metric(sk_metric, loss, root, y_true, y_pred, sample_weight, multioutput, c):
    return _one_pass(
        sk_metric,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        c,
        loss_sums,
        sum_parts,
        _finish_loss,
        kernel_args=(loss,),
        finish_args=(root,),
    )


# --- the metrics ----------------------------------------------------------------------

_PARAMETERS = """
    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True and predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : str or array of shape (n_outputs,), default='uniform_average'
        'raw_values' (one result per output), 'uniform_average' (their mean),
        'variance_weighted' (r2 and explained variance only: weighted by the
        variance of each output) or weights of the outputs.
    compute : bool, default=True
        Compute the result of dask input now instead of returning it lazily
        (dask-ml's parameter).

    Returns
    -------
    score : float, array of shape (n_outputs,), or a lazy dask array of either
"""


def _documented(metric: Callable) -> Callable:
    """Add the parameters all regression metrics share to ``metric``'s docstring."""
    if metric.__doc__:
        metric.__doc__ = metric.__doc__.replace(
            "\n\n    Examples", "\n" + _PARAMETERS + "\n    Examples", 1
        )
    return metric


@_documented
def mean_squared_error(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    squared: bool = True,
    compute: bool = True,
) -> Any:
    """Mean squared error, or with ``squared=False`` its root, in one pass.

    scikit-learn's :func:`~sklearn.metrics.mean_squared_error` (and
    :func:`~sklearn.metrics.root_mean_squared_error` for ``squared=False``, the
    parameter dask-ml kept after scikit-learn removed it), with sample weights
    and multioutput. In-memory input goes to scikit-learn.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import mean_squared_error
    >>> y_true = da.from_array([3, -0.5, 2, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 0.0, 2, 8], chunks=2)
    >>> mean_squared_error(y_true, y_pred)
    0.375
    """
    metric = sk_metrics.mean_squared_error
    if not squared:
        metric = sk_metrics.root_mean_squared_error
    return _loss_metric(
        metric,
        _squared,
        not squared,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
    )


@_documented
def root_mean_squared_error(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    compute: bool = True,
) -> Any:
    """Root mean squared error (of each output, then averaged), in one pass.

    scikit-learn's :func:`~sklearn.metrics.root_mean_squared_error`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import root_mean_squared_error
    >>> y_true = da.from_array([3, -0.5, 2, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 0.0, 2, 8], chunks=2)
    >>> round(root_mean_squared_error(y_true, y_pred), 6)
    0.612372
    """
    return mean_squared_error(
        y_true,
        y_pred,
        sample_weight=sample_weight,
        multioutput=multioutput,
        squared=False,
        compute=compute,
    )


@_documented
def mean_absolute_error(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    compute: bool = True,
) -> Any:
    """Mean absolute error, in one pass.

    scikit-learn's :func:`~sklearn.metrics.mean_absolute_error`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import mean_absolute_error
    >>> y_true = da.from_array([3, -0.5, 2, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 0.0, 2, 8], chunks=2)
    >>> mean_absolute_error(y_true, y_pred)
    0.5
    """
    return _loss_metric(
        sk_metrics.mean_absolute_error,
        _absolute,
        False,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
    )


@_documented
def mean_absolute_percentage_error(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    compute: bool = True,
) -> Any:
    """Mean absolute percentage error (a fraction, not a percent), in one pass.

    scikit-learn's :func:`~sklearn.metrics.mean_absolute_percentage_error`:
    ``|y_true - y_pred| / max(|y_true|, eps)``. (dask-ml divides by
    ``max(y_true, eps)``, which is wrong for negative targets.)

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import mean_absolute_percentage_error
    >>> y_true = da.from_array([1.0, -2.0, 4.0], chunks=2)
    >>> y_pred = da.from_array([1.5, -1.0, 4.0], chunks=2)
    >>> mean_absolute_percentage_error(y_true, y_pred)
    0.3333333333333333
    """
    return _loss_metric(
        sk_metrics.mean_absolute_percentage_error,
        _absolute_percentage,
        False,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
    )


@_documented
def mean_squared_log_error(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    compute: bool = True,
) -> Any:
    """Mean squared logarithmic error, in one pass.

    scikit-learn's :func:`~sklearn.metrics.mean_squared_log_error`: the mean of
    ``(log1p(y_true) - log1p(y_pred)) ** 2``; values <= -1 raise its error.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import mean_squared_log_error
    >>> y_true = da.from_array([3, 5, 2.5, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 5, 4, 8], chunks=2)
    >>> round(mean_squared_log_error(y_true, y_pred), 6)
    0.03973
    """
    return _loss_metric(
        sk_metrics.mean_squared_log_error,
        _squared_log,
        False,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
    )


@_documented
def root_mean_squared_log_error(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    compute: bool = True,
) -> Any:
    """Root mean squared logarithmic error, in one pass.

    scikit-learn's :func:`~sklearn.metrics.root_mean_squared_log_error`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import root_mean_squared_log_error
    >>> y_true = da.from_array([3, 5, 2.5, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 5, 4, 8], chunks=2)
    >>> round(root_mean_squared_log_error(y_true, y_pred), 6)
    0.199324
    """
    return _loss_metric(
        sk_metrics.root_mean_squared_log_error,
        _squared_log,
        True,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
    )


@_documented
def r2_score(
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    compute: bool = True,
    *,
    force_finite: bool = True,
) -> Any:
    """R², the coefficient of determination, in one pass.

    scikit-learn's :func:`~sklearn.metrics.r2_score` with sample weights,
    ``multioutput`` and ``force_finite`` (constant ``y_true`` scores 1 for a
    perfect prediction, else 0, instead of NaN or -inf).
    The spread of ``y_true`` is merged from per-block means and sums of squared
    deviations, so it stays exact for targets with a large mean.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import r2_score
    >>> y_true = da.from_array([3, -0.5, 2, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 0.0, 2, 8], chunks=2)
    >>> round(r2_score(y_true, y_pred), 6)
    0.948608
    """
    return _one_pass(
        sk_metrics.r2_score,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
        deviation_moments,
        merge_deviation_moments,
        _finish_r2,
        finish_args=(force_finite,),
        force_finite=force_finite,
    )


@_documented
def explained_variance_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    force_finite: bool = True,
    compute: bool = True,
) -> Any:
    """Explained variance: 1 - Var(y_true - y_pred) / Var(y_true), in one pass.

    scikit-learn's :func:`~sklearn.metrics.explained_variance_score`, with
    ``force_finite`` as in :func:`r2_score`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import explained_variance_score
    >>> y_true = da.from_array([3, -0.5, 2, 7], chunks=2)
    >>> y_pred = da.from_array([2.5, 0.0, 2, 8], chunks=2)
    >>> round(explained_variance_score(y_true, y_pred), 6)
    0.957173
    """
    return _one_pass(
        sk_metrics.explained_variance_score,
        y_true,
        y_pred,
        sample_weight,
        multioutput,
        compute,
        deviation_moments,
        merge_deviation_moments,
        _finish_explained_variance,
        finish_args=(force_finite,),
        force_finite=force_finite,
    )
