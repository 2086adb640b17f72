"""Column-wise composition that works on numpy, pandas and dask DataFrames alike."""

from scalearn.compose._column_transformer import (
    ColumnTransformer,
    make_column_transformer,
)

__all__ = ["ColumnTransformer", "make_column_transformer"]
