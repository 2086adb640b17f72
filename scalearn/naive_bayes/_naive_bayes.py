"""GaussianNB fitted in one pass over a dask collection."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
from sklearn import naive_bayes as sk_naive_bayes
from sklearn.utils.validation import check_is_fitted

from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_frame,
    paired_row_blocks,
)
from scalearn.utils._moments import block_moments, merge_moments
from scalearn.utils._progress import compute
from scalearn.utils._validation import numeric_array
from scalearn.wrappers._parallel_post_fit import post_fit_view


def class_moments(block: Any, labels: Any, weights: Any) -> tuple:
    """Per-class and overall moments of one block: a pure numpy kernel.

    Returns the labels found, the (weight, mean, sum of squared deviations)
    rows of each of those classes (``block_moments``' layout) and the
    unweighted moments of all the rows.
    """
    x = np.asarray(block.to_numpy() if hasattr(block, "to_numpy") else block, float)
    if not np.isfinite(x).all():
        raise ValueError(
            "GaussianNB.fit: X contains NaN or infinity. Remove or impute those "
            "values (for example with SimpleImputer) before fitting."
        )
    y = np.asarray(labels).reshape(-1)
    w = np.ones((len(x), 1)) if weights is None else np.asarray(weights, float)
    w = w.reshape(-1, 1)
    found = np.unique(y)
    per_class = [block_moments(x[y == c], w[y == c]) for c in found]
    return found, per_class, block_moments(x)


class GaussianNB(sk_naive_bayes.GaussianNB):
    """Gaussian naive Bayes, fitted in one pass over dask arrays and DataFrames.

    scikit-learn's :class:`~sklearn.naive_bayes.GaussianNB` with dask-ml's
    ``classes`` parameter (the labels, when known, so that none are missed in a
    subset of the data). On dask input, ``fit`` gathers every class's weight,
    mean and variance in a single ``dask.compute`` and sets the same attributes
    as scikit-learn (``theta_``, ``var_``, ``class_count_``, ``class_prior_``,
    ``epsilon_``); ``predict``, ``predict_proba`` and ``predict_log_proba``
    are lazy, blockwise dask collections with the input's row chunks, and
    ``score`` computes the accuracy in one pass. ``partial_fit`` takes in-memory
    batches; for a stream of dask blocks wrap the model in
    ``scalearn.wrappers.Incremental``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.naive_bayes import GaussianNB
    >>> X = da.from_array(np.array([[0.0], [0.2], [3.0], [3.2]]), chunks=2)
    >>> y = da.from_array(np.array(["a", "a", "b", "b"]), chunks=2)
    >>> model = GaussianNB().fit(X, y)
    >>> model.theta_.ravel().round(2)
    array([0.1, 3.1])
    >>> model.predict(X).compute()
    array(['a', 'a', 'b', 'b'], dtype='<U1')
    """

    _parameter_constraints = {
        **sk_naive_bayes.GaussianNB._parameter_constraints,
        "classes": ["array-like", None],
    }

    def __init__(
        self, priors: Any = None, *, var_smoothing: float = 1e-9, classes: Any = None
    ) -> None:
        super().__init__(priors=priors, var_smoothing=var_smoothing)
        self.classes = classes

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GaussianNB:
        """Fit the per-class Gaussians: one pass over dask data."""
        if not (is_dask(X) or is_dask(y)):
            if self.classes is None:
                return super().fit(X, y, sample_weight=sample_weight)
            self._validate_params()
            for name in [n for n in vars(self) if n.endswith("_")]:
                delattr(self, name)
            return super().partial_fit(
                X, y, classes=self.classes, sample_weight=sample_weight
            )
        self._validate_params()
        owner = f"{type(self).__name__}.fit"
        values = numeric_array(X, owner)
        labels = align_y(values, y, owner=owner)
        weights = None
        if sample_weight is not None:
            weights = align_y(values, sample_weight, owner=owner)
        blocks = paired_row_blocks(values, labels, weights, owner=owner)
        task = dask.delayed(class_moments, pure=True)
        parts = compute(*[task(*b) for b in blocks], desc=owner)
        self._set_statistics(parts, owner)
        self.n_features_in_ = values.shape[1]
        if is_dask_frame(X):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        else:
            self.__dict__.pop("feature_names_in_", None)
        return self

    def _set_statistics(self, parts: tuple, owner: str) -> None:
        seen = np.unique(np.concatenate([p[0] for p in parts]))
        classes = seen if self.classes is None else np.asarray(self.classes)
        unknown = np.setdiff1d(seen, classes)
        if len(unknown):
            raise ValueError(
                f"{owner}: y has labels {unknown.tolist()} that are not in classes="
                f"{classes.tolist()}. Pass every label in classes, or classes=None."
            )
        n_features = parts[0][2].shape[1]
        stacked = {c: [] for c in classes.tolist()}
        for found, per_class, _ in parts:
            for label, moments in zip(found.tolist(), per_class, strict=True):
                stacked[label].append(moments)
        theta = np.zeros((len(classes), n_features))
        var = np.zeros((len(classes), n_features))
        counts = np.zeros(len(classes))
        for i, label in enumerate(classes.tolist()):
            if stacked[label]:
                count, mean, m2 = merge_moments(np.concatenate(stacked[label]))
                counts[i], theta[i] = count[0], mean
                var[i] = m2 / np.where(count > 0, count, 1)
        _, _, m2 = merge_moments(np.concatenate([p[2] for p in parts]))
        n_rows = sum(p[2][0, 0] for p in parts)
        self.epsilon_ = self.var_smoothing * float((m2 / n_rows).max())
        self.classes_ = classes
        self.theta_ = theta
        self.var_ = var + self.epsilon_
        self.class_count_ = counts
        self.class_prior_ = self._priors(counts)

    def _priors(self, counts: np.ndarray) -> np.ndarray:
        """``priors`` checked as scikit-learn checks them, else the class shares."""
        if self.priors is None:
            return counts / counts.sum()
        priors = np.asarray(self.priors, dtype=float)
        if len(priors) != len(counts):
            raise ValueError("Number of priors must match number of classes.")
        if not np.isclose(priors.sum(), 1.0):
            raise ValueError("The sum of the priors should be 1.")
        if (priors < 0).any():
            raise ValueError("Priors must be non-negative.")
        return priors

    # --- prediction: lazy and blockwise on dask input -----------------------------

    def predict(self, X: Any) -> Any:
        """The most probable class of each row; a lazy dask collection for dask."""
        return self._post_fit("predict", X)

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities; a lazy dask collection for dask input."""
        return self._post_fit("predict_proba", X)

    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities; a lazy dask collection for dask input."""
        return self._post_fit("predict_log_proba", X)

    def predict_joint_log_proba(self, X: Any) -> Any:
        """Joint log probabilities; a lazy dask collection for dask input."""
        return self._post_fit("predict_joint_log_proba", X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy on ``X`` and ``y``: one pass for dask input."""
        if not (is_dask(X) or is_dask(y)):
            return super().score(X, y, sample_weight=sample_weight)
        return post_fit_view(self).score(X, y, sample_weight=sample_weight)

    def _post_fit(self, method: str, X: Any) -> Any:
        if not is_dask(X):
            return getattr(super(), method)(X)
        check_is_fitted(self)
        return getattr(post_fit_view(self), method)(X)
