"""Model selection at scale: searches that share work, splitters and CV tools."""

from scalearn.model_selection._search import GridSearchCV, RandomizedSearchCV

__all__ = [
    "GridSearchCV",
    "RandomizedSearchCV",
]
