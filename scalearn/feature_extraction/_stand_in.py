"""Tiny in-memory twins of a vectorizer, to validate and find output types early.

A twin is scikit-learn's own class with the same parameters, except those that
would read files or call user code on a made-up document; scikit-learn then
checks the parameters (with its own messages, which name the same class) and
shows what its ``transform`` returns, without touching the data.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import scipy.sparse as sp


def sklearn_class(estimator: Any) -> type:
    """The scikit-learn class a scalearn vectorizer extends."""
    for cls in type(estimator).__mro__:
        if cls.__module__.startswith("sklearn."):
            return cls
    raise TypeError(f"{type(estimator).__name__} extends no scikit-learn class.")


def _no_terms(doc: Any) -> list:
    return []


# A stop list of one word that every tokenizer either keeps whole or drops, so
# that the twin never warns about inconsistent stop words (the real vectorizer
# checks its own list when it builds its analyzer).
_STAND_IN_STOP_WORDS = ["a"]


def twin(estimator: Any, **overrides: Any) -> Any:
    """scikit-learn's class with ``estimator``'s parameters, safe on stand-ins."""
    params = estimator.get_params(deep=False)
    if params.get("input") in ("filename", "file"):
        params["input"] = "content"
    for name in ("analyzer", "tokenizer"):
        if callable(params.get(name)):
            params[name] = _no_terms
    if callable(params.get("preprocessor")):
        params["preprocessor"] = str
    if isinstance(params.get("stop_words"), list | tuple | set | frozenset):
        params["stop_words"] = _STAND_IN_STOP_WORDS
    params.update(overrides)
    return sklearn_class(estimator)(**params)


def without_fit(estimator: Any) -> Any:
    """A shallow copy of ``estimator`` with its parameters and no fitted state.

    Shallow, so that parameters keep their identity (scikit-learn caches its
    stop-word check by the list's ``id``); cheaper than ``clone`` too.
    """
    bare = copy.copy(estimator)
    for name in [n for n in vars(bare) if n.endswith("_") or n == "_tfidf"]:
        del bare.__dict__[name]
    return bare


def empty_like_output(out: Any) -> Any:
    """A zero-row matrix of the type, dtype and width of sparse ``out``."""
    return out[:0] if sp.issparse(out) else sp.csr_matrix((0, out.shape[1]))


def zero_rows(n_features: int, dtype: Any) -> Any:
    """One all-zero CSR row of ``n_features`` columns: a stand-in count matrix."""
    return sp.csr_matrix((1, n_features), dtype=np.dtype(dtype))
