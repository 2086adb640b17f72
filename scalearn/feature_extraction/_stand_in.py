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

from scalearn.utils._sklearn_compat import TFIDF_ATTRIBUTE


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
    for name in [n for n in vars(bare) if n.endswith("_") or n == TFIDF_ATTRIBUTE]:
        del bare.__dict__[name]
    return bare


def one_count_each(n_features: int, dtype: Any) -> Any:
    """A one-row CSR count matrix holding every term once: a stand-in input that
    scikit-learn's TfidfTransformer fits (and transforms) without dividing by 0."""
    return sp.csr_matrix(
        (np.ones(n_features), np.arange(n_features), [0, n_features]),
        shape=(1, n_features),
        dtype=np.dtype(dtype),
    )
