"""Splitters, train_test_split and sample: parity, exact sizes, laziness, errors."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import model_selection as sk

from scalearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    sample,
    train_test_split,
)
from scalearn.model_selection._split import (
    _STRATUM_ROWS,
    _allocate,
    _draw,
    _global_positions,
    _select_rows,
    _split_sizes,
    _strata_plan,
)

N = 103  # not a multiple of the block size, so blocks differ in length


def _data(n=N):
    X = np.column_stack([np.arange(n), np.arange(n) * 10.0])
    y = np.arange(n) % 3
    return X, y


def _container(X, kind, chunks=25):
    """``X`` as numpy, pandas, sparse, a dask array (known or hidden row chunks),
    or a dask DataFrame."""
    if kind == "numpy":
        return X
    if kind == "pandas":
        return pd.DataFrame(X, columns=["a", "b"])
    if kind == "sparse":
        return sp.csr_matrix(X)
    dX = da.from_array(X, chunks=(chunks, X.shape[1]))
    if kind == "dask_known":
        return dX
    if kind == "dask_hidden":
        return dX[dX[:, 0] >= 0]
    frame = pd.DataFrame(X, columns=["a", "b"])
    return dd.from_pandas(frame, chunksize=chunks, sort=True)


DASK_KINDS = ["dask_known", "dask_hidden", "dask_frame"]
ALL_KINDS = ["numpy", "pandas", "sparse", *DASK_KINDS]


def _assert_same_splits(got, expected):
    got, expected = list(got), list(expected)
    assert len(got) == len(expected)
    for (train, test), (train_ref, test_ref) in zip(got, expected, strict=True):
        assert train.dtype == np.int64
        assert test.dtype == np.int64
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)


def _computes_while(count_computes, kind, func):
    """Run ``func``; assert it computed nothing, or only hidden partition lengths."""
    with count_computes() as counter:
        out = func()
    assert counter.count == (1 if kind in ("dask_hidden", "dask_frame") else 0)
    return out


# --- kernels -------------------------------------------------------------------------


def test_draw_gives_sorted_disjoint_positions_of_exact_sizes():
    train, test = _draw((1, 2, 3), 50, 30, 12)
    assert len(train) == 30
    assert len(test) == 12
    assert np.all(np.diff(train) > 0)
    assert np.all(np.diff(test) > 0)
    assert not set(train) & set(test)
    assert set(train) | set(test) <= set(range(50))
    np.testing.assert_array_equal(_draw((1, 2, 3), 50, 30, 12)[1], test)
    full_train, _ = _draw((1, 2, 3), 50, 38, 12)
    assert len(full_train) == 38


def test_allocate_is_exact_proportional_and_capped():
    counts = _allocate(10, [25, 25, 25, 28], [25, 25, 25, 28])
    assert sum(counts) == 10
    assert all(2 <= c <= 3 for c in counts)
    assert _allocate(5, [3, 0, 3], [1, 0, 4]) == [1, 0, 4]
    assert _allocate(0, [0, 0], [0, 0]) == [0, 0]


def test_select_rows_is_a_pure_pandas_kernel():
    frame = pd.DataFrame({"a": range(5)}, index=list("vwxyz"))
    (spec,) = _strata_plan([5], 3, 2, entropy=7)
    train = _select_rows(frame, spec, 0)
    test = _select_rows(frame, spec, 1)
    assert sorted([*train.index, *test.index]) == list("vwxyz")
    assert len(train) == 3
    assert frame.index.is_monotonic_increasing


def test_strata_plan_spans_strata_and_ignores_block_boundaries():
    n = 2 * _STRATUM_ROWS + 123
    one_block = _global_positions(_strata_plan([n], 1000, 500, entropy=3))
    uneven = [7, _STRATUM_ROWS, 0, n - _STRATUM_ROWS - 7]
    many_blocks = _global_positions(_strata_plan(uneven, 1000, 500, entropy=3))
    for got, expected in zip(many_blocks, one_block, strict=True):
        np.testing.assert_array_equal(got, expected)
    train, test = one_block
    assert len(train) == 1000
    assert len(test) == 500
    assert not set(train) & set(test)


@pytest.mark.parametrize("n", [10, 103, 1000])
@pytest.mark.parametrize(
    ("test_size", "train_size"),
    [
        (None, None),
        (0.25, None),
        (0.33, None),
        (None, 0.6),
        (7, None),
        (0.2, 0.5),
        (3, 5),
    ],
)
def test_split_sizes_round_as_scikit_learn(n, test_size, train_size):
    train, test = sk.train_test_split(
        np.arange(n), test_size=test_size, train_size=train_size, random_state=0
    )
    got = _split_sizes("f", n, test_size, train_size, 0.25)
    assert got == (len(train), len(test))


# --- splitters -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_matches_scikit_learn(kind, shuffle, count_computes):
    X, _y = _data()
    random_state = 0 if shuffle else None
    splitter = KFold(n_splits=4, shuffle=shuffle, random_state=random_state)
    reference = sk.KFold(n_splits=4, shuffle=shuffle, random_state=random_state)
    data = _container(X, kind)
    splits = _computes_while(count_computes, kind, lambda: list(splitter.split(data)))
    _assert_same_splits(splits, reference.split(X))
    assert splitter.get_n_splits(data) == 4


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_stratified_kfold_matches_scikit_learn_computing_y_once(kind, count_computes):
    X, y = _data()
    data = _container(X, kind)
    labels = da.from_array(y, chunks=25) if kind.startswith("dask") else y
    splitter = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    with count_computes() as counter:
        splits = list(splitter.split(data, labels))
    assert counter.count == (1 if kind.startswith("dask") else 0)
    reference = sk.StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    _assert_same_splits(splits, reference.split(X, y))


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_shuffle_split_global_matches_scikit_learn(kind):
    X, _ = _data()
    splitter = ShuffleSplit(n_splits=3, test_size=0.2, blockwise=False, random_state=0)
    reference = sk.ShuffleSplit(n_splits=3, test_size=0.2, random_state=0)
    _assert_same_splits(splitter.split(_container(X, kind)), reference.split(X))
    assert splitter.get_n_splits() == 3


@pytest.mark.parametrize("kind", ["numpy", "pandas", "sparse"])
def test_shuffle_split_blockwise_is_scikit_learn_in_memory(kind):
    X, _ = _data()
    splitter = ShuffleSplit(n_splits=2, train_size=0.5, random_state=1)
    reference = sk.ShuffleSplit(n_splits=2, train_size=0.5, random_state=1)
    _assert_same_splits(splitter.split(_container(X, kind)), reference.split(X))


@pytest.mark.parametrize("kind", DASK_KINDS)
@pytest.mark.parametrize(("test_size", "train_size"), [(0.2, None), (11, 0.5)])
def test_shuffle_split_blockwise_exact_per_block_shares(
    kind, test_size, train_size, count_computes
):
    X, _ = _data()
    data = _container(X, kind)
    splitter = ShuffleSplit(
        n_splits=3, test_size=test_size, train_size=train_size, random_state=0
    )
    splits = _computes_while(count_computes, kind, lambda: list(splitter.split(data)))
    n_train, n_test = _split_sizes("f", N, test_size, train_size, 0.1)
    blocks = np.arange(N) // 25
    for train, test in splits:
        assert (len(train), len(test)) == (n_train, n_test)
        assert not set(train) & set(test)
        # every block gives its share of the test rows, rounded either way
        shares = np.bincount(blocks[test], minlength=5)
        expected = n_test * np.bincount(blocks) / N
        assert np.all(np.abs(shares - expected) < 1)
    assert not np.array_equal(splits[0][1], splits[1][1])
    _assert_same_splits(splitter.split(data), splits)


# --- train_test_split ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["numpy", "pandas", "sparse"])
def test_train_test_split_is_scikit_learn_in_memory(kind):
    X, y = _data()
    data = _container(X, kind)
    got = train_test_split(data, y, test_size=0.3, random_state=0, stratify=y)
    expected = sk.train_test_split(data, y, test_size=0.3, random_state=0, stratify=y)
    for part, part_ref in zip(got, expected, strict=True):
        assert type(part) is type(part_ref)
        if sp.issparse(part):
            part, part_ref = part.toarray(), part_ref.toarray()
        if isinstance(part, pd.DataFrame):
            pd.testing.assert_index_equal(part.index, part_ref.index)
        np.testing.assert_array_equal(np.asarray(part), np.asarray(part_ref))


def _rows(part):
    """First column of a computed split part: the row positions of the input."""
    part = part.compute() if hasattr(part, "compute") else part
    return np.asarray(part)[:, 0].astype(np.int64)


@pytest.mark.parametrize("kind", DASK_KINDS)
@pytest.mark.parametrize("blockwise", [True, False])
@pytest.mark.parametrize(
    ("test_size", "train_size"), [(None, None), (0.33, None), (10, None), (0.2, 0.5)]
)
def test_train_test_split_dask_is_lazy_exact_and_paired(
    kind, blockwise, test_size, train_size, count_computes
):
    X, _ = _data()
    data = _container(X, kind)
    labels = data[:, 0] if kind != "dask_frame" else data["a"]
    parts = _computes_while(
        count_computes,
        kind,
        lambda: train_test_split(
            data,
            labels,
            test_size=test_size,
            train_size=train_size,
            random_state=0,
            blockwise=blockwise,
        ),
    )
    X_train, X_test, y_train, y_test = dask.compute(*parts)
    n_train, n_test = _split_sizes("f", N, test_size, train_size, 0.25)
    train, test = _rows(X_train), _rows(X_test)
    assert (len(train), len(test)) == (n_train, n_test)
    assert len(set(train) | set(test)) == n_train + n_test
    if train_size is None:
        assert sorted([*train, *test]) == list(range(N))
    np.testing.assert_array_equal(np.asarray(y_train), train)
    np.testing.assert_array_equal(np.asarray(y_test), test)
    assert type(parts[0]) is type(data)
    assert type(parts[2]) is type(labels)
    n_blocks = data.numblocks[0] if kind != "dask_frame" else data.npartitions
    assert all(
        (p.numblocks[0] if kind != "dask_frame" else p.npartitions) == n_blocks
        for p in parts
    )
    again = dask.compute(
        *train_test_split(
            data,
            test_size=test_size,
            train_size=train_size,
            random_state=0,
            blockwise=blockwise,
        )
    )
    np.testing.assert_array_equal(_rows(again[1]), test)


def test_train_test_split_exact_mode_ignores_chunking():
    n = _STRATUM_ROWS + 1_000
    x = np.arange(n)
    a = train_test_split(
        da.from_array(x, chunks=5_000), blockwise=False, random_state=4
    )
    b = train_test_split(
        da.from_array(x, chunks=7_777), blockwise=False, random_state=4
    )
    for part_a, part_b in zip(dask.compute(*a), dask.compute(*b), strict=True):
        np.testing.assert_array_equal(part_a, part_b)
    c = train_test_split(
        da.from_array(x, chunks=5_000), blockwise=False, random_state=5
    )
    assert not np.array_equal(a[1].compute(), c[1].compute())


def test_train_test_split_blockwise_rows_are_shuffle_splits():
    X, _ = _data()
    dX = da.from_array(X, chunks=(25, 2))
    X_train, X_test = train_test_split(dX, test_size=0.2, random_state=3)
    train, test = next(
        ShuffleSplit(n_splits=1, test_size=0.2, random_state=3).split(dX)
    )
    np.testing.assert_array_equal(X_train.compute(), X[train])
    np.testing.assert_array_equal(X_test.compute(), X[test])


@pytest.mark.parametrize("kind", DASK_KINDS)
def test_train_test_split_without_shuffle_is_scikit_learn(kind):
    X, _ = _data()
    parts = train_test_split(_container(X, kind), test_size=0.3, shuffle=False)
    train, test = sk.train_test_split(np.arange(N), test_size=0.3, shuffle=False)
    np.testing.assert_array_equal(_rows(parts[0]), train)
    np.testing.assert_array_equal(_rows(parts[1]), test)


@pytest.mark.parametrize("kind", DASK_KINDS)
def test_train_test_split_stratified_on_dask_takes_scikit_learn_rows(kind):
    X, y = _data()
    stratify = da.from_array(y, chunks=25)
    parts = train_test_split(
        _container(X, kind), stratify=stratify, blockwise=False, random_state=0
    )
    train, test = sk.train_test_split(np.arange(N), stratify=y, random_state=0)
    np.testing.assert_array_equal(_rows(parts[0]), np.sort(train))
    np.testing.assert_array_equal(_rows(parts[1]), np.sort(test))


def test_train_test_split_keeps_the_dataframe_index_and_divisions(scheduler):
    frame = pd.DataFrame({"a": np.arange(N), "b": np.arange(N) * 2.0})
    frame.index = frame.index * 7 + 1
    ddf = dd.from_pandas(frame, npartitions=4)
    y = ddf["a"].to_dask_array(lengths=True)
    X_train, X_test, y_train, y_test = train_test_split(
        ddf, y, test_size=0.25, random_state=0, blockwise=False
    )
    assert X_train.divisions == ddf.divisions
    # dask warns on computing DataFrames and arrays in one call
    X_train, X_test = dask.compute(X_train, X_test)
    y_train, y_test = dask.compute(y_train, y_test)
    pd.testing.assert_frame_equal(X_train, frame.loc[X_train.index])
    pd.testing.assert_frame_equal(X_test, frame.loc[X_test.index])
    assert len(X_test) == 26
    assert not set(X_train.index) & set(X_test.index)
    np.testing.assert_array_equal(X_train["a"].to_numpy(), y_train)


def test_in_memory_arrays_given_with_dask_ones_stay_in_memory():
    X, y = _data()
    X_train, X_test, y_train, y_test = train_test_split(
        da.from_array(X, chunks=(25, 2)), pd.Series(y), random_state=0
    )
    assert isinstance(y_train, pd.Series)
    assert isinstance(X_train, da.Array)
    np.testing.assert_array_equal(_rows(X_test) % 3, y_test.to_numpy())


def test_misaligned_blocks_fail_when_computed():
    X, _ = _data()
    hidden = _container(X, "dask_hidden")
    # five blocks like X (25, 25, 25, 25, 3), of other lengths (21, ..., 19), hidden
    keep = da.from_array(np.ones(N, bool), chunks=21)
    y = da.from_array(np.arange(N), chunks=21)[keep]
    _, X_test, _, y_test = train_test_split(hidden, y, random_state=0)
    with pytest.raises(ValueError, match="row blocks do not line up"):
        dask.compute(X_test, y_test)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_size": 1.5}, r"'test_size' parameter of train_test_split .* Got 1\.5"),
        ({"test_size": 0}, r"'test_size' parameter .* int in the range \[1, inf\)"),
        ({"train_size": "half"}, r"'train_size' parameter .* Got 'half'"),
        ({"test_size": N}, r"'test_size' .* smaller than the number of rows \(103\)"),
        ({"test_size": 0.6, "train_size": 0.6}, r"at most 1 - test_size = 0.4"),
        ({"test_size": 60, "train_size": 60}, r"ask for 60 \+ 60 rows .* has 103"),
        ({"blockwise": "yes"}, r"'blockwise' parameter .* a bool"),
        ({"shuffle": None}, r"'shuffle' parameter .* a bool"),
        ({"random_state": -1}, r"'random_state' parameter .* Got -1"),
        ({"stratify": np.zeros(N)}, r"'blockwise' .* False when stratify is given"),
        ({"stratify": np.zeros(N), "shuffle": False}, r"None when shuffle=False"),
    ],
)
def test_train_test_split_errors_name_parameter_value_and_fix(kwargs, match):
    X, _ = _data()
    with pytest.raises(ValueError, match=match):
        train_test_split(da.from_array(X, chunks=(25, 2)), **kwargs)


def test_train_test_split_input_errors():
    X, y = _data()
    dX = da.from_array(X, chunks=(25, 2))
    with pytest.raises(ValueError, match=r"same number of rows; got \[103, 90\]"):
        train_test_split(dX, y[:90])
    with pytest.raises(ValueError, match=r"same number of rows; got \[103, 90\]"):
        train_test_split(X, y[:90])
    with pytest.raises(ValueError, match="at least one array is required"):
        train_test_split()
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['stratfy'\]"):
        train_test_split(dX, stratfy=y)
    with pytest.raises(ValueError, match="'test_size' parameter of train_test_split"):
        train_test_split(X, test_size=1.5)


# --- sample --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DASK_KINDS)
def test_sample_is_lazy_exact_paired_and_chunking_free(kind, count_computes):
    X, _y = _data()
    data = _container(X, kind)
    labels = da.from_array(X[:, 0], chunks=25) if kind != "dask_frame" else data["a"]
    X_sample, y_sample = _computes_while(
        count_computes, kind, lambda: sample(data, labels, n=20, random_state=0)
    )
    assert type(X_sample) is type(data)
    X_sample, y_sample = dask.compute(X_sample, y_sample)
    rows = _rows(X_sample)
    assert len(rows) == 20 == len(set(rows))
    np.testing.assert_array_equal(np.asarray(y_sample), rows)
    np.testing.assert_array_equal(_rows(sample(X, n=20, random_state=0)), rows)


def test_sample_in_memory_keeps_the_container_and_rounds_frac_up():
    X, _ = _data()
    frame = pd.DataFrame(X, columns=["a", "b"])
    out = sample(frame, frac=0.1, random_state=1)
    assert isinstance(out, pd.DataFrame)
    assert len(out) == 11
    pd.testing.assert_frame_equal(out, frame.loc[out.index])
    assert len(sample(X, frac=1.0)) == N
    blockwise = sample(da.from_array(X, chunks=(25, 2)), n=9, blockwise=True)
    assert blockwise.numblocks[0] == 5
    assert len(blockwise.compute()) == 9


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one of n"),
        ({"n": 3, "frac": 0.1}, "exactly one of n"),
        ({"n": 0}, r"'n' parameter of sample .* Got 0"),
        ({"n": N + 1}, r"'n' parameter .* at most the number of rows \(103\)"),
        ({"frac": 1.5}, r"'frac' parameter of sample .* \(0.0, 1.0\]"),
        ({"n": 3, "blockwise": 1}, r"'blockwise' parameter of sample"),
    ],
)
def test_sample_errors(kwargs, match):
    X, _ = _data()
    with pytest.raises(ValueError, match=match):
        sample(da.from_array(X, chunks=(25, 2)), **kwargs)
