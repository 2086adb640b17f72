"""Parity with scikit-learn's text vectorizers on every kind of document collection."""

from __future__ import annotations

import math

import dask
import dask.array as da
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher
from sklearn.feature_extraction import text as sk_text

from scalearn.feature_extraction import FeatureHasher
from scalearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)

KINDS = ["list", "pandas", "bag", "dask_array", "dask_series"]
DASK_KINDS = ["bag", "dask_array", "dask_series"]

WORDS = [
    "the",
    "and",
    "of",
    "a",
    "to",
    "in",
    "is",
    "it",
    "cat",
    "dog",
    "bird",
    "fish",
    "runs",
    "sat",
    "sleeps",
    "eats",
    "blue",
    "red",
    "green",
    "small",
    "big",
    "quick",
    "lazy",
    "fox",
    "jumps",
    "over",
    "under",
    "near",
    "far",
    "away",
    "home",
    "tree",
    "river",
    "stone",
    "light",
    "dark",
    "café",
    "naïve",
    "Data",
    "DATA",
    "data",
    "Cat",
]


@pytest.fixture(scope="module")
def corpus():
    """300 short documents: Zipf-like word counts (so max_features meets ties),
    stop words, upper case, accents, punctuation, a few empty documents."""
    rng = np.random.default_rng(7)
    weights = 1.0 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    docs = []
    for i in range(300):
        n = int(rng.integers(0, 12)) if i % 50 else 0
        words = rng.choice(WORDS, size=n, p=weights)
        docs.append(" ".join(words) + ("!" if i % 7 == 0 else ""))
    return docs


def as_kind(docs, kind, parts=4):
    if kind == "list":
        return list(docs)
    if kind == "pandas":
        return pd.Series(docs, name="text")
    if kind == "bag":
        return db.from_sequence(docs, npartitions=parts)
    if kind == "dask_array":
        return da.from_array(np.asarray(docs, dtype=object), chunks=70)
    return dd.from_pandas(pd.Series(docs, name="text"), npartitions=parts)


def dense(X):
    return (X.compute() if isinstance(X, da.Array) else X).toarray()


def assert_same_matrix(ours, theirs, exact=True):
    if isinstance(ours, da.Array):
        assert sp.issparse(ours._meta)
        ours = ours.compute()
    assert sp.issparse(ours)
    assert ours.format == "csr"
    assert type(ours) is type(theirs)
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape
    if exact:
        np.testing.assert_array_equal(ours.toarray(), theirs.toarray())
    else:
        np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-12)


def assert_same_vocabulary(ours, theirs):
    # Same terms, same indices, same index types, same order of the dict.
    assert list(ours.vocabulary_.items()) == list(theirs.vocabulary_.items())
    assert [type(v) for v in ours.vocabulary_.values()] == [
        type(v) for v in theirs.vocabulary_.values()
    ]
    assert ours.fixed_vocabulary_ == theirs.fixed_vocabulary_
    np.testing.assert_array_equal(
        ours.get_feature_names_out(), theirs.get_feature_names_out()
    )


def fit_both(cls, params, corpus, kind):
    """Ours fitted on ``corpus`` as ``kind``, scikit-learn's on the list; the
    vocabularies compared. Returns both, scikit-learn's output and our input."""
    expected = getattr(sk_text, cls.__name__)(**params)
    expected_X = expected.fit_transform(corpus)
    docs = as_kind(corpus, kind)
    ours = cls(**params).fit(docs)
    assert_same_vocabulary(ours, expected)
    return ours, expected, expected_X, docs


COUNT_PARAMS = [
    {},
    {"ngram_range": (1, 2)},
    {"min_df": 3},
    {"min_df": 0.05, "max_df": 0.5},
    {"max_df": 12},
    {"max_features": 15},
    {"max_features": 15, "binary": True},
    {"max_features": 25, "min_df": 2, "ngram_range": (1, 2)},
    {"binary": True},
    {"lowercase": False},
    {"stop_words": "english"},
    {"analyzer": "char_wb", "ngram_range": (2, 3), "max_df": 0.9},
    {"strip_accents": "ascii", "dtype": np.float32},
]


@pytest.mark.parametrize("params", COUNT_PARAMS, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_count_vectorizer_equals_sklearn(corpus, kind, params):
    ours, expected, expected_X, docs = fit_both(CountVectorizer, params, corpus, kind)
    assert_same_matrix(ours.transform(docs), expected_X)
    again = CountVectorizer(**params)
    assert_same_matrix(again.fit_transform(docs), expected_X)
    assert_same_vocabulary(again, expected)


def test_count_vectorizer_with_a_fixed_vocabulary(corpus, count_computes):
    vocabulary = ["cat", "dog", "zebra", "the", "café"]
    expected = sk_text.CountVectorizer(vocabulary=vocabulary).fit(corpus)
    docs = as_kind(corpus, "bag")
    with count_computes() as counter:
        ours = CountVectorizer(vocabulary=vocabulary).fit(docs)
        X = ours.transform(docs)
    assert counter.count == 0  # nothing to learn: no pass over the data
    assert_same_vocabulary(ours, expected)
    assert_same_matrix(X, expected.transform(corpus))
    # Like scikit-learn, a fixed vocabulary transforms without a fit.
    unfitted = CountVectorizer(vocabulary=vocabulary).transform(docs)
    assert_same_matrix(unfitted, expected.transform(corpus))


TFIDF_PARAMS = [
    {},
    {"norm": "l1"},
    {"norm": None},
    {"use_idf": False},
    {"smooth_idf": False},
    {"sublinear_tf": True},
    {"min_df": 2, "max_features": 20, "ngram_range": (1, 2)},
    {"binary": True, "max_df": 0.3},
    {"vocabulary": ["cat", "dog", "zebra", "the", "café"]},
    {"vocabulary": ["cat", "dog", "the"], "use_idf": False},
    {"dtype": np.float32, "stop_words": "english"},
]


@pytest.mark.parametrize("params", TFIDF_PARAMS, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_tfidf_vectorizer_equals_sklearn(corpus, kind, params):
    ours, expected, expected_X, docs = fit_both(TfidfVectorizer, params, corpus, kind)
    if params.get("use_idf", True):
        assert ours.idf_.dtype == expected.idf_.dtype
        np.testing.assert_array_equal(ours.idf_, expected.idf_)
    else:
        with pytest.raises(AttributeError):
            ours.idf_
    assert_same_matrix(ours.transform(docs), expected_X, exact=False)
    # Fitted on dask, it transforms a list as scikit-learn's would.
    assert_same_matrix(ours.transform(corpus), expected_X, exact=False)
    assert_same_matrix(
        TfidfVectorizer(**params).fit_transform(docs), expected_X, exact=False
    )


def test_tfidf_vectorizer_refit_takes_new_parameters(corpus):
    docs = as_kind(corpus, "dask_series")
    vectorizer = TfidfVectorizer(norm="l2").fit(docs)
    first = vectorizer.transform(docs)
    vectorizer.set_params(norm=None, sublinear_tf=True, min_df=3).fit(docs)
    expected = sk_text.TfidfVectorizer(norm=None, sublinear_tf=True, min_df=3)
    assert_same_matrix(
        vectorizer.transform(docs), expected.fit_transform(corpus), exact=False
    )
    # A result built before the refit keeps the vocabulary it was built with.
    assert_same_matrix(
        first, sk_text.TfidfVectorizer().fit_transform(corpus), exact=False
    )


HASHING_PARAMS = [
    {"n_features": 2**10},
    {"n_features": 2**8, "norm": None, "alternate_sign": False, "binary": True},
    {"n_features": 2**12, "ngram_range": (1, 2), "norm": "l1"},
    {"n_features": 2**6, "analyzer": "char", "dtype": np.float32},
]


@pytest.mark.parametrize("params", HASHING_PARAMS, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_hashing_vectorizer_equals_sklearn(corpus, kind, params):
    expected = sk_text.HashingVectorizer(**params).transform(corpus)
    docs = as_kind(corpus, kind)
    vectorizer = HashingVectorizer(**params)
    assert_same_matrix(vectorizer.transform(docs), expected)
    assert_same_matrix(vectorizer.fit(docs).transform(docs), expected)
    assert_same_matrix(HashingVectorizer(**params).fit_transform(docs), expected)


def _samples(input_type):
    rng = np.random.default_rng(3)
    names = [f"f{i}" for i in range(30)]
    samples = []
    for _ in range(120):
        chosen = rng.choice(names, size=int(rng.integers(0, 6)))
        if input_type == "dict":
            samples.append({n: float(rng.integers(1, 5)) for n in chosen})
        elif input_type == "pair":
            samples.append([(n, float(rng.normal())) for n in chosen])
        else:
            samples.append(list(chosen))
    return samples


def _object_array(items):
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


@pytest.mark.parametrize("input_type", ["dict", "pair", "string"])
@pytest.mark.parametrize("kind", ["list", "bag", "dask_array", "dask_series"])
def test_feature_hasher_equals_sklearn(input_type, kind):
    samples = _samples(input_type)
    params = {"n_features": 64, "input_type": input_type}
    expected = SkFeatureHasher(**params).transform(samples)
    if kind == "dask_array":
        X = da.from_array(_object_array(samples), chunks=50)
    elif kind == "dask_series":
        # dask would make a Series of objects one of strings (their repr).
        with dask.config.set({"dataframe.convert-string": False}):
            X = dd.from_pandas(pd.Series(_object_array(samples)), npartitions=3)
    else:
        X = as_kind(samples, kind)
    hasher = FeatureHasher(**params)
    out = hasher.fit(X).transform(X)
    assert_same_matrix(out, expected)
    if kind == "dask_array":
        assert out.chunks == (X.chunks[0], (64,))


def test_feature_hasher_rows_of_a_2d_string_array():
    rng = np.random.default_rng(4)
    names = rng.choice(["a", "b", "c", "d", "e"], size=(90, 3))
    expected = SkFeatureHasher(n_features=16, input_type="string").transform(names)
    X = da.from_array(names, chunks=(40, 3))
    out = FeatureHasher(n_features=16, input_type="string").transform(X)
    assert out.chunks == ((40, 40, 10), (16,))
    assert_same_matrix(out, expected)


@pytest.mark.parametrize("kind", DASK_KINDS)
def test_lazy_output_keeps_the_row_blocks(corpus, kind):
    docs = as_kind(corpus, kind)
    vectorizers = [
        HashingVectorizer(n_features=32),
        CountVectorizer().fit(docs),
        TfidfVectorizer().fit(docs),
    ]
    for vectorizer in vectorizers:
        X = vectorizer.transform(docs)
        assert isinstance(X, da.Array)
        assert isinstance(X._meta, sp.csr_matrix)
        assert X.dtype == X._meta.dtype
        n_blocks = docs.npartitions if kind != "dask_array" else docs.numblocks[0]
        assert X.numblocks == (n_blocks, 1)
        if kind == "dask_array":
            assert X.chunks[0] == docs.chunks[0]
        else:
            assert all(math.isnan(c) for c in X.chunks[0])
        blocks = X.to_delayed().ravel()
        first = blocks[0].compute()
        assert isinstance(first, sp.csr_matrix)
        assert first.shape[1] == X.shape[1]


def test_one_compute_to_fit_none_to_transform(corpus, count_computes):
    docs = as_kind(corpus, "bag")
    counted = {}
    for name, make in [
        ("count", lambda: CountVectorizer(ngram_range=(1, 2), max_features=20)),
        ("tfidf", lambda: TfidfVectorizer(min_df=2)),
    ]:
        with count_computes() as counter:
            vectorizer = make().fit(docs)
        counted[f"{name}.fit"] = counter.count
        with count_computes() as counter:
            vectorizer.transform(docs)
        counted[f"{name}.transform"] = counter.count
        with count_computes() as counter:
            make().fit_transform(docs)
        counted[f"{name}.fit_transform"] = counter.count
    with count_computes() as counter:
        HashingVectorizer().fit(docs).transform(docs)
        HashingVectorizer().fit_transform(docs)
        TfidfVectorizer(vocabulary=["cat"], use_idf=False).fit(docs).transform(docs)
    counted["stateless"] = counter.count
    assert counted == {
        "count.fit": 1,
        "count.transform": 0,
        "count.fit_transform": 1,
        "tfidf.fit": 1,
        "tfidf.transform": 0,
        "tfidf.fit_transform": 1,
        "stateless": 0,
    }


def test_empty_partitions(corpus):
    series = as_kind(corpus, "dask_series", parts=5)
    # Two partitions lose every row.
    docs = series[series.index.map_partitions(lambda i: (i < 60) | (i >= 180))]
    kept = corpus[:60] + corpus[180:]
    for ours, theirs in [
        (CountVectorizer(), sk_text.CountVectorizer()),
        (TfidfVectorizer(), sk_text.TfidfVectorizer()),
        (HashingVectorizer(n_features=64), sk_text.HashingVectorizer(n_features=64)),
    ]:
        assert_same_matrix(
            ours.fit_transform(docs), theirs.fit_transform(kept), exact=False
        )


def test_tfidf_transformer_on_sparse_and_dense_blocks(corpus, count_computes):
    counts = sk_text.CountVectorizer(min_df=2).fit_transform(corpus)
    for params in [{}, {"norm": "l1", "sublinear_tf": True}, {"smooth_idf": False}]:
        expected = sk_text.TfidfTransformer(**params).fit(counts)
        for X in [
            da.from_array(counts, chunks=(70, counts.shape[1])),
            da.from_array(counts.toarray().astype(np.float32), chunks=(90, 7)),
        ]:
            with count_computes() as counter:
                ours = TfidfTransformer(**params).fit(X)
                out = ours.transform(X)
            assert counter.count == 1
            assert ours.n_features_in_ == counts.shape[1]
            dtype = np.float32 if X.dtype == np.float32 else np.float64
            assert ours.idf_.dtype == dtype
            np.testing.assert_allclose(
                ours.idf_, expected.idf_, rtol=1e-6 if dtype == np.float32 else 0
            )
            assert out.chunks[0] == X.chunks[0]
            assert out.dtype == dtype
            reference = sk_text.TfidfTransformer(**params).fit(X.compute())
            assert_same_matrix(out, reference.transform(X.compute()), exact=False)


def test_tfidf_transformer_without_idf_reads_nothing(count_computes):
    X = da.from_array(sp.random(50, 8, density=0.3, format="csr", random_state=0))
    with count_computes() as counter:
        ours = TfidfTransformer(use_idf=False).fit(X)
    assert counter.count == 0
    assert not hasattr(ours, "idf_")
    expected = sk_text.TfidfTransformer(use_idf=False).fit_transform(X.compute())
    assert_same_matrix(ours.transform(X), expected, exact=False)


def test_pipeline_of_count_and_tfidf_transformer(corpus):
    docs = as_kind(corpus, "dask_array")
    counts = CountVectorizer(max_features=30).fit_transform(docs)
    out = TfidfTransformer().fit_transform(counts)
    expected = sk_text.TfidfVectorizer(max_features=30).fit_transform(corpus)
    assert_same_matrix(out, expected, exact=False)


def test_distributed_client(corpus, cluster):
    from distributed import Client

    docs = as_kind(corpus, "dask_series")
    expected = sk_text.TfidfVectorizer(min_df=2, ngram_range=(1, 2))
    expected_X = expected.fit_transform(corpus)
    with Client(cluster):
        ours = TfidfVectorizer(min_df=2, ngram_range=(1, 2)).fit(docs)
        out = ours.transform(docs).compute()
    assert_same_vocabulary(ours, expected)
    np.testing.assert_array_equal(ours.idf_, expected.idf_)
    assert_same_matrix(out, expected_X, exact=False)


# --- errors ------------------------------------------------------------------------


def test_two_dimensional_input_is_refused(corpus, count_computes):
    frame = dd.from_pandas(pd.DataFrame({"text": corpus, "n": 1}), npartitions=2)
    matrix = da.from_array(np.asarray(corpus, dtype=object).reshape(-1, 2), chunks=50)
    with count_computes() as counter:
        for vectorizer in [CountVectorizer(), TfidfVectorizer(), HashingVectorizer()]:
            name = type(vectorizer).__name__
            with pytest.raises(ValueError, match=rf"{name}.fit.*df\['text'\]"):
                vectorizer.fit(frame)
            with pytest.raises(ValueError, match=r"2 dimensions.*X\[:, 0\]"):
                vectorizer.fit(matrix)
    assert counter.count == 0


def test_numbers_are_refused_before_any_compute(count_computes):
    numbers = da.arange(20, chunks=5)
    with count_computes() as counter:
        with pytest.raises(
            ValueError,
            match=r"'raw_documents' parameter of CountVectorizer.fit.*"
            r"dtype is int64.*astype\(str\)",
        ):
            CountVectorizer().fit(numbers)
        with pytest.raises(ValueError, match="astype"):
            HashingVectorizer().transform(dd.from_dask_array(numbers))
        with pytest.raises(ValueError, match=r"HashingVectorizer.partial_fit.*astype"):
            HashingVectorizer().partial_fit(numbers)
    assert counter.count == 0
    # With a preprocessor of the user's, any document may do, as in scikit-learn.
    out = CountVectorizer(preprocessor=str).fit_transform(numbers)
    assert out.shape == (20, 10)


@pytest.mark.parametrize("bad", [None, 3, float("nan")])
def test_a_document_that_is_not_text_is_named(corpus, bad):
    docs = db.from_sequence([*corpus[:10], bad, *corpus[10:20]], npartitions=3)
    with pytest.raises(
        ValueError, match=rf"CountVectorizer.fit.*Got {bad!r} instead.*fillna"
    ):
        CountVectorizer().fit(docs)
    with pytest.raises(ValueError, match=r"HashingVectorizer.transform.*Got"):
        HashingVectorizer().transform(docs).compute()


def test_feature_hasher_refuses_strings_as_samples():
    series = dd.from_pandas(pd.Series(["ab", "cd"], dtype="string"), npartitions=1)
    with pytest.raises(ValueError, match=r"FeatureHasher.*single string.*str.split"):
        FeatureHasher(input_type="string").transform(series)


def test_bad_parameters_fail_before_any_compute(corpus, count_computes):
    docs = as_kind(corpus, "bag")
    with count_computes() as counter:
        with pytest.raises(ValueError, match="'min_df' parameter of CountVectorizer"):
            CountVectorizer(min_df=-1).fit(docs)
        with pytest.raises(ValueError, match="'norm' parameter of TfidfVectorizer"):
            TfidfVectorizer(norm="l3").fit(docs)
        with pytest.raises(ValueError, match="lower boundary larger"):
            HashingVectorizer(ngram_range=(2, 1)).fit(docs)
        with pytest.raises(ValueError, match="Duplicate term in vocabulary"):
            CountVectorizer(vocabulary=["a", "a"]).fit(docs)
        with pytest.raises(NotFittedError):
            CountVectorizer().transform(docs)
        with pytest.raises(NotFittedError):
            TfidfVectorizer().transform(docs)
    assert counter.count == 0


def test_pruning_errors_as_sklearn(corpus):
    docs = as_kind(corpus, "dask_series")
    with pytest.raises(ValueError, match="max_df corresponds to < documents than"):
        CountVectorizer(min_df=50, max_df=10).fit(docs)
    with pytest.raises(ValueError, match="After pruning, no terms remain"):
        CountVectorizer(min_df=290).fit(docs)
    with pytest.raises(ValueError, match="empty vocabulary"):
        CountVectorizer(stop_words=WORDS).fit(docs)


def test_input_is_not_modified(corpus):
    series = pd.Series(corpus, dtype=object)
    original = series.copy()
    with dask.config.set({"dataframe.convert-string": False}):
        docs = dd.from_pandas(series, npartitions=3)
    TfidfVectorizer(sublinear_tf=True).fit_transform(docs).compute()
    pd.testing.assert_series_equal(series, original)
    counts = sk_text.CountVectorizer().fit_transform(corpus).astype(np.float64)
    before = counts.copy()
    X = da.from_array(counts, chunks=(100, counts.shape[1]))
    TfidfTransformer(sublinear_tf=True).fit_transform(X).compute()
    assert (counts != before).nnz == 0


def test_fit_does_not_change_parameters(corpus):
    from sklearn.base import clone

    docs = as_kind(corpus, "bag")
    stop_words = ["the", "and"]
    for vectorizer in [
        CountVectorizer(stop_words=stop_words, max_features=10),
        TfidfVectorizer(vocabulary=["cat", "dog"], analyzer=str.split),
        HashingVectorizer(tokenizer=str.split, token_pattern=None),
    ]:
        before = clone(vectorizer).get_params()
        vectorizer.fit_transform(docs).compute()
        after = vectorizer.get_params()
        assert after == before
    assert stop_words == ["the", "and"]
