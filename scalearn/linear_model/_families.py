"""Per-block kernels of the GLM losses: pure numpy functions, no dask in them.

Every kernel works on one row block ``X`` (float64, shape ``(n, p)``) and its
targets ``y`` (float64, shape ``(n,)``: the values for ``normal`` and
``poisson``, 0/1 for ``logistic``, class codes ``0..K-1`` for ``multinomial``
and ``ovr``). The parameters ``theta`` have shape ``(p + fit_intercept, K)``:
one column of coefficients per output, the intercepts in the last row.

The losses, summed over the rows (``eta`` is the linear predictor ``x @ w + b``):

========== ============================================== =====================
family     loss of one row                                prediction
========== ============================================== =====================
normal     ``(y - eta) ** 2``                             ``eta``
poisson    ``exp(eta) - y * eta``                         ``exp(eta)``
logistic   ``log(1 + exp(eta)) - y * eta``                ``1 / (1 + exp(-eta))``
multinomial ``logsumexp(eta) - eta[y]``                   ``softmax(eta)``
ovr        one logistic loss per class, against y == k    normalized sigmoids
========== ============================================== =====================
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import expit

FAMILIES = ("normal", "poisson", "logistic", "multinomial", "ovr")


class Spec(NamedTuple):
    """What a kernel needs to know about the model, small enough to ship to tasks."""

    family: str
    n_features: int
    n_outputs: int
    fit_intercept: bool

    @property
    def theta_shape(self) -> tuple[int, int]:
        return (self.n_features + int(self.fit_intercept), self.n_outputs)

    @property
    def size(self) -> int:
        rows, outputs = self.theta_shape
        return rows * outputs


def linear_predictor(X: np.ndarray, thetas: np.ndarray, spec: Spec) -> np.ndarray:
    """``eta`` for one or several parameter points at once, in one pass over ``X``.

    ``thetas`` has shape ``(m, p + fit_intercept, K)``; the result ``(n, m, K)``.
    Stacking the points side by side makes this one matrix product, so that
    evaluating several points costs about what one does (``X`` is read once).
    """
    m, _, k = thetas.shape
    p = spec.n_features
    coef = thetas[:, :p, :].transpose(1, 0, 2).reshape(p, m * k)
    eta = (X @ coef).reshape(len(X), m, k)
    if spec.fit_intercept:
        eta += thetas[:, p, :]
    return eta


def _one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(codes), k))
    out[np.arange(len(codes)), codes.astype(np.intp)] = 1.0
    return out


def pointwise(
    family: str, eta: np.ndarray, y: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Summed loss, its derivative in ``eta`` and the family's probabilities.

    ``eta`` has shape ``(n, K)``. Returns ``(loss, d, mean)`` where ``d`` is
    ``dloss/deta`` (n, K) and ``mean`` the fitted mean used by the Hessian.
    """
    if family == "normal":
        residual = eta[:, 0] - y
        return float(residual @ residual), 2.0 * residual[:, None], None
    if family == "poisson":
        with np.errstate(over="ignore"):
            mu = np.exp(eta[:, 0])
        loss = float(mu.sum() - y @ eta[:, 0])
        return loss, (mu - y)[:, None], mu[:, None]
    if family == "multinomial":
        top = eta.max(axis=1, keepdims=True)
        expd = np.exp(eta - top)
        total = expd.sum(axis=1, keepdims=True)
        prob = expd / total
        codes = y.astype(np.intp)
        picked = eta[np.arange(len(eta)), codes]
        loss = float((top[:, 0] + np.log(total[:, 0]) - picked).sum())
        d = prob.copy()
        d[np.arange(len(eta)), codes] -= 1.0
        return loss, d, prob
    target = y[:, None] if family == "logistic" else _one_hot(y, eta.shape[1])
    # log(1 + exp(eta)) = max(eta, 0) + log1p(exp(-|eta|)), without overflow;
    # in place, as this is most of a logistic evaluation's time after the GEMVs.
    small = np.abs(eta)
    np.negative(small, out=small)
    np.exp(small, out=small)
    loss = np.maximum(eta, 0.0).sum() + np.log1p(small).sum()
    loss -= float(np.vdot(target, eta))
    prob = expit(eta)
    return float(loss), prob - target, prob


def _with_ones(X: np.ndarray, spec: Spec) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))]) if spec.fit_intercept else X


def hessian(X: np.ndarray, spec: Spec, eta: np.ndarray, mean: np.ndarray | None):
    """The Hessian of the summed loss in ``theta``, shape ``(size, size)``."""
    Xa = _with_ones(X, spec)
    rows, k = spec.theta_shape
    out = np.zeros((rows, k, rows, k))
    if spec.family == "multinomial":
        for a in range(k):
            for b in range(a, k):
                weight = mean[:, a] * ((a == b) - mean[:, b])
                block = Xa.T @ (Xa * weight[:, None])
                out[:, a, :, b] = block
                out[:, b, :, a] = block.T
        return out.reshape(spec.size, spec.size)
    if spec.family == "normal":
        weights = np.full((len(X), 1), 2.0)
    elif spec.family == "poisson":
        weights = mean
    else:
        weights = mean * (1.0 - mean)
    for a in range(k):
        out[:, a, :, a] = Xa.T @ (Xa * weights[:, a : a + 1])
    return out.reshape(spec.size, spec.size)


def block_eval(
    X: np.ndarray, y: np.ndarray, thetas: np.ndarray, spec: Spec, order: int
) -> np.ndarray:
    """Loss (order 0), + gradient (1), + Hessian (2) at each point, summed on a block.

    Returns shape ``(m, 1 + size [+ size**2])``: per point, the loss, then the
    gradient and the Hessian flattened in ``theta``'s row-major order.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m = len(thetas)
    width = 1 + (spec.size if order >= 1 else 0) + (spec.size**2 if order >= 2 else 0)
    out = np.zeros((m, width))
    if len(X) == 0:
        return out
    eta = linear_predictor(X, thetas, spec)
    derivatives = []
    for i in range(m):
        loss, d, mean = pointwise(spec.family, eta[:, i, :], y)
        out[i, 0] = loss
        derivatives.append(d)
        if order >= 2:
            out[i, 1 + spec.size :] = hessian(X, spec, eta[:, i, :], mean).ravel()
    if order >= 1:
        stacked = derivatives[0] if m == 1 else np.concatenate(derivatives, axis=1)
        grads = [(X.T @ stacked).reshape(spec.n_features, m, spec.n_outputs)]
        if spec.fit_intercept:
            grads.append(stacked.sum(axis=0).reshape(1, m, spec.n_outputs))
        grad = np.concatenate(grads, axis=0).transpose(1, 0, 2)
        out[:, 1 : 1 + spec.size] = grad.reshape(m, spec.size)
    return out


def predict_mean(eta: np.ndarray, family: str) -> np.ndarray:
    """The fitted mean (regression) or class probabilities from ``eta`` (n, K)."""
    if family == "normal":
        return eta[:, 0]
    if family == "poisson":
        return np.exp(eta[:, 0])
    if family == "multinomial":
        expd = np.exp(eta - eta.max(axis=1, keepdims=True))
        return expd / expd.sum(axis=1, keepdims=True)
    prob = expit(eta)
    if family == "logistic":
        return np.hstack([1.0 - prob, prob])
    return prob / prob.sum(axis=1, keepdims=True)
