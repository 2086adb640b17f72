"""Global configuration, thread-local like scikit-learn's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_DEFAULTS: dict[str, Any] = {
    # True, False, or "auto" (shown when standard error is a terminal).
    "progress_bar": "auto",
    # Blocks computed ahead of the one ``partial_fit`` is working on.
    "read_ahead": 2,
}
_ACCEPTED = {
    "progress_bar": "True, False or 'auto'",
    "read_ahead": "an integer >= 0",
}
_local = threading.local()


def _config() -> dict[str, Any]:
    if not hasattr(_local, "config"):
        _local.config = dict(_DEFAULTS)
    return _local.config


def _check(name: str, value: Any) -> None:
    if name not in _DEFAULTS:
        raise TypeError(
            f"set_config got an unknown option {name!r}; the options are "
            f"{sorted(_DEFAULTS)}."
        )
    ok = (
        value in (True, False, "auto")
        if name == "progress_bar"
        else isinstance(value, int) and not isinstance(value, bool) and value >= 0
    )
    if not ok:
        raise ValueError(
            f"The {name!r} option of set_config must be {_ACCEPTED[name]}. "
            f"Got {value!r} instead."
        )


def get_config() -> dict[str, Any]:
    """Return a copy of scalearn's current configuration.

    Examples
    --------
    >>> import scalearn
    >>> scalearn.get_config()["read_ahead"]
    2
    """
    return dict(_config())


def set_config(
    *, progress_bar: bool | str | None = None, read_ahead: int | None = None
):
    """Set scalearn's configuration for the current thread.

    Parameters
    ----------
    progress_bar : bool or "auto", default "auto"
        Show progress bars on long work (``Incremental.fit``, the command line).
        ``"auto"`` shows them when standard error is a terminal.
    read_ahead : int, default 2
        How many blocks ``Incremental`` computes ahead of the block that
        ``partial_fit`` is working on. Peak memory is about ``read_ahead + 1``
        blocks; 0 reads each block only when it is needed.
    """
    given = {"progress_bar": progress_bar, "read_ahead": read_ahead}
    for name, value in given.items():
        if value is not None:
            _check(name, value)
            _config()[name] = value


@contextmanager
def config_context(**options: Any) -> Iterator[None]:
    """Temporarily change scalearn's configuration.

    Examples
    --------
    >>> import scalearn
    >>> with scalearn.config_context(read_ahead=0):
    ...     scalearn.get_config()["read_ahead"]
    0
    >>> scalearn.get_config()["read_ahead"]
    2
    """
    for name, value in options.items():
        _check(name, value)
    old = get_config()
    _config().update(options)
    try:
        yield
    finally:
        _config().clear()
        _config().update(old)
