"""Ensembles over the blocks of dask collections."""

from scalearn.ensemble._averaging import ModelAveraging
from scalearn.ensemble._blockwise import (
    BlockwiseVotingClassifier,
    BlockwiseVotingRegressor,
)

__all__ = ["BlockwiseVotingClassifier", "BlockwiseVotingRegressor", "ModelAveraging"]
