"""Feature extraction from text and from dicts, on in-memory and dask collections.

The vectorizers live in :mod:`scalearn.feature_extraction.text`; the
``FeatureHasher`` is also here, where scikit-learn has it.
"""

from scalearn.feature_extraction import text
from scalearn.feature_extraction._hashing import FeatureHasher

__all__ = ["FeatureHasher", "text"]
