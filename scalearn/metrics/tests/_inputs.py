"""The same metric inputs as numpy, pandas, dask arrays, a dask DataFrame or a mix."""

from __future__ import annotations

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

KINDS = ["numpy", "pandas", "dask_array", "dask_frame", "mixed"]


def _frame_columns(name: str, values: np.ndarray) -> dict:
    if values.ndim == 1:
        return {name: values}
    return {f"{name}{i}": values[:, i] for i in range(values.shape[1])}


def as_kind(kind: str, *arrays: np.ndarray | None, chunk_rows: int = 97) -> list:
    """``arrays`` (same length; None stays None) in the container ``kind``.

    dask arrays get different row chunks each (the metrics must align them); a
    dask DataFrame's columns come from one frame, with unknown partition lengths;
    "mixed" gives a dask Series/DataFrame, then a dask array with other chunks,
    then numpy.
    """
    if kind == "numpy":
        return list(arrays)
    if kind == "pandas":
        return [None if a is None else _to_pandas(a) for a in arrays]
    if kind == "dask_array":
        return [
            None if a is None else da.from_array(a, chunks=chunk_rows + 13 * i)
            for i, a in enumerate(arrays)
        ]
    if kind == "dask_frame":
        columns: dict = {}
        names = []
        for i, a in enumerate(arrays):
            if a is None:
                names.append(None)
                continue
            part = _frame_columns(f"a{i}_", a)
            columns.update(part)
            names.append(list(part) if a.ndim == 2 else next(iter(part)))
        frame = dd.from_pandas(pd.DataFrame(columns), chunksize=chunk_rows)
        frame = frame.clear_divisions()
        return [None if n is None else frame[n] for n in names]
    first, *rest = arrays
    out = [dd.from_pandas(_to_pandas(first), chunksize=chunk_rows)]
    for i, a in enumerate(rest):
        if a is None:
            out.append(None)
        elif i % 2 == 0:
            out.append(da.from_array(a, chunks=chunk_rows + 31))
        else:
            out.append(a)
    return out


def _to_pandas(a: np.ndarray):
    return pd.Series(a) if a.ndim == 1 else pd.DataFrame(a)
