"""Scorers that compute scalearn's metrics: one pass over dask predictions.

They are scikit-learn scorers (built with :func:`sklearn.metrics.make_scorer`),
so they work wherever scikit-learn takes a scorer: ``cross_validate``, the
searches, ``check_scoring``, multimetric dicts. Only the metric differs: on the
dask predictions of a dask-aware model (``ParallelPostFit``, scalearn's
estimators) it reads them once, block by block, instead of gathering them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sklearn import metrics as sk_metrics

from scalearn.metrics import _classification as clf
from scalearn.metrics import _regression as reg

_PREDICT = "predict"
_PROBA = "predict_proba"
_SCORES = ("decision_function", "predict_proba")

# name: (metric, response method, greater is better, fixed keyword arguments)
_SCORERS: dict[str, tuple[Callable, Any, bool, dict]] = {
    "accuracy": (clf.accuracy_score, _PREDICT, True, {}),
    "neg_log_loss": (clf.log_loss, _PROBA, False, {}),
    "roc_auc": (clf.roc_auc_score, _SCORES, True, {}),
    "roc_auc_ovr": (clf.roc_auc_score, _PROBA, True, {"multi_class": "ovr"}),
    "roc_auc_ovo": (clf.roc_auc_score, _PROBA, True, {"multi_class": "ovo"}),
    "roc_auc_ovr_weighted": (
        clf.roc_auc_score,
        _PROBA,
        True,
        {"multi_class": "ovr", "average": "weighted"},
    ),
    "roc_auc_ovo_weighted": (
        clf.roc_auc_score,
        _PROBA,
        True,
        {"multi_class": "ovo", "average": "weighted"},
    ),
    "r2": (reg.r2_score, _PREDICT, True, {}),
    "explained_variance": (reg.explained_variance_score, _PREDICT, True, {}),
    "neg_mean_squared_error": (reg.mean_squared_error, _PREDICT, False, {}),
    "neg_root_mean_squared_error": (
        reg.root_mean_squared_error,
        _PREDICT,
        False,
        {},
    ),
    "neg_mean_absolute_error": (reg.mean_absolute_error, _PREDICT, False, {}),
    "neg_mean_absolute_percentage_error": (
        reg.mean_absolute_percentage_error,
        _PREDICT,
        False,
        {},
    ),
    "neg_mean_squared_log_error": (reg.mean_squared_log_error, _PREDICT, False, {}),
    "neg_root_mean_squared_log_error": (
        reg.root_mean_squared_log_error,
        _PREDICT,
        False,
        {},
    ),
}
for _name, _metric in (
    ("precision", clf.precision_score),
    ("recall", clf.recall_score),
    ("f1", clf.f1_score),
):
    _SCORERS[_name] = (_metric, _PREDICT, True, {"average": "binary"})
    for _average in ("macro", "micro", "samples", "weighted"):
        _SCORERS[f"{_name}_{_average}"] = (
            _metric,
            _PREDICT,
            True,
            {"pos_label": None, "average": _average},
        )


def get_scorer_names() -> list[str]:
    """The names whose scorers compute with scalearn's one-pass metrics.

    Any other name scikit-learn knows is accepted by :func:`get_scorer` too, and
    gives scikit-learn's scorer.

    Examples
    --------
    >>> from scalearn.metrics import get_scorer_names
    >>> "roc_auc" in get_scorer_names()
    True
    """
    return sorted(_SCORERS)


def get_scorer(scoring: str | Callable | None, compute: bool = True) -> Any:
    """The scorer for ``scoring``, computing with scalearn's metrics.

    For the names in :func:`get_scorer_names` (accuracy, precision, recall, f1
    and their averages, roc_auc variants, neg_log_loss, r2, explained_variance
    and the negated regression errors) the scorer is scikit-learn's
    ``make_scorer`` of the scalearn metric, with scikit-learn's response method
    and sign: on dask predictions it reads them once, blockwise; on in-memory
    ones it gives scikit-learn's score. Other names give scikit-learn's scorer.
    A callable is taken to be a scorer and returned as it is, and None gives
    None, as in scikit-learn (dask-ml wrapped a callable as a metric instead).

    Parameters
    ----------
    scoring : str, callable or None
        A scorer name, or a scorer.
    compute : bool, default=True
        With False, a scorer on dask predictions returns a lazy dask scalar
        (dask-ml's parameter).

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y, sample_weight=None)``

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import LogisticRegression
    >>> from scalearn.metrics import get_scorer
    >>> from scalearn.wrappers import ParallelPostFit
    >>> X = da.from_array([[0.0], [1.0], [2.0], [3.0]], chunks=2)
    >>> y = da.from_array([0, 0, 1, 1], chunks=2)
    >>> model = ParallelPostFit(LogisticRegression()).fit(X.compute(), y.compute())
    >>> get_scorer("accuracy")(model, X, y)
    1.0
    """
    if not isinstance(scoring, str):
        return sk_metrics.get_scorer(scoring)
    if scoring not in _SCORERS:
        return sk_metrics.get_scorer(scoring)
    metric, response_method, greater_is_better, kwargs = _SCORERS[scoring]
    return sk_metrics.make_scorer(
        metric,
        response_method=response_method,
        greater_is_better=greater_is_better,
        compute=compute,
        **kwargs,
    )


def check_scoring(
    estimator: Any = None,
    scoring: Any = None,
    *,
    allow_none: bool = False,
    raise_exc: bool = True,
) -> Any:
    """scikit-learn's :func:`~sklearn.metrics.check_scoring`, with scalearn's scorers.

    Names (alone, in a list or as the values of a dict) give :func:`get_scorer`'s
    scorers; None and callables are handled by scikit-learn (the estimator's
    ``score``, or the callable as a scorer). A scalearn metric passed where a
    scorer belongs is refused, with the fix.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from scalearn.metrics import check_scoring
    >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0])
    >>> model = LinearRegression().fit(X, y)
    >>> scorer = check_scoring(model, scoring=["r2", "neg_mean_squared_error"])
    >>> {name: round(score, 6) for name, score in scorer(model, X, y).items()}
    {'r2': 1.0, 'neg_mean_squared_error': -0.0}
    """
    _refuse_metric(scoring)
    if isinstance(scoring, str):
        scoring = get_scorer(scoring)
    elif isinstance(scoring, list | tuple | set):
        scoring = {name: get_scorer(name) for name in scoring}
    elif isinstance(scoring, dict):
        scoring = {
            name: get_scorer(value) if isinstance(value, str) else value
            for name, value in scoring.items()
        }
    return sk_metrics.check_scoring(
        estimator, scoring=scoring, allow_none=allow_none, raise_exc=raise_exc
    )


def _refuse_metric(scoring: Any) -> None:
    module = getattr(scoring, "__module__", "") or ""
    if callable(scoring) and module in (clf.__name__, reg.__name__):
        raise ValueError(
            f"The 'scoring' parameter of check_scoring must be a scorer name or a "
            f"scorer callable(estimator, X, y). Got the metric "
            f"{scoring.__name__!r} instead. Wrap it: "
            f"sklearn.metrics.make_scorer({scoring.__name__})."
        )
