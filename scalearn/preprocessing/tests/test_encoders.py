import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import preprocessing as sk

from scalearn.preprocessing import LabelEncoder, OneHotEncoder, OrdinalEncoder
from scalearn.preprocessing.tests._parity import assert_same_attributes, dense


def frame(n=800, seed=6):
    rng = np.random.default_rng(seed)
    pay = rng.choice(["cash", "card", "none", "dispute"], n, p=[0.5, 0.4, 0.07, 0.03])
    city = rng.choice(["a", "b", "c"], n).astype(object)
    city[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "pay": pd.Series(pay, dtype="str"),
            "city": city,
            "rooms": rng.integers(1, 5, n),
        }
    )


def as_kind(df, kind, npartitions=4):
    if kind == "pandas":
        return df
    if kind == "numpy":
        return df.to_numpy(dtype=object)
    if kind == "dask_array":
        return da.from_array(df.to_numpy(dtype=object), chunks=(200, 3))
    return dd.from_pandas(df, npartitions=npartitions)


def in_memory(X):
    out = X.compute() if hasattr(X, "compute") else X
    if isinstance(out, pd.DataFrame):  # dask's pd.NA strings, as scikit-learn gets them
        out = out.astype({c: object for c, t in out.dtypes.items() if t != "int64"})
        out = out.where(out.notna(), np.nan)
    return out


KINDS = ["numpy", "pandas", "dask_array", "dask_frame"]
ONEHOT_OPTIONS = [
    {"sparse_output": False},
    {"sparse_output": True, "drop": "first"},
    {"sparse_output": False, "handle_unknown": "ignore"},
    {
        "sparse_output": False,
        "min_frequency": 50,
        "handle_unknown": "infrequent_if_exist",
    },
    {
        "sparse_output": True,
        "max_categories": 3,
        "handle_unknown": "infrequent_if_exist",
    },
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", ONEHOT_OPTIONS)
def test_one_hot_equals_sklearn(kind, options):
    X = as_kind(frame(), kind)
    ours = OneHotEncoder(**options).fit(X)
    theirs = sk.OneHotEncoder(**options).fit(in_memory(X))
    assert_same_attributes(ours, theirs, ("categories_", "drop_idx_"))
    if options.get("min_frequency") or options.get("max_categories"):
        assert_same_attributes(ours, theirs, ("infrequent_categories_",))
    np.testing.assert_array_equal(
        ours.get_feature_names_out(), theirs.get_feature_names_out()
    )
    # Unknown values in transform, handled as scikit-learn handles them.
    new = frame(300, seed=7)
    new.loc[:10, "pay"] = "voucher"
    X_new = as_kind(new, kind)
    if options.get("handle_unknown", "error") == "error":
        with pytest.raises(ValueError, match="unknown categor"):
            dense(ours.transform(X_new))
        X_new = X
    out = ours.transform(X_new)
    if kind == "dask_frame" and not options["sparse_output"]:
        assert isinstance(out, dd.DataFrame)
        np.testing.assert_array_equal(out.columns, theirs.get_feature_names_out())
    elif kind.startswith("dask"):
        assert isinstance(out, da.Array)
    np.testing.assert_array_equal(dense(out), dense(theirs.transform(in_memory(X_new))))
    if "drop" not in options:
        back = dense(ours.inverse_transform(out))
        expected = theirs.inverse_transform(theirs.transform(in_memory(X_new)))
        for a, b in zip(back.ravel(), np.asarray(expected).ravel(), strict=True):
            assert a == b or (pd.isna(a) and pd.isna(b)), (a, b)


@pytest.mark.parametrize("kind", KINDS)
def test_ordinal_equals_sklearn(kind):
    options = {"handle_unknown": "use_encoded_value", "unknown_value": -1}
    X = as_kind(frame(), kind)
    ours = OrdinalEncoder(**options).fit(X)
    theirs = sk.OrdinalEncoder(**options).fit(in_memory(X))
    assert_same_attributes(ours, theirs, ("categories_",))
    out = ours.transform(X)
    np.testing.assert_array_equal(dense(out), theirs.transform(in_memory(X)))
    back = dense(ours.inverse_transform(out))
    expected = theirs.inverse_transform(theirs.transform(in_memory(X)))
    for a, b in zip(back.ravel(), expected.ravel(), strict=True):
        assert a == b or (pd.isna(a) and pd.isna(b))


def test_encoders_fit_in_one_pass(count_computes):
    X = as_kind(frame(), "dask_frame")
    for encoder in (OneHotEncoder(), OrdinalEncoder()):
        with count_computes() as counter:
            encoder.fit(X).transform(X)
        assert counter.count == 1


def test_categorical_columns():
    df = frame()
    df["pay"] = df["pay"].astype("category")
    ddf = dd.from_pandas(df, npartitions=3)
    ours = OneHotEncoder(sparse_output=False).fit(ddf)
    theirs = sk.OneHotEncoder(sparse_output=False).fit(in_memory(ddf))
    assert_same_attributes(ours, theirs, ("categories_",))
    np.testing.assert_array_equal(
        dense(ours.transform(ddf)), theirs.transform(in_memory(ddf))
    )


@pytest.mark.parametrize("container", ["dask_array", "dask_series"])
def test_label_encoder_equals_sklearn(container):
    y = np.random.default_rng(0).choice(["spam", "ham", "eggs"], 500)
    yd = da.from_array(y, chunks=100)
    if container == "dask_series":
        yd = dd.from_pandas(pd.Series(y, name="label"), npartitions=4)
    ours = LabelEncoder().fit(yd)
    theirs = sk.LabelEncoder().fit(y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    out = ours.transform(yd)
    np.testing.assert_array_equal(dense(out), theirs.transform(y))
    np.testing.assert_array_equal(dense(ours.inverse_transform(out)), y)


def test_label_encoder_known_categories_need_no_pass(count_computes):
    y = pd.Series(["b", "a", "b"], dtype="category")
    yd = dd.from_pandas(y, npartitions=2)
    with count_computes() as counter:
        ours = LabelEncoder().fit(yd)
    assert counter.count == 0
    np.testing.assert_array_equal(ours.classes_, ["a", "b"])
