import contextlib
import gc
import threading

import numpy as np
import pytest

from scalearn.utils import _buffers
from scalearn.utils._containers import take_rows

BLOCK = (100_000, 4)  # 3.2 MB: above MIN_BYTES


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def test_empty_is_aligned_c_ordered_and_writeable():
    for shape, dtype in [(BLOCK, np.float64), ((10, 3), np.float32), (7, np.int16)]:
        a = _buffers.empty(shape, dtype)
        assert a.shape == (shape if isinstance(shape, tuple) else (shape,))
        assert a.dtype == dtype
        assert a.flags.c_contiguous
        assert a.flags.writeable
        assert _address(a) % _buffers.ALIGN == 0
    assert _buffers.empty_bytes(0).nbytes == 0
    objects = _buffers.empty(BLOCK[0], object)
    assert objects.dtype == object
    assert objects[0] is None


def test_take_rows_of_objects():
    X = np.array([["a", 1], [None, 2.5], [3, "b"]], dtype=object)
    np.testing.assert_array_equal(take_rows(X, np.array([2, 0])), X[[2, 0]])


def test_no_reuse_outside_reusing_buffers():
    a = _buffers.empty(BLOCK)
    address = _address(a)
    del a
    gc.collect()
    assert _buffers.free_bytes() == 0
    b = _buffers.empty(BLOCK)
    b[:] = 1.0  # a fresh buffer, whatever its address
    assert _buffers.free_bytes() == 0
    del b, address


def test_a_dead_buffer_is_reused_and_a_live_view_keeps_its_memory(monkeypatch):
    monkeypatch.setattr(_buffers, "MAX_FREE_PER_SIZE", 2)
    with _buffers.reusing_buffers():
        a = _buffers.empty(BLOCK)
        a[:] = 7.0
        view = a[10:20]  # a view keeps the buffer from the free list
        address = _address(a)
        del a
        assert _buffers.free_bytes() == 0
        b = _buffers.empty(BLOCK)
        assert _address(b) != address
        b[:] = 0.0
        np.testing.assert_array_equal(view, 7.0)  # untouched by b
        del view
        assert _buffers.free_bytes() == np.prod(BLOCK) * 8
        c = _buffers.empty(BLOCK)
        assert _address(c) == address
        assert _buffers.free_bytes() == 0
        del b, c
        assert _buffers.free_bytes() == 2 * np.prod(BLOCK) * 8
    # The free list is emptied when the outermost block ends.
    assert _buffers.free_bytes() == 0


def test_free_list_is_bounded(monkeypatch):
    size = int(np.prod(BLOCK)) * 8
    monkeypatch.setattr(_buffers, "MAX_FREE_PER_SIZE", 3)
    monkeypatch.setattr(_buffers, "MAX_FREE_BYTES", size * 2)
    with _buffers.reusing_buffers():
        arrays = [_buffers.empty(BLOCK) for _ in range(4)]
        del arrays
        assert _buffers.free_bytes() == 2 * size  # the bytes' bound
    monkeypatch.setattr(_buffers, "MAX_FREE_PER_SIZE", 1)
    monkeypatch.setattr(_buffers, "MAX_FREE_BYTES", size * 10)
    with _buffers.reusing_buffers():
        arrays = [_buffers.empty(BLOCK) for _ in range(3)]
        arrays += [_buffers.empty((50_000, 4)) for _ in range(3)]
        del arrays
        assert _buffers.free_bytes() == size + size // 2  # one of each size


def test_small_arrays_are_left_to_numpy():
    with _buffers.reusing_buffers():
        small = _buffers.empty((10, 10))
        del small
        assert _buffers.free_bytes() == 0


def test_reuse_is_nestable_and_thread_safe(monkeypatch):
    monkeypatch.setattr(_buffers, "MAX_FREE_PER_SIZE", 2)
    with _buffers.reusing_buffers():
        with _buffers.reusing_buffers():
            a = _buffers.empty(BLOCK)
            del a
        # still active: the inner block's end keeps the outer one's free list
        assert _buffers.free_bytes() == np.prod(BLOCK) * 8
        errors = []

        def work(value: float) -> None:
            for _ in range(50):
                x = _buffers.empty(BLOCK)
                x[:] = value
                if not (x == value).all():
                    errors.append(value)

        threads = [threading.Thread(target=work, args=(v,)) for v in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    assert _buffers.free_bytes() == 0


@pytest.mark.parametrize("reuse", [False, True])
def test_take_rows_equals_numpy(reuse):
    rng = np.random.default_rng(0)
    X = rng.normal(size=BLOCK)
    F = np.asfortranarray(X)
    order = rng.permutation(len(X))
    with _buffers.reusing_buffers() if reuse else contextlib.nullcontext():
        for _ in range(3):
            np.testing.assert_array_equal(take_rows(X, order), X[order])
            np.testing.assert_array_equal(take_rows(F, order), X[order])
        negative = np.array([-1, 0, -len(X), 5])
        np.testing.assert_array_equal(take_rows(X, negative), X[negative])
        np.testing.assert_array_equal(take_rows(X, order[:0]), X[:0])
        for bad in ([len(X)], [-len(X) - 1]):
            with pytest.raises(IndexError):
                take_rows(X, np.array(bad))
        one_d = rng.normal(size=10)
        np.testing.assert_array_equal(take_rows(one_d, [3, 1]), one_d[[3, 1]])
