"""Small helpers shared by the benchmark scripts: facts about the run, tables, JSON.

Nothing here imports numpy, dask or any library under test, so a benchmark can
import it before it decides how to start its subprocesses.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
GiB = 1024**3

LIBRARIES = (
    "scalearn",
    "dask-ml",
    "dask",
    "distributed",
    "scikit-learn",
    "numpy",
    "scipy",
    "pandas",
    "threadpoolctl",
    "psutil",
)


def import_dask_ml(*modules: str) -> tuple[Any, ...]:
    """The modules ``dask_ml.<module>`` followed by None; or, where dask-ml does
    not import (it may not on a newer dask), as many Nones followed by why."""
    try:
        found = [importlib.import_module(f"dask_ml.{m}") for m in modules]
    except Exception as error:
        return (*(None for _ in modules), f"{type(error).__name__}: {error}")
    return (*found, None)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that can change a benchmark's figures."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def proc_field(path: str, key: str) -> str | None:
    """The value after ``key:`` in a ``/proc`` file, or None where there is none."""
    try:
        with open(path) as f:
            for line in f:
                name, sep, value = line.partition(":")
                if sep and name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return None


def proc_kib_bytes(path: str, key: str) -> int | None:
    """A ``/proc`` field given in kB (``MemTotal``, ``VmRSS``...), in bytes."""
    value = proc_field(path, key)
    return None if value is None else int(value.split()[0]) * 1024


def status_bytes(key: str) -> int | None:
    """A memory field of this process (``VmRSS``, ``VmHWM``...), in bytes."""
    return proc_kib_bytes("/proc/self/status", key)


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (``VmHWM``), so that what follows
    gets its own; False where it cannot be reset (then ``VmHWM`` means nothing)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _meminfo_total() -> int | None:
    return proc_kib_bytes("/proc/meminfo", "MemTotal")


def _cpu_model() -> str:
    return (
        proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    )


def machine_facts() -> dict[str, Any]:
    """CPU count, memory and platform of the machine the figures come from."""
    usable = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    total = _meminfo_total()
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "memory_gib": round(total / GiB, 1) if total else None,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def run_header(title: str) -> dict[str, Any]:
    """Print what is being measured where; return the same facts for the JSON."""
    facts = {
        "benchmark": title,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_facts(),
        "versions": library_versions(),
    }
    m = facts["machine"]
    v = facts["versions"]
    print(f"== {title} ==")
    print(
        f"machine: {m['usable_cpus']} usable CPUs ({m['cpu_model']}), "
        f"{m['memory_gib']} GiB RAM, load average {m['load_average_1_5_15']}"
    )
    print(
        "versions: "
        + ", ".join(f"{k} {v[k]}" for k in ("scalearn", "dask-ml", "dask", "numpy"))
        + f", scikit-learn {v['scikit-learn']}, python {v['python']}"
    )
    return facts


def _cpu_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have used since boot (/proc/stat).

    Steal time counts as busy: on a virtual machine it is CPU taken by others.
    """
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _descendants_cpu_seconds() -> float:
    """CPU seconds of this process's live descendants and of the children they
    have waited for (from ``/proc/<pid>/stat``; 0 where there is no ``/proc``).

    A pool of worker processes (joblib's loky workers, say) is the benchmark's
    own work, not background load, even before anyone waits for it.
    """
    parent_of: dict[int, int] = {}
    ticks: dict[int, int] = {}
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return 0.0
    for name in entries:
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # exited meanwhile
        # fields[1] is the parent pid; [11:15] utime, stime, cutime, cstime
        parent_of[int(name)] = int(fields[1])
        ticks[int(name)] = sum(int(v) for v in fields[11:15])
    children: dict[int, list[int]] = {}
    for pid, parent in parent_of.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += ticks[pid]
        todo.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and of all its descendants, live or waited for."""
    t = os.times()
    own = t.user + t.system + t.children_user + t.children_system
    return own + _descendants_cpu_seconds()


class BackgroundLoad:
    """How many cores other processes kept busy since ``start`` (a noise gauge)."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._busy0 = _cpu_busy_seconds()
        self._own0 = _own_cpu_seconds()

    def cores(self) -> float | None:
        busy = _cpu_busy_seconds()
        elapsed = time.monotonic() - self._t0
        if busy is None or self._busy0 is None or elapsed <= 0:
            return None
        others = (busy - self._busy0) - (_own_cpu_seconds() - self._own0)
        return max(0.0, others) / elapsed


def wait_for_quiet(
    max_wait: float, threshold: float = 0.25, window: float = 2.0
) -> float | None:
    """Wait up to ``max_wait`` s until other processes use < ``threshold`` cores.

    Returns the background load of the last window (None if it cannot be read).
    The benchmarks share the machine; waiting for a quiet moment makes their
    figures less noisy, and the load is reported either way.
    """
    deadline = time.monotonic() + max_wait
    gauge = BackgroundLoad()
    while True:
        gauge.start()
        time.sleep(window)
        load = gauge.cores()
        if load is None or load < threshold or time.monotonic() >= deadline:
            return load
        print(f"  waiting for a quiet machine: others use {load:.2f} cores ...")


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    if math.isnan(numerator) or math.isnan(denominator):
        return None
    return numerator / denominator


def fmt(value: Any, spec: str = ".3g", missing: str = "-") -> str:
    """Format a number for a table; None (not measured) prints as ``missing``."""
    if value is None:
        return missing
    if isinstance(value, str):
        return value
    return format(value, spec)


def fmt_rate(rows_per_second: float | None) -> str:
    """Rows per second, in millions."""
    if rows_per_second is None:
        return "-"
    return f"{rows_per_second / 1e6:.2f}M"


def fmt_bytes(n_bytes: float | None) -> str:
    if n_bytes is None:
        return "-"
    if n_bytes >= GiB / 2:
        return f"{n_bytes / GiB:.2f} GiB"
    return f"{n_bytes / 2**20:.0f} MiB"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
        for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[Any]) -> str:
        parts = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` atomically (through a ``.tmp`` file) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w") as f:
        json.dump(payload, f, indent=2, sort_keys=False, default=_jsonable)
        f.write("\n")
    os.replace(tmp, path)
    return path


def _jsonable(value: Any) -> Any:
    """numpy scalars and paths, which ``json`` does not know, as plain values."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def verdict(met: bool | None) -> str:
    if met is None:
        return "not measured"
    return "MET" if met else "NOT MET"


def spread(seconds: list[float]) -> float:
    """(slowest - fastest) / fastest over the rounds of one method."""
    return (max(seconds) - min(seconds)) / min(seconds)


def blas_threads() -> int:
    """Largest thread count among the BLAS libraries loaded in this process."""
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return max(counts, default=1)


def blas_threads_in_dask_worker() -> int:
    """BLAS threads as seen from inside a task on dask's thread pool."""
    import dask

    return dask.delayed(blas_threads, pure=False)().compute()
