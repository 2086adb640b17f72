"""Logistic regression, binary, multinomial or one-vs-rest, on dask collections."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import get_scorer
from sklearn.utils.class_weight import compute_class_weight

from scalearn.linear_model._families import Spec, as_float
from scalearn.linear_model._glm import (
    _DaskMLParams,
    _decision_block,
    _mean_block,
)
from scalearn.linear_model._solvers import BlockData, Penalty
from scalearn.utils._scoring import score_collection
from scalearn.utils._validation import check_param


def _label_block(X: Any, coef: np.ndarray, intercept: np.ndarray, classes):
    eta = np.asarray(as_float(X) @ coef.T) + intercept
    codes = (eta[:, 0] > 0).astype(np.intp) if eta.shape[1] == 1 else eta.argmax(1)
    return classes[codes]


def _encode_block(y: Any, w: Any, classes: np.ndarray, class_weights: Any):
    """Class codes 0..K-1 as floats, and the rows' weights times their class's."""
    codes = np.searchsorted(classes, np.asarray(y))
    weights = None if w is None else np.asarray(w, dtype=np.float64)
    if class_weights is not None:
        by_class = class_weights[codes]
        weights = by_class if weights is None else weights * by_class
    return codes.astype(np.float64), weights


class LogisticRegression(ClassifierMixin, _DaskMLParams):
    """Logistic regression with dask-ml's parameters, for any labels and classes.

    Minimizes ``sum_i logloss_i + R(w) / C``, which is exactly scikit-learn's
    objective with the same ``C``: ``penalty="l2"`` is
    ``sklearn.linear_model.LogisticRegression(C=C)``, ``"l1"`` is ``l1_ratio=1``,
    ``"elastic_net"`` is the same ``l1_ratio``, and ``None`` is ``C=np.inf``.
    With more than two classes the loss is multinomial (``multi_class="auto"``
    or ``"multinomial"``), as in scikit-learn, or one binary loss per class
    (``"ovr"``, as ``OneVsRestClassifier(LogisticRegression(C=C))``).
    ``predict`` returns labels from ``classes_``.

    ``class_weight`` (``"balanced"`` or ``{label: weight}``) multiplies each
    row's loss by its class's weight, as ``sample_weight`` does, with
    scikit-learn's meaning: ``"balanced"`` weighs class ``k`` by
    ``total / (n_classes * total_k)`` where the totals are (sample-weighted) row
    counts, taken in fit's first pass over the data. The tolerance ``tol`` is
    scikit-learn's: L-BFGS stops when the largest entry of the projected
    gradient of the objective divided by the summed weights is at most ``tol``,
    starting from zero coefficients, so that at the same ``tol`` both libraries
    stop at the same point (``newton`` starts there too; ``proximal_grad`` and
    ``admm`` start from the classes' log-odds). Other parameters as in
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
        owner = type(self).__name__
        accepted = ("auto", "multinomial", "ovr")
        check_param(
            owner,
            "multi_class",
            self.multi_class,
            self.multi_class in accepted,
            f"one of {list(accepted)}",
        )
        check_param(
            owner,
            "class_weight",
            self.class_weight,
            self.class_weight is None
            or isinstance(self.class_weight, dict)
            or (isinstance(self.class_weight, str) and self.class_weight == "balanced"),
            "None, 'balanced' or a dict {label: weight}",
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
        class_weights = None
        if self.class_weight is not None:
            # The classes once each, weighted by their totals: the weighted
            # counts of the whole data, which is all that "balanced" reads.
            class_weights = compute_class_weight(
                self.class_weight,
                classes=classes,
                y=classes,
                sample_weight=summary["counts"],
            )
            summary["counts"] = class_weights * summary["counts"]
            summary["total_weight"] = float(summary["counts"].sum())
        data.map_targets(_encode_block, classes, class_weights)
        if len(classes) == 2:
            family, outputs = "logistic", 1
        else:
            ovr = self.multi_class == "ovr"
            family, outputs = ("ovr" if ovr else "multinomial"), len(classes)
        self._fitted_family = family
        return Spec(family, self.n_features_in_, outputs, self.fit_intercept)

    def _initial_intercept(self, spec: Spec, summary: dict) -> Any:
        if self._solver_name() in ("lbfgs", "newton"):
            # scikit-learn's start: with the same start, objective and stopping
            # rule, L-BFGS stops where scikit-learn's does at any tol.
            return 0.0
        # The first-order solvers start from the classes' log-odds, which saves
        # ADMM up to half its passes.
        # A class weighed 0 has no log-odds; a tiny share stands for it.
        share = np.maximum(summary["counts"] / summary["counts"].sum(), 1e-12)
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
