"""OneHotEncoder, OrdinalEncoder and LabelEncoder on every container.

On dask input, one pass counts each column's values (NaN included, as
scikit-learn counts it) and scikit-learn fits on a small summary with the same
categories: one row per category, or, when ``min_frequency`` /
``max_categories`` ask for counts, every category repeated as often as it
occurs (so as many rows as the data, of category values only).
"""

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
from scalearn.utils._containers import (
    is_dask,
    is_dask_frame,
    to_row_blocks,
)

# --- per-block kernels: pure pandas -------------------------------------------------


def block_value_counts(block: Any) -> list[pd.Series]:
    """Per column, how often each value occurs (NaN counted, as one value)."""
    if isinstance(block, pd.Series):
        block = block.to_frame()
    if isinstance(block, pd.DataFrame):
        columns = [block.iloc[:, j] for j in range(block.shape[1])]
    else:
        values = np.asarray(block)
        values = values.reshape(len(values), -1)
        columns = [pd.Series(values[:, j]) for j in range(values.shape[1])]
    found = []
    for column in columns:
        counts = column.value_counts(dropna=False, sort=False)
        labels = counts.index.to_numpy(dtype=object, copy=True)
        labels[pd.isna(labels)] = np.nan  # pd.NA and None count as NaN
        found.append(pd.Series(counts.to_numpy(), index=labels))
    return found


def value_counts(X: Any) -> list[pd.Series]:
    """Per column of dask ``X``, the count of each value: one compute."""
    apply = dask.delayed(block_value_counts, pure=True)
    per_block = dask.compute(*(apply(b) for b in to_row_blocks(X)))
    merged = []
    for column in zip(*per_block, strict=True):
        counts = pd.concat(column).groupby(level=0, dropna=False, sort=False).sum()
        merged.append(counts)
    return merged


def _sorted_values(counts: pd.Series) -> np.ndarray:
    """The distinct values in scikit-learn's order: sorted, NaN last."""
    values = counts.index.to_numpy(dtype=object)
    missing = pd.isna(values)
    return np.concatenate([np.sort(values[~missing]), values[missing][:1]])


class _CategoricalEncoder(DaskTransformerMixin):
    """What OneHotEncoder and OrdinalEncoder share on dask input."""

    def fit(self, X: Any, y: Any = None) -> Any:
        """Learn the categories of each column, in one pass for dask input."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        counts = value_counts(X)
        needs_counts = (
            getattr(self, "min_frequency", None) is not None
            or getattr(self, "max_categories", None) is not None
        )
        if needs_counts:
            columns = [
                np.repeat(c.index.to_numpy(dtype=object), c.to_numpy()) for c in counts
            ]
        else:
            columns = [_sorted_values(c) for c in counts]
        return super().fit(summary_like(X, columns), y)

    def _sample(self, X: Any) -> Any:
        """A row of known categories shaped like a block of ``X``."""
        return summary_like(X, [c[:1] for c in self.categories_])

    def transform(self, X: Any) -> Any:
        """Encode ``X``; lazy and blockwise for dask input."""
        if not is_dask(X):
            return self._as_configured(super().transform(X), X)
        self._check_features(X)
        return self._lazy(X, "transform", sample=self._sample(X))

    def inverse_transform(self, X: Any) -> Any:
        """Decode ``X`` back to the categories; lazy for dask input."""
        if not is_dask(X):
            return super().inverse_transform(X)
        sample = super().transform(self._in_memory_sample())
        names = getattr(self, "feature_names_in_", None)
        return self._lazy(
            X,
            "inverse_transform",
            sample=sample,
            labels=None if names is None else list(names),
        )

    def _in_memory_sample(self) -> Any:
        row = [[c[0] for c in self.categories_]]
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return np.array(row, dtype=object)
        return pd.DataFrame(row, columns=list(names))

    def _check_features(self, X: Any) -> None:
        from scalearn.utils._validation import check_fitted_features

        check_fitted_features(f"{type(self).__name__}.transform", self, X)


class OneHotEncoder(
    _CategoricalEncoder, sk_preprocessing.OneHotEncoder, auto_wrap_output_keys=None
):
    """Encode categorical features as a one-hot numeric array.

    scikit-learn's :class:`~sklearn.preprocessing.OneHotEncoder` (all its
    parameters: ``handle_unknown`` "error" / "ignore" / "infrequent_if_exist",
    ``min_frequency``, ``max_categories``, ``drop``, sparse or dense output),
    extended to dask arrays and DataFrames, with string, categorical or numeric
    columns. ``fit`` takes one pass; ``transform`` is lazy and blockwise: dense
    output from a dask DataFrame is a dask DataFrame named by
    ``get_feature_names_out()``, sparse output a dask array of scipy.sparse
    blocks. The fitted attributes equal scikit-learn's.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from scalearn.preprocessing import OneHotEncoder
    >>> df = dd.from_pandas(pd.DataFrame({"pay": ["cash", "card", "cash"]}), 2)
    >>> enc = OneHotEncoder(sparse_output=False).fit(df)
    >>> enc.categories_
    [array(['card', 'cash'], dtype=object)]
    >>> enc.transform(df).compute()
       pay_card  pay_cash
    0       0.0       1.0
    1       1.0       0.0
    2       0.0       1.0
    """


class OrdinalEncoder(
    _CategoricalEncoder, sk_preprocessing.OrdinalEncoder, auto_wrap_output_keys=None
):
    """Encode categorical features as integers (as floats by default).

    scikit-learn's :class:`~sklearn.preprocessing.OrdinalEncoder`, with all its
    parameters, extended to dask arrays and DataFrames: one pass to fit, lazy
    blockwise ``transform`` and ``inverse_transform``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.preprocessing import OrdinalEncoder
    >>> X = da.from_array(np.array([["b"], ["a"], ["c"]], dtype=object), chunks=2)
    >>> OrdinalEncoder().fit_transform(X).compute().ravel()
    array([1., 0., 2.])
    """


class LabelEncoder(DaskTransformerMixin, sk_preprocessing.LabelEncoder):
    """Encode target labels as integers 0 .. n_classes - 1.

    scikit-learn's :class:`~sklearn.preprocessing.LabelEncoder`, extended to
    dask arrays and Series: one pass to find the classes (or none, with
    ``use_categorical``, for a categorical Series with known categories, whose
    categories are then the classes), lazy ``transform`` and
    ``inverse_transform``.

    Parameters
    ----------
    use_categorical : bool, default True
        Take a categorical dask Series's known categories as the classes,
        without reading the data (dask-ml's parameter).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.preprocessing import LabelEncoder
    >>> y = da.from_array(np.array(["b", "a", "b", "c"]), chunks=2)
    >>> enc = LabelEncoder().fit(y)
    >>> enc.classes_
    array(['a', 'b', 'c'], dtype='<U1')
    >>> enc.transform(y).compute()
    array([1, 0, 1, 2])
    """

    def __init__(self, use_categorical: bool = True) -> None:
        self.use_categorical = use_categorical

    def fit(self, y: Any) -> LabelEncoder:
        """Find the classes, in one pass for dask input."""
        if not is_dask(y):
            return super().fit(y)
        forget_fit(self)
        dtype = getattr(y, "dtype", None)
        if (
            self.use_categorical
            and isinstance(dtype, pd.CategoricalDtype)
            and dtype.categories is not None
            and getattr(y.cat, "known", True)
        ):
            return super().fit(np.asarray(dtype.categories))
        (counts,) = value_counts(y)
        classes = _sorted_values(counts)
        if is_dask_frame(y):
            classes = classes.astype(plain_dtype_of(y))
        else:
            classes = classes.astype(y.dtype)
        return super().fit(classes)

    def fit_transform(self, y: Any) -> Any:
        """Fit, then encode ``y``."""
        return self.fit(y).transform(y)

    def transform(self, y: Any) -> Any:
        """Encode ``y``; lazy and blockwise for dask input."""
        if not is_dask(y):
            return super().transform(y)
        return self._lazy(y, "transform", sample=self.classes_[:1])

    def inverse_transform(self, y: Any) -> Any:
        """Decode ``y``; lazy and blockwise for dask input."""
        if not is_dask(y):
            return super().inverse_transform(y)
        return self._lazy(y, "inverse_transform", sample=np.zeros(1, dtype=np.int64))


def plain_dtype_of(y: Any) -> Any:
    dtype = y.dtype
    if isinstance(dtype, pd.CategoricalDtype | pd.StringDtype):
        return np.dtype(object)
    return dtype
