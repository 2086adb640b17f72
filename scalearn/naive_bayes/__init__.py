"""Naive Bayes on numpy, pandas and dask collections."""

from scalearn.naive_bayes._naive_bayes import GaussianNB

__all__ = ["GaussianNB"]
