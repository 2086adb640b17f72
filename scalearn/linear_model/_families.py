"""Per-block kernels of the GLM losses: pure numpy functions, no dask in them.

Every kernel works on one row block ``X`` (float64, shape ``(n, p)``, a numpy
array or a scipy.sparse matrix), its optional row weights ``w`` (shape ``(n,)``,
None for unit weights) and its targets ``y`` (float64, shape ``(n,)``: the values
for ``normal`` and ``poisson``, 0/1 for ``logistic``, class codes ``0..K-1`` for
``multinomial`` and ``ovr``). The parameters ``theta`` have shape
``(p + fit_intercept, K)``: one column of coefficients per output, the intercepts
in the last row.

The losses, each multiplied by its row's weight and summed over the rows (``eta``
is the linear predictor ``x @ w + b``):

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
import scipy.sparse as sp
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


def as_float(X: object) -> np.ndarray | sp.csr_matrix:
    """A block as float64: a CSR matrix if it is sparse, else a numpy array."""
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float64)
    return np.asarray(X, dtype=np.float64)


def linear_predictor(X: np.ndarray, thetas: np.ndarray, spec: Spec) -> np.ndarray:
    """``eta`` for one or several parameter points at once, in one pass over ``X``.

    ``thetas`` has shape ``(m, p + fit_intercept, K)``; the result ``(n, m, K)``.
    Stacking the points side by side makes this one matrix product, so that
    evaluating several points costs about what one does (``X`` is read once).
    """
    m, _, k = thetas.shape
    p = spec.n_features
    coef = thetas[:, :p, :].transpose(1, 0, 2).reshape(p, m * k)
    eta = np.asarray(X @ coef).reshape(X.shape[0], m, k)
    if spec.fit_intercept:
        eta += thetas[:, p, :]
    return eta


def _one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(codes), k))
    out[np.arange(len(codes)), codes.astype(np.intp)] = 1.0
    return out


def pointwise(
    family: str, eta: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Weighted summed loss, its derivative in ``eta`` and the fitted mean.

    ``eta`` has shape ``(n, K)``. Returns ``(loss, d, mean)`` where ``d`` is
    ``w * dloss/deta`` (n, K) and ``mean`` the fitted mean used by the Hessian.
    """
    if family == "normal":
        residual = eta[:, 0] - y
        d = 2.0 * residual
        rows, mean = residual * residual, None
    elif family == "poisson":
        with np.errstate(over="ignore"):
            mu = np.exp(eta[:, 0])
        d = mu - y
        rows, mean = mu - y * eta[:, 0], mu[:, None]
    elif family == "multinomial":
        top = eta.max(axis=1, keepdims=True)
        expd = np.exp(eta - top)
        total = expd.sum(axis=1, keepdims=True)
        mean = expd / total
        codes = y.astype(np.intp)
        rows = top[:, 0] + np.log(total[:, 0]) - eta[np.arange(len(eta)), codes]
        d = mean.copy()
        d[np.arange(len(eta)), codes] -= 1.0
    else:
        target = y[:, None] if family == "logistic" else _one_hot(y, eta.shape[1])
        # log(1 + exp(eta)) = max(eta, 0) + log1p(exp(-|eta|)), without overflow;
        # in place, as this is most of a logistic evaluation's time after GEMVs.
        rows = np.abs(eta)
        np.negative(rows, out=rows)
        np.exp(rows, out=rows)
        np.log1p(rows, out=rows)
        rows += np.maximum(eta, 0.0)
        rows -= target * eta
        mean = expit(eta)
        d = mean - target
    if d.ndim == 1:
        d = d[:, None]
    if w is None:
        return float(rows.sum()), d, mean
    rows = rows if rows.ndim == 1 else rows.sum(axis=1)
    return float(w @ rows), d * w[:, None], mean


def _with_ones(X: np.ndarray | sp.csr_matrix, spec: Spec):
    if not spec.fit_intercept:
        return X
    ones = np.ones((X.shape[0], 1))
    return (
        sp.hstack([X, ones], format="csr") if sp.issparse(X) else np.hstack([X, ones])
    )


def _gram(Xa: np.ndarray | sp.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """``Xa.T @ diag(weights) @ Xa`` as a dense array."""
    if sp.issparse(Xa):
        return np.asarray((Xa.T @ Xa.multiply(weights[:, None]).tocsr()).todense())
    return Xa.T @ (Xa * weights[:, None])


def hessian(
    X: np.ndarray | sp.csr_matrix,
    spec: Spec,
    mean: np.ndarray | None,
    w: np.ndarray | None = None,
) -> np.ndarray:
    """The Hessian of the weighted summed loss in ``theta``, shape ``(size, size)``."""
    Xa = _with_ones(X, spec)
    rows, k = spec.theta_shape
    n = X.shape[0]
    w = np.ones(n) if w is None else w
    out = np.zeros((rows, k, rows, k))
    if spec.family == "multinomial":
        for a in range(k):
            for b in range(a, k):
                block = _gram(Xa, w * mean[:, a] * ((a == b) - mean[:, b]))
                out[:, a, :, b] = block
                out[:, b, :, a] = block.T
        return out.reshape(spec.size, spec.size)
    if spec.family == "normal":
        curvature = np.full((n, 1), 2.0)
    elif spec.family == "poisson":
        curvature = mean
    else:
        curvature = mean * (1.0 - mean)
    for a in range(k):
        out[:, a, :, a] = _gram(Xa, w * curvature[:, a])
    return out.reshape(spec.size, spec.size)


def block_eval(
    X: np.ndarray | sp.spmatrix,
    y: np.ndarray,
    w: np.ndarray | None,
    thetas: np.ndarray,
    spec: Spec,
    order: int,
) -> np.ndarray:
    """Loss (order 0), + gradient (1), + Hessian (2) at each point, summed on a block.

    ``w`` holds the rows' weights (None: all 1). Returns shape
    ``(m, 1 + size [+ size**2])``: per point, the loss, then the gradient and the
    Hessian flattened in ``theta``'s row-major order.
    """
    X = as_float(X)
    y = np.asarray(y, dtype=np.float64)
    w = None if w is None else np.asarray(w, dtype=np.float64)
    m = len(thetas)
    width = 1 + (spec.size if order >= 1 else 0) + (spec.size**2 if order >= 2 else 0)
    out = np.zeros((m, width))
    if X.shape[0] == 0:
        return out
    eta = linear_predictor(X, thetas, spec)
    derivatives = []
    for i in range(m):
        loss, d, mean = pointwise(spec.family, eta[:, i, :], y, w)
        out[i, 0] = loss
        derivatives.append(d)
        if order >= 2:
            out[i, 1 + spec.size :] = hessian(X, spec, mean, w).ravel()
    if order >= 1:
        stacked = derivatives[0] if m == 1 else np.concatenate(derivatives, axis=1)
        grads = [np.asarray(X.T @ stacked).reshape(spec.n_features, m, spec.n_outputs)]
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
