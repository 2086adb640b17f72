"""The one place that knows numpy, pandas, scipy.sparse, dask.array and dask.dataframe.

Everything else in scalearn asks this module what a container is, how to split it
into row blocks, how to align ``y`` with ``X``, what a tiny in-memory stand-in of
it looks like, and how to map a per-block function over its rows lazily.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from dask.array.utils import meta_from_array
from dask.dataframe.utils import make_meta, meta_nonempty

from scalearn.utils import _buffers

NUMPY = "numpy"
PANDAS = "pandas"
SPARSE = "sparse"
DASK_ARRAY = "dask_array"
DASK_FRAME = "dask_frame"
OTHER = "other"

# Checked in order; the first match names the container.
_KINDS: list[tuple[str, Callable[[Any], bool]]] = [
    (DASK_ARRAY, lambda x: isinstance(x, da.Array)),
    (DASK_FRAME, lambda x: isinstance(x, dd.DataFrame | dd.Series)),
    (PANDAS, lambda x: isinstance(x, pd.DataFrame | pd.Series)),
    (SPARSE, sp.issparse),
    (NUMPY, lambda x: isinstance(x, np.ndarray)),
]


def container_kind(x: Any) -> str:
    """Name the container of ``x``: one of the module's kind constants."""
    for kind, matches in _KINDS:
        if matches(x):
            return kind
    return OTHER


def is_dask_array(x: Any) -> bool:
    return container_kind(x) == DASK_ARRAY


def is_dask_frame(x: Any) -> bool:
    return container_kind(x) == DASK_FRAME


def is_dask(x: Any) -> bool:
    return container_kind(x) in (DASK_ARRAY, DASK_FRAME)


def has_known_rows(X: Any) -> bool:
    """Whether the length of every row block of a dask collection is known."""
    if is_dask_array(X):
        return not any(math.isnan(c) for c in X.chunks[0])
    return not is_dask_frame(X)


def n_rows(X: Any) -> float:
    """Number of rows without computing; ``nan`` when a dask collection hides it."""
    if is_dask_array(X):
        return X.shape[0]
    if is_dask_frame(X):
        return math.nan
    if hasattr(X, "shape"):
        return X.shape[0]
    return len(X) if hasattr(X, "__len__") else np.asarray(X).shape[0]


def n_blocks(X: Any) -> int:
    if is_dask_array(X):
        return X.numblocks[0]
    if is_dask_frame(X):
        return X.npartitions
    return 1


def n_features(X: Any) -> int | None:
    """Number of columns, known without computing; None for 1-D input."""
    if is_dask_frame(X):
        return len(X.columns) if isinstance(X, dd.DataFrame) else None
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) < 2:
        return None
    return int(shape[1])


def columns_of(X: Any) -> pd.Index | None:
    """Column labels of a (dask) DataFrame, else None."""
    return X.columns if isinstance(X, pd.DataFrame | dd.DataFrame) else None


def whole_rows(X: da.Array) -> da.Array:
    """``X`` with one chunk along the columns, so that a block holds whole rows."""
    if X.ndim >= 2 and X.numblocks[1] > 1:
        return X.rechunk({i: -1 for i in range(1, X.ndim)})
    return X


def to_row_blocks(X: Any) -> list:
    """One ``Delayed`` per row block (dask), or ``[X]`` for in-memory input.

    The graphs are not optimized: optimizing each collection on its own would
    fuse their shared source into each (so that the blocks of ``X_train`` and
    ``X_test`` split from one array each read it), and, for dask DataFrames,
    fuse partitions differently for X and y taken from one parquet read. Left
    as they are, blocks computed together share their source's keys and read
    it once; column projection still happens.
    """
    if is_dask_array(X):
        return list(whole_rows(X).to_delayed(optimize_graph=False).ravel())
    if is_dask_frame(X):
        return list(X.to_delayed(optimize_graph=False))
    return [X]


def paired_row_blocks(X: Any, *others: Any, owner: str) -> list[tuple]:
    """``(x_block, other_block, ...)`` per row block; ``others`` already aligned.

    A None in ``others`` pairs None with every block.
    """
    xs = to_row_blocks(X)
    columns = [xs]
    for other in others:
        blocks = [None] * len(xs) if other is None else to_row_blocks(other)
        if len(blocks) != len(xs):
            raise ValueError(
                f"{owner}: X comes in {len(xs)} blocks and y in {len(blocks)}, so "
                "their rows cannot be paired. Build both from one collection "
                "(X = df[features], y = df[target]) or rechunk y to X's blocks."
            )
        columns.append(blocks)
    return list(zip(*columns, strict=True))


def tree_combine(parts: list, merge: Callable, split_every: int = 8) -> Any:
    """Merge ``Delayed`` per-block summaries in a tree, in row order: one ``Delayed``.

    ``merge`` takes a list of consecutive summaries and returns one, so
    order-dependent merges (first sight, positions) work.
    """
    combine = dask.delayed(merge, pure=True)
    while len(parts) > 1:
        parts = [
            combine(parts[i : i + split_every])
            for i in range(0, len(parts), split_every)
        ]
    return parts[0]


def select_blocks(X: Any, indices: Sequence[int]) -> Any:
    """The row blocks ``indices`` of a dask collection, in that order, still lazy."""
    if is_dask_array(X):
        return X.blocks[list(indices)]
    return X.partitions[list(indices)]


def block_lengths(X: Any) -> tuple[int, ...]:
    """Rows per block; computes only the partition lengths a dask collection hides."""
    if is_dask_array(X) and has_known_rows(X):
        return tuple(int(c) for c in X.chunks[0])
    if is_dask_array(X):
        return tuple(int(c) for c in X.compute_chunk_sizes().chunks[0])
    if is_dask_frame(X):
        return tuple(int(n) for n in X.map_partitions(len).compute())
    return (int(n_rows(X)),)


def align_y(
    X: Any,
    y: Any,
    *,
    owner: str,
    assume_equal_blocks: bool = True,
    lengths_of_x: Callable[[], tuple[int, ...]] | None = None,
) -> Any:
    """Return ``y`` split into the same row blocks as ``X``.

    Known row lengths are matched exactly (``y`` is rechunked to ``X``'s rows,
    in-memory ``y`` is split). When a dask ``y`` and a dask ``X`` hide their
    lengths but have the same number of blocks (as when both come from one
    DataFrame), they are taken as aligned, or with ``assume_equal_blocks=False``
    their lengths are computed and compared. Otherwise the lengths are computed
    only where unavoidable: by ``lengths_of_x`` when given (a caller aligning
    several inputs to one ``X`` passes a cached one, so they are computed once).
    """
    if y is None or not is_dask(X):
        return dask.compute(y)[0] if is_dask(y) else y
    hidden = not (has_known_rows(X) and has_known_rows(y))
    if is_dask(y) and n_blocks(y) == n_blocks(X) and hidden:
        if not assume_equal_blocks:
            x_lengths, y_lengths = block_lengths(X), block_lengths(y)
            if x_lengths != y_lengths:
                raise ValueError(
                    f"{owner}: the blocks of X have {x_lengths} rows and those of "
                    f"y have {y_lengths}. Build X and y from the same source, or "
                    "rechunk y to X's blocks: y.rechunk({0: X.chunks[0]})."
                )
        return y
    if is_dask_frame(X) and is_dask_frame(y):
        if X.known_divisions and y.known_divisions:
            return y.repartition(divisions=X.divisions)
        raise ValueError(
            f"{owner}: X has {X.npartitions} partitions and y has "
            f"{y.npartitions}, with unknown divisions, so their rows cannot be "
            "matched without a shuffle. Take y from the same DataFrame as X "
            "(y = df[target]) or repartition both the same way."
        )
    lengths = block_lengths(X) if lengths_of_x is None else lengths_of_x()
    total = sum(lengths)
    if is_dask_frame(y):
        y = y.to_dask_array(lengths=True)
    if is_dask_array(y):
        y = y if has_known_rows(y) else y.compute_chunk_sizes()
        _check_same_length(total, y, owner)
        return y.rechunk({0: lengths})
    _check_same_length(total, y, owner)
    y_values = y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else y
    return da.from_array(np.asarray(y_values), chunks=(lengths, *y_values.shape[1:]))


def _check_same_length(X: Any, y: Any, owner: str) -> None:
    n_x = X if isinstance(X, int | float) else n_rows(X)
    n_y = n_rows(y)
    if not (math.isnan(n_x) or math.isnan(n_y)) and n_x != n_y:
        raise ValueError(
            f"{owner}: X has {int(n_x)} rows but y has {int(n_y)}; X and y must "
            "have the same number of rows. Pass the y that belongs to this X."
        )


def take_rows(X: Any, indices: Any) -> Any:
    """Rows ``indices`` (positions) of in-memory ``X``: numpy, sparse, pandas or list.

    A pandas object keeps its index labels for the rows taken.
    """
    if X is None:
        return None
    if isinstance(X, pd.DataFrame | pd.Series):
        return X.iloc[indices]
    if sp.issparse(X):
        return X.tocsr()[indices] if X.format in ("coo", "dia", "bsr") else X[indices]
    if isinstance(X, np.ndarray):
        positions = np.asarray(indices)
        if positions.ndim == 1 and positions.dtype.kind in "iu":
            # np.take gathers rows faster than fancy indexing (about 30 against
            # 50 ms for 500k x 20 float64), with the same result; into a given
            # buffer only without its bounds checks (mode="clip", buffered
            # otherwise), so they are checked here first.
            n = X.shape[0]
            if len(positions):
                low, high = positions.min(), positions.max()
                if low < -n or high >= n:
                    return np.take(X, positions, axis=0)  # numpy's IndexError
                if low < 0:
                    positions = np.where(positions < 0, positions + n, positions)
            out = _buffers.empty((len(positions), *X.shape[1:]), X.dtype)
            return np.take(X, positions, axis=0, out=out, mode="clip")
        return X[indices]
    if not hasattr(X, "__getitem__") and hasattr(X, "__array__"):
        return np.asarray(X)[indices]
    return [X[i] for i in indices]


def meta_of(X: Any) -> Any:
    """An empty object of the same type, dtype and columns as one block of ``X``."""
    if is_dask_array(X):
        return meta_from_array(X)
    if is_dask_frame(X):
        return make_meta(X)
    return X[:0]


def stand_in(X: Any, n: int = 2) -> Any:
    """A tiny in-memory object shaped like a block of ``X``, computed from nothing.

    Used to validate and to infer the meta of outputs without touching the data.
    """
    if is_dask_frame(X):
        return meta_nonempty(make_meta(X)).iloc[:n]
    meta = meta_of(X)
    shape = (n, *X.shape[1:])
    if sp.issparse(meta):
        return type(meta)(shape, dtype=X.dtype)
    if X.dtype == object:
        return np.full(shape, "a", dtype=object)
    return np.zeros(shape, dtype=X.dtype)


def first_rows(X: Any, n: int = 2) -> Any:
    """The first ``n`` real rows of ``X``: computes only the first block."""
    if is_dask_frame(X):
        return X.partitions[0].head(n, compute=True)
    if is_dask_array(X):
        return whole_rows(X)[:n].compute()
    return X[:n]


def map_rows(X: Any, func: Callable, *args: Any, meta: Any) -> Any:
    """Apply ``func(block, *args)`` to each row block of dask ``X``, lazily.

    ``meta`` is an example output of ``func`` on a small block; it decides the
    output container. Numpy output keeps a dask array's row chunks; on a dask
    DataFrame, numpy output is wrapped in a Series/DataFrame on the partition's
    index; pandas output becomes a dask DataFrame/Series; sparse output becomes a
    dask array of sparse blocks. ``args`` may hold ``Delayed`` objects.
    """
    if is_dask_frame(X):
        if sp.issparse(meta):
            return _sparse_blocks(X, func, args, meta)
        frame_meta = _as_frame_meta(meta)
        return X.map_partitions(
            _on_partition,
            func,
            frame_meta.columns if frame_meta.ndim == 2 else frame_meta.name,
            *args,
            meta=frame_meta,
        )
    X = whole_rows(X)
    if isinstance(meta, pd.DataFrame | pd.Series):
        return _pandas_from_array_blocks(X, func, args, meta)
    if sp.issparse(meta):
        return _sparse_blocks(X, func, args, meta)
    meta = np.asarray(meta)
    out_chunks = (X.chunks[0], *((d,) for d in meta.shape[1:]))
    drop_axis = list(range(meta.ndim, X.ndim)) if meta.ndim < X.ndim else []
    new_axis = list(range(X.ndim, meta.ndim)) if meta.ndim > X.ndim else None
    return X.map_blocks(
        func,
        *args,
        chunks=out_chunks,
        drop_axis=drop_axis,
        new_axis=new_axis,
        dtype=meta.dtype,
        meta=np.empty((0,) * meta.ndim, dtype=meta.dtype),
    )


def _as_frame_meta(meta: Any) -> pd.DataFrame | pd.Series:
    if isinstance(meta, pd.DataFrame | pd.Series):
        return meta.iloc[:0]
    meta = np.asarray(meta)
    if meta.ndim == 1:
        return pd.Series(meta[:0], name=None)
    return pd.DataFrame(meta[:0])


def _on_partition(part: Any, func: Callable, labels: Any, *args: Any) -> Any:
    out = func(part, *args)
    if isinstance(out, pd.DataFrame | pd.Series):
        out = out.copy(deep=False)
        out.index = part.index
        return out
    out = np.asarray(out)
    if out.ndim == 1:
        return pd.Series(out, index=part.index, name=labels)
    return pd.DataFrame(out, index=part.index, columns=labels)


def _with_offset(block: Any, func: Callable, offset: int, *args: Any) -> Any:
    out = func(block, *args)
    out = out.copy(deep=False)
    out.index = pd.RangeIndex(offset, offset + len(out))
    return out


def _pandas_from_array_blocks(X: da.Array, func: Callable, args: tuple, meta: Any):
    """Pandas output from a dask array: a dask DataFrame indexed by row position."""
    blocks = to_row_blocks(X)
    if has_known_rows(X):
        offsets = np.cumsum((0, *X.chunks[0]))
        divisions = (*(int(o) for o in offsets[:-1]), int(offsets[-1]) - 1)
    else:
        offsets = np.zeros(len(blocks) + 1, dtype=int)
        divisions = None
    apply = dask.delayed(_with_offset, pure=True)
    parts = [
        apply(b, func, int(o), *args) for b, o in zip(blocks, offsets, strict=False)
    ]
    return dd.from_delayed(
        parts, meta=meta.iloc[:0], divisions=divisions, verify_meta=False
    )


def _sparse_blocks(X: Any, func: Callable, args: tuple, meta: Any) -> da.Array:
    apply = dask.delayed(func, pure=True)
    lengths = X.chunks[0] if is_dask_array(X) else (math.nan,) * X.npartitions
    pieces = [
        da.from_delayed(
            apply(b, *args), shape=(n, meta.shape[1]), meta=meta[:0], dtype=meta.dtype
        )
        for b, n in zip(to_row_blocks(X), lengths, strict=True)
    ]
    return da.concatenate(pieces, axis=0)
