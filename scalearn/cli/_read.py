"""The inputs of ``scalearn predict``: files found from paths and globs, read lazily.

Parquet gives a partition per file; CSV a partition per block of about
``blocksize`` bytes, cut at line ends (compressed CSV: a partition per file).
Each partition is read by a pure pandas kernel that turns any failure into an
:class:`InputFileError` naming the file and, for CSV, the line, with the fix.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow.parquet as pq
from fsspec.core import url_to_fs
from fsspec.utils import infer_compression, read_block

CSV = "csv"
PARQUET = "parquet"
FORMATS = ("auto", CSV, PARQUET)
_SUFFIXES = {
    ".csv": CSV,
    ".csv.gz": CSV,
    ".csv.bz2": CSV,
    ".csv.xz": CSV,
    ".parquet": PARQUET,
    ".parq": PARQUET,
    ".pq": PARQUET,
}
_GLOB_CHARS = set("*?[")
#: CSV blocks when ``--blocksize`` is not given: small enough for a few to fit
#: in a worker's memory as pandas frames, large enough to keep tasks few.
DEFAULT_BLOCKSIZE = 64 * 2**20
#: Bytes of the first CSV file read to find its columns and their types.
CSV_SAMPLE = 256 * 2**10
_PANDAS_LINE = re.compile(r"\b(line|row) (\d+)")


class InputError(ValueError):
    """Inputs, options or an output that ``scalearn predict`` cannot work with."""


class InputFileError(ValueError):
    """An input file that cannot be read as the format it claims."""


@dataclass(frozen=True)
class Inputs:
    """The input files, found from the command line's paths and patterns.

    Attributes
    ----------
    fs : fsspec.AbstractFileSystem
        The one file system they are all on.
    paths : tuple of str
        Their paths on ``fs``, in order.
    format : str
        ``"csv"`` or ``"parquet"``.
    """

    fs: Any
    paths: tuple[str, ...]
    format: str

    def urls(self) -> list[str]:
        return [self.fs.unstrip_protocol(path) for path in self.paths]


def _format_of(path: str) -> str | None:
    lowered = path.lower()
    for suffix, kind in _SUFFIXES.items():
        if lowered.endswith(suffix):
            return kind
    return None


def find_inputs(patterns: Sequence[str], fmt: str = "auto") -> Inputs:
    """Expand paths, directories and globs into the input files, in order.

    A directory stands for the CSV or parquet files under it. All the files
    must be on one file system and in one format.

    Raises
    ------
    InputError
        Nothing matches a pattern, or the files mix formats or file systems.
    """
    fs = None
    paths: list[str] = []
    for pattern in patterns:
        pattern_fs, root = url_to_fs(pattern)
        if fs is None:
            fs = pattern_fs
        elif type(pattern_fs) is not type(fs):
            raise InputError(
                f"the inputs are on several file systems ({pattern!r} is not on "
                f"the first one's, {fs.protocol!r}). Score them in separate runs."
            )
        found = _expand(pattern_fs, root)
        if not found:
            raise InputError(
                f"no input file matches {pattern!r}. Check the path; a directory "
                "must hold .csv or .parquet files."
            )
        paths += [p for p in found if p not in paths]
    kinds = {_format_of(path) for path in paths}
    if fmt == "auto":
        if None in kinds or len(kinds) != 1:
            raise InputError(
                "cannot tell the inputs' format from their names "
                f"({sorted(kinds, key=str)} among {paths[:5]}). Pass --format csv "
                "or --format parquet, and score one format per run."
            )
        fmt = kinds.pop()
    return Inputs(fs, tuple(paths), fmt)


def _expand(fs: Any, root: str) -> list[str]:
    if _GLOB_CHARS & set(root):
        return sorted(p for p in fs.glob(root) if fs.isfile(p))
    if fs.isdir(root):
        return sorted(p for p in fs.find(root) if _format_of(p) is not None)
    return [root] if fs.exists(root) else []


def read_inputs(
    inputs: Inputs, columns: list[str] | None, blocksize: int | None = None
) -> dd.DataFrame:
    """The inputs as a lazy dask DataFrame of ``columns`` (all when None).

    Parameters
    ----------
    inputs : Inputs
    columns : list of str or None
    blocksize : int or None
        CSV only: bytes per partition (``DEFAULT_BLOCKSIZE`` when None; 0 for
        a partition per file).
    """
    if inputs.format == CSV:
        return _read_csv(inputs, columns, blocksize)
    meta = _parquet_meta(inputs.fs, inputs.paths[0], columns)
    return dd.from_map(
        _read_parquet_file,
        list(inputs.paths),
        fs=inputs.fs,
        columns=columns,
        meta=meta,
        enforce_metadata=False,
        label="read-parquet",
    )


# --- parquet ------------------------------------------------------------------


def _parquet_meta(fs: Any, path: str, columns: list[str] | None) -> pd.DataFrame:
    try:
        with fs.open(path, "rb") as f:
            empty = pq.ParquetFile(f).schema_arrow.empty_table().to_pandas()
    except Exception as exc:
        raise _unreadable_parquet(fs, path, exc) from exc
    return empty if columns is None else empty[columns]


def _unreadable_parquet(fs: Any, path: str, exc: Exception) -> InputFileError:
    return InputFileError(
        f"cannot read the input {fs.unstrip_protocol(path)!r} as parquet "
        f"({type(exc).__name__}: {exc}). The file is corrupt, truncated or not "
        "parquet, or lacks columns the first input file has: write it again, or "
        "leave it out of the inputs."
    )


def _read_parquet_file(path: str, fs: Any, columns: list[str] | None) -> pd.DataFrame:
    """Read one parquet file; the per-partition kernel for parquet inputs."""
    try:
        frame = pd.read_parquet(path, columns=columns, filesystem=fs)
    except Exception as exc:
        raise _unreadable_parquet(fs, path, exc) from exc
    return frame


# --- CSV ----------------------------------------------------------------------


@dataclass(frozen=True)
class CsvBlock:
    """A part of a CSV file: from the first line end at or after ``offset``
    (the file's start when 0) to the first one at or after ``offset + length``
    (the file's end when ``length`` is None)."""

    path: str
    offset: int
    length: int | None


def csv_blocks(fs: Any, path: str, blocksize: int) -> list[CsvBlock]:
    """Cut one CSV file into blocks of about ``blocksize`` bytes.

    A compressed file, or ``blocksize`` 0, gives one block.
    """
    if not blocksize or infer_compression(path) is not None:
        return [CsvBlock(path, 0, None)]
    size = fs.size(path)
    offsets = range(0, max(size, 1), blocksize)
    return [CsvBlock(path, offset, blocksize) for offset in offsets]


def _read_csv(
    inputs: Inputs, columns: list[str] | None, blocksize: int | None
) -> dd.DataFrame:
    fs, first = inputs.fs, inputs.paths[0]
    meta = _csv_meta(fs, first)
    blocks = [
        block
        for path in inputs.paths
        for block in csv_blocks(
            fs, path, DEFAULT_BLOCKSIZE if blocksize is None else blocksize
        )
    ]
    return dd.from_map(
        read_csv_block,
        blocks,
        fs=inputs.fs,
        template=meta,
        columns=columns,
        meta=meta if columns is None else meta[columns],
        enforce_metadata=False,
        label="read-csv",
    )


def _csv_meta(fs: Any, path: str) -> pd.DataFrame:
    """The columns and types of the CSV files, from the start of the first."""
    try:
        with fs.open(path, "rb", compression=infer_compression(path)) as f:
            sample = read_block(f, 0, CSV_SAMPLE, delimiter=b"\n")
        return pd.read_csv(io.BytesIO(sample)).iloc[:0]
    except Exception as exc:
        raise _unreadable_csv(fs, CsvBlock(path, 0, CSV_SAMPLE), b"", exc) from exc


def read_csv_block(
    block: CsvBlock, fs: Any, template: pd.DataFrame, columns: list[str] | None
) -> pd.DataFrame:
    """Parse one block of a CSV file; the per-partition kernel for CSV inputs.

    Every file starts with a header that must name ``template``'s columns
    (an empty frame, from the first file); the values take its types.
    """
    data = b""
    try:
        with fs.open(block.path, "rb", compression=infer_compression(block.path)) as f:
            data = read_block(f, block.offset, block.length, delimiter=b"\n")
        first = block.offset == 0
        if not first and not data.strip():
            frame = template.iloc[:0]
        else:
            frame = pd.read_csv(
                io.BytesIO(data),
                header=0 if first else None,
                names=None if first else list(template.columns),
                dtype=template.dtypes.to_dict(),
            )
            if first and list(frame.columns) != list(template.columns):
                raise ValueError(
                    f"its header names the columns {list(frame.columns)}; the "
                    f"first input file's names {list(template.columns)}"
                )
    except Exception as exc:
        raise _unreadable_csv(fs, block, data, exc) from exc
    return frame if columns is None else frame[columns]


def _unreadable_csv(
    fs: Any, block: CsvBlock, data: bytes, exc: Exception
) -> InputFileError:
    where = _lines(fs, block, data, str(exc))
    return InputFileError(
        f"cannot read the input {fs.unstrip_protocol(block.path)!r} as CSV{where} "
        f"({type(exc).__name__}: {exc}). Fix that line (a value that does not fit "
        "its column's type, a wrong number of fields, an unclosed quote), or "
        "leave the file out of the inputs; then run again with --resume to keep "
        "the partitions already written."
    )


def _lines(fs: Any, block: CsvBlock, data: bytes, message: str) -> str:
    """Where in the file the error is: ``" at line N"`` when pandas says, else
    the block's lines; empty when unknown."""
    try:
        before = _lines_before(fs, block)
    except Exception:  # the file cannot be read at all: the error says so
        return ""
    found = _PANDAS_LINE.search(message)
    if found is not None:
        number = int(found.group(2)) + (found.group(1) == "row")
        return f" at line {before + number:,}"
    if not data:
        return ""
    last = before + data.count(b"\n") + (not data.endswith(b"\n"))
    return f" in lines {before + 1:,} to {last:,}"


def _lines_before(fs: Any, block: CsvBlock) -> int:
    """Lines of the file before ``block`` (read only on an error)."""
    if block.offset == 0:
        return 0
    with fs.open(block.path, "rb") as f:
        head = f.read(block.offset)
    # The block starts after the first line end at or after its offset.
    return head.count(b"\n") + 1
