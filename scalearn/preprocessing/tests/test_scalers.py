import dask.array as da
import numpy as np
import pytest
from sklearn import preprocessing as sk

from scalearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    QuantileTransformer,
    RobustScaler,
)
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


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"with_centering": False},
        {"with_scaling": False},
        {"quantile_range": (10.0, 90.0), "unit_variance": True},
    ],
)
def test_robust_scaler_is_exact_across_many_chunks(X, kind, options):
    X = X.copy()
    X[:, 3] = np.round(X[:, 1])  # ties, and a column of whole numbers
    check_parity(
        RobustScaler(**options),
        sk.RobustScaler(**options),
        X,
        kind,
        ("center_", "scale_"),
        inverse=True,
        chunk_rows=60,
    )


def test_robust_scaler_constant_column_and_float32(X):
    X32 = np.nan_to_num(X).astype(np.float32)
    X32[:, 0] = 2.0
    ours = RobustScaler().fit(da.from_array(X32, chunks=77))
    theirs = sk.RobustScaler().fit(X32)
    assert ours.center_.dtype == theirs.center_.dtype == np.float32
    np.testing.assert_allclose(ours.center_, theirs.center_, rtol=1e-6)
    np.testing.assert_allclose(ours.scale_, theirs.scale_, rtol=1e-6)
    assert ours.scale_[0] == 1.0


def test_robust_scaler_is_two_computes(X, count_computes):
    Xd = da.from_array(X, chunks=100)
    with count_computes() as counter:
        RobustScaler().fit(Xd).transform(Xd)
    assert counter.count == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_quantile_transformer_equals_sklearn_on_small_blocks(X, kind, distribution):
    options = {"n_quantiles": 100, "output_distribution": distribution}
    check_parity(
        QuantileTransformer(**options),
        sk.QuantileTransformer(**options),
        X,
        kind,
        ("quantiles_", "references_", "n_quantiles_"),
        inverse=True,
        atol=1e-9,
    )


def test_quantile_transformer_is_close_on_big_blocks(count_computes):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.lognormal(size=30_000), rng.integers(0, 50, 30_000)])
    Xd = da.from_array(X, chunks=6_000)
    with count_computes() as counter:
        ours = QuantileTransformer(n_quantiles=200).fit(Xd)
    assert counter.count == 1
    ordered = np.sort(X, axis=0)
    slack = len(X) / 1024 + 1  # the documented tolerance, in positions
    for j in range(X.shape[1]):
        for q, value in zip(ours.references_, ours.quantiles_[:, j], strict=True):
            position = q * (len(X) - 1)
            low = ordered[max(int(np.floor(position - slack)), 0), j]
            high = ordered[min(int(np.ceil(position + slack)), len(X) - 1), j]
            assert low <= value <= high


def test_quantile_transformer_warns_as_sklearn_when_rows_are_few():
    X = da.from_array(np.arange(20.0).reshape(-1, 2), chunks=5)
    with pytest.warns(UserWarning, match="n_quantiles is set to n_samples"):
        qt = QuantileTransformer(n_quantiles=50).fit(X)
    assert qt.n_quantiles_ == 10
