"""Logistic regression, binary, multinomial or one-vs-rest, on dask collections."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import get_scorer

from scalearn.linear_model._families import Spec
from scalearn.linear_model._glm import (
    _DaskMLParams,
    _decision_block,
    _mean_block,
)
from scalearn.linear_model._solvers import BlockData, Penalty
from scalearn.utils._scoring import score_collection
from scalearn.utils._validation import check_param


def _label_block(X: Any, coef: np.ndarray, intercept: np.ndarray, classes):
    eta = np.asarray(X, dtype=np.float64) @ coef.T + intercept
    codes = (eta[:, 0] > 0).astype(np.intp) if eta.shape[1] == 1 else eta.argmax(1)
    return classes[codes]


def _encode_block(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    return np.searchsorted(classes, np.asarray(y)).astype(np.float64)


class LogisticRegression(ClassifierMixin, _DaskMLParams):
    """Logistic regression with dask-ml's parameters, for any labels and classes.

    Minimizes ``sum_i logloss_i + R(w) / C``, which is exactly scikit-learn's
    objective with the same ``C``: ``penalty="l2"`` is
    ``sklearn.linear_model.LogisticRegression(C=C)``, ``"l1"`` is ``l1_ratio=1``,
    ``"elastic_net"`` is the same ``l1_ratio``, and ``None`` is ``C=np.inf``.
    With more than two classes the loss is multinomial (``multi_class="auto"``
    or ``"multinomial"``), as in scikit-learn, or one binary loss per class
    (``"ovr"``, as ``OneVsRestClassifier(LogisticRegression(C=C))``).
    ``predict`` returns labels from ``classes_``. Other parameters as in
    :class:`LinearRegression`.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.linear_model import LogisticRegression
    >>> X = da.from_array(np.array([[-2.0], [-1.0], [1.0], [2.0]]), chunks=2)
    >>> y = da.from_array(np.array(["no", "no", "yes", "yes"]), chunks=2)
    >>> model = LogisticRegression().fit(X, y)
    >>> model.classes_
    array(['no', 'yes'], dtype='<U3')
    >>> model.predict(X).compute()
    array(['no', 'no', 'yes', 'yes'], dtype='<U3')
    """

    _family = "logistic"
    _classifier = True

    def _check_params(self) -> None:
        super()._check_params()
        accepted = ("auto", "multinomial", "ovr")
        check_param(
            type(self).__name__,
            "multi_class",
            self.multi_class,
            self.multi_class in accepted,
            f"one of {list(accepted)}",
        )

    def _prepare_targets(self, data: BlockData, summary: dict) -> Spec:
        classes = summary["classes"]
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__}.fit: This solver needs samples of at least "
                f"2 classes in the data, but the data contains only one class: "
                f"{classes[0]!r}. Pass data with both classes."
            )
        self.classes_ = classes
        data.map_y(_encode_block, classes)
        if len(classes) == 2:
            family, outputs = "logistic", 1
        else:
            ovr = self.multi_class == "ovr"
            family, outputs = ("ovr" if ovr else "multinomial"), len(classes)
        self._fitted_family = family
        return Spec(family, self.n_features_in_, outputs, self.fit_intercept)

    def _initial_intercept(self, spec: Spec, summary: dict) -> Any:
        share = summary["counts"] / summary["counts"].sum()
        if spec.family == "logistic":
            share = share[1:]
        if spec.family == "multinomial":
            logs = np.log(share)
            return logs - logs.mean()
        return np.log(share) - np.log1p(-share)

    def _set_public(self, coef: np.ndarray, intercept: np.ndarray, n_iter: int):
        if self._fitted_family == "multinomial":
            # Adding one vector to every class changes no probability; without a
            # penalty to pick one, report the solution whose classes sum to zero.
            if self.fit_intercept:
                intercept = intercept - intercept.mean()
            if self._penalty(1) == Penalty():
                coef = coef - coef.mean(axis=0)
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_iter_ = np.array([n_iter])

    def decision_function(self, X: Any) -> Any:
        """``X @ coef_.T + intercept_``: shape (n,) for two classes, else (n, K)."""
        coef, intercept = self._coef_2d()
        return self._map(X, _decision_block, coef, intercept)

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities, columns in the order of ``classes_``."""
        coef, intercept = self._coef_2d()
        return self._map(X, _mean_block, coef, intercept, self._fitted_family)

    def predict_log_proba(self, X: Any) -> Any:
        """The log of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> Any:
        """The most probable label of each row, from ``classes_``."""
        coef, intercept = self._coef_2d()
        return self._map(X, _label_block, coef, intercept, self.classes_)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy, in one pass for dask input."""
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return score_collection(self, self, get_scorer("accuracy"), X, y, **kwargs)
