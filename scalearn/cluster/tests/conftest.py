"""Data shared by the clustering tests."""

import pytest
from sklearn.datasets import make_blobs


@pytest.fixture(scope="module")
def blobs():
    """2,000 rows of 4 features in 5 well separated blobs, and their labels."""
    X, y = make_blobs(
        n_samples=2_000, n_features=4, centers=5, cluster_std=1.0, random_state=3
    )
    return X, y
