"""One pass over the row blocks of several aligned inputs, merged in a tree.

Every metric on dask input has the same shape: a pure per-block kernel turns the
blocks of ``y_true``, ``y_pred`` and ``sample_weight`` into a small summary
(sums, moments, a table of distinct label pairs), the summaries are merged in a
tree (``split_every`` at a time) and one last function turns the merged summary
into the metric. The result is one ``Delayed``; it is computed at once
(``compute=True``, dask-ml's default) or returned as a lazy dask array.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd

from scalearn.utils._containers import (
    align_y,
    block_lengths,
    is_dask,
    paired_row_blocks,
    tree_combine,
)

SPLIT_EVERY = 8


def any_dask(*arrays: Any) -> bool:
    return any(is_dask(a) for a in arrays)


def aligned(owner: str, *arrays: Any) -> list:
    """The inputs as dask collections split into the same row blocks.

    The first dask input sets the blocks; the others (numpy, pandas, lists,
    dask collections) are aligned to it, with a clear error when their lengths
    differ. None stays None.
    """
    reference = next(a for a in arrays if is_dask(a))
    # Hidden partition lengths of the reference are computed once, if at all.
    lengths = functools.cache(lambda: block_lengths(reference))
    out = []
    for a in arrays:
        if a is None or a is reference:
            out.append(a)
            continue
        if not (is_dask(a) or hasattr(a, "shape")):
            a = np.asarray(a)
        out.append(align_y(reference, a, owner=owner, lengths_of_x=lengths))
    return out


def row_blocks(owner: str, *arrays: Any) -> list[tuple]:
    """Per row block, a tuple of one block (``Delayed``) of each input, in order."""
    arrays = aligned(owner, *arrays)
    first = next(i for i, a in enumerate(arrays) if is_dask(a))
    others = arrays[:first] + arrays[first + 1 :]
    rows = paired_row_blocks(arrays[first], *others, owner=owner)
    return [(*row[1 : first + 1], row[0], *row[first + 1 :]) for row in rows]


def tree_reduce(
    owner: str,
    arrays: Sequence[Any],
    kernel: Callable,
    merge: Callable,
    finish: Callable,
    *,
    kernel_args: tuple = (),
    finish_args: tuple = (),
) -> Any:
    """``finish(merge(kernel(blocks..., *kernel_args) per row block), *finish_args)``.

    Returns one ``Delayed``. ``merge`` takes a list of summaries in row order and
    returns one, so order-dependent merges (positions, first-index ties) work.
    """
    apply = dask.delayed(kernel, pure=True)
    parts = [apply(*blocks, *kernel_args) for blocks in row_blocks(owner, *arrays)]
    merged = tree_combine(parts, merge, SPLIT_EVERY)
    return dask.delayed(finish, pure=True)(merged, *finish_args)


def deliver(
    result: Any, compute: bool, shape: tuple | None = (), dtype: Any = float
) -> Any:
    """The computed value, or with ``compute=False`` a lazy dask array of it.

    ``shape=None`` (a result that is not one array) keeps the ``Delayed``.
    """
    if compute:
        return result.compute()
    if shape is None:
        return result
    return da.from_delayed(result, shape=shape, dtype=dtype)


# --- shared per-block helpers: pure numpy/pandas ------------------------------------


def as_values(block: Any) -> np.ndarray | None:
    """A numpy view of a block (pandas blocks give their values)."""
    if block is None:
        return None
    if isinstance(block, pd.DataFrame | pd.Series):
        return block.to_numpy()
    return np.asarray(block)


def check_block_lengths(owner: str, **blocks: np.ndarray | None) -> None:
    """Raise when the blocks of one row range have different lengths."""
    lengths = {name: len(b) for name, b in blocks.items() if b is not None}
    if len(set(lengths.values())) > 1:
        found = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(
            f"{owner}: a row block of the inputs differs in length ({found} rows). "
            "The inputs must have the same rows in the same blocks: build them "
            "from one collection (y_true = df[target], y_pred = model.predict("
            "df[features])) or rechunk them to the same row chunks."
        )


def sum_parts(parts: list[np.ndarray]) -> np.ndarray:
    """Merge summaries that are plain sums."""
    return np.sum(parts, axis=0)
