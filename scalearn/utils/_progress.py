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
