"""Quantiles of the columns of a dask array, exact in two passes or close in one.

Pass 1 keeps a *sketch* of every block: per column, the number of non-NaN
values and the sorted values at ``levels`` evenly spaced positions. From the
sketches alone, every quantile is known to within about ``n / levels`` positions
(``approximate_quantiles``). ``exact_percentiles`` uses them to bracket each
wanted order statistic between two values guaranteed to surround it, then a
second pass counts the values below each bracket and returns the (few) values
inside it, from which the order statistic is read exactly. Both equal
``numpy.nanpercentile`` with its default (linear) interpolation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask
import numpy as np

from scalearn.utils._containers import to_row_blocks

LEVELS = 1024

# One column of one block: (count of non-NaN values, positions, sorted values).
Sketch = tuple[int, np.ndarray, np.ndarray]


# --- per-block kernels: pure numpy ---------------------------------------------------


def as_float_columns(block: Any) -> np.ndarray:
    values = block.to_numpy() if hasattr(block, "to_numpy") else np.asarray(block)
    return np.asarray(values, dtype=np.float64).reshape(len(values), -1)


def block_sketch(block: Any, levels: int) -> tuple[int, list[Sketch]]:
    """The number of rows and the sketch of every column of one block."""
    x = as_float_columns(block)
    sketches = []
    for j in range(x.shape[1]):
        column = np.sort(x[~np.isnan(x[:, j]), j])
        m = len(column)
        positions = np.unique(
            np.linspace(0, m - 1, min(levels, m)).round().astype(np.int64)
        )
        sketches.append((m, positions, column[positions]))
    return len(x), sketches


def block_brackets(block: Any, lows: np.ndarray, highs: np.ndarray) -> list:
    """Per (target, column): values below ``lows`` counted, those within returned."""
    x = as_float_columns(block)
    found = []
    for low, high in zip(lows, highs, strict=True):
        row = []
        for j in range(x.shape[1]):
            column = x[:, j]
            inside = column[(column >= low[j]) & (column <= high[j])]
            row.append((int(np.count_nonzero(column < low[j])), inside))
        found.append(row)
    return found


# --- merging sketches ---------------------------------------------------------------


def _most_below(sketches: Sequence[Sketch], t: float) -> int:
    """An upper bound of the number of values < t."""
    total = 0
    for m, positions, values in sketches:
        k = np.searchsorted(values, t, side="left")
        total += int(positions[k]) if k < len(values) else m
    return total


def _least_at_most(sketches: Sequence[Sketch], t: float) -> int:
    """A lower bound of the number of values <= t."""
    total = 0
    for _, positions, values in sketches:
        k = np.searchsorted(values, t, side="right") - 1
        total += int(positions[k]) + 1 if k >= 0 else 0
    return total


def _bracket(sketches: Sequence[Sketch], first: int, last: int) -> tuple[float, float]:
    """Values surely at or below position ``first`` and at or above ``last``."""
    candidates = np.unique(np.concatenate([v for _, _, v in sketches]))
    lo, hi = 0, len(candidates) - 1
    while lo < hi:  # the largest candidate with at most `first` values below it
        mid = (lo + hi + 1) // 2
        if _most_below(sketches, candidates[mid]) <= first:
            lo = mid
        else:
            hi = mid - 1
    low = candidates[lo]
    lo, hi = 0, len(candidates) - 1
    while lo < hi:  # the smallest candidate with more than `last` values up to it
        mid = (lo + hi) // 2
        if _least_at_most(sketches, candidates[mid]) >= last + 1:
            hi = mid
        else:
            lo = mid + 1
    return low, candidates[lo]


def _positions(n: int, q: float) -> tuple[int, int, float]:
    """numpy's linear interpolation: order statistics around ``q`` and the weight."""
    virtual = (n - 1) * q
    first = int(np.floor(virtual))
    return first, min(first + 1, n - 1), virtual - first


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's interpolation between ``a`` and ``b`` (the same rounding)."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _sketches(values: Any, levels: int) -> tuple[int, list[list[Sketch]]]:
    """The number of rows and, per column, the sketches of all blocks: one compute."""
    apply = dask.delayed(block_sketch, pure=True)
    per_block = dask.compute(*(apply(b, levels) for b in to_row_blocks(values)))
    n_rows = sum(rows for rows, _ in per_block)
    sketches = [s for _, s in per_block]
    return n_rows, [list(column) for column in zip(*sketches, strict=True)]


def exact_percentiles(
    values: Any,
    percentiles: Sequence[float],
    levels: int = LEVELS,
    *,
    with_counts: bool = False,
) -> Any:
    """``numpy.nanpercentile(values, percentiles, axis=0)`` of a dask array, exactly.

    Two passes, one compute each; shape (len(percentiles), n_features). With
    ``with_counts``, also the number of non-NaN values per column and of rows.
    """
    n_rows, columns = _sketches(values, levels)
    qs = np.asarray(percentiles, dtype=np.float64) / 100
    n_features = len(columns)
    lows = np.full((len(qs), n_features), np.nan)
    highs = np.full((len(qs), n_features), np.nan)
    plans = {}
    for j, sketches in enumerate(columns):
        n = sum(m for m, _, _ in sketches)
        if n == 0:
            continue
        for i, q in enumerate(qs):
            first, last, weight = _positions(n, q)
            lows[i, j], highs[i, j] = _bracket(
                [s for s in sketches if s[0]], first, last
            )
            plans[i, j] = (first, last, weight)
    apply = dask.delayed(block_brackets, pure=True)
    found = dask.compute(*(apply(b, lows, highs) for b in to_row_blocks(values)))
    result = np.full((len(qs), n_features), np.nan)
    for (i, j), (first, last, weight) in plans.items():
        below = sum(block[i][j][0] for block in found)
        inside = np.sort(np.concatenate([block[i][j][1] for block in found]))
        a, b = inside[first - below], inside[last - below]
        result[i, j] = _lerp(a, b, weight)
    if with_counts:
        counts = np.array([sum(m for m, _, _ in c) for c in columns], dtype=np.int64)
        return result, counts, n_rows
    return result


def sketch_columns(values: Any, levels: int = LEVELS) -> tuple[int, list]:
    """One pass over a dask array: its number of rows and its columns' sketches."""
    return _sketches(values, levels)


def approximate_quantiles(columns: list, quantiles: np.ndarray) -> np.ndarray:
    """Quantiles (in [0, 1]) of each sketched column, shape (len(quantiles), n).

    Each block's sketch point stands for its share of the block's values; the
    merged points are interpolated. A quantile is off by at most about
    ``n_rows / levels`` positions (exact while no block holds more than
    ``levels`` values of the column).
    """
    result = np.full((len(quantiles), len(columns)), np.nan)
    for j, sketches in enumerate(columns):
        present = [(m, vals) for m, _, vals in sketches if m]
        if not present:
            continue
        n = sum(m for m, _ in present)
        points = np.concatenate([vals for _, vals in present])
        weight = np.concatenate([np.full(len(v), m / len(v)) for m, v in present])
        order = np.argsort(points, kind="stable")
        points, weight = points[order], weight[order]
        centers = np.cumsum(weight) - weight / 2
        result[:, j] = np.interp((n - 1) * quantiles + 0.5, centers, points)
    return result
