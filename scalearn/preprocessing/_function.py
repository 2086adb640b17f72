"""Transformers that read no data to fit: PolynomialFeatures, BlockTransformer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn import preprocessing as sk_preprocessing
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from scalearn.preprocessing._base import (
    DaskTransformerMixin,
    forget_fit,
)
from scalearn.utils._containers import (
    columns_of,
    is_dask,
    map_rows,
    n_features,
    stand_in,
)
from scalearn.utils._validation import check_fitted_features, numeric_array


class PolynomialFeatures(
    DaskTransformerMixin,
    sk_preprocessing.PolynomialFeatures,
    auto_wrap_output_keys=None,
):
    """Polynomial and interaction features.

    scikit-learn's :class:`~sklearn.preprocessing.PolynomialFeatures`; on dask
    input ``fit`` reads only the metadata and ``transform`` is lazy and
    blockwise, keeping the row chunks. A dask DataFrame gives a dask DataFrame
    whose columns are ``get_feature_names_out()`` (dask-ml's
    ``preserve_dataframe=True``).

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.preprocessing import PolynomialFeatures
    >>> X = da.from_array([[1.0, 2.0], [3.0, 4.0]], chunks=1)
    >>> PolynomialFeatures(degree=2).fit_transform(X).compute()
    array([[ 1.,  1.,  2.,  1.,  2.,  4.],
           [ 1.,  3.,  4.,  9., 12., 16.]])
    """

    def fit(self, X: Any, y: Any = None) -> PolynomialFeatures:
        """Count the output features; reads no dask data."""
        if not is_dask(X):
            return super().fit(X, y)
        forget_fit(self)
        numeric_array(X, f"{type(self).__name__}.fit")
        return super().fit(stand_in(X), y)


def _apply(block: Any, func: Callable | None, kw_args: dict | None) -> Any:
    """The per-block kernel of BlockTransformer."""
    return block if func is None else func(block, **(kw_args or {}))


class BlockTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Apply a function to each block (or partition) of the data.

    ``func`` receives one block at a time: a numpy array for a dask array, a
    pandas DataFrame for a dask DataFrame, or the whole input when it is in
    memory. It must return as many rows as it is given; the result is lazy and
    keeps the row chunks. Extra keyword arguments go to ``func`` (as in
    dask-ml: ``BlockTransformer(shift, by=1)``) and are kept in ``kw_args``.

    Parameters
    ----------
    func : callable or None
        The function; None passes the data through.
    validate : bool, default False
        Check that the input is a 2-D numeric array (for dask input, from the
        metadata only), as scikit-learn's FunctionTransformer does.
    kw_args : dict, optional
        Keyword arguments for ``func``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.preprocessing import BlockTransformer
    >>> X = da.from_array(np.array([[1.0, 4.0], [9.0, 16.0]]), chunks=1)
    >>> BlockTransformer(np.sqrt).fit_transform(X).compute()
    array([[1., 2.],
           [3., 4.]])
    >>> def shift(block, by):
    ...     return block + by
    >>> BlockTransformer(shift, by=1).fit_transform(X).compute()
    array([[ 2.,  5.],
           [10., 17.]])
    """

    def __init__(
        self,
        func: Callable | None = None,
        *,
        validate: bool = False,
        kw_args: dict | None = None,
        **extra_kw_args: Any,
    ) -> None:
        self.func = func
        self.validate = validate
        # dask-ml's spelling, BlockTransformer(func, by=1), lands in kw_args.
        if extra_kw_args and isinstance(kw_args, dict | None):
            kw_args = {**(kw_args or {}), **extra_kw_args}
        self.kw_args = kw_args

    def fit(self, X: Any, y: Any = None) -> BlockTransformer:
        """Record the number (and names) of the features; reads no dask data."""
        forget_fit(self)
        if is_dask(X):
            if self.validate:
                numeric_array(X, f"{type(self).__name__}.fit")
            self.n_features_in_ = n_features(X)
            columns = columns_of(X)
            if columns is not None:
                self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif self.validate:
            validate_data(self, X, accept_sparse=True)
        else:
            self.n_features_in_ = n_features(X)
            if isinstance(X, pd.DataFrame):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: Any) -> Any:
        """``func`` on each block of ``X``; lazy for dask input."""
        check_is_fitted(self)
        if not is_dask(X):
            if self.validate:
                X = validate_data(self, X, accept_sparse=True, reset=False)
            return _apply(X, self.func, self.kw_args)
        if self.validate:
            numeric_array(X, f"{type(self).__name__}.transform")
            check_fitted_features(f"{type(self).__name__}.transform", self, X)
        meta = _apply(stand_in(X), self.func, self.kw_args)
        return map_rows(X, _apply, self.func, self.kw_args, meta=meta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = False
        return tags
