"""Everything that touches scikit-learn beyond its public API, one block per need.

Each block says when it can go.
"""

from __future__ import annotations

from typing import Any

# --- set_output on estimators that return dask collections -------------------------
# scikit-learn's automatic output wrapping would turn a lazy dask result into pandas
# (computing it), so scalearn's dask-aware transformers opt out of it and keep the
# setting themselves. They keep it in the attribute scikit-learn uses, so that
# ``clone`` carries it over as it does for scikit-learn's own transformers.
# Remove when scikit-learn offers a public way to read an estimator's output
# configuration and to skip wrapping for containers it does not know.
_OUTPUT_CONFIG = "_sklearn_output_config"


def set_transform_output(estimator: Any, transform: str | None) -> None:
    if transform is not None:
        config = dict(getattr(estimator, _OUTPUT_CONFIG, {}))
        config["transform"] = transform
        setattr(estimator, _OUTPUT_CONFIG, config)


def transform_output(estimator: Any) -> str:
    """The container ``transform`` should return: "default", "pandas", ..."""
    from sklearn import get_config

    config = getattr(estimator, _OUTPUT_CONFIG, {})
    return config.get("transform", get_config()["transform_output"])


# --- a TfidfVectorizer's fitted TfidfTransformer -----------------------------------
# scikit-learn's TfidfVectorizer keeps its fitted TfidfTransformer in ``_tfidf`` (its
# ``idf_`` property reads it there). The public ``idf_`` setter can neither attach a
# transformer with use_idf=False nor replace one fitted with other parameters, and
# scalearn's TfidfVectorizer fits its transformer from one pass over dask data.
# Remove when scikit-learn offers a public way to give a TfidfVectorizer its fitted
# transformer.
TFIDF_ATTRIBUTE = "_tfidf"


def set_tfidf_transformer(vectorizer: Any, transformer: Any) -> None:
    setattr(vectorizer, TFIDF_ATTRIBUTE, transformer)


# --- the solver a fitted PCA used ---------------------------------------------------
# PCA keeps the solver its "auto" policy resolved to in ``_fit_svd_solver``. Searches
# truncate a fitted PCA to fewer components only when that solver computed every
# component ("full", "covariance_eigh"); None (unknown) makes them fit for real.
# Remove when scikit-learn exposes the resolved solver publicly.
def fitted_svd_solver(pca: Any) -> str | None:
    solver = getattr(pca, "_fit_svd_solver", None)
    return solver if isinstance(solver, str) else None
