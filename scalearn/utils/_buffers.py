"""Block-sized buffers that are used again instead of being given back to the OS.

A streaming pass (``Incremental``'s epochs) makes several arrays of the same
size per block: the block read from disk, its transform, its shuffled rows.
Each is a fresh allocation that the C library takes from and returns to the
operating system, which zeroes every page again for the next one: about 10 ms
of a core per 80 MB block and allocation, a third of the reader's work in the
out-of-core benchmark. While :func:`reusing_buffers` is active, :func:`empty`
hands out buffers that go back to a small free list when the last array using
them dies (never earlier: whoever holds a view keeps the memory), and the next
block of the same size takes them from there. Outside it, :func:`empty` is an
ordinary aligned allocation, and the free list is emptied when the outermost
:func:`reusing_buffers` ends, so memory is held only while a pass runs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

#: Address alignment of every buffer: a page, as direct I/O requires.
ALIGN = 4096
#: Smaller arrays are left to numpy's own allocator (its cache serves them).
MIN_BYTES = 1 << 20
#: Unused buffers kept for reuse: at most this many of each size, and this many
#: bytes in all. A pass frees a buffer and soon asks for one of the same size
#: again, so one of each is enough; more would only add to the peak memory.
MAX_FREE_PER_SIZE = 2
MAX_FREE_BYTES = 512 << 20

# Reentrant: a garbage collection inside a locked section may finalize a lease,
# whose __del__ takes the lock again on the same thread.
_lock = threading.RLock()
_free: dict[int, list[np.ndarray]] = {}
_state = {"free_bytes": 0, "active": 0}


class _Lease:
    """Owns one raw buffer; an array made from it keeps it alive as its base.

    When the last array (or view) over it dies, so does the lease, and the raw
    buffer goes back to the free list if reuse is on and there is room.
    """

    __slots__ = ("__array_interface__", "raw")

    def __init__(self, raw: np.ndarray) -> None:
        self.raw = raw
        self.__array_interface__ = {
            "shape": (raw.nbytes,),
            "typestr": "|u1",
            "data": (raw.ctypes.data, False),
            "version": 3,
        }

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # never raise from a finalizer
            _give_back(self.raw)


def _give_back(raw: np.ndarray) -> None:
    with _lock:
        stack = _free.setdefault(raw.nbytes, [])
        if (
            not _state["active"]
            or len(stack) >= MAX_FREE_PER_SIZE
            or _state["free_bytes"] + raw.nbytes > MAX_FREE_BYTES
        ):
            return
        stack.append(raw)
        _state["free_bytes"] += raw.nbytes


def _take(nbytes: int) -> np.ndarray | None:
    with _lock:
        stack = _free.get(nbytes)
        if not stack:
            return None
        _state["free_bytes"] -= nbytes
        return stack.pop()


def _allocate(nbytes: int) -> np.ndarray:
    """``nbytes`` fresh bytes whose address is a multiple of ``ALIGN``."""
    raw = np.empty(nbytes + ALIGN, np.uint8)
    skip = -raw.ctypes.data % ALIGN
    return raw[skip : skip + nbytes]


def empty_bytes(nbytes: int) -> np.ndarray:
    """``nbytes`` uninitialized, page-aligned bytes, reused while reuse is on."""
    if nbytes < MIN_BYTES:
        return _allocate(nbytes)
    raw = _take(nbytes) if _state["active"] else None
    if raw is None:
        raw = _allocate(nbytes)
    return np.asarray(_Lease(raw))


def empty(shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """Like ``np.empty`` (C order), from a reused buffer when there is one."""
    dtype = np.dtype(dtype)
    shape = tuple(shape) if np.ndim(shape) else (int(shape),)
    if dtype.hasobject:  # references, not bytes: numpy must own and clear them
        return np.empty(shape, dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    return empty_bytes(nbytes).view(dtype).reshape(shape)


@contextlib.contextmanager
def reusing_buffers() -> Iterator[None]:
    """Reuse the buffers of :func:`empty` in this process while the block runs.

    Process-wide (the blocks are made on reader threads), nestable; the free
    list is emptied when the outermost block ends.
    """
    with _lock:
        _state["active"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["active"] -= 1
            if not _state["active"]:
                _free.clear()
                _state["free_bytes"] = 0


def free_bytes() -> int:
    """Bytes of unused buffers kept for reuse now."""
    return _state["free_bytes"]
