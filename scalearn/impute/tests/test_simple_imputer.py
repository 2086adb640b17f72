import contextlib

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import impute as sk
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.impute import SimpleImputer
from scalearn.preprocessing.tests._parity import KINDS, check_parity, dense

STRATEGIES = ["mean", "median", "most_frequent", "constant"]


@pytest.fixture
def X():
    rng = np.random.default_rng(5)
    X = np.column_stack(
        [
            rng.normal(size=900),
            rng.integers(0, 7, 900).astype(float),  # ties for most_frequent
            rng.lognormal(size=900),
            np.full(900, np.nan),  # a column without values
        ]
    )
    X[rng.random(X.shape) < 0.1] = np.nan
    return X


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    "options", [{}, {"add_indicator": True, "keep_empty_features": True}]
)
def test_equals_sklearn(X, kind, strategy, options):
    options = {"strategy": strategy, **options}
    if strategy == "constant":
        options["fill_value"] = -1.0
    drops_empty = not options.get("keep_empty_features")
    with (
        pytest.warns(UserWarning, match="Skipping features without any observed")
        if drops_empty
        else contextlib.nullcontext()
    ):
        check_parity(
            SimpleImputer(**options),
            sk.SimpleImputer(**options),
            X,
            kind,
            ("statistics_",),
            chunk_rows=70,
        )


@pytest.mark.parametrize("kind", KINDS)
def test_inverse_transform_with_indicator(X, kind):
    # scikit-learn's own inverse_transform fails on a column without values.
    options = {"strategy": "median", "add_indicator": True}
    check_parity(
        SimpleImputer(**options),
        sk.SimpleImputer(**options),
        X[:, :3],
        kind,
        ("statistics_",),
        chunk_rows=70,
        inverse=True,
    )


def test_median_is_exact_across_many_chunks(X):
    Xd = da.from_array(X[:, :3], chunks=31)
    ours = SimpleImputer(strategy="median").fit(Xd)
    np.testing.assert_array_equal(ours.statistics_, np.nanmedian(X[:, :3], axis=0))


def test_missing_marker_other_than_nan():
    rng = np.random.default_rng(0)
    X = rng.integers(-1, 5, size=(500, 3))
    for strategy in STRATEGIES:
        expected = sk.SimpleImputer(missing_values=-1, strategy=strategy, fill_value=9)
        ours = SimpleImputer(missing_values=-1, strategy=strategy, fill_value=9)
        out = ours.fit_transform(da.from_array(X, chunks=64))
        np.testing.assert_array_equal(ours.statistics_, expected.fit(X).statistics_)
        np.testing.assert_allclose(out.compute(), expected.transform(X))


@pytest.mark.parametrize("strategy", ["most_frequent", "constant"])
def test_string_columns_of_a_dask_dataframe(strategy):
    frame = pd.DataFrame(
        {
            "city": pd.Series(["a", "b", None, "b", "c", None, "a", "b"], dtype="str"),
            "kind": pd.Series(
                ["x", np.nan, "y", "y", np.nan, "x", "x", "z"], dtype=object
            ),
        }
    )
    ddf = dd.from_pandas(frame, npartitions=3)
    options = {"strategy": strategy, "fill_value": "missing"}
    ours = SimpleImputer(**options).fit(ddf)
    theirs = sk.SimpleImputer(**options).fit(frame)
    np.testing.assert_array_equal(ours.statistics_, theirs.statistics_)
    out = ours.transform(ddf)
    assert isinstance(out, dd.DataFrame)
    np.testing.assert_array_equal(dense(out), theirs.transform(frame))


def test_one_pass_and_lazy_transform(X, count_computes):
    Xd = da.from_array(X[:, :3], chunks=100)
    for strategy, passes in (("mean", 1), ("most_frequent", 1), ("median", 2)):
        with count_computes() as counter:
            SimpleImputer(strategy=strategy).fit(Xd).transform(Xd)
        assert counter.count == passes, strategy


def test_callable_strategy_needs_in_memory_data(X):
    with pytest.raises(ValueError, match="'strategy' parameter of SimpleImputer"):
        SimpleImputer(strategy=np.nanmax).fit(da.from_array(X, chunks=100))
    np.testing.assert_array_equal(
        SimpleImputer(strategy=np.max).fit(X[:, :3]).statistics_,
        sk.SimpleImputer(strategy=np.max).fit(X[:, :3]).statistics_,
    )


@parametrize_with_checks([SimpleImputer()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
