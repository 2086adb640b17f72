"""Parallel SGD with model averaging: copies trained on disjoint blocks, averaged."""

from __future__ import annotations

import copy
import math
import os
from typing import Any

import dask
import dask.array as da
import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state, check_X_y

from scalearn.utils._containers import (
    align_y,
    is_dask,
    paired_row_blocks,
)
from scalearn.utils._executor import active_client
from scalearn.utils._progress import compute
from scalearn.utils._validation import check_has_method, check_param
from scalearn.wrappers._incremental import classes_of
from scalearn.wrappers._parallel_post_fit import ParallelPostFit

# What a linear partial_fit model learns, averaged over the copies (scikit-learn's
# SGD and passive-aggressive models keep their weights in these).
AVERAGED = (
    "coef_",
    "intercept_",
    "_standard_coef",
    "_standard_intercept",
    "_average_coef",
    "_average_intercept",
)
# Blocks per copy when in-memory data is split for the copies.
IN_MEMORY_BLOCKS_PER_MODEL = 4


def train_copy(model: Any, blocks: list, params: dict) -> tuple[Any, int]:
    """``partial_fit`` a copy of ``model`` on ``blocks`` in turn: one chain's work.

    Returns the trained copy and the number of rows it saw.
    """
    model = copy.deepcopy(model)
    n_rows = 0
    for x, y in blocks:
        y = np.asarray(y).reshape(-1)
        if len(y):
            model.partial_fit(x, y, **params)
            n_rows += len(y)
    return model, n_rows


def average_models(trained: list[tuple[Any, int]]) -> Any:
    """One model whose weights are the row-weighted mean of the copies' weights."""
    models = [m for m, n in trained if n > 0]
    weights = np.array([n for _, n in trained if n > 0], dtype=np.float64)
    weights /= weights.sum()
    merged = copy.deepcopy(models[0])
    for name in AVERAGED:
        if getattr(merged, name, None) is not None:
            values = [np.asarray(getattr(m, name)) for m in models]
            mean = np.tensordot(weights, np.stack(values), axes=1)
            setattr(merged, name, mean.astype(values[0].dtype, copy=False))
    if hasattr(merged, "t_"):
        merged.t_ = float(weights @ [m.t_ for m in models])
    return merged


def default_n_models() -> int:
    """The cores dask computes on: a cluster's threads, else this machine's."""
    client = active_client()
    if client is not None:
        workers = client.scheduler_info().get("workers", {}).values()
        return max(1, sum(w.get("nthreads", 1) for w in workers))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


class ModelAveraging(ParallelPostFit):
    """Parallel SGD with model averaging, for big data and every core.

    Each epoch, the row blocks of the data (shuffled with ``shuffle_blocks``)
    are dealt to ``n_models`` copies of the current model; every copy runs
    ``partial_fit`` over its own blocks, the copies in parallel (on dask's
    threads or a cluster's workers) within one ``dask.compute``, and their
    coefficients and intercepts are then averaged, weighted by the rows each
    saw, into the model the next epoch starts from (Zinkevich et al., 2010).
    ``scalearn.wrappers.Incremental`` runs one model over all the blocks in
    turn, so it uses one core; this uses ``n_models``. For linear models with
    ``partial_fit`` (``SGDClassifier``, ``SGDRegressor``, ``Perceptron``,
    ``PassiveAggressive*``). ``predict``, ``predict_proba`` and ``score`` work
    as in :class:`~scalearn.wrappers.ParallelPostFit` on the averaged model.

    Parameters
    ----------
    estimator : estimator with partial_fit
    max_epochs : int, default=10
        Passes over the data.
    n_models : int or None, default=None
        Copies trained in parallel; None means the cores dask computes on.
    shuffle_blocks : bool, default=True
        Deal the blocks in a new random order each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the blocks.
    scoring, predict_meta, predict_proba_meta, transform_meta
        As for :class:`~scalearn.wrappers.ParallelPostFit`.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.ensemble import ModelAveraging
    >>> X, y = make_classification(n_samples=2_000, random_state=0)
    >>> X, y = da.from_array(X, chunks=250), da.from_array(y, chunks=250)
    >>> model = ModelAveraging(SGDClassifier(random_state=0), max_epochs=5,
    ...                        n_models=2, random_state=0)
    >>> model = model.fit(X, y)
    >>> float(model.score(X, y)) > 0.9
    True
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        max_epochs: int = 10,
        n_models: int | None = None,
        shuffle_blocks: bool = True,
        random_state: Any = None,
        scoring: Any = None,
        predict_meta: Any = None,
        predict_proba_meta: Any = None,
        transform_meta: Any = None,
    ) -> None:
        super().__init__(
            estimator,
            scoring=scoring,
            predict_meta=predict_meta,
            predict_proba_meta=predict_proba_meta,
            transform_meta=transform_meta,
        )
        self.max_epochs = max_epochs
        self.n_models = n_models
        self.shuffle_blocks = shuffle_blocks
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> ModelAveraging:
        """Train ``max_epochs`` epochs: one ``dask.compute`` per epoch."""
        name = type(self).__name__
        self._check_estimator()
        check_has_method(
            name,
            self.estimator,
            "partial_fit",
            "Use a linear model with partial_fit, such as SGDClassifier.",
        )
        for param, value in (
            ("max_epochs", self.max_epochs),
            ("n_models", self.n_models or 1),
        ):
            check_param(
                name, param, value, isinstance(value, int) and value >= 1, "an int >= 1"
            )
        owner = f"{name}.fit"
        n_models = self.n_models or default_n_models()
        if not (is_dask(X) or is_dask(y)):
            X, y = self._as_blocks(X, y, n_models)
        y = align_y(X, y, owner=owner)
        params = dict(fit_params)
        if is_classifier(self.estimator) and "classes" not in params:
            params["classes"] = classes_of(y)
        blocks = paired_row_blocks(X, y, owner=owner)
        rng = check_random_state(self.random_state)
        step = dask.delayed(train_copy, pure=True, nout=2)
        model = clone(self.estimator)
        for epoch in range(self.max_epochs):
            order = (
                rng.permutation(len(blocks))
                if self.shuffle_blocks
                else np.arange(len(blocks))
            )
            shares = [s for s in np.array_split(order, n_models) if len(s)]
            chains = [step(model, [blocks[i] for i in s], params) for s in shares]
            trained = compute(*chains, desc=f"{owner}: epoch {epoch + 1}")
            model = average_models(list(trained))
        self.estimator_ = model
        self.n_models_ = len(shares)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    @staticmethod
    def _as_blocks(X: Any, y: Any, n_models: int) -> tuple[da.Array, da.Array]:
        """In-memory data, checked, as dask arrays of ``IN_MEMORY_BLOCKS_PER_MODEL``
        blocks per copy (views, without hashing the data)."""
        values, labels = check_X_y(X, y, dtype=[np.float64, np.float32])
        rows = max(1, math.ceil(len(values) / (n_models * IN_MEMORY_BLOCKS_PER_MODEL)))
        return (
            da.from_array(values, chunks=(rows, *values.shape[1:]), name=False),
            da.from_array(labels, chunks=(rows, *labels.shape[1:]), name=False),
        )
