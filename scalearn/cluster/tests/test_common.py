"""scikit-learn's estimator checks for every clustering estimator, on numpy."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from scalearn.cluster import KMeans, MiniBatchKMeans, SpectralClustering

WEIGHTS_VS_REPEATS = (
    "the random initialisation draws differently from weighted rows and from "
    "repeated rows, so the fits differ (scikit-learn's own estimator fails it too)"
)
# The one registry of expected failures: estimator class -> check -> reason.
EXPECTED_FAILURES = {
    "KMeans": {"check_sample_weight_equivalence_on_dense_data": WEIGHTS_VS_REPEATS},
    "MiniBatchKMeans": {
        "check_sample_weight_equivalence_on_dense_data": WEIGHTS_VS_REPEATS
    },
    "SpectralClustering": {
        "check_methods_sample_order_invariance": (
            "the check sets n_components=1 and n_clusters=2, which "
            "SpectralClustering rejects: m landmarks give at most m eigenvectors"
        ),
    },
}


@parametrize_with_checks(
    [
        KMeans(n_clusters=3, random_state=0),
        MiniBatchKMeans(n_clusters=3, random_state=0),
        SpectralClustering(n_clusters=3, n_components=20, random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES[
        type(estimator).__name__
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
