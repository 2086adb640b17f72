"""Successive halving, in lockstep or asynchronously (ASHA).

A search of ``n`` models trains them in *rungs*: rung ``k`` holds
``floor(n / eta ** k)`` models, each trained to ``round(r * eta ** k)``
``partial_fit`` calls (``r = n_initial_iter``, ``eta = aggressiveness``), capped
at ``max_iter``; the best of each rung (by their last score) go on to the next.
The search ends at the rung with one model or ``max_iter`` calls.

In lockstep (dask-ml's algorithm), a rung is decided once all its models are
scored. Asynchronously (``asynchronous=True``, ASHA), a model goes on as soon as
it ranks in the top ``1 / eta`` of the models that finished its rung so far, so
no worker waits for the slowest model of a rung; a rung never promotes more
models than the lockstep search would, so ASHA does at most the same work.
"""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scalearn.model_selection._adaptive import (
    _DOC_ATTRIBUTES,
    _DOC_COMMON,
    BaseIncrementalSearchCV,
    Policy,
    _order_key,
    last_score,
    top_models,
)
from scalearn.utils._validation import param_error


def rungs(
    n_models: int, n_initial_iter: float, eta: float, max_iter: int | None
) -> list[tuple[int, int]]:
    """``[(models, calls)]`` per rung of successive halving, first to last.

    Examples
    --------
    >>> rungs(10, 1, 3, None)
    [(10, 1), (3, 3), (1, 9)]
    >>> rungs(9, 2, 3, 10)
    [(9, 2), (3, 6), (1, 10)]
    """
    out: list[tuple[int, int]] = []
    k = 0
    while True:
        size = n_models if k == 0 else max(1, int(n_models / eta**k + 1e-9))
        calls = max(1, math.floor(n_initial_iter * eta**k + 0.5))
        if out:
            calls = max(calls, out[-1][1] + 1)
        if max_iter is not None:
            calls = min(calls, max_iter)
        out.append((size, calls))
        if size == 1 or (max_iter is not None and calls >= max_iter):
            return out
        k += 1


def rung_work(levels: list[tuple[int, int]]) -> int:
    """Total ``partial_fit`` calls of the lockstep search over ``levels``."""
    total, before = 0, 0
    for size, calls in levels:
        total += size * (calls - before)
        before = calls
    return total


class Halving(Policy):
    """Lockstep successive halving over the models ``idents``."""

    def __init__(self, idents: list, levels: list[tuple[int, int]], eta: float):
        self.ids = set(idents)
        self.levels = levels
        self.eta = eta
        self.rung = 0

    def initial(self, ident: Any) -> int:
        return self.levels[0][1]

    def _calls_between(self, k: int) -> int:
        return self.levels[k + 1][1] - self.levels[k][1]

    def decide(self, info: dict, idle: set, running: set) -> dict[Any, int]:
        waiting = idle & self.ids
        if running & self.ids or not waiting:
            return {}
        k = self.rung
        if k + 1 >= len(self.levels):
            return dict.fromkeys(waiting, 0)
        self.rung += 1
        kept = set(top_models(info, waiting, self.levels[k + 1][0]))
        more = self._calls_between(k)
        return {i: more if i in kept else 0 for i in waiting}


class AsyncHalving(Halving):
    """ASHA: promote a model once it is in the top ``1 / eta`` of its rung so far."""

    def __init__(self, idents: list, levels: list[tuple[int, int]], eta: float):
        super().__init__(idents, levels, eta)
        self.level = dict.fromkeys(idents, 0)
        self.finished: dict[int, dict] = defaultdict(dict)
        self.promoted: dict[int, set] = defaultdict(set)

    def decide(self, info: dict, idle: set, running: set) -> dict[Any, int]:
        waiting = idle & self.ids
        for ident in waiting:
            self.finished[self.level[ident]][ident] = last_score(info[ident])
        training = {self.level[i] for i in running & self.ids}
        out: dict[Any, int] = {}

        def promote(ident: Any, k: int) -> None:
            out[ident] = self._calls_between(k)
            self.level[ident] = k + 1
            self.promoted[k].add(ident)
            training.add(k + 1)

        closed = True
        for k in range(len(self.levels)):
            closed = closed and k not in training
            here = {i for i in waiting if self.level[i] == k and i not in out}
            if not here:
                continue
            if k + 1 >= len(self.levels):
                out.update(dict.fromkeys(here, 0))
                continue
            scores = self.finished[k]
            ranked = sorted(scores, key=lambda i: (-scores[i], _order_key(i)))
            quota = self.levels[k + 1][0] - len(self.promoted[k])
            for ident in ranked[: int(len(ranked) / self.eta + 1e-9)]:
                if quota > 0 and ident in here:
                    promote(ident, k)
                    quota -= 1
            if closed:  # nobody else can reach this rung: settle it
                rest = [i for i in ranked if i in here and i not in out]
                for ident in rest[: max(quota, 0)]:
                    promote(ident, k)
                out.update(dict.fromkeys(rest[max(quota, 0) :], 0))
        return out


def make_halving(
    idents: list, levels: list[tuple[int, int]], eta: float, asynchronous: bool
) -> Halving:
    return (AsyncHalving if asynchronous else Halving)(idents, levels, eta)


def check_halving_params(search: Any) -> None:
    owner = type(search).__name__
    eta = search.aggressiveness
    if not (isinstance(eta, numbers.Real) and eta > 1):
        raise param_error(
            owner,
            "aggressiveness",
            eta,
            "a number > 1",
            "pass e.g. aggressiveness=3 (keep the best third of each rung)",
        )


def halving_patience(search: Any) -> int | None:
    """``patience=True`` means ``max_iter // aggressiveness``, as in dask-ml."""
    if search.patience is True:
        if search.max_iter is None:
            raise param_error(
                type(search).__name__,
                "patience",
                True,
                "an int >= 2 when max_iter is None",
                "patience=True is max_iter // aggressiveness; pass max_iter or an "
                "int patience",
            )
        return max(2, int(search.max_iter // search.aggressiveness))
    return BaseIncrementalSearchCV._patience(search)


class SuccessiveHalvingSearchCV(BaseIncrementalSearchCV):
    __doc__ = (
        """Successive halving: train many models briefly, the best ones longer.

    ``n_initial_parameters`` models get ``n_initial_iter`` ``partial_fit`` calls;
    the best ``1 / aggressiveness`` of them go on to ``aggressiveness`` times as
    many calls, and so on until one model is left or ``max_iter`` is reached
    (the rungs are described in the module docstring). ``metadata`` gives the
    planned work before fit, ``metadata_`` the work done.

    Beyond dask-ml: ``asynchronous=True`` runs ASHA (promote without waiting
    for a whole rung), and ``resource='n_samples'`` searches estimators without
    ``partial_fit``: a model at ``k`` of ``max_iter`` units is fit from scratch
    on a reproducible ``k / max_iter`` sample of the training rows (each
    sample contains the smaller ones), like scikit-learn's
    HalvingRandomSearchCV, but drawn from the dask collection out of core, one
    pass per rung.

    Parameters
    ----------
"""
        + _DOC_COMMON.strip("\n").replace(
            "max_iter : int, default=100", "max_iter : int or None, default=None"
        )
        + """
    n_initial_iter : int
        ``partial_fit`` calls of every model before the first decision.
    aggressiveness : float, default=3
        How many times fewer models each rung keeps (``eta``).
    asynchronous : bool, default=False
        Promote models asynchronously (ASHA).
    resource : {'partial_fit_calls', 'n_samples'}, default='partial_fit_calls'
        What a unit of training is: one ``partial_fit`` call on a block, or a
        ``1 / max_iter`` share of the training rows for a full ``fit``.

"""
        + _DOC_ATTRIBUTES.strip("\n")
        + """
    metadata, metadata_ : dict
        ``n_models``, ``partial_fit_calls`` and ``max_iter`` (the calls of the
        last rung), planned and done.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.model_selection import SuccessiveHalvingSearchCV
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> search = SuccessiveHalvingSearchCV(
    ...     SGDClassifier(random_state=0),
    ...     {"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0]},
    ...     n_initial_parameters=9,
    ...     n_initial_iter=1,
    ...     random_state=0,
    ... )
    >>> search.metadata
    {'n_models': 9, 'partial_fit_calls': 21, 'max_iter': 9}
    >>> search.fit(X, y, classes=[0, 1]).metadata_["partial_fit_calls"]
    21
    """
    )

    def __init__(
        self,
        estimator: Any,
        parameters: Mapping | list,
        n_initial_parameters: int | str = 10,
        n_initial_iter: int | None = None,
        max_iter: int | None = None,
        aggressiveness: float = 3,
        test_size: float | None = None,
        patience: int | bool = False,
        tol: float = 0.001,
        random_state: Any = None,
        scoring: Any = None,
        verbose: bool = False,
        prefix: str = "",
        predict_meta: Any = None,
        predict_proba_meta: Any = None,
        transform_meta: Any = None,
        asynchronous: bool = False,
        resource: str = "partial_fit_calls",
    ) -> None:
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.n_initial_iter = n_initial_iter
        self.max_iter = max_iter
        self.aggressiveness = aggressiveness
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.scoring = scoring
        self.verbose = verbose
        self.prefix = prefix
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta
        self.asynchronous = asynchronous
        self.resource = resource

    def _check_params(self) -> None:
        if not (
            isinstance(self.n_initial_iter, numbers.Integral)
            and self.n_initial_iter >= 1
        ):
            raise param_error(
                self._owner,
                "n_initial_iter",
                self.n_initial_iter,
                "an int >= 1",
                "pass the partial_fit calls every model gets before the first "
                "decision, e.g. n_initial_iter=3",
            )
        check_halving_params(self)
        super()._check_params()

    def _patience(self) -> int | None:
        return halving_patience(self)

    def _n_models(self) -> int:
        if isinstance(self.n_initial_parameters, str):
            return len(self._candidates())
        return int(self.n_initial_parameters)

    def _levels(self, n_models: int) -> list[tuple[int, int]]:
        return rungs(n_models, self.n_initial_iter, self.aggressiveness, self.max_iter)

    @property
    def metadata(self) -> dict:
        self._check_params()
        levels = self._levels(self._n_models())
        return {
            "n_models": levels[0][0],
            "partial_fit_calls": rung_work(levels),
            "max_iter": levels[-1][1],
        }

    def _budget(self, n_models: int) -> int:
        return rung_work(self._levels(n_models))

    def _resource_total(self) -> int | None:
        if self.max_iter is not None:
            return self.max_iter
        if isinstance(self.n_initial_iter, numbers.Integral):
            return self._levels(self._n_models())[-1][1]
        return None

    def _make_policy(self, idents: list) -> Policy:
        levels = self._levels(len(idents))
        return make_halving(idents, levels, self.aggressiveness, self.asynchronous)

    def _finish(self, models: dict, info: dict, candidates: dict) -> None:
        self.metadata_ = {
            "n_models": len(candidates),
            "partial_fit_calls": sum(r[-1]["partial_fit_calls"] for r in info.values()),
            "max_iter": max(r[-1]["partial_fit_calls"] for r in info.values()),
        }
