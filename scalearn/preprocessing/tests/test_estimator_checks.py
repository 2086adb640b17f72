"""scikit-learn's estimator checks, on numpy input, for every preprocessing class."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    StandardScaler,
)

ESTIMATORS = [
    StandardScaler(),
    MinMaxScaler(),
    MaxAbsScaler(),
    Normalizer(),
]

EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
