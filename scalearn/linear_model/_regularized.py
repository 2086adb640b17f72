"""Ridge, Lasso and ElasticNet with scikit-learn's ``alpha``, on dask collections.

The same objectives as scikit-learn, written in the solvers' normalized form
``(1/n) sum_i (y_i - eta_i)^2 + l1 * ||w||_1 + l2 / 2 * ||w||^2``:

* ``Ridge``: ``||y - Xw||^2 + alpha * ||w||^2``, so ``l2 = 2 * alpha / n``;
* ``Lasso``: ``||y - Xw||^2 / (2n) + alpha * ||w||_1``, so ``l1 = 2 * alpha``;
* ``ElasticNet``: ``||y - Xw||^2 / (2n) + alpha * l1_ratio * ||w||_1
  + alpha * (1 - l1_ratio) / 2 * ||w||^2``, so ``l1 = 2 * alpha * l1_ratio`` and
  ``l2 = 2 * alpha * (1 - l1_ratio)``.

``tol`` bounds the gradient (or, for the L1 solvers, the gradient mapping) of the
normalized objective, not scikit-learn's duality gap.
"""

from __future__ import annotations

import numbers
from abc import abstractmethod

from scalearn.linear_model._glm import (
    _GLMBase,
    _LinearRegressorMixin,
    check_l1_ratio,
)
from scalearn.linear_model._solvers import Penalty
from scalearn.utils._validation import check_param


class _AlphaRegressor(_LinearRegressorMixin, _GLMBase):
    """scikit-learn's ``alpha`` convention; ``solver="auto"`` picks per penalty."""

    _auto_solver = "lbfgs"
    _default_max_iter = 1000

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        max_iter: int | None = None,
        tol: float = 1e-4,
        solver: str = "auto",
        warm_start: bool = False,
        solver_kwargs: dict | None = None,
    ) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.warm_start = warm_start
        self.solver_kwargs = solver_kwargs

    def _max_iter(self) -> int:
        return self._default_max_iter if self.max_iter is None else self.max_iter

    def _solver_name(self) -> str:
        return self._auto_solver if self.solver == "auto" else self.solver

    def _check_params(self) -> None:
        super()._check_params()
        check_param(
            type(self).__name__,
            "alpha",
            self.alpha,
            isinstance(self.alpha, numbers.Real) and self.alpha >= 0,
            "a float >= 0",
        )


class Ridge(_AlphaRegressor):
    """Least squares with an L2 penalty: ``||y - Xw||^2 + alpha * ||w||^2``.

    scikit-learn's :class:`~sklearn.linear_model.Ridge` objective, fitted on
    numpy, pandas or dask collections. ``solver="auto"`` is Newton's method,
    which for this quadratic objective is exact in one step (two passes over
    the data).

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept : bool, default=True
    max_iter : int, default=None
        None means 100 (Newton needs two on this quadratic objective).
    tol : float, default=1e-4
    solver : {"auto", "lbfgs", "newton", "proximal_grad", "admm"}, default="auto"
    warm_start : bool, default=False
    solver_kwargs : dict, optional
        Solver options; ``{"persist": False}`` keeps dask data unpersisted.

    Examples
    --------
    >>> import numpy as np
    >>> from scalearn.linear_model import Ridge
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Ridge(alpha=1.0).fit(X, [0.0, 1.0, 2.0, 3.0]).coef_.round(4)
    array([0.8333])
    """

    _auto_solver = "newton"
    _default_max_iter = 100

    def _penalty(self, n_samples: float) -> Penalty:
        return Penalty(l2=2.0 * self.alpha / n_samples)


class _L1Regressor(_AlphaRegressor):
    """The elastic-net objective; subclasses say how much of it is L1."""

    @abstractmethod
    def _l1_share(self) -> float:
        """The fraction of the penalty that is L1."""

    def _penalty(self, n_samples: float) -> Penalty:
        share = self._l1_share()
        return Penalty(l1=2.0 * self.alpha * share, l2=2.0 * self.alpha * (1 - share))


class ElasticNet(_L1Regressor):
    """Least squares with L1 and L2 penalties, with scikit-learn's parameters.

    Minimizes ``||y - Xw||^2 / (2 * n_samples) + alpha * l1_ratio * ||w||_1 +
    alpha * (1 - l1_ratio) / 2 * ||w||^2``, as
    :class:`sklearn.linear_model.ElasticNet`. ``solver="auto"`` is L-BFGS-B on
    the split coefficients (see ``_solvers``), which gives exact zeros.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float, default=0.5
    fit_intercept : bool, default=True
    max_iter : int, default=None
        None means 1000, scikit-learn's default.
    tol : float, default=1e-4
    solver : {"auto", "lbfgs", "proximal_grad", "admm"}, default="auto"
    warm_start : bool, default=False
    solver_kwargs : dict, optional

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.linear_model import ElasticNet
    >>> X = da.from_array(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]]), chunks=2)
    >>> y = da.from_array(np.array([0.0, 1.0, 2.0]), chunks=2)
    >>> ElasticNet(alpha=0.1, tol=1e-8).fit(X, y).coef_.round(3)
    array([0.86, 0.  ])
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        max_iter: int | None = None,
        tol: float = 1e-4,
        solver: str = "auto",
        warm_start: bool = False,
        solver_kwargs: dict | None = None,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.warm_start = warm_start
        self.solver_kwargs = solver_kwargs

    def _check_params(self) -> None:
        super()._check_params()
        check_l1_ratio(type(self).__name__, self.l1_ratio)

    def _l1_share(self) -> float:
        return self.l1_ratio


class Lasso(_L1Regressor):
    """Least squares with an L1 penalty: ``||y - Xw||^2 / (2n) + alpha * ||w||_1``.

    :class:`sklearn.linear_model.Lasso`'s objective; the parameters of
    :class:`ElasticNet` without ``l1_ratio`` (which is 1).

    Examples
    --------
    >>> import numpy as np
    >>> from scalearn.linear_model import Lasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    >>> Lasso(alpha=0.1, tol=1e-8).fit(X, [0.0, 1.0, 2.0]).coef_.round(3)
    array([0.85, 0.  ])
    """

    def _l1_share(self) -> float:
        return 1.0
