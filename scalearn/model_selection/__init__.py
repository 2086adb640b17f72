"""Model selection at scale: searches that share work, splitters and CV tools."""

from scalearn.model_selection._search import GridSearchCV, RandomizedSearchCV
from scalearn.model_selection._split import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    sample,
    train_test_split,
)

__all__ = [
    "GridSearchCV",
    "KFold",
    "RandomizedSearchCV",
    "ShuffleSplit",
    "StratifiedKFold",
    "sample",
    "train_test_split",
]
