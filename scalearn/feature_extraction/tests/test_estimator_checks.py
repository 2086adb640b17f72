"""scikit-learn's estimator checks, on in-memory input, for every vectorizer."""

import pytest
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.feature_extraction import FeatureHasher
from scalearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)

EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [TfidfTransformer()], expected_failed_checks=_expected_failures
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The vectorizers take documents or dicts, which scikit-learn's data checks
# cannot feed: parametrize_with_checks yields nothing for them (and warns
# SkipTestWarning), as for scikit-learn's own. These checks of the estimator
# API need no data, so they run on every vectorizer.
VECTORIZERS = [
    HashingVectorizer(),
    FeatureHasher(input_type="string"),
    CountVectorizer(min_df=2),
    TfidfVectorizer(ngram_range=(1, 2)),
]
API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_valid_tag_types",
    "check_mixin_order",
]


@pytest.mark.parametrize("check", API_CHECKS)
@pytest.mark.parametrize("estimator", VECTORIZERS, ids=lambda e: type(e).__name__)
def test_vectorizer_api(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, estimator)
