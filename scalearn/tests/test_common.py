"""scikit-learn's estimator checks, on numpy input, for every scalearn estimator.

Expected failures live in one registry, each with its reason.
"""

from scipy.stats import loguniform
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.model_selection import GridSearchCV, RandomizedSearchCV
from scalearn.preprocessing import StandardScaler
from scalearn.wrappers import Incremental, ParallelPostFit

ESTIMATORS = [
    ParallelPostFit(LogisticRegression()),
    Incremental(SGDClassifier(random_state=0, tol=None), max_epochs=20, random_state=0),
    StandardScaler(),
    # The checks expect errors on bad input to propagate, hence error_score="raise".
    GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, error_score="raise"),
    RandomizedSearchCV(
        Ridge(), {"alpha": loguniform(0.1, 10)}, n_iter=2, cv=2, error_score="raise"
    ),
]

EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
