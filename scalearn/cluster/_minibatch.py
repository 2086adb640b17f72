"""MiniBatchKMeans: scikit-learn's ``partial_fit`` streamed over dask blocks."""

from __future__ import annotations

import warnings
from collections import deque
from typing import Any

import numpy as np
from sklearn.cluster import MiniBatchKMeans as SkMiniBatchKMeans
from sklearn.cluster import kmeans_plusplus
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from scalearn._config import get_config
from scalearn.cluster import _blocks, _init
from scalearn.cluster._kmeans import (
    CentersMixin,
    in_memory_blocks,
    sum_over_blocks,
    too_few_rows,
)
from scalearn.cluster._params import (
    check_ints,
    check_n_init,
    check_non_negative,
    given_centers,
)
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_frame,
    paired_row_blocks,
)
from scalearn.utils._executor import get_executor, one_blas_thread
from scalearn.utils._progress import compute
from scalearn.utils._validation import check_fitted_features, check_param, numeric_array

INITS = ("k-means++", "random", "k-means||")
# sklearn's MiniBatchKMeans draws this many runs for init="random" (n_init="auto").
RANDOM_INIT_RUNS = 3
# Rows of each block (evenly spaced) on which its inertia is measured for early
# stopping: enough for a mean, and cheap next to the step on the whole block.
MEASURE_ROWS = 10_000


def _one_thread() -> Any:
    """OpenMP and BLAS on one thread for a step.

    The steps are a chain, one at a time, while other threads read the next
    blocks; threads started for each step's few products cost more than they
    save, and many times more when the cores are busy (measured: 6x slower
    steps of 100,000 rows with two threads on a loaded 2-core machine).
    Workers of a distributed cluster run their tasks on one thread anyway.
    """
    return one_blas_thread(user_api=None)


# --- the per-block step: a pure function, run locally or on a dask worker ----------


def partial_fit_step(
    state: tuple[Any, Any], block: tuple[Any, Any], measure: bool
) -> tuple[Any, tuple[float, float, float] | None]:
    """``partial_fit`` the model on one block; return it with the block's record.

    The record is the block's mean inertia per unit of weight against the
    centers *before* the update (progressive, as scikit-learn measures a
    mini-batch; measured on at most ``MEASURE_ROWS`` evenly spaced rows, and
    only with ``measure``), the standard error of that mean, and the squared
    shift of the centers. An empty block (an empty partition) leaves the
    model alone and has no record.
    """
    model, _ = state
    rows, weights = block
    if len(rows) == 0:
        return model, None
    before = getattr(model, "cluster_centers_", None)
    before = np.array(model.init if before is None else before, copy=True)
    rows = _blocks.as_float(rows, before.dtype)
    with _one_thread():
        mean, error = _mean_inertia(rows, weights, before) if measure else (0, 0)
        model.partial_fit(rows, sample_weight=weights)
    shift = float(((model.cluster_centers_ - before) ** 2).sum())
    return model, (mean, error, shift)


def _mean_inertia(
    rows: np.ndarray, weights: Any, centers: np.ndarray
) -> tuple[float, float]:
    """Weighted mean squared distance of the rows to their nearest center, on
    at most ``MEASURE_ROWS`` of them, and its standard error."""
    step = -(-len(rows) // MEASURE_ROWS)
    w = _blocks.row_weights(weights, len(rows))[::step]
    total = w.sum()
    if total <= 0:
        return 0.0, 0.0
    distances = _blocks.nearest(rows[::step], centers)[1]
    mean = float(distances @ w / total)
    spread = float((distances - mean) ** 2 @ w / total)
    return mean, np.sqrt(spread / len(w))


def stream_blocks(
    model: Any, blocks: list, order: Any, measure: bool, stop: Any = None
) -> Any:
    """Feed ``blocks[order]`` to ``partial_fit_step`` in turn; return the model.

    While a block trains the model, the next ``read_ahead`` blocks (see
    :func:`scalearn.set_config`) are computed: locally in background threads,
    on a distributed Client on the workers, where the steps run too. Only one
    step runs at a time, so memory holds about ``read_ahead + 1`` blocks.
    ``stop(record)``, when given, is asked after each step whether to stop.
    """
    read_ahead = get_config()["read_ahead"]
    executor = get_executor(n_readers=max(1, read_ahead))
    reads: deque = deque()
    queued = iter(order)

    def read_next() -> None:
        index = next(queued, None)
        if index is not None:
            reads.append(executor.compute(blocks[index]))

    state: tuple[Any, Any] = (model, None)
    try:
        for _ in range(max(1, read_ahead)):
            read_next()
        while reads:
            block = reads.popleft()
            if read_ahead:
                read_next()
            step = executor.submit(partial_fit_step, state, block, measure)
            del block
            state = executor.result(step)
            if not read_ahead:
                read_next()
            if stop is not None and state[1] is not None and stop(state[1]):
                break
    finally:
        executor.close()
    return state[0]


class _Convergence:
    """scikit-learn's early stopping of a mini-batch fit, a block being a batch.

    Stops when one block moves the centers by at most ``tolerance`` (sum of
    squared shifts; off when 0), or when the smoothed mean inertia of the
    blocks (each measured before it updates the centers, smoothed
    exponentially with the weight ``2 / (n_blocks + 1)``) has not reached a
    new low for ``max_no_improvement`` blocks in a row (off when None). The
    first block's inertia, that of the initial centers, is left out.

    A new low must beat the last by more than the (smoothed) standard error
    of a block's measure: scikit-learn's random batches make the smoothed
    inertia wander once the centers settle, so that lows stop coming, but
    blocks can be few or alike (a single block is measured alike each
    epoch), and then the centers' ever smaller moves would make a new low of
    every step.
    """

    def __init__(
        self, n_blocks: int, tolerance: float, max_no_improvement: int | None
    ) -> None:
        self.alpha = min(2.0 / (n_blocks + 1), 1.0)
        self.tolerance = tolerance
        self.max_no_improvement = max_no_improvement
        self.n_records = 0
        self.smoothed: float | None = None
        self.error = 0.0
        self.lowest = np.inf
        self.stale = 0
        self.stopped = False

    def __call__(self, record: tuple[float, float, float]) -> bool:
        self.stopped = self._converged(record)
        return self.stopped

    def _converged(self, record: tuple[float, float, float]) -> bool:
        mean, error, shift = record
        self.n_records += 1
        if self.n_records == 1:
            return False
        if self.smoothed is None:
            self.smoothed, self.error = mean, error
        else:
            self.smoothed += self.alpha * (mean - self.smoothed)
            self.error += self.alpha * (error - self.error)
        if self.tolerance > 0 and shift <= self.tolerance:
            return True
        if self.smoothed < self.lowest - self.error:
            self.lowest, self.stale = self.smoothed, 0
        else:
            self.stale += 1
        limit = self.max_no_improvement
        return limit is not None and self.stale >= limit


# --- the estimator ------------------------------------------------------------------


class MiniBatchKMeans(CentersMixin):
    """Mini-batch K-Means, on numpy, pandas, dask arrays and dask DataFrames.

    scikit-learn's ``MiniBatchKMeans`` (same parameters and attributes). Numpy
    and pandas input are clustered by scikit-learn itself. On dask input each
    row block is a mini-batch: ``fit`` draws the initial centers from a sample
    of ``init_size`` rows taken across the blocks (or by k-means|| over all of
    them with ``init="k-means||"``), then feeds the blocks to scikit-learn's
    ``MiniBatchKMeans.partial_fit``, one block in memory at a time (plus the
    ``read_ahead`` blocks computed in the background, see
    :func:`scalearn.set_config`), in a new random order each epoch, for at
    most ``max_iter`` epochs. On a distributed Client the blocks are computed
    on the workers and the model travels to them. ``predict``, ``transform``
    and ``labels_`` are lazy and blockwise, with the input's row chunks.

    Early stopping follows scikit-learn's rules with a block as the
    mini-batch: ``tol`` on the shift of the centers by one block, relative to
    the mean variance of the features (estimated on the init sample), and
    ``max_no_improvement`` on the smoothed inertia of the blocks, each
    measured before it updates the centers. Measuring costs one more
    distance computation per block; with ``max_no_improvement=None`` it is
    skipped.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters.
    init : {"k-means++", "random", "k-means||"}, callable or array of shape \
(n_clusters, n_features), default="k-means++"
        How to choose the initial centers: scikit-learn's choices, made on the
        init sample for dask input, or scalearn's k-means|| over all the rows.
    max_iter : int, default=100
        The most epochs (passes over the data).
    batch_size : int, default=1024
        Rows per mini-batch for numpy and pandas input; on dask input the
        blocks are the mini-batches (rechunk X to change their size) and this
        only sets the default ``init_size``.
    verbose : int, default=0
        Print the progress of the epochs.
    compute_labels : bool, default=True
        Set ``labels_`` and ``inertia_`` over the whole of X after fitting
        (lazy labels and one more pass for dask input).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the block order and the random reassignments.
    tol : float, default=0.0
        Stop when one mini-batch moves the centers (sum of squared shifts) by
        at most ``tol`` times the mean variance of the features; 0 disables it.
    max_no_improvement : int or None, default=10
        Stop after this many mini-batches in a row without a new low of the
        smoothed inertia; None disables it.
    init_size : int or None, default=None
        Rows drawn to choose the initial centers; None means
        ``3 * batch_size`` (at least ``3 * n_clusters``).
    n_init : "auto" or int, default="auto"
        Initialisations tried on the init sample, of which the one with the
        lowest inertia on it is kept; "auto" means 3 for "random" and callables,
        1 otherwise.
    reassignment_ratio : float, default=0.01
        Centers whose count is below this share of the largest count are moved
        to random rows of the mini-batch (scikit-learn's rule).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray, or a lazy dask array (dask Series for a dask DataFrame)
        Only with ``compute_labels``.
    inertia_ : float
        Sum of squared distances of the rows to their nearest center, with
        ``compute_labels``.
    n_iter_ : int
        Epochs started by ``fit``.
    n_steps_ : int
        Mini-batches (blocks) processed.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has column names

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.cluster import MiniBatchKMeans
    >>> rows = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 10.0]] * 50)
    >>> X = da.from_array(rows, chunks=40)
    >>> model = MiniBatchKMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(np.round(model.cluster_centers_, 1).tolist())
    [[0.0, 0.5], [9.0, 9.5]]
    >>> float(model.inertia_)
    50.0
    >>> model.labels_.chunks
    ((40, 40, 40, 40, 40),)
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: Any = "k-means++",
        max_iter: int = 100,
        batch_size: int = 1024,
        verbose: int = 0,
        compute_labels: bool = True,
        random_state: Any = None,
        tol: float = 0.0,
        max_no_improvement: int | None = 10,
        init_size: int | None = None,
        n_init: str | int = "auto",
        reassignment_ratio: float = 0.01,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.verbose = verbose
        self.compute_labels = compute_labels
        self.random_state = random_state
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio

    # --- public methods --------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> MiniBatchKMeans:
        """Cluster X: scikit-learn's fit in memory, epochs over the blocks on dask."""
        self._check_params()
        rng = check_random_state(self.random_state)
        if not is_dask(X):
            x = self._validated(X, reset=True)
            init, n_init = self._in_memory_init(x, sample_weight, rng)
            model = self._sklearn_model(init, n_init, self.random_state)
            model.set_params(
                max_iter=self.max_iter,
                tol=self.tol,
                max_no_improvement=self.max_no_improvement,
                init_size=self.init_size,
                compute_labels=self.compute_labels,
            )
            model.fit(x, sample_weight=sample_weight)
            self._adopt(model, labels_from=model)
            self.n_iter_ = model.n_iter_
            return self
        owner = f"{type(self).__name__}.fit"
        values, blocks = self._blocks(X, sample_weight, owner)
        centers, variance = self._dask_init(values, blocks, rng)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        model = self._sklearn_model(centers, 1, seed)
        measure = self.max_no_improvement is not None or bool(self.verbose)
        convergence = _Convergence(
            len(blocks), self.tol * variance, self.max_no_improvement
        )
        self.n_iter_ = 0
        for epoch in range(self.max_iter):
            self.n_iter_ = epoch + 1
            order = rng.permutation(len(blocks))
            model = stream_blocks(model, blocks, order, measure, convergence)
            if self.verbose:
                print(
                    f"{type(self).__name__}: epoch {epoch + 1}, {model.n_steps_} "
                    "steps, smoothed mean inertia of the blocks before their "
                    f"update {convergence.smoothed}"
                )
            if convergence.stopped:
                break
        self._finish_dask(X, values, blocks, model)
        return self

    def partial_fit(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> MiniBatchKMeans:
        """Update the centers with X: one mini-batch, or each block of dask X in
        order (the first call also draws the initial centers from X)."""
        self._check_params()
        started = hasattr(self, "_stepper")
        rng = check_random_state(self.random_state)
        if not is_dask(X):
            x = self._validated(X, reset=not started)
            if started:
                model = self._stepper
            else:
                init, n_init = self._in_memory_init(x, sample_weight, rng)
                model = self._sklearn_model(init, n_init, self.random_state)
                model.set_params(init_size=self.init_size)
            model.set_params(compute_labels=self.compute_labels)
            model.partial_fit(x, sample_weight=sample_weight)
            self._adopt(model, labels_from=model)
            return self
        owner = f"{type(self).__name__}.partial_fit"
        if started:
            check_fitted_features(owner, self, X)
        values, blocks = self._blocks(X, sample_weight, owner)
        if started:
            model = self._stepper.set_params(compute_labels=False)
        else:
            centers, _ = self._dask_init(values, blocks, rng)
            seed = int(rng.randint(np.iinfo(np.int32).max))
            model = self._sklearn_model(centers, 1, seed)
        model = stream_blocks(model, blocks, range(len(blocks)), measure=False)
        self._finish_dask(X, values, blocks, model, reset=not started)
        return self

    # --- validation ----------------------------------------------------------------

    def _check_params(self) -> None:
        lows = {"n_clusters": 1, "max_iter": 1, "batch_size": 1, "init_size": 1}
        check_ints(
            self, {**lows, "max_no_improvement": 0}, ("init_size", "max_no_improvement")
        )
        init = self.init
        check_param(
            type(self).__name__,
            "init",
            init,
            init in INITS
            if isinstance(init, str)
            else callable(init) or hasattr(init, "__len__"),
            f"one of {list(INITS)}, a callable or an array of shape "
            "(n_clusters, n_features)",
        )
        check_non_negative(self, ("tol", "reassignment_ratio"))
        check_n_init(self)

    def _validated(self, X: Any, reset: bool) -> np.ndarray:
        return validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], order="C"
        )

    def _blocks(self, X: Any, sample_weight: Any, owner: str) -> tuple[Any, list]:
        values = numeric_array(X, owner)
        weights = None
        if sample_weight is not None:
            weights = align_y(values, sample_weight, owner=owner)
        return values, paired_row_blocks(values, weights, owner=owner)

    # --- initial centers -----------------------------------------------------------

    def _sklearn_model(self, init: Any, n_init: Any, seed: Any) -> SkMiniBatchKMeans:
        """The scikit-learn model that takes the steps (no early stopping of its
        own: partial_fit has none, and fit gets this estimator's rules)."""
        return SkMiniBatchKMeans(
            self.n_clusters,
            init=init,
            n_init=n_init,
            batch_size=self.batch_size,
            verbose=self.verbose,
            compute_labels=False,
            random_state=seed,
            reassignment_ratio=self.reassignment_ratio,
        )

    def _in_memory_init(self, x: np.ndarray, sample_weight: Any, rng: Any) -> tuple:
        """scikit-learn's init, or k-means|| centers computed on dask's threads."""
        if not (isinstance(self.init, str) and self.init == "k-means||"):
            return self.init, self.n_init
        if len(x) < self.n_clusters:
            raise too_few_rows(len(x), self.n_clusters, f"{type(self).__name__}.fit")
        blocks = in_memory_blocks(x, sample_weight, f"{type(self).__name__}.fit")
        return self._scalable_centers(blocks, rng, x.dtype), 1

    def _scalable_centers(self, blocks: list, rng: Any, dtype: Any) -> np.ndarray:
        graph = _init.scalable_init(
            blocks, self.n_clusters, 2, _init.DEFAULT_SCALABLE_ROUNDS, rng, dtype
        )
        with one_blas_thread():
            (centers,) = compute(graph, desc=f"{type(self).__name__}: k-means||")
        if len(centers) < self.n_clusters:
            raise too_few_rows(len(centers), self.n_clusters, type(self).__name__)
        return centers.astype(dtype, copy=False)

    def _init_rows(self, n_rows: float) -> int:
        """scikit-learn's init_size: ``3 * batch_size`` by default, at least
        ``3 * n_clusters``, at most the number of rows."""
        size = self.init_size
        if size is None:
            size = max(3 * self.batch_size, 3 * self.n_clusters)
        elif size < self.n_clusters:
            warnings.warn(
                f"init_size={size} should be larger than n_clusters="
                f"{self.n_clusters}. Setting it to min(3*n_clusters, n_samples)",
                RuntimeWarning,
                stacklevel=3,
            )
            size = 3 * self.n_clusters
        return int(size if np.isnan(n_rows) else min(size, n_rows))

    def _dask_init(self, values: Any, blocks: list, rng: Any) -> tuple:
        """The initial centers, and the mean variance of the features (from the
        init sample, drawn only when needed: for the init or for ``tol``)."""
        owner = f"{type(self).__name__}.fit"
        n_rows = values.shape[0]
        dtype = values.dtype if values.dtype in (np.float32, np.float64) else np.float64
        if not np.isnan(n_rows) and n_rows < self.n_clusters:
            raise too_few_rows(n_rows, self.n_clusters, owner)
        centers = None
        if isinstance(self.init, str) and self.init == "k-means||":
            centers = self._scalable_centers(blocks, rng, dtype)
        elif not isinstance(self.init, str) and not callable(self.init):
            n_features = values.shape[1]
            centers = given_centers(
                self.init, self.n_clusters, n_features, dtype, owner
            )
        if centers is not None and self.tol == 0:
            return centers, 0.0
        graph = _init.random_rows(blocks, self._init_rows(n_rows), rng, dtype)
        (sample,) = compute(graph, desc=f"{type(self).__name__}: init sample")
        variance = float(np.mean(np.var(sample, axis=0))) if len(sample) else 0.0
        if centers is not None:
            return centers, variance
        if len(sample) < self.n_clusters:
            raise too_few_rows(len(sample), self.n_clusters, owner)
        return self._best_start(sample, rng).astype(dtype, copy=False), variance

    def _best_start(self, sample: np.ndarray, rng: Any) -> np.ndarray:
        """Of ``n_init`` initialisations on the sample, the one with the lowest
        inertia on it."""
        runs = self.n_init
        if runs == "auto":
            runs = 1 if self.init == "k-means++" else RANDOM_INIT_RUNS
        best, best_inertia = None, np.inf
        for _ in range(int(runs)):
            seed = int(rng.randint(np.iinfo(np.int32).max))
            if self.init == "k-means++":
                centers, _ = kmeans_plusplus(sample, self.n_clusters, random_state=seed)
            elif self.init == "random":
                picks = np.random.RandomState(seed).choice(
                    len(sample), self.n_clusters, replace=False
                )
                centers = sample[picks]
            else:
                state = np.random.RandomState(seed)
                centers = np.asarray(self.init(sample, self.n_clusters, state))
            inertia = float(_blocks.nearest(sample, centers)[1].sum())
            if inertia < best_inertia:
                best, best_inertia = centers, inertia
        return best

    # --- fitted state ----------------------------------------------------------------

    def _adopt(self, model: SkMiniBatchKMeans, labels_from: Any = None) -> None:
        """Take the centers (a copy: the model updates its own in place)."""
        self._stepper = model
        self.cluster_centers_ = np.array(model.cluster_centers_, copy=True)
        self.n_steps_ = model.n_steps_
        self._n_features_out = self.n_clusters
        if labels_from is not None and self.compute_labels:
            self.labels_ = labels_from.labels_
            self.inertia_ = float(labels_from.inertia_)

    def _finish_dask(
        self, X: Any, values: Any, blocks: list, model: Any, reset: bool = True
    ) -> None:
        """Fitted attributes after the epochs: lazy labels, inertia in one pass."""
        if not hasattr(model, "cluster_centers_"):
            raise ValueError(
                f"{type(self).__name__}: every block of X is empty. Fit on a "
                "collection with rows."
            )
        self._adopt(model)
        if reset:
            self.n_features_in_ = values.shape[1]
            if is_dask_frame(X):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            else:
                self.__dict__.pop("feature_names_in_", None)
        if self.compute_labels:
            self.labels_ = self.predict(X)
            with one_blas_thread():
                self.inertia_ = sum_over_blocks(
                    blocks, _blocks.inertia_block, self.cluster_centers_
                )
        else:
            self.__dict__.pop("labels_", None)
            self.__dict__.pop("inertia_", None)
