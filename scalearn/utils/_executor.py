"""submit / compute / wait over a distributed Client when one is active, else locally.

Sequential algorithms (``Incremental``'s chain of ``partial_fit`` calls) are
written once against the executors; many concurrent chains (the models of an
adaptive search) against the task pools, which run ``fn(state, *args) ->
(state, result)`` steps and hand back results as they finish.

With a Client, blocks are computed on the workers and each step runs on a
worker next to its block; without one, blocks are computed by dask's
configured local scheduler in background threads while the steps run in the
calling thread.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import dask
from threadpoolctl import ThreadpoolController

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


def _compute_here(obj: Any) -> Any:
    """Compute ``obj`` on this reader thread when dask would use local threads.

    The readers are the thread pool: each computes its block's tasks itself,
    instead of every reader starting a dask thread pool of its own (threads
    that each reserve a malloc arena of address space, and add nothing when
    the readers already keep the cores busy). Any other scheduler is used as
    configured.
    """
    scheduler = dask.config.get("scheduler", None)
    if scheduler is None or scheduler in ("threads", "threading"):
        return dask.compute(obj, scheduler="sync")[0]
    return dask.compute(obj)[0]


class LocalExecutor:
    """Blocks computed in background threads; steps run synchronously."""

    def __init__(self, n_readers: int = 1) -> None:
        self._readers = ThreadPoolExecutor(max(1, n_readers), "scalearn-read")

    def compute(self, obj: Any) -> Future:
        return self._readers.submit(_compute_here, obj)

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


class LocalTaskPool:
    """Steps on a pool of local threads; results come back as they finish.

    When several are done at once, the one first by ``order`` (of its tag)
    comes first, so that a run's decisions do not depend on thread timing more
    than they must.
    """

    def __init__(self, n_threads: int, order: Callable[[Any], Any] = id) -> None:
        self.pool = ThreadPoolExecutor(n_threads, "scalearn-pool")
        self.order = order
        self.pending: dict = {}

    def submit(self, tag: Any, fn: Callable, state: Any, *args: Any) -> None:
        self.pending[self.pool.submit(fn, state, *args)] = tag

    def next_done(self) -> tuple[Any, Any, Any]:
        """``(tag, new state, result)`` of a finished step."""
        done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
        future = min(done, key=lambda f: self.order(self.pending[f]))
        tag = self.pending.pop(future)
        state, result = future.result()
        return tag, state, result

    def gather(self, state: Any) -> Any:
        return state

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class ClientTaskPool:
    """Steps on a distributed Client: states stay on the workers as futures.

    Only each step's result (a small record) comes back; ``gather`` fetches a
    state when it is wanted.
    """

    def __init__(self, client: Any, order: Callable[[Any], Any] = id) -> None:
        from distributed import as_completed

        self.client = client
        self.done = as_completed(loop=client.loop)
        self.pending: dict = {}

    def submit(self, tag: Any, fn: Callable, state: Any, *args: Any) -> None:
        both = self.client.submit(fn, state, *args, pure=False)
        state_future = self.client.submit(operator.itemgetter(0), both, pure=False)
        result = self.client.submit(operator.itemgetter(1), both, pure=False)
        self.pending[result.key] = (tag, state_future)
        self.done.add(result)

    def next_done(self) -> tuple[Any, Any, Any]:
        result = next(self.done)
        tag, state_future = self.pending.pop(result.key)
        return tag, state_future, result.result()

    def gather(self, state: Any) -> Any:
        return state.result() if hasattr(state, "result") else state

    def close(self) -> None:
        pass


def get_task_pool(
    n_threads: int, order: Callable[[Any], Any] = id
) -> LocalTaskPool | ClientTaskPool:
    """A pool on the active Client, or on ``n_threads`` local threads."""
    client = active_client()
    if client is None:
        return LocalTaskPool(n_threads, order)
    return ClientTaskPool(client, order)


def to_cluster(client: Any, values: list) -> list:
    """Futures for ``values``: dask objects computed there, the rest scattered.

    None stays None.
    """
    lazy = [i for i, v in enumerate(values) if hasattr(v, "__dask_graph__")]
    local = [i for i, v in enumerate(values) if i not in lazy and v is not None]
    out = list(values)
    computed = client.compute([values[i] for i in lazy]) if lazy else []
    # On every worker: a worker lost later must not take the only copy with it.
    # Fresh keys: a content-hashed key can collide with the same data of an
    # earlier call whose futures are still being released, and hang the scatter.
    scattered = (
        client.scatter([values[i] for i in local], broadcast=True, hash=False)
        if local
        else []
    )
    for i, future in zip(lazy + local, computed + scattered, strict=True):
        out[i] = future
    return out


_BLAS: ThreadpoolController | None = None


@contextlib.contextmanager
def one_blas_thread(user_api: str | None = "blas"):
    """BLAS on one thread while row blocks run in parallel on dask's threads.

    The blocks are the parallelism; BLAS threads on top of them oversubscribe
    the cores and make the small products on each block several times slower
    (worker processes of a distributed cluster start with one BLAS thread
    already). BLAS's thread count is global to the process, hence set around a
    whole fit or solve. ``user_api=None`` limits OpenMP too.
    """
    global _BLAS
    if _BLAS is None:
        _BLAS = ThreadpoolController()
    with _BLAS.limit(limits=1, user_api=user_api):
        yield
