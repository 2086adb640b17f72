"""scikit-learn's estimator checks, on numpy input, for every preprocessing class."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.preprocessing import (
    BlockTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

ESTIMATORS = [
    StandardScaler(),
    MinMaxScaler(),
    MaxAbsScaler(),
    Normalizer(),
    RobustScaler(),
    QuantileTransformer(n_quantiles=10),
    PolynomialFeatures(),
    BlockTransformer(validate=True),
    OneHotEncoder(),
    OrdinalEncoder(),
]
# LabelEncoder is left out as scikit-learn leaves its own: the checks need 2-D X.

_DOK_WARNING = (
    "scikit-learn's check_array (as in its own PolynomialFeatures) warns \"Can't "
    "check dok sparse matrix for nan or inf\", an error under this suite's "
    "warnings-as-errors"
)
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "PolynomialFeatures": {
        "check_estimator_sparse_array": _DOK_WARNING,
        "check_estimator_sparse_matrix": _DOK_WARNING,
    },
    "BlockTransformer": {
        "check_estimator_sparse_array": _DOK_WARNING,
        "check_estimator_sparse_matrix": _DOK_WARNING,
        "check_do_not_raise_errors_in_init_or_set_params": (
            "dask-ml's signature BlockTransformer(func, **kw_args): the check "
            "passes the name of the ** catch-all to set_params, which is no "
            "parameter (the extras are kept in kw_args)"
        ),
    },
}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
