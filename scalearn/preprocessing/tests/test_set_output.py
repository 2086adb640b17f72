"""set_output: polars and pandas DataFrames as scikit-learn gives them; pandas in,
pandas out under the default output (see scalearn.preprocessing._base)."""

import warnings

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import compose as sk_compose
from sklearn import impute as sk_impute
from sklearn import preprocessing as sk
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline

import scalearn.preprocessing
from scalearn.compose import ColumnTransformer
from scalearn.impute import SimpleImputer
from scalearn.linear_model import LogisticRegression
from scalearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
    TargetEncoder,
)


def numbers(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)) * [1, 10, 100], columns=["a", "b", "c"])
    X.index = pd.RangeIndex(1000, 1000 + n)  # outputs must keep the input's index
    return X


def words(n=120, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "pay": rng.choice(["cash", "card", "voucher"], n).astype(object),
            "city": rng.choice(["x", "y"], n).astype(object),
        }
    )


def mixed(n=120):
    X = numbers(n).reset_index(drop=True)
    X.loc[::7, "a"] = np.nan
    return pd.concat([X, words(n)], axis=1)


# Each transformer of scalearn.preprocessing with scikit-learn's counterpart and the
# data it takes; the others are listed in NO_SET_OUTPUT with the reason.
PAIRS = {
    "StandardScaler": (StandardScaler, sk.StandardScaler, {}, numbers),
    "MinMaxScaler": (MinMaxScaler, sk.MinMaxScaler, {}, numbers),
    "MaxAbsScaler": (MaxAbsScaler, sk.MaxAbsScaler, {}, numbers),
    "RobustScaler": (RobustScaler, sk.RobustScaler, {}, numbers),
    "Normalizer": (Normalizer, sk.Normalizer, {}, numbers),
    "QuantileTransformer": (
        QuantileTransformer,
        sk.QuantileTransformer,
        {"n_quantiles": 50},
        numbers,
    ),
    "PolynomialFeatures": (PolynomialFeatures, sk.PolynomialFeatures, {}, numbers),
    "OneHotEncoder": (
        OneHotEncoder,
        sk.OneHotEncoder,
        {"sparse_output": False},
        words,
    ),
    "OrdinalEncoder": (OrdinalEncoder, sk.OrdinalEncoder, {}, words),
    "TargetEncoder": (
        TargetEncoder,
        sk.TargetEncoder,
        {"smooth": 1.0, "cv": KFold(3, shuffle=True, random_state=0)},
        words,
    ),
}
NO_SET_OUTPUT = {
    "BlockTransformer": "applies any function; its output is what the function "
    "returns (no get_feature_names_out), as FunctionTransformer without "
    "feature_names_out",
    "Categorizer": "dask-ml's workflow: DataFrame in, DataFrame out by design",
    "DummyEncoder": "dask-ml's workflow: DataFrame in, DataFrame out by design",
    "LabelEncoder": "encodes a target, which scikit-learn never wraps",
}


def target(X):
    return np.linspace(0.5, 3.0, len(X)) + (X.iloc[:, 0] == X.iloc[0, 0])


def test_every_transformer_is_covered():
    assert set(scalearn.preprocessing.__all__) == set(PAIRS) | set(NO_SET_OUTPUT)


def both(name, output):
    ours, theirs, params, data = PAIRS[name]
    return (
        ours(**params).set_output(transform=output),
        theirs(**params).set_output(transform=output),
        data(),
    )


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_polars_output_equals_sklearns(name):
    pl = pytest.importorskip("polars")
    ours, theirs, X = both(name, "polars")
    y = target(X)
    for method in ("fit_transform", "transform"):
        if method == "fit_transform":
            got, expected = ours.fit_transform(X, y), theirs.fit_transform(X, y)
        else:
            got, expected = ours.transform(X), theirs.transform(X)
        assert isinstance(got, pl.DataFrame), (method, type(got))
        assert got.schema == expected.schema
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_pandas_output_equals_sklearns(name):
    ours, theirs, X = both(name, "pandas")
    y = target(X)
    got, expected = ours.fit(X, y).transform(X), theirs.fit(X, y).transform(X)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_default_output_keeps_pandas_as_dask_keeps_dask(name):
    ours, theirs, X = both(name, "default")
    y = target(X)
    got = ours.fit(X, y).transform(X)
    expected = theirs.fit(X, y).transform(X)
    assert isinstance(expected, np.ndarray)  # scikit-learn's
    assert isinstance(got, pd.DataFrame)
    pd.testing.assert_index_equal(got.index, X.index)
    np.testing.assert_array_equal(got.columns, ours.get_feature_names_out())
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12)
    on_array = clone(ours).fit(X.to_numpy(), y).transform(X.to_numpy())
    assert isinstance(on_array, np.ndarray)
    lazy = ours.transform(dd.from_pandas(X, npartitions=3))
    assert isinstance(lazy, dd.DataFrame)
    np.testing.assert_array_equal(lazy.columns, got.columns)


def test_polars_on_dask_input_keeps_a_dask_frame():
    pl = pytest.importorskip("polars")
    X = numbers()
    ours = StandardScaler().set_output(transform="polars")
    out = ours.fit(dd.from_pandas(X, npartitions=3)).transform(
        dd.from_pandas(X, npartitions=3)
    )
    assert isinstance(out, dd.DataFrame)
    expected = sk.StandardScaler().set_output(transform="polars").fit_transform(X)
    assert isinstance(expected, pl.DataFrame)
    np.testing.assert_allclose(out.compute().to_numpy(), expected.to_numpy())


def test_imputer_and_column_transformer_polars_output_equal_sklearns():
    pl = pytest.importorskip("polars")
    X = mixed()
    pairs = [
        (SimpleImputer(), sk_impute.SimpleImputer(), X[["a", "b", "c"]]),
        (
            ColumnTransformer(
                [
                    ("num", SimpleImputer(strategy="median"), ["a", "b"]),
                    ("cat", OneHotEncoder(sparse_output=False), ["pay"]),
                ],
                remainder=StandardScaler(),
            ),
            sk_compose.ColumnTransformer(
                [
                    ("num", sk_impute.SimpleImputer(strategy="median"), ["a", "b"]),
                    ("cat", sk.OneHotEncoder(sparse_output=False), ["pay"]),
                ],
                remainder=sk.StandardScaler(),
            ),
            X[["a", "b", "c", "pay"]],
        ),
    ]
    for ours, theirs, data in pairs:
        got = ours.set_output(transform="polars").fit_transform(data)
        expected = theirs.set_output(transform="polars").fit_transform(data)
        assert isinstance(got, pl.DataFrame)
        assert got.schema == expected.schema
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())
        again = ours.transform(data)
        assert isinstance(again, pl.DataFrame)
        np.testing.assert_allclose(again.to_numpy(), expected.to_numpy())


def test_pipeline_fitted_on_dask_predicts_pandas_without_warnings():
    X = numbers().reset_index(drop=True)
    y = (X["a"] > 0).astype(np.int64)
    ddf = dd.from_pandas(X.assign(t=y), npartitions=3)
    for scaler in (StandardScaler(), MinMaxScaler(), RobustScaler()):
        pipe = make_pipeline(scaler, LogisticRegression())
        pipe.fit(ddf[["a", "b", "c"]], ddf["t"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            predicted = pipe.predict(X)
        assert [str(w.message) for w in caught] == []
        assert (predicted == y.to_numpy()).mean() > 0.9


def test_inverse_of_pandas_output_is_scikit_learns_inverse():
    X = numbers()
    ours, theirs = MinMaxScaler().fit(X), sk.MinMaxScaler().fit(X)
    out = ours.transform(X)
    back = ours.inverse_transform(out)
    np.testing.assert_allclose(back, theirs.inverse_transform(theirs.transform(X)))
    np.testing.assert_allclose(back, X.to_numpy())
    assert not hasattr(Normalizer(), "inverse_transform")  # as scikit-learn's
