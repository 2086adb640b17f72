"""Preprocessing that works on numpy, pandas and dask collections alike."""

from scalearn.preprocessing._data import (
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    StandardScaler,
)
from scalearn.preprocessing._function import BlockTransformer, PolynomialFeatures
from scalearn.preprocessing._quantile import QuantileTransformer, RobustScaler

__all__ = [
    "BlockTransformer",
    "MaxAbsScaler",
    "MinMaxScaler",
    "Normalizer",
    "PolynomialFeatures",
    "QuantileTransformer",
    "RobustScaler",
    "StandardScaler",
]
