"""A vocabulary and its document frequencies in one pass over the documents.

Each block gives its terms with the number of its documents that hold each one
(and, when ``max_features`` ranks terms by their counts, their number of
occurrences); the blocks' counts are merged in order, so that terms keep the
order in which the corpus first shows them, as in scikit-learn's vocabulary.
Then ``max_df``, ``min_df`` and ``max_features`` are applied to the merged
counts in the order and with the arithmetic of scikit-learn's
``CountVectorizer.fit_transform``, so that ``vocabulary_`` is the same dict
(same order, same index types) that scikit-learn builds from the whole corpus.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain
from numbers import Integral
from typing import Any

import numpy as np

from scalearn.feature_extraction._documents import as_documents, explain_bad_document


@dataclass
class TermCounts:
    """What a block (or several, merged) says about the terms of its documents."""

    n_documents: int
    document_frequency: Counter
    term_frequency: Counter | None


# --- per-block kernels: pure Python on in-memory blocks --------------------------


def count_terms(
    block: Any,
    vectorizer: Any,
    owner: str,
    with_term_frequency: bool,
    within: frozenset | None,
    text: bool,
) -> TermCounts:
    """Document frequency (and occurrences) of every term of one block.

    ``vectorizer.build_analyzer()`` (scikit-learn's analyzer) splits each
    document into terms; with ``within``, only those terms are kept. With
    ``text``, a failure caused by a document that is not text is explained.
    """
    docs = as_documents(block)
    analyze = vectorizer.build_analyzer()
    term_frequency = None
    try:
        analyzed = map(analyze, docs)
        if with_term_frequency:
            analyzed = list(analyzed)
            term_frequency = Counter(chain.from_iterable(analyzed))
        # Each term once per document, in the order the document shows them.
        document_frequency = Counter(chain.from_iterable(map(dict.fromkeys, analyzed)))
    except (AttributeError, TypeError, ValueError) as error:
        if text:
            explain_bad_document(docs, owner, error)
        raise
    if within is not None:
        document_frequency = Counter(
            {t: n for t, n in document_frequency.items() if t in within}
        )
        term_frequency = None
    return TermCounts(len(docs), document_frequency, term_frequency)


def merge_term_counts(parts: list[TermCounts]) -> TermCounts:
    """The counts of consecutive blocks as one, terms in order of first sight."""
    document_frequency: Counter = Counter()
    with_term_frequency = all(p.term_frequency is not None for p in parts)
    term_frequency: Counter | None = Counter() if with_term_frequency else None
    for part in parts:
        document_frequency.update(part.document_frequency)
        if term_frequency is not None:
            term_frequency.update(part.term_frequency)
    n_documents = sum(p.n_documents for p in parts)
    return TermCounts(n_documents, document_frequency, term_frequency)


# --- from merged counts to scikit-learn's vocabulary_ ------------------------------


def _sum_dtype(dtype: Any) -> np.dtype:
    """The dtype of scipy's column sums of a matrix of ``dtype``."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.signedinteger) or dtype == np.bool_:
        return np.dtype(np.int64)
    if np.issubdtype(dtype, np.unsignedinteger):
        return np.dtype(np.uint64)
    return dtype


def _sort_terms(vocabulary: dict, columns: list[np.ndarray]) -> list[np.ndarray]:
    """Number the terms alphabetically, in place; reorder ``columns`` to match."""
    order = np.empty(len(vocabulary), dtype=np.int64)
    for new_index, (term, old_index) in enumerate(sorted(vocabulary.items())):
        vocabulary[term] = new_index
        order[old_index] = new_index
    reordered = []
    for values in columns:
        out = np.empty_like(values)
        out[order] = values
        reordered.append(out)
    return reordered


def _limit_terms(
    vocabulary: dict,
    document_frequency: np.ndarray,
    term_frequency: np.ndarray | None,
    high: float,
    low: float,
    limit: int | None,
    owner: str,
) -> np.ndarray:
    """Drop the terms outside ``[low, high]`` documents, keep the ``limit`` most
    frequent; renumber in place. Returns the kept terms' document frequencies."""
    mask = (document_frequency <= high) & (document_frequency >= low)
    if limit is not None and mask.sum() > limit:
        # scikit-learn's own ranking (same values, same order, same sort), so
        # that ties between equally frequent terms break the same way.
        ranked = (-term_frequency[mask]).argsort()[:limit]
        kept = np.zeros(len(mask), dtype=bool)
        kept[np.where(mask)[0][ranked]] = True
        mask = kept
    new_indices = np.cumsum(mask) - 1
    for term, old_index in list(vocabulary.items()):
        if mask[old_index]:
            vocabulary[term] = new_indices[old_index]
        else:
            del vocabulary[term]
    if not mask.any():
        raise ValueError(
            f"{owner}: After pruning, no terms remain. Try a lower min_df or a "
            f"higher max_df (every term is in fewer than {low:g} or more than "
            f"{high:g} documents)."
        )
    return document_frequency[mask]


def learn_vocabulary(
    counts: TermCounts,
    *,
    max_df: float,
    min_df: float,
    max_features: int | None,
    dtype: Any,
    owner: str,
) -> tuple[dict, np.ndarray]:
    """scikit-learn's ``vocabulary_`` from merged counts, and its terms' document
    frequencies (indexed like the vocabulary)."""
    terms = counts.document_frequency
    if not terms:
        raise ValueError(
            f"{owner}: empty vocabulary; perhaps the documents only contain stop "
            "words. Check stop_words, token_pattern and the documents themselves."
        )
    vocabulary = {term: index for index, term in enumerate(terms)}
    document_frequency = np.fromiter(terms.values(), dtype=np.int64, count=len(terms))
    n_documents = counts.n_documents
    high = max_df if isinstance(max_df, Integral) else max_df * n_documents
    low = min_df if isinstance(min_df, Integral) else min_df * n_documents
    if high < low:
        raise ValueError(
            f"{owner}: max_df corresponds to < documents than min_df: over "
            f"{n_documents} documents, max_df={max_df!r} allows at most {high:g} "
            f"and min_df={min_df!r} asks for at least {low:g}. Raise max_df or "
            "lower min_df."
        )
    term_frequency = None
    if max_features is not None:
        occurrences = counts.term_frequency or terms  # binary: one per document
        term_frequency = np.fromiter(
            (occurrences[t] for t in terms), dtype=np.int64, count=len(terms)
        ).astype(_sum_dtype(dtype))
        document_frequency, term_frequency = _sort_terms(
            vocabulary, [document_frequency, term_frequency]
        )
    document_frequency = _limit_terms(
        vocabulary, document_frequency, term_frequency, high, low, max_features, owner
    )
    if max_features is None:
        (document_frequency,) = _sort_terms(vocabulary, [document_frequency])
    return vocabulary, document_frequency


def frequencies_in(vocabulary: dict, counts: TermCounts) -> np.ndarray:
    """Document frequency of each term of a fixed ``vocabulary``, by its index."""
    document_frequency = np.zeros(len(vocabulary), dtype=np.int64)
    for term, n in counts.document_frequency.items():
        document_frequency[vocabulary[term]] = n
    return document_frequency


def inverse_document_frequency(
    document_frequency: np.ndarray, n_documents: int, dtype: Any, smooth_idf: bool
) -> np.ndarray:
    """scikit-learn's ``idf_``: ``log((n + smooth) / (df + smooth)) + 1``, in its
    dtype and with its operations."""
    dtype = dtype if dtype in (np.float64, np.float32) else np.float64
    df = document_frequency.astype(dtype)
    df += float(smooth_idf)
    n_documents += int(smooth_idf)
    idf = np.full_like(df, fill_value=n_documents, dtype=dtype)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf
