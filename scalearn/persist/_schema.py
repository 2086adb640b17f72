"""The input schema a model was trained on, and the check of new input against it.

Only metadata is read: a dask DataFrame's columns and dtypes are known without
computing it, so a bad input file fails before any partition is scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandas.api import types as ptypes

from scalearn.utils._containers import columns_of, n_features

NUMBER = "number"
TEXT = "text"
DATETIME = "datetime"
TIMEDELTA = "timedelta"
OTHER = "other"


class SchemaError(ValueError):
    """Input columns that do not match the schema the model was trained on."""


def dtype_family(dtype: Any) -> str:
    """The family of a dtype, which decides what a model can take in its place.

    Integers, floats and booleans (numpy's or pandas' nullable ones) are all
    numbers; strings, objects and categoricals are all text.

    Examples
    --------
    >>> dtype_family("int8"), dtype_family("Float64"), dtype_family("bool")
    ('number', 'number', 'number')
    >>> dtype_family("category"), dtype_family("object"), dtype_family("str")
    ('text', 'text', 'text')
    >>> dtype_family("datetime64[ns]")
    'datetime'
    """
    dtype = pd.api.types.pandas_dtype(dtype)
    if isinstance(dtype, pd.CategoricalDtype) or ptypes.is_string_dtype(dtype):
        return TEXT
    if ptypes.is_object_dtype(dtype):
        return TEXT
    if ptypes.is_bool_dtype(dtype) or ptypes.is_numeric_dtype(dtype):
        return NUMBER
    if ptypes.is_datetime64_any_dtype(dtype):
        return DATETIME
    if ptypes.is_timedelta64_dtype(dtype):
        return TIMEDELTA
    return OTHER


@dataclass(frozen=True)
class Schema:
    """The columns a model was trained on.

    Attributes
    ----------
    names : tuple of str or None
        Column names in training order; None when the model saw a plain array.
    dtypes : tuple of str or None
        The dtype of each column, as ``str(dtype)``; None when not recorded.
    n_features : int or None
        Number of input columns; None when unknown.
    """

    names: tuple[str, ...] | None = None
    dtypes: tuple[str, ...] | None = None
    n_features: int | None = None

    @classmethod
    def of(cls, model: Any, X: Any = None) -> Schema:
        """The schema of ``X`` (training data, or a few rows of it), else the model's.

        ``X`` may be a numpy array, a pandas or dask DataFrame; nothing is
        computed. Without ``X``, the names come from ``feature_names_in_``.

        Examples
        --------
        >>> frame = pd.DataFrame({"a": [1.0], "b": ["x"]})
        >>> Schema.of(None, frame)
        Schema(names=('a', 'b'), dtypes=('float64', 'str'), n_features=2)
        """
        columns = None if X is None else columns_of(X)
        if columns is not None:
            dtypes = tuple(str(X[name].dtype) for name in columns)
            return cls(tuple(str(c) for c in columns), dtypes, len(columns))
        if X is not None and n_features(X) is not None:
            dtype = getattr(X, "dtype", None)
            width = n_features(X)
            dtypes = None if dtype is None else (str(dtype),) * width
            return cls(None, dtypes, width)
        names = getattr(model, "feature_names_in_", None)
        width = getattr(model, "n_features_in_", None)
        return cls(
            None if names is None else tuple(str(n) for n in names),
            None,
            None if width is None else int(width),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": None if self.names is None else list(self.names),
            "dtypes": None if self.dtypes is None else list(self.dtypes),
            "n_features": self.n_features,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        names, dtypes = data.get("names"), data.get("dtypes")
        return cls(
            None if names is None else tuple(names),
            None if dtypes is None else tuple(dtypes),
            data.get("n_features"),
        )

    def check(self, X: Any, *, source: str = "the input") -> None:
        """Raise :class:`SchemaError` listing every missing or mistyped column.

        Extra columns are allowed (select ``X[list(schema.names)]`` to drop
        them). A column is mistyped when its dtype family (number, text,
        datetime) differs from the one trained on: ``int8`` in training and
        ``float64`` now is fine, numbers where text was trained on are not.

        Parameters
        ----------
        X : DataFrame or array-like
            pandas or dask DataFrame (columns checked) or array (width checked).
        source : str
            What ``X`` is, for the message (a file name, say).

        Examples
        --------
        >>> schema = Schema(("a", "b"), ("float64", "str"), 2)
        >>> schema.check(pd.DataFrame({"a": [1], "b": ["x"], "c": [0]}))
        >>> schema.check(pd.DataFrame({"b": [1.0]}))
        Traceback (most recent call last):
        ...
        scalearn.persist._schema.SchemaError: the input does not match the columns the model was trained on: missing column 'a' (float64); column 'b' is float64 (number) but the model was trained on str (text). Give the input these columns with these types, or convert them before scoring.
        """  # noqa: E501
        columns = columns_of(X)
        if self.names is None or columns is None:
            self._check_width(X, source)
            return
        present = {str(c): X[c].dtype for c in columns}
        dtypes = self.dtypes or (None,) * len(self.names)
        problems = []
        for name, trained in zip(self.names, dtypes, strict=True):
            if name not in present:
                problems.append(
                    f"missing column {name!r}" + (f" ({trained})" if trained else "")
                )
                continue
            if trained is None:
                continue
            got = present[name]
            if dtype_family(got) != dtype_family(trained):
                problems.append(
                    f"column {name!r} is {got} ({dtype_family(got)}) but the model "
                    f"was trained on {trained} ({dtype_family(trained)})"
                )
        if problems:
            raise SchemaError(
                f"{source} does not match the columns the model was trained on: "
                + "; ".join(problems)
                + ". Give the input these columns with these types, or convert "
                "them before scoring."
            )

    def _check_width(self, X: Any, source: str) -> None:
        got = n_features(X)
        if self.n_features is not None and got is not None and got != self.n_features:
            raise SchemaError(
                f"{source} has {got} columns but the model was trained on "
                f"{self.n_features}. Pass the {self.n_features} feature columns "
                "the model was trained on, in training order."
            )
