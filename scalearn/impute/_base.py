"""SimpleImputer on numpy, pandas, dask arrays and dask DataFrames."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
import pandas as pd
from sklearn import impute as sk_impute
from sklearn.utils.validation import check_is_fitted

from scalearn.preprocessing._base import (
    DaskTransformerMixin,
    forget_fit,
    plain_dtype,
)
from scalearn.preprocessing._ranks import exact_percentiles
from scalearn.utils._containers import (
    is_dask,
    is_dask_frame,
    map_rows,
    stand_in,
    to_row_blocks,
)
from scalearn.utils._validation import numeric_array, param_error

# --- per-block kernels: pure numpy / pandas -----------------------------------------


def _is_nan_marker(missing_values: Any) -> bool:
    return (
        missing_values is None
        or missing_values is pd.NA
        or (isinstance(missing_values, float) and np.isnan(missing_values))
    )


def missing_mask(values: np.ndarray, missing_values: Any) -> np.ndarray:
    """Where ``values`` holds the missing marker (NaN, None and pd.NA alike)."""
    if _is_nan_marker(missing_values):
        return np.asarray(pd.isna(values), dtype=bool)
    if values.dtype.kind == "O":
        return np.asarray(
            [[v == missing_values for v in row] for row in values], dtype=bool
        ).reshape(values.shape)
    return values == missing_values


def _columns(block: Any) -> list[np.ndarray]:
    if isinstance(block, pd.DataFrame):
        return [block.iloc[:, j].to_numpy() for j in range(block.shape[1])]
    values = np.asarray(block)
    return [values[:, j] for j in range(values.shape[1])]


def block_statistics(block: Any, missing_values: Any, strategy: str) -> list:
    """Per column: (rows, missing, sum, count, value counts or None, an example)."""
    found = []
    for column in _columns(block):
        missing = missing_mask(column.reshape(-1, 1), missing_values).ravel()
        present = column[~missing]
        total = count = 0.0
        counts = None
        if strategy == "mean":
            as_float = present.astype(np.float64)
            total, count = float(as_float.sum()), len(as_float)
        elif strategy == "most_frequent":
            counts = pd.Series(present, dtype=object).value_counts(sort=False)
        example = present[0] if len(present) else None
        found.append((len(column), int(missing.sum()), total, count, counts, example))
    return found


def _nan_for_missing(block: Any, missing_values: Any) -> np.ndarray:
    values = np.asarray(block, dtype=np.float64)
    return np.where(missing_mask(np.asarray(block), missing_values), np.nan, values)


def put_missing_back(
    block: Any, kept: np.ndarray, features: np.ndarray, n_features: int, marker: Any
) -> np.ndarray:
    """Undo the imputation of one block from its indicator columns.

    scikit-learn's own method takes a column missing in every row of the
    block for a column dropped in fit, which a block can easily be.
    """
    values = np.asarray(block)
    n_imputed = values.shape[1] - len(features)
    out = np.zeros((len(values), n_features))
    out[:, kept] = values[:, :n_imputed]
    mask = np.zeros(out.shape, dtype=bool)
    mask[:, features] = values[:, n_imputed:].astype(bool)
    out[mask] = marker
    return out


def _most_frequent(counts: list[pd.Series]) -> Any:
    """The most frequent value; the smallest of those tied, as scikit-learn."""
    merged = pd.concat([c for c in counts if len(c)])
    merged = merged.groupby(level=0, sort=False).sum()
    top = merged[merged == merged.max()].index
    return min(top)


# --- the estimator ------------------------------------------------------------------


class SimpleImputer(
    DaskTransformerMixin, sk_impute.SimpleImputer, auto_wrap_output_keys=None
):
    """Replace missing values by a column statistic or a constant.

    scikit-learn's :class:`~sklearn.impute.SimpleImputer`, extended to dask
    arrays and DataFrames (numeric and string columns). On dask input "mean",
    "most_frequent" and "constant" fit in one pass and "median" in two, and all
    are exact: the median is the exact one however many chunks the data has.
    scikit-learn then sets every fitted attribute (``statistics_``,
    ``indicator_`` with ``add_indicator``) from a two-row summary holding the
    statistics, so they equal its own. ``transform`` is lazy and blockwise.
    A callable ``strategy`` works on in-memory data only.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.impute import SimpleImputer
    >>> X = da.from_array(np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 6.0]]), 2)
    >>> imputer = SimpleImputer(strategy="median").fit(X)
    >>> imputer.statistics_
    array([2., 5.])
    >>> imputer.transform(X).compute()
    array([[1., 5.],
           [3., 4.],
           [2., 6.]])
    """

    def fit(self, X: Any, y: Any = None) -> SimpleImputer:
        """Learn each column's statistic: one pass (two for "median") for dask."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        owner = f"{type(self).__name__}.fit"
        strategies = ("mean", "median", "most_frequent", "constant")
        if self.strategy not in strategies:
            raise param_error(
                type(self).__name__,
                "strategy",
                self.strategy,
                f"one of {list(strategies)} for dask input",
                "Compute the data first (X.compute()) to use a callable strategy.",
            )
        if self.strategy == "median":
            values = numeric_array(X, owner)
            values = map_rows(
                values,
                _nan_for_missing,
                self.missing_values,
                meta=np.empty((0, values.shape[1])),
            )
            medians, present, n_rows = exact_percentiles(
                values, [50.0], with_counts=True
            )
            statistics, missing = list(medians[0]), n_rows - present
            has_value = present > 0
        else:
            statistics, missing, has_value = self._one_pass(X)
        super().fit(self._summary(X, statistics, missing, has_value))
        return self

    def _one_pass(self, X: Any) -> tuple[list, np.ndarray, np.ndarray]:
        apply = dask.delayed(block_statistics, pure=True)
        blocks = to_row_blocks(X)
        per_block = dask.compute(
            *(apply(b, self.missing_values, self.strategy) for b in blocks)
        )
        statistics, missing, has_value = [], [], []
        for column in zip(*per_block, strict=True):
            missing.append(sum(c[1] for c in column))
            count = sum(c[0] - c[1] for c in column)
            has_value.append(count > 0)
            if count == 0:
                statistics.append(None)
            elif self.strategy == "mean":
                statistics.append(sum(c[2] for c in column) / count)
            elif self.strategy == "most_frequent":
                statistics.append(_most_frequent([c[4] for c in column]))
            else:  # constant: any present value stands for the column
                statistics.append(next(c[5] for c in column if c[5] is not None))
        return statistics, np.array(missing), np.array(has_value)

    def _summary(
        self, X: Any, statistics: list, missing: np.ndarray, has_value: np.ndarray
    ) -> Any:
        """Two rows from which scikit-learn learns the same statistics.

        Row 0 holds each statistic (the missing marker for a column without
        values); row 1 holds the marker where the column had missing values.
        """
        marker = self.missing_values
        rows = [
            [
                s if present else marker
                for s, present in zip(statistics, has_value, strict=True)
            ],
            [
                marker if gone else s
                for s, gone, present in zip(
                    statistics, missing > 0, has_value, strict=True
                )
            ],
        ]
        numeric = self.strategy in ("mean", "median")
        if not is_dask_frame(X):
            dtype = X.dtype
            if numeric and dtype.kind not in "f":
                dtype = np.float64
            return np.array(rows, dtype=object).astype(dtype)
        columns = {}
        for j, (name, dtype) in enumerate(X.dtypes.items()):
            dtype = plain_dtype(dtype)
            if numeric and not pd.api.types.is_float_dtype(dtype):
                dtype = np.float64
            column = pd.Series([rows[0][j], rows[1][j]], dtype=object)
            columns[name] = (
                column if dtype == np.dtype(object) else column.astype(dtype)
            )
        return pd.DataFrame(columns)

    def inverse_transform(self, X: Any) -> Any:
        """Put the missing values back (needs ``add_indicator=True``)."""
        if not is_dask(X):
            return super().inverse_transform(X)
        check_is_fitted(self)
        if not self.add_indicator:
            raise ValueError(
                f"{type(self).__name__}.inverse_transform works only with "
                f"add_indicator=True; got add_indicator={self.add_indicator!r}. "
                "Fit with add_indicator=True to be able to undo the imputation."
            )
        kept = np.arange(self.n_features_in_)
        if not self.keep_empty_features:
            kept = kept[~pd.isna(self.statistics_)]
        args = (kept, self.indicator_.features_, self.n_features_in_)
        meta = put_missing_back(stand_in(X), *args, self.missing_values)
        if is_dask_frame(X):
            names = getattr(self, "feature_names_in_", range(self.n_features_in_))
            meta = pd.DataFrame(meta[:0], columns=list(names))
        return map_rows(X, put_missing_back, *args, self.missing_values, meta=meta)
