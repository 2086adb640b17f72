"""SpectralClustering on dask collections through the Nystrom approximation."""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.metrics.pairwise import kernel_metrics, pairwise_kernels
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from scalearn.cluster import _blocks, _init
from scalearn.cluster._kmeans import IN_MEMORY_BLOCK_ROWS, KMeans, too_few_rows
from scalearn.cluster._params import check_ints, check_n_init, check_non_negative
from scalearn.utils._containers import (
    has_known_rows,
    is_dask,
    is_dask_frame,
    map_rows,
    to_row_blocks,
)
from scalearn.utils._executor import one_blas_thread
from scalearn.utils._progress import compute
from scalearn.utils._validation import check_param, numeric_array, param_error

OWNER = "SpectralClustering"
EIGEN_SOLVERS = (None, "arpack", "lobpcg", "amg")
# Eigenvalues of the landmarks' affinity matrix below this share of the largest
# are dropped from its (pseudo-)inverse: they carry rounding noise, which the
# inverse square root would amplify into the embedding.
RELATIVE_CUTOFF = 1e-10
REJECTED_AFFINITIES = {
    "precomputed": (
        "A precomputed (n_samples, n_samples) matrix is what the Nystrom "
        "approximation never forms: pass the rows of X with the kernel that made "
        "the matrix, or use scikit-learn's SpectralClustering on the matrix."
    ),
    "precomputed_nearest_neighbors": (
        "A precomputed neighbour graph is not supported: pass the rows of X with "
        "affinity='rbf', or use scikit-learn's SpectralClustering on the graph."
    ),
    "nearest_neighbors": (
        "A nearest-neighbour graph needs each row's neighbours among all rows, "
        "which the Nystrom approximation does not compute: use affinity='rbf' "
        "with a gamma suited to the scale of X, or scikit-learn's "
        "SpectralClustering."
    ),
}


# --- per-block kernels: pure numpy functions of one row block -----------------------


def affinity_block(block: Any, landmarks: np.ndarray, kernel: tuple) -> np.ndarray:
    """Affinities between each row of the block and each landmark, (n, m) float64."""
    affinity, params = kernel
    x = _blocks.as_float(block, landmarks.dtype)
    if callable(affinity):
        out = affinity(x, landmarks, **params)
    else:
        out = pairwise_kernels(
            x, landmarks, metric=affinity, filter_params=True, **params
        )
    return np.asarray(out, dtype=np.float64)


def affinity_sums(block: Any, landmarks: np.ndarray, kernel: tuple) -> np.ndarray:
    """Sum over the block's rows of their affinities to each landmark, (m,)."""
    return affinity_block(block, landmarks, kernel).sum(axis=0)


def normalized_affinities(
    block: Any, landmarks: np.ndarray, kernel: tuple, degree_weights: np.ndarray
) -> np.ndarray:
    """Each row's affinities divided by the square root of its degree.

    The degree of a row (the sum of its approximated affinities to all rows)
    is ``c @ degree_weights``, ``c`` being its affinities to the landmarks.
    """
    c = affinity_block(block, landmarks, kernel)
    degrees = c @ degree_weights
    if len(degrees) and not degrees.min() > 0:
        raise ValueError(
            f"{OWNER}.fit: with affinity={kernel[0]!r} some rows have a degree "
            f"(sum of affinities) of {degrees.min():.3g} <= 0, so the normalized "
            "Laplacian is undefined. Use a kernel whose affinities are "
            "non-negative, such as 'rbf', or a smaller gamma so that every row "
            "has some affinity to the landmarks."
        )
    return c / np.sqrt(degrees)[:, None]


def normalized_gram(
    block: Any, landmarks: np.ndarray, kernel: tuple, degree_weights: np.ndarray
) -> np.ndarray:
    """The block's share of ``C^T D^-1 C``, (m, m)."""
    scaled = normalized_affinities(block, landmarks, kernel, degree_weights)
    return scaled.T @ scaled


def embed_block(
    block: Any,
    landmarks: np.ndarray,
    kernel: tuple,
    degree_weights: np.ndarray,
    projection: np.ndarray,
) -> np.ndarray:
    """The rows' spectral coordinates, scaled to unit length, (n, n_clusters)."""
    scaled = normalized_affinities(block, landmarks, kernel, degree_weights)
    coordinates = scaled @ projection
    norms = np.linalg.norm(coordinates, axis=1, keepdims=True)
    return coordinates / np.where(norms > 0, norms, 1.0)


# --- the small dense algebra between the passes -------------------------------------


def inverse_roots(affinities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-inverse and inverse square root of the landmarks' affinity matrix.

    Negative and tiny eigenvalues (a kernel that is not positive definite,
    repeated landmarks) are dropped.
    """
    values, vectors = np.linalg.eigh((affinities + affinities.T) / 2)
    keep = values > RELATIVE_CUTOFF * max(values.max(), 0.0)
    values, vectors = values[keep], vectors[:, keep]
    return (vectors / values) @ vectors.T, (vectors / np.sqrt(values)) @ vectors.T


def top_eigenpairs(
    gram: np.ndarray, inverse_root: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` leading eigenvalues of the normalized affinity, and the map
    from a row's normalized affinities to its ``k`` spectral coordinates.

    With ``S = D^-1/2 C`` (rows' normalized affinities to the landmarks) the
    normalized affinity matrix is approximated by ``S A^+ S^T``. Its leading
    eigenvectors are ``S A^-1/2 U Λ^-1/2`` where ``U Λ U^T`` is the
    eigendecomposition of ``A^-1/2 S^T S A^-1/2``, which makes them orthonormal
    (Fowlkes et al., 2004, section 4.2, the one-shot method).
    """
    inner = inverse_root @ gram @ inverse_root
    values, vectors = np.linalg.eigh((inner + inner.T) / 2)
    order = np.argsort(values)[::-1][:k]
    values, vectors = values[order], vectors[:, order]
    floor = np.finfo(np.float64).eps * max(values[0], 1.0)
    projection = inverse_root @ vectors / np.sqrt(np.maximum(values, floor))
    return values, projection


# --- the estimator ------------------------------------------------------------------


class SpectralClustering(ClusterMixin, BaseEstimator):
    """Spectral clustering of large data through the Nystrom approximation.

    dask-ml's ``SpectralClustering`` (same parameters): the affinity matrix
    of all rows is never formed. ``n_components`` rows drawn at random across
    the blocks serve as landmarks; the affinities of every row to them,
    computed block by block, approximate the full matrix (Fowlkes, Belongie,
    Chung and Malik, *Spectral Grouping Using the Nystrom Method*, 2004). Two
    passes over the data (one ``dask.compute`` each) give the rows' degrees
    and the normalized Laplacian's leading eigenvectors, orthogonalized as in
    the paper's one-shot method; each row's spectral coordinates, scaled to
    unit length, are then clustered by :class:`KMeans` (k-means||, one pass
    per Lloyd iteration). The embedding is lazy: each pass of k-means
    recomputes it from X unless ``persist_embedding``.

    With at most ``n_components`` rows, every row is a landmark and the
    result is exact spectral clustering (unlike dask-ml, which raises).
    Numpy and pandas input go through the same steps on dask's threads.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters, and of eigenvectors kept.
    eigen_solver : {None, "arpack", "lobpcg", "amg"}, default=None
        Ignored (accepted for compatibility): the eigenproblems are
        ``n_components`` x ``n_components`` and solved densely.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of landmarks and the k-means.
    n_init : "auto" or int, default="auto"
        Passed to the k-means of ``assign_labels="kmeans"``.
    gamma : float, default=1.0
        Kernel coefficient of the rbf, polynomial, sigmoid, laplacian and chi2
        kernels.
    affinity : str or callable, default="rbf"
        A kernel name of :func:`sklearn.metrics.pairwise.kernel_metrics`, or a
        callable ``affinity(X, Y, **kernel_params)`` returning the
        ``(len(X), len(Y))`` affinities (dask-ml also passes gamma, degree and
        coef0 to a callable; put them in ``kernel_params``). Affinities must be
        non-negative. "precomputed" and "nearest_neighbors" are rejected: the
        approximation works on the rows of X.
    n_neighbors : int, default=10
        Ignored (nearest-neighbour affinities are not supported).
    eigen_tol : float or "auto", default=0.0
        Ignored (the eigenproblems are solved densely).
    assign_labels : "kmeans" or estimator, default="kmeans"
        How the embedding is clustered: scalearn's :class:`KMeans` with
        ``n_clusters``, or a clone of the given estimator (which sets
        ``labels_`` when fitted). A scikit-learn estimator gets the embedding
        computed, in memory, for dask input; scalearn's get it lazily.
    degree : float, default=3
        Degree of the polynomial kernel.
    coef0 : float, default=1
        Zero coefficient of the polynomial and sigmoid kernels.
    kernel_params : dict or None, default=None
        More keyword arguments for the kernel.
    n_components : int, default=100
        The number of landmark rows (the Nystrom sample). More gives a closer
        approximation; time and memory per row grow with it.
    persist_embedding : bool, default=False
        Persist the (n_samples, n_clusters) embedding in (distributed) memory
        before k-means, so that its passes do not recompute the affinities.
    kmeans_params : dict or None, default=None
        Parameters set on the label-assigning estimator.

    Attributes
    ----------
    labels_ : ndarray, or a lazy dask array for dask input
    assign_labels_ : estimator
        The fitted estimator that assigned the labels.
    eigenvalues_ : ndarray of shape (n_clusters,)
        The leading eigenvalues of the approximated normalized affinity
        matrix ``D^-1/2 W D^-1/2`` (close to 1 for well separated clusters).
    landmarks_ : ndarray of shape (n_landmarks, n_features)
        The rows drawn as landmarks.
    affinity_matrix_ : dask array of shape (n_samples, n_landmarks)
        The affinities of every row to the landmarks, lazy (for in-memory
        input too): the full matrix is approximately
        ``affinity_matrix_ @ pinv(A) @ affinity_matrix_.T``, ``A`` being the
        landmarks' own affinities.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has column names

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.cluster import SpectralClustering
    >>> rng = np.random.default_rng(0)
    >>> rows = np.concatenate([rng.normal(0, 0.1, (100, 2)),
    ...                        rng.normal(5, 0.1, (100, 2))])
    >>> X = da.from_array(rows, chunks=50)
    >>> model = SpectralClustering(n_clusters=2, n_components=40,
    ...                            random_state=0).fit(X)
    >>> labels = model.labels_.compute()
    >>> bool((labels[:100] == labels[0]).all() and (labels[100:] != labels[0]).all())
    True
    >>> np.round(model.eigenvalues_, 3).tolist()
    [1.0, 1.0]
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        eigen_solver: str | None = None,
        random_state: Any = None,
        n_init: str | int = "auto",
        gamma: float = 1.0,
        affinity: Any = "rbf",
        n_neighbors: int = 10,
        eigen_tol: float | str = 0.0,
        assign_labels: Any = "kmeans",
        degree: float = 3,
        coef0: float = 1,
        kernel_params: dict | None = None,
        n_components: int = 100,
        persist_embedding: bool = False,
        kmeans_params: dict | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.eigen_solver = eigen_solver
        self.random_state = random_state
        self.n_init = n_init
        self.gamma = gamma
        self.affinity = affinity
        self.n_neighbors = n_neighbors
        self.eigen_tol = eigen_tol
        self.assign_labels = assign_labels
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_components = n_components
        self.persist_embedding = persist_embedding
        self.kmeans_params = kmeans_params

    def fit(self, X: Any, y: Any = None) -> SpectralClustering:
        """Cluster X: two passes for the spectrum, then k-means on the embedding."""
        self._check_params()
        owner = f"{OWNER}.fit"
        on_dask = is_dask(X)
        if on_dask:
            values = numeric_array(X, owner)
            if values.dtype.kind != "f":
                values = values.astype(np.float64)
            self.n_features_in_ = values.shape[1]
            if is_dask_frame(X):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            else:
                self.__dict__.pop("feature_names_in_", None)
        else:
            x = validate_data(self, X, dtype=[np.float64, np.float32])
            values = da.from_array(x, chunks=(IN_MEMORY_BLOCK_ROWS, -1), name=False)
        if not np.isnan(values.shape[0]) and values.shape[0] < self.n_clusters:
            raise too_few_rows(values.shape[0], self.n_clusters, owner)
        rng = check_random_state(self.random_state)
        kernel = self._kernel()
        with one_blas_thread():
            embedding = self._embedding(values, kernel, rng)
        if self.persist_embedding and on_dask:
            embedding = embedding.persist()
        assigner = self._assigner(rng)
        if not on_dask or not type(assigner).__module__.startswith("scalearn."):
            embedding = compute(embedding, desc=f"{OWNER}: embedding")[0]
        self.assign_labels_ = assigner.fit(embedding)
        labels = self.assign_labels_.labels_
        if on_dask and not is_dask(labels):
            chunks = values.chunks[0] if has_known_rows(values) else -1
            labels = da.from_array(np.asarray(labels), chunks=(chunks,))
        self.labels_ = labels
        return self

    def _embedding(self, values: da.Array, kernel: tuple, rng: Any) -> da.Array:
        """The rows' spectral coordinates, lazily (three computes: landmarks,
        degrees, the normalized Gram matrix of the landmarks)."""
        blocks = to_row_blocks(values)
        graph = _init.random_rows(
            [(b, None) for b in blocks], self.n_components, rng, values.dtype
        )
        (landmarks,) = compute(graph, desc=f"{OWNER}: landmarks")
        if len(landmarks) < self.n_clusters:
            raise too_few_rows(len(landmarks), self.n_clusters, f"{OWNER}.fit")
        pseudo_inverse, inverse_root = inverse_roots(
            affinity_block(landmarks, landmarks, kernel)
        )
        task = dask.delayed(affinity_sums, pure=True)
        sums = compute(
            *[task(b, landmarks, kernel) for b in blocks], desc=f"{OWNER}: degrees"
        )
        degree_weights = pseudo_inverse @ np.sum(sums, axis=0)
        task = dask.delayed(normalized_gram, pure=True)
        grams = compute(
            *[task(b, landmarks, kernel, degree_weights) for b in blocks],
            desc=f"{OWNER}: spectrum",
        )
        gram = np.sum(grams, axis=0)
        self.eigenvalues_, projection = top_eigenpairs(
            gram, inverse_root, self.n_clusters
        )
        self.landmarks_ = landmarks
        self.affinity_matrix_ = map_rows(
            values,
            affinity_block,
            landmarks,
            kernel,
            meta=np.zeros((1, len(landmarks))),
        )
        return map_rows(
            values,
            embed_block,
            landmarks,
            kernel,
            degree_weights,
            projection,
            meta=np.zeros((1, self.n_clusters)),
        )

    def _kernel(self) -> tuple:
        params = dict(self.kernel_params or {})
        if not callable(self.affinity):
            params = {
                "gamma": self.gamma,
                "degree": self.degree,
                "coef0": self.coef0,
                **params,
            }
        return self.affinity, params

    def _assigner(self, rng: Any) -> Any:
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if isinstance(self.assign_labels, str):
            assigner = KMeans(self.n_clusters, random_state=seed, n_init=self.n_init)
        else:
            assigner = clone(self.assign_labels)
        if self.kmeans_params:
            assigner.set_params(**self.kmeans_params)
        return assigner

    def _check_params(self) -> None:
        check_ints(self, {"n_clusters": 1, "n_components": 1})
        check_param(
            OWNER,
            "n_components",
            self.n_components,
            self.n_components >= self.n_clusters,
            f"an int >= n_clusters={self.n_clusters}",
            "The approximation from n_components landmark rows gives at most "
            "n_components eigenvectors, and needs one per cluster.",
        )
        affinity = self.affinity
        if isinstance(affinity, str) and affinity in REJECTED_AFFINITIES:
            raise param_error(
                OWNER,
                "affinity",
                affinity,
                "'rbf', another kernel of sklearn.metrics.pairwise.kernel_metrics() "
                "or a callable",
                REJECTED_AFFINITIES[affinity],
            )
        names = sorted(kernel_metrics())
        check_param(
            OWNER,
            "affinity",
            affinity,
            callable(affinity) or (isinstance(affinity, str) and affinity in names),
            f"one of {names} or a callable affinity(X, Y, **kernel_params)",
        )
        assign = self.assign_labels
        check_param(
            OWNER,
            "assign_labels",
            assign,
            assign == "kmeans" if isinstance(assign, str) else hasattr(assign, "fit"),
            "'kmeans' or a clustering estimator (with fit, setting labels_)",
            "'discretize' and 'cluster_qr' are scikit-learn's; pass "
            "assign_labels='kmeans' or an estimator such as MiniBatchKMeans.",
        )
        check_n_init(self)
        check_non_negative(self, ("gamma",))
        for param in ("kernel_params", "kmeans_params"):
            value = getattr(self, param)
            check_param(
                OWNER, param, value, value is None or isinstance(value, dict), "a dict"
            )
        check_param(
            OWNER,
            "eigen_solver",
            self.eigen_solver,
            self.eigen_solver in EIGEN_SOLVERS,
            f"one of {list(EIGEN_SOLVERS)} (it is ignored)",
        )
