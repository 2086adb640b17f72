"""Initial centers for k-means on dask collections, each built as one dask graph.

Every initialisation here is a chain of per-block tasks (the kernels of
``_blocks.py``) with small global steps in between, all in a single graph, so
that it costs one ``dask.compute``: the per-block distances of a round are kept
by dask until the next round has used them. ``blocks`` is a list of
``(rows, weights)`` pairs of ``Delayed`` objects, one per row block of X.
"""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
from sklearn.cluster import KMeans as SkKMeans

from scalearn.cluster import _blocks

DEFAULT_SCALABLE_ROUNDS = 5


def _task(func: Any, nout: int | None = None) -> Any:
    return dask.delayed(func, pure=True, nout=nout)


def _seeds(rng: np.random.RandomState, size: int) -> list[int]:
    return [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=size)]


def random_rows(blocks: list, m: int, rng: np.random.RandomState, dtype: Any) -> Any:
    """``m`` distinct rows drawn with probability ∝ weight, without replacement."""
    parts = [
        _task(_blocks.smallest_keys)(x, w, m, seed, dtype)
        for (x, w), seed in zip(blocks, _seeds(rng, len(blocks)), strict=True)
    ]
    return _task(_blocks.merge_smallest)(parts, m)


def scalable_init(
    blocks: list,
    n_clusters: int,
    oversampling_factor: float,
    rounds: int,
    rng: np.random.RandomState,
    dtype: Any,
) -> Any:
    """k-means|| (Bahmani et al., 2012): a ``Delayed`` array of initial centers.

    A first row is drawn at random; then, in each of ``rounds`` rounds, every
    row is drawn independently with probability ``oversampling_factor *
    n_clusters`` times its share of the current cost (the weighted squared
    distance to the nearest candidate). The candidates, weighted by the rows
    nearest to them, are then clustered in memory by scikit-learn's k-means++
    and Lloyd, which gives the ``n_clusters`` centers.
    """
    spare = random_rows(blocks, n_clusters, rng, dtype)
    candidates, start = spare[:1], 0
    states: list = [None] * len(blocks)
    expected = oversampling_factor * n_clusters
    for _ in range(rounds):
        states = [
            _task(_blocks.closest_update)(x, dtype, state, candidates, start)
            for (x, _), state in zip(blocks, states, strict=True)
        ]
        costs = [
            _task(_blocks.weighted_cost)(state, w)
            for (_, w), state in zip(blocks, states, strict=True)
        ]
        total = _task(sum)(costs)
        drawn = [
            _task(_blocks.oversample)(x, dtype, w, state, total, expected, seed)
            for (x, w), state, seed in zip(
                blocks, states, _seeds(rng, len(blocks)), strict=True
            )
        ]
        grown = _task(_blocks.append_candidates, nout=2)(candidates, drawn)
        candidates, start = grown
    states = [
        _task(_blocks.closest_update)(x, dtype, state, candidates, start)
        for (x, _), state in zip(blocks, states, strict=True)
    ]
    n_candidates = _task(len)(candidates)
    weights = _task(sum)(
        [
            _task(_blocks.candidate_weights)(state, w, n_candidates)
            for (_, w), state in zip(blocks, states, strict=True)
        ]
    )
    return _task(recluster)(candidates, weights, spare, n_clusters, _seeds(rng, 1)[0])


def recluster(
    candidates: np.ndarray,
    weights: np.ndarray,
    spare: np.ndarray,
    n_clusters: int,
    seed: int,
) -> np.ndarray:
    """``n_clusters`` centers from the weighted k-means|| candidates, in memory.

    When the rounds drew fewer candidates than clusters (tiny or nearly
    constant data), random rows of X make up the difference.
    """
    missing = n_clusters - len(candidates)
    if missing > 0:
        candidates = np.concatenate([candidates, spare[-missing:]])
        weights = np.concatenate([weights, np.ones(missing)])
    if len(candidates) == n_clusters:
        return candidates
    model = SkKMeans(n_clusters, init="k-means++", n_init=1, random_state=seed)
    return model.fit(candidates, sample_weight=weights).cluster_centers_


def plus_plus_init(
    blocks: list, n_clusters: int, rng: np.random.RandomState, dtype: Any
) -> Any:
    """k-means++ with scikit-learn's greedy local trials: a ``Delayed`` array.

    Each new center is the best, by total cost, of ``2 + log(n_clusters)`` rows
    drawn with probability ∝ cost (the weighted squared distance to the nearest
    center so far), exactly as scikit-learn chooses, but over the blocks.
    """
    n_trials = 2 + int(np.log(n_clusters))
    first = random_rows(blocks, 1, rng, dtype)
    closest = [_task(_blocks.first_closest)(x, dtype, first) for x, _ in blocks]
    centers = [first]
    for _ in range(1, n_clusters):
        drawn = [
            _task(_blocks.draw_trials)(x, dtype, w, near, n_trials, seed)
            for (x, w), near, seed in zip(
                blocks, closest, _seeds(rng, len(blocks)), strict=True
            )
        ]
        trials = _task(_blocks.choose_trials)(drawn, _seeds(rng, 1)[0])
        measured = [
            _task(_blocks.trial_costs, nout=2)(x, dtype, w, near, trials)
            for (x, w), near in zip(blocks, closest, strict=True)
        ]
        best = _task(_blocks.best_trial, nout=2)(trials, [m[0] for m in measured])
        closest = [_task(_blocks.keep_trial)(m, best) for m in measured]
        centers.append(best[1][None, :])
    return _task(np.concatenate)(centers)
