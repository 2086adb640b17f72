"""Clustering on numpy, pandas and dask collections."""

from scalearn.cluster._kmeans import KMeans
from scalearn.cluster._minibatch import MiniBatchKMeans
from scalearn.cluster._spectral import SpectralClustering

__all__ = ["KMeans", "MiniBatchKMeans", "SpectralClustering"]
