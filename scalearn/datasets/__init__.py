"""Synthetic datasets as lazy, chunked, reproducible dask collections."""

from scalearn.datasets._samples_generator import (
    make_blobs,
    make_classification,
    make_classification_df,
    make_counts,
    make_regression,
)

__all__ = [
    "make_blobs",
    "make_classification",
    "make_classification_df",
    "make_counts",
    "make_regression",
]
