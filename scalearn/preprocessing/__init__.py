"""Preprocessing that works on numpy, pandas and dask collections alike."""

from scalearn.preprocessing._categorical import Categorizer, DummyEncoder
from scalearn.preprocessing._data import (
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    StandardScaler,
)
from scalearn.preprocessing._encoders import (
    LabelEncoder,
    OneHotEncoder,
    OrdinalEncoder,
)
from scalearn.preprocessing._function import BlockTransformer, PolynomialFeatures
from scalearn.preprocessing._quantile import QuantileTransformer, RobustScaler
from scalearn.preprocessing._target_encoder import TargetEncoder

__all__ = [
    "BlockTransformer",
    "Categorizer",
    "DummyEncoder",
    "LabelEncoder",
    "MaxAbsScaler",
    "MinMaxScaler",
    "Normalizer",
    "OneHotEncoder",
    "OrdinalEncoder",
    "PolynomialFeatures",
    "QuantileTransformer",
    "RobustScaler",
    "StandardScaler",
    "TargetEncoder",
]
