"""submit / compute / wait over a distributed Client when one is active, else locally.

Sequential algorithms (``Incremental``'s chain of ``partial_fit`` calls) are
written once against this interface. With a Client, blocks are computed on the
workers and each step runs on a worker next to its block; without one, blocks
are computed by dask's configured local scheduler in background threads while
the steps run in the calling thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import dask

_LOCAL_SCHEDULERS = {"sync", "synchronous", "single-threaded", "threads", "threading"}
_LOCAL_SCHEDULERS |= {"processes", "multiprocessing"}


def active_client() -> Any | None:
    """The distributed Client dask computes on now, or None for a local scheduler."""
    scheduler = dask.config.get("scheduler", None)
    if isinstance(scheduler, str) and scheduler in _LOCAL_SCHEDULERS:
        return None
    if callable(scheduler) and not hasattr(scheduler, "__self__"):
        return None
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - distributed is a core dependency
        return None
    try:
        return default_client()
    except ValueError:
        return None


class LocalExecutor:
    """Blocks computed in background threads; steps run synchronously."""

    def __init__(self, n_readers: int = 1) -> None:
        self._readers = ThreadPoolExecutor(max(1, n_readers), "scalearn-read")

    def compute(self, obj: Any) -> Future:
        return self._readers.submit(lambda: dask.compute(obj)[0])

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            args = tuple(a.result() if isinstance(a, Future) else a for a in args)
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def wait(self, future: Any) -> None:
        if isinstance(future, Future):
            future.exception()

    def result(self, future: Future) -> Any:
        return future.result()

    def close(self) -> None:
        self._readers.shutdown(wait=True, cancel_futures=True)


class ClientExecutor:
    """Everything as futures on a distributed Client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def compute(self, obj: Any) -> Any:
        return self.client.compute(dask.delayed(obj, pure=True))

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return self.client.submit(fn, *args, pure=False, **kwargs)

    def wait(self, future: Any) -> None:
        from distributed import Future as DistributedFuture
        from distributed import wait

        if isinstance(future, DistributedFuture):
            wait(future)

    def result(self, future: Any) -> Any:
        return future.result()

    def close(self) -> None:
        pass


def get_executor(n_readers: int = 1) -> LocalExecutor | ClientExecutor:
    client = active_client()
    return LocalExecutor(n_readers) if client is None else ClientExecutor(client)
