"""Splitters and sampling that need only the number of rows, never the data.

scikit-learn's splitters look at nothing but ``n_samples`` (and ``y`` when they
stratify), so on dask input they run on a zero-column stand-in with the same number
of rows: X is never computed, and hidden row counts (unknown chunk sizes, dask
DataFrame partitions) cost one pass over the partition lengths.

Splitting dask collections themselves goes through one piece of machinery: a
*plan* holds, for every row block, a small spec that a pure numpy kernel turns
into the block's train and test row positions. The plan is built on the client
from the block lengths alone, travels as one shared task, and each output block
selects its rows with ``map_blocks`` / ``map_partitions``. Three specs draw rows:

* ``_BlockDraw`` (``blockwise=True``): each block draws its own rows from a seed
  of its own; per-block counts are allocated by largest remainder so that they add
  up exactly to the requested sizes.
* ``_StrataDraw`` (``blockwise=False``): rows are drawn within fixed strata of
  ``_STRATUM_ROWS`` global rows whose counts come from one multivariate
  hypergeometric draw, so the selection is a uniform sample that depends only on
  the number of rows, the sizes and the seed, never on the chunking, and no
  machine ever holds a permutation of all rows.
* ``_Slices`` and ``_Given``: ordered splits (``shuffle=False``) and positions
  computed by scikit-learn (stratified splits).

Selected rows keep their input order within each block, so a DataFrame keeps its
index and divisions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import dask
import numpy as np
import pandas as pd
from sklearn import model_selection
from sklearn.utils import check_random_state

from scalearn.utils._containers import (
    align_y,
    block_lengths,
    is_dask,
    is_dask_array,
    meta_of,
    n_rows,
    take_rows,
)
from scalearn.utils._validation import check_param, param_error

_TRAIN, _TEST = 0, 1
# Rows per stratum of the chunking-independent draw: small enough that a block
# redraws its strata in well under a millisecond each, large enough that the
# counts table stays tiny (61,036 strata for a billion rows).
_STRATUM_ROWS = 2**14
# Tags that keep the seed streams of the three kinds of draws apart.
_COUNTS_STREAM, _BLOCK_STREAM, _STRATUM_STREAM = 0, 1, 2

RandomState = int | np.random.RandomState | None
Size = float | int | None


# --- parameter checks ----------------------------------------------------------------


def _check_flag(owner: str, param: str, value: Any) -> None:
    check_param(
        owner,
        param,
        value,
        isinstance(value, bool | np.bool_),
        "a bool (True or False)",
        f"Pass {param}=True or {param}=False.",
    )


def _check_size(owner: str, param: str, value: Any) -> None:
    is_count = isinstance(value, Integral) and not isinstance(value, bool | np.bool_)
    is_fraction = isinstance(value, Real) and not isinstance(value, Integral)
    check_param(
        owner,
        param,
        value,
        value is None or (is_count and value >= 1) or (is_fraction and 0 < value < 1),
        "a float in the range (0.0, 1.0), an int in the range [1, inf) or None",
        f"Pass a fraction of the rows such as {param}=0.25 or a number of rows.",
    )


def _check_random_state(owner: str, value: Any) -> None:
    check_param(
        owner,
        "random_state",
        value,
        value is None
        or isinstance(value, np.random.RandomState)
        or (
            isinstance(value, Integral)
            and not isinstance(value, bool | np.bool_)
            and 0 <= value < 2**32
        ),
        "an int in the range [0, 2**32 - 1], a numpy RandomState instance or None",
        "Pass an int such as random_state=0 for a reproducible split.",
    )


def _split_sizes(
    owner: str, n: int, test_size: Size, train_size: Size, default_test_size: float
) -> tuple[int, int]:
    """``(n_train, n_test)`` rounded as scikit-learn: ceil for test, floor for train."""
    _check_size(owner, "test_size", test_size)
    _check_size(owner, "train_size", train_size)
    if test_size is None and train_size is None:
        test_size = default_test_size
    for param, size in (("test_size", test_size), ("train_size", train_size)):
        if isinstance(size, Integral) and size >= n:
            raise param_error(
                owner,
                param,
                size,
                f"a number of rows smaller than the number of rows ({n}) or a float "
                "in the range (0.0, 1.0)",
                f"Pass a smaller {param} or a fraction of the rows.",
            )
    fractions = not isinstance(test_size, Integral | None) and not isinstance(
        train_size, Integral | None
    )
    if fractions and train_size + test_size > 1:
        raise param_error(
            owner,
            "train_size",
            train_size,
            f"at most 1 - test_size = {1 - test_size:g} when both are fractions",
            "Reduce test_size and/or train_size so that they add up to at most 1.",
        )
    n_test = _rows_for(test_size, n, math.ceil)
    n_train = _rows_for(train_size, n, math.floor)
    if train_size is None:
        n_train = n - n_test
    elif test_size is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(
            f"{owner}: train_size={train_size!r} and test_size={test_size!r} ask for "
            f"{n_train} + {n_test} rows but the data has {n}. Reduce test_size "
            "and/or train_size."
        )
    if n_train == 0:
        raise ValueError(
            f"{owner}: with {n} rows, test_size={test_size!r} and "
            f"train_size={train_size!r} the train set would be empty. Pass a smaller "
            "test_size or a larger train_size."
        )
    return n_train, n_test


def _rows_for(size: Size, n: int, rounding: Callable[[float], int]) -> int:
    if size is None:
        return 0
    return int(size) if isinstance(size, Integral) else int(rounding(size * n))


def _entropy(owner: str, random_state: RandomState) -> int:
    """One seed for every draw of a split, taken from ``random_state``."""
    _check_random_state(owner, random_state)
    rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int64).max, dtype=np.int64))


# --- per-block kernels (pure numpy) --------------------------------------------------


def _draw(
    seed: tuple[int, ...], length: int, n_train: int, n_test: int
) -> tuple[np.ndarray, np.ndarray]:
    """Uniformly drawn, sorted, disjoint train and test positions below ``length``."""
    rng = np.random.default_rng(seed)
    test = np.sort(rng.choice(length, n_test, replace=False))
    rest = np.ones(length, dtype=bool)
    rest[test] = False
    rest = np.flatnonzero(rest)
    if n_train == rest.size:
        return rest.astype(np.int64), test.astype(np.int64)
    train = np.sort(rng.choice(rest, n_train, replace=False))
    return train.astype(np.int64), test.astype(np.int64)


def _stratum_draw(
    entropy: int, stratum: int, n_total: int, n_train: int, n_test: int
) -> tuple[np.ndarray, np.ndarray]:
    length = min(_STRATUM_ROWS, n_total - stratum * _STRATUM_ROWS)
    return _draw((entropy, _STRATUM_STREAM, stratum), length, n_train, n_test)


_EMPTY = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class _BlockDraw:
    """Rows of one block drawn from the block's own seed (``blockwise=True``)."""

    length: int
    n_train: int
    n_test: int
    seed: tuple[int, ...]

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        return _draw(self.seed, self.length, self.n_train, self.n_test)


@dataclass(frozen=True)
class _StrataDraw:
    """Rows ``start:stop`` of a draw made in fixed global strata (``blockwise=False``).

    ``stratum_train`` / ``stratum_test`` hold the counts of the strata that overlap
    the block, from ``first_stratum`` on.
    """

    start: int
    stop: int
    n_train: int
    n_test: int
    n_total: int
    entropy: int
    first_stratum: int
    stratum_train: tuple[int, ...]
    stratum_test: tuple[int, ...]

    @property
    def length(self) -> int:
        return self.stop - self.start

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        train_parts, test_parts = [_EMPTY], [_EMPTY]
        counts = zip(self.stratum_train, self.stratum_test, strict=True)
        for k, (n_train, n_test) in enumerate(counts):
            stratum = self.first_stratum + k
            drawn = _stratum_draw(self.entropy, stratum, self.n_total, n_train, n_test)
            shift = stratum * _STRATUM_ROWS - self.start
            for parts, stratum_positions in zip(
                (train_parts, test_parts), drawn, strict=True
            ):
                local = stratum_positions + shift
                parts.append(local[(local >= 0) & (local < self.length)])
        return np.concatenate(train_parts), np.concatenate(test_parts)


@dataclass(frozen=True)
class _Slices:
    """Contiguous train and test rows, local to the block (``shuffle=False``)."""

    length: int
    train_start: int
    train_stop: int
    test_start: int
    test_stop: int

    @property
    def n_train(self) -> int:
        return self.train_stop - self.train_start

    @property
    def n_test(self) -> int:
        return self.test_stop - self.test_start

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.arange(self.train_start, self.train_stop, dtype=np.int64),
            np.arange(self.test_start, self.test_stop, dtype=np.int64),
        )


@dataclass(frozen=True, eq=False)
class _Given:
    """Positions decided beforehand, local to the block (stratified splits)."""

    length: int
    train: np.ndarray
    test: np.ndarray

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_test(self) -> int:
        return len(self.test)

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        return self.train, self.test


Spec = _BlockDraw | _StrataDraw | _Slices | _Given


def _select_rows(block: Any, spec: Spec, side: int) -> Any:
    """The train (``side=0``) or test (``side=1``) rows of one numpy/pandas block."""
    if block.shape[0] != spec.length:
        raise ValueError(
            f"A row block has {block.shape[0]} rows where the split was planned for "
            f"{spec.length}: the arrays' row blocks do not line up. Take all arrays "
            "from one collection (X = df[features], y = df[target]) or rechunk them "
            "to the same row chunks."
        )
    rows = spec.positions()[side]
    return (
        block.iloc[rows] if isinstance(block, pd.DataFrame | pd.Series) else block[rows]
    )


def _rows_of_block(block: Any, plan: Sequence[Spec], side: int, block_info=None):
    return _select_rows(block, plan[block_info[0]["chunk-location"][0]], side)


def _rows_of_partition(part: Any, plan: Sequence[Spec], side: int, partition_info=None):
    return _select_rows(part, plan[partition_info["number"]], side)


# --- plans: one spec per row block ---------------------------------------------------


def _offsets(lengths: Sequence[int]) -> list[int]:
    return [0, *np.cumsum(lengths, dtype=np.int64).tolist()]


def _allocate(total: int, weights: Sequence[int], capacity: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), within caps."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    counts = [
        min(total * w // whole, c) for w, c in zip(weights, capacity, strict=True)
    ]
    order = sorted(
        range(len(weights)), key=lambda j: (-((total * weights[j]) % whole), j)
    )
    short = total - sum(counts)
    while short > 0:
        for j in order:
            if short and counts[j] < capacity[j]:
                counts[j] += 1
                short -= 1
    return counts


def _blockwise_plan(
    lengths: Sequence[int], n_train: int, n_test: int, entropy: int, split: int = 0
) -> list[Spec]:
    tests = _allocate(n_test, lengths, lengths)
    room = [n - t for n, t in zip(lengths, tests, strict=True)]
    trains = _allocate(n_train, lengths, room)
    return [
        _BlockDraw(int(n), r, t, (entropy, _BLOCK_STREAM, split, j))
        for j, (n, r, t) in enumerate(zip(lengths, trains, tests, strict=True))
    ]


def _hypergeometric(rng: np.random.Generator, colors: np.ndarray, k: int) -> np.ndarray:
    if colors.size == 0:
        return colors.copy()
    return rng.multivariate_hypergeometric(colors, k, method="marginals")


def _strata_plan(
    lengths: Sequence[int], n_train: int, n_test: int, entropy: int
) -> list[Spec]:
    offsets = _offsets(lengths)
    n_total = offsets[-1]
    n_strata = -(-n_total // _STRATUM_ROWS)
    sizes = np.full(n_strata, _STRATUM_ROWS, dtype=np.int64)
    sizes[-1:] = n_total - _STRATUM_ROWS * (n_strata - 1)
    rng = np.random.default_rng((entropy, _COUNTS_STREAM))
    tests = _hypergeometric(rng, sizes, n_test)
    trains = _hypergeometric(rng, sizes - tests, n_train)
    train_before = np.concatenate(([0], np.cumsum(trains)))
    test_before = np.concatenate(([0], np.cumsum(tests)))

    def selected_before(row: int) -> tuple[int, int]:
        stratum, within = divmod(row, _STRATUM_ROWS)
        n_train, n_test = int(train_before[stratum]), int(test_before[stratum])
        if within:
            train, test = _stratum_draw(
                entropy, stratum, n_total, int(trains[stratum]), int(tests[stratum])
            )
            n_train += int(np.searchsorted(train, within))
            n_test += int(np.searchsorted(test, within))
        return n_train, n_test

    before = [selected_before(row) for row in offsets]
    plan: list[Spec] = []
    for j, (start, stop) in enumerate(itertools.pairwise(offsets)):
        first = start // _STRATUM_ROWS
        last = -(-stop // _STRATUM_ROWS) if stop > start else first
        plan.append(
            _StrataDraw(
                start=start,
                stop=stop,
                n_train=before[j + 1][0] - before[j][0],
                n_test=before[j + 1][1] - before[j][1],
                n_total=n_total,
                entropy=entropy,
                first_stratum=first,
                stratum_train=tuple(trains[first:last].tolist()),
                stratum_test=tuple(tests[first:last].tolist()),
            )
        )
    return plan


def _ordered_plan(lengths: Sequence[int], n_train: int, n_test: int) -> list[Spec]:
    """scikit-learn's ``shuffle=False``: the first n_train rows, then n_test rows."""
    offsets = _offsets(lengths)

    def local(lo: int, hi: int, start: int, stop: int) -> tuple[int, int]:
        lo, hi = max(lo, start) - start, min(hi, stop) - start
        return (lo, hi) if lo < hi else (0, 0)

    return [
        _Slices(
            stop - start,
            *local(0, n_train, start, stop),
            *local(n_train, n_train + n_test, start, stop),
        )
        for start, stop in itertools.pairwise(offsets)
    ]


def _given_plan(
    lengths: Sequence[int], train: np.ndarray, test: np.ndarray
) -> list[Spec]:
    offsets = _offsets(lengths)
    train, test = np.sort(train), np.sort(test)

    def local(rows: np.ndarray, start: int, stop: int) -> np.ndarray:
        lo, hi = np.searchsorted(rows, [start, stop])
        return (rows[lo:hi] - start).astype(np.int64)

    return [
        _Given(stop - start, local(train, start, stop), local(test, start, stop))
        for start, stop in itertools.pairwise(offsets)
    ]


def _global_positions(plan: Sequence[Spec]) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row positions over all blocks, as numpy int64 arrays."""
    offsets = _offsets([spec.length for spec in plan])
    sides = ([_EMPTY], [_EMPTY])
    for spec, offset in zip(plan, offsets, strict=False):
        for parts, rows in zip(sides, spec.positions(), strict=True):
            parts.append(rows + offset)
    return np.concatenate(sides[_TRAIN]), np.concatenate(sides[_TEST])


# --- applying a plan to aligned arrays -----------------------------------------------


def _take(X: Any, plan: Sequence[Spec], shared_plan: Any, side: int) -> Any:
    """The ``side`` rows of dask ``X``, lazily, one output block per input block."""
    token = "train-rows" if side == _TRAIN else "test-rows"
    if is_dask_array(X):
        out_rows = tuple(
            spec.n_train if side == _TRAIN else spec.n_test for spec in plan
        )
        return X.map_blocks(
            _rows_of_block,
            shared_plan,
            side,
            chunks=(out_rows, *X.chunks[1:]),
            dtype=X.dtype,
            meta=meta_of(X),
            token=token,
        )
    return X.map_partitions(
        _rows_of_partition, shared_plan, side, meta=meta_of(X), token=token
    )


def _check_same_rows(owner: str, arrays: Sequence[Any], total: float = math.nan):
    known = [n_rows(a) for a in arrays if not math.isnan(n_rows(a))]
    if not math.isnan(total):
        known.append(total)
    if len(set(known)) > 1:
        raise ValueError(
            f"{owner}: the arrays must all have the same number of rows; got "
            f"{[n_rows(a) for a in arrays]} rows (nan: not known yet). Pass X and "
            "the y that belongs to it."
        )


def _split_arrays(
    owner: str, arrays: Sequence[Any], make_plan: Callable[[list[int]], list[Spec]]
) -> list[tuple[Any, Any]]:
    """``(train, test)`` for each array, rows chosen by ``make_plan(block_lengths)``.

    Dask arrays are split along the blocks of the first dask array (others are
    aligned to it) and come back lazy; in-memory arrays are indexed with the same
    global row positions.
    """
    _check_same_rows(owner, arrays)
    reference = next((a for a in arrays if is_dask(a)), arrays[0])
    lengths = list(block_lengths(reference))
    _check_same_rows(owner, [a for a in arrays if not is_dask(a)], sum(lengths))
    plan = make_plan(lengths)
    shared_plan = dask.delayed(tuple(plan), pure=True, traverse=False)
    positions: tuple[np.ndarray, np.ndarray] | None = None
    pairs = []
    for X in arrays:
        if is_dask(X):
            X = X if X is reference else align_y(reference, X, owner=owner)
            pairs.append(tuple(_take(X, plan, shared_plan, side) for side in (0, 1)))
            continue
        positions = _global_positions(plan) if positions is None else positions
        pairs.append(tuple(take_rows(X, rows) for rows in positions))
    return pairs


def _check_arrays(owner: str, arrays: Sequence[Any]) -> None:
    if not arrays:
        raise ValueError(
            f"{owner}: at least one array is required. Pass the data to split, "
            f"e.g. {owner}(X, y)."
        )


# --- splitters -----------------------------------------------------------------------


def _total_rows(X: Any) -> int:
    """Rows of ``X``; computes only the partition lengths when they are hidden."""
    n = n_rows(X)
    return int(sum(block_lengths(X))) if math.isnan(n) else int(n)


def _rows_stand_in(n: int) -> np.ndarray:
    """A zero-column array with ``n`` rows: all scikit-learn's splitters look at."""
    return np.empty((n, 0))


def _in_memory_view(X: Any, y: Any, groups: Any) -> tuple[Any, Any, Any]:
    """``X, y, groups`` as scikit-learn may see them: dask ones become stand-ins."""
    if not any(is_dask(v) for v in (X, y, groups)):
        return X, y, groups
    n = _total_rows(X)

    def view(v: Any) -> Any:
        return _rows_stand_in(n) if is_dask(v) else v

    return view(X), view(y), view(groups)


class KFold(model_selection.KFold):
    """K-fold cross-validator for in-memory and dask data.

    scikit-learn's :class:`sklearn.model_selection.KFold`, which also accepts dask
    arrays and DataFrames: it yields the same numpy ``(train, test)`` row positions
    as scikit-learn on data with the same number of rows. X is never computed; when
    its row count is hidden (unknown chunk sizes, dask DataFrame partitions), only
    the partition lengths are, once per call to ``split``.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to shuffle the rows before cutting them into folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle; used when ``shuffle=True``.

    See Also
    --------
    StratifiedKFold : Folds that keep the class proportions of ``y``.
    ShuffleSplit : Random train/test splits, blockwise on dask input.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.model_selection import KFold
    >>> X = da.zeros((6, 2), chunks=3)
    >>> for train, test in KFold(n_splits=3).split(X):
    ...     print(train, test)
    [2 3 4 5] [0 1]
    [0 1 4 5] [2 3]
    [0 1 2 3] [4 5]
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        shuffle: bool = False,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` numpy row positions; see scikit-learn's ``KFold``."""
        yield from super().split(*_in_memory_view(X, y, groups))


class StratifiedKFold(model_selection.StratifiedKFold):
    """Stratified k-fold cross-validator for in-memory and dask data.

    scikit-learn's :class:`sklearn.model_selection.StratifiedKFold`, which also
    accepts dask arrays and DataFrames: it yields the same numpy ``(train, test)``
    row positions as scikit-learn on the same labels. A dask ``y`` is computed once
    per call to ``split`` (it is one column); X is never computed.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to shuffle each class's rows before cutting them into folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle; used when ``shuffle=True``.

    See Also
    --------
    KFold : Folds that ignore ``y``.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.model_selection import StratifiedKFold
    >>> X = da.zeros((6, 2), chunks=3)
    >>> y = da.from_array([0, 0, 0, 1, 1, 1], chunks=3)
    >>> for train, test in StratifiedKFold(n_splits=3).split(X, y):
    ...     print(train, test)
    [1 2 4 5] [0 3]
    [0 2 3 5] [1 4]
    [0 1 3 4] [2 5]
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        shuffle: bool = False,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)

    def split(
        self, X: Any, y: Any, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` numpy row positions, as scikit-learn does."""
        if not any(is_dask(v) for v in (X, y, groups)):
            yield from super().split(X, y, groups)
            return
        (labels,) = dask.compute(y)
        n = _total_rows(X) if labels is None else len(labels)
        _check_same_rows("StratifiedKFold.split", [X, _rows_stand_in(n)])
        stand_in = _rows_stand_in(n)
        yield from super().split(
            stand_in, labels, stand_in if is_dask(groups) else groups
        )


class ShuffleSplit(model_selection.ShuffleSplit):
    """Random train/test splits, drawn within each block of dask input by default.

    scikit-learn's :class:`sklearn.model_selection.ShuffleSplit` with dask-ml's
    ``blockwise`` parameter. On numpy, pandas and scipy.sparse input it yields
    scikit-learn's ``(train, test)`` row positions. On dask arrays and DataFrames it
    yields numpy int64 row positions too, without computing X (only the partition
    lengths, once, when they are hidden):

    * ``blockwise=True`` (dask-ml's way): each block's rows are split on their own,
      from a seed derived from ``random_state`` and the block's position, so no
      global permutation is drawn. The number of test (and train) rows of each block
      is its share of the total by largest remainder, so the totals are exactly
      scikit-learn's. Within each block the positions come in increasing order.
      Use it when the blocks are already shuffled; on ordered data the test rows
      still come from every block, in proportion to its size.
    * ``blockwise=False``: scikit-learn's result on data with the same number of
      rows (a permutation of all rows, drawn on the client).

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float, int or None, default=None
        Fraction of the rows in (0, 1) or number of rows in each test set. None
        means the complement of ``train_size``, or 0.1 when both are None
        (scikit-learn's default; dask-ml writes it ``test_size=0.1``).
    train_size : float, int or None, default=None
        Fraction of the rows in (0, 1) or number of rows in each train set. None
        means the complement of ``test_size``.
    blockwise : bool, default=True
        On dask input, whether to split each block on its own (True) or to draw
        scikit-learn's global split (False). Ignored on in-memory input.
    random_state : int, RandomState instance or None, default=None
        Seed of the splits; pass an int for reproducible splits.

    See Also
    --------
    train_test_split : Split the data itself, lazily on dask input.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.model_selection import ShuffleSplit
    >>> X = da.zeros((10, 2), chunks=5)
    >>> splitter = ShuffleSplit(n_splits=2, test_size=0.2, random_state=0)
    >>> [[len(train), len(test)] for train, test in splitter.split(X)]
    [[8, 2], [8, 2]]
    >>> train, test = next(splitter.split(X))
    >>> sorted(set(train) | set(test)) == list(range(10))
    True
    """

    def __init__(
        self,
        n_splits: int = 10,
        *,
        test_size: Size = None,
        train_size: Size = None,
        blockwise: bool = True,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(
            n_splits=n_splits,
            test_size=test_size,
            train_size=train_size,
            random_state=random_state,
        )
        self.blockwise = blockwise

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` numpy row positions, ``n_splits`` times."""
        _check_flag("ShuffleSplit", "blockwise", self.blockwise)
        if not is_dask(X) or not self.blockwise:
            yield from super().split(*_in_memory_view(X, y, groups))
            return
        lengths = block_lengths(X)
        n_train, n_test = _split_sizes(
            "ShuffleSplit", sum(lengths), self.test_size, self.train_size, 0.1
        )
        entropy = _entropy("ShuffleSplit", self.random_state)
        for split in range(self.n_splits):
            yield _global_positions(
                _blockwise_plan(lengths, n_train, n_test, entropy, split)
            )


# --- functions -----------------------------------------------------------------------


def train_test_split(
    *arrays: Any,
    test_size: Size = None,
    train_size: Size = None,
    random_state: RandomState = None,
    shuffle: bool = True,
    stratify: Any = None,
    blockwise: bool = True,
    convert_mixed_types: bool = False,
    **options: Any,
) -> list[Any]:
    """Split arrays into random train and test subsets, lazily on dask input.

    On numpy, pandas, scipy.sparse and lists this is scikit-learn's
    :func:`sklearn.model_selection.train_test_split`. When any array is a dask
    array or DataFrame, every dask array comes back as a lazy dask collection of the
    same kind, with one block per input block, and nothing is computed except the
    partition lengths when they are hidden. The sizes are exactly scikit-learn's
    (ceil for a fractional test size, floor for a fractional train size), no row is
    lost or repeated, the rows of all arrays stay paired, and a DataFrame keeps its
    index. The selected rows keep their input order (scikit-learn's come shuffled):
    shuffle the training set yourself if an estimator is sensitive to row order.

    Parameters
    ----------
    *arrays : sequence of array-likes or dask collections
        Arrays with the same number of rows. Dask collections are split along the
        row blocks of the first one; the others must line up with it (as ``X`` and
        ``y`` taken from one DataFrame do) or are rechunked to it. In-memory arrays
        given with dask ones come back in memory.
    test_size : float, int or None, default=None
        Fraction of the rows in (0, 1) or number of rows in the test set. None
        means the complement of ``train_size``, or 0.25 when both are None
        (scikit-learn's default; dask-ml used 0.1).
    train_size : float, int or None, default=None
        Fraction of the rows in (0, 1) or number of rows in the train set. None
        means the complement of ``test_size``.
    random_state : int, RandomState instance or None, default=None
        Seed of the split; pass an int for a reproducible split.
    shuffle : bool, default=True
        Whether to draw the rows at random. With False the first rows make the
        train set and the rows after them the test set, as in scikit-learn.
    stratify : array-like, dask collection or None, default=None
        Class labels whose proportions both sets keep. On dask input it needs
        ``blockwise=False``; the labels are then computed once and the rows are
        scikit-learn's.
    blockwise : bool, default=True
        On dask input, ``True`` draws each block's rows on their own (dask-ml's
        way, no global permutation), with per-block counts that add up exactly to
        the requested sizes. ``False`` draws a uniform sample of all rows that
        depends only on the number of rows, the sizes and ``random_state``, not on
        the chunking. Ignored on in-memory input.
    convert_mixed_types : bool, default=False
        Accepted for compatibility with dask-ml and not needed: dask arrays and
        DataFrames can be mixed, whatever its value, as long as their row blocks
        line up. A dask DataFrame whose blocks do not line up with a dask array
        given first is converted to a dask array, which computes its lengths.
    **options
        Accepted only to raise a clear error, as dask-ml does, on any other name.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``, two entries per array.

    Raises
    ------
    ValueError
        On a bad parameter value, arrays of different lengths, or ``stratify`` with
        ``blockwise=True`` on dask input.
    TypeError
        On an unknown keyword argument.

    See Also
    --------
    sample : A reproducible uniform sample of rows.
    ShuffleSplit : Several random splits as row positions.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.model_selection import train_test_split
    >>> X = da.arange(20).reshape(10, 2).rechunk((5, 2))
    >>> y = X[:, 0] // 2
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, test_size=0.3, random_state=0
    ... )
    >>> X_train.chunks[0], X_test.chunks[0]
    ((3, 4), (2, 1))
    >>> bool((X_test.compute()[:, 0] // 2 == y_test.compute()).all())
    True
    """
    owner = "train_test_split"
    if options:
        raise TypeError(
            f"{owner} got unexpected keyword arguments {sorted(options)}. Accepted: "
            "test_size, train_size, random_state, shuffle, stratify, blockwise, "
            "convert_mixed_types."
        )
    _check_arrays(owner, arrays)
    for param, value in (("shuffle", shuffle), ("blockwise", blockwise)):
        _check_flag(owner, param, value)
    _check_size(owner, "test_size", test_size)
    _check_size(owner, "train_size", train_size)
    _check_random_state(owner, random_state)
    if not any(is_dask(a) for a in (*arrays, stratify)):
        _check_same_rows(owner, arrays)
        return model_selection.train_test_split(
            *arrays,
            test_size=test_size,
            train_size=train_size,
            random_state=random_state,
            shuffle=shuffle,
            stratify=stratify,
        )
    if stratify is not None and not shuffle:
        raise param_error(
            owner,
            "stratify",
            "<labels>",
            "None when shuffle=False",
            "Pass shuffle=True to stratify, or stratify=None.",
        )
    if stratify is not None and blockwise:
        raise param_error(
            owner,
            "blockwise",
            blockwise,
            "False when stratify is given on dask input",
            "Pass blockwise=False: the labels are then computed once and the split "
            "is scikit-learn's stratified split.",
        )

    def make_plan(lengths: list[int]) -> list[Spec]:
        n = sum(lengths)
        n_train, n_test = _split_sizes(owner, n, test_size, train_size, 0.25)
        if stratify is not None:
            (labels,) = dask.compute(stratify)
            _check_same_rows(owner, [labels], n)
            splitter = model_selection.StratifiedShuffleSplit(
                test_size=n_test, train_size=n_train, random_state=random_state
            )
            train, test = next(splitter.split(_rows_stand_in(n), labels))
            return _given_plan(lengths, train, test)
        if not shuffle:
            return _ordered_plan(lengths, n_train, n_test)
        entropy = _entropy(owner, random_state)
        if blockwise:
            return _blockwise_plan(lengths, n_train, n_test, entropy)
        return _strata_plan(lengths, n_train, n_test, entropy)

    pairs = _split_arrays(owner, arrays, make_plan)
    return [part for pair in pairs for part in pair]


def sample(
    *arrays: Any,
    n: int | None = None,
    frac: float | None = None,
    random_state: RandomState = None,
    blockwise: bool = False,
) -> Any:
    """A reproducible uniform random sample of rows, without replacement.

    Statistics first: before fitting on a whole dataset, fit on a sample in memory
    and draw a learning curve to see whether more rows would help. The sample is
    the test side of :func:`train_test_split` with ``test_size=n`` (or ``frac``), so
    it has exactly that many rows, the rows of all arrays stay paired, and the
    result is lazy for dask input (compute it yourself, e.g. with
    ``dask.compute(X_sample, y_sample)``) and in memory for in-memory input.
    Nothing is computed except the partition lengths when they are hidden.

    Parameters
    ----------
    *arrays : sequence of array-likes or dask collections
        Arrays with the same number of rows, as for :func:`train_test_split`.
    n : int, optional
        Number of rows to draw, between 1 and the number of rows. Exactly one of
        ``n`` and ``frac`` is required.
    frac : float, optional
        Fraction of the rows to draw, in (0, 1]; the sample has
        ``ceil(frac * n_rows)`` rows.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw; pass an int for a reproducible sample.
    blockwise : bool, default=False
        ``False`` draws a uniform sample of all rows that depends only on the
        number of rows, ``n`` and ``random_state``, not on the chunking (in-memory
        input gives the same rows as a dask version of it). ``True`` draws each
        block's share on its own, as ``train_test_split(blockwise=True)`` does.

    Returns
    -------
    sample : object or list
        The sampled rows of the array, or a list with those of each array. Rows
        keep their input order.

    See Also
    --------
    train_test_split : Both sides of a split.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.model_selection import sample
    >>> X = da.arange(2_000).reshape(1_000, 2).rechunk((250, 2))
    >>> y = X[:, 0] // 2
    >>> X_small, y_small = sample(X, y, n=100, random_state=0)
    >>> X_small.shape, X_small.numblocks
    ((100, 2), (4, 1))
    >>> X_small, y_small = X_small.compute(), y_small.compute()
    >>> bool((X_small[:, 0] // 2 == y_small).all())
    True
    """
    owner = "sample"
    _check_arrays(owner, arrays)
    _check_flag(owner, "blockwise", blockwise)
    _check_random_state(owner, random_state)
    if (n is None) == (frac is None):
        raise ValueError(
            f"{owner}: pass exactly one of n (a number of rows) and frac (a fraction "
            f"of the rows); got n={n!r} and frac={frac!r}."
        )
    if frac is not None:
        check_param(
            owner,
            "frac",
            frac,
            isinstance(frac, Real) and not isinstance(frac, Integral) and 0 < frac <= 1,
            "a float in the range (0.0, 1.0]",
            "Pass a fraction of the rows such as frac=0.1, or a number of rows as n.",
        )
    else:
        check_param(
            owner,
            "n",
            n,
            isinstance(n, Integral) and not isinstance(n, bool | np.bool_) and n >= 1,
            "an int in the range [1, number of rows]",
            "Pass a number of rows such as n=10_000, or a fraction as frac.",
        )

    def make_plan(lengths: list[int]) -> list[Spec]:
        n_total = sum(lengths)
        n_test = int(n) if frac is None else math.ceil(frac * n_total)
        check_param(
            owner,
            "n",
            n_test,
            n_test <= n_total,
            f"at most the number of rows ({n_total}): rows are drawn without "
            "replacement",
            "Pass a smaller n.",
        )
        entropy = _entropy(owner, random_state)
        if blockwise:
            return _blockwise_plan(lengths, 0, n_test, entropy)
        return _strata_plan(lengths, 0, n_test, entropy)

    samples = [test for _, test in _split_arrays(owner, arrays, make_plan)]
    return samples[0] if len(samples) == 1 else samples
