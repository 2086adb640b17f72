import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from scalearn.preprocessing import StandardScaler
from scalearn.utils._moments import block_moments, merge_moments

ATTRIBUTES = ("mean_", "var_", "scale_", "n_samples_seen_")
OPTIONS = [
    {},
    {"with_mean": False},
    {"with_std": False},
    {"with_mean": False, "with_std": False},
]


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3_000, 5)) * [1, 10, 1e3, 1e-3, 0] + [0, -5, 1e6, 3, 7]
    return X


def with_nans(X):
    X = X.copy()
    X[np.random.default_rng(2).random(X.shape) < 0.05] = np.nan
    return X


def assert_same_fit(ours, theirs):
    for name in ATTRIBUTES:
        a, b = getattr(ours, name), getattr(theirs, name)
        if b is None:
            assert a is None, name
        else:
            assert np.asarray(a).dtype == np.asarray(b).dtype, name
            # A constant column's variance is 0 in one and ~1e-30 in the other.
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-20, err_msg=name)


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_equals_sklearn(data, options, missing, weighted):
    X = with_nans(data) if missing else data
    if weighted:  # scikit-learn's own weighted variance of a constant column is < 0
        X = X[:, :-1]
    weights = np.linspace(0.1, 3, len(X)) if weighted else None
    expected = SkStandardScaler(**options).fit(X, sample_weight=weights)
    Xd = da.from_array(X, chunks=(700, 2))
    wd = None if weights is None else da.from_array(weights, chunks=700)
    scaler = StandardScaler(**options).fit(Xd, sample_weight=wd)
    assert_same_fit(scaler, expected)
    out = scaler.transform(Xd)
    assert out.chunks[0] == Xd.chunks[0]
    np.testing.assert_allclose(
        out.compute(), expected.transform(X), rtol=1e-9, atol=1e-9, equal_nan=True
    )
    back = scaler.inverse_transform(out)
    np.testing.assert_allclose(back.compute(), X, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_fit_is_one_compute_and_transform_none(data, count_computes):
    Xd = da.from_array(data, chunks=500)
    with count_computes() as counter:
        scaler = StandardScaler().fit(Xd)
    assert counter.count == 1
    with count_computes() as counter:
        scaler.transform(Xd)
        scaler.fit_transform(Xd)
    assert counter.count == 1  # fit_transform's fit


def test_float32_keeps_its_dtype(data):
    X = data.astype(np.float32)
    scaler = StandardScaler().fit(da.from_array(X, chunks=1000))
    out = scaler.transform(da.from_array(X, chunks=1000))
    assert out.dtype == np.float32
    expected = SkStandardScaler().fit(X).transform(X)
    # float32 resolves 3.0 to 2.4e-7, a quarter of a thousandth of column 3's spread.
    np.testing.assert_allclose(out.compute(), expected, atol=1e-3)


def test_dask_dataframe_in_dataframe_out(data, to_container):
    Xd, _ = to_container(data, np.zeros(len(data)), "dask_frame", chunk_rows=700)
    scaler = StandardScaler().fit(Xd)
    expected = SkStandardScaler().fit(Xd.compute())
    assert_same_fit(scaler, expected)
    np.testing.assert_array_equal(scaler.feature_names_in_, expected.feature_names_in_)
    out = scaler.transform(Xd)
    assert isinstance(out, dd.DataFrame)
    pd.testing.assert_frame_equal(
        out.compute(),
        pd.DataFrame(
            expected.transform(Xd.compute()),
            columns=Xd.columns,
            index=Xd.index.compute(),
        ),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_array_equal(scaler.get_feature_names_out(), Xd.columns)


def test_partial_fit_over_dask_pieces_equals_one_fit(data):
    X = with_nans(data)
    scaler = StandardScaler()
    for start in range(0, len(X), 1_000):
        scaler.partial_fit(da.from_array(X[start : start + 1_000], chunks=300))
    assert_same_fit(scaler, SkStandardScaler().fit(X))
    mixed = (
        StandardScaler()
        .partial_fit(X[:1_000])
        .partial_fit(da.from_array(X[1_000:], chunks=500))
    )
    assert_same_fit(mixed, SkStandardScaler().fit(X))


def test_in_memory_input_goes_to_sklearn(data):
    for X in (data, pd.DataFrame(data, columns=list("abcde"))):
        ours, theirs = StandardScaler().fit(X), SkStandardScaler().fit(X)
        assert_same_fit(ours, theirs)
        np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    frame = pd.DataFrame(data, columns=list("abcde"))
    out = StandardScaler().set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame)


def test_moments_kernels_match_numpy():
    rng = np.random.default_rng(0)
    blocks = [rng.normal(size=(n, 3)) * 100 + 1e5 for n in (1, 7, 50)]
    stacked = np.concatenate([block_moments(b) for b in blocks])
    count, mean, m2 = merge_moments(stacked)
    everything = np.concatenate(blocks)
    np.testing.assert_array_equal(count, [58, 58, 58])
    np.testing.assert_allclose(mean, everything.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(m2 / count, everything.var(axis=0), rtol=1e-10)


def test_errors_are_clear(data):
    with pytest.raises(ValueError, match="infinity"):
        StandardScaler().fit(da.from_array(np.array([[1.0], [np.inf]]), chunks=1))
    with pytest.raises(ValueError, match="expected a 2-D array"):
        StandardScaler().fit(da.from_array(data[:, 0], chunks=100))
    with pytest.raises(ValueError, match="numeric dtype"):
        StandardScaler().fit(
            da.from_array(np.array([["a"], ["b"]], dtype=object), chunks=1)
        )
    text = dd.from_pandas(
        pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), npartitions=1
    )
    with pytest.raises(ValueError, match=r"columns \['b'\] are not numeric"):
        StandardScaler().fit(text)
    with pytest.raises(ValueError, match="'with_mean' parameter of StandardScaler"):
        StandardScaler(with_mean="yes").fit(da.from_array(data, chunks=100))
    scaler = StandardScaler().fit(da.from_array(data, chunks=1000))
    with pytest.raises(
        ValueError, match="X has 2 features, but StandardScaler is expecting 5"
    ):
        scaler.transform(da.from_array(data[:, :2], chunks=1000))


def test_results_on_every_scheduler(data, scheduler):
    Xd = da.from_array(data, chunks=1000)
    scaler = StandardScaler().fit(Xd)
    assert_same_fit(scaler, SkStandardScaler().fit(data))
    np.testing.assert_allclose(
        scaler.transform(Xd).compute(), SkStandardScaler().fit_transform(data)
    )
