"""Parameter checks and given centers shared by the clustering estimators."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from scalearn.utils._validation import check_param

INTEGER = (numbers.Integral, np.integer)


def check_ints(estimator: Any, lows: dict[str, int], none_ok: tuple = ()) -> None:
    """Each parameter in ``lows`` is an int at least its low (or None if allowed)."""
    owner = type(estimator).__name__
    for param, low in lows.items():
        value = getattr(estimator, param)
        allowed = param in none_ok and value is None
        ok = allowed or (
            isinstance(value, INTEGER) and not isinstance(value, bool) and value >= low
        )
        accepted = f"an int >= {low}" + (" or None" if param in none_ok else "")
        check_param(owner, param, value, ok, accepted)


def check_non_negative(estimator: Any, params: tuple[str, ...]) -> None:
    owner = type(estimator).__name__
    for param in params:
        value = getattr(estimator, param)
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        check_param(owner, param, value, ok and value >= 0, "a real number >= 0")


def check_n_init(estimator: Any) -> None:
    value = estimator.n_init
    ok = value == "auto" or (
        isinstance(value, INTEGER) and not isinstance(value, bool) and value >= 1
    )
    check_param(type(estimator).__name__, "n_init", value, ok, "'auto' or an int >= 1")


def given_centers(
    init: Any, n_clusters: int, n_features: int, dtype: Any, owner: str
) -> np.ndarray:
    """``init`` as an array of centers, checked to be one row per cluster."""
    centers = np.asarray(init, dtype=dtype)
    expected = (n_clusters, n_features)
    if centers.shape != expected:
        raise ValueError(
            f"{owner}: init has shape {centers.shape} but must have shape "
            f"{expected} (n_clusters, n_features). Pass one row per cluster with "
            "X's columns."
        )
    return centers
