"""Generalized linear models fitted natively on numpy, pandas and dask collections.

Two parameter conventions, one objective underneath (``_solvers``):

* dask-ml's (``LinearRegression``, ``LogisticRegression``, ``PoissonRegression``):
  ``penalty`` and ``C`` with the objective, summed over the rows,
  ``sum_i loss_i + (1/C) * R(w)`` where ``R(w)`` is ``||w||^2 / 2`` (``"l2"``),
  ``||w||_1`` (``"l1"``) or ``l1_ratio * ||w||_1 + (1 - l1_ratio) * ||w||^2 / 2``
  (``"elastic_net"``), and ``loss_i`` the log-loss, the squared residual
  ``(y_i - eta_i)^2`` or the Poisson ``exp(eta_i) - y_i * eta_i``;
* scikit-learn's (``Ridge``, ``Lasso``, ``ElasticNet``): ``alpha`` exactly as in
  scikit-learn.

Intercepts are never penalized (as in scikit-learn; dask-ml penalizes them).

With ``sample_weight`` (and ``class_weight``) each row's loss is multiplied by its
weight and every ``n_samples`` in the mappings below becomes the sum of the
weights, exactly as in scikit-learn (whose Lasso and ElasticNet rescale the
weights to sum to ``n_samples``, which is the same objective).

Sparse input (scipy.sparse matrices, or dask arrays of scipy.sparse blocks) is
read as it is, never densified, by every solver.
"""

from __future__ import annotations

import math
import numbers
import uuid
from abc import ABCMeta, abstractmethod
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import d2_tweedie_score, get_scorer, make_scorer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from scalearn.linear_model._families import Spec, as_float, predict_mean
from scalearn.linear_model._solvers import (
    SMOOTH_ONLY,
    SOLVERS,
    BlockData,
    Objective,
    Penalty,
    fits_in_memory,
    solve,
)
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_frame,
    map_rows,
    stand_in,
)
from scalearn.utils._scoring import score_collection
from scalearn.utils._validation import check_fitted_features, check_param, numeric_array

# Solver options a user may pass in ``solver_kwargs``, besides ``persist``.
SOLVER_OPTIONS = {
    "lbfgs": {"maxls", "ftol", "maxcor", "maxfun"},
    "newton": set(),
    "proximal_grad": {"step"},
    "admm": {"rho", "relaxation"},
}
PENALTIES = ("l2", "l1", "elastic_net", "elasticnet", "none", None)
# In-memory input is split into blocks of this many rows at least, so that the
# dask threads share the work of big arrays without overhead on small ones.
_MIN_BLOCK_ROWS = 100_000


# --- per-block kernels: pure numpy ----------------------------------------------


def _decision_block(X: Any, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    eta = np.asarray(as_float(X) @ coef.T) + intercept
    return eta[:, 0] if eta.shape[1] == 1 else eta


def _mean_block(X: Any, coef: np.ndarray, intercept: np.ndarray, family: str):
    eta = np.asarray(as_float(X) @ coef.T) + intercept
    return predict_mean(eta, family)


def _summary_block(X: Any, y: Any, w: Any, classify: bool) -> dict:
    """Rows, finiteness, the weights' sum, y's weighted sum and minimum (or labels).

    For a classifier: its labels and their counts, weighted by ``w``.
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    y = np.asarray(y)
    out = {"n": X.shape[0], "n_y": len(y), "finite_X": bool(np.isfinite(values).all())}
    if w is None:
        out["n_w"], out["w_sum"], out["w_ok"] = len(y), float(len(y)), True
    else:
        w = np.asarray(w, dtype=np.float64)
        out["n_w"], out["w_sum"] = len(w), float(w.sum())
        out["w_ok"] = bool(np.isfinite(w).all() and (w >= 0).all())
    if classify:
        out["labels"], codes = np.unique(y, return_inverse=True)
        out["counts"] = np.bincount(codes, weights=w, minlength=len(out["labels"]))
    else:
        y = y.astype(np.float64)
        out["finite_y"] = bool(np.isfinite(y).all())
        out["y_sum"] = float(y.sum() if w is None else w @ y)
        out["y_min"] = float(y.min()) if len(y) else math.inf
    return out


def _float_targets(y: Any, w: Any) -> tuple[np.ndarray, np.ndarray | None]:
    return np.asarray(y, dtype=np.float64), (
        None if w is None else np.asarray(w, dtype=np.float64)
    )


# --- the shared machinery ---------------------------------------------------------


class _GLMBase(BaseEstimator, metaclass=ABCMeta):
    """Validation, data preparation, solver call and predictions shared by all."""

    _family = "normal"
    _classifier = False

    # -- subclasses: the penalty in the normalized objective and the solver --

    @abstractmethod
    def _penalty(self, n_samples: float) -> Penalty:
        """The penalty of the objective divided by ``n_samples``.

        ``n_samples`` is the number of rows, or the sum of their weights.
        """

    def _solver_name(self) -> str:
        return self.solver

    def _max_iter(self) -> int:
        return self.max_iter

    def _check_params(self) -> None:
        owner = type(self).__name__
        solver = self._solver_name()
        check_param(
            owner,
            "solver",
            self.solver,
            solver in SOLVERS,
            f"one of {sorted(SOLVERS)}",
            "'lbfgs' is the fastest on most problems.",
        )
        check_param(
            owner,
            "max_iter",
            self.max_iter,
            isinstance(self._max_iter(), numbers.Integral) and self._max_iter() >= 1,
            "an int >= 1",
        )
        check_param(
            owner,
            "tol",
            self.tol,
            isinstance(self.tol, numbers.Real) and self.tol > 0,
            "a float > 0",
        )
        options = dict(self.solver_kwargs or {})
        options.pop("persist", None)
        unknown = sorted(set(options) - SOLVER_OPTIONS[solver])
        check_param(
            owner,
            "solver_kwargs",
            self.solver_kwargs,
            not unknown,
            f"a dict with keys among {sorted(SOLVER_OPTIONS[solver] | {'persist'})} "
            f"for solver={solver!r}",
            f"Remove {unknown}.",
        )

    # -- fit --

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> _GLMBase:
        """Fit the model; dask input is read once per solver pass, persisted first.

        Parameters
        ----------
        X : array-like, sparse matrix or dask collection of shape (n_samples, \
n_features)
            A dask array may hold scipy.sparse blocks.
        y : array-like or dask collection of shape (n_samples,)
        sample_weight : array-like or dask collection of shape (n_samples,), \
default=None
            Weights of the rows' losses (see the module's objective); a dask
            array or Series is split like ``X``.

        Returns
        -------
        self
        """
        self._check_params()
        owner = f"{type(self).__name__}.fit"
        Xd, yd, wd = self._as_dask(X, y, sample_weight, owner)
        options = dict(self.solver_kwargs or {})
        persist = options.pop("persist", "auto")
        persist = fits_in_memory(Xd) if persist == "auto" else bool(persist)
        data = BlockData(Xd, yd, wd, persist=persist)
        summary = self._summarize(data, owner)
        spec = self._prepare_targets(data, summary)
        total = summary["total_weight"]
        objective = Objective(data, spec, self._penalty(total), total)
        solver = self._solver_name()
        if solver in SMOOTH_ONLY and objective.penalty.l1 > 0:
            raise ValueError(
                f"The 'solver' parameter of {type(self).__name__} must be one of "
                f"{sorted(set(SOLVERS) - set(SMOOTH_ONLY))} with an L1 penalty. "
                f"Got {self.solver!r} instead. Newton's method needs a smooth "
                "objective; use 'lbfgs', or an 'l2' penalty."
            )
        theta0 = self._initial_theta(spec, summary)
        max_iter = self._max_iter()
        result = solve(solver, objective, theta0, max_iter, self.tol, options)
        self.n_passes_ = data.passes
        self._set_coefficients(result, spec)
        return self

    def _as_dask(
        self, X: Any, y: Any, sample_weight: Any, owner: str
    ) -> tuple[da.Array, Any, Any]:
        """``X`` as a float64 dask array with whole rows; y and weights paired.

        The weights come back None when every row weighs the same (a scalar
        weight changes nothing, as the objective is normalized by their sum).
        """
        if y is None:
            raise ValueError(
                f"{owner}: requires y to be passed, but the target y is None. "
                "Pass the targets: fit(X, y)."
            )
        weights = _scalar_weight_as_none(sample_weight, owner)
        if not is_dask(X):
            y, weights = dask.compute(y, weights)
            X, y = validate_data(
                self,
                X,
                y,
                dtype=np.float64,
                y_numeric=not self._classifier,
                accept_sparse="csr",
            )
            if self._classifier:
                check_classification_targets(y)
            if weights is not None:
                weights = _in_memory_weights(weights, X.shape[0], owner)
            rows = max(_MIN_BLOCK_ROWS, math.ceil(X.shape[0] / 2))
            return _blocks_of(X, rows), _blocks_of(y, rows), _blocks_of(weights, rows)
        Xd = _numeric_dask(X, owner)
        self.n_features_in_ = int(Xd.shape[1])
        if is_dask_frame(X):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        else:
            self.__dict__.pop("feature_names_in_", None)
        yd = _one_column(align_y(X, y, owner=owner), owner, "y")
        if not self._classifier and not pd.api.types.is_numeric_dtype(yd.dtype):
            raise ValueError(
                f"{owner}: y has dtype {yd.dtype!r}; a numeric target is required. "
                "Convert with y.astype(float)."
            )
        if weights is None:
            return Xd, yd, None
        if not is_dask(weights) and not math.isnan(Xd.shape[0]):
            weights = _in_memory_weights(weights, Xd.shape[0], owner)
        wd = _one_column(align_y(X, weights, owner=owner), owner, "sample_weight")
        if not pd.api.types.is_numeric_dtype(wd.dtype):
            raise ValueError(
                f"{owner}: sample_weight has dtype {wd.dtype!r}; numeric weights "
                "are required. Convert with sample_weight.astype(float)."
            )
        return Xd, yd, wd

    def _summarize(self, data: BlockData, owner: str) -> dict:
        parts = data.per_block(_summary_block, self._classifier)
        n = sum(p["n"] for p in parts)
        if any(p["n"] != p["n_y"] for p in parts):
            raise ValueError(
                f"{owner}: the blocks of X and y have different lengths. Build X "
                "and y from one collection (X = df[features], y = df[target])."
            )
        if any(p["n"] != p["n_w"] for p in parts):
            raise ValueError(
                f"{owner}: the blocks of X and sample_weight have different "
                "lengths. Build the weights from the same collection as X "
                "(w = df[weight_column])."
            )
        if n == 0:
            raise ValueError(f"{owner}: X has 0 samples; at least 1 is required.")
        if not all(p["finite_X"] for p in parts):
            raise ValueError(
                f"{owner}: Input X contains NaN or infinity. Impute or drop the "
                "missing values first (for example with SimpleImputer)."
            )
        if not all(p["w_ok"] for p in parts):
            raise ValueError(
                f"{owner}: sample_weight contains negative, NaN or infinite values. "
                "Weights must be finite and >= 0."
            )
        total = sum(p["w_sum"] for p in parts)
        if total <= 0:
            raise ValueError(
                f"{owner}: every sample weight is zero, so there is nothing to "
                "fit. Give at least one row a positive weight."
            )
        summary: dict[str, Any] = {"n": n, "total_weight": total}
        if self._classifier:
            labels = np.concatenate([p["labels"] for p in parts])
            counts = np.concatenate([p["counts"] for p in parts])
            classes, codes = np.unique(labels, return_inverse=True)
            check_classification_targets(classes)
            summary["classes"] = classes
            summary["counts"] = np.bincount(codes, weights=counts)
            return summary
        if not all(p["finite_y"] for p in parts):
            raise ValueError(
                f"{owner}: Input y contains NaN or infinity. Drop those rows."
            )
        summary["y_mean"] = sum(p["y_sum"] for p in parts) / total
        summary["y_min"] = min(p["y_min"] for p in parts)
        return summary

    def _prepare_targets(self, data: BlockData, summary: dict) -> Spec:
        data.map_targets(_float_targets)
        return Spec(self._family, self.n_features_in_, 1, self.fit_intercept)

    def _initial_theta(self, spec: Spec, summary: dict) -> np.ndarray:
        previous = getattr(self, "_theta", None)
        if self.warm_start and previous is not None and previous.shape == (spec.size,):
            return previous.copy()
        theta = np.zeros(spec.theta_shape)
        if spec.fit_intercept:
            theta[-1] = self._initial_intercept(spec, summary)
        return theta.ravel()

    def _initial_intercept(self, spec: Spec, summary: dict) -> Any:
        mean = summary["y_mean"]
        if spec.family == "poisson":
            return math.log(mean) if mean > 0 else 0.0
        return mean

    def _set_coefficients(self, result: Any, spec: Spec) -> None:
        self._theta = result.theta
        theta = result.theta.reshape(spec.theta_shape)
        coef = theta[: spec.n_features].T.copy()
        intercept = theta[-1].copy() if spec.fit_intercept else np.zeros(len(coef))
        self._set_public(coef, intercept, result.n_iter)

    def _set_public(self, coef: np.ndarray, intercept: np.ndarray, n_iter: int):
        self.coef_ = coef[0]
        self.intercept_ = float(intercept[0])
        self.n_iter_ = n_iter

    # -- predictions --

    def _map(self, X: Any, func: Any, *args: Any) -> Any:
        """``func(block, *args)`` over ``X``: lazily for dask, directly otherwise."""
        check_is_fitted(self)
        if is_dask(X):
            owner = f"{type(self).__name__}.predict"
            check_fitted_features(owner, self, X)
            _numeric_dask(X, owner)
            return map_rows(X, func, *args, meta=func(stand_in(X), *args))
        X = validate_data(self, X, dtype=np.float64, reset=False, accept_sparse="csr")
        return func(X, *args)

    def _coef_2d(self) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        coef = np.atleast_2d(self.coef_)
        return coef, np.atleast_1d(np.asarray(self.intercept_, dtype=np.float64))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        return tags


def _blocks_of(A: Any, rows: int) -> da.Array | None:
    """In-memory ``A`` as a dask array of row blocks that are views of it.

    ``da.from_array`` would copy ``A`` and hash it for a key, two passes over
    data that the solvers then only read. None stays None.
    """
    if A is None:
        return None
    token = uuid.uuid4().hex
    pieces = [
        da.from_delayed(
            dask.delayed(A[start : start + rows], name=f"glm-rows-{token}-{i}"),
            shape=A[start : start + rows].shape,
            dtype=A.dtype,
            meta=A[:0],
        )
        for i, start in enumerate(range(0, max(A.shape[0], 1), rows))
    ]
    return da.concatenate(pieces) if len(pieces) > 1 else pieces[0]


def _scalar_weight_as_none(sample_weight: Any, owner: str) -> Any:
    """None for None or a positive scalar (uniform weights); checked."""
    if sample_weight is None or not np.isscalar(sample_weight):
        return sample_weight
    if not (isinstance(sample_weight, numbers.Real) and 0 < sample_weight < math.inf):
        raise ValueError(
            f"{owner}: a scalar sample_weight must be a finite number > 0, got "
            f"{sample_weight!r}. Pass one weight per row, or None."
        )
    return None


def _in_memory_weights(weights: Any, n: int, owner: str) -> np.ndarray:
    values = np.asarray(weights)
    if values.ndim != 1 or len(values) != n:
        raise ValueError(
            f"{owner}: sample_weight has shape {values.shape}; expected ({n},), "
            "one weight per row of X."
        )
    if not np.issubdtype(values.dtype, np.number):
        raise ValueError(
            f"{owner}: sample_weight has dtype {values.dtype!r}; numeric weights "
            "are required. Convert with np.asarray(sample_weight, dtype=float)."
        )
    return values.astype(np.float64)


def _one_column(v: Any, owner: str, name: str) -> Any:
    """A dask ``v`` aligned with X as one column: a dask Series stays one."""
    if is_dask_frame(v) and v.ndim == 2 and len(v.columns) == 1:
        return v[v.columns[0]]
    if not is_dask_frame(v) and v.ndim == 2 and v.shape[1] == 1:
        return v[:, 0]
    if v.ndim != 1:
        raise ValueError(
            f"{owner}: {name} must be 1-D, got shape {v.shape}. These models fit "
            f"one target with one weight per row; pass {name}[:, 0]."
        )
    return v


def _numeric_dask(X: Any, owner: str) -> da.Array:
    """A dask ``X`` as a 2-D float64 dask array with whole rows, checked lazily."""
    return numeric_array(X, owner).astype(np.float64)


def check_l1_ratio(owner: str, value: Any) -> None:
    check_param(
        owner,
        "l1_ratio",
        value,
        isinstance(value, numbers.Real) and 0 <= value <= 1,
        "a float in [0, 1]",
        "0 is a pure L2 penalty, 1 a pure L1 penalty.",
    )


class _DaskMLParams(_GLMBase):
    """dask-ml's parameters: ``penalty`` and ``C`` on the summed loss."""

    def __init__(
        self,
        penalty: str | None = "l2",
        *,
        dual: bool = False,
        tol: float = 1e-4,
        C: float = 1.0,
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        class_weight: Any = None,
        random_state: Any = None,
        solver: str = "lbfgs",
        max_iter: int = 100,
        multi_class: str = "auto",
        verbose: int = 0,
        warm_start: bool = False,
        n_jobs: int | None = 1,
        solver_kwargs: dict | None = None,
        l1_ratio: float = 0.5,
    ) -> None:
        self.penalty = penalty
        self.dual = dual
        self.tol = tol
        self.C = C
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.multi_class = multi_class
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.solver_kwargs = solver_kwargs
        self.l1_ratio = l1_ratio

    def _check_params(self) -> None:
        super()._check_params()
        owner = type(self).__name__
        check_param(
            owner, "penalty", self.penalty, self.penalty in PENALTIES, str(PENALTIES)
        )
        check_param(
            owner,
            "C",
            self.C,
            isinstance(self.C, numbers.Real) and self.C > 0,
            "a float > 0",
            "Use penalty=None (or C=np.inf) for no penalty.",
        )
        check_l1_ratio(owner, self.l1_ratio)
        check_param(
            owner,
            "dual",
            self.dual,
            self.dual is False,
            "False",
            "The dual formulation is not implemented; it only pays when there are "
            "more features than samples.",
        )
        if not self._classifier:
            check_param(
                owner,
                "class_weight",
                self.class_weight,
                self.class_weight is None,
                "None",
                "Class weights apply to classifiers; weigh rows with "
                "fit(X, y, sample_weight=...) instead.",
            )

    def _penalty(self, n_samples: float) -> Penalty:
        if self.penalty in (None, "none") or math.isinf(self.C):
            return Penalty()
        strength = 1.0 / (self.C * n_samples)
        share = {"l2": 0.0, "l1": 1.0}.get(self.penalty, self.l1_ratio)
        return Penalty(l1=share * strength, l2=(1 - share) * strength)


class _LinearRegressorMixin(RegressorMixin):
    """``predict`` and an R^2 ``score`` for the regressors (any parameters)."""

    def predict(self, X: Any) -> Any:
        """``X @ coef_ + intercept_``; a lazy dask collection for dask input."""
        coef, intercept = self._coef_2d()
        return self._map(X, _mean_block, coef, intercept, self._family)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The coefficient of determination R^2, in one pass for dask input."""
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return score_collection(self, self, get_scorer("r2"), X, y, **kwargs)


class LinearRegression(_LinearRegressorMixin, _DaskMLParams):
    """Least squares with dask-ml's parameters: ``sum_i (y_i - eta_i)^2 + R(w) / C``.

    dask-ml's ``LinearRegression`` (penalty ``"l2"`` and ``C=1`` by default, so a
    ridge regression), solved here on dask collections. It maps to scikit-learn
    as: ``penalty="l2"`` is ``Ridge(alpha=1 / (2 * C))``; ``penalty="l1"`` is
    ``Lasso(alpha=1 / (2 * n_samples * C))``; ``penalty="elastic_net"`` is
    ``ElasticNet(alpha=1 / (2 * n_samples * C), l1_ratio=l1_ratio)``;
    ``penalty=None`` is scikit-learn's ``LinearRegression``.

    Parameters
    ----------
    penalty : {"l2", "l1", "elastic_net", None}, default="l2"
    C : float, default=1.0
        Inverse of the penalty strength.
    solver : {"lbfgs", "newton", "proximal_grad", "admm"}, default="lbfgs"
    max_iter, tol : int, float
        Iterations and the tolerance on the gradient of the objective divided
        by the number of samples (scikit-learn's convention).
    solver_kwargs : dict, optional
        Options of the solver; ``{"persist": False}`` keeps dask data unpersisted
        (read again at each pass) when it does not fit in memory.
    l1_ratio : float, default=0.5
        The share of L1 in the ``"elastic_net"`` penalty.

    Other parameters are dask-ml's and are stored only.

    Examples
    --------
    >>> import dask.array as da
    >>> from scalearn.linear_model import LinearRegression
    >>> X = da.from_array([[0.0], [1.0], [2.0], [3.0]], chunks=2)
    >>> y = da.from_array([1.0, 3.0, 5.0, 7.0], chunks=2)
    >>> model = LinearRegression(penalty=None, tol=1e-8).fit(X, y)
    >>> model.coef_.round(4), round(model.intercept_, 4)
    (array([2.]), 1.0)
    >>> model.predict(X).compute().round(4)
    array([1., 3., 5., 7.])
    """

    _family = "normal"


class PoissonRegression(LinearRegression):
    """Poisson regression with a log link and dask-ml's parameters.

    Minimizes ``sum_i (exp(eta_i) - y_i * eta_i) + R(w) / C``. With
    ``penalty="l2"`` this is scikit-learn's
    ``PoissonRegressor(alpha=1 / (n_samples * C))``; ``penalty=None`` is
    ``PoissonRegressor(alpha=0)``. The parameters are those of
    :class:`LinearRegression`; ``score`` is scikit-learn's D^2 (the fraction of
    the Poisson deviance explained).

    Examples
    --------
    >>> import numpy as np
    >>> from scalearn.linear_model import PoissonRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([1.0, 2.0, 4.0, 8.0])
    >>> model = PoissonRegression(penalty=None, tol=1e-8).fit(X, y)
    >>> model.predict(X).round(2)
    array([1., 2., 4., 8.])
    """

    _family = "poisson"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """D^2 of the Poisson deviance, in one pass for dask input."""
        scorer = make_scorer(d2_tweedie_score, power=1)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return score_collection(self, self, scorer, X, y, **kwargs)

    def _summarize(self, data: BlockData, owner: str) -> dict:
        summary = super()._summarize(data, owner)
        if summary["y_min"] < 0:
            raise ValueError(
                f"{owner}: Some value(s) of y are negative which is not allowed "
                "for Poisson regression. Pass counts or rates >= 0."
            )
        return summary

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags
