"""Imputation of missing values on numpy, pandas and dask collections alike."""

from scalearn.impute._base import SimpleImputer

__all__ = ["SimpleImputer"]
