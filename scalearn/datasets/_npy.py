"""``.npy`` files on disk as lazy dask arrays, read a block of rows at a time.

A block is read straight from the disk into the array that holds it: with
direct I/O (``O_DIRECT``) the device writes into the block's own memory and
neither the page cache nor a kernel copy is involved. On the machine the
out-of-core benchmark runs on, buffered reads of a cold file cost about 2 CPU
seconds per GB of system time (the kernel filling the page cache and copying out
of it) and direct reads 0.14, mostly the first touch of the new block's pages:
for a 16 GB training set read once per epoch, that is half a minute of a core
given back to ``partial_fit``. Direct reads also leave the page cache to other
data. Where the platform or the file system has no direct I/O, the same blocks
are read with ordinary reads (one copy, no memory map).

Why not ``da.from_array(np.load(path, mmap_mode="r"))``: ``from_array`` copies
objects that have a ``copy`` method, which for a memory map reads the whole file
when the dask array is created (dask/dask#11850), and even without that the
mapping's pages count towards the process's memory once read.
"""

from __future__ import annotations

import errno
import numbers
import os
from collections.abc import Sequence
from typing import Any

import dask.array as da
import numpy as np
from dask.base import tokenize

from scalearn.utils import _buffers
from scalearn.utils._validation import (
    check_param,
    is_rows_per_block,
    param_error,
    row_chunks,
)

_OWNER = "from_npy"
#: Alignment of file offsets, lengths and memory for direct reads: a page, which
#: covers the logical block size of common devices (512 or 4096 bytes).
_ALIGN = _buffers.ALIGN
#: Bytes asked for in one read call (Linux caps a single read near 2 GiB).
_MAX_READ = 1 << 30


def _direct_flag() -> int | None:
    """``os.O_DIRECT`` where the platform has it and positional vector reads."""
    flag = getattr(os, "O_DIRECT", None)
    return flag if flag is not None and hasattr(os, "preadv") else None


class NpyHeader:
    """Where an ``.npy`` file's data start and what they are, from its header."""

    def __init__(self, path: str):
        with open(path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"format version {version} is not supported")
            except ValueError as error:
                raise ValueError(
                    f"{_OWNER}: {path!r} is not an .npy file that can be read "
                    f"block by block ({error}). Write it with numpy.save or "
                    "numpy.lib.format.open_memmap."
                ) from error
            self.offset = f.tell()
        stat = os.stat(path)
        self.path = path
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.size_on_disk = stat.st_size
        self.mtime_ns = stat.st_mtime_ns
        if self.dtype.hasobject:
            raise ValueError(
                f"{_OWNER}: {path!r} holds Python objects (dtype {self.dtype}), "
                "which are pickled, not laid out in rows. Save a numeric or "
                "fixed-width array instead."
            )
        if not self.shape:
            raise ValueError(
                f"{_OWNER}: {path!r} holds a 0-d array; there are no rows to "
                "read in blocks. Use numpy.load."
            )
        if fortran and len(self.shape) > 1 and min(self.shape) > 1:
            raise ValueError(
                f"{_OWNER}: {path!r} is stored in Fortran (column-major) order, so "
                "a block of rows is scattered over the whole file. Save it in row "
                "order: numpy.save(path, numpy.ascontiguousarray(array))."
            )
        self.row_bytes = self.dtype.itemsize * int(np.prod(self.shape[1:], dtype=int))
        needed = self.offset + self.shape[0] * self.row_bytes
        if self.size_on_disk < needed:
            raise ValueError(
                f"{_OWNER}: {path!r} is truncated: its header describes "
                f"{self.shape} {self.dtype} ({needed} bytes with the header) but "
                f"the file has {self.size_on_disk} bytes. Write the file again."
            )


class NpyRows:
    """An array-like over an ``.npy`` file whose slices read only their rows.

    ``direct`` is ``"auto"`` (direct I/O where it works, ordinary reads
    otherwise), True (direct I/O or an error) or False (ordinary reads). It
    holds no open file, so it pickles to workers and is safe across threads.
    """

    def __init__(self, header: NpyHeader, direct: Any):
        self.header = header
        self.direct = direct
        self.shape = header.shape
        self.dtype = header.dtype
        self.ndim = len(header.shape)

    def __dask_tokenize__(self) -> tuple:
        h = self.header
        return ("scalearn-npy", h.path, h.offset, h.size_on_disk, h.mtime_ns,
                h.dtype.str, h.shape, self.direct)  # fmt: skip

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        rows, rest = (key[0], key[1:]) if key else (slice(None), ())
        if isinstance(rows, numbers.Integral):
            index = range(self.shape[0])[rows]  # IndexError as numpy's
            return self.read(index, index + 1)[(0, *rest)]
        if not isinstance(rows, slice):
            raise IndexError(
                f"{_OWNER}: a block is read by a slice or an integer of rows, "
                f"not {rows!r}"
            )
        span = range(*rows.indices(self.shape[0]))
        if not span:
            return np.empty((0, *self.shape[1:]), self.dtype)[(slice(None), *rest)]
        # The ends of the range, not min()/max() of it: those would walk every
        # row in Python, holding the GIL that partial_fit needs.
        lo, hi = min(span[0], span[-1]), max(span[0], span[-1]) + 1
        block = self.read(lo, hi)
        if span.step == 1:
            return block[(slice(None), *rest)]
        stop = span.stop - lo
        local = slice(span.start - lo, stop if stop >= 0 else None, span.step)
        return block[(local, *rest)]

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo`` to ``hi`` as a new C-ordered array."""
        h = self.header
        start = h.offset + lo * h.row_bytes
        length = (hi - lo) * h.row_bytes
        shape = (hi - lo, *h.shape[1:])
        if self.direct is not False and length:
            block = _read_direct(h.path, start, length, required=self.direct is True)
            if block is not None:
                out = block.view(h.dtype).reshape(shape)
                # An offset that is not a multiple of the dtype's alignment
                # (a header of unusual length) gives an unaligned view: copy it.
                return out if out.flags.aligned else out.copy()
        out = _buffers.empty(shape, h.dtype)
        _read_buffered(h.path, start, out)
        return out


def _read_direct(path: str, start: int, length: int, required: bool):
    """Bytes ``start`` to ``start + length`` read with ``O_DIRECT``, or None.

    None means the platform or file system refused direct I/O and ``required``
    is false; the caller then reads the ordinary way.
    """
    flag = _direct_flag()
    if flag is None:
        if required:
            raise OSError(
                errno.EINVAL,
                f"{_OWNER}: direct I/O is not available on this platform; pass "
                "direct_io='auto' or False",
            )
        return None
    first = start // _ALIGN * _ALIGN
    last = -(-(start + length) // _ALIGN) * _ALIGN
    buffer = _buffers.empty_bytes(last - first)
    view = memoryview(buffer)
    try:
        fd = os.open(path, os.O_RDONLY | flag)
    except OSError as error:
        if error.errno != errno.EINVAL or required:
            raise
        return None  # a file system without direct I/O (tmpfs on old kernels)
    try:
        done = 0
        needed = start + length - first
        while done < needed:
            try:
                n = os.preadv(fd, [view[done : done + _MAX_READ]], first + done)
            except OSError as error:
                if error.errno != errno.EINVAL or required:
                    raise
                return None  # alignment this device does not accept
            if n == 0:
                raise EOFError(
                    f"{_OWNER}: {path!r} ended at byte {first + done}, before "
                    f"byte {start + length}; it changed since it was opened"
                )
            done += n
    finally:
        os.close(fd)
    return buffer[start - first : start - first + length]


def _read_buffered(path: str, start: int, out: np.ndarray) -> None:
    """Fill ``out`` with the file's bytes from ``start``, with ordinary reads."""
    view = memoryview(out.reshape(-1).view(np.uint8))
    with open(path, "rb", buffering=0) as f:
        f.seek(start)
        done = 0
        while done < len(view):
            n = f.readinto(view[done:])
            if not n:
                raise EOFError(
                    f"{_OWNER}: {path!r} ended at byte {start + done}, before byte "
                    f"{start + len(view)}; it changed since it was opened"
                )
            done += n


def _row_chunks(chunks: Any, header: NpyHeader) -> tuple[tuple[int, ...], ...]:
    """Dask chunks for ``chunks``, checked to hold whole rows."""
    fix = (
        "Pass rows per block (an int), 'auto' (dask's array.chunk-size), or "
        "dask's chunks with whole rows, such as ((rows, rows, ...), -1); rechunk "
        "the array afterwards to split columns."
    )
    normal = row_chunks(_OWNER, chunks, header.shape, header.dtype, fix)
    check_param(
        _OWNER,
        "chunks",
        chunks,
        all(len(c) == 1 for c in normal[1:]),
        "blocks of whole rows",
        fix,
    )
    return normal


def from_npy(
    path: str | os.PathLike | Sequence[str | os.PathLike],
    chunks: Any = "auto",
    *,
    direct_io: bool | str = "auto",
) -> da.Array:
    """Load one ``.npy`` file, or several stacked by rows, as a lazy dask array.

    Nothing is read until a block is computed, and a block reads only its own
    rows, straight into its array: peak memory is a few blocks whatever the
    file's size. Use it to stream a training set larger than memory through
    :class:`scalearn.wrappers.Incremental` or any blockwise estimator.

    Parameters
    ----------
    path : str, path-like, or a sequence of them
        ``.npy`` files written by ``numpy.save`` or
        ``numpy.lib.format.open_memmap`` in row (C) order. Several files are
        stacked along the first axis; their dtypes and trailing shapes must
        agree.
    chunks : int, 'auto' or tuple, default='auto'
        Rows per block, dask's automatic size (``array.chunk-size``), or
        dask's chunks for the file's shape (a block shape, or the sizes along
        each axis; one file only), for example ``((1000, 1000, 500), -1)``.
        Blocks always hold whole rows.
    direct_io : {'auto', True, False}, default='auto'
        Read with direct I/O (``O_DIRECT``: no page cache, no kernel copy).
        'auto' uses it where the platform and file system allow and ordinary
        reads elsewhere; True raises ``OSError`` where it is not available;
        False always reads through the page cache (faster when the file is
        read again soon and fits in memory).

    Returns
    -------
    dask.array.Array
        The file's shape and dtype, one block per group of rows.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from scalearn.datasets import from_npy
    >>> path = os.path.join(tempfile.mkdtemp(), "X.npy")
    >>> np.save(path, np.arange(12.0).reshape(6, 2))
    >>> X = from_npy(path, chunks=4)
    >>> X.chunks
    ((4, 2), (2,))
    >>> float(X.sum().compute())
    66.0
    """
    check_param(
        _OWNER,
        "direct_io",
        direct_io,
        direct_io is True or direct_io is False or direct_io == "auto",
        "'auto', True or False",
    )
    if isinstance(path, str | os.PathLike):
        return _from_one(path, chunks, direct_io)
    paths = list(path)
    check_param(
        _OWNER,
        "path",
        path,
        bool(paths) and all(isinstance(p, str | os.PathLike) for p in paths),
        "a path or a non-empty sequence of paths",
    )
    arrays = [_from_one(p, chunks, direct_io, stacked=True) for p in paths]
    first = arrays[0]
    for p, array in zip(paths[1:], arrays[1:], strict=True):
        if array.dtype != first.dtype or array.shape[1:] != first.shape[1:]:
            raise ValueError(
                f"{_OWNER}: {os.fspath(p)!r} holds {array.dtype} rows of shape "
                f"{array.shape[1:]}, but {os.fspath(paths[0])!r} holds "
                f"{first.dtype} rows of shape {first.shape[1:]}. Stack only files "
                "with the same dtype and row shape."
            )
    return da.concatenate(arrays, axis=0)


def _from_one(
    path: str | os.PathLike, chunks: Any, direct_io: Any, stacked: bool = False
) -> da.Array:
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    header = NpyHeader(path)
    if stacked and not is_rows_per_block(chunks):
        raise param_error(
            _OWNER,
            "chunks",
            chunks,
            "rows per block or 'auto' when several files are stacked",
            "Give the size of each block only for one file, or rechunk the "
            "stacked array.",
        )
    normal = _row_chunks(chunks, header)
    rows = NpyRows(header, direct_io)
    meta = np.empty((0,) * rows.ndim, header.dtype)
    name = "from-npy-" + tokenize(rows, normal)
    return da.from_array(
        rows, chunks=normal, name=name, lock=False, fancy=False, meta=meta
    )
