"""Stateless vectorizers: the hashing trick, blockwise and lazy on dask input."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.feature_extraction import FeatureHasher as _SkFeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer as _SkHashingVectorizer

from scalearn.feature_extraction._documents import (
    check_collection,
    describe,
    is_dask_input,
    lazy_transform,
    reads_text,
)
from scalearn.feature_extraction._stand_in import twin
from scalearn.utils._validation import param_error


class HashingVectorizer(_SkHashingVectorizer, auto_wrap_output_keys=None):
    """Convert a collection of text documents to a matrix of hashed token counts.

    scikit-learn's :class:`~sklearn.feature_extraction.text.HashingVectorizer`,
    extended to dask collections of documents: a dask bag, a 1-D dask array of
    strings or a dask Series of strings. It learns nothing, so ``transform`` is
    lazy and blockwise: a dask array of ``scipy.sparse`` CSR blocks, one per
    partition or chunk of the input, computed by scikit-learn's own
    ``transform`` (same analyzer, same hashes, same normalization), with the
    input's row chunks when the input knows them. Lists, numpy arrays and
    pandas Series go to scikit-learn unchanged.

    Examples
    --------
    >>> import dask.bag as db
    >>> from scalearn.feature_extraction.text import HashingVectorizer
    >>> docs = db.from_sequence(["the cat sat", "the dog", "a cat"], npartitions=2)
    >>> X = HashingVectorizer(n_features=8, norm=None).transform(docs)
    >>> X.numblocks
    (2, 1)
    >>> X.compute().toarray()
    array([[ 0.,  0.,  0.,  0.,  1.,  0., -1.,  1.],
           [ 0.,  0.,  0.,  0.,  0., -1., -1.,  0.],
           [ 0.,  0.,  0.,  0.,  0.,  0.,  0.,  1.]])
    """

    def fit(self, X: Any, y: Any = None) -> HashingVectorizer:
        """Validate the parameters (and, for dask input, its shape and dtype)."""
        if not is_dask_input(X):
            return super().fit(X, y)
        check_collection(X, f"{type(self).__name__}.fit", text_only=reads_text(self))
        # Stateless: scikit-learn's fit only checks the parameters.
        return super().fit([], y)

    def partial_fit(self, X: Any, y: Any = None) -> HashingVectorizer:
        """Validate the parameters; nothing is learned."""
        if not is_dask_input(X):
            return super().partial_fit(X, y)
        owner = f"{type(self).__name__}.partial_fit"
        check_collection(X, owner, text_only=reads_text(self))
        return super().partial_fit([], y)

    def transform(self, X: Any) -> Any:
        """Hash the documents; lazy and blockwise for dask input."""
        if not is_dask_input(X):
            return super().transform(X)
        owner = f"{type(self).__name__}.transform"
        check_collection(X, owner, text_only=reads_text(self))
        meta = twin(self).transform([""])[:0]
        text = reads_text(self)
        return lazy_transform(self, X, _SkHashingVectorizer, meta, owner, text)


class FeatureHasher(_SkFeatureHasher, auto_wrap_output_keys=None):
    """Implement feature hashing, aka the hashing trick, on dask collections too.

    scikit-learn's :class:`~sklearn.feature_extraction.FeatureHasher`,
    extended to dask input: a dask bag (or a 1-D dask array, or a dask Series
    of object dtype) of samples, each a dict of feature names to values
    (``input_type="dict"``), an iterable of ``(name, value)`` pairs ("pair")
    or an iterable of names ("string"; a 2-D dask array of strings gives one
    sample per row). ``transform`` is lazy and blockwise: a dask array of
    ``scipy.sparse`` CSR blocks, one per partition or chunk, equal to
    scikit-learn's ``transform`` on all the samples at once.

    Examples
    --------
    >>> import dask.bag as db
    >>> from scalearn.feature_extraction import FeatureHasher
    >>> samples = db.from_sequence(
    ...     [{"dog": 1, "cat": 2}, {"dog": 2, "run": 5}, {}], npartitions=2
    ... )
    >>> X = FeatureHasher(n_features=6).transform(samples)
    >>> X.compute().toarray()
    array([[ 0.,  2.,  0., -1.,  0.,  0.],
           [ 0.,  0.,  0., -2., -5.,  0.],
           [ 0.,  0.,  0.,  0.,  0.,  0.]])
    """

    def fit(self, X: Any = None, y: Any = None) -> FeatureHasher:
        """Validate the parameters; nothing is learned."""
        return super().fit(None if is_dask_input(X) else X, y)

    def transform(self, raw_X: Any) -> Any:
        """Hash the samples; lazy and blockwise for dask input."""
        if not is_dask_input(raw_X):
            return super().transform(raw_X)
        owner = f"{type(self).__name__}.transform"
        strings = self.input_type == "string"
        check_collection(raw_X, owner, param="raw_X", text_only=False, allow_2d=strings)
        if strings and getattr(raw_X, "ndim", 2) == 1:
            _refuse_text_samples(raw_X, owner)
        sample = {} if self.input_type == "dict" else []
        meta = twin(self).transform([sample])[:0]
        return lazy_transform(self, raw_X, _SkFeatureHasher, meta, owner, text=False)


def _refuse_text_samples(raw_X: Any, owner: str) -> None:
    """With input_type="string" each sample is a list of names, not one string."""
    dtype = raw_X.dtype
    if getattr(dtype, "kind", None) in ("U", "S") or isinstance(dtype, pd.StringDtype):
        raise param_error(
            owner,
            "raw_X",
            describe(raw_X),
            "a collection of samples that are each an iterable of feature names",
            f"Its dtype is {dtype}: each sample is a single string. Split the "
            "samples into names first (bag.map(str.split)), or use "
            "HashingVectorizer for raw text.",
        )
