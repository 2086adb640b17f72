"""Text vectorizers for lists, pandas and dask collections of documents.

The public module, as ``sklearn.feature_extraction.text`` and
``dask_ml.feature_extraction.text``: change the import and the same code runs
on a dask bag, a 1-D dask array or a dask Series of documents.
"""

from scalearn.feature_extraction._counting import CountVectorizer, TfidfVectorizer
from scalearn.feature_extraction._hashing import FeatureHasher, HashingVectorizer
from scalearn.feature_extraction._weighting import TfidfTransformer

__all__ = [
    "CountVectorizer",
    "FeatureHasher",
    "HashingVectorizer",
    "TfidfTransformer",
    "TfidfVectorizer",
]
