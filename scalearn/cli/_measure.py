"""Time and memory of the steps of a command, and the summary table they make."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import psutil
from dask.utils import format_bytes
from distributed.diagnostics import MemorySampler


@dataclass
class Measurement:
    """What one measured step cost.

    Attributes
    ----------
    seconds : float
        Wall time of the step.
    cluster_peak : int or None
        Highest total memory (bytes, summed over the workers' processes) the
        scheduler saw during the step; None without a cluster.
    client_peak : int or None
        Highest resident memory (bytes) of this process during the step.
    """

    seconds: float = math.nan
    cluster_peak: int | None = None
    client_peak: int | None = None


@dataclass
class Step:
    """One row of the summary table.

    Attributes
    ----------
    regime : str
        The scaling regime the step belongs to.
    name : str
        What the step did.
    rows : int or None
        Rows the step went through.
    seconds : float
        Wall time.
    quality : str
        A model-quality note, or "".
    cluster_peak, client_peak : int or None
        As in :class:`Measurement`.
    """

    regime: str
    name: str
    rows: int | None
    seconds: float
    quality: str = ""
    cluster_peak: int | None = None
    client_peak: int | None = None

    @classmethod
    def measured(
        cls, regime: str, name: str, rows: int | None, cost: Measurement, **kw: Any
    ) -> Step:
        """A step whose time and memory come from a :class:`Measurement`."""
        return cls(
            regime,
            name,
            rows,
            cost.seconds,
            cluster_peak=cost.cluster_peak,
            client_peak=cost.client_peak,
            **kw,
        )

    @property
    def rows_per_second(self) -> float | None:
        if self.rows is None or not self.seconds > 0:
            return None
        return self.rows / self.seconds


class PeakRSS:
    """Track the peak resident memory of this process from a background thread.

    Use as a context manager; ``peak`` holds the highest value seen (bytes).

    Parameters
    ----------
    interval : float, default 0.05
        Seconds between two readings.

    Examples
    --------
    >>> with PeakRSS() as watcher:
    ...     block = bytearray(10_000_000)
    >>> watcher.peak > 10_000_000
    True
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, name="scalearn-peak-rss", daemon=True
        )

    def _read(self) -> None:
        self.peak = max(self.peak, self._process.memory_info().rss)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def __enter__(self) -> PeakRSS:
        self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()


@contextmanager
def measure(client: Any, label: str, interval: float = 0.2) -> Iterator[Measurement]:
    """Measure the time and peak memory of the ``with`` block.

    Parameters
    ----------
    client : distributed.Client or None
        The cluster whose memory to sample; None measures only this process.
    label : str
        Name of the samples in the cluster's memory sampler.
    interval : float, default 0.2
        Seconds between two samples of the cluster's memory.

    Yields
    ------
    Measurement
        Filled in when the block ends.
    """
    cost = Measurement()
    sampler = MemorySampler()
    with PeakRSS() as watcher:
        sampling = (
            sampler.sample(label, client=client, interval=interval)
            if client is not None
            else nullcontext()
        )
        with sampling:
            tic = time.perf_counter()
            yield cost
            cost.seconds = time.perf_counter() - tic
    cost.client_peak = watcher.peak
    samples = sampler.samples.get(label)
    if samples:
        cost.cluster_peak = max(nbytes for _, nbytes in samples)


# --- the summary table ----------------------------------------------------------

_HEADERS = (
    "step",
    "rows",
    "seconds",
    "rows/s",
    "quality",
    "cluster peak",
    "client peak",
)
_RIGHT_ALIGNED = {"rows", "seconds", "rows/s", "cluster peak", "client peak"}
_INDENT = "  "


def _cells(step: Step) -> tuple[str, ...]:
    rate = step.rows_per_second
    return (
        _INDENT + step.name,
        "" if step.rows is None else f"{step.rows:,}",
        f"{step.seconds:.1f}",
        "" if rate is None else f"{rate:,.0f}",
        step.quality,
        "" if step.cluster_peak is None else format_bytes(step.cluster_peak),
        "" if step.client_peak is None else format_bytes(step.client_peak),
    )


def format_table(steps: Sequence[Step]) -> str:
    """Lay the steps out as a plain-text table, grouped by regime.

    Each regime gets a line of its own, followed by its steps, indented.

    Parameters
    ----------
    steps : sequence of Step
        In order; consecutive steps of the same regime form a group.

    Returns
    -------
    str
        The header, a rule and the groups, without a final newline.

    Examples
    --------
    >>> print(format_table([Step("data", "write", 1_000, 2.0)]))
    step      rows  seconds  rows/s  quality  cluster peak  client peak
    -------  -----  -------  ------  -------  ------------  -----------
    data
      write  1,000      2.0     500
    """
    cells = [_cells(step) for step in steps]
    widths = [
        max(len(header), *(len(row[c]) for row in cells))
        for c, header in enumerate(_HEADERS)
    ]
    lines = [_line(_HEADERS, widths), _line(["-" * w for w in widths], widths)]
    for regime, group in groupby(zip(steps, cells, strict=True), lambda p: p[0].regime):
        lines.append(regime)
        lines += [_line(row, widths) for _, row in group]
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    parts = [
        cell.rjust(width) if header in _RIGHT_ALIGNED else cell.ljust(width)
        for cell, width, header in zip(cells, widths, _HEADERS, strict=True)
    ]
    return "  ".join(parts).rstrip()
