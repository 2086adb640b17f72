"""Exact means and variances from per-block partial moments (a tree reduction).

Shared by the scalers (:mod:`scalearn.preprocessing`) and the regression
metrics (:mod:`scalearn.metrics`).
"""

from __future__ import annotations

import numpy as np


def block_moments(
    block: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    owner: str = "StandardScaler.fit",
    fix: str = "(for example with NaN, which the scaler ignores) ",
) -> np.ndarray:
    """Per-feature (count, mean, sum of squared deviations) of one block, NaN-aware.

    Returns an array of shape (3, n_features); ``count`` is a sum of weights when
    ``weights`` (shape (n, 1)) is given. Infinite values raise an error naming
    ``owner``.
    """
    x = np.asarray(block, dtype=np.float64)
    if np.isinf(x).any():
        raise ValueError(
            f"{owner}: X contains infinity. Replace infinite values {fix}"
            "before fitting."
        )
    present = ~np.isnan(x)
    w = present if weights is None else present * np.asarray(weights, np.float64)
    count = w.sum(axis=0, dtype=np.float64)
    safe = np.where(count > 0, count, 1.0)
    mean = np.einsum("ij,ij->j", np.where(present, x, 0.0), w) / safe
    deviation = np.where(present, x - mean, 0.0)
    m2 = np.einsum("ij,ij,ij->j", deviation, deviation, w)
    return np.stack([count, mean, m2])


def merge_moments(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge per-block moments (rows of count, mean, m2 repeated) exactly.

    Uses the parallel form of Welford's update: the total sum of squared
    deviations is the sum within blocks plus the spread of the block means.
    """
    counts, means, m2s = stacked[0::3], stacked[1::3], stacked[2::3]
    count = counts.sum(axis=0)
    safe = np.where(count > 0, count, 1.0)
    mean = (counts * means).sum(axis=0) / safe
    m2 = m2s.sum(axis=0) + (counts * (means - mean) ** 2).sum(axis=0)
    return count, mean, m2
