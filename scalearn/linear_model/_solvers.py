"""Solvers for penalized generalized linear models on row blocks of dask collections.

Every solver minimizes the same objective, normalized by the number of rows ``n``
(as scikit-learn's solvers do, so a tolerance means the same at any ``n``)::

    F(theta) = (1/n) * sum_i s_i * loss_i(theta) + l1 * ||w||_1 + l2 / 2 * ||w||^2

where ``loss_i`` is the family's loss of row ``i`` (see ``_families``), ``s_i``
its weight (sample and class weights; 1 without), ``n = sum_i s_i``, and ``w``
the coefficients in ``theta`` (intercepts are never penalized). The estimators
translate their ``C`` or ``alpha`` into ``l1`` and ``l2``.

The data stay where they are: an evaluation of the loss and its gradient (and
Hessian, for Newton) at one or several points is ONE ``dask.compute`` that maps
``_families.block_eval`` over the row blocks and sums the small results. The
blocks are persisted first when they fit in memory, so that the iterations do
not re-read or re-convert the data.

* ``lbfgs``: scipy's L-BFGS-B, one pass per function-and-gradient evaluation.
  The L1 term is made smooth by splitting each penalized coefficient into a
  positive and a negative part with bounds ``>= 0`` (exact zeros come out).
* ``newton``: Newton's method with a backtracking line search; one pass per
  trial point (loss, gradient and Hessian together); smooth penalties only.
* ``proximal_grad``: accelerated proximal gradient (FISTA) with backtracking and
  restarts; each pass evaluates the candidate and the next extrapolated point.
* ``admm``: consensus ADMM; each pass solves a local problem on every block in
  the task that holds it, then the penalty's proximal step runs on the driver.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import dask
import dask.array as da
import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from scalearn.linear_model._families import Spec, block_eval
from scalearn.utils._containers import to_row_blocks
from scalearn.utils._executor import active_client, one_blas_thread

# Persist the data when it takes at most this share of the memory available.
_PERSIST_SHARE = 0.5


class Penalty(NamedTuple):
    """Strengths of the penalty in the normalized objective (see module doc)."""

    l1: float = 0.0
    l2: float = 0.0


class Result(NamedTuple):
    theta: np.ndarray
    n_iter: int
    converged: bool


def fits_in_memory(X: da.Array) -> bool:
    """Whether persisting ``X`` (as float64) takes at most half the free memory.

    A dask array whose length is hidden (from a dask DataFrame) is taken to fit:
    pass ``solver_kwargs={"persist": False}`` for data larger than memory.
    """
    rows = X.shape[0]
    if math.isnan(rows):
        return True
    needed = rows * (X.shape[1] + 1) * 8
    client = active_client()
    if client is not None:
        workers = client.scheduler_info().get("workers", {}).values()
        limits = [w.get("memory_limit") or 0 for w in workers]
        available = sum(limits) if all(limits) else math.inf
    else:
        import psutil

        available = psutil.virtual_memory().available
    return needed <= _PERSIST_SHARE * available


class BlockData:
    """Row blocks of ``X``, ``y`` and the weights, computed on in one compute a pass.

    ``weights`` is None (every row weighs 1) or aligned with ``y``. ``passes``
    counts the passes made over the data, for tests and reports.
    """

    def __init__(
        self, X: da.Array, y: Any, weights: Any = None, *, persist: bool
    ) -> None:
        # As Delayed blocks first: y may be a dask Series, and persisting it with
        # X's array in one call would mix graph types.
        x_blocks, y_blocks = to_row_blocks(X), to_row_blocks(y)
        w_blocks = [None] * len(x_blocks) if weights is None else to_row_blocks(weights)
        if persist:
            x_blocks, y_blocks, w_blocks = dask.persist(x_blocks, y_blocks, w_blocks)
        self.persisted = persist
        self.x_blocks, self.y_blocks = list(x_blocks), list(y_blocks)
        self.w_blocks = list(w_blocks)
        self.passes = 0

    @property
    def n_blocks(self) -> int:
        return len(self.x_blocks)

    def map_targets(self, func: Callable, *args: Any) -> None:
        """Replace each block's ``(y, w)`` by ``func(y, w, *args)``, lazily.

        Persisted if the data are, so the new targets cost no pass of their own.
        """
        apply = dask.delayed(func, pure=True, nout=2)
        blocks = zip(self.y_blocks, self.w_blocks, strict=True)
        pairs = [apply(y, w, *args) for y, w in blocks]
        y_blocks, w_blocks = [p[0] for p in pairs], [p[1] for p in pairs]
        if self.persisted:
            y_blocks, w_blocks = dask.persist(y_blocks, w_blocks)
        self.y_blocks, self.w_blocks = list(y_blocks), list(w_blocks)

    def per_block(self, func: Callable, *args: Any, each: Any = None) -> list:
        """``[func(X_b, y_b, w_b, *args[, each[b]]) for each block b]``, one compute."""
        apply = dask.delayed(func, pure=True)
        blocks = zip(self.x_blocks, self.y_blocks, self.w_blocks, strict=True)
        tasks = [
            apply(*block, *args) if each is None else apply(*block, *args, each[i])
            for i, block in enumerate(blocks)
        ]
        self.passes += 1
        # One block gains nothing from a thread pool but its overhead.
        local = self.n_blocks == 1 and active_client() is None
        return list(dask.compute(*tasks, scheduler="sync" if local else None))


class Objective:
    """``F`` and its derivatives at any points, one pass over the data per call."""

    def __init__(
        self, data: BlockData, spec: Spec, penalty: Penalty, total_weight: float
    ) -> None:
        # n: the number of rows, or the sum of their weights when weighted.
        self.data, self.spec, self.penalty, self.n = data, spec, penalty, total_weight
        mask = np.ones(spec.theta_shape, dtype=bool)
        if spec.fit_intercept:
            mask[-1, :] = False
        self.penalized = mask.ravel()

    def smooth(self, points: np.ndarray, order: int) -> np.ndarray:
        """Loss + L2 term at ``points`` (m, size): per row the value, grad, Hessian."""
        points = np.atleast_2d(points)
        thetas = points.reshape(len(points), *self.spec.theta_shape)
        parts = self.data.per_block(block_eval, thetas, self.spec, order)
        total = np.sum(parts, axis=0) / self.n
        w = points * self.penalized
        total[:, 0] += 0.5 * self.penalty.l2 * np.einsum("ij,ij->i", w, w)
        size = self.spec.size
        if order >= 1:
            total[:, 1 : 1 + size] += self.penalty.l2 * w
        if order >= 2:
            diagonal = np.arange(size) * (size + 1)
            total[:, 1 + size + diagonal] += self.penalty.l2 * self.penalized
        return total

    def value_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        row = self.smooth(theta, 1)[0]
        return float(row[0]), row[1:]

    def value_grad_hess(self, theta: np.ndarray):
        size = self.spec.size
        row = self.smooth(theta, 2)[0]
        return float(row[0]), row[1 : 1 + size], row[1 + size :].reshape(size, size)

    def optimality(self, theta: np.ndarray, grad: np.ndarray) -> float:
        """Largest entry of F's smallest subgradient at ``theta`` (0 at the optimum).

        ``grad`` is the gradient of the smooth part; for a smooth objective this
        is its largest entry, scikit-learn's L-BFGS stopping criterion.
        """
        if self.penalty.l1 == 0:
            return float(np.abs(grad).max())
        out = grad.copy()
        pen = self.penalized
        w, g = theta[pen], grad[pen]
        out[pen] = np.where(
            w != 0,
            g + self.penalty.l1 * np.sign(w),
            np.maximum(np.abs(g) - self.penalty.l1, 0),
        )
        return float(np.abs(out).max())

    def l1_term(self, theta: np.ndarray) -> float:
        return self.penalty.l1 * float(np.abs(theta[self.penalized]).sum())

    def prox(self, theta: np.ndarray, step: float) -> np.ndarray:
        """Proximal step of ``step * (l1 ||w||_1)`` (soft thresholding of ``w``)."""
        out = theta.copy()
        w = out[self.penalized]
        out[self.penalized] = np.sign(w) * np.maximum(
            np.abs(w) - step * self.penalty.l1, 0
        )
        return out


def _warn_if_not_converged(name: str, result: Result, max_iter: int) -> Result:
    if not result.converged:
        warnings.warn(
            f"The {name} solver did not converge in max_iter={max_iter} iterations. "
            "Increase max_iter, loosen tol, or scale the features (StandardScaler).",
            ConvergenceWarning,
            stacklevel=4,
        )
    return result


# --- L-BFGS ---------------------------------------------------------------------


def lbfgs(obj: Objective, theta0: np.ndarray, max_iter: int, tol: float, **options):
    """scipy's L-BFGS-B on ``F``; L1 through a split into nonnegative parts."""
    options = {"maxls": 50, "ftol": 64 * np.finfo(float).eps, **options}
    options.update(maxiter=max_iter, gtol=tol)
    if obj.penalty.l1 == 0:
        res = minimize(
            obj.value_grad, theta0, jac=True, method="L-BFGS-B", options=options
        )
        return Result(res.x, int(res.nit), res.status == 0)
    penalized = np.flatnonzero(obj.penalized)
    size, l1 = len(theta0), obj.penalty.l1

    def unsplit(z: np.ndarray) -> np.ndarray:
        theta = z[:size].copy()
        theta[penalized] -= z[size:]
        return theta

    def value_grad(z: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = obj.value_grad(unsplit(z))
        value += l1 * (z[penalized].sum() + z[size:].sum())
        out = np.concatenate([grad, -grad[penalized] + l1])
        out[penalized] += l1
        return value, out

    z0 = np.concatenate([theta0, np.maximum(-theta0[penalized], 0)])
    z0[penalized] = np.maximum(theta0[penalized], 0)
    bounds = [(None, None)] * size + [(0, None)] * len(penalized)
    for i in penalized:
        bounds[i] = (0, None)
    res = minimize(
        value_grad, z0, jac=True, method="L-BFGS-B", bounds=bounds, options=options
    )
    return Result(unsplit(res.x), int(res.nit), res.status == 0)


# --- Newton ---------------------------------------------------------------------


def newton(obj: Objective, theta0: np.ndarray, max_iter: int, tol: float):
    """Damped Newton: each trial point costs one pass (value, gradient, Hessian)."""
    theta = theta0
    value, grad, hess = obj.value_grad_hess(theta)
    for iteration in range(max_iter):
        if np.abs(grad).max() <= tol:
            return Result(theta, iteration, True)
        # lstsq: the multinomial Hessian is singular along equal shifts of classes.
        direction = np.linalg.lstsq(hess, -grad, rcond=None)[0]
        slope = float(grad @ direction)
        step = 1.0
        while True:
            trial = theta + step * direction
            new = obj.value_grad_hess(trial)
            if new[0] <= value + 1e-4 * step * slope or step < 1e-10:
                break
            step /= 2
        progress = value - new[0]
        theta, (value, grad, hess) = trial, new
        if 0 <= progress <= 64 * np.finfo(float).eps * max(abs(value), 1.0):
            return Result(theta, iteration + 1, True)
    return Result(theta, max_iter, np.abs(grad).max() <= tol)


# --- accelerated proximal gradient ------------------------------------------------


def proximal_grad(
    obj: Objective, theta0: np.ndarray, max_iter: int, tol: float, step: float = 1.0
):
    """FISTA with backtracking and function-value restarts.

    A pass evaluates the candidate ``x`` (to accept or reject it) and the next
    extrapolated point ``y`` together: two columns in one matrix product.
    Converged when the gradient mapping ``|y - x| / step`` is at most ``tol``.
    """
    x = theta0
    value_x, grad_x = obj.value_grad(x)
    y, value_y, grad_y, momentum = x, value_x, grad_x, 1.0
    for iteration in range(max_iter):
        while True:
            candidate = obj.prox(y - step * grad_y, step)
            move = candidate - y
            next_momentum = (1 + math.sqrt(1 + 4 * momentum**2)) / 2
            extrapolated = candidate + (momentum - 1) / next_momentum * (candidate - x)
            rows = obj.smooth(np.stack([candidate, extrapolated]), 1)
            bound = value_y + grad_y @ move + move @ move / (2 * step)
            if rows[0, 0] <= bound + 1e-12 * abs(bound) or step < 1e-12:
                break
            step /= 2
        total_new = rows[0, 0] + obj.l1_term(candidate)
        total_old = value_x + obj.l1_term(x)
        x, value_x = candidate, rows[0, 0]
        if np.abs(move).max() / step <= tol:
            return Result(x, iteration + 1, True)
        if total_new > total_old:  # restart the momentum from the candidate
            y, value_y, grad_y, momentum = x, rows[0, 0], rows[0, 1:], 1.0
        else:
            y, value_y, grad_y = extrapolated, rows[1, 0], rows[1, 1:]
            momentum = next_momentum
    return Result(x, max_iter, False)


# --- consensus ADMM ---------------------------------------------------------------


def _admm_local(X, y, w, spec, n, rho, tol, state):
    """argmin_x (1/n) sum_{rows of this block} loss + rho/2 ||x - target||^2.

    Also returns the block's loss gradient at the consensus ``z``, so that the
    driver learns the full gradient at ``z`` from the same pass.
    """
    start, target, z = state

    def loss_grad(theta):
        row = block_eval(X, y, w, theta.reshape(1, *spec.theta_shape), spec, 1)[0]
        return row[0] / n, row[1:] / n

    def value_grad(theta):
        value, grad = loss_grad(theta)
        gap = theta - target
        return value + 0.5 * rho * gap @ gap, grad + rho * gap

    res = minimize(
        value_grad, start, jac=True, method="L-BFGS-B", options={"gtol": tol}
    )
    return res.x, loss_grad(z)[1]


def admm(
    obj: Objective,
    theta0: np.ndarray,
    max_iter: int,
    tol: float,
    rho: float | None = None,
    relaxation: float = 1.5,
):
    """Consensus ADMM over the row blocks (Boyd et al. 2011, section 7.1).

    Each block ``b`` keeps its own ``x_b``, solved for in the task that holds the
    block; the penalty acts on the consensus ``z`` through its proximal
    operator, with over-relaxation and residual balancing of ``rho``. Converged
    when ``z``'s optimality (as for the other solvers) is at most ``tol``.
    """
    blocks = obj.data.n_blocks
    rho = 0.1 / blocks if rho is None else rho
    x = np.tile(theta0, (blocks, 1))
    u = np.zeros_like(x)
    z = theta0.copy()
    keep = ~obj.penalized
    for iteration in range(max_iter):
        results = obj.data.per_block(
            _admm_local,
            obj.spec,
            obj.n,
            rho,
            max(tol * rho, 1e-12),
            each=[(x[b], z - u[b], z) for b in range(blocks)],
        )
        x = np.array([r[0] for r in results])
        gradient = np.sum([r[1] for r in results], axis=0)
        gradient += obj.penalty.l2 * z * obj.penalized
        if obj.optimality(z, gradient) <= tol:
            return Result(z, iteration, True)
        z_old = z
        relaxed = relaxation * x + (1 - relaxation) * z
        average = (relaxed + u).mean(axis=0)
        shrink = 1.0 / (blocks * rho)
        z = obj.prox(average, shrink) / (1 + shrink * obj.penalty.l2 * obj.penalized)
        z[keep] = average[keep]
        u += relaxed - z
        primal = float(np.linalg.norm(x - z))
        dual = float(rho * math.sqrt(blocks) * np.linalg.norm(z - z_old))
        if primal > 10 * dual:
            rho, u = rho * 2, u / 2
        elif dual > 10 * primal:
            rho, u = rho / 2, u * 2
    return Result(z, max_iter, False)


SOLVERS: dict[str, Callable[..., Result]] = {
    "lbfgs": lbfgs,
    "newton": newton,
    "proximal_grad": proximal_grad,
    "admm": admm,
}
SMOOTH_ONLY = ("newton",)


def solve(
    name: str,
    obj: Objective,
    theta0: np.ndarray,
    max_iter: int,
    tol: float,
    options: dict,
) -> Result:
    with one_blas_thread():
        result = SOLVERS[name](obj, theta0, max_iter, tol, **options)
    return _warn_if_not_converged(name, result, max_iter)
