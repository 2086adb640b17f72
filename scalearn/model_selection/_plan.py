"""The work of a search, each distinct piece once.

A search fits every candidate on every fold. When the estimator is a Pipeline,
candidates that agree on the parameters of the first steps share those steps'
work: the plan gives each (fold, step, parameters of that step and of every step
before it) one task, keyed on a deterministic token, and every candidate
downstream reuses its fitted step and its transformed train and test data.
FeatureUnion branches and ColumnTransformer transformers share the same way;
candidates that differ only in a warm-startable size are grown from the next
smaller one, and those that differ only in the number of components of an exact
PCA step take it from the largest one's fit, truncated. The tasks are
``dask.delayed`` calls of the functions in :mod:`._tasks` with those keys, so
dask runs each once, in parallel, on threads or on a distributed cluster.
"""

from __future__ import annotations

import numbers
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from dask import delayed
from dask.base import tokenize
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from scalearn.model_selection._evaluate import is_raise
from scalearn.model_selection._tasks import (
    NESTED_SOLVERS,
    SKIPPED_STEPS,
    TRUNCATION_FAMILIES,
    WARM_START_GROWTH,
    _all_rows,
    _fit_final,
    _fit_refit_head,
    _fit_transformer,
    _grow_final,
    _identity,
    _join_columns,
    _join_union,
    _part,
    _passthrough,
    _predict,
    _score,
    _take_fold,
    _truncate_step,
    first_step,
    resolved_pca_solver,
)
from scalearn.utils._sklearn_compat import set_transform_output, transform_output
from scalearn.utils._tokenize import normalize_value, tokenize_estimator


@dataclass
class Fold:
    """One fold's delayed pieces: the streams at the input, and y."""

    index: int
    stream: Any
    X_test: Any
    X_train: Any
    y_train: Any
    y_test: Any
    fit_params: Any


@dataclass
class SearchPlan:
    """Builds the tasks of one search; equal work gets one key.

    Parameters
    ----------
    scorer : callable
        A scikit-learn scorer or ``_MultimetricScorer``-like callable.
    error_score : 'raise' or number
    return_train_score : bool
    """

    scorer: Any
    error_score: Any
    return_train_score: bool
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    keep_estimator: bool = False
    tasks: dict[str, Any] = field(default_factory=dict)
    _families: dict[str, set] = field(default_factory=dict)
    _truncations: dict[str, set] = field(default_factory=dict)
    _memo: dict[tuple, tuple] = field(default_factory=dict)
    _data: Any = None
    #: Estimator fits the candidates ask for, and the distinct ones run (among
    #: them those grown from a smaller fit, and those to be cut from a larger
    #: PCA's fit when its solver turns out to be exact).
    requested_fits: int = 0
    distinct_fits: int = 0
    grown_fits: int = 0
    truncated_fits: int = 0

    @property
    def raise_errors(self) -> bool:
        return is_raise(self.error_score)

    def _task(self, label: str, token: str, func: Any, *args: Any) -> Any:
        key = f"{label}-{token}"
        if key not in self.tasks:
            self.tasks[key] = delayed(func, pure=True)(*args, dask_key_name=key)
            if func in (_fit_transformer, _fit_final, _grow_final, _truncate_step):
                self.distinct_fits += 1
            self.grown_fits += func is _grow_final
            self.truncated_fits += func is _truncate_step
        return self.tasks[key]

    def _once(self, func: Any, obj: Any, *args: Any) -> Any:
        """``func(obj, *args)``, computed once per object (every fold asks again).

        The memo keeps ``obj`` alive, so its ``id`` names it for the plan's life.
        """
        key = (func, id(obj), *args)
        if key not in self._memo:
            self._memo[key] = (obj, func(obj, *args))
        return self._memo[key][1]

    def _token(self, estimator: Any) -> str:
        return self._once(tokenize_estimator, estimator)

    def _part(self, label: str, token: str, source: Any, name: str) -> Any:
        return self._task(f"{label}-{name}", token, _part, source, name)

    # -- data ----------------------------------------------------------------
    def folds(
        self, data: Any, splits: list[tuple[np.ndarray, np.ndarray]], fit_params: dict
    ) -> list[Fold]:
        """One task per fold slicing the data once; every candidate shares it.

        ``data`` is an :class:`~._evaluate.Data`: in memory, or futures on a
        cluster, where each worker fetches it once.
        """
        n_samples = data.n_samples
        data = self._data = self._task(
            "search-data", self.run, _identity, (data.X, data.y, fit_params)
        )
        folds = []
        for index, (train, test) in enumerate(splits):
            token = tokenize(self.run, index)
            rows = self._task(
                "fold-rows",
                token,
                _take_fold,
                data,
                train,
                test,
                n_samples,
                self.return_train_score,
            )
            part = {
                name: self._part("fold", token, rows, name)
                for name in ("stream", "X_train", "X_test", "y_train", "y_test")
            }
            params = self._part("fold", token, rows, "fit_params")
            folds.append(Fold(index, **part, fit_params=params))
        return folds

    # -- candidates ----------------------------------------------------------
    def register(self, estimators: list) -> None:
        """Tell the plan every configured candidate before asking for any.

        Candidates that differ only in a growth parameter (see
        :data:`WARM_START_GROWTH`) form a family; each member but the smallest
        is then grown from the next smaller one instead of fit from scratch.
        Pipeline steps that differ only in ``n_components`` (see
        :data:`TRUNCATION_FAMILIES`), after the same steps, form a family too;
        each member but the largest is cut from the largest one's fit.
        """
        for estimator in estimators:
            for family, value in self._once(_truncatable_steps, estimator).values():
                self._truncations.setdefault(family, set()).add(value)
            growth = _growth(estimator)
            if growth is not None:
                path, value = growth
                family = self._families.setdefault(_family(estimator, path), set())
                family.add(value)

    def refit_head(self, estimators: list, X: Any) -> Any:
        """The refit's first step, fit on all of ``X`` among the folds' tasks.

        When every candidate is a pipeline that begins with a PCA of one
        family (see :meth:`register`) and each member's solver on dense data
        of ``X``'s shape is exact, the refit will fit that PCA on ``X``
        whichever candidate wins: its largest member is fit here, as a task
        that runs in parallel with the folds' work, and the refit cuts the
        winner's from it (:func:`~._tasks.refit_with_head`). None otherwise
        (or before :meth:`folds`).
        """
        heads = set()
        for estimator in estimators:
            truncatable = self._once(_truncatable_steps, estimator)
            first = _is_shareable_pipeline(estimator) and first_step(estimator)
            if not first or first[1] not in truncatable:
                return None
            heads.add((first[1], truncatable[first[1]][0]))
        if len(heads) != 1 or self._data is None:
            return None
        ((name, family),) = heads
        step = first_step(estimators[0])[2]
        values = self._truncations[family]
        shape = getattr(X, "shape", ())
        solvers = {
            resolved_pca_solver(step, *shape, k) if len(shape) == 2 else None
            for k in values
        }
        nested = len(solvers) == 1 and solvers <= set(NESTED_SOLVERS)
        if (len(values) > 1 and not nested) or sp.issparse(X):
            return None
        largest = clone(step).set_params(n_components=max(values))
        rows = self._task("refit-rows", self.run, _all_rows, self._data)
        return self._task(
            f"refit-{name}", tokenize(self.run, self._token(largest)),
            _fit_refit_head, largest, self._part("refit", self.run, rows, "stream"),
            self._part("refit", self.run, rows, "y"),
            self._part("refit", self.run, rows, "fit_params"), name, False,
        )  # fmt: skip

    def candidate(self, estimator: Any, fold: Fold) -> Any:
        """The delayed score record of ``estimator`` (configured) on ``fold``."""
        fitted_steps, fitted, stream = self._fit_chain(estimator, fold)
        return self._task(
            "score", tokenize(fitted.key, self.keep_estimator), _score, estimator,
            tuple(name for name, _ in fitted_steps), fitted, stream, fold.X_test,
            fold.y_test, fold.X_train, fold.y_train, self.scorer, self.error_score,
            self.keep_estimator, *(part for _, part in fitted_steps),
        )  # fmt: skip

    def prediction(self, estimator: Any, fold: Fold, method: str) -> Any:
        """The delayed ``method`` output of ``estimator`` on ``fold``'s test rows."""
        _, fitted, stream = self._fit_chain(estimator, fold)
        return self._task(
            f"{method}", tokenize(fitted.key), _predict, fitted, stream, method
        )

    def _fit_chain(self, estimator: Any, fold: Fold) -> tuple[list, Any, Any]:
        """Fitted steps, the final fit and the stream reaching it, as tasks."""
        stream = fold.stream
        fitted_steps: list = []
        token = tokenize(self.run, fold.index)
        self.requested_fits += 1  # the final estimator
        if not _is_shareable_pipeline(estimator):
            fitted = self._final(estimator, estimator, None, stream, token, fold)
            return fitted_steps, fitted, stream
        token = tokenize(token, self._once(_pipeline_token, estimator))
        *transformers, (last_name, last) = estimator.steps
        truncatable = self._once(_truncatable_steps, estimator)
        for name, step in transformers:
            if step in SKIPPED_STEPS:
                fitted_steps.append((name, step))
                continue
            before, token = token, tokenize(token, name, self._token(step))
            self.requested_fits += _n_fits(step)
            larger = self._once(self._largest, step, truncatable.get(name))
            if isinstance(step, FeatureUnion):
                result = self._feature_union(name, step, before, token, stream, fold)
            elif isinstance(step, ColumnTransformer) and not self.keep_estimator:
                result = self._columns(name, step, before, token, stream, fold)
            elif larger is not None:
                larger_token = tokenize(before, name, self._token(larger))
                larger_fit = self._fit_step(
                    f"fit-{name}", larger_token, larger, name, stream, fold
                )
                result = self._task(
                    f"truncate-{name}", token, _truncate_step, larger_fit, step,
                    stream, fold.y_train, fold.fit_params, name, self.raise_errors,
                )  # fmt: skip
            else:
                result = self._fit_step(f"fit-{name}", token, step, name, stream, fold)
            fitted_steps.append((name, self._part(name, token, result, "fitted")))
            stream = self._part(name, token, result, "stream")
        fitted = self._final(estimator, last, last_name, stream, token, fold)
        return fitted_steps, fitted, stream

    def _final(
        self,
        estimator: Any,
        final: Any,
        name: str | None,
        stream: Any,
        prefix: str,
        fold: Fold,
    ) -> Any:
        """The final estimator's fit task: from scratch, or grown from a smaller one."""
        token = tokenize(prefix, name, self._token(final))
        label = "fit" if name is None else f"fit-{name}"
        smaller = self._once(self._smaller, estimator)
        if smaller is None:
            return self._task(
                label, token, _fit_final, final, stream, fold.y_train,
                fold.fit_params, name, self.raise_errors,
            )  # fmt: skip
        smaller_final = smaller.steps[-1][1] if name is not None else smaller
        previous = self._final(smaller, smaller_final, name, stream, prefix, fold)
        return self._task(
            f"grow-{label}", token, _grow_final, previous, final, stream,
            fold.y_train, fold.fit_params, name, self.raise_errors,
        )  # fmt: skip

    def _largest(self, step: Any, truncatable: tuple | None) -> Any:
        """``step`` with the largest ``n_components`` of its family, if larger."""
        if truncatable is None:
            return None
        family, value = truncatable
        largest = max(self._truncations.get(family, {value}))
        if not largest > value:
            return None
        return clone(step).set_params(n_components=largest)

    def _smaller(self, estimator: Any) -> Any:
        """The same candidate with the next smaller growth value, if there is one."""
        growth = _growth(estimator)
        if growth is None:
            return None
        path, value = growth
        family = self._families.get(_family(estimator, path), set())
        below = [v for v in family if v < value]
        if not below:
            return None
        return clone(estimator).set_params(**{path: max(below)})

    def _columns(
        self,
        name: str,
        ct: ColumnTransformer,
        before: str,
        token: str,
        stream: Any,
        fold: Fold,
    ) -> Any:
        """Each transformer of a ColumnTransformer fit once per distinct setting.

        Each runs as a one-transformer ColumnTransformer (so columns are chosen
        exactly as ``ct`` chooses them), the remainder as one whose other
        transformers are dropped; the join stacks them with ``ct``'s rules.
        """
        parts = [
            _single_column_transformer(ct, [(n, t, c)], "drop")
            for n, t, c in ct.transformers
            if not (isinstance(t, str) and t == "drop")
        ]
        if not (isinstance(ct.remainder, str) and ct.remainder == "drop"):
            others = [(n, "drop", c) for n, _, c in ct.transformers]
            parts.append(_single_column_transformer(ct, others, ct.remainder))
        pieces = [
            self._fit_step(
                f"fit-{name}-{part.transformers[0][0]}",
                tokenize(before, name, "columns", tokenize_estimator(part)),
                part,
                name,
                stream,
                fold,
            )
            for part in parts
        ]
        return self._task(
            f"fit-{name}", token, _join_columns, ct, pieces, stream, self.raise_errors
        )

    def _feature_union(
        self,
        name: str,
        union: FeatureUnion,
        before: str,
        token: str,
        stream: Any,
        fold: Fold,
    ) -> Any:
        """Each branch of a FeatureUnion fit once per distinct branch and input.

        A branch's token depends on the data reaching the union (``before``) and
        on the branch alone, not on its sibling branches.
        """
        branches = []
        for branch_name, branch in union.transformer_list:
            if branch == "drop":
                continue
            branch_token = tokenize(before, name, "branch", branch_name)
            if branch == "passthrough":
                result = self._task(
                    f"pass-{name}-{branch_name}", branch_token, _passthrough, stream
                )
            else:
                branch_token = tokenize(branch_token, tokenize_estimator(branch))
                result = self._fit_step(
                    f"fit-{name}-{branch_name}",
                    branch_token,
                    branch,
                    name,
                    stream,
                    fold,
                )
            branches.append((branch_name, result))
        return self._task(
            f"fit-{name}", token, _join_union, union, branches, self.raise_errors
        )

    def _fit_step(
        self, label: str, token: str, step: Any, name: str, stream: Any, fold: Fold
    ) -> Any:
        """The fit-transform task of a transformer in pipeline step ``name``.

        Parts of a FeatureUnion or ColumnTransformer get the fit parameters of
        the step they belong to, as the whole step would pass them on.
        """
        return self._task(
            label, token, _fit_transformer, step, stream, fold.y_train,
            fold.fit_params, name, self.raise_errors,
        )  # fmt: skip


def _final_of(estimator: Any) -> tuple[str, Any]:
    """The final estimator and the parameter path prefix that reaches it."""
    if _is_shareable_pipeline(estimator):
        name, last = estimator.steps[-1]
        return f"{name}__", last
    return "", estimator


def _growth(estimator: Any) -> tuple[str, Any] | None:
    """``(parameter path, value)`` of a warm-startable final estimator, else None."""
    prefix, final = _final_of(estimator)
    cls = type(final)
    param = WARM_START_GROWTH.get(f"{cls.__module__}.{cls.__qualname__}")
    if param is None:
        return None
    params = final.get_params(deep=False)
    if isinstance(params.get("random_state"), np.random.RandomState):
        return None
    if params.get("n_iter_no_change") is not None:
        return None
    return prefix + param, params[param]


def _family(estimator: Any, path: str) -> str:
    """Token of ``estimator`` with its growth parameter left out."""
    prefix, final = _final_of(estimator)
    param = path[len(prefix) :]
    without = clone(final).set_params(**{param: 0})
    if prefix:
        steps = [*estimator.steps[:-1], (estimator.steps[-1][0], without)]
        return tokenize_estimator(clone(estimator).set_params(steps=steps))
    return tokenize_estimator(without)


def _truncatable_steps(estimator: Any) -> dict[str, tuple[str, Any]]:
    """``{step name: (family token, n_components)}`` of a pipeline's PCA steps.

    A family token names the step with its ``n_components`` left out and every
    step before it: steps with equal tokens differ only in ``n_components``
    and see the same data on a fold.
    """
    if not _is_shareable_pipeline(estimator) or not any(
        _is_truncatable(step) for _, step in estimator.steps[:-1]
    ):
        return {}
    chain = _pipeline_token(estimator)
    found = {}
    for name, step in estimator.steps[:-1]:
        if step in SKIPPED_STEPS:
            continue
        if _is_truncatable(step):
            without = clone(step).set_params(n_components=None)
            family = tokenize(chain, name, tokenize_estimator(without))
            found[name] = (family, step.n_components)
        chain = tokenize(chain, name, tokenize_estimator(step))
    return found


def _pipeline_token(pipeline: Any) -> str:
    """Token of a pipeline's class and parameters other than its steps."""
    outer = pipeline.get_params(deep=False)
    outer.pop("steps")
    return tokenize(type(pipeline).__name__, normalize_value(outer))


def _is_truncatable(step: Any) -> bool:
    """A step of :data:`TRUNCATION_FAMILIES` with an integer ``n_components``."""
    cls = type(step)
    value = getattr(step, "n_components", None)
    return (
        f"{cls.__module__}.{cls.__qualname__}" in TRUNCATION_FAMILIES
        and isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
    )


def _single_column_transformer(
    ct: ColumnTransformer, transformers: list, remainder: Any
) -> ColumnTransformer:
    """A ColumnTransformer like ``ct`` with only some of its transformers.

    Its output keeps sparse blocks sparse; the join applies ``ct``'s threshold.
    """
    weights = ct.transformer_weights or {}
    kept = {n: weights[n] for n, *_ in transformers if n in weights}
    part = ColumnTransformer(
        transformers,
        remainder=remainder,
        sparse_threshold=1.0,
        transformer_weights=kept or None,
        verbose_feature_names_out=ct.verbose_feature_names_out,
    )
    set_transform_output(part, transform_output(ct))
    return part


def _n_fits(step: Any) -> int:
    """Estimator fits in one fit of ``step`` (a union fits each of its parts)."""
    if isinstance(step, FeatureUnion):
        parts = [b for _, b in step.transformer_list]
    elif isinstance(step, ColumnTransformer):
        parts = [t for _, t, _ in step.transformers] + [step.remainder]
    else:
        return 1
    return sum(not isinstance(p, str) for p in parts)


def _is_shareable_pipeline(estimator: Any) -> bool:
    return (
        isinstance(estimator, Pipeline)
        and len(estimator.steps) > 1
        and estimator.steps[-1][1] not in SKIPPED_STEPS
    )
