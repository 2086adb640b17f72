"""Incremental: ``partial_fit`` over the blocks of a dask collection, epoch by epoch."""

from __future__ import annotations

import inspect
import time
import warnings
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone, is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils import assert_all_finite, check_random_state, get_tags

from scalearn._config import get_config
from scalearn.utils._buffers import reusing_buffers
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_array,
    is_dask_frame,
    n_rows,
    paired_row_blocks,
    select_blocks,
    take_rows,
)
from scalearn.utils._executor import get_executor
from scalearn.utils._progress import progress_bar
from scalearn.utils._scoring import resolve_scorer, score_collection
from scalearn.utils._validation import check_fitted_features, check_param, param_error
from scalearn.wrappers._parallel_post_fit import ParallelPostFit, post_fit_view

INTERLEAVED = "interleaved"
# Rows of each block scored for the progressive training score in ``history_``.
SCORE_ROWS = 10_000
STAGEWISE = "stagewise"


# --- the per-block step: pure functions, run locally or on a dask worker ---------


@dataclass
class _EpochTally:
    n_samples: int = 0
    n_blocks: int = 0
    score_sum: float = 0.0
    n_scored: int = 0

    @property
    def score(self) -> float | None:
        return self.score_sum / self.n_scored if self.n_scored else None


@dataclass
class _Plan:
    """What one block does to the model.

    For a Pipeline, steps up to ``last`` are touched: those in ``update`` get
    ``partial_fit``, stateless ones are fitted once, and the output of each step
    before ``last`` is transformed into the next.
    """

    pipeline: bool
    update: frozenset[int] = frozenset()
    last: int = -1
    score: bool = True
    step_params: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _ChainState:
    model: Any
    started: bool
    tally: _EpochTally


def _update_pipeline(
    pipe: Pipeline, x: Any, y: Any, plan: _Plan, started: bool
) -> None:
    xt = x
    final = len(pipe.steps) - 1
    for i, (_, step) in enumerate(pipe.steps[: plan.last + 1]):
        if step is None or step == "passthrough":
            continue
        params = plan.step_params.get(i, {})
        if i == final:
            step.partial_fit(xt, y, **params)
            return
        if i in plan.update:
            step.partial_fit(xt, y, **params)
        elif not started:
            step.fit(xt, y, **params)
        if i < plan.last:
            xt = step.transform(xt)


def classes_of(y: Any) -> np.ndarray:
    """The sorted labels of ``y``: one pass over a dask ``y``."""
    if is_dask_array(y):
        labels = da.unique(y)
    elif is_dask_frame(y):
        labels = y.drop_duplicates()
    else:
        labels = y
    return np.unique(np.asarray(dask.compute(labels)[0]))


def _every_nth(data: Any, step: int) -> Any:
    if data is None or step == 1:
        return data
    return data.iloc[::step] if hasattr(data, "iloc") else data[::step]


def _score_block(scorer: Any, model: Any, x: Any, y: Any, rows: int) -> float | None:
    """Score the model on a block before it trains on it (progressive validation).

    Scoring sits on the serial path, so it looks at an evenly spaced sample of at
    most ``SCORE_ROWS`` rows: its cost stays small whatever the block size.
    """
    step = max(1, -(-rows // SCORE_ROWS))
    x, y = _every_nth(x, step), _every_nth(y, step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(scorer(model, x, y))
        except Exception:  # a block a metric cannot score (one class only, say)
            return None


def _read_block(
    block: tuple,
    index: int,
    seed: int | None,
    check: str | None,
    owner: str,
    estimator_name: str,
) -> tuple:
    """Prepare a block on the reader, off the serial path of ``partial_fit``.

    With a ``seed``, its rows (X, y and row-aligned fit params) come in a random
    order. With ``check`` ("finite" or "allow-nan"), numeric arrays are checked
    here as scikit-learn would check them, and the last element of the result
    tells ``partial_fit`` it may skip its own check.
    """
    x, y, params = block
    if seed is not None:
        order = np.random.default_rng(seed).permutation(n_rows(x))
        x, y = take_rows(x, order), take_rows(y, order)
        params = {name: take_rows(value, order) for name, value in params.items()}
    checked = check is not None and _checkable(x)
    if checked:
        for name, value in [("X", x), ("y", y), *params.items()]:
            if value is None or not _checkable(value):
                continue
            try:  # scikit-learn's message, which says what to do
                assert_all_finite(
                    value,
                    allow_nan=check == "allow-nan",
                    estimator_name=estimator_name,
                    input_name=name,
                )
            except ValueError as exc:
                raise ValueError(f"{owner}: block {index} of the data: {exc}") from None
    return x, y, params, checked


def _checkable(value: Any) -> bool:
    """In-memory numeric arrays, whose finiteness the reader can check cheaply.

    Sparse formats without a ``data`` array (dok, lil) are left to the estimator.
    """
    if sp.issparse(value):
        return value.format in ("csr", "csc", "coo", "bsr") and (
            value.dtype.kind in "biufc"
        )
    return isinstance(value, np.ndarray) and value.dtype.kind in "biufc"


def _partial_fit_step(
    state: _ChainState,
    block: tuple,
    plan: _Plan,
    scorer: Any,
    fit_params: dict,
    skip_empty: bool = False,
) -> _ChainState:
    x, y, block_params, checked = block
    rows = x.shape[0] if hasattr(x, "shape") else len(np.asarray(x))
    if rows == 0 and skip_empty:
        # An empty partition among others: scikit-learn rejects input without
        # rows. In-memory input (one block) is left to raise scikit-learn's error.
        return state
    tally = state.tally
    if plan.score and scorer is not None and state.started:
        value = _score_block(scorer, state.model, x, y, rows)
        if value is not None:
            tally.score_sum += value * rows
            tally.n_scored += rows
    if plan.pipeline:
        _update_pipeline(state.model, x, y, plan, state.started)
    else:
        # Checked on the reader already: scikit-learn need not check again.
        with config_context(assume_finite=True) if checked else nullcontext():
            state.model.partial_fit(x, y, **fit_params, **block_params)
    tally.n_samples += rows
    tally.n_blocks += 1
    return _ChainState(state.model, True, tally)


# --- the estimator ------------------------------------------------------------------


class Incremental(ParallelPostFit):
    """Train an estimator with ``partial_fit`` on the blocks of a dask collection.

    Each epoch feeds every block of ``X`` (and ``y``) to ``partial_fit`` in turn,
    in an order reshuffled per epoch (reproducibly, from ``random_state``), while
    the next ``read_ahead`` blocks (see :func:`scalearn.set_config`) are computed
    in the background. Memory stays at a few blocks, however large the data.
    Work that need not be serial happens on the reader too: a single
    estimator's input is checked there for NaN and infinity as scikit-learn
    checks it (``partial_fit`` then runs with ``assume_finite``; the model is the
    same), and, with ``shuffle_rows``, the rows are shuffled there.
    With a distributed Client, blocks are computed on the workers and the model
    travels to them.

    A whole :class:`~sklearn.pipeline.Pipeline` can be wrapped when every step
    has ``partial_fit`` or is stateless. With ``pipeline_fit="interleaved"`` (the
    default) each block updates each step in turn, so the pipeline trains in one
    pass per epoch; the trade-off is that the first blocks are transformed with
    statistics from only the blocks seen so far (transformers stop updating
    after the first epoch). ``pipeline_fit="stagewise"`` gives the exact order:
    one pass per transformer, then the final step over ``max_epochs`` epochs.

    Predicting, transforming and scoring work as in :class:`ParallelPostFit`.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``, or a Pipeline of them
    scoring : str, callable or None, default None
        Used by ``score``, the per-epoch scores in ``history_`` and early stopping.
    shuffle_blocks : bool, default True
        Visit the blocks in a new random order each epoch.
    random_state : int, RandomState or None
        Seeds block order and the choice of validation blocks.
    assume_equal_chunks : bool, default True
        When ``X`` and ``y`` have hidden block lengths but the same number of
        blocks, take them as aligned. False computes the lengths to check.
    predict_meta, predict_proba_meta, transform_meta :
        As in :class:`ParallelPostFit`.
    max_epochs : int, default 1
        Passes over the data.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the blocks, score on them after each
        epoch, and stop when the score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    validation_fraction : float, default 0.1
        Share of blocks held out when ``early_stopping`` (at least one block).
    n_iter_no_change : int, default 5
    tol : float, default 1e-3
    pipeline_fit : {"interleaved", "stagewise"}, default "interleaved"
        How a wrapped Pipeline is trained (see above).
    shuffle_rows : bool, default False
        Shuffle the rows of each block while it is read, in the background, in
        a new order each epoch (reproducibly, from ``random_state``), and turn
        the estimator's own per-call shuffle off for the duration of the fit
        (every ``shuffle`` parameter that is True, in a Pipeline's steps too; it
        is set back afterwards). Each ``partial_fit`` then still sees its block
        in a uniformly random order, as with the estimator's own shuffle, but
        walks it in memory order on the serial path. For ``SGDClassifier`` the
        shuffled walk through a large block is most of ``partial_fit``'s time:
        its ``partial_fit`` on 500k x 20 blocks is about 3x faster, and an epoch
        over data in memory about 1.4x (see ``benchmarks/README.md``). The
        model differs from the estimator's own shuffle in the random order
        only, so it is not bit-for-bit that of a plain ``partial_fit`` loop:
        that is why it is not the default.

    Attributes
    ----------
    estimator_ : the trained clone of ``estimator``
    history_ : list of dict
        One record per epoch: ``epoch``, ``stage``, ``n_samples``, ``n_blocks``,
        ``seconds``, ``rows_per_second``, ``train_score`` (each block scored
        before the model trains on it, on an evenly spaced sample of at most
        10,000 of its rows, averaged over the epoch) and, with early stopping,
        ``validation_score`` (all held-out rows).
    n_epochs_ : int
        Epochs run by the last ``fit``.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.wrappers import Incremental
    >>> X = da.random.default_rng(0).normal(size=(4_000, 3), chunks=(500, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> inc = Incremental(SGDClassifier(random_state=0), max_epochs=3, random_state=0)
    >>> inc = inc.fit(X, y, classes=[0, 1])
    >>> len(inc.history_), inc.history_[-1]["n_blocks"]
    (3, 8)
    >>> float(inc.score(X, y)) > 0.9
    True
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        scoring: Any = None,
        shuffle_blocks: bool = True,
        random_state: Any = None,
        assume_equal_chunks: bool = True,
        predict_meta: Any = None,
        predict_proba_meta: Any = None,
        transform_meta: Any = None,
        max_epochs: int = 1,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        tol: float = 1e-3,
        pipeline_fit: str = INTERLEAVED,
        shuffle_rows: bool = False,
    ) -> None:
        super().__init__(
            estimator,
            scoring=scoring,
            predict_meta=predict_meta,
            predict_proba_meta=predict_proba_meta,
            transform_meta=transform_meta,
        )
        self.shuffle_blocks = shuffle_blocks
        self.random_state = random_state
        self.assume_equal_chunks = assume_equal_chunks
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.pipeline_fit = pipeline_fit
        self.shuffle_rows = shuffle_rows

    # --- public methods --------------------------------------------------------

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> Incremental:
        """Train a fresh clone of ``estimator`` for up to ``max_epochs`` epochs."""
        self._check_params()
        self.history_: list[dict[str, Any]] = []
        model = clone(self.estimator)
        self.estimator_, self.n_epochs_ = self._train(
            model, X, y, fit_params, started=False
        )
        return self

    def partial_fit(self, X: Any, y: Any = None, **fit_params: Any) -> Incremental:
        """One more pass over new data, continuing from the trained model if any."""
        self._check_params()
        started = hasattr(self, "estimator_")
        if started:
            check_fitted_features(
                f"{type(self).__name__}.partial_fit", self.estimator_, X
            )
            model = self.estimator_
        else:
            model = clone(self.estimator)
            self.history_ = []
        self.estimator_, _ = self._train(
            model, X, y, fit_params, started=started, epochs=1
        )
        return self

    # --- validation --------------------------------------------------------------

    def _check_params(self) -> None:
        owner = type(self).__name__
        if self.estimator is None:
            self._check_estimator()
        if isinstance(self.estimator, Pipeline):
            self._step_roles(self.estimator)
        elif not hasattr(self.estimator, "partial_fit"):
            raise param_error(
                owner,
                "estimator",
                self.estimator,
                "an estimator with a 'partial_fit' method, or a Pipeline whose "
                "steps have partial_fit or are stateless",
                "Use an estimator that learns incrementally (SGDClassifier, "
                "SGDRegressor, MultinomialNB, MiniBatchKMeans, ...), or "
                "ParallelPostFit to fit it in memory.",
            )
        whole = isinstance(self.max_epochs, int | np.integer) and self.max_epochs >= 1
        check_param(owner, "max_epochs", self.max_epochs, whole, "an integer >= 1")
        frac = self.validation_fraction
        check_param(
            owner,
            "validation_fraction",
            frac,
            isinstance(frac, float | int) and 0 < frac < 1,
            "a float in the open interval (0, 1)",
        )
        patience = self.n_iter_no_change
        check_param(
            owner,
            "n_iter_no_change",
            patience,
            isinstance(patience, int | np.integer) and patience >= 1,
            "an integer >= 1",
        )
        check_param(
            owner,
            "tol",
            self.tol,
            isinstance(self.tol, float | int) and self.tol >= 0,
            "a float >= 0",
        )
        check_param(
            owner,
            "pipeline_fit",
            self.pipeline_fit,
            self.pipeline_fit in (INTERLEAVED, STAGEWISE),
            f"one of {[INTERLEAVED, STAGEWISE]}",
        )
        check_param(
            owner,
            "shuffle_rows",
            self.shuffle_rows,
            isinstance(self.shuffle_rows, bool | np.bool_),
            "True or False",
        )

    def _step_roles(self, pipe: Pipeline) -> list[str]:
        """Each step's role: 'learns' (partial_fit), 'stateless' or 'skip'."""
        roles = []
        for i, (name, step) in enumerate(pipe.steps):
            final = i == len(pipe.steps) - 1
            if step is None or step == "passthrough":
                roles.append("skip")
            elif hasattr(step, "partial_fit"):
                roles.append("learns")
            elif not final and not get_tags(step).requires_fit:
                roles.append("stateless")
            else:
                raise param_error(
                    type(self).__name__,
                    "estimator",
                    pipe,
                    "a Pipeline whose steps all have partial_fit or are stateless",
                    f"Step {name!r} ({type(step).__name__}) must see all the data "
                    "at once: fit it first with a dask-native estimator outside "
                    "Incremental, or use one with partial_fit "
                    "(IncrementalPCA, StandardScaler, ...).",
                )
        return roles

    # --- training ------------------------------------------------------------------

    def _train(
        self,
        model: Any,
        X: Any,
        y: Any,
        fit_params: dict,
        *,
        started: bool,
        epochs: int | None = None,
    ) -> tuple[Any, int]:
        """Run the epochs; return the trained model and the number of epochs run."""
        owner = f"{type(self).__name__}.fit"
        y = align_y(X, y, owner=owner, assume_equal_blocks=self.assume_equal_chunks)
        const_params, block_params = self._split_fit_params(X, fit_params, owner)
        const_params = self._with_classes(model, y, const_params, started)
        rng = check_random_state(self.random_state)

        blocks = self._blocks(X, y, block_params, owner)
        train, val = self._split_validation(len(blocks), rng)
        stages = self._stages(model, const_params, started, epochs)
        total = sum(n for _, n, _ in stages) * len(train)
        scorer = self._block_scorer(model)
        bar = progress_bar(total, desc=type(model).__name__, unit="block")
        executor = get_executor(n_readers=max(1, get_config()["read_ahead"]))
        state = _ChainState(model, started, _EpochTally())
        epochs_run, best, stale = 0, -np.inf, 0
        own_shuffle = _own_shuffle(model) if self.shuffle_rows else {}
        model.set_params(**dict.fromkeys(own_shuffle, False))
        try:
            for stage, n_epochs, plan in stages:
                for _ in range(n_epochs):
                    order = rng.permutation(train) if self.shuffle_blocks else train
                    epoch_blocks = self._epoch_blocks(blocks, rng, model, owner)
                    tic = time.perf_counter()
                    state.tally = _EpochTally()
                    state = self._run_epoch(
                        executor, state, epoch_blocks, order, plan, scorer,
                        const_params, bar,
                    )  # fmt: skip
                    record = self._record(stage, state.tally, time.perf_counter() - tic)
                    if val and stage == "final":
                        record["validation_score"] = self._validation_score(
                            state.model, X, y, val
                        )
                    self.history_.append(record)
                    epochs_run += 1
                    bar.set_postfix_str(_describe(record))
                    if val and stage == "final":
                        score = record["validation_score"]
                        stale = 0 if score > best + self.tol else stale + 1
                        best = max(best, score)
                        if stale >= self.n_iter_no_change:
                            return state.model, epochs_run
        finally:
            bar.close()
            executor.close()
            for trained in (model, state.model):
                trained.set_params(**own_shuffle)
        return state.model, epochs_run

    def _epoch_blocks(
        self, blocks: list, rng: np.random.RandomState, model: Any, owner: str
    ) -> list:
        """The blocks as this epoch reads them: see :func:`_read_block`.

        Rows are shuffled with ``shuffle_rows``; a single estimator's input is
        checked for NaN and infinity on the reader (a Pipeline's steps check
        their own, since a transform may create them).
        """
        seeds: list = [None] * len(blocks)
        if self.shuffle_rows:
            seeds = list(rng.randint(np.iinfo(np.int32).max, size=len(blocks)))
        check = None
        if not isinstance(model, Pipeline):
            check = "allow-nan" if get_tags(model).input_tags.allow_nan else "finite"
        read = dask.delayed(_read_block, pure=False)
        return [
            read(block, index, seed, check, owner, type(model).__name__)
            for index, (block, seed) in enumerate(zip(blocks, seeds, strict=True))
        ]

    def _split_fit_params(
        self, X: Any, fit_params: dict, owner: str
    ) -> tuple[dict, dict]:
        """Row-aligned dask fit params (sample_weight) go block by block."""
        const = {k: v for k, v in fit_params.items() if not is_dask(v)}
        per_block = {
            k: align_y(X, v, owner=owner) for k, v in fit_params.items() if is_dask(v)
        }
        return const, per_block

    def _with_classes(self, model: Any, y: Any, params: dict, started: bool) -> dict:
        """Add ``classes`` for classifiers that need it on the first partial_fit.

        Computing them costs one pass over ``y``; pass ``classes=`` to skip it.
        """
        final = model.steps[-1][1] if isinstance(model, Pipeline) else model
        if started or "classes" in params or not is_classifier(final) or y is None:
            return params
        if "classes" not in inspect.signature(final.partial_fit).parameters:
            return params
        return {**params, "classes": classes_of(y)}

    def _blocks(self, X: Any, y: Any, block_params: dict, owner: str) -> list:
        """``(x, y, per-block fit params)`` for each row block of ``X``."""
        names = list(block_params)
        pairs = paired_row_blocks(X, y, *block_params.values(), owner=owner)
        return [(x, yb, dict(zip(names, rest, strict=True))) for x, yb, *rest in pairs]

    def _split_validation(
        self, n: int, rng: np.random.RandomState
    ) -> tuple[np.ndarray, list[int]]:
        if not self.early_stopping:
            return np.arange(n), []
        n_val = max(1, round(self.validation_fraction * n))
        if n - n_val < 1:
            raise ValueError(
                f"{type(self).__name__}: early_stopping holds out whole blocks, and "
                f"X has only {n} block(s). Pass X with more blocks (rechunk it) or "
                "set early_stopping=False."
            )
        perm = rng.permutation(n)
        return np.sort(perm[n_val:]), sorted(int(i) for i in perm[:n_val])

    def _stages(
        self, model: Any, params: dict, started: bool, epochs: int | None
    ) -> list[tuple[str, int, _Plan]]:
        """The passes to run: (stage name, number of epochs, plan)."""
        n_final = epochs if epochs is not None else self.max_epochs
        if not isinstance(model, Pipeline):
            return [("final", n_final, _Plan(pipeline=False))]
        roles = self._step_roles(model)
        last = len(model.steps) - 1
        step_params = _route_params(model, params)
        learners = frozenset(i for i, r in enumerate(roles[:-1]) if r == "learns")
        if self.pipeline_fit == INTERLEAVED or started:
            update = frozenset() if started else learners
            first = _Plan(True, update, last, True, step_params)
            frozen = _Plan(True, frozenset(), last, True, step_params)
            if n_final == 1 or not update:
                return [("final", n_final, first)]
            return [("final", 1, first), ("final", n_final - 1, frozen)]
        stages = [
            (model.steps[i][0], 1, _Plan(True, frozenset({i}), i, False, step_params))
            for i in sorted(learners)
        ]
        return [
            *stages,
            ("final", n_final, _Plan(True, frozenset(), last, True, step_params)),
        ]

    def _block_scorer(self, model: Any) -> Any:
        try:
            return resolve_scorer(model, self.scoring, for_dask=False)
        except (TypeError, ValueError):  # nothing to score with: no score method
            return None

    def _run_epoch(
        self,
        executor: Any,
        state: _ChainState,
        blocks: list,
        order: np.ndarray,
        plan: _Plan,
        scorer: Any,
        const_params: dict,
        bar: Any,
    ) -> _ChainState:
        """One pass: partial_fit block by block, reading ahead a bounded number."""
        read_ahead = get_config()["read_ahead"]
        pending: deque = deque()
        next_pos = 0

        def read_next() -> None:
            nonlocal next_pos
            pending.append(executor.compute(blocks[order[next_pos]]))
            next_pos += 1

        current: Any = state
        # Blocks of one size are made and dropped in turn: reuse their memory.
        with reusing_buffers():
            while next_pos < min(read_ahead, len(order)):
                read_next()
            for _ in range(len(order)):
                if not pending:
                    read_next()
                block = pending.popleft()
                if read_ahead and next_pos < len(order):
                    read_next()  # the next block is read while partial_fit runs
                previous = current
                current = executor.submit(
                    _partial_fit_step,
                    previous,
                    block,
                    plan,
                    scorer,
                    const_params,
                    len(blocks) > 1,
                )
                del block
                # Never run ahead of the chain: the previous step's block goes first.
                executor.wait(previous)
                bar.update(1)
        return executor.result(current) if len(order) else state

    def _validation_score(self, model: Any, X: Any, y: Any, val: list[int]) -> float:
        X_val = select_blocks(X, val) if is_dask(X) else X
        y_val = select_blocks(y, val) if is_dask(y) else y
        scorer = resolve_scorer(model, self.scoring, for_dask=is_dask(X_val))
        return float(
            score_collection(post_fit_view(model), model, scorer, X_val, y_val)
        )

    def _record(self, stage: str, tally: _EpochTally, seconds: float) -> dict[str, Any]:
        return {
            "epoch": len(self.history_) + 1,
            "stage": stage,
            "n_samples": tally.n_samples,
            "n_blocks": tally.n_blocks,
            "seconds": seconds,
            "rows_per_second": tally.n_samples / seconds
            if seconds > 0
            else float("inf"),
            "train_score": tally.score,
        }


def _own_shuffle(model: Any) -> dict[str, bool]:
    """The ``shuffle`` parameters of ``model`` (and its steps) that are on."""
    return {
        key: True
        for key, value in model.get_params(deep=True).items()
        if key.rpartition("__")[2] == "shuffle" and value is True
    }


def _route_params(pipe: Pipeline, params: dict) -> dict[int, dict[str, Any]]:
    """``step__param`` goes to that step, a bare name (``classes``) to the last."""
    index = {name: i for i, (name, _) in enumerate(pipe.steps)}
    routed: dict[int, dict[str, Any]] = {}
    for key, value in params.items():
        name, sep, param = key.partition("__")
        if sep and name in index:
            routed.setdefault(index[name], {})[param] = value
        else:
            routed.setdefault(len(pipe.steps) - 1, {})[key] = value
    return routed


def _describe(record: dict[str, Any]) -> str:
    parts = [f"epoch {record['epoch']}"]
    for key in ("train_score", "validation_score"):
        if record.get(key) is not None:
            parts.append(f"{key.split('_')[0]} {record[key]:.4f}")
    return ", ".join(parts)
