"""Fixtures of the linear-model tests."""

import pytest

from scalearn.linear_model import _solvers


@pytest.fixture
def kernel_calls(monkeypatch):
    """The names of the per-block kernels of each pass over the data, in order."""
    names = []
    original = _solvers.BlockData.per_block

    def counted(self, func, *args, **kwargs):
        names.append(func.__name__)
        return original(self, func, *args, **kwargs)

    monkeypatch.setattr(_solvers.BlockData, "per_block", counted)
    return names
