"""Preprocessing that works on numpy, pandas and dask collections alike."""

from scalearn.preprocessing._data import (
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    StandardScaler,
)

__all__ = ["MaxAbsScaler", "MinMaxScaler", "Normalizer", "StandardScaler"]
