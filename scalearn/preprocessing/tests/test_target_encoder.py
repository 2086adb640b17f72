import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import preprocessing as sk
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.preprocessing import TargetEncoder
from scalearn.preprocessing._base import plain_strings
from scalearn.preprocessing._target_encoder import FoldPlan, block_folds
from scalearn.preprocessing.tests._parity import (
    assert_same_attributes,
    assert_same_container,
    dense,
)

KINDS = ["numpy", "pandas", "dask_array", "dask_frame"]
ATTRIBUTES = ("encodings_", "categories_", "target_mean_", "classes_")
COLUMNS = ["city", "zone", "pay"]


def frame(n=600, seed=0):
    """A string column, a high-cardinality integer column, a categorical with NaN."""
    rng = np.random.default_rng(seed)
    city = rng.choice([f"c{i}" for i in range(12)], n).astype(object)
    city[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "city": city,
            "zone": rng.integers(0, 250, n),
            "pay": pd.Series(rng.choice(["cash", "card", None], n), dtype="category"),
        }
    )


def target(kind, df, seed=1):
    rng = np.random.default_rng(seed)
    n = len(df)
    if kind == "continuous":
        return rng.normal(size=n) + (df["zone"].to_numpy() % 7) * 0.3
    if kind == "binary":
        return np.where(rng.random(n) < 0.3 + 0.05 * (df["zone"] % 5), "yes", "no")
    return rng.integers(0, 4, n)


def containers(df, y, kind, rows=150):
    """``(X, y)`` as ``kind``; dask X and y share their row blocks."""
    if kind == "pandas":
        return df, pd.Series(y, name="t")
    if kind == "numpy":
        return df.to_numpy(dtype=object), y
    if kind == "dask_array":
        values = df.astype({"pay": object}).to_numpy(dtype=object)
        return da.from_array(values, chunks=(rows, 3)), da.from_array(y, chunks=rows)
    ddf = dd.from_pandas(df.assign(t=y), chunksize=rows, sort=True)
    return ddf[COLUMNS], ddf["t"]


def in_memory(X):
    """What scikit-learn gets: dask's pd.NA strings as object/NaN, as in transform."""
    out = X.compute() if hasattr(X, "compute") else X
    return plain_strings(out) if isinstance(out, pd.DataFrame) else out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("target_kind", ["continuous", "binary", "multiclass"])
@pytest.mark.parametrize("smooth", ["auto", 2.5])
def test_fit_and_transform_equal_sklearn(kind, target_kind, smooth):
    df = frame()
    X, y = containers(df, target(target_kind, df), kind)
    ours = TargetEncoder(smooth=smooth).fit(X, y)
    theirs = sk.TargetEncoder(smooth=smooth).fit(in_memory(X), in_memory(y))
    assert ours.target_type_ == theirs.target_type_ == target_kind
    assert_same_attributes(ours, theirs, ATTRIBUTES, rtol=1e-10)
    assert type(ours.target_mean_) is type(theirs.target_mean_)
    assert ours.n_features_in_ == theirs.n_features_in_ == 3
    if kind in ("pandas", "dask_frame"):
        np.testing.assert_array_equal(ours.feature_names_in_, COLUMNS)
    # Unknown categories (and a new zone) in transform get the target mean.
    new = frame(200, seed=5)
    new.loc[:19, "city"] = "atlantis"
    new.loc[:19, "zone"] = 10_000
    X_new, _ = containers(new, np.zeros(len(new)), kind, rows=70)
    out = ours.transform(X_new)
    assert_same_container(out, X_new, ours)
    expected = theirs.transform(in_memory(X_new))
    np.testing.assert_allclose(dense(out), expected, rtol=1e-10)
    unknown = dense(out)[:20, : len(np.atleast_1d(ours.target_mean_))]
    np.testing.assert_allclose(
        unknown, np.broadcast_to(ours.target_mean_, unknown.shape)
    )


def test_missing_values_are_one_category_like_sklearn():
    df = frame()
    X, y = containers(df, target("continuous", df), "dask_frame")
    ours = TargetEncoder(smooth=1.0).fit(X, y)
    theirs = sk.TargetEncoder(smooth=1.0).fit(in_memory(X), in_memory(y))
    for mine, sklearns in zip(ours.categories_, theirs.categories_, strict=True):
        assert pd.isna(mine[-1]) == pd.isna(sklearns[-1])
    assert pd.isna(ours.categories_[0][-1])
    assert pd.isna(ours.categories_[2][-1])
    # The NaN rows' encoding is the NaN category's.
    rows = df["city"].isna().to_numpy()
    encoded = dense(ours.transform(X))[rows, 0]
    np.testing.assert_allclose(encoded, ours.encodings_[0][-1])


def test_given_categories_and_float32_target_equal_sklearn():
    df = frame()
    y = target("continuous", df).astype(np.float32)
    categories = [
        np.array(["c0", "c1", "c2"], dtype=object),
        np.arange(0, 250, 2),
        np.array(["card", "cash"], dtype=object),
    ]
    X, yd = containers(df, y, "dask_frame")
    ours = TargetEncoder(categories=categories, smooth="auto").fit(X, yd)
    theirs = sk.TargetEncoder(categories=categories).fit(in_memory(X), y)
    assert_same_attributes(ours, theirs, ATTRIBUTES, rtol=1e-6)
    assert ours.target_mean_.dtype == np.float32
    np.testing.assert_allclose(
        dense(ours.transform(X)), theirs.transform(in_memory(X)), rtol=1e-6
    )


@pytest.mark.parametrize("kind", ["numpy", "pandas"])
def test_fit_transform_in_memory_is_sklearns(kind):
    df = frame()
    X, y = containers(df, target("binary", df), kind)
    cv = StratifiedKFold(4, shuffle=True, random_state=3)
    ours = TargetEncoder(cv=cv).fit_transform(X, y)
    theirs = sk.TargetEncoder(cv=cv).fit_transform(X, y)
    np.testing.assert_array_equal(ours, theirs)


def fold_of_each_row(X, y, encoder):
    """Recompute the folds the encoder drew, block by block."""
    n_folds, shuffle, seed = encoder._dask_folds()
    plan = FoldPlan(n_folds, shuffle, seed, classes=encoder._wanted(y)[1])
    blocks = [y.partitions[i].compute().to_numpy() for i in range(y.npartitions)]
    return np.concatenate([block_folds(b, plan, i) for i, b in enumerate(blocks)])


@pytest.mark.parametrize("target_kind", ["continuous", "binary"])
def test_cross_fitting_excludes_each_rows_own_fold(target_kind):
    df = frame()
    y = target(target_kind, df)
    X, yd = containers(df, y, "dask_frame")
    smooth = 3.0
    cv = KFold(4, shuffle=True, random_state=7)
    encoder = TargetEncoder(smooth=smooth, cv=cv)
    crossed = encoder.fit_transform(X, yd)
    assert isinstance(crossed, dd.DataFrame)
    assert crossed.npartitions == X.npartitions
    crossed = crossed.compute()
    plain = encoder.transform(X).compute()
    assert not np.allclose(crossed.to_numpy(), plain.to_numpy())
    # By hand with pandas: each row's encoding from the rows of the other folds.
    folds = fold_of_each_row(X, yd, encoder)
    assert sorted(np.bincount(folds)) == [150] * 4
    y_num = (y == "yes").astype(float) if target_kind == "binary" else y
    data = df.assign(y=y_num, fold=folds, city=df["city"].fillna("NA"))
    data["pay"] = data["pay"].astype(object).fillna("NA")
    for f in range(4):
        train, test = data[data.fold != f], data[data.fold == f]
        prior = train["y"].mean()
        for column in COLUMNS:
            stats = train.groupby(column)["y"].agg(["sum", "count"])
            stats = stats.reindex(test[column])
            expected = (smooth * prior + stats["sum"].fillna(0).to_numpy()) / (
                smooth + stats["count"].fillna(0).to_numpy()
            )
            got = crossed.loc[test.index, column].to_numpy()
            np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_cross_fitting_with_auto_smooth_equals_sklearn_per_fold():
    df = frame()
    y = target("multiclass", df)
    X, yd = containers(df, y, "dask_frame")
    encoder = TargetEncoder(cv=StratifiedKFold(3, shuffle=True, random_state=1))
    crossed = dense(encoder.fit_transform(X, yd))
    folds = fold_of_each_row(X, yd, encoder)
    X_mem = in_memory(X)
    for f in range(3):
        train, test = folds != f, folds == f
        # Stratified per block: each fold holds a third of every class, +-1 a block.
        for label in range(4):
            in_class = (y == label).sum()
            assert abs((y[test] == label).sum() - in_class / 3) <= X.npartitions
        fold_encoder = sk.TargetEncoder(categories=encoder.categories_)
        fold_encoder.fit(X_mem[train], y[train])
        np.testing.assert_allclose(
            crossed[test], fold_encoder.transform(X_mem[test]), rtol=1e-10
        )


def test_cross_fitting_is_reproducible_and_seeded():
    df = frame()
    X, y = containers(df, target("continuous", df), "dask_array")
    first = TargetEncoder(cv=KFold(5, shuffle=True, random_state=0))
    again = TargetEncoder(cv=KFold(5, shuffle=True, random_state=0))
    other = TargetEncoder(cv=KFold(5, shuffle=True, random_state=1))
    out = first.fit_transform(X, y)
    assert out.chunks == ((150,) * 4, (3,))
    np.testing.assert_array_equal(out.compute(), again.fit_transform(X, y).compute())
    assert not np.array_equal(out.compute(), other.fit_transform(X, y).compute())


def test_block_folds_are_balanced_and_contiguous_without_shuffle():
    y = np.arange(103.0) + 0.5
    plan = FoldPlan(n_folds=4, shuffle=False)
    folds = block_folds(y, plan, block_index=0)
    assert (np.diff(folds) >= 0).all()  # contiguous runs, as KFold(shuffle=False)
    assert sorted(np.bincount(folds)) == [25, 26, 26, 26]
    shuffled = block_folds(y, FoldPlan(4, shuffle=True, seed=9), block_index=2)
    assert sorted(np.bincount(shuffled)) == [25, 26, 26, 26]
    assert not (np.diff(shuffled) >= 0).all()
    labels = np.repeat([0.0, 1.0], [90, 13])
    strata = block_folds(labels, FoldPlan(4, True, 9, classes="always"), 1)
    for label in (0.0, 1.0):
        counts = np.bincount(strata[labels == label], minlength=4)
        assert counts.max() - counts.min() <= 1


def test_fit_is_one_pass_and_transform_lazy(count_computes):
    df = frame()
    X, y = containers(df, target("multiclass", df), "dask_frame")
    with count_computes() as counter:
        encoder = TargetEncoder(smooth=1.0).fit(X, y)
    assert counter.count == 1
    with count_computes() as counter:
        out = encoder.transform(X)
        crossed = TargetEncoder(cv=KFold(3)).fit_transform(X, y)
    assert counter.count == 1  # fit_transform's one pass; nothing else
    assert isinstance(out, dd.DataFrame)
    assert isinstance(crossed, dd.DataFrame)
    np.testing.assert_array_equal(out.columns, encoder.get_feature_names_out())
    assert (out.dtypes == np.float64).all()


def test_errors_name_the_parameter_and_the_fix():
    df = frame()
    X, y = containers(df, target("continuous", df), "dask_frame")
    with pytest.raises(ValueError, match=r"'cv' parameter of TargetEncoder.*Got"):
        TargetEncoder(cv=GroupKFold(3)).fit_transform(X, y)
    with pytest.raises(ValueError, match=r"'cv' parameter of TargetEncoder.*Got 1"):
        TargetEncoder(cv=1).fit_transform(X, y)
    words = containers(df, target("binary", df), "dask_frame")[1]
    with pytest.raises(ValueError, match=r"'target_type' parameter.*numeric y"):
        TargetEncoder(target_type="continuous").fit(X, words)
    with pytest.raises(ValueError, match="y contains missing values"):
        TargetEncoder().fit(X, y.where(y > 0))
    with pytest.raises(TypeError, match="y is a dask collection but X is"):
        TargetEncoder().fit(df, y)
    with pytest.raises(ValueError, match="y must be 1-D"):
        TargetEncoder().fit(X, dd.from_pandas(df[["zone", "zone"]], npartitions=4))
    with pytest.raises(ValueError, match="differ from the columns seen in fit"):
        TargetEncoder().fit(X, y).transform(X[["zone", "city", "pay"]])


_RANDOM_STATE_DEPRECATED = (
    "scikit-learn 1.9 deprecates random_state: the check sets random_state=0 and "
    "scikit-learn's own fit_transform warns FutureWarning, an error here"
)
_CROSS_FITTING = (
    "fit_transform cross-fits by design (scikit-learn's own note), so it differs "
    "from fit().transform() beyond the check's tolerance on a continuous target"
)
EXPECTED_FAILURES = {
    "check_transformer_preserve_dtypes": _RANDOM_STATE_DEPRECATED,
}
CONTINUOUS_FAILURES = {
    **EXPECTED_FAILURES,
    "check_transformer_general": _CROSS_FITTING,
    "check_transformer_general(readonly_memmap=True)": _CROSS_FITTING,
    "check_transformer_data_not_an_array": _CROSS_FITTING,
}


def _expected_failures(estimator):
    if estimator.target_type == "continuous":
        return CONTINUOUS_FAILURES
    return EXPECTED_FAILURES


@parametrize_with_checks(
    [TargetEncoder(cv=3), TargetEncoder(smooth=1.0, target_type="continuous")],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_threads_give_the_synchronous_results():
    df = frame(300)
    X, y = containers(df, target("binary", df), "dask_frame", rows=100)
    results = []
    for scheduler in ("threads", "sync"):
        with dask.config.set(scheduler=scheduler):
            cv = StratifiedKFold(3, shuffle=True, random_state=2)
            encoder = TargetEncoder(cv=cv)
            crossed = dense(encoder.fit_transform(X, y))
            results.append((crossed, dense(encoder.transform(X))))
    for threaded, synchronous in zip(*results, strict=True):
        np.testing.assert_array_equal(threaded, synchronous)
