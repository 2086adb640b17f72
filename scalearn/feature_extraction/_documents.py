"""Collections of documents: dask bags, 1-D dask arrays and dask Series.

The vectorizers ask this module whether their input is a dask collection, split
it into row blocks (one ``Delayed`` per partition or chunk) without computing,
stack per-block sparse results into a lazy dask array, and explain bad input.
The per-block kernels here are pure functions of in-memory blocks.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import dask
import dask.array as da
import dask.bag as db
import numpy as np
import pandas as pd

from scalearn.utils._containers import (
    DASK_ARRAY,
    DASK_FRAME,
    container_kind,
    to_row_blocks,
)
from scalearn.utils._validation import param_error

SOURCES = "a dask bag, a 1-D dask array or a dask Series"


def is_dask_input(X: Any) -> bool:
    """Whether ``X`` is a dask collection (bag, array or DataFrame/Series)."""
    return isinstance(X, db.Bag) or container_kind(X) in (DASK_ARRAY, DASK_FRAME)


def reads_text(vectorizer: Any) -> bool:
    """Whether each document must be text: no file, analyzer or preprocessor
    of the user's stands between the document and scikit-learn's string methods."""
    return (
        vectorizer.input == "content"
        and not callable(vectorizer.analyzer)
        and vectorizer.preprocessor is None
    )


def _is_text_dtype(dtype: Any) -> bool:
    if isinstance(dtype, np.dtype):
        return dtype.kind in "OUS"
    return pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)


class _Described(str):
    """A description shown as is where an error prints the bad value's repr."""

    def __repr__(self) -> str:
        return str(self)


def describe(X: Any) -> str:
    """A one-line description of a dask collection, for error messages."""
    if isinstance(X, db.Bag):
        return _Described(f"a dask bag of {X.npartitions} partitions")
    if container_kind(X) == DASK_FRAME and X.ndim == 2:
        return _Described(f"a dask DataFrame with columns {list(X.columns)}")
    if container_kind(X) == DASK_FRAME:
        return _Described(f"a dask Series of dtype {X.dtype}")
    return _Described(f"a dask array of shape {X.shape} and dtype {X.dtype}")


def check_collection(
    X: Any,
    owner: str,
    *,
    param: str = "raw_documents",
    text_only: bool = True,
    allow_2d: bool = False,
) -> None:
    """Refuse, from metadata only, a dask collection that holds no documents.

    2-D input (a dask DataFrame, a 2-D dask array) is refused unless
    ``allow_2d``; with ``text_only``, so is a dtype that cannot hold text.
    """
    accepted = f"{SOURCES} of text documents"
    if isinstance(X, db.Bag):
        return
    if container_kind(X) == DASK_FRAME and X.ndim == 2:
        raise param_error(
            owner,
            param,
            describe(X),
            accepted,
            "Pass the column that holds the documents: df['text'].",
        )
    if X.ndim != 1 and not (allow_2d and X.ndim == 2):
        raise param_error(
            owner,
            param,
            describe(X),
            accepted,
            f"It has {X.ndim} dimensions (shape {X.shape}); pass one column of "
            "documents: X[:, 0].",
        )
    if text_only and not _is_text_dtype(X.dtype):
        raise param_error(
            owner,
            param,
            describe(X),
            accepted + " (str or bytes)",
            f"Its dtype is {X.dtype}, which holds no text; convert it with "
            "X.astype(str), or pass a callable analyzer for other documents.",
        )


def document_blocks(X: Any) -> tuple[list, tuple[float, ...]]:
    """One ``Delayed`` per partition or chunk of dask ``X``, and their rows (nan:
    unknown)."""
    if isinstance(X, db.Bag):
        return list(X.to_delayed()), (math.nan,) * X.npartitions
    blocks = to_row_blocks(X)
    if container_kind(X) == DASK_ARRAY:
        return blocks, tuple(X.chunks[0])
    return blocks, (math.nan,) * len(blocks)


def as_documents(block: Any) -> Any:
    """A block as a list (a pandas/numpy block) or as it is (a bag's list)."""
    if isinstance(block, pd.Series | np.ndarray):
        return block.tolist()
    return block if hasattr(block, "__len__") else list(block)


def stack_sparse(
    blocks: Sequence[Any],
    lengths: Sequence[float],
    kernel: Callable,
    args: Sequence[Any],
    meta: Any,
) -> da.Array:
    """``kernel(block, *args)`` on each block, stacked into a lazy dask array.

    ``meta`` is an empty sparse matrix of the output's type, dtype and width;
    the row chunks are ``lengths`` (nan where a block hides its length).
    """
    apply = dask.delayed(kernel, pure=True)
    width = meta.shape[1]
    pieces = [
        da.from_delayed(
            apply(block, *args), shape=(n, width), dtype=meta.dtype, meta=meta
        )
        for block, n in zip(blocks, lengths, strict=True)
    ]
    return da.concatenate(pieces, axis=0)


def _describe(doc: Any) -> str:
    text = repr(doc)
    return text if len(text) <= 60 else text[:57] + "..."


def explain_bad_document(docs: Sequence[Any], owner: str, error: Exception) -> None:
    """Raise a clear error if ``docs`` holds something that is not text.

    Called when scikit-learn failed on a block; does nothing (so that the
    original error propagates) when every document is str or bytes.
    """
    for position, doc in enumerate(docs):
        if not isinstance(doc, str | bytes):
            raise param_error(
                owner,
                "raw_documents",
                doc,
                "a collection of text documents (str or bytes)",
                f"Document {position} of a block is a {type(doc).__name__} "
                f"({_describe(doc)}). Fill or drop missing documents "
                "(series.fillna('') or bag.filter(None)), convert the others "
                "with .astype(str), or pass a callable analyzer for documents "
                "that are not text.",
            ) from error


def transform_block(
    block: Any, estimator: Any, method_of: type, meta: Any, owner: str, text: bool
) -> Any:
    """The per-block kernel: scikit-learn's ``method_of.transform`` on one block.

    An empty block (scikit-learn refuses to hash nothing) gives an empty
    matrix like ``meta``; with ``text``, a failure caused by a document that is
    not text is explained.
    """
    docs = as_documents(block)
    if len(docs) == 0:
        return meta.copy()
    try:
        return method_of.transform(estimator, docs)
    except (AttributeError, TypeError, ValueError) as error:
        if text:
            explain_bad_document(docs, owner, error)
        raise


def lazy_transform(
    estimator: Any, X: Any, method_of: type, meta: Any, owner: str, text: bool
) -> da.Array:
    """``method_of.transform`` of (a frozen copy of) ``estimator`` on each block
    of dask ``X``: a lazy dask array of sparse blocks, one per block of ``X``.

    The copy is one task of the graph, shared by every block, so that a large
    vocabulary is tokenized and shipped once, and a later refit of
    ``estimator`` does not change this result.
    """
    blocks, lengths = document_blocks(X)
    frozen = dask.delayed(copy.copy(estimator), pure=True)
    args = (frozen, method_of, meta, owner, text)
    return stack_sparse(blocks, lengths, transform_block, args, meta)
