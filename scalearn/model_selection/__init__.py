"""Model selection at scale: searches that share work, splitters and CV tools."""

from scalearn.model_selection._adaptive import (
    IncrementalSearchCV,
    InverseDecaySearchCV,
)
from scalearn.model_selection._history_plot import plot_history
from scalearn.model_selection._hyperband import HyperbandSearchCV
from scalearn.model_selection._search import GridSearchCV, RandomizedSearchCV
from scalearn.model_selection._split import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    sample,
    train_test_split,
)
from scalearn.model_selection._successive_halving import SuccessiveHalvingSearchCV
from scalearn.model_selection._validation import (
    cross_val_predict,
    cross_val_score,
    cross_validate,
    learning_curve,
)

__all__ = [
    "GridSearchCV",
    "HyperbandSearchCV",
    "IncrementalSearchCV",
    "InverseDecaySearchCV",
    "KFold",
    "RandomizedSearchCV",
    "ShuffleSplit",
    "StratifiedKFold",
    "SuccessiveHalvingSearchCV",
    "cross_val_predict",
    "cross_val_score",
    "cross_validate",
    "learning_curve",
    "plot_history",
    "sample",
    "train_test_split",
]
