import threading

import dask
import pytest

from scalearn.utils._executor import LocalExecutor


def _where() -> str:
    return threading.current_thread().name


@pytest.mark.parametrize("scheduler", [None, "threads", "sync"])
def test_local_readers_compute_blocks_on_their_own_thread(scheduler):
    # The readers are the pool: a block's tasks run on the reader that asked
    # for it, not on a dask thread pool each reader would start.
    executor = LocalExecutor(n_readers=2)
    try:
        with dask.config.set(scheduler=scheduler):
            names = [executor.compute(dask.delayed(_where)()) for _ in range(4)]
            names = [future.result() for future in names]
    finally:
        executor.close()
    assert all(name.startswith("scalearn-read") for name in names), names


def test_local_readers_use_another_configured_scheduler():
    calls = []

    def counting_get(dsk, keys, **kwargs):
        calls.append(keys)
        return dask.get(dsk, keys, **kwargs)

    executor = LocalExecutor(n_readers=1)
    try:
        with dask.config.set(scheduler=counting_get):
            assert executor.compute(dask.delayed(sum)([1, 2, 3])).result() == 6
    finally:
        executor.close()
    assert len(calls) == 1
