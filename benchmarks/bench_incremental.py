"""Out-of-core fit: StandardScaler + Incremental(SGDClassifier) on an on-disk dataset.

The same work is done by scalearn and by dask-ml, each in a fresh subprocess
under a memory cap:

1. the scaler phase: ``StandardScaler().fit(X)``, one pass over the file;
2. the partial_fit phase: ``Incremental(SGDClassifier(random_state=...))`` fitted
   on ``scaler.transform(X)``, blocks in file order (no shuffle), for
   ``--epochs`` epochs (dask-ml: ``fit`` then ``partial_fit`` per extra epoch);
3. accuracy on a held-out sample from the same distribution, kept in memory.

The data (``X``: rows x 20 float64, ``y``: rows float64, labels 0/1) are
``.npy`` files written block by block, never whole in memory, and reused by
later runs with the same ``--rows`` and ``--seed``. Every contender reads them
with the same loader (``--loader``; ``--dask-ml-loader`` gives dask-ml another):

* ``npy`` (default): ``scalearn.datasets.from_npy``, each block read with
  direct I/O straight into its array (no page cache, no kernel copy);
* ``rowfile``: ``np.memmap`` of just that block's rows, copied into memory (see
  ``RowFile``): ordinary reads through the page cache;
* ``memmap``: one memory map of the whole file given to ``da.from_array``:
  since dask 2024.12, ``from_array`` copies any array with a ``copy`` method,
  so that reads the whole file into memory up front (dask/dask#11850); it is
  kept only to show it.

Each contender runs in its own subprocess, so its peak memory (the RSS
high-water mark, ``ru_maxrss`` from ``wait4``) is its own. The cap is applied by
the first method that works: a cgroup v2 group with ``memory.max``, else
``RLIMIT_AS`` (an address-space limit: see ``RLIMIT_CAVEAT``); ``--cap-method
rss-watchdog`` instead kills the child when its resident memory passes the cap.
A contender that dies of MemoryError or is killed under its cap is reported as
"failed under the cap" and the benchmark carries on.

Run ``python benchmarks/bench_incremental.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    GiB,
    fmt,
    fmt_bytes,
    fmt_rate,
    proc_kib_bytes,
    ratio,
    reset_peak_rss,
    run_header,
    status_bytes,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)

N_FEATURES = 20
GEN_ROWS = 500_000  # rows per generated block; the data do not depend on --block-rows
HOLDOUT_INDEX = 10**9  # generator stream of the held-out sample
DATA_FORMAT = 2  # 2: .npy files (a header, then the rows)
LOADERS = ["npy", "rowfile", "memmap"]
NPY_HEADER = 128  # bytes of the version 1.0 header numpy writes for these shapes
SHUFFLE_ROWS = "scalearn-shuffle-rows"
CONTENDERS = ("scalearn", SHUFFLE_ROWS, "dask-ml")
TARGET_SPEEDUP = 1.3
EQUAL_ACCURACY = 0.005  # "equal accuracy": within half a percentage point
WATCHDOG_INTERVAL = 0.02
CHILD_ENV = {
    # pyarrow (imported by dask.dataframe, unused here) otherwise reserves a 1 GiB
    # arena of address space at import, which only matters under RLIMIT_AS.
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}
RLIMIT_CAVEAT = (
    "RLIMIT_AS limits the address space (virtual memory), not resident memory: "
    "every mapping counts, including memory reserved but never touched (thread "
    "stacks, malloc arenas, BLAS buffers, mapped files). A child therefore starts "
    "with more address space than RSS (see 'VM after imports'), and can fail "
    "under this cap while its RSS is still well below it. Nothing resident can "
    "escape it, so a run that completes under it also fits in that much RAM."
)


# --- the data -------------------------------------------------------------------------


def data_model(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature means, feature scales and the true weights (on standardized features).

    Features have very different means and scales, so SGD needs the scaler.
    """
    rng = np.random.default_rng([seed, 0])
    means = rng.uniform(-50.0, 50.0, N_FEATURES)
    scales = 10.0 ** rng.uniform(-1.0, 2.0, N_FEATURES)
    weights = rng.standard_normal(N_FEATURES)
    return means, scales, weights


def make_rows(seed: int, index: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Block ``index`` of the dataset: ``n`` rows of X and their labels."""
    means, scales, weights = data_model(seed)
    rng = np.random.default_rng([seed, 1, index])
    z = rng.standard_normal((n, N_FEATURES))
    margin = z @ weights + 0.5 * rng.standard_normal(n)
    y = (margin > 0).astype(np.float64)
    z *= scales
    z += means
    return z, y


@dataclass
class DataFiles:
    x_path: Path
    y_path: Path
    rows: int

    @property
    def nbytes(self) -> int:
        return self.rows * (N_FEATURES + 1) * 8


def data_files(workdir: Path, rows: int, seed: int) -> tuple[DataFiles, Path]:
    stem = f"incremental-{rows}x{N_FEATURES}-seed{seed}"
    files = DataFiles(workdir / f"{stem}-X.npy", workdir / f"{stem}-y.npy", rows)
    return files, workdir / f"{stem}.json"


def ensure_data(workdir: Path, rows: int, seed: int) -> tuple[DataFiles, float, bool]:
    """Write the dataset block by block unless an identical one is already there.

    Returns the files, the seconds spent generating, and whether they were made.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    files, meta_path = data_files(workdir, rows, seed)
    meta = {"format": DATA_FORMAT, "rows": rows, "features": N_FEATURES}
    meta |= {"seed": seed, "gen_rows": GEN_ROWS, "dtype": "float64"}
    expected = {
        files.x_path: NPY_HEADER + rows * N_FEATURES * 8,
        files.y_path: NPY_HEADER + rows * 8,
    }
    if meta_path.exists() and all(
        p.exists() and p.stat().st_size == n for p, n in expected.items()
    ):
        with open(meta_path) as f:
            if json.load(f) == meta:
                return files, 0.0, False
    meta_path.unlink(missing_ok=True)
    existing = sum(p.stat().st_size for p in expected if p.exists())
    free = shutil.disk_usage(workdir).free + existing
    if free < files.nbytes * 1.02:
        raise SystemExit(
            f"not enough disk space in {workdir}: the data need "
            f"{fmt_bytes(files.nbytes)}, {fmt_bytes(free)} are free. Use --workdir "
            "or fewer --rows."
        )
    print(
        f"generating {rows:,} x {N_FEATURES} float64 ({fmt_bytes(files.nbytes)}) in "
        f"{workdir}, {GEN_ROWS:,} rows at a time ..."
    )
    tic = time.perf_counter()
    n_blocks = math.ceil(rows / GEN_ROWS)
    with open(files.x_path, "wb") as fx, open(files.y_path, "wb") as fy:
        for f, shape in ((fx, (rows, N_FEATURES)), (fy, (rows,))):
            header = {"descr": "<f8", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(f, header)
            assert f.tell() == NPY_HEADER, f.tell()
        for i in range(n_blocks):
            n = min(GEN_ROWS, rows - i * GEN_ROWS)
            x_block, y_block = make_rows(seed, i, n)
            x_block.tofile(fx)
            y_block.tofile(fy)
            if n_blocks >= 20 and (i + 1) % (n_blocks // 10) == 0:
                done = (i + 1) / n_blocks
                print(f"  {done:4.0%} ({time.perf_counter() - tic:.0f} s)", flush=True)
        for f in (fx, fy):
            f.flush()
            os.fsync(f.fileno())
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return files, time.perf_counter() - tic, True


def remove_data(workdir: Path, rows: int, seed: int) -> None:
    files, meta_path = data_files(workdir, rows, seed)
    for path in (meta_path, files.x_path, files.y_path):
        path.unlink(missing_ok=True)


def evict_from_page_cache(*paths: Path) -> None:
    """Drop these files' clean pages from the OS page cache (only these files)."""
    if not hasattr(os, "posix_fadvise"):
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


class RowFile:
    """The rows of one of our ``.npy`` files (a ``NPY_HEADER``-byte header) as an
    array whose slices are read into memory.

    ``da.from_array`` slices it once per block; each slice memory-maps only the
    rows it needs, copies them into an ordinary array and unmaps them, so a
    block in memory is a real copy, and no mapping of the whole file lingers in
    the process (which would count every page read towards its RSS, and towards
    its address space under RLIMIT_AS).
    """

    def __init__(self, path: Path, shape: tuple[int, ...], dtype: Any = np.float64):
        self.path = str(path)
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)
        self._row_bytes = self.dtype.itemsize * math.prod(self.shape[1:])

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        rows, rest = key[0], key[1:]
        if not isinstance(rows, slice):
            raise TypeError("RowFile supports slices of rows only")
        start, stop, step = rows.indices(self.shape[0])
        n = len(range(start, stop))
        if n == 0 or step != 1:
            out = np.empty((n, *self.shape[1:]), self.dtype)
            if n:
                out[...] = self[start:stop:1][::step]
        else:
            mapped = np.memmap(
                self.path,
                dtype=self.dtype,
                mode="r",
                offset=NPY_HEADER + start * self._row_bytes,
                shape=(n, *self.shape[1:]),
            )
            out = np.array(mapped)
            del mapped
        return out[(slice(None), *rest)] if rest else out


def load_arrays(config: dict[str, Any]) -> tuple[Any, Any]:
    """X and y as dask arrays with one block per ``block_rows`` rows of the files."""
    import dask.array as da

    rows, block_rows = config["rows"], config["block_rows"]
    x_path, y_path = config["x_path"], config["y_path"]
    if config["loader"] == "npy":
        # scalearn's reader: each block read straight into its array with
        # direct I/O (no page cache, no kernel copy).
        from scalearn.datasets import from_npy

        return from_npy(x_path, chunks=block_rows), from_npy(y_path, chunks=block_rows)
    if config["loader"] == "memmap":
        x_src: Any = np.lib.format.open_memmap(x_path, mode="r")
        y_src: Any = np.lib.format.open_memmap(y_path, mode="r")
    else:
        x_src = RowFile(Path(x_path), (rows, N_FEATURES))
        y_src = RowFile(Path(y_path), (rows,))
    tag = f"{Path(x_path).stem}-{config['loader']}"
    X = da.from_array(x_src, chunks=(block_rows, N_FEATURES), name=f"X-{tag}")
    y = da.from_array(y_src, chunks=(block_rows,), name=f"y-{tag}")
    return X, y


# --- inside the child: one contender --------------------------------------------------


class Phases:
    """Times and peak RSS of each phase, written to the result file as they end."""

    def __init__(self, result_path: Path, record: dict[str, Any]) -> None:
        self.result_path = result_path
        self.record = record
        self.can_reset = reset_peak_rss()
        self.flush()

    def flush(self) -> None:
        tmp = self.result_path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(self.record, f, default=float)
        os.replace(tmp, self.result_path)

    def start(self, name: str) -> float:
        self.record["phase"] = name
        self.flush()
        self.can_reset = reset_peak_rss()
        return time.perf_counter()

    def end(self, name: str, tic: float, **extra: Any) -> None:
        self.record[f"{name}_seconds"] = time.perf_counter() - tic
        self.record[f"{name}_peak_rss"] = (
            status_bytes("VmHWM") if self.can_reset else None
        )
        self.record.update(extra)
        self.flush()


def apply_cap_in_child(config: dict[str, Any]) -> None:
    """Put this process under its cap before anything big is imported."""
    cap = config["cap_bytes"]
    if not cap:
        return
    if config["cap_method"] == "cgroup2":
        with open(Path(config["cgroup"]) / "cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
    elif config["cap_method"] == "rlimit":
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def fit_scalearn(
    X: Any, y: Any, config: dict[str, Any], phases: Phases
) -> tuple[Any, Any, list[float]]:
    from sklearn.linear_model import SGDClassifier

    import scalearn
    from scalearn.preprocessing import StandardScaler
    from scalearn.wrappers import Incremental

    scalearn.set_config(progress_bar=False, read_ahead=config["read_ahead"])
    maybe_evict(config)
    tic = phases.start("scaler")
    scaler = StandardScaler().fit(X)
    phases.end("scaler", tic)
    maybe_evict(config)
    tic = phases.start("partial_fit")
    model = Incremental(
        SGDClassifier(random_state=config["sgd_seed"]),
        shuffle_blocks=False,
        max_epochs=config["epochs"],
        random_state=0,
        shuffle_rows=config["contender"] == SHUFFLE_ROWS,
    )
    model.fit(scaler.transform(X), y, classes=[0.0, 1.0])
    epochs = [h["seconds"] for h in model.history_]
    phases.end("fit", tic, fit_epoch_seconds_inside=epochs)
    return scaler, model.estimator_, epochs


def fit_dask_ml(
    X: Any, y: Any, config: dict[str, Any], phases: Phases
) -> tuple[Any, Any, list[float]]:
    from dask_ml.preprocessing import StandardScaler
    from dask_ml.wrappers import Incremental
    from sklearn.linear_model import SGDClassifier

    maybe_evict(config)
    tic = phases.start("scaler")
    scaler = StandardScaler().fit(X)
    phases.end("scaler", tic)
    maybe_evict(config)
    tic = phases.start("partial_fit")
    model = Incremental(
        SGDClassifier(random_state=config["sgd_seed"]),
        shuffle_blocks=False,
        random_state=0,
    )
    Xt = scaler.transform(X)
    epochs = []
    for epoch in range(config["epochs"]):
        start = time.perf_counter()
        if epoch == 0:
            model.fit(Xt, y, classes=[0.0, 1.0])
        else:
            model.partial_fit(Xt, y, classes=[0.0, 1.0])
        epochs.append(time.perf_counter() - start)
    phases.end("fit", tic, fit_epoch_seconds_inside=epochs)
    return scaler, model.estimator_, epochs


def maybe_evict(config: dict[str, Any]) -> None:
    if config["cold_cache"]:
        evict_from_page_cache(Path(config["x_path"]), Path(config["y_path"]))


def child_main(config_path: Path) -> int:
    """Entry point of the subprocess that runs one contender."""
    with open(config_path) as f:
        config = json.load(f)
    apply_cap_in_child(config)
    result_path = Path(config["result_path"])
    record: dict[str, Any] = {"status": "started", "phase": "imports"}
    phases = Phases(result_path, record)
    try:
        import dask

        dask.config.set(scheduler="threads", num_workers=config["workers"])
        ours = config["contender"] != "dask-ml"
        if ours:
            import scalearn.preprocessing  # noqa: F401
        else:
            import dask_ml.wrappers  # noqa: F401
        record["rss_after_imports"] = status_bytes("VmRSS")
        record["vm_after_imports"] = status_bytes("VmSize")
        holdout_X, holdout_y = make_rows(
            config["seed"], HOLDOUT_INDEX, config["holdout_rows"]
        )
        record["phase"] = "load"
        phases.flush()
        X, y = load_arrays(config)
        fit = fit_scalearn if ours else fit_dask_ml
        scaler, sgd, _ = fit(X, y, config, phases)
        record["phase"] = "score"
        # dask-ml's scaler transforms numpy input in place: give it a copy.
        scaled = scaler.transform(holdout_X.copy())
        record["accuracy"] = float(sgd.score(np.asarray(scaled), holdout_y))
        record["coef"] = [float(c) for c in np.ravel(sgd.coef_)]
        record["intercept"] = float(np.ravel(sgd.intercept_)[0])
        record["scaler_mean"] = [float(m) for m in scaler.mean_]
        record["vm_peak"] = status_bytes("VmPeak")
        record["threads"] = len(os.listdir("/proc/self/task"))
        record["status"] = "ok"
        phases.flush()
        return 0
    except BaseException as exc:
        record["status"] = "memory_error" if _is_memory_failure(exc) else "error"
        record["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        record["traceback"] = traceback.format_exc()[-4000:]
        # Out of memory even for this? stderr still has the traceback.
        with contextlib.suppress(BaseException):
            phases.flush()
        traceback.print_exc()
        return 3 if record["status"] == "memory_error" else 1


def _is_memory_failure(exc: BaseException) -> bool:
    """MemoryError, or the other ways a failed allocation surfaces in Python."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, MemoryError):
            return True
        if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
            return True
        if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# --- in the parent: caps and subprocesses ---------------------------------------------


def _cgroup2_base() -> tuple[Path | None, str]:
    """This process's own cgroup v2 directory, or None and the reason why not."""
    mounts = []
    try:
        with open("/proc/self/mounts") as f:
            mounts = [line.split()[1] for line in f if line.split()[2] == "cgroup2"]
    except OSError as exc:
        return None, f"cannot read /proc/self/mounts ({exc})"
    if not mounts:
        return None, "no cgroup v2 hierarchy is mounted"
    try:
        with open("/proc/self/cgroup") as f:
            unified = [line.split("::", 1)[1].strip() for line in f if "::" in line]
    except OSError as exc:
        return None, f"cannot read /proc/self/cgroup ({exc})"
    relative = (unified[0] if unified else "/").lstrip("/")
    for mount in mounts:
        base = Path(mount) / relative
        if (base / "cgroup.subtree_control").exists():
            return base, ""
    return None, f"this process's cgroup v2 directory was not found under {mounts}"


def probe_cgroup2() -> tuple[Path | None, str]:
    """A cgroup v2 directory where a child group with ``memory.max`` can be made."""
    base, reason = _cgroup2_base()
    if base is None:
        return None, reason
    try:
        enabled = (base / "cgroup.subtree_control").read_text().split()
        available = (base / "cgroup.controllers").read_text().split()
    except OSError as exc:
        return None, f"cannot read the controllers of {base} ({exc})"
    if "memory" not in enabled:
        return None, (
            f"the memory controller is not enabled for child groups of {base} "
            f"(cgroup.controllers: {' '.join(available) or 'none'}; "
            f"cgroup.subtree_control: {' '.join(enabled) or 'none'}); enabling "
            "it would change the cgroup this session runs in, which the benchmark "
            "does not do"
        )
    if not os.access(base, os.W_OK):
        return None, f"{base} is not writable"
    return base, ""


class CgroupCap:
    """A child cgroup v2 group with ``memory.max``: made on entry, removed on exit."""

    def __init__(self, base: Path, name: str, cap_bytes: int) -> None:
        self.path = base / name
        self.cap_bytes = cap_bytes

    def __enter__(self) -> CgroupCap:
        self.path.mkdir()
        try:
            (self.path / "memory.max").write_text(str(self.cap_bytes))
            swap = self.path / "memory.swap.max"
            if swap.exists():
                swap.write_text("0")
        except OSError:
            self.path.rmdir()
            raise
        return self

    def oom_kills(self) -> int:
        try:
            for line in (self.path / "memory.events").read_text().splitlines():
                key, value = line.split()
                if key == "oom_kill":
                    return int(value)
        except OSError:
            pass
        return 0

    def __exit__(self, *exc: object) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:  # the killed child is still being reaped
                time.sleep(0.1)


def choose_cap_method(requested: str) -> tuple[str, Path | None, str]:
    """(method, cgroup base, note) for ``requested`` in auto/cgroup2/rlimit/..."""
    if requested in ("rlimit", "rss-watchdog", "none"):
        return requested, None, f"{requested} requested on the command line"
    base, reason = probe_cgroup2()
    if base is not None:
        return "cgroup2", base, f"cgroup v2 group under {base}"
    if requested == "cgroup2":
        raise SystemExit(f"--cap-method cgroup2 is not available here: {reason}")
    return "rlimit", None, f"cgroup v2 not usable ({reason}); fell back to RLIMIT_AS"


def run_child(
    config: dict[str, Any], workdir: Path, timeout: float, cgroup: CgroupCap | None
) -> dict[str, Any]:
    """Start the child for one contender, wait for it, and describe how it ended."""
    name = config["contender"]
    config_path = workdir / f"child-{name}.config.json"
    log_path = workdir / f"child-{name}.log"
    result_path = Path(config["result_path"])
    result_path.unlink(missing_ok=True)
    with open(config_path, "w") as f:
        json.dump(config, f)
    env = {**os.environ, **CHILD_ENV}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", config_path]
    cap = config["cap_bytes"]
    watchdog = config["cap_method"] == "rss-watchdog" and cap
    tic = time.perf_counter()
    with open(log_path, "w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        killed_by = None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if (
                watchdog
                and (proc_kib_bytes(f"/proc/{child.pid}/status", "VmRSS") or 0) > cap
            ):
                os.kill(child.pid, signal.SIGKILL)
                killed_by = "the RSS watchdog"
            elif time.monotonic() > deadline:
                os.kill(child.pid, signal.SIGKILL)
                killed_by = "the timeout"
            time.sleep(WATCHDOG_INTERVAL)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - tic
    record: dict[str, Any] = {}
    if result_path.exists():
        with open(result_path) as f:
            record = json.load(f)
    record["wall_seconds"] = wall
    record["peak_rss"] = usage.ru_maxrss * 1024  # kB on Linux
    record["exit_code"] = child.returncode
    with open(log_path) as f:
        record["log_tail"] = f.read()[-3000:]
    for path in (config_path, result_path, log_path):
        path.unlink(missing_ok=True)
    record["outcome"], record["outcome_detail"] = classify(
        record, child.returncode, killed_by, cgroup, config
    )
    return record


def classify(
    record: dict[str, Any],
    code: int,
    killed_by: str | None,
    cgroup: CgroupCap | None,
    config: dict[str, Any],
) -> tuple[str, str]:
    """'ok', 'failed under the cap', 'timed out' or 'error', with a reason."""
    capped = bool(config["cap_bytes"])
    where = record.get("phase", "start-up")
    if code == 0 and record.get("status") == "ok":
        return "ok", ""
    if killed_by == "the timeout":
        return (
            "timed out",
            f"killed after {config['timeout']:.0f} s in the {where} phase",
        )
    if killed_by:
        return "failed under the cap", f"killed by {killed_by} in the {where} phase"
    if record.get("status") == "memory_error":
        return "failed under the cap", f"{record.get('error', '')} ({where} phase)"
    if code < 0:
        sig = signal.Signals(-code).name
        if cgroup is not None and cgroup.oom_kills():
            return "failed under the cap", f"OOM-killed in its cgroup ({where} phase)"
        if capped:
            return (
                "failed under the cap",
                f"died of {sig} in the {where} phase; under a memory cap this is "
                "usually a native allocation failure",
            )
        return "error", f"died of {sig} in the {where} phase"
    tail = record["log_tail"]
    memory_words = ("MemoryError", "Cannot allocate memory", "bad_alloc")
    if capped and any(w in tail for w in memory_words):
        return "failed under the cap", f"allocation failure in the {where} phase"
    return "error", record.get("error") or f"exit code {code}; see the log tail"


# --- the parent: orchestration and report ---------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--block-rows", type=int, default=500_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--cap-gb", type=float, default=2.0, help="memory cap for scalearn (0: none)"
    )
    parser.add_argument(
        "--dask-ml-cap-gb", type=float, default=4.0, help="memory cap for dask-ml"
    )
    parser.add_argument(
        "--rerun-cap-gb",
        type=float,
        default=12.0,
        help="if a contender fails under its cap, run it again under this larger "
        "cap to measure its speed and memory anyway (0: do not)",
    )
    parser.add_argument(
        "--cap-method",
        choices=["auto", "cgroup2", "rlimit", "rss-watchdog", "none"],
        default="auto",
        help="auto: a cgroup v2 memory.max if possible, else RLIMIT_AS",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "scalearn-bench-incremental",
        help="where the data files go",
    )
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep generated data for later runs (by default, data this run "
        "generated is deleted at the end)",
    )
    parser.add_argument(
        "--loader",
        choices=LOADERS,
        default="npy",
        help="npy: scalearn.datasets.from_npy (each block read with direct I/O); "
        "rowfile: each block memory-mapped alone and copied (buffered reads "
        "through the page cache); memmap: da.from_array(np.memmap(whole file)), "
        "which dask copies whole into memory",
    )
    parser.add_argument(
        "--dask-ml-loader",
        choices=LOADERS,
        default=None,
        help="dask-ml's loader, when it differs from --loader (for example "
        "rowfile, what a dask-ml user without scalearn would write)",
    )
    parser.add_argument(
        "--cache",
        choices=["cold", "warm"],
        default="cold",
        help="cold: evict the data files from the page cache before each phase",
    )
    parser.add_argument("--read-ahead", type=int, default=2, help="scalearn's")
    parser.add_argument("--holdout-rows", type=int, default=200_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="dask threads (default: the number of usable CPUs)",
    )
    parser.add_argument(
        "--contenders", default=",".join(CONTENDERS), help="comma-separated subset"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="per child")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        help="before each contender, wait up to this many seconds for other "
        "processes to leave the CPUs idle (0: do not wait)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "incremental.json")
    args = parser.parse_args(argv)
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(args.contenders) - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}; choose from {CONTENDERS}")
    if args.rows < 1 or args.block_rows < 1 or args.epochs < 1:
        parser.error("--rows, --block-rows and --epochs must be positive")
    return args


def child_config(
    args: argparse.Namespace,
    files: DataFiles,
    contender: str,
    cap_gb: float,
    method: str,
    workers: int,
) -> dict[str, Any]:
    cap_bytes = int(cap_gb * GiB) if cap_gb > 0 and method != "none" else 0
    return {
        "contender": contender,
        "rows": args.rows,
        "block_rows": args.block_rows,
        "epochs": args.epochs,
        "x_path": str(files.x_path),
        "y_path": str(files.y_path),
        "loader": (
            args.dask_ml_loader
            if contender == "dask-ml" and args.dask_ml_loader
            else args.loader
        ),
        "cold_cache": args.cache == "cold",
        "read_ahead": args.read_ahead,
        "holdout_rows": args.holdout_rows,
        "workers": workers,
        "seed": args.seed,
        "sgd_seed": args.seed,
        "cap_bytes": cap_bytes,
        "cap_method": method if cap_bytes else "none",
        "cgroup": None,
        "timeout": args.timeout,
        "result_path": str(args.workdir / f"child-{contender}.result.json"),
    }


def run_contender(
    args: argparse.Namespace,
    files: DataFiles,
    contender: str,
    cap_gb: float,
    method: str,
    cgroup_base: Path | None,
    workers: int,
) -> dict[str, Any]:
    config = child_config(args, files, contender, cap_gb, method, workers)
    label = f"{contender} under {cap_gb:g} GB ({config['cap_method']})"
    if args.wait_idle > 0:
        wait_for_quiet(args.wait_idle)
    print(f"running {label} ...", flush=True)
    gauge = BackgroundLoad()
    if config["cap_method"] == "cgroup2" and cgroup_base is not None:
        name = f"scalearn-bench-{os.getpid()}-{contender}"
        with CgroupCap(cgroup_base, name, config["cap_bytes"]) as cgroup:
            config["cgroup"] = str(cgroup.path)
            record = run_child(config, args.workdir, args.timeout, cgroup)
    else:
        record = run_child(config, args.workdir, args.timeout, None)
    record["background_cores"] = gauge.cores()
    record["contender"] = contender
    record["cap_gb"] = cap_gb if config["cap_bytes"] else None
    record["cap_method"] = config["cap_method"]
    summarize(record, args)
    detail = f": {record['outcome_detail']}" if record["outcome_detail"] else ""
    print(
        f"  -> {record['outcome']}{detail} (wall {record['wall_seconds']:.1f} s, "
        f"peak RSS {fmt_bytes(record['peak_rss'])}, other processes used "
        f"{fmt(record['background_cores'], '.2f')} cores meanwhile)",
        flush=True,
    )
    if record["outcome"] == "error":
        print("  log tail:\n" + record["log_tail"][-1500:])
    return record


def summarize(record: dict[str, Any], args: argparse.Namespace) -> None:
    """Add rows/s and memory-in-blocks to a child's record."""
    rows = args.rows
    block_bytes = args.block_rows * (N_FEATURES + 1) * 8
    scaler_s = record.get("scaler_seconds")
    fit_s = record.get("fit_seconds")
    record["scaler_rows_per_second"] = rows / scaler_s if scaler_s else None
    record["fit_seconds_per_epoch"] = fit_s / args.epochs if fit_s else None
    record["fit_rows_per_second_per_epoch"] = (
        rows * args.epochs / fit_s if fit_s else None
    )
    base = record.get("rss_after_imports")
    fit_peak = record.get("fit_peak_rss")
    record["fit_peak_above_imports_in_blocks"] = (
        (fit_peak - base) / block_bytes if fit_peak and base else None
    )


def report(
    args: argparse.Namespace, runs: list[dict[str, Any]], method_note: str
) -> dict[str, Any]:
    headers = [
        "contender",
        "cap",
        "outcome",
        "scaler s",
        "scaler rows/s",
        "fit s/epoch",
        "fit rows/s/epoch",
        "accuracy",
        "peak RSS scaler",
        "peak RSS fit",
        "peak RSS process",
        "VM after imports",
    ]
    rows = []
    for r in runs:
        cap = f"{r['cap_gb']:g} GB {r['cap_method']}" if r["cap_gb"] else "none"
        rows.append(
            [
                r["contender"],
                cap,
                r["outcome"],
                fmt(r.get("scaler_seconds"), ".1f"),
                fmt_rate(r.get("scaler_rows_per_second")),
                fmt(r.get("fit_seconds_per_epoch"), ".1f"),
                fmt_rate(r.get("fit_rows_per_second_per_epoch")),
                fmt(r.get("accuracy"), ".4f"),
                fmt_bytes(r.get("scaler_peak_rss")),
                fmt_bytes(r.get("fit_peak_rss")),
                fmt_bytes(r.get("peak_rss")),
                fmt_bytes(r.get("vm_after_imports")),
            ]
        )
    print()
    print(table(headers, rows))
    print(
        "(rows/s in millions; 'fit' is the partial_fit phase, transform included; "
        "peak RSS per phase is the high-water mark reset at the phase's start, "
        "'process' is ru_maxrss of the whole subprocess)"
    )
    print(f"memory cap: {method_note}")
    if any(r["cap_method"] == "rlimit" for r in runs):
        print(f"caveat: {RLIMIT_CAVEAT}")

    def best(contender: str) -> dict[str, Any] | None:
        done = [r for r in runs if r["contender"] == contender and r["outcome"] == "ok"]
        return done[0] if done else None

    def first(contender: str) -> dict[str, Any] | None:
        tried = [r for r in runs if r["contender"] == contender]
        return tried[0] if tried else None

    theirs = best("dask-ml")
    comparisons: dict[str, Any] = {}
    targets = {}
    for name in ("scalearn", SHUFFLE_ROWS):
        ours = best(name)
        if not (ours and theirs):
            continue
        comparison = compare(ours, theirs)
        comparisons[name] = comparison
        print(
            f"{name} / dask-ml: partial_fit rows/s per epoch "
            f"{comparison['fit_speedup']:.2f}x, scaler rows/s "
            f"{comparison['scaler_speedup']:.2f}x, accuracy difference "
            f"{comparison['accuracy_difference']:+.4f}, max |coef difference| "
            f"{comparison['max_abs_coef_difference']:.2g}, dask-ml peak RSS / "
            f"{name} peak RSS {comparison['peak_rss_ratio']:.2f}x"
            + (
                f" (dask-ml figures from its run under {theirs['cap_gb']:g} GB)"
                if theirs["cap_gb"] != args.dask_ml_cap_gb
                else ""
            )
        )
        equal = abs(comparison["accuracy_difference"]) <= EQUAL_ACCURACY
        targets[f"fit_speed[{name}]"] = {
            "target": f"{name} >= {TARGET_SPEEDUP}x dask-ml's partial_fit rows/s "
            f"per epoch at equal accuracy (within {EQUAL_ACCURACY})",
            "measured": f"{comparison['fit_speedup']:.2f}x, accuracy difference "
            f"{comparison['accuracy_difference']:+.4f}",
            "met": comparison["fit_speedup"] >= TARGET_SPEEDUP and equal,
        }
    if not comparisons:
        targets["fit_speed"] = {
            "target": f"scalearn >= {TARGET_SPEEDUP}x dask-ml's partial_fit rows/s",
            "measured": "not comparable: a contender did not complete",
            "met": None,
        }
    scalearn_first = first("scalearn")
    if scalearn_first is not None:
        blocks = scalearn_first.get("fit_peak_above_imports_in_blocks")
        cap_gb = scalearn_first["cap_gb"]
        targets["scalearn_memory"] = {
            "target": f"scalearn completes under its {fmt(cap_gb, 'g', 'no')} GB cap "
            "with peak memory bounded by a few blocks",
            "measured": f"{scalearn_first['outcome']}; peak RSS "
            f"{fmt_bytes(scalearn_first['peak_rss'])}; partial_fit phase "
            f"{fmt(blocks, '.1f')} blocks above the RSS after imports",
            "met": scalearn_first["outcome"] == "ok" and bool(cap_gb),
        }
    dask_ml_first = first("dask-ml")
    if dask_ml_first is not None:
        targets["dask_ml_under_its_cap"] = {
            "target": f"(claim) dask-ml fails under {dask_ml_first['cap_gb']} GB at "
            "this size",
            "measured": f"{dask_ml_first['outcome']} "
            f"{dask_ml_first['outcome_detail']}".strip(),
            "met": dask_ml_first["outcome"] != "ok",
        }
    for target in targets.values():
        print(
            f"target {target['target']}: {target['measured']} -> "
            f"{verdict(target['met'])}"
        )
    return {"comparison": comparisons, "targets": targets}


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Ratios of one scalearn run to dask-ml's (above 1: scalearn better)."""
    return {
        "fit_speedup": ratio(
            ours["fit_rows_per_second_per_epoch"],
            theirs["fit_rows_per_second_per_epoch"],
        ),
        "scaler_speedup": ratio(
            ours["scaler_rows_per_second"], theirs["scaler_rows_per_second"]
        ),
        "accuracy_difference": ours["accuracy"] - theirs["accuracy"],
        "max_abs_coef_difference": float(
            np.max(np.abs(np.subtract(ours["coef"], theirs["coef"])))
        ),
        "peak_rss_ratio": ratio(theirs["peak_rss"], ours["peak_rss"]),
        "dask_ml_cap_gb": theirs["cap_gb"],
    }


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--child":
        return child_main(Path(sys.argv[2]))
    args = parse_args(argv)
    args.workdir = args.workdir.resolve()
    facts = run_header("Out-of-core fit: StandardScaler + Incremental(SGDClassifier)")
    workers = args.workers or facts["machine"]["usable_cpus"]
    method, cgroup_base, method_note = choose_cap_method(args.cap_method)
    print(f"memory cap method: {method} ({method_note})")
    files, gen_seconds, generated = ensure_data(args.workdir, args.rows, args.seed)
    print(
        f"data: {args.rows:,} x {N_FEATURES} float64 + labels = "
        f"{fmt_bytes(files.nbytes)} on disk in {args.workdir}"
        + (f", generated in {gen_seconds:.0f} s" if generated else " (reused)")
    )
    n_blocks = math.ceil(args.rows / args.block_rows)
    block_mb = args.block_rows * (N_FEATURES + 1) * 8 / 2**20
    print(
        f"blocks: {n_blocks} of {args.block_rows:,} rows ({block_mb:.0f} MiB with y), "
        f"read with the {args.loader} loader"
        + (
            f" (dask-ml: {args.dask_ml_loader})"
            if args.dask_ml_loader and args.dask_ml_loader != args.loader
            else ""
        )
        + f", {args.cache} page cache per phase, "
        f"no shuffle, {args.epochs} epoch(s), dask threads x{workers}, scalearn "
        f"read_ahead={args.read_ahead}"
    )
    caps = {"scalearn": args.cap_gb, SHUFFLE_ROWS: args.cap_gb}
    caps["dask-ml"] = args.dask_ml_cap_gb
    runs = []
    try:
        for contender in args.contenders:
            record = run_contender(
                args, files, contender, caps[contender], method, cgroup_base, workers
            )
            runs.append(record)
            failed = record["outcome"] == "failed under the cap"
            if failed and args.rerun_cap_gb > caps[contender]:
                rerun = run_contender(
                    args,
                    files,
                    contender,
                    args.rerun_cap_gb,
                    method,
                    cgroup_base,
                    workers,
                )
                rerun["rerun"] = True
                runs.append(rerun)
    finally:
        if generated and not args.keep_data:
            remove_data(args.workdir, args.rows, args.seed)
            print(f"deleted the generated data from {args.workdir}")
            with contextlib.suppress(OSError):  # only if nothing else is in it
                args.workdir.rmdir()
    verdicts = report(args, runs, method_note)
    payload = {
        **facts,
        "parameters": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in vars(args).items()
        }
        | {"n_blocks": n_blocks, "data_bytes": files.nbytes, "dask_workers": workers},
        "cap": {
            "method": method,
            "note": method_note,
            "caveat": RLIMIT_CAVEAT if method == "rlimit" else None,
            "child_env": CHILD_ENV,
        },
        "data_generation_seconds": gen_seconds if generated else None,
        "runs": [
            {k: v for k, v in r.items() if k != "log_tail" or r["outcome"] != "ok"}
            for r in runs
        ],
        **verdicts,
    }
    path = write_json(args.output, payload)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
