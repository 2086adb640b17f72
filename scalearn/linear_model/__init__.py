"""Generalized linear models fitted natively on numpy, pandas and dask collections."""

from scalearn.linear_model._glm import LinearRegression, PoissonRegression
from scalearn.linear_model._logistic import LogisticRegression
from scalearn.linear_model._regularized import ElasticNet, Lasso, Ridge

__all__ = [
    "ElasticNet",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "PoissonRegression",
    "Ridge",
]
