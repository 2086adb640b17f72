import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from scalearn.utils._containers import (
    DASK_ARRAY,
    DASK_FRAME,
    NUMPY,
    OTHER,
    PANDAS,
    SPARSE,
    align_y,
    block_lengths,
    container_kind,
    map_rows,
    n_features,
    paired_row_blocks,
    stand_in,
    to_row_blocks,
)


def test_container_kind():
    X = np.zeros((4, 2))
    assert container_kind(X) == NUMPY
    assert container_kind(pd.DataFrame(X)) == PANDAS
    assert container_kind(pd.Series([1])) == PANDAS
    assert container_kind(sp.csr_matrix(X)) == SPARSE
    assert container_kind(da.zeros((4, 2))) == DASK_ARRAY
    assert container_kind(dd.from_pandas(pd.DataFrame(X), npartitions=1)) == DASK_FRAME
    assert container_kind([[1, 2]]) == OTHER


def test_align_y_rechunks_to_x_rows_without_computing(count_computes):
    X = da.zeros((10, 3), chunks=(4, 3))
    y = da.arange(10, chunks=5)
    with count_computes() as counter:
        aligned = align_y(X, y, owner="Test.fit")
    assert counter.count == 0
    assert aligned.chunks == X.chunks[:1]
    from_numpy = align_y(X, np.arange(10), owner="Test.fit")
    assert from_numpy.chunks == X.chunks[:1]
    np.testing.assert_array_equal(from_numpy.compute(), np.arange(10))


def test_align_y_matches_known_lengths_even_with_equal_block_counts():
    X = da.zeros((1000, 2), chunks=(300, 2))
    y = da.arange(1000, chunks=250)  # four blocks each, different lengths
    aligned = align_y(X, y, owner="T")
    assert aligned.chunks == X.chunks[:1]
    pairs = paired_row_blocks(X, aligned, owner="T")
    assert [dask.compute(b)[0].shape[0] for _, b in pairs] == [300, 300, 300, 100]


def test_paired_row_blocks_refuses_unequal_counts():
    X = da.zeros((10, 2), chunks=(5, 2))
    with pytest.raises(ValueError, match="X comes in 2 blocks and y in 5"):
        paired_row_blocks(X, da.arange(10, chunks=2), owner="T")
    assert [y for _, y in paired_row_blocks(X, None, owner="T")] == [None, None]


def test_align_y_length_mismatch_is_clear():
    X = da.zeros((10, 3), chunks=(4, 3))
    with pytest.raises(ValueError, match=r"Test\.fit: X has 10 rows but y has 9"):
        align_y(X, da.arange(9, chunks=5), owner="Test.fit")
    with pytest.raises(ValueError, match="X has 10 rows but y has 11"):
        align_y(X, np.arange(11), owner="Test.fit")


def test_align_y_for_frames():
    frame = pd.DataFrame({"a": range(12), "t": range(12)})
    ddf = dd.from_pandas(frame, npartitions=3)
    same = align_y(ddf[["a"]], ddf["t"], owner="T")
    assert same.npartitions == 3
    other = dd.from_pandas(frame["t"], npartitions=2)
    repartitioned = align_y(ddf[["a"]], other, owner="T")
    assert repartitioned.npartitions == 3
    pd.testing.assert_series_equal(repartitioned.compute(), frame["t"])
    from_numpy = align_y(ddf[["a"]], np.arange(12), owner="T")
    assert from_numpy.chunks == ((4, 4, 4),)
    hidden = ddf.clear_divisions()
    with pytest.raises(ValueError, match="unknown divisions"):
        align_y(hidden[["a"]], other.clear_divisions(), owner="T")


def test_block_lengths_computes_only_when_hidden(count_computes):
    X = da.zeros((10, 2), chunks=(3, 2))
    with count_computes() as counter:
        assert block_lengths(X) == (3, 3, 3, 1)
    assert counter.count == 0
    ddf = dd.from_pandas(pd.DataFrame({"a": range(10)}), npartitions=2)
    assert sum(block_lengths(ddf)) == 10


def test_n_features_without_computing():
    assert n_features(da.zeros((5, 3))) == 3
    assert n_features(da.zeros(5)) is None
    ddf = dd.from_pandas(pd.DataFrame({"a": [1], "b": [2]}), npartitions=1)
    assert n_features(ddf) == 2
    assert n_features(ddf["a"]) is None


def test_stand_in_matches_dtypes_and_columns():
    X = da.zeros((100, 3), chunks=10, dtype=np.float32)
    small = stand_in(X)
    assert small.shape == (2, 3)
    assert small.dtype == np.float32
    ddf = dd.from_pandas(
        pd.DataFrame({"a": [1.0, 2.0], "c": pd.Categorical(["x", "y"])}), npartitions=1
    )
    frame = stand_in(ddf)
    assert list(frame.columns) == ["a", "c"]
    assert isinstance(frame["c"].dtype, pd.CategoricalDtype)


def test_to_row_blocks_gives_whole_rows():
    X = da.arange(24, chunks=(6,)).reshape(6, 4).rechunk((2, 2))
    blocks = to_row_blocks(X)
    assert len(blocks) == 3
    (first,) = dask.compute(blocks[0])
    np.testing.assert_array_equal(first, np.arange(8).reshape(2, 4))


_READS: list = []


def _record_read(block, block_info=None):
    _READS.append(block_info[0]["chunk-location"][0])
    return block


def test_row_blocks_of_two_views_computed_together_read_the_source_once():
    _READS.clear()
    source = da.arange(40.0, chunks=10).reshape(20, 2)
    source = source.map_blocks(_record_read, dtype=float)
    first, second = source[::2], source[1::2]  # two views of every source block
    with dask.config.set(scheduler="threads"):
        dask.compute(to_row_blocks(first), to_row_blocks(second))
    assert sorted(_READS) == [0, 1, 2, 3]


def _double(block):
    return np.asarray(block) * 2


def test_map_rows_keeps_row_chunks_and_index():
    X = da.ones((10, 2), chunks=(3, 1))
    doubled = map_rows(X, _double, meta=np.ones((1, 2)))
    assert doubled.chunks == ((3, 3, 3, 1), (2,))
    np.testing.assert_array_equal(doubled.compute(), np.full((10, 2), 2.0))
    frame = pd.DataFrame({"a": range(6), "b": range(6)}, index=range(10, 16))
    ddf = dd.from_pandas(frame, npartitions=2)
    out = map_rows(ddf, _double, meta=pd.DataFrame({"p": [0], "q": [0]}))
    pd.testing.assert_frame_equal(
        out.compute(), pd.DataFrame({"p": frame["a"] * 2, "q": frame["b"] * 2})
    )
