"""The Dask cluster a command runs on: a running scheduler, or a local cluster.

A local cluster can start in the background (:class:`Connection`) while the
command loads its model and reads the inputs' metadata: on a machine with idle
cores the start (worker processes importing dask, pandas and scikit-learn)
then costs little of the run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from distributed import Client, LocalCluster

CONNECT_TIMEOUT = "10s"
WORKERS_TIMEOUT = 60


class ClusterUnavailable(RuntimeError):
    """The scheduler given with ``--scheduler`` cannot run the command."""


def usable_cores() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def positive_int(text: str) -> int:
    """Parse a count of workers or threads: an integer of at least 1.

    Examples
    --------
    >>> positive_int("4")
    4
    >>> positive_int("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer >= 1, got '0'
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


@dataclass(frozen=True)
class LocalShape:
    """The shape of a local cluster.

    Attributes
    ----------
    workers : int
        Worker processes (or, with ``processes=False``, workers in this process).
    threads_per_worker : int
    processes : bool
        Workers in processes of their own (Python code of different workers
        runs in parallel) or as threads of this process (a faster start and
        less memory, but code holding Python's GIL runs one thread at a time).

    Examples
    --------
    >>> LocalShape.choose(None, None, cores=2)
    LocalShape(workers=2, threads_per_worker=1, processes=True)
    >>> LocalShape.choose(None, None, cores=16, processes=False)
    LocalShape(workers=1, threads_per_worker=16, processes=False)
    >>> LocalShape.choose(3, None, cores=8)
    LocalShape(workers=3, threads_per_worker=2, processes=True)
    """

    workers: int
    threads_per_worker: int
    processes: bool = True

    @classmethod
    def choose(
        cls,
        workers: int | None,
        threads_per_worker: int | None,
        *,
        cores: int | None = None,
        processes: bool = True,
    ) -> LocalShape:
        """Fill what is not given so the cluster uses every core once.

        By default a worker process per core, each of one thread; threads
        only (``processes=False``) gives one worker with a thread per core.
        """
        cores = cores or usable_cores()
        if workers is None:
            if not processes:
                workers = 1
            elif threads_per_worker is None:
                workers = cores
            else:
                workers = max(1, cores // threads_per_worker)
        if threads_per_worker is None:
            threads_per_worker = max(1, cores // workers)
        return cls(workers, threads_per_worker, processes)


@contextmanager
def connect(address: str | None, shape: LocalShape) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a new local cluster.

    Raises
    ------
    ClusterUnavailable
        ``address`` cannot be reached, or its scheduler has no worker.
    """
    client, cluster = _open(address, shape)
    try:
        yield client
    finally:
        _close(client, cluster)


def _open(address: str | None, shape: LocalShape) -> tuple[Client, Any]:
    """A client and the local cluster it was started with (None for ``address``).

    Neither is entered as a context manager, so they can be made in one thread
    and closed in another.
    """
    if address is None:
        cluster = LocalCluster(
            n_workers=shape.workers,
            threads_per_worker=shape.threads_per_worker,
            processes=shape.processes,
            dashboard_address=":0",
        )
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise ClusterUnavailable(
            f"could not connect to the Dask scheduler at {address!r} ({exc}). "
            "Check the address, or leave out --scheduler to start a local cluster."
        ) from exc
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError as exc:
        client.close()
        raise ClusterUnavailable(
            f"the Dask scheduler at {address!r} has had no worker for "
            f"{WORKERS_TIMEOUT} s. Start workers for it, or leave out "
            "--scheduler to start a local cluster."
        ) from exc
    return client, None


def _close(client: Client, cluster: Any) -> None:
    try:
        client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _import_all(modules: list[str]) -> None:
    for module in modules:
        importlib.import_module(module)


class Connection:
    """:func:`connect` in a background thread; a context manager.

    The cluster starts as soon as this is made; :meth:`client` waits for it.
    Leaving the context closes the client and the cluster (after waiting for
    a start still under way).

    Parameters
    ----------
    address : str or None
    shape : LocalShape
    warm_up : sequence of str
        Modules every worker imports as soon as the cluster is up (those of
        the tasks to come), while the caller prepares them.
    """

    def __init__(
        self, address: str | None, shape: LocalShape, warm_up: Sequence[str] = ()
    ) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="scalearn-cluster")
        self._started = self._pool.submit(_open, address, shape)
        if warm_up:
            self._pool.submit(self._warm_up, list(warm_up))

    def _warm_up(self, modules: list[str]) -> None:
        """Import ``modules`` on every worker, while the caller does its own
        work: a fresh worker process otherwise spends its first seconds of
        the job importing pandas, pyarrow and scikit-learn."""
        if self._started.exception() is not None:
            return
        # A worker that cannot import them fails its tasks with the error:
        # nothing is lost by not warming it up.
        with contextlib.suppress(Exception):
            self.client().run(_import_all, modules)

    def client(self) -> Client:
        """The client, once the cluster has started (re-raises its failure)."""
        return self._started.result()[0]

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if self._started.exception() is None:  # a failed start left nothing
                _close(*self._started.result())
        finally:
            self._pool.shutdown()
