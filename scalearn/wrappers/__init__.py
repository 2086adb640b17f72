"""Meta-estimators that take scikit-learn estimators to dask collections."""

from scalearn.wrappers._incremental import Incremental
from scalearn.wrappers._parallel_post_fit import ParallelPostFit

__all__ = ["Incremental", "ParallelPostFit"]
