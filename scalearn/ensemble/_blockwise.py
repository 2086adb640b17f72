"""One model per block of a dask collection, combined by voting or averaging."""

from __future__ import annotations

import copy
from typing import Any

import dask
import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from scalearn.utils._containers import align_y, is_dask, paired_row_blocks
from scalearn.utils._progress import compute
from scalearn.utils._validation import check_param, param_error
from scalearn.wrappers._parallel_post_fit import post_fit_view

VOTING = ("hard", "soft")


def fit_one(estimator: Any, X: Any, y: Any, fit_params: dict) -> Any:
    """Fit a clone of ``estimator`` on one block: the per-block kernel."""
    return clone(estimator).fit(X, np.asarray(y).reshape(-1), **fit_params)


class _BlockwiseBase(MetaEstimatorMixin, BaseEstimator):
    """Fit a clone of ``estimator`` on every row block, in parallel, in one compute."""

    def fit(self, X: Any, y: Any, **fit_params: Any) -> Any:
        """Fit one clone of ``estimator`` per block of ``X`` (dask) or on ``X``."""
        name = type(self).__name__
        if not hasattr(self.estimator, "fit"):
            raise param_error(
                name,
                "estimator",
                self.estimator,
                "a scikit-learn estimator",
                f"Pass one, for example {name}(SGDClassifier()).",
            )
        self._check_params()
        owner = f"{name}.fit"
        if is_dask(X) or is_dask(y):
            y = align_y(X, y, owner=owner)
            task = dask.delayed(fit_one, pure=True)
            blocks = paired_row_blocks(X, y, owner=owner)
            models = compute(
                *[task(self.estimator, x, yb, fit_params) for x, yb in blocks],
                desc=owner,
            )
        else:
            X, y = validate_data(
                self, X, y, accept_sparse=True, dtype=None, ensure_all_finite=False
            )
            models = (fit_one(self.estimator, X, y, fit_params),)
        self.estimators_ = list(models)
        first = self.estimators_[0]
        for attribute in ("n_features_in_", "feature_names_in_"):
            if hasattr(first, attribute):
                setattr(self, attribute, getattr(first, attribute))
        self._after_fit()
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = copy.deepcopy(get_tags(self.estimator).input_tags)
        return tags

    def _check_params(self) -> None:
        pass

    def _after_fit(self) -> None:
        pass

    def _lazy(self, method: str, X: Any) -> Any:
        """``method`` on each block of dask ``X``, lazily; None for in-memory X."""
        check_is_fitted(self)
        return getattr(post_fit_view(self), method)(X) if is_dask(X) else None

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The default score (accuracy or r2): one pass for dask input."""
        if not (is_dask(X) or is_dask(y)):
            return super().score(X, y, sample_weight=sample_weight)
        return post_fit_view(self).score(X, y, sample_weight=sample_weight)


class BlockwiseVotingClassifier(ClassifierMixin, _BlockwiseBase):
    """A classifier fitted on every block of a dask collection; the fits vote.

    One clone of ``estimator`` is fitted per row block, all in parallel in one
    ``dask.compute``, each on the block's rows only (no data moves between
    workers). ``predict`` takes the most frequent label among the models
    (``voting="hard"``, ties going to the first class) or the label of the
    highest mean probability (``voting="soft"``). Prediction is lazy and
    blockwise on dask input. ``classes`` fixes the labels (in a block that lacks
    some, its model never predicts them); by default they are the union of the
    labels the models saw.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from scalearn.ensemble import BlockwiseVotingClassifier
    >>> X, y = make_classification(n_samples=600, random_state=0)
    >>> X, y = da.from_array(X, chunks=200), da.from_array(y, chunks=200)
    >>> model = BlockwiseVotingClassifier(LogisticRegression(), voting="soft")
    >>> model = model.fit(X, y)
    >>> len(model.estimators_)
    3
    >>> model.predict_proba(X).chunks
    ((200, 200, 200), (2,))
    """

    def __init__(self, estimator: Any, *, voting: str = "hard", classes: Any = None):
        self.estimator = estimator
        self.voting = voting
        self.classes = classes

    def _check_params(self) -> None:
        check_param(
            type(self).__name__,
            "voting",
            self.voting,
            self.voting in VOTING,
            f"one of {list(VOTING)}",
        )
        if self.voting == "soft" and not hasattr(self.estimator, "predict_proba"):
            raise param_error(
                type(self).__name__,
                "voting",
                self.voting,
                "'hard' for an estimator without predict_proba",
                "Pass voting='hard', or an estimator with predict_proba.",
            )

    def _after_fit(self) -> None:
        if self.classes is not None:
            self.classes_ = np.asarray(self.classes)
        else:
            self.classes_ = np.unique(
                np.concatenate([m.classes_ for m in self.estimators_])
            )

    def predict(self, X: Any) -> Any:
        """The label the models vote for; lazy and blockwise for dask input."""
        lazy = self._lazy("predict", X)
        if lazy is not None:
            return lazy
        if self.voting == "soft":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        votes = np.stack([m.predict(X) for m in self.estimators_], axis=1)
        codes = np.searchsorted(self.classes_, votes)
        counts = np.zeros((len(votes), len(self.classes_)), dtype=np.int64)
        np.add.at(counts, (np.arange(len(votes))[:, None], codes), 1)
        return self.classes_[np.argmax(counts, axis=1)]

    @available_if(lambda self: self.voting == "soft")
    def predict_proba(self, X: Any) -> Any:
        """Mean class probabilities of the models (``voting="soft"`` only)."""
        lazy = self._lazy("predict_proba", X)
        if lazy is not None:
            return lazy
        total = 0.0
        for model in self.estimators_:
            proba = np.zeros((X.shape[0], len(self.classes_)))
            proba[:, np.searchsorted(self.classes_, model.classes_)] = (
                model.predict_proba(X)
            )
            total = total + proba
        return total / len(self.estimators_)


class BlockwiseVotingRegressor(RegressorMixin, _BlockwiseBase):
    """A regressor fitted on every block of a dask collection; fits averaged.

    One clone of ``estimator`` is fitted per row block, in parallel in one
    ``dask.compute``; ``predict`` is the mean of their predictions, lazy and
    blockwise on dask input.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import LinearRegression
    >>> from scalearn.ensemble import BlockwiseVotingRegressor
    >>> X, y = make_regression(n_samples=600, random_state=0)
    >>> X, y = da.from_array(X, chunks=300), da.from_array(y, chunks=300)
    >>> model = BlockwiseVotingRegressor(LinearRegression()).fit(X, y)
    >>> model.predict(X).chunks
    ((300, 300),)
    """

    def __init__(self, estimator: Any):
        self.estimator = estimator

    def predict(self, X: Any) -> Any:
        """The mean prediction of the models; lazy and blockwise for dask input."""
        lazy = self._lazy("predict", X)
        if lazy is not None:
            return lazy
        return np.mean([m.predict(X) for m in self.estimators_], axis=0)
