"""Checks that never compute a dask collection.

Errors follow one shape: they name the class, the parameter, the bad value, the
accepted values and the fix.
"""

from __future__ import annotations

import numbers
from typing import Any

import dask.array as da
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from scalearn.utils._containers import (
    columns_of,
    is_dask_frame,
    n_features,
    whole_rows,
)


def param_error(
    owner: str, param: str, value: Any, accepted: str, fix: str
) -> ValueError:
    """The error for a bad parameter value, in scikit-learn's message shape."""
    return ValueError(
        f"The {param!r} parameter of {owner} must be {accepted}. "
        f"Got {value!r} instead. {fix}"
    )


def check_param(
    owner: str, param: str, value: Any, ok: bool, accepted: str, fix: str = ""
) -> None:
    if not ok:
        raise param_error(owner, param, value, accepted, fix)


def is_rows_per_block(chunks: Any) -> bool:
    """Whether ``chunks`` counts rows only: an int, a string such as 'auto', or None."""
    return chunks is None or isinstance(chunks, numbers.Integral | str)


def row_chunks(
    owner: str, chunks: Any, shape: tuple[int, ...], dtype: Any, fix: str = ""
) -> tuple[tuple[int, ...], ...]:
    """Dask chunks for an array of ``shape``, where an int (or 'auto', or None
    for 'auto') counts rows and leaves the other axes whole; any other value is
    one of dask's forms (a block shape, or the sizes along each axis)."""
    wanted = chunks
    if is_rows_per_block(chunks):
        wanted = ("auto" if chunks is None else chunks,) + (-1,) * (len(shape) - 1)
    try:
        return da.core.normalize_chunks(wanted, shape, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"The 'chunks' parameter of {owner} must be rows per block (an int), "
            "'auto' or None, or dask's chunks (a block shape, or the sizes along "
            f"each axis). Got {chunks!r} instead, which dask rejects for shape "
            f"{shape}: {error}. {fix}".rstrip()
        ) from error


def check_has_method(owner: str, estimator: Any, method: str, fix: str) -> None:
    """Raise a clear error when the wrapped ``estimator`` lacks ``method``."""
    if not hasattr(estimator, method):
        raise param_error(
            owner,
            "estimator",
            estimator,
            f"an estimator with a {method!r} method",
            fix,
        )


def check_fitted_features(owner: str, fitted: Any, X: Any) -> None:
    """Compare ``X``'s columns with those seen in fit, from metadata only."""
    check_is_fitted(fitted)
    expected = getattr(fitted, "n_features_in_", None)
    got = n_features(X)
    if expected is not None and got is not None and got != expected:
        # scikit-learn's wording, which tools and its own checks match on.
        raise ValueError(
            f"{owner}: X has {got} features, but {owner.split('.')[0]} is expecting "
            f"{expected} features as input. Pass data with the columns the model "
            "was fitted on."
        )
    names = getattr(fitted, "feature_names_in_", None)
    columns = columns_of(X)
    if names is not None and columns is not None and list(columns) != list(names):
        raise ValueError(
            f"{owner}: X's columns {list(columns)} differ from the columns seen "
            f"in fit {list(names)}. Select the fitted columns in that order: "
            "X[list(model.feature_names_in_)]."
        )


def numeric_array(X: Any, owner: str) -> da.Array:
    """Dask ``X`` as a 2-D numeric dask array with whole rows per block, lazily."""
    if is_dask_frame(X):
        if X.ndim != 2:
            raise ValueError(
                f"{owner}: expected a 2-D dask DataFrame, got a dask Series. "
                "Use series.to_frame()."
            )
        bad = [c for c, t in X.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
        if bad:
            raise ValueError(
                f"{owner}: columns {bad} are not numeric. Encode them first "
                "(for example with OneHotEncoder in a ColumnTransformer)."
            )
        return X.to_dask_array()
    if X.ndim != 2:
        raise ValueError(
            f"{owner}: expected a 2-D array, got {X.ndim}-D with shape {X.shape}. "
            "Reshape with X.reshape(-1, 1) for a single feature."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"{owner}: X has dtype {X.dtype!r}; a numeric dtype is required. "
            "Convert with X.astype(float)."
        )
    return whole_rows(X)
