"""What scalearn's dask-aware transformers share.

Each one subclasses a scikit-learn transformer. Numpy, pandas and sparse input go
to scikit-learn unchanged. Dask input is fitted from statistics gathered in one
pass, which are then handed to scikit-learn as a tiny in-memory *summary* with the
same statistics (so that scikit-learn validates the parameters and sets every
fitted attribute itself), and transformed lazily by scikit-learn's own method on
each block.

What ``transform`` returns (``set_output``)
-------------------------------------------
The output has the container of the input, and ``set_output`` picks the
DataFrame library of in-memory output:

============== ================= ================= ==========================
input          "default"         "pandas"          "polars"
============== ================= ================= ==========================
numpy          numpy             pandas DataFrame  polars DataFrame
pandas         pandas DataFrame  pandas DataFrame  polars DataFrame
dask array     dask array        dask array        dask array
dask DataFrame dask DataFrame    dask DataFrame    dask DataFrame
============== ================= ================= ==========================

Two choices differ from scikit-learn, for one reason: a fitted pipeline must see
the same kind of data whether it is given dask or in-memory data.

- A pandas DataFrame gives a pandas DataFrame (named by
  ``get_feature_names_out()``, on the input's index) under the default output,
  where scikit-learn gives a numpy array. A dask DataFrame gives a dask
  DataFrame, so a pipeline fitted on dask data hands named columns to its last
  step; that step must get named columns from pandas input too, or
  scikit-learn warns that "X does not have valid feature names". Sparse output
  stays sparse. Use ``.to_numpy()`` for an array.
- polars has no lazy distributed collection, so with "polars" dask input keeps
  its container: a dask DataFrame of pandas partitions (call
  ``polars.from_pandas`` on a computed result), never a computed polars frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.metaestimators import available_if

from scalearn.utils._containers import (
    is_dask,
    is_dask_array,
    is_dask_frame,
    map_rows,
    stand_in,
)
from scalearn.utils._sklearn_compat import set_transform_output, transform_output
from scalearn.utils._validation import check_fitted_features, check_param

OUTPUTS = (None, "default", "pandas", "polars")


def sklearn_class(estimator: Any) -> type:
    """The scikit-learn class a scalearn transformer extends."""
    for cls in type(estimator).__mro__:
        if cls.__module__.startswith("sklearn."):
            return cls
    raise TypeError(f"{type(estimator).__name__} extends no scikit-learn class.")


def call_sklearn(block: Any, estimator: Any, name: str) -> Any:
    """The per-block kernel: scikit-learn's own ``name`` method on one block.

    A block of a dask collection may be a view of the caller's data, so it is
    copied first when ``copy=False`` would let scikit-learn work in place.
    """
    if getattr(estimator, "copy", True) is False:
        block = block.copy()
    if isinstance(block, pd.DataFrame):
        # pandas hands out read-only arrays, which some inverses write into.
        block = (
            block.to_numpy(copy=True)
            if name == "inverse_transform"
            else (plain_strings(block))
        )
    return getattr(sklearn_class(estimator), name)(estimator, block)


def _na_strings(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA


def plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns missing values as pd.NA (dask's default) made object/NaN.

    scikit-learn compares values with themselves to find NaN, which pd.NA
    refuses; its missing marker is NaN.
    """
    columns = [c for c, t in frame.dtypes.items() if _na_strings(t)]
    if not columns:
        return frame
    plain = {
        c: frame[c].astype(object).where(frame[c].notna(), np.nan) for c in columns
    }
    return (
        frame.assign(**plain)
        if all(isinstance(c, str) for c in columns)
        else (
            pd.concat([frame.drop(columns=columns), pd.DataFrame(plain)], axis=1)[
                frame.columns
            ]
        )
    )


def plain_dtype(dtype: Any) -> Any:
    """The dtype :func:`plain_strings` gives a column of ``dtype``."""
    return np.dtype(object) if _na_strings(dtype) else dtype


def forget_fit(estimator: Any) -> None:
    """Drop what a previous fit learned, so that a refit starts afresh."""
    for name in [n for n in vars(estimator) if n.endswith("_") and n[0] != "_"]:
        del estimator.__dict__[name]


class DaskTransformerMixin:
    """Output configuration and lazy blockwise methods for a scikit-learn subclass.

    Listed before the scikit-learn class, whose subclass opts out of
    scikit-learn's automatic output wrapping (``auto_wrap_output_keys=None``),
    which would compute a lazy result.
    """

    def set_output(self, *, transform: str | None = None) -> Any:
        """Choose what ``transform`` returns: "default", "pandas" or "polars".

        With "pandas" (or "polars"), numpy and pandas input give a DataFrame of
        that library; dask input keeps its own container (dask DataFrame in,
        dask DataFrame out). See the module docstring for the whole table.
        """
        check_param(
            type(self).__name__,
            "transform",
            transform,
            transform in OUTPUTS,
            f"one of {list(OUTPUTS)}",
            "Pass set_output(transform='pandas') for pandas DataFrames.",
        )
        set_transform_output(self, transform)
        return self

    def _as_configured(self, out: Any, X: Any) -> Any:
        """In-memory output wrapped as ``set_output`` asks."""
        config = transform_output(self)
        if isinstance(out, pd.DataFrame):
            return out
        if config == "default":
            dense_frame = isinstance(X, pd.DataFrame) and np.ndim(out) == 2
            if not dense_frame or sp.issparse(out):
                return out
            # pandas in, pandas out: as a dask DataFrame gives a dask DataFrame.
            names = list(self.get_feature_names_out())
            return pd.DataFrame(out, index=X.index, columns=names)
        if sp.issparse(out):
            raise ValueError(
                f"{type(self).__name__}: {config} output does not support sparse "
                "data. Ask for dense output (sparse_output=False) or use "
                "set_output(transform='default')."
            )
        names = list(self.get_feature_names_out())
        if config == "polars":
            import polars as pl

            return pl.DataFrame(np.asarray(out), schema=names, orient="row")
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(out, index=index, columns=names)

    def transform(self, X: Any) -> Any:
        """Transform ``X``; lazy and blockwise for dask input."""
        if not is_dask(X):
            return self._as_configured(super().transform(X), X)
        return self._lazy_transform(X)

    @available_if(lambda self: hasattr(sklearn_class(self), "inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Undo :meth:`transform`; lazy and blockwise for dask input."""
        if is_dask(X):
            return self._lazy_transform(X, "inverse_transform")
        return self._inverse_in_memory(X)

    def _inverse_in_memory(self, X: Any, **kwargs: Any) -> Any:
        """scikit-learn's ``inverse_transform`` of in-memory ``X``.

        A DataFrame (what pandas input gives) is handed over as a writable
        array: pandas 3 gives read-only arrays, which some inverses write into,
        and some inverses index their input as an array.
        """
        if isinstance(X, pd.DataFrame):
            X = X.to_numpy(copy=True)
        return sklearn_class(self).inverse_transform(self, X, **kwargs)

    def _lazy(
        self,
        X: Any,
        name: str,
        sample: Any = None,
        labels: Any = None,
        kernel: Any = call_sklearn,
    ) -> Any:
        """scikit-learn's method ``name`` on each block of dask ``X``, lazily.

        ``sample`` is a small in-memory input the method accepts (a stand-in of
        ``X`` by default), used to find the output's type; ``labels`` names the
        columns of a dask DataFrame output (the feature names out by default);
        ``kernel`` calls the method on a block.
        """
        if sample is None:
            sample = stand_in(X)
        out = kernel(sample, self, name)
        if is_dask_frame(X) and not sp.issparse(out):
            out = np.asarray(out)
            if out.ndim == 1:
                meta = pd.Series(out[:0], name=labels)
            else:
                if labels is None:
                    labels = self.get_feature_names_out()
                meta = pd.DataFrame(out[:0], columns=list(labels))
                meta = meta.astype(out.dtype)
            return map_rows(X, kernel, self, name, meta=meta)
        return map_rows(X, kernel, self, name, meta=out)

    def _lazy_transform(self, X: Any, name: str = "transform") -> Any:
        check_fitted_features(f"{type(self).__name__}.{name}", self, X)
        return self._lazy(X, name)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit, then transform: one pass to fit and a lazy transform for dask."""
        return self.fit(X, y, **fit_params).transform(X)


def summary_like(X: Any, columns: Sequence[Any]) -> Any:
    """A small in-memory object with ``X``'s container, columns and dtypes.

    ``columns`` holds one 1-D array of values per column of dask ``X``; shorter
    ones are padded with their first value so that all have the same length.
    """
    length = max((len(c) for c in columns), default=0)
    padded = [_pad(np.asarray(c, dtype=object), length) for c in columns]
    if is_dask_frame(X):
        dtypes = X.dtypes
        return pd.DataFrame(
            {
                name: pd.Series(values, dtype=object).astype(plain_dtype(dtypes[name]))
                for name, values in zip(X.columns, padded, strict=True)
            }
        )
    if not padded:
        return np.empty((length, 0), dtype=X.dtype)
    return np.column_stack(padded).astype(X.dtype) if is_dask_array(X) else padded


def _pad(values: np.ndarray, length: int) -> np.ndarray:
    if len(values) >= length or len(values) == 0:
        return values if len(values) else np.full(length, np.nan, dtype=object)
    return np.concatenate([values, np.repeat(values[:1], length - len(values))])
