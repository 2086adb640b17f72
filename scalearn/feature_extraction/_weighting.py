"""TF-IDF weighting of a count matrix held as a dask array of (sparse) blocks."""

from __future__ import annotations

from copy import copy as shallow_copy
from typing import Any

import dask
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer as _SkTfidfTransformer
from sklearn.utils.validation import check_is_fitted

from scalearn.feature_extraction._documents import stack_sparse
from scalearn.feature_extraction._stand_in import one_count_each
from scalearn.feature_extraction._vocabulary import inverse_document_frequency
from scalearn.utils._containers import (
    is_dask,
    is_dask_frame,
    to_row_blocks,
    tree_combine,
)
from scalearn.utils._progress import compute
from scalearn.utils._validation import check_fitted_features, numeric_array

# --- per-block kernels: pure numpy / scipy -------------------------------------------


def block_document_frequency(block: Any) -> np.ndarray:
    """``[rows, non-finite values, df of column 0, df of column 1, ...]`` of a block.

    The document frequency is counted as scikit-learn counts it: stored
    entries of a sparse block (CSR, CSC; others as CSR), non-zeros of a dense one.
    """
    if sp.issparse(block):
        if block.format not in ("csr", "csc"):
            block = block.tocsr()
        values = block.data
        if block.format == "csr":
            df = np.bincount(block.indices, minlength=block.shape[1])
        else:
            df = np.diff(block.indptr)
    else:
        values = np.asarray(block)
        df = np.count_nonzero(values, axis=0)
    bad = values.size - np.count_nonzero(np.isfinite(values))
    return np.concatenate([[block.shape[0], bad], df]).astype(np.int64)


def add_up(arrays: list[np.ndarray]) -> np.ndarray:
    return np.sum(arrays, axis=0)


def weigh_block(block: Any, transformer: Any, meta: Any) -> Any:
    """scikit-learn's tf-idf ``transform`` of one block (on a copy of it)."""
    if block.shape[0] == 0:
        return meta.copy()
    return _SkTfidfTransformer.transform(transformer, block, copy=True)


# --- the estimator --------------------------------------------------------------------


class TfidfTransformer(_SkTfidfTransformer, auto_wrap_output_keys=None):
    """Transform a count matrix to a normalized tf or tf-idf representation.

    scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfTransformer`,
    extended to dask arrays of ``scipy.sparse`` blocks (as the vectorizers of
    this module return) or of dense blocks, and dask DataFrames: ``fit``
    counts the document frequencies in one pass (a single ``dask.compute``;
    none at all with ``use_idf=False``) and sets scikit-learn's ``idf_``;
    ``transform`` is lazy and blockwise, scikit-learn's own ``transform`` on
    each block, returning sparse CSR blocks with the input's row chunks.
    In-memory input goes to scikit-learn unchanged.

    Examples
    --------
    >>> import dask.array as da
    >>> import scipy.sparse as sp
    >>> from scalearn.feature_extraction.text import TfidfTransformer
    >>> counts = sp.csr_matrix([[3, 0, 1], [2, 0, 0], [3, 1, 0], [4, 0, 2]])
    >>> X = da.from_array(counts, chunks=(2, 3))
    >>> tfidf = TfidfTransformer().fit(X)
    >>> tfidf.idf_.round(3)
    array([1.   , 1.916, 1.511])
    >>> tfidf.transform(X).chunks
    ((2, 2), (3,))
    """

    def fit(self, X: Any, y: Any = None) -> TfidfTransformer:
        """Learn the idf vector: one pass over dask input."""
        if not is_dask(X):
            return super().fit(X, y)
        owner = f"{type(self).__name__}.fit"
        values = numeric_array(X, owner)
        # scikit-learn checks the parameters and sets n_features_in_ on a
        # one-row stand-in; the idf it learns there is replaced below.
        super().fit(one_count_each(values.shape[1], values.dtype))
        if is_dask_frame(X):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        if not self.use_idf:
            return self
        count = dask.delayed(block_document_frequency, pure=True)
        parts = [count(block) for block in to_row_blocks(values)]
        (totals,) = compute(
            tree_combine(parts, add_up), desc=f"{owner}: document frequencies"
        )
        n_documents, n_bad = int(totals[0]), int(totals[1])
        if n_bad:
            raise ValueError(
                f"{owner}: Input X contains NaN or infinity ({n_bad} values); a "
                "count matrix holds finite counts. Fill or drop them first."
            )
        self.idf_ = inverse_document_frequency(
            totals[2:], n_documents, values.dtype, self.smooth_idf
        )
        return self

    def transform(self, X: Any, copy: bool = True) -> Any:
        """Weigh the counts; lazy and blockwise (never in place) for dask input."""
        if not is_dask(X):
            return super().transform(X, copy=copy)
        owner = f"{type(self).__name__}.transform"
        check_is_fitted(self)
        check_fitted_features(owner, self, X)
        values = numeric_array(X, owner)
        meta = super().transform(one_count_each(values.shape[1], values.dtype))[:0]
        return stack_sparse(
            to_row_blocks(values),
            values.chunks[0],
            weigh_block,
            (dask.delayed(shallow_copy(self), pure=True), meta),
            meta,
        )
