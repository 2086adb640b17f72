import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import compose as sk_compose
from sklearn import preprocessing as sk
from sklearn.compose import make_column_selector
from sklearn.impute import SimpleImputer as SkSimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn import preprocessing as sl
from scalearn.compose import ColumnTransformer, make_column_transformer
from scalearn.wrappers import ParallelPostFit


def frame(n=600, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "pay": pd.Series(rng.choice(["cash", "card", "none"], n), dtype="str"),
            "fare": rng.gamma(2.0, 7.0, n),
            "rooms": rng.integers(1, 5, n),
            "tip": rng.normal(3.0, 1.0, n),
            "city": pd.Series(rng.choice(["a", "b"], n), dtype="str"),
        }
    )


def pair(ours_cls, theirs_cls, **kw):
    return ours_cls(**kw), theirs_cls(**kw)


# Each case: (transformers as (name, (ours, theirs), columns), remainder pair or str)
def cases():
    onehot = pair(sl.OneHotEncoder, sk.OneHotEncoder, sparse_output=False)
    scale = pair(sl.StandardScaler, sk.StandardScaler)
    minmax = pair(sl.MinMaxScaler, sk.MinMaxScaler)
    return {
        "names": ([("pay", onehot, ["pay"]), ("num", scale, ["fare", "tip"])], "drop"),
        "selectors": (
            [
                ("cat", onehot, make_column_selector(dtype_include=["str", object])),
                ("num", scale, make_column_selector(dtype_include=np.number)),
            ],
            "drop",
        ),
        "callable_passthrough": (
            [("fare", minmax, lambda df: [c for c in df.columns if c == "fare"])],
            "passthrough",
        ),
        "remainder_estimator": (
            [("cat", onehot, ["pay", "city"])],
            pair(sl.StandardScaler, sk.StandardScaler),
        ),
        "positions_and_mask": (
            [
                ("cat", onehot, [0]),
                ("num", scale, [False, True, True, False, False]),
                ("gone", "drop", ["tip"]),
            ],
            "passthrough",
        ),
        "slices": ([("num", scale, slice("fare", "tip"))], "drop"),
        "empty_selection": ([("none", scale, []), ("pay", onehot, ["pay"])], "drop"),
    }


def build(case, side, **kw):
    specs, remainder = cases()[case]
    pick = 0 if side == "ours" else 1
    transformers = [(n, t if isinstance(t, str) else t[pick], c) for n, t, c in specs]
    remainder = remainder if isinstance(remainder, str) else remainder[pick]
    cls = ColumnTransformer if side == "ours" else sk_compose.ColumnTransformer
    return cls(transformers, remainder=remainder, **kw)


def fitted_state(transformer):
    return {k: v for k, v in vars(transformer).items() if k.endswith("_")}


def assert_same_state(ours, theirs):
    a, b = fitted_state(ours), fitted_state(theirs)
    assert a.keys() == b.keys()
    for key, value in b.items():
        if isinstance(value, list):  # e.g. categories_
            for x, y in zip(a[key], value, strict=True):
                np.testing.assert_array_equal(x, y)
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
            np.testing.assert_allclose(a[key], value, rtol=1e-10)
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(a[key], value)
        else:
            assert a[key] == value, key


def assert_same_fit(ours, theirs):
    assert ours.n_features_in_ == theirs.n_features_in_
    np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    np.testing.assert_array_equal(
        ours.get_feature_names_out(), theirs.get_feature_names_out()
    )
    assert ours.output_indices_ == theirs.output_indices_
    assert ours.sparse_output_ == theirs.sparse_output_
    assert len(ours.transformers_) == len(theirs.transformers_)
    for (n1, t1, c1), (n2, t2, c2) in zip(
        ours.transformers_, theirs.transformers_, strict=True
    ):
        assert n1 == n2
        assert list(np.atleast_1d(c1)) == list(np.atleast_1d(c2)) or c1 == c2
        if isinstance(t2, str):
            assert t1 == t2
        else:
            assert type(t1).__name__ == type(t2).__name__
            assert_same_state(t1, t2)


@pytest.mark.parametrize("case", list(cases()))
@pytest.mark.parametrize("output", ["default", "pandas"])
def test_dask_frame_equals_sklearn_on_pandas(case, output):
    df = frame()
    ddf = dd.from_pandas(df, npartitions=3)
    ours = build(case, "ours").set_output(transform=output)
    theirs = build(case, "theirs").set_output(transform=output)
    ours.fit(ddf)
    theirs.fit(df)
    assert_same_fit(ours, theirs)
    out = ours.transform(ddf)
    expected = theirs.transform(df)
    assert isinstance(out, dd.DataFrame)
    assert out.npartitions == ddf.npartitions
    assert list(out.columns) == list(theirs.get_feature_names_out())
    got = out.compute()
    pd.testing.assert_series_equal(out.dtypes, got.dtypes)  # the meta is truthful
    pd.testing.assert_index_equal(got.index, df.index)
    if output == "pandas":
        # Strings passed through come out as object (NaN for missing), as
        # scalearn's transformers see them (documented).
        strings = {c: object for c, t in expected.dtypes.items() if t == "str"}
        expected = expected.astype(strings)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-10)
    else:
        values = got.to_numpy()
        assert values.dtype == expected.dtype
        assert values.shape == expected.shape
        assert_close_columns(values, expected)


def assert_close_columns(values, expected):
    """Equal strings, numbers within 1e-10 (dask sums in another order)."""
    for j in range(expected.shape[1]):
        column = expected[:, j]
        if all(isinstance(v, str) for v in column):
            np.testing.assert_array_equal(values[:, j], column)
        else:
            np.testing.assert_allclose(
                values[:, j].astype(float), column.astype(float), rtol=1e-10
            )


@pytest.mark.parametrize("verbose_names", [True, False])
def test_pandas_input_is_sklearn(verbose_names):
    df = frame()
    ours = build("names", "ours", verbose_feature_names_out=verbose_names)
    theirs = build("names", "theirs", verbose_feature_names_out=verbose_names)
    ours.set_output(transform="pandas")
    theirs.set_output(transform="pandas")
    pd.testing.assert_frame_equal(ours.fit_transform(df), theirs.fit_transform(df))
    assert_same_fit(ours, theirs)
    pd.testing.assert_frame_equal(ours.transform(df), theirs.transform(df))


def test_sparse_output_is_a_dask_array_of_sparse_blocks():
    df = frame()
    ddf = dd.from_pandas(df, npartitions=3)
    ours = ColumnTransformer([("cat", sl.OneHotEncoder(), ["pay", "city"])])
    theirs = sk_compose.ColumnTransformer(
        [("cat", sk.OneHotEncoder(), ["pay", "city"])], sparse_threshold=1.0
    )
    out = ours.fit(ddf).transform(ddf)
    # Density 0.4 > 0.3 makes scikit-learn's dense; on dask it is not measured.
    assert ours.sparse_output_
    assert theirs.fit(df).sparse_output_
    assert isinstance(out, da.Array)
    assert sp.issparse(out._meta)
    got = sp.vstack(list(out.blocks[i].compute() for i in range(out.numblocks[0])))
    np.testing.assert_array_equal(got.toarray(), theirs.transform(df).toarray())
    dense = ours.set_params(sparse_threshold=0.0).fit(ddf)
    assert not dense.sparse_output_
    assert isinstance(dense.transform(ddf), dd.DataFrame)


def test_fit_is_one_pass_per_transformer_and_transform_is_lazy(count_computes):
    ddf = dd.from_pandas(frame(), npartitions=3)
    ct = build("remainder_estimator", "ours").set_output(transform="pandas")
    with count_computes() as counter:
        ct.fit(ddf)
    assert counter.count == 2  # the encoder's pass and the remainder scaler's
    with count_computes() as counter:
        out = ct.transform(ddf)
    assert counter.count == 0
    with count_computes() as counter:
        out.compute()
    assert counter.count == 1


def test_transform_selects_by_name_in_any_column_order():
    df = frame()
    ct = build("names", "ours").fit(dd.from_pandas(df, npartitions=2))
    shuffled = dd.from_pandas(df[df.columns[::-1]], npartitions=2)
    np.testing.assert_allclose(
        ct.transform(shuffled).compute(), ct.transform(df), rtol=1e-12
    )
    with pytest.raises(ValueError, match=r"columns \['fare', 'tip'\] seen in fit"):
        ct.transform(dd.from_pandas(df.drop(columns=["fare", "tip"]), 2))


def test_refit_on_dask_forgets_the_pandas_fit():
    df = frame()
    ct = build("names", "ours").fit(df[["pay", "fare", "tip"]])
    ct.fit(dd.from_pandas(df, npartitions=2))
    assert ct.n_features_in_ == 5
    assert ct.transformers_[0][1] is not ct.transformers[0][1]  # a fitted clone


def test_pipeline_of_scalearn_steps_is_accepted_on_dask():
    df = frame()
    ddf = dd.from_pandas(df, npartitions=2)
    ours = make_column_transformer(
        (make_pipeline(sl.StandardScaler(), sl.MinMaxScaler()), ["fare"]),
        remainder="drop",
    )
    theirs = sk_compose.make_column_transformer(
        (make_pipeline(sk.StandardScaler(), sk.MinMaxScaler()), ["fare"])
    )
    np.testing.assert_allclose(
        ours.fit_transform(ddf).compute(), theirs.fit_transform(df), rtol=1e-10
    )


def test_pipeline_fitted_on_dask_predicts_on_pandas_without_warnings():
    from sklearn.linear_model import LogisticRegression

    df = frame()
    y = (df["tip"] > 3.0).to_numpy()
    ddf = dd.from_pandas(df, npartitions=3)
    model = make_pipeline(
        make_column_transformer(
            (sl.OneHotEncoder(sparse_output=False), ["pay"]),
            (sl.StandardScaler(), ["fare", "rooms"]),
        ),
        ParallelPostFit(LogisticRegression()),
    )
    model[0].fit(ddf)
    features = model[0].transform(df)
    # pandas in, pandas out under the default output, named as on dask data.
    assert isinstance(features, pd.DataFrame)
    assert list(features.columns) == list(model[0].get_feature_names_out())
    assert features.index.equals(df.index)
    model[1].fit(features, y)
    # Warnings are errors in this suite: a feature-name mismatch would fail.
    predicted = model.predict(df)
    lazy = model.predict(ddf).compute()
    np.testing.assert_array_equal(predicted, lazy.to_numpy())


def test_plain_sklearn_transformer_is_refused_with_the_fix():
    ddf = dd.from_pandas(frame(), npartitions=2)
    ct = ColumnTransformer([("impute", SkSimpleImputer(), ["fare"])])
    with pytest.raises(ValueError, match="ParallelPostFit") as info:
        ct.fit(ddf)
    assert "'transformers' parameter of ColumnTransformer.fit" in str(info.value)
    ct = ColumnTransformer([], remainder=SkSimpleImputer())
    with pytest.raises(ValueError, match="'remainder' parameter"):
        ct.fit(ddf)


def test_parallel_post_fit_is_the_in_memory_path():
    df = frame()
    ddf = dd.from_pandas(df, npartitions=2)
    ct = ColumnTransformer([("imp", ParallelPostFit(SkSimpleImputer()), ["fare"])])
    out = ct.fit_transform(ddf)
    assert isinstance(out, dd.DataFrame)
    np.testing.assert_allclose(out.compute().to_numpy(), df[["fare"]].to_numpy())
    np.testing.assert_allclose(
        ct.named_transformers_["imp"].estimator_.statistics_, [df.fare.mean()]
    )


def test_dask_array_is_refused():
    X = da.ones((10, 2), chunks=5)
    ct = ColumnTransformer([("s", sl.StandardScaler(), [0])])
    with pytest.raises(ValueError, match="from_dask_array"):
        ct.fit(X)


def test_make_column_transformer_names_like_sklearn():
    args = [(sl.StandardScaler(), ["a"]), (sl.StandardScaler(), ["b"]), ("drop", ["c"])]
    ours = make_column_transformer(*args, remainder="passthrough")
    theirs = sk_compose.make_column_transformer(*args, remainder="passthrough")
    assert [n for n, _, _ in ours.transformers] == [
        n for n, _, _ in theirs.transformers
    ]
    assert isinstance(ours, sk_compose.ColumnTransformer)
    assert ours.remainder == "passthrough"


def test_params_are_not_mutated():
    ddf = dd.from_pandas(frame(), npartitions=2)
    ct = build("remainder_estimator", "ours")
    before = ct.get_params(deep=False)
    ct.fit(ddf)
    assert ct.get_params(deep=False) == before
    assert not hasattr(ct.remainder, "mean_")  # the fit went to a clone
    assert hasattr(ct.named_transformers_["remainder"], "mean_")


_AS_SKLEARN = (
    "scikit-learn's own ColumnTransformer fails this check the same way on numpy "
    "input, which goes to it unchanged (it validates X lazily, per transformer)"
)
EXPECTED_FAILURES = {
    name: _AS_SKLEARN
    for name in (
        "check_estimators_empty_data_messages",
        "check_estimators_nan_inf",
        "check_estimator_sparse_array",
        "check_estimator_sparse_matrix",
        "check_transformer_data_not_an_array",
        "check_fit1d",
        "check_fit2d_predict1d",
    )
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_expected_failures_are_sklearns_own():
    theirs = sk_compose.ColumnTransformer(
        [("scale", sk.StandardScaler(), [0])], remainder="passthrough"
    )
    from sklearn.utils.estimator_checks import check_estimator

    failed = {
        r["check_name"]
        for r in check_estimator(theirs, on_fail=None)
        if r["status"] == "failed"
    }
    assert failed == set(EXPECTED_FAILURES)


@parametrize_with_checks(
    [ColumnTransformer([("scale", sl.StandardScaler(), [0])], remainder="passthrough")],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
