import warnings

import dask.array as da
import numpy as np
import pytest
from sklearn import metrics as sk_metrics
from sklearn.exceptions import UndefinedMetricWarning

from scalearn import metrics
from scalearn.metrics.tests._inputs import KINDS, as_kind

N = 500
LOSSES = [
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_log_error",
    "root_mean_squared_log_error",
]
RATIOS = ["r2_score", "explained_variance_score"]


@pytest.fixture(scope="module")
def targets():
    rng = np.random.default_rng(0)
    # A large mean, where sum(y**2) - sum(y)**2 / n would lose every digit.
    y_true = rng.gamma(2.0, size=(N, 3)) * [1, 10, 0.1] + [0, 1e7, 0]
    y_pred = y_true + rng.normal(size=(N, 3)) * [0.5, 3, 0.01]
    y_pred = np.abs(y_pred)  # the log errors need values above -1
    return y_true, y_pred, rng.random(N) * 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "multioutput", ["raw_values", "uniform_average", "variance_weighted", [1, 2, 3]]
)
@pytest.mark.parametrize("name", LOSSES + RATIOS)
def test_equals_sklearn(targets, kind, weighted, multioutput, name):
    if multioutput == "variance_weighted" and name not in RATIOS:
        return  # an invalid value for these: tested in test_parameters_checked
    y_true, y_pred, weights = targets
    weights = weights if weighted else None
    expected = getattr(sk_metrics, name)(
        y_true, y_pred, sample_weight=weights, multioutput=multioutput
    )
    t, p, w = as_kind(kind, y_true, y_pred, weights)
    ours = getattr(metrics, name)(t, p, sample_weight=w, multioutput=multioutput)
    assert type(ours) is type(expected)
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


@pytest.mark.parametrize("kind", ["dask_array", "dask_frame", "mixed"])
@pytest.mark.parametrize("name", LOSSES + RATIOS)
def test_single_output(targets, kind, name):
    y_true, y_pred, _ = targets
    expected = getattr(sk_metrics, name)(y_true[:, 0], y_pred[:, 0])
    t, p = as_kind(kind, y_true[:, 0], y_pred[:, 0])
    assert getattr(metrics, name)(t, p) == pytest.approx(expected, rel=1e-10)


def test_mixed_inputs_compute_hidden_lengths_once(targets, count_computes):
    y_true, y_pred, _ = targets
    weights = np.linspace(0.5, 1.5, len(y_true))
    t, p, w = as_kind("mixed", y_true[:, 0], y_pred[:, 0], weights)
    with count_computes() as counter:
        ours = metrics.mean_squared_error(t, p, sample_weight=w)
    expected = sk_metrics.mean_squared_error(
        y_true[:, 0], y_pred[:, 0], sample_weight=weights
    )
    assert ours == pytest.approx(expected, rel=1e-10)
    # The dask Series hides its partition lengths: aligning the array and the
    # weights to it computes them once, then the metric is one pass.
    assert counter.count == 2


def test_squared_false_is_the_root(targets):
    y_true, y_pred, _ = targets
    t, p = as_kind("dask_array", y_true, y_pred)
    assert metrics.mean_squared_error(t, p, squared=False) == pytest.approx(
        sk_metrics.root_mean_squared_error(y_true, y_pred), rel=1e-12
    )


@pytest.mark.parametrize("name", RATIOS)
@pytest.mark.parametrize("force_finite", [True, False])
def test_constant_targets_and_force_finite(name, force_finite):
    y_true = np.column_stack([np.full(40, 3.0), np.arange(40.0)])
    y_pred = np.column_stack([np.full(40, 3.0), np.arange(40.0) + 1])
    y_pred[0, 0] = 2.0  # an error on the constant output
    t, p = as_kind("dask_array", y_true, y_pred, chunk_rows=7)
    for multioutput in ("raw_values", "uniform_average", "variance_weighted"):
        with warnings.catch_warnings():
            # Both divide by the zero variance, with numpy's warning.
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = getattr(sk_metrics, name)(
                y_true, y_pred, multioutput=multioutput, force_finite=force_finite
            )
            ours = getattr(metrics, name)(
                t, p, multioutput=multioutput, force_finite=force_finite
            )
        np.testing.assert_allclose(ours, expected, rtol=1e-12)
        assert np.isfinite(ours).all() == force_finite


def test_one_compute_and_laziness(targets, count_computes):
    y_true, y_pred, weights = targets
    t, p, w = as_kind("dask_array", y_true, y_pred, weights)
    with count_computes() as counter:
        lazy = metrics.r2_score(t, p, sample_weight=w, compute=False)
        raw = metrics.mean_absolute_error(t, p, multioutput="raw_values", compute=False)
    assert counter.count == 0
    assert isinstance(lazy, da.Array)
    assert raw.shape == (3,)
    with count_computes() as counter:
        value = metrics.r2_score(t, p, sample_weight=w)
    assert counter.count == 1
    assert lazy.compute() == value
    np.testing.assert_allclose(
        raw.compute(),
        sk_metrics.mean_absolute_error(y_true, y_pred, multioutput="raw_values"),
        rtol=1e-12,
    )


def test_parameters_checked_before_computing(targets, count_computes):
    y_true, y_pred, _ = targets
    t, p = as_kind("dask_array", y_true, y_pred)
    with count_computes() as counter:
        with pytest.raises(
            ValueError, match="The 'multioutput' parameter of mean_squared_error"
        ):
            metrics.mean_squared_error(t, p, multioutput="variance_weighted")
        with pytest.raises(ValueError, match="different number of output"):
            metrics.r2_score(t, p[:, :2])
        with pytest.raises(ValueError, match="equally many custom weights"):
            metrics.mean_absolute_error(t, p, multioutput=[1, 2])
    assert counter.count == 0


def test_bad_values_fail_clearly(targets):
    y_true, y_pred, _ = targets
    t, p = as_kind("dask_array", y_true, -y_pred - 1)
    with pytest.raises(ValueError, match="values less than or equal to -1"):
        metrics.mean_squared_log_error(t, p)
    holes = y_true.copy()
    holes[7, 1] = np.nan
    t, p = as_kind("dask_array", holes, y_pred)
    with pytest.raises(ValueError, match="y_true contains NaN or infinity"):
        metrics.mean_squared_error(t, p)
    with pytest.raises(ValueError, match="X has 500 rows but y has 400"):
        metrics.mean_absolute_error(da.from_array(y_true, chunks=100), y_pred[:400])
    t, p = as_kind("dask_array", y_true[:1], y_pred[:1])
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(metrics.r2_score(t, p))


def test_dask_ml_agrees_where_it_is_right(targets):
    dask_ml_metrics = pytest.importorskip("dask_ml.metrics")
    y_true, y_pred, _ = targets
    t, p = as_kind("dask_array", y_true, y_pred)
    # (dask-ml's r2_score fails on dask 2026: "cannot broadcast shape (nan,)".)
    for name in ("mean_squared_error", "mean_absolute_error"):
        assert getattr(metrics, name)(t, p) == pytest.approx(
            getattr(dask_ml_metrics, name)(t, p), rel=1e-9
        )
