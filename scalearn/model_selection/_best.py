"""What every search does after fitting: hand its methods to the best estimator.

Shared by the exhaustive searches (:mod:`._search`) and the adaptive ones
(:mod:`._adaptive`). On dask input the methods run blockwise and lazily through
a :class:`~scalearn.wrappers.ParallelPostFit` view of the best estimator.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from scalearn.utils._containers import is_dask


def _search_has(method: str):
    """Delegate ``method`` to the best estimator, or to the estimator before fit."""

    def check(self) -> bool:
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, method)
        else:
            getattr(self.estimator, method)
        return True

    return check


class DelegateToBest:
    """predict, transform, score... of ``best_estimator_``; lazy on dask input.

    A subclass says when the best estimator is available (:meth:`_check_refit`)
    and which scorer ``score`` uses (:meth:`_refit_scorer`).
    """

    @property
    def _owner(self) -> str:
        return type(self).__name__

    @abstractmethod
    def _check_refit(self, method: str) -> None:
        """Raise unless ``best_estimator_`` can answer ``method``."""

    @abstractmethod
    def _refit_scorer(self) -> Any:
        """The scorer of the metric the best estimator was chosen by."""

    def __sklearn_tags__(self):
        """The wrapped estimator's kind and input tags, as scikit-learn's searches."""
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        tags.target_tags = inner.target_tags
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.array_api_support = inner.array_api_support
        return tags

    def _view(self) -> Any:
        from scalearn.wrappers._parallel_post_fit import post_fit_view

        return post_fit_view(self.best_estimator_)

    def _delegate(self, method: str, X: Any) -> Any:
        """``method`` of the best estimator; blockwise and lazy on dask input."""
        self._check_refit(method)
        if is_dask(X):
            return getattr(self._view(), method)(X)
        return getattr(self.best_estimator_, method)(X)

    @available_if(_search_has("predict"))
    def predict(self, X: Any) -> Any:
        """Predict with the best estimator (lazily, blockwise, on dask input)."""
        return self._delegate("predict", X)

    @available_if(_search_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from the best estimator."""
        return self._delegate("predict_proba", X)

    @available_if(_search_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities from the best estimator."""
        return self._delegate("predict_log_proba", X)

    @available_if(_search_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Decision function of the best estimator."""
        return self._delegate("decision_function", X)

    @available_if(_search_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with the best estimator."""
        return self._delegate("transform", X)

    @available_if(_search_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse transform with the best estimator."""
        self._check_refit("inverse_transform")
        return self.best_estimator_.inverse_transform(X)

    @available_if(_search_has("score_samples"))
    def score_samples(self, X: Any) -> Any:
        """Score samples with the best estimator."""
        self._check_refit("score_samples")
        return self.best_estimator_.score_samples(X)

    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """The selection metric of the best estimator on ``X``, ``y``.

        On dask input the predictions are computed blockwise, in one pass.
        """
        self._check_refit("score")
        scorer = self._refit_scorer()
        if is_dask(X) or is_dask(y):
            from scalearn.utils._scoring import resolve_scorer, score_collection

            if self.scoring is None:  # the model's own score: accuracy or r2
                scorer = resolve_scorer(self.best_estimator_, None, for_dask=True)
            return score_collection(
                self._view(), self.best_estimator_, scorer, X, y, **params
            )
        if y is None:
            return scorer(self.best_estimator_, X, **params)
        return scorer(self.best_estimator_, X, y, **params)

    @property
    def classes_(self) -> np.ndarray:
        self._check_refit("classes_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        try:
            check_is_fitted(self)
        except Exception as exc:
            raise AttributeError(
                f"{self._owner} has no attribute 'n_features_in_' before fit"
            ) from exc
        return self.best_estimator_.n_features_in_
