"""Scalers that learn their statistics in one pass over a dask collection."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
import pandas as pd
from sklearn import preprocessing as sk_preprocessing

from scalearn.preprocessing._base import (
    DaskTransformerMixin,
    forget_fit,
    summary_like,
)
from scalearn.utils import _buffers
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_frame,
    map_rows,
    stand_in,
)
from scalearn.utils._moments import block_moments, merge_moments
from scalearn.utils._validation import check_fitted_features, check_param, numeric_array

_FLOAT_DTYPES = (np.float64, np.float32, np.float16)


# --- per-block kernels: pure numpy ----------------------------------------------


def _scale_block(block: Any, mean: Any, scale: Any, inverse: bool) -> Any:
    """Center and scale (or undo it) one block, in scikit-learn's order and dtype."""
    is_frame = isinstance(block, pd.DataFrame)
    values = block.to_numpy() if is_frame else np.asarray(block)
    dtype = values.dtype if values.dtype in _FLOAT_DTYPES else np.float64
    if not inverse and mean is not None and values.dtype == np.float64:
        # Copy and centre in one pass over the block: the same float64 values.
        out = _buffers.empty(values.shape, np.float64)
        out, mean = np.subtract(values, mean, out=out), None
    else:
        out = values.astype(dtype, copy=True)
    if inverse:
        if scale is not None:
            out *= scale
        if mean is not None:
            out += mean
    else:
        if mean is not None:
            out -= mean
        if scale is not None:
            out /= scale
    if is_frame:
        return pd.DataFrame(out, index=block.index, columns=block.columns)
    return out


# --- the estimator ------------------------------------------------------------------


class StandardScaler(
    DaskTransformerMixin, sk_preprocessing.StandardScaler, auto_wrap_output_keys=None
):
    """Standardize features by removing the mean and scaling to unit variance.

    scikit-learn's :class:`~sklearn.preprocessing.StandardScaler`, extended to
    dask arrays and dask DataFrames: ``fit`` gathers every statistic in one pass
    over the data (a single ``dask.compute``), and ``transform`` is lazy and
    blockwise, keeping the input's row chunks (dask DataFrame in, dask DataFrame
    out). Missing values (NaN) are ignored in fit and kept in transform, and
    ``sample_weight`` is supported, as in scikit-learn. Numpy, pandas and sparse
    input go to scikit-learn unchanged, and the fitted attributes (``mean_``,
    ``var_``, ``scale_``, ``n_samples_seen_``) equal scikit-learn's.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import StandardScaler
    >>> X = da.arange(12.0, chunks=4).reshape(6, 2)
    >>> scaler = StandardScaler().fit(X)
    >>> scaler.mean_
    array([5., 6.])
    >>> scaler.transform(X).chunks
    ((2, 2, 2), (2,))
    """

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> StandardScaler:
        """Compute the mean and standard deviation, in one pass for dask input."""
        if not is_dask(X):
            return super().fit(X, y, sample_weight=sample_weight)
        for name in ("scale_", "n_samples_seen_", "mean_", "var_"):
            self.__dict__.pop(name, None)
        return self._partial_fit_dask(X, sample_weight)

    def partial_fit(self, X: Any, y: Any = None, sample_weight: Any = None):
        """Update the statistics with more data (one pass for dask input)."""
        if not is_dask(X):
            return super().partial_fit(X, y, sample_weight=sample_weight)
        return self._partial_fit_dask(X, sample_weight)

    def transform(self, X: Any, copy: bool | None = None) -> Any:
        """Standardize ``X``; lazy and blockwise for dask input."""
        if not is_dask(X):
            out = sk_preprocessing.StandardScaler.transform(self, X, copy=copy)
            return self._as_configured(out, X)
        return self._map_scale(X, "transform", inverse=False)

    def inverse_transform(self, X: Any, copy: bool | None = None) -> Any:
        """Undo :meth:`transform`; lazy and blockwise for dask input."""
        if not is_dask(X):
            return self._inverse_in_memory(X, copy=copy)
        return self._map_scale(X, "inverse_transform", inverse=True)

    # --- dask paths ---------------------------------------------------------------

    def _partial_fit_dask(self, X: Any, sample_weight: Any) -> StandardScaler:
        owner = f"{type(self).__name__}.fit"
        for name in ("with_mean", "with_std"):
            value = getattr(self, name)
            check_param(
                type(self).__name__, name, value, isinstance(value, bool), "a bool"
            )
        values = numeric_array(X, owner)
        first_call = not hasattr(self, "n_samples_seen_")
        if not first_call:
            check_fitted_features(owner, self, X)
        n_features = values.shape[1]
        # scikit-learn counts rows, not weights, when it keeps no statistics.
        use_weights = sample_weight is not None and (self.with_mean or self.with_std)
        args = []
        if use_weights:
            weights = align_y(X, sample_weight, owner=owner)
            if is_dask_frame(weights):
                weights = weights.to_dask_array()
            args.append(weights.reshape(-1, 1) if weights.ndim == 1 else weights)
        per_block = values.map_blocks(
            block_moments,
            *args,
            chunks=((3,) * values.numblocks[0], (n_features,)),
            dtype=np.float64,
            meta=np.empty((0, 0), dtype=np.float64),
        )
        (stacked,) = dask.compute(per_block)
        count, mean, m2 = merge_moments(stacked)
        if not first_call:
            previous = np.broadcast_to(self.n_samples_seen_, (n_features,))
            old = np.stack(
                [
                    previous.astype(np.float64),
                    np.zeros(n_features) if self.mean_ is None else self.mean_,
                    np.zeros(n_features) if self.var_ is None else self.var_ * previous,
                ]
            )
            count, mean, m2 = merge_moments(
                np.concatenate([old, np.stack([count, mean, m2])])
            )
        if first_call:
            self.n_features_in_ = n_features
            if is_dask_frame(X):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self._set_moments(count, mean, m2, weighted=sample_weight is not None)
        return self

    def _set_moments(
        self, count: np.ndarray, mean: np.ndarray, m2: np.ndarray, weighted: bool
    ) -> None:
        """Set the fitted attributes from the moments, as scikit-learn does."""
        keeps_stats = self.with_mean or self.with_std
        count = count.astype(np.float64 if keeps_stats or weighted else np.int64)
        self.n_samples_seen_ = count[0] if count.max() == count.min() else count
        if not keeps_stats:
            self.mean_, self.var_, self.scale_ = None, None, None
            return
        self.mean_ = mean
        self.var_ = m2 / np.where(count > 0, count, 1) if self.with_std else None
        if not self.with_std:
            self.scale_ = None
            return
        eps = np.finfo(np.float64).eps
        n = self.n_samples_seen_
        constant = self.var_ <= n * eps * self.var_ + (n * self.mean_ * eps) ** 2
        scale = np.sqrt(self.var_)
        scale[constant] = 1.0
        self.scale_ = scale

    def _map_scale(self, X: Any, method: str, inverse: bool) -> Any:
        owner = f"{type(self).__name__}.{method}"
        check_fitted_features(owner, self, X)
        numeric_array(X, owner)
        mean = self.mean_ if self.with_mean else None
        meta = _scale_block(stand_in(X), mean, self.scale_, inverse)
        return map_rows(X, _scale_block, mean, self.scale_, inverse, meta=meta)


def block_range(block: Any) -> np.ndarray:
    """Per-feature NaN-ignoring (min, max) of one block, and its number of rows.

    Shape (3, n_features); a column without values has NaN for both.
    """
    x = np.asarray(block, dtype=np.float64)
    low = np.fmin.reduce(x, axis=0, initial=np.nan)
    high = np.fmax.reduce(x, axis=0, initial=np.nan)
    return np.stack([low, high, np.full(x.shape[1], len(x), dtype=np.float64)])


def column_range(X: Any, owner: str) -> tuple[np.ndarray, np.ndarray, int]:
    """NaN-ignoring minimum and maximum of every column and the rows: one compute."""
    values = numeric_array(X, owner)
    per_block = values.map_blocks(
        block_range,
        chunks=((3,) * values.numblocks[0], (values.shape[1],)),
        dtype=np.float64,
        meta=np.empty((0, 0), dtype=np.float64),
    )
    (stacked,) = dask.compute(per_block)
    low = np.fmin.reduce(stacked[0::3], axis=0, initial=np.nan)
    high = np.fmax.reduce(stacked[1::3], axis=0, initial=np.nan)
    return low, high, int(stacked[2::3, 0].sum()) if len(stacked) else 0


class _RangeScaler(DaskTransformerMixin):
    """Scalers whose statistics are each column's minimum and maximum.

    On dask input, scikit-learn's ``partial_fit`` sees a two-row summary (the
    minima and the maxima), then the row count is set to the real one.
    """

    def fit(self, X: Any, y: Any = None) -> Any:
        """Compute the statistics, in one pass for dask input."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        return self.partial_fit(X, y)

    def partial_fit(self, X: Any, y: Any = None) -> Any:
        """Update the statistics with more data (one pass for dask input)."""
        if not is_dask(X):
            return super().partial_fit(X, y)
        seen = getattr(self, "n_samples_seen_", 0)
        low, high, n = column_range(X, f"{type(self).__name__}.fit")
        super().partial_fit(summary_like(X, list(zip(low, high, strict=True))))
        self.n_samples_seen_ = seen + n
        return self


class MinMaxScaler(
    _RangeScaler, sk_preprocessing.MinMaxScaler, auto_wrap_output_keys=None
):
    """Scale each feature to a given range (by default [0, 1]).

    scikit-learn's :class:`~sklearn.preprocessing.MinMaxScaler`, extended to dask
    arrays and DataFrames: ``fit`` and ``partial_fit`` take one pass (one
    ``dask.compute``) and ignore NaN as scikit-learn does; ``transform`` and
    ``inverse_transform`` are lazy and keep the input's row chunks. The input is
    never modified. The fitted attributes equal scikit-learn's.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import MinMaxScaler
    >>> X = da.from_array([[1.0, -1.0], [3.0, float("nan")], [5.0, 1.0]], chunks=2)
    >>> scaler = MinMaxScaler().fit(X)
    >>> scaler.data_min_, scaler.data_max_
    (array([ 1., -1.]), array([5., 1.]))
    >>> scaler.transform(X).compute()
    array([[0. , 0. ],
           [0.5, nan],
           [1. , 1. ]])
    """


class MaxAbsScaler(
    _RangeScaler, sk_preprocessing.MaxAbsScaler, auto_wrap_output_keys=None
):
    """Scale each feature by its maximum absolute value.

    scikit-learn's :class:`~sklearn.preprocessing.MaxAbsScaler`, extended to dask
    arrays and DataFrames: one pass to fit (NaN ignored), lazy blockwise
    ``transform`` and ``inverse_transform``, scikit-learn's fitted attributes.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import MaxAbsScaler
    >>> X = da.from_array([[1.0, -4.0], [2.0, 2.0]], chunks=1)
    >>> MaxAbsScaler().fit(X).max_abs_
    array([2., 4.])
    """


class Normalizer(
    DaskTransformerMixin, sk_preprocessing.Normalizer, auto_wrap_output_keys=None
):
    """Scale each row to unit norm ("l1", "l2" or "max").

    scikit-learn's :class:`~sklearn.preprocessing.Normalizer`; on dask input
    ``fit`` reads nothing (only the metadata) and ``transform`` is lazy and
    blockwise, keeping the row chunks.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import Normalizer
    >>> X = da.from_array([[3.0, 4.0], [1.0, 0.0]], chunks=1)
    >>> Normalizer().fit_transform(X).compute()
    array([[0.6, 0.8],
           [1. , 0. ]])
    """

    def fit(self, X: Any, y: Any = None) -> Normalizer:
        """Check the parameters and record the features; reads no dask data."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        numeric_array(X, f"{type(self).__name__}.fit")
        return super().fit(stand_in(X), y)

    def transform(self, X: Any, copy: bool | None = None) -> Any:
        """Normalize each row; lazy and blockwise for dask input."""
        if not is_dask(X):
            out = sk_preprocessing.Normalizer.transform(self, X, copy=copy)
            return self._as_configured(out, X)
        return self._lazy_transform(X)
