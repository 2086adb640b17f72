"""Fit a scalearn transformer and scikit-learn's on the same data and compare."""

from __future__ import annotations

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from scalearn.conftest import as_container

KINDS = ["numpy", "pandas", "dask_array", "dask_frame"]


def in_memory(X):
    """The in-memory version scikit-learn gets of a (dask) container."""
    if isinstance(X, da.Array | dd.DataFrame | dd.Series):
        return X.compute()
    return X


def dense(out):
    if isinstance(out, da.Array | dd.DataFrame | dd.Series):
        out = out.compute()
    if sp.issparse(out):
        out = out.toarray()
    if isinstance(out, pd.DataFrame | pd.Series):
        out = out.to_numpy()
    return np.asarray(out)


def assert_same_attributes(ours, theirs, names, rtol=1e-12, atol=0.0):
    for name in names:
        a, b = getattr(ours, name), getattr(theirs, name)
        if b is None:
            assert a is None, name
            continue
        if isinstance(b, list):
            assert len(a) == len(b), name
            pairs = zip(a, b, strict=True)
        else:
            pairs = [(a, b)]
        for x, y in pairs:
            x, y = np.asarray(x), np.asarray(y)
            assert x.dtype == y.dtype, (name, x.dtype, y.dtype)
            if y.dtype.kind in "fc":
                np.testing.assert_allclose(
                    x, y, rtol=rtol, atol=atol, equal_nan=True, err_msg=name
                )
            elif y.dtype == object:
                assert x.shape == y.shape, name
                for a_, b_ in zip(x.ravel(), y.ravel(), strict=True):
                    assert a_ == b_ or (pd.isna(a_) and pd.isna(b_)), (name, a_, b_)
            else:
                np.testing.assert_array_equal(x, y, err_msg=name)


def assert_same_container(out, X, ours):
    """Dask in, lazy dask out with the row chunks kept; in-memory in, in-memory out."""
    if isinstance(X, da.Array):
        assert isinstance(out, da.Array), type(out)
        assert out.chunks[0] == X.chunks[0]
    elif isinstance(X, dd.DataFrame):
        assert isinstance(out, dd.DataFrame), type(out)
        assert out.npartitions == X.npartitions
        np.testing.assert_array_equal(out.columns, ours.get_feature_names_out())
    else:
        assert not isinstance(out, da.Array | dd.DataFrame)


def check_parity(
    ours,
    theirs,
    X,
    kind,
    attributes,
    *,
    y=None,
    rtol=1e-12,
    atol=0.0,
    inverse=False,
    chunk_rows=250,
):
    """Fit both, compare ``attributes`` and the transform (and its inverse)."""
    Xc, yc = as_container(X, np.zeros(len(X)) if y is None else y, kind, chunk_rows)
    original = in_memory(Xc).copy()
    fit_y = None if y is None else yc
    ours.fit(Xc, fit_y)
    theirs.fit(in_memory(Xc), None if y is None else in_memory(yc))
    assert_same_attributes(ours, theirs, attributes, rtol=rtol, atol=atol)
    if hasattr(theirs, "feature_names_in_"):
        np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    assert ours.n_features_in_ == theirs.n_features_in_
    out = ours.transform(Xc)
    assert_same_container(out, Xc, ours)
    # From a copy: with copy=False scikit-learn transforms a DataFrame in place.
    expected = theirs.transform(original.copy())
    np.testing.assert_allclose(
        dense(out), dense(expected), rtol=max(rtol, 1e-10), atol=atol, equal_nan=True
    )
    if inverse:
        back = ours.inverse_transform(out)
        np.testing.assert_allclose(
            dense(back),
            dense(theirs.inverse_transform(expected)),
            rtol=1e-9,
            atol=1e-9,
            equal_nan=True,
        )
    # The caller's data is never modified (unless copy=False asks for it).
    if ours.get_params().get("copy") is False and kind in ("numpy", "pandas"):
        return out
    if isinstance(original, pd.DataFrame):
        pd.testing.assert_frame_equal(in_memory(Xc), original)
    else:
        np.testing.assert_array_equal(in_memory(Xc), original)
    return out
