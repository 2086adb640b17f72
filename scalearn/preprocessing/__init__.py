"""Preprocessing that works on numpy, pandas and dask collections alike."""

from scalearn.preprocessing._data import StandardScaler

__all__ = ["StandardScaler"]
