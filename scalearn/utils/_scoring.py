"""Score a fitted model on dask collections with any scikit-learn scorer.

A scikit-learn scorer asks the estimator for one response (``predict``,
``predict_proba`` or ``decision_function``) and compares it with ``y``. To keep
to one pass over the data, the scorer is first run against a stand-in estimator
that records which response it asks for; that response is then computed lazily,
blockwise, together with ``y`` in a single ``dask.compute``, and the scorer is run
again on the in-memory results.
"""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.utils import get_tags

from scalearn.utils._containers import is_dask

RESPONSE_METHODS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
)


class _ResponseWanted(Exception):
    def __init__(self, method: str) -> None:
        super().__init__(method)
        self.method = method


class _ResponseStandIn:
    """Answers a scorer's questions for ``fitted`` from precomputed responses."""

    def __init__(self, fitted: Any, responses: dict[str, Any]) -> None:
        self._fitted = fitted
        self._responses = responses

    def __sklearn_tags__(self):
        return get_tags(self._fitted)

    @property
    def classes_(self):
        return self._fitted.classes_

    def __getattr__(self, name: str) -> Any:
        fitted = self.__dict__["_fitted"]
        if name in RESPONSE_METHODS and hasattr(fitted, name):

            def respond(X: Any, **kwargs: Any) -> Any:
                return self._respond(name)

            # scikit-learn's scorers find the response by the method's name.
            respond.__name__ = name
            return respond
        # Anything else (``score``, ``coef_``) comes from the model itself: a
        # custom scorer that calls ``score`` gets correct, in-memory scoring.
        return getattr(fitted, name)

    def _respond(self, name: str) -> Any:
        if name not in self._responses:
            raise _ResponseWanted(name)
        return self._responses[name]


def resolve_scorer(fitted: Any, scoring: Any, *, for_dask: bool) -> Any:
    """The scorer for ``scoring``; for dask input, None means accuracy or r2.

    scikit-learn's default ``score`` of a classifier is accuracy and of a
    regressor is r2; those are computed blockwise on dask input. Other estimators'
    own ``score`` needs the data in memory. Names give scalearn's one-pass
    scorers (:func:`scalearn.metrics.get_scorer`).
    """
    # Imported here: scalearn.metrics builds on scalearn.utils.
    from scalearn.metrics import check_scoring, get_scorer

    if scoring is None and for_dask:
        if is_classifier(fitted):
            return get_scorer("accuracy")
        if is_regressor(fitted):
            return get_scorer("r2")
    return check_scoring(fitted, scoring=scoring)


def score_collection(
    methods_of: Any, fitted: Any, scorer: Any, X: Any, y: Any, **kwargs: Any
) -> float:
    """Score ``fitted`` on possibly-dask ``X``/``y`` in one compute.

    ``methods_of`` provides the lazy response methods (``predict`` etc.) that
    map ``fitted`` over ``X``'s blocks.
    """
    if not (is_dask(X) or is_dask(y)):
        return scorer(fitted, X, y, **kwargs)
    responses: dict[str, Any] = {}
    for _ in RESPONSE_METHODS:
        try:
            return scorer(_ResponseStandIn(fitted, responses), X, y, **kwargs)
        except _ResponseWanted as wanted:
            lazy = getattr(methods_of, wanted.method)(X)
            response, y, kwargs = dask.compute(lazy, y, kwargs)
            # Scorers index responses like arrays; a dask DataFrame gave pandas.
            responses[wanted.method] = np.asarray(response)
    return scorer(_ResponseStandIn(fitted, responses), X, y, **kwargs)
