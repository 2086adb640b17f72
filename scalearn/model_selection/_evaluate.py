"""The driver every cross-validation tool shares: data, splits, run, report.

Searches (:mod:`._search`) and the validation functions (:mod:`._validation`)
all do the same four things: bring dask data into memory (or onto the cluster)
once, turn ``cv`` into index splits, run the :class:`~._plan.SearchPlan`'s tasks
with a progress bar, and report failed fits as scikit-learn does.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import dask
import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import check_cv

from scalearn.utils._containers import is_dask, n_rows
from scalearn.utils._executor import active_client, to_cluster


@dataclass
class Data:
    """The data of an evaluation.

    ``X``/``y`` are what the fits read: in-memory objects, or futures on the
    cluster. ``split_X``/``split_y`` are what splitters and checks see here.
    """

    X: Any
    y: Any
    split_X: Any
    split_y: Any
    groups: Any
    n_samples: int

    @property
    def on_cluster(self) -> bool:
        return hasattr(self.X, "key") and hasattr(self.X, "client")


def materialize(X: Any, y: Any, groups: Any = None) -> Data:
    """Compute dask ``X``/``y`` once: here, or on the cluster when a Client is active.

    On a cluster the data stays there (one computation reads the source once)
    and only ``y``, one column needed to stratify, comes back. In-memory data
    is scattered to the cluster once.
    """
    client = active_client()
    if client is None:
        # One compute for all of them; in-memory values come back unchanged.
        X, y, groups = dask.compute(X, y, groups)
        return Data(X, y, X, y, groups, n_rows(X))
    if is_dask(groups):  # one column, needed here by the splitter
        groups = np.asarray(groups.compute())
    if not (is_dask(X) or is_dask(y)):
        # Sent to every worker once instead of travelling inside the task graph;
        # a lost worker does not take the only copy with it.
        X_future, y_future = to_cluster(client, [X, y])
        return Data(X_future, y_future, X, y, groups, n_rows(X))
    if y is None:
        X_future, y_future, y_local = client.compute(X), None, None
        n_samples = client.submit(n_rows, X_future).result()
    else:
        X_future, y_future = client.compute([X, y])
        y_local = y_future.result()
        n_samples = n_rows(y_local)
    placeholder = np.zeros((n_samples, 0))
    return Data(X_future, y_future, placeholder, y_local, groups, n_samples)


def make_splits(cv: Any, data: Data, estimator: Any) -> list[tuple]:
    """scikit-learn's ``check_cv`` then ``split``, as lists of index arrays."""
    # scikit-learn's target-type check casts y; non-finite labels are left to
    # the estimator, whose fit says so clearly.
    with np.errstate(invalid="ignore"):
        cv = check_cv(cv, data.split_y, classifier=is_classifier(estimator))
    n_splits = cv.get_n_splits(data.split_X, data.split_y, data.groups)
    splits = [
        (np.asarray(train), np.asarray(test))
        for train, test in cv.split(data.split_X, data.split_y, data.groups)
    ]
    if len(splits) != n_splits:
        raise ValueError(
            "cv.split and cv.get_n_splits return inconsistent results. "
            f"Expected {n_splits} splits, got {len(splits)}"
        )
    return splits


def scheduler_context(scheduler: Any = None, n_jobs: int | None = None):
    """Run on ``scheduler`` if given; ``n_jobs`` local threads if given."""
    if scheduler is not None:
        return dask.config.set(scheduler=scheduler)
    if n_jobs not in (None, -1) and active_client() is None:
        return dask.config.set(num_workers=max(1, int(n_jobs)))
    return dask.config.set({})


def fit_on(data: Data, estimator: Any, fit_params: dict) -> Any:
    """Fit ``estimator`` on all of ``data``, where the data is."""
    if data.on_cluster:
        return data.X.client.submit(
            _fit_estimator, estimator, data.X, data.y, fit_params, pure=False
        ).result()
    return _fit_estimator(estimator, data.X, data.y, fit_params)


def _fit_estimator(estimator: Any, X: Any, y: Any, fit_params: dict) -> Any:
    return estimator.fit(X, y, **fit_params)


def report(out: list[dict], error_score: Any) -> None:
    """Warn about scoring failures; warn or raise about failed fits."""
    for record in out:
        for message in record["warnings"]:
            warnings.warn(message, UserWarning, stacklevel=4)
    errors = [r["fit_error"] for r in out if r["fit_error"] is not None]
    if not errors:
        return
    summary = "\n".join(
        f"{'-' * 80}\n{n} fits failed with the following error:\n{error}"
        for error, n in Counter(errors).items()
    )
    if len(errors) == len(out):
        raise ValueError(
            f"\nAll the {len(out)} fits failed.\n"
            "It is very likely that your model is misconfigured.\n"
            "You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{summary}"
        )
    warnings.warn(
        f"\n{len(errors)} fits failed out of a total of {len(out)}.\n"
        "The score on these train-test partitions for these parameters"
        f" will be set to {error_score}.\n"
        "If these failures are not expected, you can try to debug them "
        "by setting error_score='raise'.\n\n"
        f"Below are more details about the failures:\n{summary}",
        FitFailedWarning,
        stacklevel=4,
    )


def insert_error_scores(out: list[dict], error_score: Any) -> None:
    """Failed records of a callable multimetric scorer get one score per metric."""
    template = next(
        (r["test_scores"] for r in out if isinstance(r["test_scores"], dict)), None
    )
    if template is None:
        return
    for record in out:
        for kind in ("test_scores", "train_scores"):
            if kind in record and not isinstance(record[kind], dict):
                record[kind] = dict.fromkeys(template, error_score)


def is_raise(error_score: Any) -> bool:
    return isinstance(error_score, str) and error_score == "raise"
