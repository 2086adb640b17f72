"""Meta-estimators that take scikit-learn estimators to dask collections."""

from scalearn.wrappers._parallel_post_fit import ParallelPostFit

__all__ = ["ParallelPostFit"]
