"""Matrix decompositions on numpy, pandas and dask collections."""

from scalearn.decomposition._incremental_pca import IncrementalPCA
from scalearn.decomposition._pca import PCA, TruncatedSVD

__all__ = ["PCA", "IncrementalPCA", "TruncatedSVD"]
