"""dask-ml's categorical workflow: Categorizer, then DummyEncoder, on DataFrames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from scalearn.preprocessing._encoders import _sorted_values, value_counts
from scalearn.utils._containers import is_dask_frame
from scalearn.utils._validation import param_error


def _check_frame(owner: str, X: Any) -> None:
    if not isinstance(X, pd.DataFrame | dd.DataFrame):
        raise TypeError(
            f"{owner}: X must be a pandas or dask DataFrame, got "
            f"{type(X).__name__}. Wrap an array in a DataFrame with named columns."
        )


def _is_text(dtype: Any) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


class Categorizer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Give the text columns of a DataFrame a categorical dtype with known categories.

    The first step of dask-ml's categorical workflow (then :class:`DummyEncoder`).
    By default every object, string or categorical column is categorized, with
    its sorted distinct values (NaN excluded) as unordered categories, found in
    one pass over a dask DataFrame; columns that are already categorical with
    known categories keep them without being read. Other columns pass through.

    Parameters
    ----------
    categories : mapping, optional
        Column name to ``pandas.CategoricalDtype`` (or ``(categories, ordered)``);
        given, nothing is read and ``columns`` is ignored.
    columns : sequence, optional
        The columns to categorize (default: the text and categorical columns).

    Attributes
    ----------
    columns_ : pandas.Index
        The categorized columns.
    categories_ : dict
        Column name to its ``CategoricalDtype``.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from scalearn.preprocessing import Categorizer
    >>> df = dd.from_pandas(pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 2, 3]}), 2)
    >>> ct = Categorizer().fit(df)
    >>> list(ct.categories_["a"].categories)
    ['x', 'y']
    >>> ct.transform(df)["a"].cat.known
    True
    """

    def __init__(
        self, categories: Mapping | None = None, columns: Sequence | None = None
    ) -> None:
        self.categories = categories
        self.columns = columns

    def fit(self, X: Any, y: Any = None) -> Categorizer:
        """Find the categories (one pass over the columns that need it)."""
        owner = f"{type(self).__name__}.fit"
        _check_frame(owner, X)
        if self.categories is not None:
            categories = {
                c: t if isinstance(t, pd.CategoricalDtype) else pd.CategoricalDtype(*t)
                for c, t in self.categories.items()
            }
        else:
            columns = (
                [c for c, t in X.dtypes.items() if _is_text(t) or t == "category"]
                if self.columns is None
                else list(self.columns)
            )
            missing = [c for c in columns if c not in X.columns]
            if missing:
                raise param_error(
                    type(self).__name__,
                    "columns",
                    self.columns,
                    f"columns of X ({list(X.columns)})",
                    f"Drop {missing} from columns.",
                )
            categories = {}
            unknown = []
            for c in columns:
                dtype = X.dtypes[c]
                known = (
                    not is_dask_frame(X) or X[c].cat.known
                    if dtype == "category"
                    else False
                )
                if dtype == "category" and known:
                    categories[c] = pd.CategoricalDtype(dtype.categories, dtype.ordered)
                else:
                    unknown.append(c)
            if unknown:
                counts = (
                    value_counts(X[unknown])
                    if is_dask_frame(X)
                    else [X[c].value_counts(dropna=False) for c in unknown]
                )
                for c, found in zip(unknown, counts, strict=True):
                    values = _sorted_values(found)
                    values = values[~pd.isna(values)]
                    categories[c] = pd.CategoricalDtype(values, ordered=False)
        self.columns_ = pd.Index(list(categories))
        self.categories_ = categories
        self.n_features_in_ = len(X.columns)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: Any) -> Any:
        """``X`` with the categorized columns; lazy for a dask DataFrame."""
        check_is_fitted(self)
        _check_frame(f"{type(self).__name__}.transform", X)
        return X.astype(self.categories_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self)
        return self.feature_names_in_.copy()


class DummyEncoder(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """One-hot encode the categorical columns of a DataFrame (``get_dummies``).

    The second step of dask-ml's categorical workflow: the categorical columns
    (with known categories; see :class:`Categorizer`) become one indicator
    column per category, named ``<column>_<category>``; the other columns pass
    through. Reads no data; ``transform`` is lazy on a dask DataFrame.

    Parameters
    ----------
    columns : sequence, optional
        The columns to encode (default: all categorical columns).
    drop_first : bool, default False
        Drop the first category's column of each encoded column.

    Examples
    --------
    >>> import pandas as pd
    >>> from scalearn.preprocessing import DummyEncoder
    >>> df = pd.DataFrame({"A": [1, 2], "B": pd.Categorical(["a", "b"])})
    >>> DummyEncoder().fit_transform(df)
       A    B_a    B_b
    0  1   True  False
    1  2  False   True
    """

    def __init__(
        self, columns: Sequence | None = None, drop_first: bool = False
    ) -> None:
        self.columns = columns
        self.drop_first = drop_first

    def fit(self, X: Any, y: Any = None) -> DummyEncoder:
        """Record the columns and categories; reads no data."""
        owner = f"{type(self).__name__}.fit"
        _check_frame(owner, X)
        columns = (
            [c for c, t in X.dtypes.items() if t == "category"]
            if self.columns is None
            else list(self.columns)
        )
        for c in columns:
            if X.dtypes.get(c) != "category" or (
                is_dask_frame(X) and not X[c].cat.known
            ):
                raise ValueError(
                    f"{owner}: column {c!r} is not categorical with known "
                    "categories. Run Categorizer first (in a Pipeline) or "
                    "X.categorize()."
                )
        self.columns_ = X.columns
        self.categorical_columns_ = pd.Index(columns)
        self.non_categorical_columns_ = X.columns.drop(columns)
        self.dtypes_ = {c: X.dtypes[c] for c in columns}
        self._input_dtypes = dict(X.dtypes.items())
        sample = X._meta if is_dask_frame(X) else X.iloc[:0]
        self.transformed_columns_ = pd.get_dummies(
            sample, columns=columns, drop_first=self.drop_first
        ).columns
        self.n_features_in_ = len(X.columns)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: Any) -> Any:
        """The encoded DataFrame; lazy for a dask DataFrame."""
        check_is_fitted(self)
        _check_frame(f"{type(self).__name__}.transform", X)
        if list(X.columns) != list(self.columns_):
            raise ValueError(
                f"{type(self).__name__}.transform: X's columns {list(X.columns)} "
                f"differ from those seen in fit {list(self.columns_)}."
            )
        get_dummies = dd.get_dummies if is_dask_frame(X) else pd.get_dummies
        return get_dummies(
            X.astype(self.dtypes_),
            columns=list(self.categorical_columns_),
            drop_first=self.drop_first,
        )

    def inverse_transform(self, X: Any) -> Any:
        """Rebuild the categorical columns from their indicators."""
        check_is_fitted(self)
        if is_dask_frame(X):
            meta = pd.DataFrame(
                {c: pd.Series(dtype=self._dtype_of(c)) for c in self.columns_}
            )
            return X.map_partitions(self._undo, meta=meta)
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(np.asarray(X), columns=self.transformed_columns_)
        return self._undo(X)

    def _dtype_of(self, column: Any) -> Any:
        return self._input_dtypes[column]

    def _undo(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for c in self.columns_:
            if c not in self.dtypes_:
                out[c] = frame[c]
                continue
            categories = self.dtypes_[c].categories
            names = [f"{c}_{v}" for v in categories]
            present = [n for n in names if n in frame.columns]
            codes = np.asarray(frame[present], dtype=np.float64)
            offset = len(names) - len(present)  # the dropped first category
            picked = codes.argmax(axis=1) + offset
            if offset:
                picked[codes.sum(axis=1) == 0] = 0
            out[c] = pd.Categorical.from_codes(picked, dtype=self.dtypes_[c])
        return pd.DataFrame(out, index=frame.index)
