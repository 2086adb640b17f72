"""Synthetic datasets as lazy, chunked, reproducible dask collections, and files
read block by block."""

from scalearn.datasets._npy import from_npy
from scalearn.datasets._samples_generator import (
    make_blobs,
    make_classification,
    make_classification_df,
    make_counts,
    make_regression,
)

__all__ = [
    "from_npy",
    "make_blobs",
    "make_classification",
    "make_classification_df",
    "make_counts",
    "make_regression",
]
