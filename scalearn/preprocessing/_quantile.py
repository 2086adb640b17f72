"""Transformers learned from quantiles: RobustScaler and QuantileTransformer."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import preprocessing as sk_preprocessing

from scalearn.preprocessing._base import (
    DaskTransformerMixin,
    forget_fit,
)
from scalearn.preprocessing._ranks import (
    approximate_quantiles,
    exact_percentiles,
    sketch_columns,
)
from scalearn.utils._containers import is_dask, is_dask_frame, stand_in
from scalearn.utils._validation import numeric_array


def _float_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _zeros_like_rows(X: Any, n: int) -> Any:
    """``n`` rows of zeros with ``X``'s columns and float dtype, for validation."""
    values = np.zeros((n, len(X.columns) if is_dask_frame(X) else X.shape[1]))
    if is_dask_frame(X):
        return pd.DataFrame(values, columns=X.columns)
    return values.astype(_float_dtype(X.dtype))


class RobustScaler(
    DaskTransformerMixin, sk_preprocessing.RobustScaler, auto_wrap_output_keys=None
):
    """Scale features by statistics robust to outliers: the median and the IQR.

    scikit-learn's :class:`~sklearn.preprocessing.RobustScaler`, extended to dask
    arrays and DataFrames. On dask input the quantiles are **exact** (equal to
    ``numpy.nanpercentile`` on the whole data, however many chunks it has): a
    first pass sketches every block, which brackets each wanted order statistic
    between two values; a second pass counts the values below each bracket and
    gathers the few inside it (two ``dask.compute`` calls in all). NaN is
    ignored as in scikit-learn; ``transform`` is lazy and keeps the row chunks.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import RobustScaler
    >>> X = da.from_array([[1.0], [2.0], [3.0], [4.0], [100.0]], chunks=2)
    >>> scaler = RobustScaler().fit(X)
    >>> scaler.center_, scaler.scale_
    (array([3.]), array([2.]))
    """

    def fit(self, X: Any, y: Any = None) -> RobustScaler:
        """Compute the median and the quantile range, exactly, for dask input."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        values = numeric_array(X, f"{type(self).__name__}.fit")
        # scikit-learn checks the parameters and records the features.
        super().fit(stand_in(X))
        q_min, q_max = self.quantile_range
        wanted = [50.0] if self.with_centering else []
        if self.with_scaling:
            wanted += [q_min, q_max]
        found = exact_percentiles(values, wanted) if wanted else None
        dtype = _float_dtype(values.dtype)
        self.center_ = found[0].astype(dtype) if self.with_centering else None
        if not self.with_scaling:
            self.scale_ = None
            return self
        scale = (found[-1] - found[-2]).astype(dtype)
        scale[scale < 10 * np.finfo(dtype).eps] = 1.0
        if self.unit_variance:
            scale = scale / (
                stats.norm.ppf(q_max / 100.0) - stats.norm.ppf(q_min / 100.0)
            )
        self.scale_ = scale
        return self


class QuantileTransformer(
    DaskTransformerMixin,
    sk_preprocessing.QuantileTransformer,
    auto_wrap_output_keys=None,
):
    """Map each feature to a uniform or normal distribution through its quantiles.

    scikit-learn's :class:`~sklearn.preprocessing.QuantileTransformer`, extended
    to dask arrays and DataFrames. On dask input ``fit`` reads all the rows in
    one pass (``subsample`` is not used) and the quantiles are approximate: each
    is within about ``n_rows / 1024`` positions of the exact one, and exact
    while no block holds more than 1,024 values of a column. (scikit-learn
    itself uses a random subsample of 10,000 rows by default.) ``transform`` and
    ``inverse_transform`` are lazy and keep the row chunks.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import QuantileTransformer
    >>> X = da.arange(10.0, chunks=5).reshape(-1, 1)
    >>> qt = QuantileTransformer(n_quantiles=5).fit(X)
    >>> qt.quantiles_.ravel()
    array([0.  , 2.25, 4.5 , 6.75, 9.  ])
    """

    def fit(self, X: Any, y: Any = None) -> QuantileTransformer:
        """Compute the quantiles, in one pass for dask input."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        values = numeric_array(X, f"{type(self).__name__}.fit")
        # scikit-learn checks the parameters and records the features.
        super().fit(_zeros_like_rows(X, max(int(self.n_quantiles), 1)))
        n_rows, sketches = sketch_columns(values)
        if self.n_quantiles > n_rows:
            warnings.warn(
                f"n_quantiles ({self.n_quantiles}) is greater than the total "
                f"number of samples ({n_rows}). n_quantiles is set to n_samples.",
                UserWarning,
                stacklevel=2,
            )
        self.n_quantiles_ = max(1, min(self.n_quantiles, n_rows))
        references = np.linspace(0, 1, self.n_quantiles_, endpoint=True)
        quantiles = approximate_quantiles(sketches, references)
        self.references_ = references
        dtype = _float_dtype(values.dtype)
        self.quantiles_ = np.maximum.accumulate(quantiles).astype(dtype)
        return self
