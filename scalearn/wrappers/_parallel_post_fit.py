"""ParallelPostFit: fit in memory, predict / transform / score blockwise and lazily."""

from __future__ import annotations

import copy
from typing import Any

import dask
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from scalearn.utils._containers import (
    first_rows,
    is_dask,
    is_dask_frame,
    map_rows,
    stand_in,
)
from scalearn.utils._scoring import resolve_scorer, score_collection
from scalearn.utils._validation import check_fitted_features, param_error

PREDICTION_NAME = "prediction"


def _call_method(block: Any, estimator: Any, method: str, empty: Any = None) -> Any:
    """The per-block kernel: one method of the fitted estimator on one block.

    An empty block (an empty partition or file) gives ``empty``, an output of no
    rows: scikit-learn rejects input without rows.
    """
    if empty is not None and block.shape[0] == 0:
        return empty
    return getattr(estimator, method)(block)


def _no_rows(meta: Any) -> Any:
    """An output of no rows shaped like ``meta``."""
    if isinstance(meta, pd.DataFrame | pd.Series):
        return meta.iloc[:0]
    if sp.issparse(meta):
        return meta[:0]
    return np.asarray(meta)[:0]


def _inner_has(method: str):
    """True when the fitted estimator (or, before fit, the given one) has ``method``."""

    def check(self) -> bool:
        inner = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        return hasattr(inner, method)

    return check


class ParallelPostFit(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator in memory, then predict, transform and score in parallel.

    ``fit`` trains a clone of ``estimator`` on in-memory data (dask input is
    computed first: this wrapper is for models that train on a sample or a small
    dataset). Every post-fit method then works block by block: a dask array in
    gives a lazy dask array with the same row chunks; a dask DataFrame in gives a
    lazy dask Series or DataFrame on the input's index; numpy or pandas in gives
    exactly what the wrapped estimator gives.

    Parameters
    ----------
    estimator : scikit-learn estimator
        The estimator to fit in memory. It is cloned into ``estimator_``; the
        object passed here is never changed.
    scoring : str, callable or None, default None
        How ``score`` scores, as in scikit-learn (``"r2"``, ``"roc_auc"``, a
        scorer). None uses the estimator's own ``score``; for dask input that is
        accuracy for classifiers and r2 for regressors, computed blockwise.
    predict_meta, predict_proba_meta, transform_meta : array-like, optional
        An empty example of the method's output on one block, which sets the
        output's dtype and columns. By default it is inferred by calling the
        method on a tiny stand-in built from the input's metadata, without
        computing the input.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_, n_features_in_, feature_names_in_ :
        Those of ``estimator_``, when it has them.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import LogisticRegression
    >>> from scalearn.wrappers import ParallelPostFit
    >>> X = da.random.default_rng(0).normal(size=(1_000, 4), chunks=(250, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = ParallelPostFit(LogisticRegression()).fit(X[:200], y[:200])
    >>> proba = clf.predict_proba(X)
    >>> proba.chunks
    ((250, 250, 250, 250), (2,))
    >>> float(clf.score(X, y)) > 0.95
    True
    """

    _meta_params = {
        "predict": "predict_meta",
        "predict_proba": "predict_proba_meta",
        "transform": "transform_meta",
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        scoring: Any = None,
        predict_meta: Any = None,
        predict_proba_meta: Any = None,
        transform_meta: Any = None,
    ) -> None:
        self.estimator = estimator
        self.scoring = scoring
        self.predict_meta = predict_meta
        self.predict_proba_meta = predict_proba_meta
        self.transform_meta = transform_meta

    # --- fit -----------------------------------------------------------------

    def _check_estimator(self) -> None:
        if self.estimator is None or not hasattr(self.estimator, "fit"):
            raise param_error(
                type(self).__name__,
                "estimator",
                self.estimator,
                "a scikit-learn estimator (an object with a 'fit' method)",
                f"Pass one, for example {type(self).__name__}(LogisticRegression()).",
            )

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> ParallelPostFit:
        """Fit a clone of ``estimator`` on in-memory data.

        Dask collections are computed first (one pass for ``X``, ``y`` and the
        fit parameters together).
        """
        self._check_estimator()
        if any(is_dask(v) for v in (X, y, *fit_params.values())):
            X, y, fit_params = dask.compute(X, y, fit_params)
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "estimator_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is None:
            return tags
        inner = copy.deepcopy(get_tags(self.estimator))
        inner.requires_fit = True
        return inner

    # --- attributes of the fitted estimator ----------------------------------

    @property
    def classes_(self) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        check_is_fitted(self)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    @available_if(_inner_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self)
        return self.estimator_.get_feature_names_out(input_features)

    def set_output(self, *, transform: str | None = None) -> ParallelPostFit:
        """Set the container ``transform`` returns, as scikit-learn's ``set_output``.

        Like a Pipeline, this configures the wrapped estimator (and the fitted
        clone, if any). With ``"pandas"``, a dask array input gives a dask
        DataFrame indexed by row position.
        """
        for inner in (self.estimator, getattr(self, "estimator_", None)):
            if inner is not None and hasattr(inner, "set_output"):
                inner.set_output(transform=transform)
        return self

    # --- post-fit methods -----------------------------------------------------

    @available_if(_inner_has("predict"))
    def predict(self, X: Any) -> Any:
        """Predict for ``X``; lazy and blockwise for dask input."""
        return self._apply("predict", X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        """Class probabilities; on a dask DataFrame, columns named ``str(class)``."""
        return self._apply("predict_proba", X)

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        """Log class probabilities for ``X``."""
        return self._apply("predict_log_proba", X)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        """Confidence scores for ``X``."""
        return self._apply("decision_function", X)

    @available_if(_inner_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform ``X``; output meta has the true number of columns."""
        return self._apply("transform", X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Score with ``scoring`` (default: the estimator's own score).

        On dask input the needed predictions and ``y`` are computed in one pass,
        and any scikit-learn scorer works, ``"r2"`` and ``"roc_auc"`` included.
        """
        check_is_fitted(self)
        fitted = self.estimator_
        dask_input = is_dask(X) or is_dask(y)
        scorer = resolve_scorer(fitted, self.scoring, for_dask=dask_input)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return score_collection(self, fitted, scorer, X, y, **kwargs)

    def _apply(self, method: str, X: Any) -> Any:
        check_is_fitted(self)
        fitted = self.estimator_
        if not is_dask(X):
            return getattr(fitted, method)(X)
        owner = f"{type(self).__name__}.{method}"
        check_fitted_features(owner, fitted, X)
        meta_param = self._meta_params.get(method)
        meta = getattr(self, meta_param) if meta_param else None
        if meta is None:
            meta = self._infer_meta(fitted, method, X)
        return map_rows(
            X,
            _call_method,
            dask.delayed(fitted, pure=True),
            method,
            _no_rows(meta),
            meta=meta,
        )

    def _infer_meta(self, fitted: Any, method: str, X: Any) -> Any:
        """Run ``method`` on a stand-in of two rows; fall back to two real rows.

        The stand-in is made from metadata alone. Some models reject made-up
        values (an encoder that refuses unknown categories); then the first two
        rows of the first block are computed, which reads one block.
        """
        try:
            out = getattr(fitted, method)(stand_in(X))
        except Exception:
            try:
                out = getattr(fitted, method)(first_rows(X))
            except Exception as exc:
                param = self._meta_params.get(method, f"{method}_meta")
                # Usually the data do not suit the model (unknown categories,
                # text in a numeric column): say that first.
                raise ValueError(
                    f"{type(self).__name__}.{method} failed on the first rows of "
                    f"X ({type(exc).__name__}: {exc}). Fix the data if they do not "
                    "suit the fitted model, as that error says; if they do, pass "
                    f"{param}=, an empty example of the output, so that it is not "
                    "inferred from them."
                ) from exc
        if is_dask_frame(X):
            return _label_output(fitted, method, out)
        return out


def _label_output(fitted: Any, method: str, out: Any) -> Any:
    """Name a numpy output's columns so a dask DataFrame can carry it."""
    if isinstance(out, pd.DataFrame | pd.Series) or sp.issparse(out):
        return out
    out = np.asarray(out)
    if out.ndim == 1:
        return pd.Series(out, name=PREDICTION_NAME if method == "predict" else method)
    classes = getattr(fitted, "classes_", None)
    if method != "transform" and classes is not None and len(classes) == out.shape[1]:
        # String labels, so the result can be written to parquet as it is.
        return pd.DataFrame(out, columns=[str(c) for c in classes])
    if method == "transform" and hasattr(fitted, "get_feature_names_out"):
        try:
            return pd.DataFrame(out, columns=list(fitted.get_feature_names_out()))
        except Exception:  # not every transformer can name its output
            pass
    return pd.DataFrame(out)


def post_fit_view(fitted: Any) -> ParallelPostFit:
    """A fitted ParallelPostFit around an already fitted ``fitted`` (not copied).

    Used by meta-estimators (searches) to predict and score blockwise on dask
    input with a model they fit themselves.
    """
    view = ParallelPostFit(fitted)
    view.estimator_ = fitted
    return view
