"""Vectorizers that learn a vocabulary (and idf) in one pass over dask documents."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer as _SkCountVectorizer
from sklearn.feature_extraction.text import TfidfTransformer as _SkTfidfTransformer
from sklearn.feature_extraction.text import TfidfVectorizer as _SkTfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from scalearn.feature_extraction._documents import (
    check_collection,
    document_blocks,
    is_dask_input,
    lazy_transform,
    reads_text,
)
from scalearn.feature_extraction._stand_in import (
    one_count_each,
    sklearn_class,
    twin,
    without_fit,
)
from scalearn.feature_extraction._vocabulary import (
    TermCounts,
    count_terms,
    frequencies_in,
    inverse_document_frequency,
    learn_vocabulary,
    merge_term_counts,
)
from scalearn.utils._containers import tree_combine
from scalearn.utils._progress import compute
from scalearn.utils._sklearn_compat import set_tfidf_transformer


class CountVectorizer(_SkCountVectorizer):
    """Convert a collection of text documents to a matrix of token counts.

    scikit-learn's :class:`~sklearn.feature_extraction.text.CountVectorizer`,
    extended to dask collections of documents: a dask bag, a 1-D dask array of
    strings or a dask Series of strings. ``fit`` learns the vocabulary in one
    pass over the data (a single ``dask.compute``): each partition gives its
    terms with their document frequencies, the partitions' counts are merged,
    then ``max_df``, ``min_df`` and ``max_features`` are applied as
    scikit-learn applies them to the whole corpus, so that ``vocabulary_``
    (and ``get_feature_names_out``) equal scikit-learn's. With a fixed
    ``vocabulary``, ``fit`` reads nothing. ``transform`` is lazy and
    blockwise: a dask array of ``scipy.sparse`` CSR blocks, one per partition
    or chunk, each computed by scikit-learn's own ``transform``, with the
    input's row chunks when the input knows them. Lists, numpy arrays and
    pandas Series go to scikit-learn unchanged.

    ``fit_transform`` on dask input is ``fit`` (the one pass) then the lazy
    ``transform``: the documents are read again when the result is computed.

    Examples
    --------
    >>> import dask.bag as db
    >>> from scalearn.feature_extraction.text import CountVectorizer
    >>> docs = db.from_sequence(
    ...     ["the cat sat", "the dog sat", "a cat and a dog"], npartitions=2
    ... )
    >>> vectorizer = CountVectorizer(min_df=2).fit(docs)
    >>> vectorizer.get_feature_names_out()
    array(['cat', 'dog', 'sat', 'the'], dtype=object)
    >>> X = vectorizer.transform(docs)
    >>> X.numblocks
    (2, 1)
    >>> X.compute().toarray()
    array([[1, 0, 1, 1],
           [0, 1, 1, 1],
           [1, 1, 0, 0]])
    """

    def fit(self, raw_documents: Any, y: Any = None) -> CountVectorizer:
        """Learn the vocabulary: one pass over dask input."""
        if not is_dask_input(raw_documents):
            return super().fit(raw_documents, y)
        self._fit_dask(raw_documents, f"{type(self).__name__}.fit")
        return self

    def fit_transform(self, raw_documents: Any, y: Any = None) -> Any:
        """Learn the vocabulary and return the document-term matrix.

        For dask input: one pass to learn, then a lazy :meth:`transform`.
        """
        if not is_dask_input(raw_documents):
            return super().fit_transform(raw_documents, y)
        self._fit_dask(raw_documents, f"{type(self).__name__}.fit_transform")
        return self.transform(raw_documents)

    def transform(self, raw_documents: Any) -> Any:
        """The document-term matrix; lazy and blockwise for dask input."""
        if not is_dask_input(raw_documents):
            return super().transform(raw_documents)
        owner = f"{type(self).__name__}.transform"
        check_collection(raw_documents, owner, text_only=reads_text(self))
        meta = self._output_meta()
        method_of, text = sklearn_class(self), reads_text(self)
        return lazy_transform(self, raw_documents, method_of, meta, owner, text)

    # --- hooks a subclass extends ---------------------------------------------------

    def _output_meta(self) -> Any:
        """An empty matrix like ``transform``'s output; raises if not fitted.

        scikit-learn's transform of no documents, which checks the vocabulary
        (and adopts a fixed ``vocabulary`` when there was no fit, as it does).
        """
        return _SkCountVectorizer.transform(self, [])

    def _uses_document_frequency(self) -> bool:
        """Whether fit needs the documents even with a fixed vocabulary."""
        return False

    def _set_fitted(
        self,
        vocabulary: dict,
        fixed: bool,
        document_frequency: np.ndarray | None,
        n_documents: int | None,
    ) -> None:
        self.vocabulary_ = vocabulary
        self.fixed_vocabulary_ = fixed

    # --- the dask pass --------------------------------------------------------------

    def _fit_dask(self, raw_documents: Any, owner: str) -> None:
        check_collection(raw_documents, owner, text_only=reads_text(self))
        # scikit-learn checks the parameters (and warns about unused ones) on a
        # twin fitted to one empty document; a fixed vocabulary is validated as
        # scikit-learn validates it, others are learned from the data below.
        fixed = self.vocabulary is not None
        stand_in = twin(self, vocabulary=self.vocabulary if fixed else ["a"])
        with np.errstate(divide="ignore"):  # the stand-in's idf of unseen terms
            stand_in.fit([""])
        # The real analyzer: bad token patterns fail here, inconsistent stop
        # words warn here, once, as they do in scikit-learn's fit.
        self.build_analyzer()
        if fixed and not self._uses_document_frequency():
            self._set_fitted(dict(stand_in.vocabulary_), True, None, None)
            return
        within = frozenset(stand_in.vocabulary_) if fixed else None
        counts = self._count_terms(raw_documents, owner, within)
        if fixed:
            vocabulary = dict(stand_in.vocabulary_)
            document_frequency = frequencies_in(vocabulary, counts)
        else:
            vocabulary, document_frequency = learn_vocabulary(
                counts,
                max_df=self.max_df,
                min_df=self.min_df,
                max_features=self.max_features,
                dtype=self.dtype,
                owner=owner,
            )
        self._set_fitted(vocabulary, fixed, document_frequency, counts.n_documents)

    def _count_terms(
        self, raw_documents: Any, owner: str, within: frozenset | None
    ) -> TermCounts:
        """Every block's term counts, merged in a tree: one ``dask.compute``."""
        blocks, _ = document_blocks(raw_documents)
        analyzer_of = dask.delayed(without_fit(self), pure=True)
        if within is not None:
            within = dask.delayed(within, pure=True)
        # max_features ranks terms by their counts (by documents when binary).
        with_term_frequency = (
            self.max_features is not None and not self.binary and within is None
        )
        count = dask.delayed(count_terms, pure=True)
        text = reads_text(self)
        parts = [
            count(block, analyzer_of, owner, with_term_frequency, within, text)
            for block in blocks
        ]
        (counts,) = compute(
            tree_combine(parts, merge_term_counts), desc=f"{owner}: vocabulary"
        )
        return counts


class TfidfVectorizer(CountVectorizer, _SkTfidfVectorizer):
    """Convert a collection of documents to a matrix of TF-IDF features.

    scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
    (a :class:`CountVectorizer` followed by a :class:`TfidfTransformer`),
    extended to dask bags, 1-D dask arrays and dask Series of strings:
    ``fit`` learns the vocabulary and the document frequencies of its terms in
    the same single pass over the data, so ``vocabulary_`` and ``idf_`` equal
    scikit-learn's on the whole corpus; ``transform`` is lazy and blockwise,
    scikit-learn's own ``transform`` (with ``norm``, ``use_idf``,
    ``smooth_idf`` and ``sublinear_tf``) on each partition or chunk. Lists,
    numpy arrays and pandas Series go to scikit-learn unchanged.

    Examples
    --------
    >>> import dask.bag as db
    >>> from scalearn.feature_extraction.text import TfidfVectorizer
    >>> docs = db.from_sequence(["the cat sat", "the dog sat", "the cat"], 2)
    >>> vectorizer = TfidfVectorizer(norm=None).fit(docs)
    >>> vectorizer.get_feature_names_out()
    array(['cat', 'dog', 'sat', 'the'], dtype=object)
    >>> vectorizer.idf_.round(3)
    array([1.288, 1.693, 1.288, 1.   ])
    >>> vectorizer.transform(docs).compute().toarray().round(3)
    array([[1.288, 0.   , 1.288, 1.   ],
           [0.   , 1.693, 1.288, 1.   ],
           [1.288, 0.   , 0.   , 1.   ]])
    """

    def _output_meta(self) -> Any:
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        counts = super()._output_meta()
        # scikit-learn's TfidfTransformer keeps float32 and float64, else float64.
        dtype = counts.dtype if counts.dtype in (np.float64, np.float32) else None
        return counts.astype(dtype or np.float64)

    def _uses_document_frequency(self) -> bool:
        return bool(self.use_idf)

    def _set_fitted(
        self,
        vocabulary: dict,
        fixed: bool,
        document_frequency: np.ndarray | None,
        n_documents: int | None,
    ) -> None:
        super()._set_fitted(vocabulary, fixed, document_frequency, n_documents)
        transformer = _SkTfidfTransformer(
            norm=self.norm,
            use_idf=self.use_idf,
            smooth_idf=self.smooth_idf,
            sublinear_tf=self.sublinear_tf,
        ).fit(one_count_each(len(vocabulary), self.dtype))
        if self.use_idf:
            transformer.idf_ = inverse_document_frequency(
                document_frequency, n_documents, self.dtype, self.smooth_idf
            )
        set_tfidf_transformer(self, transformer)
