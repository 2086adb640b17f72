"""KMeans on dask collections: k-means||, k-means++ or given centers, then Lloyd."""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.cluster import KMeans as SkKMeans
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from scalearn.cluster import _blocks, _init
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
    map_rows,
    paired_row_blocks,
    stand_in,
)
from scalearn.utils._executor import one_blas_thread
from scalearn.utils._progress import compute
from scalearn.utils._sklearn_compat import set_transform_output, transform_output
from scalearn.utils._validation import check_fitted_features, check_param, numeric_array

INITS = ("k-means||", "k-means++", "random")
ALGORITHMS = ("lloyd", "elkan", "full")
# Rows per block when k-means|| runs on in-memory data (through dask's threads).
IN_MEMORY_BLOCK_ROWS = 100_000


class CentersMixin(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    ClusterMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,
):
    """What a fitted k-means model does with its ``cluster_centers_``.

    ``predict``, ``transform`` and ``set_output``, lazy and blockwise on dask
    input, and ``score`` (the opposite of the inertia, one pass over dask data).
    Shared by :class:`KMeans` and :class:`MiniBatchKMeans`.
    """

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Fit, then return ``labels_`` (lazy for dask input)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """Fit, then return the distances to the centers (lazy for dask input)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def predict(self, X: Any, sample_weight: Any = None) -> Any:
        """Index of the nearest center of each row; lazy for dask input."""
        return self._map(X, "predict", _blocks.predict_block)

    def transform(self, X: Any) -> Any:
        """Distances to the centers; lazy for dask input (a dask DataFrame for a
        dask DataFrame, with columns ``kmeans0``, ``kmeans1``, ...)."""
        out = self._map(X, "transform", _blocks.transform_block)
        if is_dask(X) or transform_output(self) != "pandas":
            return out
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(out, index=index, columns=self.get_feature_names_out())

    def set_output(self, *, transform: str | None = None) -> Any:
        """Choose what ``transform`` returns for in-memory input: "default" or
        "pandas"; dask input keeps its own container."""
        accepted = (None, "default", "pandas")
        check_param(
            type(self).__name__,
            "transform",
            transform,
            transform in accepted,
            f"one of {list(accepted)}",
        )
        set_transform_output(self, transform)
        return self

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Opposite of the inertia of ``X`` (computed now for dask input)."""
        check_is_fitted(self)
        if not is_dask(X):
            x = self._in_memory(X)
            return -_blocks.inertia_block(x, sample_weight, self.cluster_centers_)
        owner = f"{type(self).__name__}.score"
        check_fitted_features(owner, self, X)
        values = numeric_array(X, owner)
        weights = None
        if sample_weight is not None:
            weights = align_y(values, sample_weight, owner=owner)
        blocks = paired_row_blocks(values, weights, owner=owner)
        return -sum_over_blocks(blocks, _blocks.inertia_block, self.cluster_centers_)

    def _in_memory(self, X: Any) -> np.ndarray:
        return validate_data(
            self, X, reset=False, dtype=[np.float64, np.float32], order="C"
        )

    def _map(self, X: Any, method: str, kernel: Any) -> Any:
        check_is_fitted(self)
        centers = self.cluster_centers_
        if not is_dask(X):
            return kernel(self._in_memory(X), centers)
        owner = f"{type(self).__name__}.{method}"
        check_fitted_features(owner, self, X)
        numeric_array(X, owner)
        meta = kernel(stand_in(X), centers)
        if is_dask_frame(X) and meta.ndim == 2:
            meta = pd.DataFrame(meta, columns=self.get_feature_names_out())
        return map_rows(X, kernel, centers, meta=meta)


class KMeans(CentersMixin):
    """K-Means clustering, on numpy, pandas, dask arrays and dask DataFrames.

    dask-ml's ``KMeans`` (same parameters, scalable k-means|| initialisation by
    default) with scikit-learn's semantics: ``inertia_`` is the (weighted) sum
    of squared distances of the rows to their centers, ``tol`` is relative to
    the mean variance of the features, ``init`` also takes "k-means++",
    "random" or an array of centers, and ``fit_predict``, ``score`` and
    ``sample_weight`` work as in scikit-learn.

    On dask input each Lloyd iteration is one pass over the data (one
    ``dask.compute`` gathering the cluster sums and counts of every block), the
    whole k-means|| or k-means++ initialisation is a single dask graph, and
    ``predict``, ``transform`` and ``labels_`` are lazy, blockwise, with the
    input's row chunks. Persist X first (``X = X.persist()``) when it fits in
    (distributed) memory: each iteration reads it again. Numpy and pandas input
    are clustered by scikit-learn's own Lloyd (after this initialisation when
    it is "k-means||").

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters.
    init : {"k-means||", "k-means++", "random"} or array of shape \
(n_clusters, n_features), default="k-means||"
        How to choose the initial centers.
    oversampling_factor : float, default=2
        k-means|| draws about ``oversampling_factor * n_clusters`` candidate
        rows per round.
    max_iter : int, default=300
        The most Lloyd iterations (passes over the data) per run.
    tol : float, default=1e-4
        Stop when the squared shift of the centers, summed, is at most ``tol``
        times the mean variance of the features (scikit-learn's rule).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation.
    copy_x : bool, default=True
        Passed to scikit-learn for in-memory input; dask input is never modified.
    algorithm : {"lloyd", "elkan", "full"}, default="lloyd"
        scikit-learn's algorithm for in-memory input ("full", dask-ml's name,
        means "lloyd"); dask input always uses Lloyd's.
    init_max_iter : int or None, default=None
        Rounds of k-means||; None means 5, which Bahmani et al. found enough.
    n_init : "auto" or int, default="auto"
        Runs from different initialisations, of which the one with the lowest
        inertia is kept; "auto" means 10 for "random" and 1 otherwise.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray, or a lazy dask array / Series for dask input
    inertia_ : float
        Sum of squared distances of the rows to their nearest center.
    n_iter_ : int
        Lloyd iterations of the kept run.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has column names

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.cluster import KMeans
    >>> X = da.from_array(np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0],
    ...                             [9.0, 10.0]]), chunks=2)
    >>> model = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(model.cluster_centers_.tolist())
    [[0.0, 0.5], [9.0, 9.5]]
    >>> float(model.inertia_)
    1.0
    >>> model.predict(X).chunks
    ((2, 2),)
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: Any = "k-means||",
        oversampling_factor: float = 2,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Any = None,
        copy_x: bool = True,
        algorithm: str = "lloyd",
        init_max_iter: int | None = None,
        n_init: str | int = "auto",
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.oversampling_factor = oversampling_factor
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.copy_x = copy_x
        self.algorithm = algorithm
        self.init_max_iter = init_max_iter
        self.n_init = n_init

    # --- fit ------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> KMeans:
        """Compute the clusters: one pass over dask data per Lloyd iteration."""
        self._check_params()
        with one_blas_thread():
            if not is_dask(X):
                return self._fit_in_memory(X, sample_weight)
            return self._fit_dask(X, sample_weight)

    def _fit_dask(self, X: Any, sample_weight: Any) -> KMeans:
        owner = f"{type(self).__name__}.fit"
        values = numeric_array(X, owner)
        dtype = values.dtype if values.dtype in (np.float32, np.float64) else np.float64
        n_rows = values.shape[0]
        if not np.isnan(n_rows) and n_rows < self.n_clusters:
            raise too_few_rows(n_rows, self.n_clusters)
        weights = None
        if sample_weight is not None:
            weights = align_y(values, sample_weight, owner=owner)
        blocks = paired_row_blocks(values, weights, owner=owner)
        rng = check_random_state(self.random_state)
        best = None
        for _ in range(self._n_runs()):
            start = self._initial_centers(blocks, values.shape[1], rng, dtype)
            centers, n_iter, inertia = lloyd(blocks, start, self.max_iter, self.tol)
            if best is None or inertia < best[0]:
                best = (inertia, centers, n_iter)
        self.inertia_, self.cluster_centers_, self.n_iter_ = best
        self.n_features_in_ = values.shape[1]
        if is_dask_frame(X):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        else:
            self.__dict__.pop("feature_names_in_", None)
        self._n_features_out = self.n_clusters
        self.labels_ = self.predict(X)
        return self

    def _check_params(self) -> None:
        name = type(self).__name__
        check_ints(
            self,
            {"n_clusters": 1, "max_iter": 1, "init_max_iter": 1},
            ("init_max_iter",),
        )
        text_init = isinstance(self.init, str)
        check_param(
            name,
            "init",
            self.init,
            self.init in INITS if text_init else hasattr(self.init, "__len__"),
            f"one of {list(INITS)} or an array of shape (n_clusters, n_features)",
        )
        check_non_negative(self, ("tol", "oversampling_factor"))
        check_param(
            name,
            "algorithm",
            self.algorithm,
            self.algorithm in ALGORITHMS,
            f"one of {list(ALGORITHMS)}",
        )
        check_n_init(self)

    def _n_runs(self) -> int:
        if not isinstance(self.init, str):
            return 1
        if self.n_init == "auto":
            return 10 if self.init == "random" else 1
        return int(self.n_init)

    def _initial_centers(
        self, blocks: list, n_features: int, rng: Any, dtype: Any
    ) -> np.ndarray:
        """The initial centers, in one ``dask.compute`` (none for given centers)."""
        if not isinstance(self.init, str):
            owner = f"{type(self).__name__}.fit"
            return given_centers(self.init, self.n_clusters, n_features, dtype, owner)
        if self.init == "random":
            graph = _init.random_rows(blocks, self.n_clusters, rng, dtype)
        elif self.init == "k-means++":
            graph = _init.plus_plus_init(blocks, self.n_clusters, rng, dtype)
        else:
            rounds = self.init_max_iter or _init.DEFAULT_SCALABLE_ROUNDS
            graph = _init.scalable_init(
                blocks, self.n_clusters, self.oversampling_factor, rounds, rng, dtype
            )
        (centers,) = compute(graph, desc=f"{type(self).__name__}: init={self.init}")
        if len(centers) < self.n_clusters:
            raise too_few_rows(len(centers), self.n_clusters)
        return centers.astype(dtype, copy=False)

    def _fit_in_memory(self, X: Any, sample_weight: Any) -> KMeans:
        """scikit-learn's KMeans, started from k-means|| when that is the init."""
        init, n_init = self.init, self.n_init
        if isinstance(init, str) and init == "k-means||":
            values = check_array(X, dtype=[np.float64, np.float32])
            if len(values) < self.n_clusters:
                raise too_few_rows(len(values), self.n_clusters)
            blocks = in_memory_blocks(values, sample_weight, "KMeans.fit")
            rng = check_random_state(self.random_state)
            init = self._initial_centers(blocks, values.shape[1], rng, values.dtype)
            n_init = 1
        model = SkKMeans(
            self.n_clusters,
            init=init,
            n_init=n_init,
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.random_state,
            copy_x=self.copy_x,
            algorithm="lloyd" if self.algorithm == "full" else self.algorithm,
        ).fit(X, sample_weight=sample_weight)
        for name in (
            "cluster_centers_",
            "labels_",
            "inertia_",
            "n_iter_",
            "n_features_in_",
            "_n_features_out",
        ):
            setattr(self, name, getattr(model, name))
        if hasattr(model, "feature_names_in_"):
            self.feature_names_in_ = model.feature_names_in_
        else:
            self.__dict__.pop("feature_names_in_", None)
        return self


# --- Lloyd's iterations on dask blocks ----------------------------------------------


def lloyd(
    blocks: list, centers: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, int, float]:
    """Lloyd's iterations from ``centers``: one ``dask.compute`` per iteration.

    Stops, as scikit-learn does, once the centers move (sum of squared shifts)
    by at most ``tol`` times the mean variance of the features, which the first
    pass measures along the way. A cluster left empty takes the row farthest
    from its center. Returns the centers, the number of iterations and the
    inertia: that of the last pass when it left the centers exactly where they
    were, else measured in one more pass.
    """
    step = dask.delayed(_blocks.lloyd_block, pure=True)
    tolerance = None
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        parts = dask.compute(
            *[step(x, w, centers, tolerance is None) for x, w in blocks]
        )
        if tolerance is None:
            variances = _blocks.merge_moments([p["moments"] for p in parts])
            tolerance = float(np.mean(variances)) * tol
        new = _next_centers(parts, centers)
        shift = float(((new - centers) ** 2).sum())
        centers = new
        if shift <= tolerance:
            break
    if shift == 0:
        inertia = float(sum(p["inertia"] for p in parts))
    else:
        inertia = sum_over_blocks(blocks, _blocks.inertia_block, centers)
    return centers, n_iter, inertia


def _next_centers(parts: list[dict], centers: np.ndarray) -> np.ndarray:
    sums = np.sum([p["sums"] for p in parts], axis=0)
    counts = np.sum([p["counts"] for p in parts], axis=0)
    new = centers.astype(np.float64, copy=True)
    filled = counts > 0
    new[filled] = sums[filled] / counts[filled, None]
    empty = np.flatnonzero(~filled)
    if len(empty):
        rows = np.concatenate([p["far_rows"] for p in parts])
        distances = np.concatenate([p["far_distances"] for p in parts])
        new[empty] = rows[np.argsort(distances)[::-1][: len(empty)]]
    return new.astype(centers.dtype, copy=False)


def sum_over_blocks(blocks: list, kernel: Any, centers: np.ndarray) -> float:
    """The sum of ``kernel(rows, weights, centers)`` over the blocks: one compute."""
    task = dask.delayed(kernel, pure=True)
    return float(sum(dask.compute(*[task(x, w, centers) for x, w in blocks])))


def too_few_rows(n_rows: int, n_clusters: int, owner: str = "KMeans.fit") -> ValueError:
    return ValueError(
        f"{owner}: n_samples={int(n_rows)} should be >= n_clusters={n_clusters}. "
        "Fit on more rows or ask for fewer clusters."
    )


def in_memory_blocks(values: np.ndarray, sample_weight: Any, owner: str) -> list:
    """In-memory rows (and weights) as the row blocks of a dask array, so that
    the dask initialisations run on dask's threads."""
    chunks = (IN_MEMORY_BLOCK_ROWS, -1)
    rows = da.from_array(values, chunks=chunks, name=False)
    weights = None
    if sample_weight is not None:
        weights = da.from_array(
            np.asarray(sample_weight, dtype=np.float64),
            chunks=IN_MEMORY_BLOCK_ROWS,
            name=False,
        )
    return paired_row_blocks(rows, weights, owner=owner)
