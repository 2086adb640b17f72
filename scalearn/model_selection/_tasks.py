"""The tasks of a search plan: plain functions on in-memory data.

Each fits, joins or scores one piece of one fold. A failed fit returns a
:class:`Failure` that the tasks downstream pass on (unless ``error_score='raise'``),
so one bad candidate never stops a search; scoring follows scikit-learn's rules.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass
from traceback import format_exc
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils import get_tags

from scalearn.model_selection._evaluate import is_raise
from scalearn.utils._containers import n_rows, take_rows
from scalearn.utils._sklearn_compat import fitted_svd_solver, transform_output


@dataclass(frozen=True)
class Failure:
    """A fit that raised: its traceback, and the seconds spent before it did."""

    message: str
    seconds: float = 0.0


class Stream(NamedTuple):
    """The data flowing between pipeline steps on one fold.

    ``fit`` feeds the next step's fit (a step's ``fit_transform`` output), ``test``
    is the test rows transformed, ``train`` the training rows transformed with
    ``transform`` for train scores (None when those are not asked for).
    """

    fit: Any
    test: Any
    train: Any


class Fitted(NamedTuple):
    estimator: Any
    seconds: float


SKIPPED_STEPS = (None, "passthrough")


#: Estimators whose warm-started growth gives exactly the model a fresh fit
#: would: scikit-learn seeds the trees or stages it adds as a fresh fit of the
#: larger size would seed them. Candidates that differ only in this parameter
#: are grown from the next smaller one. Not included: estimators whose
#: warm start only approximates a fresh fit (a regularisation path continued
#: from the previous solution converges to within ``tol``, not exactly), and
#: any seeded with a ``RandomState`` instance or stopping early on its own.
WARM_START_GROWTH: dict[str, str] = {
    "sklearn.ensemble._forest.RandomForestClassifier": "n_estimators",
    "sklearn.ensemble._forest.RandomForestRegressor": "n_estimators",
    "sklearn.ensemble._forest.ExtraTreesClassifier": "n_estimators",
    "sklearn.ensemble._forest.ExtraTreesRegressor": "n_estimators",
    "sklearn.ensemble._gb.GradientBoostingClassifier": "n_estimators",
    "sklearn.ensemble._gb.GradientBoostingRegressor": "n_estimators",
}


#: Transformers whose fit for ``k`` components is their fit for more components
#: cut to the first ``k``, when the solver computes every component whatever the
#: number kept: a PCA's ``"full"`` SVD and its ``"covariance_eigh"`` (scalearn's
#: PCA fits in-memory data with scikit-learn's, ``"tsqr"`` as ``"full"``). Not
#: the randomized or ARPACK solvers, whose components depend on how many are
#: asked for. Candidates that differ only in an integer ``n_components`` of such
#: a pipeline step take it from the largest one's fit (:func:`_truncate_step`).
TRUNCATION_FAMILIES: frozenset[str] = frozenset(
    {"sklearn.decomposition._pca.PCA", "scalearn.decomposition._pca.PCA"}
)
NESTED_SOLVERS = ("full", "covariance_eigh")


def _identity(value: Any) -> Any:
    return value


def _part(source: Any, name: str) -> Any:
    if isinstance(source, Failure):
        return source
    return source[name]


def _sample_aligned(value: Any, n_samples: int) -> bool:
    if sp.issparse(value) or hasattr(value, "shape") or isinstance(value, list):
        try:
            return n_rows(value) == n_samples
        except (TypeError, IndexError):
            return False
    return False


def slice_params(params: dict, rows: np.ndarray, n_samples: int) -> dict:
    """Fit parameters for ``rows``: those with one value per sample are sliced."""
    return {
        key: take_rows(value, rows) if _sample_aligned(value, n_samples) else value
        for key, value in params.items()
    }


def _take_fold(
    data: tuple, train: np.ndarray, test: np.ndarray, n_samples: int, with_train: bool
) -> dict:
    """A fold's rows, and its fit parameters."""
    X, y, fit_params = data
    X_train, X_test = take_rows(X, train), take_rows(X, test)
    params = slice_params(fit_params, train, n_samples)
    return {
        "stream": Stream(X_train, X_test, X_train if with_train else None),
        "X_train": X_train,
        "X_test": X_test,
        "y_train": take_rows(y, train),
        "y_test": take_rows(y, test),
        "fit_params": params,
    }


def _passthrough(stream: Any) -> Any:
    if isinstance(stream, Failure):
        return stream
    return {"fitted": Fitted("passthrough", 0.0), "stream": stream}


def _params_for(fit_params: dict, step: str | None) -> dict:
    """The fit parameters of one pipeline step (``step__name``), or all of them."""
    if step is None:
        return fit_params
    prefix = f"{step}__"
    return {k[len(prefix) :]: v for k, v in fit_params.items() if k.startswith(prefix)}


def _first_failure(*values: Any) -> Failure | None:
    for value in values:
        if isinstance(value, Failure):
            return value
        if isinstance(value, list):
            for item in value:
                found = _first_failure(*(item if isinstance(item, tuple) else (item,)))
                if found is not None:
                    return found
    return None


def _guarded(kernel: Callable) -> Callable:
    """A kernel that passes an input's Failure on, and returns its own.

    The wrapped kernel takes ``raise_errors`` as its last argument: with it
    (``error_score='raise'``) an exception propagates instead.
    """

    @functools.wraps(kernel)
    def run(*args: Any) -> Any:
        *args, raise_errors = args
        failed = _first_failure(*args)
        if failed is not None:
            return failed
        start = time.perf_counter()
        try:
            return kernel(*args)
        except Exception:
            if raise_errors:
                raise
            return Failure(format_exc(), time.perf_counter() - start)

    return run


@_guarded
def _fit_transformer(
    step: Any, stream: Any, y: Any, fit_params: Any, name: str | None
) -> dict:
    start = time.perf_counter()
    fitted = clone(step)
    params = _params_for(fit_params, name)
    if hasattr(fitted, "fit_transform"):
        out = fitted.fit_transform(stream.fit, y, **params)
    else:
        out = fitted.fit(stream.fit, y, **params).transform(stream.fit)
    seconds = time.perf_counter() - start
    test = None if stream.test is None else fitted.transform(stream.test)
    train = None if stream.train is None else fitted.transform(stream.train)
    return {"fitted": Fitted(fitted, seconds), "stream": Stream(out, test, train)}


def _fit_refit_head(*args: Any) -> dict:
    """:func:`_fit_transformer` of the refit's first step (one of the refit's fits)."""
    return _fit_transformer(*args)


def _all_rows(data: tuple) -> dict:
    """All the data as one training fold (for the refit), with no test rows."""
    X, y, fit_params = data
    return {"stream": Stream(X, None, None), "y": y, "fit_params": fit_params}


def first_step(pipeline: Any) -> tuple[int, str, Any] | None:
    """``(index, name, step)`` of a pipeline's first fitted transformer, if any."""
    return next(
        (
            (i, name, step)
            for i, (name, step) in enumerate(pipeline.steps[:-1])
            if step not in SKIPPED_STEPS
        ),
        None,
    )


def refit_with_head(pipeline: Any, head: Any, X: Any, y: Any, fit_params: dict):
    """``pipeline.fit(X, y, **fit_params)`` with its first step cut from ``head``.

    ``head`` is the fit on ``X`` of the pipeline's first step with as many or
    more components (see :func:`truncated_pca`). Returns the fitted pipeline,
    or None where that would not be ``pipeline.fit``'s result: a failed or not
    nested head, fit parameters for the first step, a pipeline that caches,
    prints or transforms its input's metadata.
    """
    index, name, step = first_step(pipeline)
    if (
        isinstance(head, Failure)
        or pipeline.memory is not None
        or pipeline.verbose
        or getattr(pipeline, "transform_input", None) is not None
        or _params_for(fit_params, name)
    ):
        return None
    larger = head["fitted"].estimator
    if step.n_components == larger.n_components:
        fitted, Xt = larger, head["stream"].fit
    else:
        fitted = truncated_pca(larger, step.n_components)
        if fitted is None:
            return None
        Xt = _first_columns(head["stream"].fit, X, fitted)
    rest = Pipeline(pipeline.steps[index + 1 :]).fit(Xt, y, **fit_params)
    pipeline.steps = [*pipeline.steps[:index], (name, fitted), *rest.steps]
    return pipeline


def _joined(pieces: list[dict], stack: Callable[[list], Any]) -> Stream:
    """Each part of the pieces' streams stacked side by side (None if one lacks it)."""
    return Stream(
        *(
            None
            if any(piece["stream"][i] is None for piece in pieces)
            else stack([piece["stream"][i] for piece in pieces])
            for i in range(len(Stream._fields))
        )
    )


def _stack(blocks: list, *, sparse: bool, output: str) -> Any:
    """Blocks side by side: sparse, a DataFrame (pandas output), or dense."""
    if sparse:
        return sp.hstack(blocks).tocsr()
    blocks = [b.toarray() if sp.issparse(b) else b for b in blocks]
    if output == "pandas" and all(hasattr(b, "iloc") for b in blocks):
        import pandas as pd

        return pd.concat(blocks, axis=1)
    return np.hstack(blocks)


@_guarded
def _join_union(union: FeatureUnion, branches: list) -> dict:
    """A fitted FeatureUnion and its stacked outputs, from its fitted branches."""
    fitted = clone(union)
    by_name = dict(branches)
    fitted.transformer_list = [
        (b_name, by_name[b_name]["fitted"].estimator if b_name in by_name else b)
        for b_name, b in union.transformer_list
    ]
    weights = [(union.transformer_weights or {}).get(b_name) for b_name, _ in branches]
    output = transform_output(union)

    def stack(blocks: list) -> Any:
        blocks = [
            b if w is None else b * w for b, w in zip(blocks, weights, strict=True)
        ]
        sparse = any(sp.issparse(b) for b in blocks)
        stacked = _stack(blocks, sparse=sparse, output=output)
        if output == "pandas":
            stacked.columns = fitted.get_feature_names_out()
        return stacked

    pieces = [result for _, result in branches]
    seconds = sum(piece["fitted"].seconds for piece in pieces)
    return {"fitted": Fitted(fitted, seconds), "stream": _joined(pieces, stack)}


class FittedColumns:
    """A fitted ColumnTransformer assembled from its separately fit transformers.

    Stands for the fold's fitted ColumnTransformer inside the search: it
    transforms and names features as the real one would.
    """

    def __init__(self, parts: list, sparse_output: bool, output: str) -> None:
        self.parts = parts
        self.sparse_output_ = sparse_output
        self._output = output

    def transform(self, X: Any) -> Any:
        if not self.parts:  # every column dropped, as scikit-learn outputs it
            return np.zeros((n_rows(X), 0))
        blocks = [p.transform(X) for p in self.parts]
        return _stack(blocks, sparse=self.sparse_output_, output=self._output)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = [p.get_feature_names_out(input_features) for p in self.parts]
        return np.concatenate(names) if names else np.array([], dtype=object)


@_guarded
def _join_columns(ct: ColumnTransformer, pieces: list, stream: Stream) -> dict:
    """The stacked output of a ColumnTransformer's parts, with its sparse rule."""
    fit_blocks = [piece["stream"].fit for piece in pieces]
    sparse_output = False
    if any(sp.issparse(b) for b in fit_blocks):
        stored = sum(b.nnz if sp.issparse(b) else np.size(b) for b in fit_blocks)
        total = sum(b.shape[0] * b.shape[1] for b in fit_blocks)
        sparse_output = total > 0 and stored / total < ct.sparse_threshold
    fitted = FittedColumns(
        [piece["fitted"].estimator for piece in pieces],
        bool(sparse_output),
        transform_output(ct),
    )
    seconds = sum(piece["fitted"].seconds for piece in pieces)
    if not pieces:
        joined = Stream(*(None if s is None else fitted.transform(s) for s in stream))
    else:
        joined = _joined(
            pieces,
            lambda blocks: _stack(
                blocks, sparse=fitted.sparse_output_, output=fitted._output
            ),
        )
    return {"fitted": Fitted(fitted, seconds), "stream": joined}


def _truncate_step(
    larger: Any,
    step: Any,
    stream: Any,
    y: Any,
    fit_params: Any,
    name: str | None,
    raise_errors: bool,
) -> dict:
    """The fit-transform of PCA ``step``, cut from the ``larger`` one's if nested.

    ``larger`` is the result of the same PCA fit with more components on the
    same data. When the solver it resolved to, and the one ``step`` resolves to
    on data of this shape, compute every component, ``step``'s fit is ``larger``'s
    first components and its transformed data their columns; otherwise (or if
    the larger fit failed) ``step`` is fit for real.
    """
    if not isinstance(larger, Failure) and not _params_for(fit_params, name):
        start = time.perf_counter()
        fitted = truncated_pca(larger["fitted"].estimator, step.n_components)
        if fitted is not None:
            out = Stream(
                *(
                    _first_columns(part, source, fitted)
                    for part, source in zip(larger["stream"], stream, strict=True)
                )
            )
            # The fit time of the model, as if fit at once: the larger fit did it.
            seconds = larger["fitted"].seconds + time.perf_counter() - start
            return {"fitted": Fitted(fitted, seconds), "stream": out}
    return _fit_transformer(step, stream, y, fit_params, name, raise_errors)


def _first_columns(larger_out: Any, source: Any, fitted: Any) -> Any:
    """``fitted.transform(source)``, as the first columns of the larger output.

    A PCA's output columns are the projections on its components one by one,
    so a dense array's first columns are the smaller PCA's output; any other
    container (a DataFrame from ``set_output``) is transformed again.
    """
    if larger_out is None:
        return None
    if type(larger_out) is np.ndarray and larger_out.ndim == 2:
        return larger_out[:, : fitted.n_components_].copy(order="K")
    return fitted.transform(source)


def resolved_pca_solver(pca: Any, n_samples: int, n_features: int, k: Any) -> str:
    """The solver a PCA fit of ``k`` components uses on dense data of this shape.

    scikit-learn's documented ``"auto"`` policy: ``"covariance_eigh"`` for at
    most 1,000 features and at least 10 times as many samples, else ``"full"``
    for data within 500 x 500 or ``k`` at least 80% of the smaller side, else
    ``"randomized"``. scalearn's ``"tsqr"`` is ``"full"`` in memory.
    """
    solver = pca.svd_solver
    if solver == "tsqr":
        return "full"
    if solver != "auto":
        return solver
    if n_features <= 1_000 and n_samples >= 10 * n_features:
        return "covariance_eigh"
    if max(n_samples, n_features) <= 500:
        return "full"
    if 1 <= k < 0.8 * min(n_samples, n_features):
        return "randomized"
    return "full"


def truncated_pca(larger: Any, k: int) -> Any:
    """A fitted PCA of ``k`` components cut from ``larger``, or None if not nested.

    Returns what ``clone(larger).set_params(n_components=k).fit(X)`` would on
    the data ``larger`` was fit on: its parameters, and every fitted attribute
    (the first ``k`` components, variances and singular values; the noise
    variance recomputed from the spectrum as scikit-learn computes it).
    """
    solver = fitted_svd_solver(larger)
    n_samples = getattr(larger, "n_samples_", None)
    n_features = getattr(larger, "n_features_in_", None)
    big = larger.n_components_
    if (
        solver not in NESTED_SOLVERS
        or n_samples is None
        or n_features is None
        or not isinstance(big, numbers.Integral)
        or not isinstance(k, numbers.Integral)
        or isinstance(k, bool)
        or not 0 <= k < big
        or resolved_pca_solver(larger, n_samples, n_features, larger.n_components)
        != solver  # the "auto" policy is not the one above: do not guess
        or resolved_pca_solver(larger, n_samples, n_features, k) != solver
    ):
        return None
    size = min(n_samples, n_features)
    # covariance_eigh's spectrum has one value per feature, full SVD's min(shape).
    spectrum = n_features if solver == "covariance_eigh" else size
    variance = larger.explained_variance_
    if k < size:
        if big >= size and spectrum > big:
            return None  # the tail beyond ``big`` is lost (noise_variance_ = 0)
        tail = float(larger.noise_variance_) * (spectrum - big) if big < size else 0.0
        noise = (float(np.sum(variance[k:], dtype=np.float64)) + tail) / (spectrum - k)
        noise_variance = variance.dtype.type(noise)
    else:
        noise_variance = 0.0
    fitted = copy.deepcopy(larger)
    fitted.set_params(n_components=k)
    fitted.n_components_ = k
    fitted.noise_variance_ = noise_variance
    for attribute in (
        "components_",
        "explained_variance_",
        "explained_variance_ratio_",
        "singular_values_",
    ):
        # Copied as scikit-learn copies them: contiguous, in the memory order
        # of the decomposition (Fortran for LAPACK's SVD).
        setattr(
            fitted, attribute, np.asarray(getattr(larger, attribute)[:k], copy=True)
        )
    return fitted


@_guarded
def _fit_final(
    step: Any, stream: Any, y: Any, fit_params: Any, name: str | None
) -> Fitted:
    start = time.perf_counter()
    fitted = clone(step)
    fitted.fit(stream.fit, y, **_params_for(fit_params, name))
    return Fitted(fitted, time.perf_counter() - start)


@_guarded
def _grow_final(
    previous: Fitted,
    step: Any,
    stream: Any,
    y: Any,
    fit_params: Any,
    name: str | None,
) -> Fitted:
    """``step`` fit by growing a copy of the smaller fitted model ``previous``."""
    start = time.perf_counter()
    cls = type(step)
    param = WARM_START_GROWTH[f"{cls.__module__}.{cls.__qualname__}"]
    fitted = copy.deepcopy(previous.estimator)
    fitted.set_params(warm_start=True, **{param: getattr(step, param)})
    fitted.fit(stream.fit, y, **_params_for(fit_params, name))
    fitted.set_params(warm_start=step.warm_start)
    # The fit time of the model, as if fit at once: the smaller fit plus growth.
    return Fitted(fitted, previous.seconds + time.perf_counter() - start)


def _predict(final: Fitted, stream: Stream, method: str) -> tuple:
    """``method`` on the fold's test rows (prediction plans raise, never fail)."""
    # The classes the fold's model saw, to place its columns among all classes.
    classes = getattr(final.estimator, "classes_", None)
    return getattr(final.estimator, method)(stream.test), classes


class _ScoringView:
    """A fitted pipeline that scores the fold's rows from their transformed data.

    Scorers call ``predict`` (or another response) on the fold's raw test or train
    rows; for exactly those objects the view applies the final step to the
    transformed data the plan already has, so no step is applied twice. Any other
    input, and every other attribute, goes to the real fitted pipeline.
    """

    def __init__(self, pipeline: Any, final: Any, known: list[tuple[Any, Any]]):
        self._pipeline = pipeline
        self._final = final
        self._known = known

    def __sklearn_tags__(self):
        return get_tags(self._pipeline)

    @property
    def classes_(self) -> Any:
        return self._pipeline.classes_

    def __getattr__(self, name: str) -> Any:
        pipeline = self.__dict__["_pipeline"]
        attribute = getattr(pipeline, name)
        if name not in _VIEWED_METHODS:
            return attribute
        final_method = getattr(self.__dict__["_final"], name)

        def respond(X: Any, *args: Any, **kwargs: Any) -> Any:
            for raw, transformed in self._known:
                if X is raw and transformed is not None:
                    return final_method(transformed, *args, **kwargs)
            return attribute(X, *args, **kwargs)

        respond.__name__ = name
        return respond


_VIEWED_METHODS = {
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
    "score_samples",
}


def _score(
    estimator: Any,
    step_names: tuple,
    final: Any,
    stream: Any,
    X_test: Any,
    y_test: Any,
    X_train: Any,
    y_train: Any,
    scorer: Any,
    error_score: Any,
    keep_estimator: bool,
    *fitted_steps: Any,
) -> dict:
    """The record of one candidate on one fold, in scikit-learn's terms.

    ``fitted_steps`` are the fitted transformers of the steps ``step_names``
    (separate arguments: dask wraps a list of task results in a task of its own).
    """
    record: dict[str, Any] = {"fit_error": None, "warnings": []}
    steps = list(zip(step_names, fitted_steps, strict=True))
    failed = _first_failure(final, stream, *(part for _, part in steps))
    fit_seconds = sum(part.seconds for _, part in steps if isinstance(part, Fitted))
    if failed is not None:
        record.update(
            fit_error=failed.message,
            fit_time=fit_seconds + failed.seconds,
            score_time=0.0,
            test_scores=_error_scores(scorer, error_score),
        )
        if _wants_train(stream):
            record["train_scores"] = _error_scores(scorer, error_score)
        if keep_estimator:  # as scikit-learn: the estimator whose fit failed
            record["estimator"] = clone(estimator)
        return record
    record["fit_time"] = fit_seconds + final.seconds
    if steps:
        pipeline = clone(estimator)
        pipeline.steps = [
            (name, part.estimator if isinstance(part, Fitted) else part)
            for name, part in steps
        ] + [(estimator.steps[-1][0], final.estimator)]
        known = [(X_test, stream.test), (X_train, stream.train)]
        model = _ScoringView(pipeline, final.estimator, known)
    else:
        pipeline = model = final.estimator
    if keep_estimator:
        record["estimator"] = pipeline
    start = time.perf_counter()
    record["test_scores"] = _run_scorer(
        scorer, model, X_test, y_test, error_score, record
    )
    record["score_time"] = time.perf_counter() - start
    if _wants_train(stream):
        record["train_scores"] = _run_scorer(
            scorer, model, X_train, y_train, error_score, record
        )
    return record


def _wants_train(stream: Any) -> bool:
    return not isinstance(stream, Failure) and stream.train is not None


def _error_scores(scorer: Any, error_score: Any) -> Any:
    names = getattr(scorer, "_scorers", None)
    if isinstance(names, dict):
        return dict.fromkeys(names, error_score)
    return error_score


def _run_scorer(scorer: Any, model: Any, X: Any, y: Any, error_score: Any, record):
    """scikit-learn's scoring rules: failures follow ``error_score``, with a warning."""
    try:
        scores = scorer(model, X) if y is None else scorer(model, X, y)
    except Exception:
        if is_raise(error_score):
            raise
        record["warnings"].append(_scoring_failed(error_score, format_exc()))
        return _error_scores(scorer, error_score)
    if isinstance(scores, dict):
        for name, value in scores.items():
            if isinstance(value, str):  # a multimetric scorer's caught failure
                record["warnings"].append(_scoring_failed(error_score, value))
                scores[name] = error_score
            else:
                scores[name] = _as_number(value, name)
        return scores
    return _as_number(scores, scorer)


def _scoring_failed(error_score: Any, details: str) -> str:
    return (
        "Scoring failed. The score on this train-test partition for these "
        f"parameters will be set to {error_score}. Details: \n{details}"
    )


def _as_number(score: Any, scorer: Any) -> Any:
    if hasattr(score, "item"):
        with contextlib.suppress(ValueError):  # e.g. a memory-mapped scalar
            score = score.item()
    if not isinstance(score, numbers.Number):
        raise ValueError(
            f"scoring must return a number, got {score!r} ({type(score)}) instead. "
            f"(scorer={scorer})"
        )
    return score
