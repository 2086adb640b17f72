import errno
import os

import dask
import dask.array as da
import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier

from scalearn.datasets import _npy, from_npy
from scalearn.wrappers import Incremental


def _direct_io_works(directory) -> bool:
    """Whether this platform and the file system under ``directory`` allow O_DIRECT."""
    flag = _npy._direct_flag()
    if flag is None:
        return False
    probe = os.path.join(directory, "probe")
    with open(probe, "wb") as f:
        f.write(b"\0" * _npy._ALIGN)
    try:
        os.close(os.open(probe, os.O_RDONLY | flag))
    except OSError:
        return False
    return True


@pytest.fixture
def reads(monkeypatch):
    """Every read the module makes, as (kind, byte offset, bytes)."""
    seen = []
    direct, buffered = _npy._read_direct, _npy._read_buffered

    def spy_direct(path, start, length, required):
        seen.append(("direct", start, length))
        return direct(path, start, length, required)

    def spy_buffered(path, start, out):
        seen.append(("buffered", start, out.nbytes))
        return buffered(path, start, out)

    monkeypatch.setattr(_npy, "_read_direct", spy_direct)
    monkeypatch.setattr(_npy, "_read_buffered", spy_buffered)
    return seen


ARRAYS = {
    "float64 2-d": lambda rng: rng.normal(size=(1_001, 3)),
    "float32 2-d": lambda rng: rng.normal(size=(777, 5)).astype(np.float32),
    "int16 1-d": lambda rng: rng.integers(-999, 999, size=4_099).astype(np.int16),
    "bool 1-d": lambda rng: rng.random(333) > 0.5,
    "complex 3-d": lambda rng: rng.normal(size=(150, 2, 3)) + 1j,
    "big-endian": lambda rng: rng.normal(size=(300, 4)).astype(">f8"),
    "structured": lambda rng: np.array(
        [(i, i / 3) for i in range(257)], dtype=[("a", "<i4"), ("b", "<f8")]
    ),
}


@pytest.mark.parametrize("direct_io", ["auto", False])
@pytest.mark.parametrize("name", ARRAYS)
def test_blocks_equal_numpy_load(tmp_path, name, direct_io):
    expected = ARRAYS[name](np.random.default_rng(0))
    path = tmp_path / "a.npy"
    np.save(path, expected)
    X = from_npy(path, chunks=100, direct_io=direct_io)
    assert X.shape == expected.shape
    assert X.dtype == expected.dtype
    assert X.chunks[0][0] == 100
    assert sum(X.chunks[0]) == len(expected)
    assert all(len(c) == 1 for c in X.chunks[1:])
    got = X.compute(scheduler="sync")
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    # Each block is its own C-ordered, aligned array (what partial_fit wants).
    block = X.blocks[1].compute(scheduler="sync")
    assert block.flags.c_contiguous
    assert block.flags.aligned
    assert block.flags.writeable
    np.testing.assert_array_equal(block, expected[100:200])


def test_creating_reads_only_the_header_and_a_block_only_its_rows(
    tmp_path, reads, count_computes
):
    expected = np.arange(10_000 * 4, dtype=np.float64).reshape(10_000, 4)
    path = tmp_path / "X.npy"
    np.save(path, expected)
    with count_computes() as counter:
        X = from_npy(path, chunks=3_000)
        Y = X[:, 1:] * 2
    assert counter.count == 0
    assert reads == []
    assert X.chunks == ((3_000, 3_000, 3_000, 1_000), (4,))
    np.testing.assert_array_equal(Y.blocks[2].compute(), expected[6_000:9_000, 1:] * 2)
    assert len(reads) == 1
    _, start, length = reads[0]
    offset = os.path.getsize(path) - expected.nbytes
    assert (start, length) == (offset + 6_000 * 32, 3_000 * 32)


@pytest.mark.parametrize(
    "chunks", [4_000, "auto", None, ((2_500, 2_500, 5_000), -1), (4_000, 6)]
)
def test_chunks(tmp_path, chunks):
    expected = np.random.default_rng(1).normal(size=(10_000, 6))
    np.save(tmp_path / "X.npy", expected)
    X = from_npy(tmp_path / "X.npy", chunks=chunks)
    if chunks in (4_000, (4_000, 6)):
        assert X.chunks[0] == (4_000, 4_000, 2_000)
    elif isinstance(chunks, tuple):
        assert X.chunks[0] == chunks[0]
    else:  # dask's automatic size holds this small file in one block
        assert X.chunks[0] == (10_000,)
    np.testing.assert_array_equal(X.compute(), expected)


def test_auto_chunks_follow_dask_chunk_size(tmp_path):
    np.save(tmp_path / "X.npy", np.zeros((100_000, 10)))
    with dask.config.set({"array.chunk-size": "1MiB"}):
        X = from_npy(tmp_path / "X.npy")
    assert X.chunks[1] == (10,)
    assert max(X.chunks[0]) * 10 * 8 <= 2**20
    assert len(X.chunks[0]) > 1


def test_the_same_file_gives_the_same_name_and_a_rewritten_one_another(tmp_path):
    path = tmp_path / "X.npy"
    np.save(path, np.zeros((100, 2)))
    assert from_npy(path, chunks=10).name == from_npy(str(path), chunks=10).name
    assert from_npy(path, chunks=10).name != from_npy(path, chunks=20).name
    before = from_npy(path, chunks=10).name
    np.save(path, np.ones((100, 2)))
    os.utime(path, ns=(1, 1))  # a new modification time even on coarse clocks
    assert from_npy(path, chunks=10).name != before


def test_direct_io_is_used_where_the_file_system_allows_it(tmp_path, reads):
    if not _direct_io_works(tmp_path):
        pytest.skip("no O_DIRECT on this platform or file system")
    expected = np.random.default_rng(2).normal(size=(5_000, 7))  # rows of 56 bytes
    np.save(tmp_path / "X.npy", expected)
    X = from_npy(tmp_path / "X.npy", chunks=1_234, direct_io=True)
    np.testing.assert_array_equal(X.compute(scheduler="sync"), expected)
    assert {kind for kind, _, _ in reads} == {"direct"}


def test_long_reads_are_split(tmp_path, monkeypatch):
    if not _direct_io_works(tmp_path):
        pytest.skip("no O_DIRECT on this platform or file system")
    monkeypatch.setattr(_npy, "_MAX_READ", _npy._ALIGN)
    expected = np.random.default_rng(3).normal(size=(3_000, 5))
    np.save(tmp_path / "X.npy", expected)
    got = from_npy(tmp_path / "X.npy", chunks=1_000, direct_io=True).compute()
    np.testing.assert_array_equal(got, expected)


def test_without_direct_io_auto_reads_the_ordinary_way_and_true_raises(
    tmp_path, monkeypatch, reads
):
    expected = np.arange(60.0).reshape(20, 3)
    np.save(tmp_path / "X.npy", expected)
    monkeypatch.setattr(_npy, "_direct_flag", lambda: None)
    got = from_npy(tmp_path / "X.npy", chunks=8).compute(scheduler="sync")
    np.testing.assert_array_equal(got, expected)
    assert [kind for kind, _, _ in reads].count("buffered") == 3
    with pytest.raises(OSError, match=r"direct I/O is not available.*'auto'"):
        from_npy(tmp_path / "X.npy", chunks=8, direct_io=True).compute()


def test_a_file_system_that_refuses_direct_io_falls_back(tmp_path, monkeypatch):
    expected = np.arange(60.0).reshape(20, 3)
    np.save(tmp_path / "X.npy", expected)
    monkeypatch.setattr(_npy, "_direct_flag", lambda: 0o40000)
    real_open = os.open

    def refuse(path, flags, *args):
        if flags & 0o40000:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(_npy.os, "open", refuse)
    got = from_npy(tmp_path / "X.npy", chunks=8).compute(scheduler="sync")
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(OSError, match="Invalid argument"):
        from_npy(tmp_path / "X.npy", chunks=8, direct_io=True).compute()


def test_an_unaligned_data_offset_gives_aligned_blocks(tmp_path):
    # numpy pads headers to 64 bytes; another writer may not. A header of odd
    # length puts the float64 data at an offset that is not a multiple of 8.
    expected = np.random.default_rng(4).normal(size=(1_000, 3))
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 3), }"
    header += " " * (3 - (10 + len(header) + 1) % 8) + "\n"
    path = tmp_path / "odd.npy"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little"))
        f.write(header.encode("latin1"))
        assert f.tell() % 8 == 3
        f.write(expected.tobytes())
    for direct_io in ("auto", False):
        X = from_npy(path, chunks=300, direct_io=direct_io)
        block = X.blocks[1].compute()
        assert block.flags.aligned
        np.testing.assert_array_equal(block, expected[300:600])
        np.testing.assert_array_equal(X.compute(), expected)


def test_slices_of_the_reader(tmp_path):
    expected = np.arange(200.0).reshape(50, 4)
    np.save(tmp_path / "X.npy", expected)
    header = _npy.NpyHeader(str(tmp_path / "X.npy"))
    for direct in ("auto", False):
        rows = _npy.NpyRows(header, direct)
        for key in [
            (slice(3, 9), slice(None)),
            (slice(3, 9), 2),
            (7,),
            -1,
            (slice(None, None, -3),),
            (slice(40, 2, -7), slice(1, 3)),
            (slice(5, 30, 4),),
            (slice(9, 3),),
            (slice(9, 3), 1),
        ]:
            np.testing.assert_array_equal(rows[key], expected[key])
        with pytest.raises(IndexError):
            rows[50]
        with pytest.raises(IndexError, match="slice or an integer"):
            rows[[1, 2]]


def test_several_files_are_stacked(tmp_path):
    rng = np.random.default_rng(5)
    parts = [rng.normal(size=(n, 3)) for n in (250, 100, 400)]
    paths = []
    for i, part in enumerate(parts):
        paths.append(tmp_path / f"part{i}.npy")
        np.save(paths[-1], part)
    X = from_npy(paths, chunks=200)
    assert X.chunks[0] == (200, 50, 100, 200, 200)
    np.testing.assert_array_equal(X.compute(), np.concatenate(parts))


def test_blocks_pickle_to_cluster_workers(tmp_path, scheduler):
    expected = np.random.default_rng(6).normal(size=(3_000, 4))
    np.save(tmp_path / "X.npy", expected)
    X = from_npy(tmp_path / "X.npy", chunks=700)
    np.testing.assert_allclose(X.sum(axis=0).compute(), expected.sum(axis=0))
    np.testing.assert_array_equal(X.compute(), expected)


def test_incremental_on_npy_files_equals_the_same_blocks_in_memory(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4_000, 5))
    y = (X @ rng.normal(size=5) > 0).astype(np.float64)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    sgd = SGDClassifier(random_state=0, tol=None)
    on_disk = Incremental(sgd, shuffle_blocks=False, max_epochs=2).fit(
        from_npy(tmp_path / "X.npy", chunks=1_000),
        from_npy(tmp_path / "y.npy", chunks=1_000),
        classes=[0.0, 1.0],
    )
    in_memory = Incremental(sgd, shuffle_blocks=False, max_epochs=2).fit(
        da.from_array(X, chunks=(1_000, 5)),
        da.from_array(y, chunks=1_000),
        classes=[0.0, 1.0],
    )
    np.testing.assert_array_equal(on_disk.estimator_.coef_, in_memory.estimator_.coef_)
    np.testing.assert_array_equal(
        on_disk.estimator_.intercept_, in_memory.estimator_.intercept_
    )


# --- bad input ------------------------------------------------------------------------


def test_fortran_order_is_refused_with_the_fix(tmp_path):
    np.save(tmp_path / "F.npy", np.asfortranarray(np.zeros((10, 3))))
    with pytest.raises(ValueError, match=r"Fortran.*numpy.ascontiguousarray"):
        from_npy(tmp_path / "F.npy")
    # A single column is the same bytes in either order.
    np.save(tmp_path / "col.npy", np.asfortranarray(np.arange(10.0)[:, None]))
    np.testing.assert_array_equal(
        from_npy(tmp_path / "col.npy").compute(), np.arange(10.0)[:, None]
    )


def test_objects_are_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"Python objects .*numeric"):
        from_npy(tmp_path / "o.npy")


def test_zero_dimensional_is_refused(tmp_path):
    np.save(tmp_path / "s.npy", np.float64(3.0))
    with pytest.raises(ValueError, match=r"0-d array.*numpy.load"):
        from_npy(tmp_path / "s.npy")


def test_truncated_file_is_refused_with_sizes(tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.zeros((100, 4)))
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 8)
    with pytest.raises(
        ValueError, match=r"truncated.*\(100, 4\).*Write the file again"
    ):
        from_npy(path)


def test_not_an_npy_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"is not an \.npy file.*numpy.save"):
        from_npy(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        from_npy(tmp_path / "nothing.npy")


@pytest.mark.parametrize(
    ("chunks", "match"),
    [
        ((100, 2), "blocks of whole rows"),
        ("many", "dask rejects"),
        (((30, 30), -1), "dask rejects"),
    ],
)
def test_bad_chunks(tmp_path, chunks, match):
    np.save(tmp_path / "X.npy", np.zeros((100, 4)))
    with pytest.raises(ValueError, match=f"'chunks' parameter of from_npy.*{match}"):
        from_npy(tmp_path / "X.npy", chunks=chunks)


@pytest.mark.parametrize("direct_io", ["yes", 1, None])
def test_bad_direct_io(tmp_path, direct_io):
    np.save(tmp_path / "X.npy", np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"'direct_io' parameter of from_npy.*'auto'"):
        from_npy(tmp_path / "X.npy", direct_io=direct_io)


def test_stacked_files_must_agree(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((10, 2)))
    np.save(tmp_path / "b.npy", np.zeros((10, 3)))
    np.save(tmp_path / "c.npy", np.zeros((10, 2), np.float32))
    for other in ("b.npy", "c.npy"):
        with pytest.raises(ValueError, match="Stack only files with the same"):
            from_npy([tmp_path / "a.npy", tmp_path / other])
    with pytest.raises(ValueError, match="'path' parameter of from_npy"):
        from_npy([])
    with pytest.raises(ValueError, match=r"'chunks' parameter .* stacked"):
        from_npy([tmp_path / "a.npy", tmp_path / "a.npy"], chunks=(5, 2))
