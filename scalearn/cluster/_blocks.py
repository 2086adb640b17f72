"""Per-block kernels of k-means: pure numpy functions of one row block.

Nothing here knows about dask. Each function takes one block of rows (a numpy
array or a pandas DataFrame), the current centers and, where rows are weighted,
the block's sample weights, and returns small numpy results that the caller
merges across blocks. Distances are squared Euclidean distances, computed as
``||x||^2 - 2 x.c + ||c||^2`` on slices of ``STEP_ROWS`` rows, so that the
distance matrix of a slice stays in the CPU cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scalearn.utils import _moments

STEP_ROWS = 8_192


def as_float(block: Any, dtype: Any) -> np.ndarray:
    """The block as a C-ordered float array of ``dtype`` (no copy when it is one)."""
    values = block.to_numpy() if hasattr(block, "to_numpy") else block
    return np.ascontiguousarray(values, dtype=dtype)


def row_weights(weights: Any, n: int) -> np.ndarray:
    """The block's sample weights as a float64 vector (ones when there are none)."""
    if weights is None:
        return np.ones(n)
    return np.asarray(weights, dtype=np.float64).reshape(-1)


def _row_slices(n: int):
    for start in range(0, n, STEP_ROWS):
        yield slice(start, min(start + STEP_ROWS, n))


def squared_distances(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared distances from each row of ``x`` to each center, shape (n, m)."""
    out = np.empty((len(x), len(centers)), dtype=np.result_type(x, centers))
    scaled = -2.0 * centers
    centers_sq = np.einsum("ij,ij->i", centers, centers)
    for rows in _row_slices(len(x)):
        part = x[rows] @ scaled.T
        part += centers_sq
        part += np.einsum("ij,ij->i", x[rows], x[rows])[:, None]
        out[rows] = part
    return np.maximum(out, 0, out=out)


def _nearest_by_slice(x: np.ndarray, centers: np.ndarray):
    """Per slice of rows: the slice, each row's nearest center and squared distance."""
    scaled = -2.0 * centers
    centers_sq = np.einsum("ij,ij->i", centers, centers)
    for rows in _row_slices(len(x)):
        part = x[rows] @ scaled.T
        part += centers_sq
        best = part.argmin(axis=1)
        closest = part[np.arange(len(best)), best]
        closest += np.einsum("ij,ij->i", x[rows], x[rows])
        yield rows, best, np.maximum(closest, 0, out=closest)


def nearest(x: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest center of each row, and the squared distance to it."""
    labels = np.empty(len(x), dtype=np.intp)
    closest = np.empty(len(x), dtype=np.float64)
    for rows, best, distance in _nearest_by_slice(x, centers):
        labels[rows], closest[rows] = best, distance
    return labels, closest


# --- Lloyd -------------------------------------------------------------------------


def lloyd_block(
    block: Any,
    weights: Any,
    centers: np.ndarray,
    with_moments: bool,
) -> dict[str, Any]:
    """One Lloyd pass over a block: what the next centers need from it.

    Returns the weighted sum of the rows of each cluster (``sums``, float64),
    the weight of each cluster (``counts``), the block's inertia, its rows
    farthest from their centers (candidates for clusters left empty) and, with
    ``with_moments``, the block's row count, feature means and sums of squared
    deviations (for scikit-learn's tolerance, relative to the data's variance),
    stacked as :func:`scalearn.utils._moments.merge_moments` takes them.
    Everything is gathered while a slice of rows is in the CPU cache.
    """
    x = as_float(block, centers.dtype)
    w = row_weights(weights, len(x))
    k, n_features = centers.shape
    labels = np.empty(len(x), dtype=np.intp)
    closest = np.empty(len(x))
    sums = np.zeros((k, n_features))
    clusters = np.arange(k)
    # Moments around the block's first row, which keeps far-off data precise.
    shift = x[0] if len(x) else np.zeros(n_features)
    first, second = np.zeros(n_features), np.zeros(n_features)
    for rows, best, distance in _nearest_by_slice(x, centers):
        labels[rows], closest[rows] = best, distance
        sums += ((best[:, None] == clusters) * w[rows, None]).T @ x[rows]
        if with_moments:
            shifted = x[rows] - shift
            first += shifted.sum(axis=0)
            second += np.einsum("ij,ij->j", shifted, shifted)
    out: dict[str, Any] = {
        "sums": sums,
        "counts": np.bincount(labels, weights=w, minlength=k),
        "inertia": float(closest @ w),
    }
    far = np.argpartition(closest, -k)[-k:] if len(x) > k else np.arange(len(x))
    out["far_rows"], out["far_distances"] = x[far], closest[far]
    if with_moments:
        n = max(len(x), 1)
        count = np.full(n_features, float(len(x)))
        out["moments"] = np.stack([count, shift + first / n, second - first**2 / n])
    return out


def merge_moments(parts: list[np.ndarray]) -> np.ndarray:
    """Per-feature variance of all rows from the blocks' ``moments``.

    Raises when they are not finite: X held NaN or infinity.
    """
    count, _, m2 = _moments.merge_moments(np.concatenate(parts))
    if not np.isfinite(m2).all():
        raise ValueError(
            "KMeans.fit: X contains NaN or infinity. Remove or impute those "
            "values (for example with SimpleImputer) before clustering."
        )
    return m2 / count


def inertia_block(block: Any, weights: Any, centers: np.ndarray) -> float:
    """Weighted sum of squared distances of the block's rows to their centers."""
    x = as_float(block, centers.dtype)
    _, closest = nearest(x, centers)
    return float(closest @ row_weights(weights, len(x)))


def predict_block(block: Any, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest center of each row of the block."""
    return nearest(as_float(block, centers.dtype), centers)[0].astype(np.int32)


def transform_block(block: Any, centers: np.ndarray) -> np.ndarray:
    """Euclidean (not squared) distance from each row to each center."""
    x = as_float(block, centers.dtype)
    return np.sqrt(squared_distances(x, centers))


# --- sampling rows -------------------------------------------------------------------


def smallest_keys(
    block: Any, weights: Any, m: int, seed: int, dtype: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The ``m`` rows of the block with the smallest random keys, and the keys.

    A row's key is exponential with rate equal to its weight, so the rows with
    the smallest keys over all blocks are a weighted sample without replacement
    (uniform when unweighted), whatever the blocks.
    """
    x = as_float(block, dtype)
    w = row_weights(weights, len(x))
    with np.errstate(divide="ignore"):
        keys = np.random.default_rng(seed).exponential(size=len(x)) / w
    keep = np.argpartition(keys, m)[:m] if len(keys) > m else np.arange(len(keys))
    return keys[keep], x[keep]


def merge_smallest(parts: list[tuple[np.ndarray, np.ndarray]], m: int) -> np.ndarray:
    """The ``m`` rows with the smallest keys over all blocks."""
    keys = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    return rows[np.argsort(keys)[:m]]


# --- k-means|| (Bahmani et al., 2012) ------------------------------------------------


def closest_update(
    block: Any, dtype: Any, state: Any, candidates: np.ndarray, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Squared distance of each row to its nearest candidate, and that candidate.

    ``state`` holds the answer for ``candidates[:start]`` (None at first); only
    the candidates from ``start`` on are measured.
    """
    if state is not None and start == len(candidates):
        return state  # the last round drew nothing
    x = as_float(block, dtype)
    labels, closest = nearest(x, candidates[start:])
    labels += start
    if state is None:
        return closest, labels
    old_closest, old_labels = state
    better = closest < old_closest
    return np.where(better, closest, old_closest), np.where(better, labels, old_labels)


def weighted_cost(state: tuple[np.ndarray, np.ndarray], weights: Any) -> float:
    closest = state[0]
    return float(closest @ row_weights(weights, len(closest)))


def oversample(
    block: Any,
    dtype: Any,
    weights: Any,
    state: tuple[np.ndarray, np.ndarray],
    total_cost: float,
    expected: float,
    seed: int,
) -> np.ndarray:
    """Rows drawn independently, each with probability ``expected`` x its share
    of the total cost (capped at 1): one round of k-means||."""
    x = as_float(block, dtype)
    if total_cost <= 0:
        return x[:0]
    share = state[0] * row_weights(weights, len(x)) / total_cost
    keep = np.random.default_rng(seed).random(len(x)) < expected * share
    return x[keep]


def append_candidates(
    candidates: np.ndarray, drawn: list[np.ndarray]
) -> tuple[np.ndarray, int]:
    """All candidates so far, and where the new ones start."""
    return np.concatenate([candidates, *drawn]), len(candidates)


def candidate_weights(
    state: tuple[np.ndarray, np.ndarray], weights: Any, n_candidates: int
) -> np.ndarray:
    """Weight of the rows nearest each candidate."""
    labels = state[1]
    return np.bincount(
        labels, weights=row_weights(weights, len(labels)), minlength=n_candidates
    )


# --- k-means++ with greedy local trials (Arthur and Vassilvitskii, 2007) ------------


def draw_trials(
    block: Any,
    dtype: Any,
    weights: Any,
    closest: np.ndarray,
    n_trials: int,
    seed: int,
) -> tuple[float, np.ndarray]:
    """The block's cost and ``n_trials`` rows drawn with probability ∝ cost."""
    x = as_float(block, dtype)
    cost = closest * row_weights(weights, len(x))
    total = float(cost.sum())
    if total <= 0:
        return 0.0, np.repeat(x[:1], n_trials, axis=0)
    cumulative = np.cumsum(cost)
    picks = np.searchsorted(
        cumulative, np.random.default_rng(seed).random(n_trials) * cumulative[-1]
    )
    return total, x[np.minimum(picks, len(x) - 1)]


def choose_trials(parts: list[tuple[float, np.ndarray]], seed: int) -> np.ndarray:
    """Trial ``t`` comes from block ``b`` with probability ∝ the block's cost.

    Each block drew its trials with probability ∝ cost within the block, so the
    result is a draw with probability ∝ cost over all rows.
    """
    costs = np.array([p[0] for p in parts])
    n_trials = len(parts[0][1])
    rng = np.random.default_rng(seed)
    if costs.sum() <= 0:
        return parts[0][1]
    blocks = rng.choice(len(parts), size=n_trials, p=costs / costs.sum())
    return np.stack([parts[b][1][t] for t, b in enumerate(blocks)])


def trial_costs(
    block: Any, dtype: Any, weights: Any, closest: np.ndarray, trials: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each trial's cost over the block if it became a center, and the distances."""
    x = as_float(block, dtype)
    with_trial = np.minimum(squared_distances(x, trials), closest[:, None])
    return row_weights(weights, len(x)) @ with_trial, with_trial


def best_trial(trials: np.ndarray, costs: list[np.ndarray]) -> tuple[int, np.ndarray]:
    """The trial with the lowest total cost, and its row."""
    index = int(np.argmin(np.sum(costs, axis=0)))
    return index, trials[index]


def keep_trial(measured: tuple[np.ndarray, np.ndarray], best: tuple) -> np.ndarray:
    """The rows' distances to their nearest center once the best trial joined."""
    return measured[1][:, best[0]]


def first_closest(block: Any, dtype: Any, center: np.ndarray) -> np.ndarray:
    return nearest(as_float(block, dtype), center)[1]
