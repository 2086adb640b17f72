import dask.array as da
import numpy as np
import pytest
from sklearn import preprocessing as sk

from scalearn.preprocessing import MaxAbsScaler, MinMaxScaler, Normalizer
from scalearn.preprocessing.tests._parity import KINDS, check_parity

RANGE_ATTRIBUTES = ("data_min_", "data_max_", "data_range_", "scale_", "min_")


@pytest.fixture
def X():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1_000, 4)) * [1, 10, 1e3, 0] + [0, -5, 1e6, 7]
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "options", [{}, {"feature_range": (-2, 3)}, {"clip": True, "copy": False}]
)
def test_minmax_equals_sklearn(X, kind, options):
    check_parity(
        MinMaxScaler(**options),
        sk.MinMaxScaler(**options),
        X,
        kind,
        (*RANGE_ATTRIBUTES, "n_samples_seen_"),
        inverse=True,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_maxabs_equals_sklearn(X, kind):
    check_parity(
        MaxAbsScaler(),
        sk.MaxAbsScaler(),
        X,
        kind,
        ("max_abs_", "scale_", "n_samples_seen_"),
        inverse=True,
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_normalizer_equals_sklearn(X, kind, norm):
    check_parity(
        Normalizer(norm=norm), sk.Normalizer(norm=norm), np.nan_to_num(X), kind, ()
    )


def test_partial_fit_mixes_dask_and_numpy(X):
    scaler = MinMaxScaler().partial_fit(X[:300])
    scaler.partial_fit(da.from_array(X[300:], chunks=100))
    expected = sk.MinMaxScaler().fit(X)
    for name in (*RANGE_ATTRIBUTES, "n_samples_seen_"):
        np.testing.assert_array_equal(getattr(scaler, name), getattr(expected, name))


def test_fit_is_one_compute_and_transform_none(X, count_computes):
    Xd = da.from_array(X, chunks=100)
    for scaler in (MinMaxScaler(), MaxAbsScaler(), Normalizer()):
        with count_computes() as counter:
            scaler.fit(Xd)
            scaler.transform(Xd)
        assert counter.count == (0 if isinstance(scaler, Normalizer) else 1)


def test_float32_stays_float32(X):
    X32 = np.nan_to_num(X).astype(np.float32)
    for scaler in (MinMaxScaler(), MaxAbsScaler(), Normalizer()):
        out = scaler.fit_transform(da.from_array(X32, chunks=200))
        assert out.dtype == np.float32
        assert out.compute().dtype == np.float32


def test_refit_forgets_the_previous_data(X):
    scaler = MinMaxScaler().fit(da.from_array(X * 10, chunks=200))
    scaler.fit(da.from_array(X, chunks=200))
    np.testing.assert_array_equal(scaler.data_max_, np.nanmax(X, axis=0))
    assert scaler.n_samples_seen_ == len(X)


def test_infinity_is_refused_as_in_sklearn():
    X = da.from_array(np.array([[1.0], [np.inf]]), chunks=1)
    with pytest.raises(ValueError, match="infinity"):
        MinMaxScaler().fit(X)
