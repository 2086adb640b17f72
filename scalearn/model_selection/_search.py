"""GridSearchCV and RandomizedSearchCV that never do the same work twice.

Drop-in replacements for scikit-learn's searches (same parameters, same fitted
attributes, the same ``cv_results_`` keys and dtypes) that run on dask: on the
threads of this machine by default and on a distributed cluster when a Client is
active. The work is planned by :mod:`scalearn.model_selection._plan`: every
distinct (pipeline prefix, parameters, fold) is fit once and shared by all the
candidates downstream of it.
"""

from __future__ import annotations

import numbers
import time
import warnings
from abc import ABCMeta, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils.validation import check_is_fitted

from scalearn.metrics import check_scoring
from scalearn.model_selection._best import DelegateToBest
from scalearn.model_selection._checkpoint import Checkpoint
from scalearn.model_selection._evaluate import (
    fit_on,
    insert_error_scores,
    is_raise,
    make_splits,
    materialize,
    report,
    scheduler_context,
)
from scalearn.model_selection._plan import SearchPlan
from scalearn.model_selection._tasks import refit_with_head
from scalearn.utils._progress import compute_counting
from scalearn.utils._validation import param_error

_MULTIMETRIC_TYPES = (list, tuple, set, dict)


class BaseSearchCV(
    DelegateToBest, MetaEstimatorMixin, BaseEstimator, metaclass=ABCMeta
):
    """The search loop shared by GridSearchCV and RandomizedSearchCV.

    Subclasses only say which candidates to try (:meth:`_candidates`).
    """

    def __init__(
        self,
        estimator: Any,
        *,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        error_score: Any = np.nan,
        return_train_score: bool = False,
        cache_cv: bool = True,
        scheduler: Any = None,
        checkpoint: Any = None,
    ) -> None:
        self.estimator = estimator
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.cache_cv = cache_cv
        self.scheduler = scheduler
        self.checkpoint = checkpoint

    # -- what subclasses provide ---------------------------------------------
    @abstractmethod
    def _candidates(self) -> list[dict]:
        """The parameter settings to try, in ``cv_results_`` order."""

    def _check_params(self) -> None:
        """Validate what can be checked before any data."""
        if not hasattr(self.estimator, "fit"):
            raise param_error(
                self._owner,
                "estimator",
                self.estimator,
                "an estimator with a fit method",
                "pass a scikit-learn estimator or Pipeline",
            )
        if not (
            isinstance(self.error_score, numbers.Number) or is_raise(self.error_score)
        ):
            raise param_error(
                self._owner,
                "error_score",
                self.error_score,
                "'raise' or a number (numpy.nan by default)",
                "pass error_score='raise' to stop at the first failure, or a number "
                "to record failed fits with that score",
            )
        if isinstance(self.scoring, _MULTIMETRIC_TYPES):
            self._check_refit_for_multimetric(self.scoring)

    def _check_refit_for_multimetric(self, names: Iterable[str]) -> None:
        names = list(names)
        valid = (
            self.refit is False
            or callable(self.refit)
            or (isinstance(self.refit, str) and self.refit in names)
        )
        if not valid:
            raise ValueError(
                f"{self._owner}: for multi-metric scoring, the parameter refit must "
                "be set to a scorer key or a callable to refit an estimator with the "
                f"best parameter setting on the whole data and make the "
                f"best_* attributes available for that metric. Got refit="
                f"{self.refit!r}; the scorer keys are {names}. Pass one of them, a "
                "callable, or refit=False."
            )

    # -- fit -------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any):
        """Fit every candidate on every fold, sharing common work, then refit.

        Parameters
        ----------
        X : array-like, DataFrame, sparse matrix, dask array or dask DataFrame
            Training data. Dask collections are computed once (on the cluster
            when a Client is active); each fold's rows are then sliced once and
            shared by every candidate.
        y : array-like or dask collection, optional
        groups : array-like, optional
            Group labels for group-aware splitters such as ``GroupKFold``.
        **fit_params
            Passed to the estimator's ``fit`` (``step__name`` for pipelines);
            arrays with one value per sample are sliced per fold.

        Returns
        -------
        self
        """
        self._check_params()
        with scheduler_context(self.scheduler, self.n_jobs):
            return self._fit(X, y, groups, fit_params)

    def _fit(self, X, y, groups, fit_params):
        estimator = self.estimator
        data = materialize(X, y, groups)
        splits = make_splits(self.cv, data, estimator)
        self.n_splits_ = len(splits)
        candidates = list(self._candidates())
        if not candidates or not splits:
            raise ValueError(
                f"{self._owner}: no fits were performed: there were "
                f"{len(candidates)} candidates and {len(splits)} splits. Pass a "
                "non-empty parameter space and a cv that yields splits."
            )
        scorer = check_scoring(
            estimator, scoring=self.scoring, raise_exc=is_raise(self.error_score)
        )
        plan = SearchPlan(scorer, self.error_score, self.return_train_score)
        folds = plan.folds(data, splits, fit_params)
        configured_all = [
            clone(estimator).set_params(**clone(params, safe=False))
            for params in candidates
        ]
        plan.register(configured_all)
        head = None
        if self.refit and self.checkpoint is None and not data.on_cluster:
            head = plan.refit_head(configured_all, data.X)
        records, groups_of = [], []
        for index, configured in enumerate(configured_all):
            for fold in folds:
                records.append(plan.candidate(configured, fold))
                groups_of.append(index)
        if self.verbose > 0:
            print(
                f"Fitting {len(splits)} folds for each of {len(candidates)} "
                f"candidates, totalling {len(records)} fits: "
                f"{plan.distinct_fits} estimator fits ({plan.grown_fits} grown "
                f"from a smaller warm-started fit, {plan.truncated_fits} truncated "
                "from a larger PCA fit where its solver is exact) where a "
                f"fit-per-step search would do {plan.requested_fits}"
            )
        if head is not None:  # computed with the folds' work, ticks with candidate 0
            records.append(head)
            groups_of.append(0)
        out = self._compute(
            records, groups_of, configured_all, data, splits, fit_params
        )
        if head is not None:
            head = out.pop()
        report(out, self.error_score)
        self.multimetric_ = isinstance(out[0]["test_scores"], dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(out[0]["test_scores"])
        insert_error_scores(out, self.error_score)
        results = self._format_results(candidates, len(splits), out)
        self._select_best(results)
        self.scorer_ = getattr(scorer, "_scorers", scorer)
        self.cv_results_ = results
        if self.refit:
            best = clone(estimator).set_params(**clone(self.best_params_, safe=False))
            start = time.perf_counter()
            fitted = None
            if head is not None:
                fitted = refit_with_head(best, head, data.X, data.y, fit_params)
            if fitted is None:
                fitted = fit_on(data, best, fit_params)
            else:  # counting the head's fit, done in parallel
                start -= head["fitted"].seconds
            self.best_estimator_ = fitted
            self.refit_time_ = time.perf_counter() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        return self

    def _compute(self, records, groups_of, configured_all, data, splits, fit_params):
        """Compute the (candidate, fold) records; with a checkpoint, only new ones."""
        if self.checkpoint is None:
            return compute_counting(
                records, groups_of, desc=self._owner, unit="candidate"
            )
        store = Checkpoint(
            self.checkpoint,
            data.X,
            data.y,
            splits,
            self.scoring,
            fit_params,
            self.error_score,
            self.return_train_score,
        )
        n_splits = len(splits)
        keys = [
            store.key(configured_all[groups_of[i]], i % n_splits)
            for i in range(len(records))
        ]
        out = [store.load(key) for key in keys]
        pending = [i for i, record in enumerate(out) if record is None]
        if self.verbose > 0 and store.loaded:
            print(
                f"Resuming from {store.dir}: {store.loaded} of {len(records)} fits "
                "already done"
            )

        def save(index: int, record: Any) -> None:
            store.save(keys[pending[index]], record)

        computed = compute_counting(
            [records[i] for i in pending],
            [groups_of[i] for i in pending],
            desc=self._owner,
            unit="candidate",
            on_result=save,
        )
        for i, record in zip(pending, computed, strict=True):
            out[i] = record
        return out

    def _format_results(self, candidates: list[dict], n_splits: int, out: list):
        """``cv_results_`` with scikit-learn's keys, dtypes and rules."""
        n_candidates = len(candidates)
        results: dict[str, Any] = {}

        def store(key, values, splits=False, rank=False):
            array = np.array(values, dtype=np.float64).reshape(n_candidates, n_splits)
            if splits:
                for split in range(n_splits):
                    results[f"split{split}_{key}"] = array[:, split]
            means = array.mean(axis=1)
            results[f"mean_{key}"] = means
            if key.startswith(("train_", "test_")) and not np.all(np.isfinite(means)):
                warnings.warn(
                    f"One or more of the {key.split('_')[0]} scores are "
                    f"non-finite: {means}",
                    UserWarning,
                    stacklevel=4,
                )
            results[f"std_{key}"] = np.sqrt(
                ((array - means[:, np.newaxis]) ** 2).mean(axis=1)
            )
            if rank:
                results[f"rank_{key}"] = _rank(means)

        store("fit_time", [r["fit_time"] for r in out])
        store("score_time", [r["score_time"] for r in out])
        results.update(_param_columns(candidates))
        results["params"] = candidates
        for kind in ("test", "train"):
            if kind == "train" and not self.return_train_score:
                continue
            by_metric = _by_metric([r[f"{kind}_scores"] for r in out])
            for name, values in by_metric.items():
                store(f"{kind}_{name}", values, splits=True, rank=kind == "test")
        return results

    def _select_best(self, results: dict) -> None:
        refit_metric = self.refit if self.multimetric_ else "score"
        if self.multimetric_ and not (self.refit or callable(self.refit)):
            return
        if callable(self.refit):
            best = self.refit(results)
            if not isinstance(best, numbers.Integral):
                raise TypeError("best_index_ returned is not an integer")
            if best < 0 or best >= len(results["params"]):
                raise IndexError("best_index_ index out of range")
        else:
            best = int(results[f"rank_test_{refit_metric}"].argmin())
            self.best_score_ = results[f"mean_test_{refit_metric}"][best]
        self.best_index_ = best
        self.best_params_ = results["params"][best]

    def _check_refit(self, method: str) -> None:
        if not self.refit:
            raise AttributeError(
                f"This {self._owner} instance was initialized with refit=False. "
                f"{method} is available only after refitting on the best "
                "parameters. You can refit an estimator manually using the "
                "best_params_ attribute"
            )
        check_is_fitted(self)

    def _refit_scorer(self) -> Any:
        return self.scorer_[self.refit] if self.multimetric_ else self.scorer_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "cv_results_")


def _rank(means: np.ndarray) -> np.ndarray:
    """scikit-learn's rule: highest mean first; failed (NaN) ties with the worst."""
    if np.isnan(means).all():
        return np.ones_like(means, dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32, copy=False)


def _param_columns(candidates: list[dict]) -> dict[str, MaskedArray]:
    """``param_<name>`` masked arrays, typed as scikit-learn types them."""
    by_name: dict[str, dict[int, Any]] = defaultdict(dict)
    for index, params in enumerate(candidates):
        for name, value in params.items():
            by_name[f"param_{name}"][index] = value
    columns = {}
    for key, values in by_name.items():
        try:
            array = np.array(list(values.values()))
        except ValueError:  # sequences of different lengths
            dtype = np.dtype(object)
        else:
            keep = array.dtype.kind != "U" and array.ndim == 1
            dtype = array.dtype if keep else np.dtype(object)
        column = MaskedArray(np.empty(len(candidates), dtype=dtype), mask=True)
        for index, value in values.items():
            column[index] = value
        columns[key] = column
    return columns


def _by_metric(scores: list) -> dict[str, list]:
    if isinstance(scores[0], dict):
        return {name: [s[name] for s in scores] for name in scores[0]}
    return {"score": scores}


class GridSearchCV(BaseSearchCV):
    """Exhaustive search over a parameter grid, each shared fit done once.

    The same parameters and fitted attributes as scikit-learn's
    :class:`~sklearn.model_selection.GridSearchCV`, plus dask-ml's ``cache_cv``
    and ``scheduler``. What differs is how the work is done:

    - In a Pipeline, each distinct (step parameters and those of every step
      before it, fold) is fit once; its transformed train and test data are
      shared by every candidate downstream. A FeatureUnion step is shared per
      branch. A grid of 18 candidates over Pipeline(PCA, LogisticRegression)
      with 3 values of ``pca__n_components`` and 3 folds fits PCA 9 times, not 54.
    - Candidates that differ only in an integer ``n_components`` of a ``PCA``
      step (scikit-learn's or scalearn's), after the same steps, share one PCA
      fit per fold: the largest one's. A smaller one is that fit cut to its
      first components (and its transformed data to their columns) when the
      solver, as PCA resolves it on that fold's data, computes every component
      anyway (``"full"``, ``"covariance_eigh"``): the very model a fit would
      give. With a randomized or ARPACK solver each is fit on its own. With
      an exact solver the grid above fits PCA 3 times. When every candidate
      begins with such a PCA, the refit's (its largest member on all the
      data) is fit with the folds' work, in parallel, and the refit cuts the
      winner's from it (on local threads, without a ``checkpoint``).
    - Candidates that differ only in ``n_estimators`` of a final random forest,
      extra-trees or gradient-boosting model (not seeded with a
      ``RandomState`` instance, no early stopping) are grown from the next
      smaller one with ``warm_start``, which gives the models a fresh fit would.
    - Fits run as dask tasks: on local threads by default (``n_jobs`` limits
      them), on a distributed cluster when a Client is active (the data is sent
      to the cluster once, and each fold sliced there once).
    - Dask collections as ``X``/``y`` are computed once; ``predict`` and friends
      on dask input are lazy and blockwise.

    ``fit_time`` in ``cv_results_`` is the time the candidate's fit took,
    counting each shared step in full, so it reads as in scikit-learn;
    ``score_time`` is the time of scoring the transformed test rows.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn estimator or Pipeline (scalearn's estimators included).
    param_grid : dict or list of dicts
        As in scikit-learn.
    scoring : str, callable, list, tuple, set or dict, default=None
        As in scikit-learn; a list/tuple/set/dict is multi-metric scoring.
    n_jobs : int, default=None
        Number of local threads (None or -1: all cores). Ignored on a cluster.
    refit : bool, str or callable, default=True
        As in scikit-learn. With ``refit=False`` and one metric,
        ``best_index_``, ``best_params_`` and ``best_score_`` are still set.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (5-fold; stratified for classifiers).
    verbose : int, default=0
        Above 0, print how many fits are planned and how many are distinct.
    pre_dispatch : default='2*n_jobs'
        Accepted so that scikit-learn code runs unchanged; dask schedules each
        task as soon as its inputs are ready, so there is nothing to dispatch.
    error_score : 'raise' or number, default=np.nan
        A failed fit scores this (with a FitFailedWarning) and the search goes
        on; 'raise' stops at the first failure.
    return_train_score : bool, default=False
    cache_cv : bool, default=True
        Accepted from dask-ml. Each fold's rows are sliced once and shared by
        every candidate in either case.
    scheduler : str or Client, default=None
        A dask scheduler to run on (``"threads"``, ``"sync"``, a Client);
        default: the one dask is configured with.
    checkpoint : str or path, default=None
        A directory where each finished (candidate, fold) score is saved as
        it arrives. Run the same search again after a crash or a kill and
        only the unfinished fits are done (see
        :mod:`scalearn.model_selection._checkpoint`).

    Attributes
    ----------
    cv_results_, best_estimator_, best_score_, best_params_, best_index_,
    scorer_, n_splits_, refit_time_, multimetric_, classes_, n_features_in_,
    feature_names_in_
        As in scikit-learn.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import Pipeline
    >>> from scalearn.model_selection import GridSearchCV
    >>> X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    >>> pipe = Pipeline([("pca", PCA()), ("clf", LogisticRegression())])
    >>> grid = {"pca__n_components": [2, 5], "clf__C": [0.1, 1.0, 10.0]}
    >>> search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    >>> sorted(search.best_params_)
    ['clf__C', 'pca__n_components']
    >>> len(search.cv_results_["params"])
    6
    """

    def __init__(
        self,
        estimator: Any,
        param_grid: Mapping | list,
        *,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        error_score: Any = np.nan,
        return_train_score: bool = False,
        cache_cv: bool = True,
        scheduler: Any = None,
        checkpoint: Any = None,
    ) -> None:
        super().__init__(
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
            cache_cv=cache_cv,
            scheduler=scheduler,
            checkpoint=checkpoint,
        )
        self.param_grid = param_grid

    def _candidates(self) -> list[dict]:
        return list(ParameterGrid(self.param_grid))


class RandomizedSearchCV(BaseSearchCV):
    """Search over ``n_iter`` sampled candidates, each shared fit done once.

    scikit-learn's :class:`~sklearn.model_selection.RandomizedSearchCV` with the
    execution of :class:`GridSearchCV` (shared pipeline prefixes, dask tasks).
    The candidates are drawn by scikit-learn's ``ParameterSampler`` from
    ``random_state``, so they are the same as scikit-learn's.

    Parameters
    ----------
    estimator : estimator
    param_distributions : dict or list of dicts
        Lists are sampled uniformly; scipy.stats distributions through ``rvs``.
    n_iter : int, default=10
    random_state : int, RandomState or None, default=None
    scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score,
    return_train_score, cache_cv, scheduler, checkpoint
        As in :class:`GridSearchCV`.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from scalearn.model_selection import RandomizedSearchCV
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> space = {"C": loguniform(1e-3, 1e3)}
    >>> search = RandomizedSearchCV(
    ...     LogisticRegression(), space, n_iter=4, cv=3, random_state=0
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"])
    4
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping | list,
        *,
        n_iter: int = 10,
        random_state: Any = None,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        error_score: Any = np.nan,
        return_train_score: bool = False,
        cache_cv: bool = True,
        scheduler: Any = None,
        checkpoint: Any = None,
    ) -> None:
        super().__init__(
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
            cache_cv=cache_cv,
            scheduler=scheduler,
            checkpoint=checkpoint,
        )
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.random_state = random_state

    def _candidates(self) -> list[dict]:
        return list(
            ParameterSampler(
                self.param_distributions, self.n_iter, random_state=self.random_state
            )
        )
