"""The adaptive-search loop: train many models a little, keep the promising ones.

One generic loop (:class:`BaseIncrementalSearchCV`) trains every candidate
model with ``partial_fit`` on the blocks of the training data, scores it on a
held-out test set after each instruction, and asks a *policy* how many more
calls each model gets. The searches differ only in their policy:

- :class:`IncrementalSearchCV`: every model to ``max_iter`` (``patience`` stops
  plateaus early);
- :class:`InverseDecaySearchCV`: fewer models each round, the number falling as
  ``1 / rounds ** decay_rate``;
- :class:`~._successive_halving.SuccessiveHalvingSearchCV` and
  :class:`~._hyperband.HyperbandSearchCV`: rungs of successive halving, in
  lockstep or asynchronously (ASHA).

A policy answers two questions (:class:`Policy`): how many calls a new model
gets, and, whenever a model finishes its instruction, how many more calls the
*idle* models get (0 stops a model; a model left out waits for the next
decision). A policy that needs whole rounds simply waits until none of its
models is running, so synchronous and asynchronous policies share the loop.

The work runs through futures: on the threads of this machine, or on a
distributed Client when one is active (the training blocks and test set are
then computed on the cluster once, and each model lives on a worker). With the
same ``random_state`` the synchronous policies give the same models and
scores on any scheduler; ASHA decides as results arrive, so its choices can
depend on timing.
"""

from __future__ import annotations

import numbers
import os
import sys
import threading
import time
import uuid
from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dask
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from scalearn.metrics import check_scoring
from scalearn.model_selection._best import DelegateToBest
from scalearn.model_selection._search import _param_columns, _rank
from scalearn.model_selection._split import train_test_split
from scalearn.utils._containers import (
    is_dask,
    n_blocks,
    n_rows,
    paired_row_blocks,
    take_rows,
    to_row_blocks,
)
from scalearn.utils._executor import active_client, get_task_pool, to_cluster
from scalearn.utils._progress import progress_bar
from scalearn.utils._tokenize import tokenize_estimator
from scalearn.utils._validation import param_error

RESOURCES = ("partial_fit_calls", "n_samples")


# -- policies ----------------------------------------------------------------------
class Policy(metaclass=ABCMeta):
    """Decides how many more ``partial_fit`` calls each model gets.

    ``info`` maps every model id to its records (dicts with ``score`` and
    ``partial_fit_calls``, oldest first); ``idle`` holds the models that finished
    their last instruction and wait; ``running`` those still training.
    """

    @abstractmethod
    def initial(self, ident: Any) -> int:
        """The calls a model gets before its first score."""

    @abstractmethod
    def decide(self, info: dict, idle: set, running: set) -> dict[Any, int]:
        """More calls for some idle models (0 stops one; absent ones wait)."""


def last_score(records: list[dict]) -> float:
    score = records[-1]["score"]
    return -np.inf if score is None or np.isnan(score) else float(score)


def top_models(info: dict, idents: set, k: int) -> list:
    """The ``k`` best of ``idents`` by last score; ties go to the earlier id."""
    ranked = sorted(idents, key=lambda i: (-last_score(info[i]), _order_key(i)))
    return ranked[: max(k, 0)]


def _order_key(ident: Any) -> tuple:
    return (0, ident, "") if isinstance(ident, numbers.Integral) else (1, 0, str(ident))


class _EveryModel(Policy):
    """Each model gets ``step`` more calls after every score, until ``max_iter``."""

    def __init__(self, step: int) -> None:
        self.step = step

    def initial(self, ident: Any) -> int:
        return self.step

    def decide(self, info: dict, idle: set, running: set) -> dict[Any, int]:
        return dict.fromkeys(idle, self.step)


class _InverseDecay(Policy):
    """After round ``t``, the best ``n / (t + 1) ** decay_rate`` models go on."""

    def __init__(self, n_models: int, step: int, decay_rate: float) -> None:
        self.n_models, self.step, self.decay_rate = n_models, step, decay_rate
        self.rounds = 0

    def initial(self, ident: Any) -> int:
        return self.step

    def decide(self, info: dict, idle: set, running: set) -> dict[Any, int]:
        if running or not idle:
            return {}
        self.rounds += 1
        keep = max(1, int(self.n_models / (self.rounds + 1) ** self.decay_rate))
        kept = set(top_models(info, idle, keep))
        return {i: self.step if i in kept else 0 for i in idle}


# -- the data a search trains and scores on --------------------------------------------
@dataclass
class _Data:
    """Training blocks and the held-out set, where the work runs (here or futures)."""

    blocks: list  # [(X_block, y_block)] in the order calls visit them
    X_test: Any
    y_test: Any
    n_train: int
    train_X: Any = None  # the lazy training set (n_samples mode)
    train_y: Any = None
    seed: int = 0
    samples: dict = field(default_factory=dict)


def _concat_rows(parts: list) -> Any:
    first = parts[0]
    if first is None:
        return None
    if isinstance(first, pd.DataFrame | pd.Series):
        return pd.concat(parts)
    if sp.issparse(first):
        return sp.vstack(parts, format="csr")
    return np.concatenate([np.asarray(p) for p in parts])


def _rows_below(X: Any, y: Any, fraction: float, seed: int, block: int) -> tuple:
    """The rows of one block whose uniform key is below ``fraction``.

    Keys depend only on (seed, block, row), so a larger fraction keeps a superset
    of the rows of a smaller one: each rung's sample contains the previous one.
    """
    keys = np.random.default_rng([seed, block]).random(int(n_rows(X)))
    keep = np.flatnonzero(keys < fraction)
    return take_rows(X, keep), None if y is None else take_rows(y, keep)


def _sample(blocks: list, fraction: float, seed: int) -> tuple:
    parts = [_rows_below(X, y, fraction, seed, i) for i, (X, y) in enumerate(blocks)]
    return _concat_rows([p[0] for p in parts]), _concat_rows([p[1] for p in parts])


# -- the work, as plain functions run on threads or workers ---------------------
def _score(model: Any, X_test: Any, y_test: Any, scorer: Any) -> tuple[float, float]:
    start = time.perf_counter()
    score = scorer(model, X_test) if y_test is None else scorer(model, X_test, y_test)
    return float(score), time.perf_counter() - start


def _partial_fit_and_score(
    model: Any, blocks: list, X_test: Any, y_test: Any, scorer: Any, fit_params: dict
) -> tuple[Any, dict]:
    start = time.perf_counter()
    for X_block, y_block in blocks:
        model.partial_fit(X_block, y_block, **fit_params)
    fit_time = time.perf_counter() - start
    score, score_time = _score(model, X_test, y_test, scorer)
    return model, {
        "partial_fit_time": fit_time,
        "score": score,
        "score_time": score_time,
    }


def _fit_prefix(prefix: Any, sample: tuple) -> tuple[Any, Any]:
    """A pipeline's steps but the last, fit on ``sample``; the transformed rows."""
    X, y = sample
    fitted = clone(prefix)
    return fitted, fitted.fit_transform(X, y)


class _PrefixMemo:
    """Pipeline prefixes fit once per (parameters, sample) by a search's threads.

    The first thread to need a prefix fits it; the others wait for it (it is
    running, so waiting cannot deadlock the pool).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict = {}
        self.fits = 0
        self.nonce = uuid.uuid4().hex

    def get(self, key: str, prefix: Any, sample: tuple) -> tuple[Any, Any]:
        with self._lock:
            entry = self._entries.setdefault(key, [threading.Lock(), None])
        with entry[0]:
            if entry[1] is None:
                entry[1] = _fit_prefix(prefix, sample)
                with self._lock:
                    self.fits += 1
        return entry[1]


@dataclass
class _SharedPrefix:
    """A handle on a memoized prefix (local threads)."""

    memo: _PrefixMemo
    key: str
    prefix: Any

    def value(self, sample: tuple) -> tuple[Any, Any]:
        return self.memo.get(self.key, self.prefix, sample)


def _fit_and_score(
    model: Any,
    sample: tuple,
    X_test: Any,
    y_test: Any,
    scorer: Any,
    fit_params: dict,
    shared: Any = None,
) -> tuple[Any, dict]:
    """Fit ``model`` from scratch on ``sample``, reusing a shared fitted prefix.

    ``shared`` is None, a :class:`_SharedPrefix`, or the ``(fitted prefix,
    transformed rows)`` a cluster task computed once for every candidate that
    has this prefix.
    """
    X, y = sample
    start = time.perf_counter()
    if shared is None:
        model = clone(model).fit(X, y, **fit_params)
    else:
        if isinstance(shared, _SharedPrefix):
            shared = shared.value(sample)
        prefix, Xt = shared
        name, final = model.steps[-1]
        final = clone(final).fit(Xt, y)
        model = clone(model).set_params(steps=[*prefix.steps, (name, final)])
    fit_time = time.perf_counter() - start
    score, score_time = _score(model, X_test, y_test, scorer)
    return model, {
        "partial_fit_time": fit_time,
        "score": score,
        "score_time": score_time,
        "n_samples": int(n_rows(X)),
    }


# -- the base class ----------------------------------------------------------------
class BaseIncrementalSearchCV(
    DelegateToBest, MetaEstimatorMixin, BaseEstimator, metaclass=ABCMeta
):
    """The loop every adaptive search shares; subclasses provide a policy.

    Subclasses define :meth:`_make_policy` (and may override
    :meth:`_candidates`, :meth:`_budget` and :meth:`_finish`).
    """

    # -- what subclasses provide --------------------------------------------------
    @abstractmethod
    def _make_policy(self, idents: list) -> Policy:
        """A fresh policy for the models ``idents``."""

    def _candidates(self) -> dict[Any, dict]:
        """Model id -> parameters: the grid, or a sample of the distributions."""
        if isinstance(self.n_initial_parameters, str):
            return dict(enumerate(ParameterGrid(self.parameters)))
        sampler = ParameterSampler(
            self.parameters, self.n_initial_parameters, random_state=self.random_state
        )
        return dict(enumerate(sampler))

    def _budget(self, n_models: int) -> int | None:
        """The most resource units the search can spend (for the progress bar)."""
        return None if self.max_iter is None else n_models * int(self.max_iter)

    def _resource_total(self) -> int | None:
        """Units that mean the whole training set in ``resource='n_samples'``."""
        return self.max_iter

    def _patience(self) -> int | None:
        if self.patience is False or self.patience is None or self.patience == 0:
            return None
        if self.patience is True or not isinstance(self.patience, numbers.Integral):
            raise param_error(
                self._owner,
                "patience",
                self.patience,
                "False or an int >= 2",
                "pass the number of partial_fit calls without an improvement of "
                "tol after which a model stops, e.g. patience=5",
            )
        if self.patience < 2:
            raise param_error(
                self._owner,
                "patience",
                self.patience,
                "False or an int >= 2",
                "a patience of 1 would detect a plateau after every call; pass 2 "
                "or more",
            )
        return int(self.patience)

    def _finish(self, models: dict, info: dict, candidates: dict) -> None:
        """Hook run after the loop (Hyperband adds its metadata)."""

    # -- scikit-learn conventions -------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "cv_results_")

    def _check_refit(self, method: str) -> None:
        check_is_fitted(self)

    def _refit_scorer(self) -> Any:
        return self.scorer_

    def _view(self) -> Any:
        from scalearn.wrappers import ParallelPostFit

        view = ParallelPostFit(
            self.best_estimator_,
            predict_meta=self.predict_meta,
            predict_proba_meta=self.predict_proba_meta,
            transform_meta=self.transform_meta,
        )
        view.estimator_ = self.best_estimator_
        return view

    @property
    def _resource(self) -> str:
        return getattr(self, "resource", "partial_fit_calls")

    # -- validation --------------------------------------------------------------
    def _check_params(self) -> None:
        owner = self._owner
        resource = self._resource
        if resource not in RESOURCES:
            raise param_error(
                owner,
                "resource",
                resource,
                f"one of {list(RESOURCES)}",
                "use 'partial_fit_calls' to train with partial_fit on blocks, or "
                "'n_samples' to fit on growing samples",
            )
        method = "partial_fit" if resource == "partial_fit_calls" else "fit"
        if not hasattr(self.estimator, method):
            fix = (
                "wrap a model without partial_fit in resource='n_samples' mode, or "
                "choose an estimator with partial_fit (SGDClassifier, "
                "MiniBatchKMeans, MultinomialNB...)"
                if method == "partial_fit"
                else "pass a scikit-learn estimator"
            )
            raise param_error(
                owner, "estimator", self.estimator, f"an estimator with {method}", fix
            )
        if not isinstance(self.parameters, Mapping | list) or not self.parameters:
            raise param_error(
                owner,
                "parameters",
                self.parameters,
                "a non-empty dict (or list of dicts) of parameter names to lists or "
                "scipy.stats distributions",
                "pass e.g. {'alpha': scipy.stats.loguniform(1e-5, 1e-1)}",
            )
        if self.max_iter is not None and not (
            isinstance(self.max_iter, numbers.Integral) and self.max_iter >= 1
        ):
            raise param_error(
                owner,
                "max_iter",
                self.max_iter,
                "an int >= 1",
                "pass the most partial_fit calls one model may get",
            )
        if resource == "n_samples" and self._resource_total() is None:
            raise param_error(
                owner,
                "max_iter",
                self.max_iter,
                "an int >= 1 in resource='n_samples' mode",
                "pass max_iter: a model at max_iter units is fit on the whole "
                "training set, at k units on k / max_iter of it",
            )
        if not (isinstance(self.tol, numbers.Real) and self.tol >= 0):
            raise param_error(
                owner, "tol", self.tol, "a number >= 0", "pass e.g. tol=1e-3"
            )
        if isinstance(self.scoring, list | tuple | set | dict):
            raise param_error(
                owner,
                "scoring",
                self.scoring,
                "one metric (a string, a callable or None)",
                "adaptive searches choose models by one score; pass one metric",
            )
        test_size = self.test_size
        if test_size is not None and not (
            isinstance(test_size, numbers.Real) and 0 < test_size < 1
        ):
            raise param_error(
                owner,
                "test_size",
                test_size,
                "a float in (0, 1) or None",
                "pass the fraction of rows held out for scoring, e.g. 0.2",
            )
        self._patience()

    # -- fit ------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **fit_params: Any):
        """Train and score the candidate models adaptively; keep the best.

        Parameters
        ----------
        X : array-like, DataFrame, dask array or dask DataFrame
            Training data. A ``test_size`` fraction of every block is held out
            for scoring (it must fit in memory); the rest is trained on block
            by block: the ``k``-th ``partial_fit`` call of every model sees the
            same block.
        y : array-like or dask collection, optional
        **fit_params
            Passed to every ``partial_fit`` call (``classes=`` for instance),
            or to ``fit`` with ``resource='n_samples'``.

        Returns
        -------
        self
        """
        self._check_params()
        try:
            candidates = self._candidates()
        except ValueError as exc:  # scikit-learn's checks of the space
            raise param_error(
                self._owner,
                "parameters",
                self.parameters,
                "a parameter space with at least one candidate",
                f"{exc}.",
            ) from exc
        if not candidates:
            raise param_error(
                self._owner,
                "parameters",
                self.parameters,
                "a parameter space with at least one candidate",
                "check the lists in parameters (one is empty?)",
            )
        scorer = check_scoring(self.estimator, scoring=self.scoring)
        client = active_client()
        data = self._prepare(X, y, client)
        idents = list(candidates)
        policy = self._make_policy(idents)
        runner = get_task_pool(_n_threads(), order=_order_key)
        try:
            models, info, history = self._loop(
                runner, policy, candidates, data, scorer, fit_params, client
            )
            self._set_results(runner, models, info, history, candidates)
        finally:
            runner.close()
        self.scorer_ = scorer
        self._finish(models, info, candidates)
        return self

    def _prepare(self, X: Any, y: Any, client: Any) -> _Data:
        """Hold out the test set; compute the training blocks once (or keep lazy)."""
        owner = self._owner
        test_size = self.test_size
        if test_size is None:
            test_size = min(0.2, 1 / max(1, n_blocks(X))) if is_dask(X) else 0.2
        arrays = (X,) if y is None else (X, y)
        try:
            parts = train_test_split(
                *arrays, test_size=test_size, random_state=self.random_state
            )
        except ValueError as exc:
            raise ValueError(
                f"{owner}: cannot hold out test_size={test_size!r} of X for "
                f"scoring: {exc} Pass more rows or a different test_size."
            ) from exc
        X_train, X_test = parts[0], parts[1]
        y_train, y_test = (None, None) if y is None else (parts[2], parts[3])
        paired = paired_row_blocks(X_train, y_train, owner=owner)
        if is_dask(X_test):  # as Delayed, like the blocks: one graph, one read
            X_test = dask.delayed(_concat_rows)(to_row_blocks(X_test))
            if y_test is not None:
                y_test = dask.delayed(_concat_rows)(to_row_blocks(y_test))
        order = check_random_state(self.random_state).permutation(len(paired))
        train_blocks = [paired[i] for i in order]
        lazy = self._resource == "n_samples"
        if not lazy and self.max_iter is not None:
            # Call k of a model trains on block k (mod the number of blocks), and
            # no model gets more than max_iter calls: later blocks are never read.
            train_blocks = train_blocks[: int(self.max_iter)]
        if client is None:
            if lazy:
                X_test, y_test = dask.compute(X_test, y_test)
            else:
                train_blocks, X_test, y_test = dask.compute(
                    train_blocks, X_test, y_test
                )
        elif lazy:
            X_test, y_test = to_cluster(client, [X_test, y_test])
        else:
            # One submission: a block's training and held-out rows come from
            # one read of it (separate submissions could read each block twice).
            width = len(train_blocks[0]) if train_blocks else 0
            flat = [v for block in train_blocks for v in block]
            futures = to_cluster(client, [X_test, y_test, *flat])
            X_test, y_test = futures[:2]
            train_blocks = [
                tuple(futures[2 + i : 2 + i + width])
                for i in range(0, len(flat), width or 1)
            ]
        n_train = n_rows(X_train)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        data = _Data(train_blocks, X_test, y_test, n_train, seed=seed)
        if lazy:
            data.blocks = paired  # sampled lazily, in the data's own order
        else:
            self._check_blocks(data, client)
        return data

    def _check_blocks(self, data: _Data, client: Any) -> None:
        if client is not None:
            return
        empty = [i for i, (X, _) in enumerate(data.blocks) if n_rows(X) == 0]
        if empty or not data.blocks:
            raise ValueError(
                f"{self._owner}: after holding out the test set, {len(empty)} of "
                f"the {len(data.blocks)} training blocks have no rows, and "
                "partial_fit cannot train on an empty block. Use fewer, larger "
                "blocks (X.rechunk or X.repartition) or a smaller test_size."
            )

    def _sample_for(self, data: _Data, units: int, client: Any) -> Any:
        """The training rows for ``units`` (of ``max_iter``): computed once each."""
        total = self._resource_total()
        fraction = min(1.0, units / total)
        if fraction not in data.samples:
            sample = dask.delayed(_sample, pure=True)(data.blocks, fraction, data.seed)
            if client is None:
                value = dask.compute(sample)[0]
                if n_rows(value[0]) == 0:
                    raise ValueError(
                        f"{self._owner}: the sample for {units} of max_iter="
                        f"{total} units ({fraction:.2%} of {data.n_train} training "
                        "rows) is empty. Pass a smaller max_iter or a larger "
                        "n_initial_iter, or use more data."
                    )
                data.samples[fraction] = value
            else:
                data.samples[fraction] = client.compute(sample)
        return data.samples[fraction]

    def _shared_prefix(
        self, model: Any, sample: Any, units: int, client: Any, memo, fit_params
    ) -> Any:
        """A prefix all candidates with the same earlier steps share, or None.

        Only for a Pipeline without fit parameters: each distinct (parameters of
        every step but the last, sample) is fit once per search.
        """
        steps = getattr(model, "steps", None)
        if not isinstance(model, Pipeline) or len(steps) < 2 or fit_params:
            return None
        if steps[-1][1] in (None, "passthrough"):
            return None
        prefix = Pipeline(steps[:-1])
        key = f"scalearn-prefix-{tokenize_estimator(prefix, units, memo.nonce)}"
        if client is None:
            return _SharedPrefix(memo, key, prefix)
        return client.submit(_fit_prefix, prefix, sample, key=key)

    def _loop(self, runner, policy, candidates, data, scorer, fit_params, client):
        patience = self._patience()
        max_iter = self.max_iter
        models = {
            i: clone(self.estimator).set_params(**p) for i, p in candidates.items()
        }
        info: dict = {i: [] for i in candidates}
        history: list = []
        calls = dict.fromkeys(candidates, 0)
        remaining = dict.fromkeys(candidates, 0)
        step_of: dict = {}
        running: set = set()
        idle: set = set()
        start = time.perf_counter()
        budget = self._budget(len(candidates))
        bar = progress_bar(budget or 0, self._owner, unit="call")
        sampling = self._resource == "n_samples"
        memo = self._prefix_memo = _PrefixMemo()

        def launch(ident: Any, n: int) -> None:
            if max_iter is not None:
                n = min(n, max_iter - calls[ident])
            if n <= 0:
                return
            remaining[ident] = n
            step = n if patience is None or sampling else min(n, patience)
            step_of[ident] = step
            if sampling:
                units = calls[ident] + step
                sample = self._sample_for(data, units, client)
                shared = self._shared_prefix(
                    models[ident], sample, units, client, memo, fit_params
                )
                work = (_fit_and_score, models[ident], sample)
                extra = (shared,)
            else:
                first = calls[ident]
                blocks = [
                    data.blocks[c % len(data.blocks)]
                    for c in range(first, first + step)
                ]
                work = (_partial_fit_and_score, models[ident], blocks)
                extra = ()
            runner.submit(
                ident, *work, data.X_test, data.y_test, scorer, fit_params, *extra
            )
            running.add(ident)

        for ident in candidates:
            launch(ident, policy.initial(ident))
        while running:
            ident, model, record = runner.next_done()
            running.discard(ident)
            models[ident] = model
            step = step_of[ident]
            calls[ident] += step
            remaining[ident] -= step
            record = {
                "model_id": ident,
                "params": candidates[ident],
                "partial_fit_calls": calls[ident],
                **record,
                "elapsed_wall_time": time.perf_counter() - start,
            }
            info[ident].append(record)
            history.append(record)
            bar.update(step)
            at_cap = max_iter is not None and calls[ident] >= max_iter
            if patience is not None and _plateau(info[ident], patience, self.tol):
                pass  # stopped for good: neither running nor idle
            elif remaining[ident] > 0 and not at_cap:
                launch(ident, remaining[ident])
                continue
            elif not at_cap:
                idle.add(ident)
            if self.verbose:
                self._log(info, running, idle)
            if not idle:
                continue
            decisions = policy.decide(info, set(idle), set(running))
            for other, n in decisions.items():
                idle.discard(other)
                launch(other, n)
        bar.close()
        return models, info, history

    def _log(self, info: dict, running: set, idle: set) -> None:
        scored = [r[-1]["score"] for r in info.values() if r]
        print(
            f"{self.prefix}[{self._owner}] {len(running)} models training, "
            f"{len(idle)} waiting; best score so far {max(scored):.4g}",
            file=sys.stderr,
            flush=True,
        )

    def _set_results(self, runner, models, info, history, candidates) -> None:
        idents = list(candidates)
        results: dict[str, Any] = {}
        fit_times = [[r["partial_fit_time"] for r in info[i]] for i in idents]
        score_times = [[r["score_time"] for r in info[i]] for i in idents]
        results["mean_partial_fit_time"] = np.array([np.mean(t) for t in fit_times])
        results["std_partial_fit_time"] = np.array([np.std(t) for t in fit_times])
        results["mean_score_time"] = np.array([np.mean(t) for t in score_times])
        results["std_score_time"] = np.array([np.std(t) for t in score_times])
        scores = np.array([info[i][-1]["score"] for i in idents], dtype=np.float64)
        results["test_score"] = scores
        results["rank_test_score"] = _rank(scores)
        results["model_id"] = np.array(idents)
        results["partial_fit_calls"] = np.array(
            [info[i][-1]["partial_fit_calls"] for i in idents]
        )
        if self._resource == "n_samples":
            results["n_samples"] = np.array([info[i][-1]["n_samples"] for i in idents])
        params = [candidates[i] for i in idents]
        results["params"] = params
        results.update(_param_columns(params))
        best = int(results["rank_test_score"].argmin())
        self.cv_results_ = results
        self.best_index_ = best
        self.best_score_ = float(scores[best])
        self.best_params_ = params[best]
        self.best_estimator_ = runner.gather(models[idents[best]])
        self.history_ = history
        self.model_history_ = info
        self.n_models_ = len(idents)
        self.n_splits_ = 1
        self.multimetric_ = False


def _plateau(records: list[dict], patience: int, tol: float) -> bool:
    """No score in the last ``patience`` calls beat the earlier best by ``tol``."""
    now = records[-1]["partial_fit_calls"]
    recent = [r["score"] for r in records if r["partial_fit_calls"] > now - patience]
    before = [r["score"] for r in records if r["partial_fit_calls"] <= now - patience]
    if not before:
        return False
    return max(recent) < max(before) + tol


def _n_threads() -> int:
    configured = dask.config.get("num_workers", None)
    return max(1, int(configured) if configured else (os.cpu_count() or 1))


# -- the two simplest searches ---------------------------------------------------------
_DOC_COMMON = """
    estimator : estimator with ``partial_fit``
        Cloned for every candidate; never modified.
    parameters : dict or list of dicts
        Parameter names to lists (sampled uniformly) or scipy.stats
        distributions (sampled through ``rvs``).
    n_initial_parameters : int or 'grid', default=10
        Number of candidates sampled, or 'grid' for every combination of
        ``parameters`` (lists only).
    test_size : float, default=None
        Fraction of every block held out for scoring (it must fit in memory).
        None: ``min(0.2, 1 / n_blocks)`` on dask input, 0.2 otherwise.
    patience : int or False, default=False
        Stop a model when its score has not improved by ``tol`` over its last
        ``patience`` calls (a model is then scored at least every
        ``patience`` calls).
    tol : float, default=0.001
    max_iter : int, default=100
        The most ``partial_fit`` calls a model gets.
    random_state : int, RandomState or None, default=None
        Seeds the candidates, the test split and the order of the blocks.
    scoring : str, callable or None, default=None
        One metric; None uses the estimator's ``score``.
    verbose : bool, default=False
        Print a line on each decision.
    prefix : str, default=''
        Put in front of the verbose lines (to tell searches apart).
    predict_meta, predict_proba_meta, transform_meta : default=None
        Output meta for the best estimator's methods on dask input (inferred
        when None), as in :class:`~scalearn.wrappers.ParallelPostFit`.
"""

_DOC_ATTRIBUTES = """
    Attributes
    ----------
    cv_results_ : dict of arrays
        One entry per model: ``model_id``, ``params``, ``param_<name>``,
        ``test_score`` (its last score), ``rank_test_score``,
        ``partial_fit_calls``, ``mean_partial_fit_time``,
        ``std_partial_fit_time``, ``mean_score_time``, ``std_score_time``.
    best_estimator_, best_index_, best_score_, best_params_
        The model with the highest last score, trained as far as it got (not
        refit).
    history_ : list of dict
        Every score in the order it arrived: ``model_id``, ``params``,
        ``partial_fit_calls``, ``partial_fit_time``, ``score``,
        ``score_time``, ``elapsed_wall_time``.
    model_history_ : dict
        The same records per model id.
    n_models_ : int
    scorer_, n_splits_ (1), multimetric_ (False)
"""


def _docs(text: str) -> str:
    return text.replace("{common}", _DOC_COMMON.strip("\n")).replace(
        "{attributes}", _DOC_ATTRIBUTES.strip("\n")
    )


class IncrementalSearchCV(BaseIncrementalSearchCV):
    __doc__ = _docs(
        """Train every candidate with partial_fit to ``max_iter``; keep the best.

    dask-ml's IncrementalSearchCV, running with or without a distributed
    Client. Each model is scored after every ``fits_per_score`` calls;
    ``patience`` stops models whose score stopped improving. For fewer models
    as training goes on, see :class:`InverseDecaySearchCV`,
    :class:`SuccessiveHalvingSearchCV` and :class:`HyperbandSearchCV`.

    Parameters
    ----------
{common}
    fits_per_score : int, default=1
        ``partial_fit`` calls between two scores of a model.
    decay_rate : None
        Accepted from dask-ml, where it is deprecated; a number raises and
        points to :class:`InverseDecaySearchCV`.
    scores_per_fit : None
        Accepted from dask-ml (deprecated there); use ``fits_per_score``.

{attributes}

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.model_selection import IncrementalSearchCV
    >>> X, y = make_classification(n_samples=600, random_state=0)
    >>> X, y = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    >>> search = IncrementalSearchCV(
    ...     SGDClassifier(random_state=0),
    ...     {"alpha": [1e-4, 1e-2, 1.0]},
    ...     n_initial_parameters="grid",
    ...     max_iter=5,
    ...     random_state=0,
    ... ).fit(X, y, classes=[0, 1])
    >>> search.cv_results_["partial_fit_calls"].tolist()
    [5, 5, 5]
    """
    )

    def __init__(
        self,
        estimator: Any,
        parameters: Mapping | list,
        n_initial_parameters: int | str = 10,
        decay_rate: Any = None,
        test_size: float | None = None,
        patience: int | bool = False,
        tol: float = 0.001,
        fits_per_score: int = 1,
        max_iter: int = 100,
        random_state: Any = None,
        scoring: Any = None,
        verbose: bool = False,
        prefix: str = "",
        scores_per_fit: Any = None,
        predict_meta: Any = None,
        predict_proba_meta: Any = None,
        transform_meta: Any = None,
    ) -> None:
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.decay_rate = decay_rate
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.fits_per_score = fits_per_score
        self.max_iter = max_iter
        self.random_state = random_state
        self.scoring = scoring
        self.verbose = verbose
        self.prefix = prefix
        self.scores_per_fit = scores_per_fit
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta

    def _check_params(self) -> None:
        super()._check_params()
        if self.decay_rate is not None:
            raise param_error(
                self._owner,
                "decay_rate",
                self.decay_rate,
                "None",
                "dask-ml deprecated decay_rate here; use InverseDecaySearchCV("
                "..., decay_rate=...) for a number of models that decays",
            )
        _check_step(self._owner, "fits_per_score", self.fits_per_score)

    def _step(self) -> int:
        return int(self.scores_per_fit or self.fits_per_score)

    def _make_policy(self, idents: list) -> Policy:
        return _EveryModel(self._step())


class InverseDecaySearchCV(IncrementalSearchCV):
    __doc__ = _docs(
        """Train fewer models each round: the best ``n / (t + 1) ** decay_rate``.

    After every round of ``fits_per_score`` calls, the models are ranked by
    their last score and only the best ``n_initial_parameters / (t + 1) **
    decay_rate`` (at least one) go on, until ``max_iter`` calls.

    Parameters
    ----------
{common}
    fits_per_score : int, default=1
        ``partial_fit`` calls in a round.
    decay_rate : float, default=1.0
        How fast the number of models falls; 0 keeps them all.

{attributes}

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.model_selection import InverseDecaySearchCV
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> search = InverseDecaySearchCV(
    ...     SGDClassifier(random_state=0),
    ...     {"alpha": [1e-4, 1e-3, 1e-2, 1e-1]},
    ...     n_initial_parameters="grid",
    ...     max_iter=4,
    ...     random_state=0,
    ... ).fit(X, y, classes=[0, 1])
    >>> sorted(search.cv_results_["partial_fit_calls"].tolist())
    [1, 1, 2, 4]
    """
    )

    def __init__(
        self,
        estimator: Any,
        parameters: Mapping | list,
        n_initial_parameters: int | str = 10,
        test_size: float | None = None,
        patience: int | bool = False,
        tol: float = 0.001,
        fits_per_score: int = 1,
        max_iter: int = 100,
        random_state: Any = None,
        scoring: Any = None,
        verbose: bool = False,
        prefix: str = "",
        decay_rate: float = 1.0,
        predict_meta: Any = None,
        predict_proba_meta: Any = None,
        transform_meta: Any = None,
    ) -> None:
        super().__init__(
            estimator,
            parameters,
            n_initial_parameters=n_initial_parameters,
            test_size=test_size,
            patience=patience,
            tol=tol,
            fits_per_score=fits_per_score,
            max_iter=max_iter,
            random_state=random_state,
            scoring=scoring,
            verbose=verbose,
            prefix=prefix,
            predict_meta=predict_meta,
            predict_proba_meta=predict_proba_meta,
            transform_meta=transform_meta,
        )
        self.decay_rate = decay_rate

    def _check_params(self) -> None:
        BaseIncrementalSearchCV._check_params(self)
        _check_step(self._owner, "fits_per_score", self.fits_per_score)
        if not (isinstance(self.decay_rate, numbers.Real) and self.decay_rate >= 0):
            raise param_error(
                self._owner,
                "decay_rate",
                self.decay_rate,
                "a number >= 0",
                "pass e.g. decay_rate=1.0 (0 keeps every model)",
            )

    def _step(self) -> int:
        return int(self.fits_per_score)

    def _make_policy(self, idents: list) -> Policy:
        return _InverseDecay(len(idents), self._step(), float(self.decay_rate))


def _check_step(owner: str, param: str, value: Any) -> None:
    if not (isinstance(value, numbers.Integral) and value >= 1):
        raise param_error(owner, param, value, "an int >= 1", f"pass e.g. {param}=1")
