"""One progress reporter: tqdm when installed, a plain text line otherwise."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

import dask

from scalearn._config import get_config
from scalearn.utils._executor import active_client


def progress_enabled() -> bool:
    setting = get_config()["progress_bar"]
    if setting == "auto":
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(setting)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class _TextBar:
    """Prints ``desc: done/total`` lines, at most one a second, for logs and pipes."""

    def __init__(self, total: int, desc: str, unit: str) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.done, self.postfix, self._last = 0, "", 0.0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= 1.0 or self.done >= self.total:
            self._last = now
            extra = f" ({self.postfix})" if self.postfix else ""
            print(
                f"{self.desc}: {self.done}/{self.total} {self.unit}s{extra}",
                file=sys.stderr,
                flush=True,
            )

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def close(self) -> None:
        pass


def progress_bar(total: int, desc: str, unit: str = "block") -> Any:
    """A bar with ``update``, ``set_postfix_str``, ``close``; silent if disabled."""
    if not progress_enabled():
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _TextBar(total, desc, unit)
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=True)


def compute(*collections: Any, desc: str = "computing") -> tuple:
    """``dask.compute`` with a progress bar when enabled, on the active scheduler."""
    if not progress_enabled():
        return dask.compute(*collections)
    client = active_client()
    if client is None:
        from dask.diagnostics import ProgressBar

        print(desc, file=sys.stderr, flush=True)
        with ProgressBar(out=sys.stderr):
            return dask.compute(*collections)
    from distributed import progress

    futures = client.compute(list(collections))
    print(desc, file=sys.stderr, flush=True)
    # distributed's text bar draws on standard output; keep that for results.
    with contextlib.redirect_stdout(sys.stderr):
        progress(futures)
    print(file=sys.stderr, flush=True)
    return tuple(client.gather(futures))


def compute_counting(
    items: list,
    groups: list,
    *,
    desc: str,
    unit: str = "item",
    on_result: Any = None,
) -> list:
    """Compute the ``items`` (delayed objects) on the active scheduler, in one graph.

    The bar ticks once a whole group is done: ``groups[i]`` names the group of
    ``items[i]`` (for a search: the candidate a fold's score belongs to), so the
    bar counts candidates rather than tasks. Results come back in ``items``' order.
    ``on_result(i, value)``, if given, is called in this process as soon as
    ``items[i]`` is computed (a search saves its checkpoint there).
    """
    remaining: dict = {}
    for group in groups:
        remaining[group] = remaining.get(group, 0) + 1
    bar = progress_bar(len(remaining), desc, unit)

    def finished(indices: list[int], value: Any = None) -> None:
        for index in indices:
            if on_result is not None:
                on_result(index, value)
            group = groups[index]
            remaining[group] -= 1
            if remaining[group] == 0:
                bar.update(1)

    try:
        client = active_client()
        if client is not None:
            from distributed import as_completed

            futures = client.compute(list(items))
            index_of = {id(future): i for i, future in enumerate(futures)}
            for future in as_completed(futures, loop=client.loop):
                if future.status == "error":
                    future.result()  # raises the task's exception here
                value = future.result() if on_result is not None else None
                finished([index_of[id(future)]], value)
            return list(client.gather(futures))
        from dask.callbacks import Callback

        # Equal work has one key, so one finished task may end several items.
        indices_of: dict = {}
        for i, item in enumerate(items):
            indices_of.setdefault(item.key, []).append(i)

        class _Ticks(Callback):
            def _posttask(self, key, result, dsk, state, worker_id) -> None:
                if key in indices_of:
                    finished(indices_of[key], result)

        with _Ticks():
            return list(dask.compute(*items))
    finally:
        bar.close()
