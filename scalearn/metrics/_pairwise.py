"""Pairwise distances and kernels, lazily and blockwise on dask input.

The result of ``X`` against ``Y`` is computed block against block by
scikit-learn's own function: its rows keep the row chunks of ``X`` and its
columns follow the row chunks of ``Y`` (one column block when ``Y`` is in
memory). With ``Y=None`` the blocks on the diagonal are computed as
scikit-learn computes ``X`` against itself (an exact zero diagonal for the
euclidean distance, an exact one for the RBF kernel).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np
from sklearn import metrics as sk_metrics
from sklearn.metrics import pairwise as sk_pairwise

from scalearn.metrics._blocks import deliver, tree_reduce
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_frame,
    map_rows,
    stand_in,
    whole_rows,
)

# Metrics whose parameters scikit-learn estimates from all of X and Y when they
# are not given: blockwise, each block would estimate its own.
_DATA_WIDE_PARAMETERS = {"seuclidean": "V", "mahalanobis": "VI"}


def _values(X: Any) -> Any:
    """In-memory ``X`` as an array (pandas gives its values, a list an ndarray)."""
    X = np.asarray(X) if not hasattr(X, "shape") else X
    return X.to_numpy() if hasattr(X, "to_numpy") else X


def _as_row_blocks(X: Any) -> da.Array:
    """``X`` as a 2-D dask array whose blocks hold whole rows."""
    if is_dask_frame(X):
        return X.to_dask_array()
    if is_dask(X):
        return whole_rows(X)
    values = _values(X)
    return da.from_array(values, chunks=values.shape)


def _check_columns(owner: str, X: da.Array, Y: da.Array) -> None:
    if X.ndim != 2 or Y.ndim != 2:
        raise ValueError(
            f"{owner}: X and Y must be 2-D, got shapes {X.shape} and {Y.shape}. "
            "Reshape a single feature with X.reshape(-1, 1)."
        )
    if X.shape[1] != Y.shape[1]:
        # scikit-learn's words.
        raise ValueError(
            "Incompatible dimension for X and Y matrices: "
            f"X.shape[1] == {X.shape[1]} while Y.shape[1] == {Y.shape[1]}"
        )


def pair_block(
    x: np.ndarray,
    i: np.ndarray,
    y: np.ndarray,
    k: np.ndarray,
    *extras: Any,
    pair_func: Callable,
    kwargs: dict,
    x_names: tuple,
    y_names: tuple,
    against_itself: bool,
) -> np.ndarray:
    """``pair_func`` on one block of X rows and one block of Y rows.

    ``i`` and ``k`` hold the block numbers; on the diagonal of X against itself
    ``pair_func`` gets ``Y=None``, as scikit-learn's own call would.
    """
    x_extras = dict(zip(x_names, extras[: len(x_names)], strict=True))
    y_extras = dict(zip(y_names, extras[len(x_names) :], strict=True))
    if against_itself and i[0] == k[0]:
        return pair_func(x, None, **x_extras, **kwargs)
    return pair_func(x, y, **x_extras, **y_extras, **kwargs)


def blockwise_pairs(
    func: Callable,
    X: Any,
    Y: Any,
    *,
    owner: str,
    x_extras: dict | None = None,
    y_extras: dict | None = None,
    **kwargs: Any,
) -> da.Array:
    """``func(X, Y, **kwargs)`` block by block: a lazy (n_X, n_Y) dask array.

    ``x_extras``/``y_extras`` are per-row arrays (norms) passed under their
    names with the matching block of X / Y rows.
    """
    x_extras, y_extras = dict(x_extras or {}), dict(y_extras or {})
    X_rows = _as_row_blocks(X)
    against_itself = Y is None
    Y_rows = X_rows if against_itself else _as_row_blocks(Y)
    _check_columns(owner, X_rows, Y_rows)
    if against_itself:
        y_extras = {name.replace("X_", "Y_"): v for name, v in x_extras.items()}
    # scikit-learn checks the metric and its parameters, and tells the output
    # dtype, on two-row stand-ins.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # they would repeat the real data's
        meta = np.asarray(func(stand_in(X_rows), stand_in(Y_rows), **kwargs))
    args: list = [X_rows, "ij", _block_numbers(X_rows), "i", Y_rows, "kj"]
    args += [_block_numbers(Y_rows), "k"]
    for name, values in x_extras.items():
        args += [_rows_like(owner, X_rows, values, name), "i"]
    for name, values in y_extras.items():
        args += [_rows_like(owner, Y_rows, values, name), "k"]
    return da.blockwise(
        pair_block,
        "ik",
        *args,
        pair_func=func,
        kwargs=kwargs,
        x_names=tuple(x_extras),
        y_names=tuple(y_extras),
        against_itself=against_itself,
        concatenate=True,
        align_arrays=False,
        dtype=meta.dtype,
        meta=np.empty((0, 0), dtype=meta.dtype),
    )


def _block_numbers(X: da.Array) -> da.Array:
    return da.arange(X.numblocks[0], chunks=1)


def _rows_like(owner: str, X: da.Array, values: Any, name: str) -> da.Array:
    """A per-row array, 1-D, split into X's row blocks."""
    values = values if is_dask(values) else np.asarray(values)
    return align_y(X, values.reshape(-1), owner=f"{owner} ({name})")


def _in_memory(*arrays: Any) -> bool:
    return not any(is_dask(a) for a in arrays)


# --- distances ----------------------------------------------------------------------


def pairwise_distances(
    X: Any,
    Y: Any = None,
    metric: str | Callable = "euclidean",
    n_jobs: int | None = None,
    **kwargs: Any,
) -> Any:
    """Distances between the rows of ``X`` and of ``Y`` (or ``X``), lazily.

    scikit-learn's :func:`~sklearn.metrics.pairwise_distances` with any of its
    metrics (or a callable), computed block against block. Dask input gives a
    lazy dask array with ``X``'s row chunks, and columns chunked like ``Y``'s
    rows (``Y`` may be in memory or dask, unlike dask-ml). ``n_jobs`` applies to
    in-memory input only; dask input runs on dask's scheduler. ``'seuclidean'``
    and ``'mahalanobis'`` need their ``V`` / ``VI`` on dask input, since
    scikit-learn would estimate them from all the data.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        numpy, pandas, dask array or dask DataFrame.
    Y : array-like of shape (n_samples_Y, n_features), default=None
        Distances of X's rows to these rows; None for X to itself.
    metric : str or callable, default='euclidean'
        A metric scikit-learn accepts, 'precomputed', or a callable on two rows.
    n_jobs : int, default=None
        scikit-learn's parallelism for in-memory input.
    **kwargs
        The metric's parameters.

    Returns
    -------
    D : ndarray or dask array of shape (n_samples_X, n_samples_Y)

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import pairwise_distances
    >>> X = da.from_array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]], chunks=2)
    >>> D = pairwise_distances(X, metric="manhattan")
    >>> D.chunks
    ((2, 1), (2, 1))
    >>> D.compute()
    array([[ 0.,  7., 14.],
           [ 7.,  0.,  7.],
           [14.,  7.,  0.]])
    """
    if _in_memory(X, Y):
        return sk_metrics.pairwise_distances(X, Y, metric, n_jobs=n_jobs, **kwargs)
    owner = "pairwise_distances"
    if metric == "precomputed":
        return _precomputed(owner, X, Y)
    needed = _DATA_WIDE_PARAMETERS.get(metric) if isinstance(metric, str) else None
    if needed and needed not in kwargs:
        raise ValueError(
            f"{owner}: metric={metric!r} on dask input needs its parameter "
            f"{needed!r}: scikit-learn estimates it from all of X and Y, which "
            f"blockwise computing cannot. Pass {needed}=... (for example from "
            "X.var(axis=0).compute() for 'seuclidean')."
        )
    return blockwise_pairs(
        sk_metrics.pairwise_distances, X, Y, owner=owner, metric=metric, **kwargs
    )


def _precomputed(owner: str, X: Any, Y: Any) -> da.Array:
    X_rows = _as_row_blocks(X)
    n_indexed = None if Y is None else _as_row_blocks(Y).shape[0]
    if n_indexed is not None and X_rows.shape[1] != n_indexed:
        raise ValueError(
            f"{owner}: a precomputed distance matrix must have shape (n_queries, "
            f"n_indexed); got {X_rows.shape[1]} columns for {n_indexed} indexed rows."
        )
    return X_rows


def euclidean_distances(
    X: Any,
    Y: Any = None,
    Y_norm_squared: Any = None,
    squared: bool = False,
    X_norm_squared: Any = None,
) -> Any:
    """Euclidean distances between the rows of ``X`` and ``Y`` (or ``X``), lazily.

    scikit-learn's :func:`~sklearn.metrics.euclidean_distances` block against
    block: its precision safeguards, float32 handling, and an exact zero
    diagonal for ``X`` against itself (which dask-ml's version lacks). The
    squared norms may be given (dask or in memory), split like the rows.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features), default=None
    Y_norm_squared : array-like of shape (n_samples_Y,), default=None
    squared : bool, default=False
        Return squared distances.
    X_norm_squared : array-like of shape (n_samples_X,), default=None

    Returns
    -------
    distances : ndarray or dask array of shape (n_samples_X, n_samples_Y)

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import euclidean_distances
    >>> X = da.from_array([[0.0, 1.0], [1.0, 1.0]], chunks=1)
    >>> euclidean_distances(X, [[0.0, 0.0]]).compute()
    array([[1.        ],
           [1.41421356]])
    """
    if _in_memory(X, Y, Y_norm_squared, X_norm_squared):
        return sk_metrics.euclidean_distances(
            X,
            Y,
            Y_norm_squared=Y_norm_squared,
            squared=squared,
            X_norm_squared=X_norm_squared,
        )
    x_extras = {} if X_norm_squared is None else {"X_norm_squared": X_norm_squared}
    # Against itself, blockwise_pairs takes Y's norms from X's: scikit-learn
    # ignores Y_norm_squared then.
    y_extras = {} if Y_norm_squared is None else {"Y_norm_squared": Y_norm_squared}
    return blockwise_pairs(
        sk_metrics.euclidean_distances,
        X,
        Y,
        owner="euclidean_distances",
        x_extras=x_extras,
        y_extras=y_extras,
        squared=squared,
    )


def nearest_rows(x: np.ndarray, Y: Any, metric: Any, metric_kwargs: Any) -> np.ndarray:
    """Index and distance of the nearest row of ``Y`` for each row of a block."""
    index, distance = sk_metrics.pairwise_distances_argmin_min(
        x, Y, metric=metric, metric_kwargs=metric_kwargs
    )
    return np.stack([index.astype(np.float64), distance.astype(np.float64)], axis=1)


def nearest_in_block(
    x: np.ndarray, Y: Any, metric: Any, metric_kwargs: Any
) -> tuple[int, np.ndarray, np.ndarray]:
    """For each row of ``Y``, the nearest row of block ``x``: (rows, index, dist)."""
    if len(x) == 0:
        return 0, np.zeros(len(Y), np.int64), np.full(len(Y), np.inf)
    index, distance = sk_metrics.pairwise_distances_argmin_min(
        np.asarray(Y), x, metric=metric, metric_kwargs=metric_kwargs
    )
    return len(x), index, distance


def merge_nearest(parts: list[tuple]) -> tuple[int, np.ndarray, np.ndarray]:
    """Merge in row order; ties keep the earlier row, as scikit-learn does."""
    rows, index, distance = parts[0]
    for more, other_index, other_distance in parts[1:]:
        closer = other_distance < distance
        index = np.where(closer, other_index + rows, index)
        distance = np.where(closer, other_distance, distance)
        rows += more
    return rows, index, distance


def pairwise_distances_argmin_min(
    X: Any,
    Y: Any,
    *,
    axis: int = 1,
    metric: str | Callable = "euclidean",
    metric_kwargs: dict | None = None,
) -> tuple[Any, Any]:
    """For each row of ``X``, the index of and distance to the nearest row of ``Y``.

    scikit-learn's :func:`~sklearn.metrics.pairwise_distances_argmin_min`. On
    dask input, with ``axis=1`` the two results are lazy dask arrays with
    ``X``'s row chunks, computed in one pass (``Y``, the small side, is held
    whole: in memory, or gathered from dask); with ``axis=0`` (nearest row of
    ``X`` for each row of ``Y``) the blocks of ``X`` are reduced in one pass.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
    axis : int, default=1
        1: nearest row of Y for each row of X; 0: nearest row of X for each of Y.
    metric : str or callable, default='euclidean'
    metric_kwargs : dict, default=None

    Returns
    -------
    argmin : ndarray or dask array of int64
    distances : ndarray or dask array

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import pairwise_distances_argmin_min
    >>> X = da.from_array([[0.0], [0.9], [2.2], [3.0]], chunks=2)
    >>> index, distance = pairwise_distances_argmin_min(X, [[0.0], [3.0]])
    >>> index.compute()
    array([0, 0, 1, 1])
    >>> distance.compute()
    array([0. , 0.9, 0.8, 0. ])
    """
    if _in_memory(X, Y):
        return sk_metrics.pairwise_distances_argmin_min(
            X, Y, axis=axis, metric=metric, metric_kwargs=metric_kwargs
        )
    owner = "pairwise_distances_argmin_min"
    X_rows, Y_rows = _as_row_blocks(X), _as_row_blocks(Y)
    _check_columns(owner, X_rows, Y_rows)
    # scikit-learn checks the metric on stand-ins and tells the distance dtype.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, meta = sk_metrics.pairwise_distances_argmin_min(
            stand_in(X_rows),
            stand_in(Y_rows),
            metric=metric,
            metric_kwargs=metric_kwargs,
        )
    # Y is held whole (in-memory Y as it is); X is read block by block.
    whole = _whole(Y_rows) if is_dask(Y) else _values(Y)
    if axis == 1:
        both = map_rows(
            X_rows, nearest_rows, whole, metric, metric_kwargs, meta=np.empty((0, 2))
        )
        return both[:, 0].astype(np.int64), both[:, 1].astype(meta.dtype)
    result = tree_reduce(
        owner,
        [X_rows],
        nearest_in_block,
        merge_nearest,
        _index_and_distance,
        kernel_args=(whole, metric, metric_kwargs),
    )
    n = Y_rows.shape[0]
    return (
        deliver(result[0], False, (n,), np.int64),
        deliver(result[1], False, (n,), meta.dtype),
    )


def _whole(Y: da.Array) -> Any:
    """Y gathered into one block, as a ``Delayed`` (lazy)."""
    return Y.rechunk({0: -1}).to_delayed().ravel()[0]


def _index_and_distance(summary: tuple) -> tuple[np.ndarray, np.ndarray]:
    _, index, distance = summary
    return index, distance


def pairwise_distances_argmin(
    X: Any,
    Y: Any,
    *,
    axis: int = 1,
    metric: str | Callable = "euclidean",
    metric_kwargs: dict | None = None,
) -> Any:
    """For each row of ``X``, the index of the nearest row of ``Y``, lazily.

    scikit-learn's :func:`~sklearn.metrics.pairwise_distances_argmin`; see
    :func:`pairwise_distances_argmin_min`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import pairwise_distances_argmin
    >>> X = da.from_array([[0.0], [2.2], [3.0]], chunks=2)
    >>> pairwise_distances_argmin(X, [[0.0], [3.0]]).compute()
    array([0, 1, 1])
    """
    index, _ = pairwise_distances_argmin_min(
        X, Y, axis=axis, metric=metric, metric_kwargs=metric_kwargs
    )
    return index


# --- kernels --------------------------------------------------------------------------


def pairwise_kernels(
    X: Any,
    Y: Any = None,
    metric: str | Callable = "linear",
    *,
    filter_params: bool = False,
    n_jobs: int | None = None,
    **kwargs: Any,
) -> Any:
    """A kernel between the rows of ``X`` and ``Y`` (or ``X``), lazily.

    scikit-learn's :func:`~sklearn.metrics.pairwise.pairwise_kernels` block
    against block, with any of its kernels ('rbf', 'polynomial', 'linear',
    'sigmoid', 'laplacian', 'cosine', 'chi2'...) or a callable.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import pairwise_kernels
    >>> X = da.from_array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]], chunks=2)
    >>> pairwise_kernels(X, [[1.0, 0.0]], metric="linear").compute()
    array([[0.],
           [1.],
           [2.]])
    """
    if _in_memory(X, Y):
        return sk_pairwise.pairwise_kernels(
            X, Y, metric, filter_params=filter_params, n_jobs=n_jobs, **kwargs
        )
    if metric == "precomputed":
        return _precomputed("pairwise_kernels", X, Y)
    return blockwise_pairs(
        sk_pairwise.pairwise_kernels,
        X,
        Y,
        owner="pairwise_kernels",
        metric=metric,
        filter_params=filter_params,
        **kwargs,
    )


def _kernel(func: Callable, X: Any, Y: Any, **kwargs: Any) -> Any:
    if _in_memory(X, Y):
        return func(X, Y, **kwargs)
    return blockwise_pairs(func, X, Y, owner=func.__name__, **kwargs)


def linear_kernel(X: Any, Y: Any = None, dense_output: bool = True) -> Any:
    """The linear kernel ``X @ Y.T``, lazily and blockwise on dask input.

    scikit-learn's :func:`~sklearn.metrics.pairwise.linear_kernel`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import linear_kernel
    >>> X = da.from_array([[1.0, 2.0], [3.0, 4.0]], chunks=1)
    >>> linear_kernel(X).compute()
    array([[ 5., 11.],
           [11., 25.]])
    """
    return _kernel(sk_pairwise.linear_kernel, X, Y, dense_output=dense_output)


def rbf_kernel(X: Any, Y: Any = None, gamma: float | None = None) -> Any:
    """The RBF kernel ``exp(-gamma ||x - y||²)``, lazily and blockwise.

    scikit-learn's :func:`~sklearn.metrics.pairwise.rbf_kernel`; ``gamma``
    defaults to ``1 / n_features``.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import rbf_kernel
    >>> X = da.from_array([[0.0, 0.0], [1.0, 1.0]], chunks=1)
    >>> rbf_kernel(X, gamma=0.5).compute()
    array([[1.        , 0.36787944],
           [0.36787944, 1.        ]])
    """
    return _kernel(sk_pairwise.rbf_kernel, X, Y, gamma=gamma)


def polynomial_kernel(
    X: Any,
    Y: Any = None,
    degree: float = 3,
    gamma: float | None = None,
    coef0: float = 1,
) -> Any:
    """The polynomial kernel ``(gamma <x, y> + coef0) ** degree``, lazily.

    scikit-learn's :func:`~sklearn.metrics.pairwise.polynomial_kernel`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import polynomial_kernel
    >>> X = da.from_array([[1.0, 0.0], [0.0, 2.0]], chunks=1)
    >>> polynomial_kernel(X, degree=2, gamma=1.0, coef0=1.0).compute()
    array([[ 4.,  1.],
           [ 1., 25.]])
    """
    return _kernel(
        sk_pairwise.polynomial_kernel, X, Y, degree=degree, gamma=gamma, coef0=coef0
    )


def sigmoid_kernel(
    X: Any, Y: Any = None, gamma: float | None = None, coef0: float = 1
) -> Any:
    """The sigmoid kernel ``tanh(gamma <x, y> + coef0)``, lazily.

    scikit-learn's :func:`~sklearn.metrics.pairwise.sigmoid_kernel`.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.metrics import sigmoid_kernel
    >>> X = da.from_array([[1.0, 0.0], [0.0, 1.0]], chunks=1)
    >>> sigmoid_kernel(X, gamma=1.0, coef0=0.0).compute().round(4)
    array([[0.7616, 0.    ],
           [0.    , 0.7616]])
    """
    return _kernel(sk_pairwise.sigmoid_kernel, X, Y, gamma=gamma, coef0=coef0)
