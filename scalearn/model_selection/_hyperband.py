"""Hyperband: successive halving in brackets that trade models for training.

With ``R = max_iter`` and ``eta = aggressiveness``, Hyperband runs the brackets
``s = s_max, ..., 0`` (``s_max`` the largest ``s`` with ``eta ** s <= R``). Bracket
``s`` starts ``ceil((s_max + 1) * eta ** s / (s + 1))`` models at ``R / eta ** s``
calls each and halves them (:mod:`._successive_halving`) until ``R`` calls: the
top bracket tries many models briefly, bracket 0 trains a few to the end. All
brackets run at once in one loop, sharing the data and the workers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.model_selection import ParameterSampler
from sklearn.utils import check_random_state

from scalearn.model_selection._adaptive import (
    _DOC_ATTRIBUTES,
    _DOC_COMMON,
    BaseIncrementalSearchCV,
    Policy,
)
from scalearn.model_selection._successive_halving import (
    check_halving_params,
    halving_patience,
    make_halving,
    rung_work,
    rungs,
)
from scalearn.utils._validation import param_error


def brackets(max_iter: int, eta: float) -> list[dict]:
    """Each bracket's ``bracket``, ``n_models``, ``n_initial_iter`` and rungs.

    Examples
    --------
    >>> [(b["bracket"], b["n_models"]) for b in brackets(81, 3)]
    [(4, 81), (3, 34), (2, 15), (1, 8), (0, 5)]
    """
    s_max = 0
    while eta ** (s_max + 1) <= max_iter * (1 + 1e-12):
        s_max += 1
    out = []
    for s in range(s_max, -1, -1):
        n_models = math.ceil((s_max + 1) * eta**s / (s + 1) - 1e-9)
        first = max_iter / eta**s
        out.append(
            {
                "bracket": s,
                "n_models": n_models,
                "n_initial_iter": first,
                "rungs": rungs(n_models, first, eta, max_iter),
            }
        )
    return out


class _Brackets(Policy):
    """One halving policy per bracket; each decides for its own models."""

    def __init__(self, policies: dict) -> None:
        self.policies = policies
        self.bracket_of = {i: b for b, p in policies.items() for i in p.ids}

    def initial(self, ident: Any) -> int:
        return self.policies[self.bracket_of[ident]].initial(ident)

    def decide(self, info: dict, idle: set, running: set) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for policy in self.policies.values():
            out.update(policy.decide(info, idle, running))
        return out


class HyperbandSearchCV(BaseIncrementalSearchCV):
    __doc__ = (
        """Hyperband: many models briefly and a few to the end, all at once.

    Finds nearly the best model of a random search at a fraction of its work:
    the brackets (see the module docstring) spend about ``(s_max + 1) * R``
    calls each, where a random search over the same models would spend ``R``
    per model. ``metadata`` gives the plan before fit; ``metadata_`` the work
    done (less with ``patience``).

    Runs with or without a distributed Client. Beyond dask-ml:
    ``asynchronous=True`` runs every bracket as ASHA, and
    ``resource='n_samples'`` searches estimators without ``partial_fit`` on
    growing, nested samples of the dask data (see
    :class:`SuccessiveHalvingSearchCV`).

    Parameters
    ----------
"""
        + _DOC_COMMON.strip("\n")
        .replace("max_iter : int, default=100", "max_iter : int, default=81")
        .replace(
            "    n_initial_parameters : int or 'grid', default=10\n"
            "        Number of candidates sampled, or 'grid' for every combination of\n"
            "        ``parameters`` (lists only).\n",
            "",
        )
        .replace(
            "patience : int or False, default=False",
            "patience : int or bool, default=False\n"
            "        True means ``max_iter // aggressiveness``.",
        )
        + """
    aggressiveness : float, default=3
        ``eta``: how many times fewer models each rung keeps.
    asynchronous : bool, default=False
        Run every bracket as ASHA.
    resource : {'partial_fit_calls', 'n_samples'}, default='partial_fit_calls'

"""
        + _DOC_ATTRIBUTES.strip("\n")
        + """
        ``cv_results_`` and the records also have ``bracket``; model ids are
        ``'bracket=s-i'``.
    metadata, metadata_ : dict
        ``n_models``, ``partial_fit_calls`` and ``brackets``: per bracket its
        ``bracket``, ``n_models``, ``partial_fit_calls``, ``decisions`` (the
        calls at which models are ranked) and ``SuccessiveHalvingSearchCV
        params``.

    Examples
    --------
    >>> import dask.array as da
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.model_selection import HyperbandSearchCV
    >>> X, y = make_classification(n_samples=900, random_state=0)
    >>> X, y = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    >>> search = HyperbandSearchCV(
    ...     SGDClassifier(random_state=0),
    ...     {"alpha": loguniform(1e-5, 1e1)},
    ...     max_iter=9,
    ...     random_state=0,
    ... )
    >>> search.metadata["n_models"], search.metadata["partial_fit_calls"]
    (17, 69)
    >>> search.fit(X, y, classes=[0, 1]).metadata_["partial_fit_calls"]
    69
    """
    )

    def __init__(
        self,
        estimator: Any,
        parameters: Mapping | list,
        max_iter: int = 81,
        aggressiveness: float = 3,
        patience: int | bool = False,
        tol: float = 0.001,
        test_size: float | None = None,
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
        self.max_iter = max_iter
        self.aggressiveness = aggressiveness
        self.patience = patience
        self.tol = tol
        self.test_size = test_size
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
        if self.max_iter is None:
            raise param_error(
                self._owner,
                "max_iter",
                None,
                "an int >= 1",
                "pass the most partial_fit calls one model may get, e.g. 81",
            )
        check_halving_params(self)
        super()._check_params()

    def _patience(self) -> int | None:
        return halving_patience(self)

    def _brackets(self) -> list[dict]:
        return brackets(int(self.max_iter), self.aggressiveness)

    def _candidates(self) -> dict[Any, dict]:
        rng = check_random_state(self.random_state)
        out: dict[Any, dict] = {}
        for bracket in self._brackets():
            seed = int(rng.randint(2**31 - 1))
            sampler = ParameterSampler(
                self.parameters, bracket["n_models"], random_state=seed
            )
            for i, params in enumerate(sampler):
                out[f"bracket={bracket['bracket']}-{i}"] = params
        return out

    @staticmethod
    def _bracket_of(ident: str) -> int:
        return int(ident.split("=")[1].split("-")[0])

    def _sha_params(self, bracket: dict) -> dict:
        return {
            "n_initial_parameters": bracket["n_models"],
            "n_initial_iter": bracket["rungs"][0][1],
            "max_iter": self.max_iter,
            "aggressiveness": self.aggressiveness,
            "patience": self._patience() or False,
            "tol": self.tol,
            "random_state": self.random_state,
            "asynchronous": self.asynchronous,
            "resource": self.resource,
        }

    def _describe(self, bracket: dict, n_models: int, calls: int) -> dict:
        return {
            "bracket": bracket["bracket"],
            "n_models": n_models,
            "partial_fit_calls": calls,
            "decisions": [c for _, c in bracket["rungs"][:-1]],
            "SuccessiveHalvingSearchCV params": self._sha_params(bracket),
        }

    @property
    def metadata(self) -> dict:
        self._check_params()
        described = [
            self._describe(b, b["n_models"], rung_work(b["rungs"]))
            for b in self._brackets()
        ]
        return {
            "n_models": sum(b["n_models"] for b in described),
            "partial_fit_calls": sum(b["partial_fit_calls"] for b in described),
            "brackets": described,
        }

    def _budget(self, n_models: int) -> int:
        return sum(rung_work(b["rungs"]) for b in self._brackets())

    def _make_policy(self, idents: list) -> Policy:
        policies = {}
        for bracket in self._brackets():
            mine = [i for i in idents if self._bracket_of(i) == bracket["bracket"]]
            if not mine:
                continue
            levels = rungs(
                len(mine), bracket["n_initial_iter"], self.aggressiveness, self.max_iter
            )
            policies[bracket["bracket"]] = make_halving(
                mine, levels, self.aggressiveness, self.asynchronous
            )
        return _Brackets(policies)

    def _finish(self, models: dict, info: dict, candidates: dict) -> None:
        for ident, records in info.items():
            for record in records:
                record["bracket"] = self._bracket_of(ident)
        self.cv_results_["bracket"] = np.array(
            [self._bracket_of(i) for i in self.cv_results_["model_id"]]
        )
        described = []
        for bracket in self._brackets():
            mine = [i for i in info if self._bracket_of(i) == bracket["bracket"]]
            calls = sum(info[i][-1]["partial_fit_calls"] for i in mine)
            described.append(self._describe(bracket, len(mine), calls))
        self.metadata_ = {
            "n_models": sum(b["n_models"] for b in described),
            "partial_fit_calls": sum(b["partial_fit_calls"] for b in described),
            "brackets": described,
        }
