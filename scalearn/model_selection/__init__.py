"""Model selection at scale: searches that share work, splitters and CV tools."""

from scalearn.model_selection._search import GridSearchCV, RandomizedSearchCV
from scalearn.model_selection._split import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    sample,
    train_test_split,
)
from scalearn.model_selection._validation import (
    cross_val_predict,
    cross_val_score,
    cross_validate,
    learning_curve,
)

__all__ = [
    "GridSearchCV",
    "KFold",
    "RandomizedSearchCV",
    "ShuffleSplit",
    "StratifiedKFold",
    "cross_val_predict",
    "cross_val_score",
    "cross_validate",
    "learning_curve",
    "sample",
    "train_test_split",
]
