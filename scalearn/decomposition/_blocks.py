"""Per-block kernels of the decompositions: pure numpy, merged exactly.

Each block reports its row count, its feature means and a *summary* of its rows
around their own mean: the ``R`` factor of a QR decomposition (tall-skinny QR)
or the scatter matrix ``(x - m)^T (x - m)``. Summaries of blocks merge into the
summary of all the rows around the global mean, because the rows of a block,
centered on the block's mean, are orthogonal to the constant vector:

    sum_b (x_b - m)^T (x_b - m) = sum_b (x_b - m_b)^T (x_b - m_b)
                                  + n_b (m_b - m)(m_b - m)^T

so stacking each block's ``R_b`` with the row ``sqrt(n_b) (m_b - m)`` and taking
one more QR gives the ``R`` factor of the centered data, in one pass over it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.extmath import svd_flip

# A block is read in slices of about this many values (8 MiB of float64).
SLICE_ELEMENTS = 2**20


def as_float64(block: Any) -> np.ndarray:
    values = block.to_numpy() if hasattr(block, "to_numpy") else block
    return np.asarray(values, dtype=np.float64)


def block_summary(block: Any, kind: str, center: bool) -> tuple:
    """(row count, feature means, summary) of one block.

    The summary is the R factor (``kind="qr"``), the scatter matrix
    (``"scatter"``) or its diagonal (``"moments"``). Without ``center`` it is of
    the rows as they are (for truncated SVD); the means are reported either way.
    The block is read in slices of a few MiB, accumulated, so that the
    temporaries are small and stay in cache (a centered copy of a whole block,
    which LAPACK's QR copies again, made the fit need three blocks' memory per
    thread and QR three times slower).
    """
    x = as_float64(block)
    n, p = x.shape
    mean = x.mean(axis=0) if n else np.zeros(p)
    if not np.isfinite(mean).all():
        raise ValueError(
            "X contains NaN or infinity. Remove or impute those values (for "
            "example with SimpleImputer) before the decomposition."
        )
    # QR restacks the p rows of R with each slice: slices of 4p rows keep that
    # overhead at a quarter.
    step = max(4 * p, SLICE_ELEMENTS // max(p, 1))
    summary = (
        np.zeros(p) if kind == "moments" else np.zeros((0 if kind == "qr" else p, p))
    )
    for start in range(0, n, step):
        rows = x[start : start + step]
        rows = rows - mean if center else rows
        if kind == "qr":
            summary = np.linalg.qr(np.concatenate([summary, rows]), mode="r")
        elif kind == "moments":
            summary += np.einsum("ij,ij->j", rows, rows)
        else:
            summary += rows.T @ rows
    return n, mean, summary


def gram_times(block: Any, shift: np.ndarray | None, basis: np.ndarray) -> np.ndarray:
    """``(x - shift).T @ ((x - shift) @ basis)`` of one block, read in slices.

    Summed over the blocks this is the data's Gram matrix (its scatter matrix
    when ``shift`` is the mean) times ``basis``, without ever forming it.
    """
    x = as_float64(block)
    out = np.zeros((x.shape[1], basis.shape[1]))
    step = max(1, SLICE_ELEMENTS // max(x.shape[1], 1))
    for start in range(0, len(x), step):
        rows = x[start : start + step]
        if shift is not None:
            rows = rows - shift
        out += rows.T @ (rows @ basis)
    return out


def merge_summaries(
    parts: list[tuple], kind: str, center: bool
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Merge block summaries: count, mean, per-feature variance (ddof=0), summary.

    The summary is the ``R`` factor (``kind="qr"``) or the scatter matrix of all
    rows, around the global mean when ``center``.
    """
    counts = np.array([p[0] for p in parts], dtype=np.float64)
    means = np.stack([p[1] for p in parts])
    n = counts.sum()
    mean = counts @ means / n
    shifts = np.sqrt(counts)[:, None] * (means - mean)
    if kind == "qr":
        pieces = [p[2] for p in parts]
        if center:
            pieces.append(shifts)
        summary = np.linalg.qr(np.concatenate(pieces), mode="r")
        scatter_diag = (summary**2).sum(axis=0)
    elif kind == "moments":
        summary = sum(p[2] for p in parts)
        if center:
            summary = summary + (shifts**2).sum(axis=0)
        scatter_diag = summary
    else:
        summary = sum(p[2] for p in parts)
        if center:
            summary = summary + shifts.T @ shifts
        scatter_diag = np.diag(summary).copy()
    # Per-feature variance around the mean, for the explained variance ratios.
    variance = scatter_diag / n if center else scatter_diag / n - mean**2
    return int(n), mean, np.maximum(variance, 0), summary


def spectrum(summary: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Singular values (descending) and right singular vectors of the data.

    The vectors' signs follow scikit-learn's rule for PCA (``svd_flip`` with
    ``u_based_decision=False``): the largest entry of each vector is positive.
    """
    if kind == "qr":
        _, singular, vt = np.linalg.svd(summary, full_matrices=False)
    else:
        eigenvalues, vectors = np.linalg.eigh(summary)
        order = np.argsort(eigenvalues)[::-1]
        singular = np.sqrt(np.maximum(eigenvalues[order], 0))
        vt = vectors[:, order].T
    return spectrum_flip(singular, vt)


def spectrum_flip(singular: np.ndarray, vt: np.ndarray) -> tuple:
    """scikit-learn's signs: the largest entry of each right vector is positive."""
    _, vt = svd_flip(None, vt, u_based_decision=False)
    return singular, vt
