"""Finished (candidate, fold) scores on disk, so that a killed search resumes.

A search given ``checkpoint=PATH`` writes each (candidate, fold) record to
``PATH/<run>/<record>.pkl`` as soon as it is computed, from the process that
called ``fit`` (so workers need no access to ``PATH``). ``<run>`` is a token of
everything that decides the scores (the data, the splits, the scoring, the fit
parameters, ``error_score`` and ``return_train_score``) and ``<record>`` one of
the configured candidate and the fold's place; a search started again with the
same inputs loads what is there and computes only the rest, while different
inputs never see each other's files. Writes go through a temporary file and a
rename, so a kill leaves either a whole record or none.

The files are pickles written by scalearn itself; point ``checkpoint`` only at a
directory you control.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from dask.base import tokenize

from scalearn.utils._tokenize import normalize_value, tokenize_estimator


class Checkpoint:
    """The records of one search's run under ``path``."""

    def __init__(self, path: str | os.PathLike, *inputs: Any) -> None:
        self.root = Path(path)
        self.dir = self.root / tokenize(*(normalize_value(v) for v in inputs))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.loaded = 0

    @staticmethod
    def key(estimator: Any, fold_index: int) -> str:
        return tokenize_estimator(estimator, fold_index)

    def load(self, key: str) -> Any | None:
        path = self.dir / f"{key}.pkl"
        try:
            with open(path, "rb") as f:
                record = pickle.load(f)
        except FileNotFoundError:
            return None
        except (EOFError, pickle.UnpicklingError):
            # save() renames whole files into place, so only a damaged disk
            # gets here: the record is recomputed, as if it were missing.
            return None
        self.loaded += 1
        return record

    def save(self, key: str, record: Any) -> None:
        path = self.dir / f"{key}.pkl"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(record, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
