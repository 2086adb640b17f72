"""Deterministic tokens for estimators.

Two estimators that would do the same work get the same token: the token is a
hash of the class and of ``get_params(deep=False)``, with estimator-valued
parameters tokenized the same way, recursively. Searches key their shared work
(a pipeline prefix fit on one fold) on these tokens, so equal work is done once.

A value dask cannot tokenize deterministically (a stateful ``RandomState``, an
arbitrary object) gets a token of its own, unique to this call: the work it
takes part in is then never shared, which is always safe. Equal tokens for
different work would be a correctness bug; different tokens for equal work only
cost time.

CV splitters need no token: a search turns ``cv`` into index arrays once, before
any task exists, so a fold is named by its place in that one run.
"""

from __future__ import annotations

import uuid
from typing import Any

import dask
import numpy as np
from dask.base import tokenize

from scalearn.utils._sklearn_compat import transform_output


def _is_estimator(value: Any) -> bool:
    return hasattr(value, "get_params") and not isinstance(value, type)


def normalize_value(value: Any) -> Any:
    """A deterministic description of a parameter value (see the module doc)."""
    if _is_estimator(value):
        return normalize_estimator(value)
    if isinstance(value, np.random.RandomState):
        # Its draws depend on its state, which fits advance: never shared.
        return ("unshared", uuid.uuid4().hex)
    if isinstance(value, list | tuple):
        return (type(value).__name__, [normalize_value(item) for item in value])
    if isinstance(value, dict):
        return ("dict", sorted((str(k), normalize_value(v)) for k, v in value.items()))
    try:
        with dask.config.set({"tokenize.ensure-deterministic": True}):
            return tokenize(value)
    except Exception:  # dask cannot tell equal values of this type apart
        return ("unshared", uuid.uuid4().hex)


def normalize_estimator(estimator: Any) -> tuple:
    """A hashable description of ``estimator``'s class and parameters."""
    cls = type(estimator)
    params = estimator.get_params(deep=False)
    return (
        f"{cls.__module__}.{cls.__qualname__}",
        sorted((name, normalize_value(value)) for name, value in params.items()),
        # set_output is stored outside the parameters but changes the output.
        transform_output(estimator),
    )


def tokenize_estimator(estimator: Any, *extra: Any) -> str:
    """Token of ``estimator`` (class and parameters), combined with ``extra``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> a = tokenize_estimator(LogisticRegression(C=1.0))
    >>> a == tokenize_estimator(LogisticRegression(C=1.0))
    True
    >>> a == tokenize_estimator(LogisticRegression(C=2.0))
    False
    """
    extras = [normalize_value(item) for item in extra]
    return tokenize(normalize_estimator(estimator), *extras)
