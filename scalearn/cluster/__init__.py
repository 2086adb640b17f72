"""Clustering on numpy, pandas and dask collections."""

from scalearn.cluster._kmeans import KMeans

__all__ = ["KMeans"]
