"""PCA and TruncatedSVD on dask collections: exact in one pass, or randomized."""

from __future__ import annotations

import numbers
from typing import Any

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
from sklearn import decomposition as sk_decomposition
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from scalearn.decomposition import _blocks
from scalearn.preprocessing._base import (
    DaskTransformerMixin,
    forget_fit,
)
from scalearn.utils._containers import is_dask, is_dask_frame, to_row_blocks
from scalearn.utils._executor import one_blas_thread
from scalearn.utils._progress import compute
from scalearn.utils._validation import numeric_array, param_error

# Above this many features, PCA's "auto" solver on dask is randomized, if asked
# for few components (scikit-learn's own threshold for its covariance solver).
MAX_EXACT_FEATURES = 1_000


def with_options(constraints: dict, name: str, extra: tuple[str, ...]) -> dict:
    """scikit-learn's parameter constraints with more accepted strings for ``name``.

    Built from scikit-learn's own StrOptions object, so that its validation
    still names every accepted value. Remove when the names are scikit-learn's.
    """
    first, *rest = constraints[name]
    return {**constraints, name: [type(first)(set(first.options) | set(extra)), *rest]}


class ProjectionMixin(DaskTransformerMixin):
    """The lazy inverse of a projection on ``components_``, for dask input."""

    def inverse_transform(self, X: Any) -> Any:
        """Back to the original space; lazy and blockwise for dask input."""
        if not is_dask(X):
            return super().inverse_transform(X)
        sample = np.zeros((2, self.components_.shape[0]), self.components_.dtype)
        return self._lazy(
            X,
            "inverse_transform",
            sample=sample,
            labels=getattr(self, "feature_names_in_", None),
        )


def one_pass_summary(values: da.Array, kind: str, center: bool, desc: str) -> tuple:
    """(n, mean, variance, summary) of dask ``values``: one ``dask.compute``."""
    task = dask.delayed(_blocks.block_summary, pure=True)
    tasks = [task(b, kind, center) for b in to_row_blocks(values)]
    with one_blas_thread():
        parts = compute(*tasks, desc=desc)
    return _blocks.merge_summaries(list(parts), kind, center)


def randomized_spectrum(
    values: da.Array,
    shift: np.ndarray | None,
    n_components: int,
    n_oversamples: int,
    n_iter: int,
    random_state: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Top singular values and right vectors of ``values - shift``, randomized.

    Subspace iteration on the Gram matrix ``G = (X - shift).T (X - shift)``
    (Halko et al. 2011, with the power iterations in the features' space): a
    random basis of ``n_components + n_oversamples`` columns is multiplied by
    ``G`` once per pass over the data, block by block in one compute with
    nothing of the rows' size kept, and re-orthonormalized on the driver; after
    ``n_iter + 1`` products it spans the subspace Halko's ``n_iter`` power
    iterations find, and a last pass gives ``G`` on it, whose eigenvectors
    (Rayleigh-Ritz) are the right singular vectors. ``n_iter + 2`` passes
    where dask's ``svd_compressed`` needs about twice as many, with tall
    intermediates of ``n_rows x (n_components + n_oversamples)`` values.
    """
    n_features = values.shape[1]
    width = min(n_components + n_oversamples, n_features)
    rng = check_random_state(random_state)
    basis = np.linalg.qr(rng.standard_normal((n_features, width)))[0]
    task = dask.delayed(_blocks.gram_times, pure=True)
    blocks = to_row_blocks(values)
    with one_blas_thread():
        for i in range(n_iter + 2):
            parts = compute(
                *[task(b, shift, basis) for b in blocks],
                desc=f"randomized SVD, pass {i + 1} of {n_iter + 2}",
            )
            product = np.sum(parts, axis=0)
            if i <= n_iter:
                basis = np.linalg.qr(product)[0]
    projected = basis.T @ product
    eigenvalues, vectors = np.linalg.eigh((projected + projected.T) / 2)
    order = np.argsort(eigenvalues)[::-1][:n_components]
    singular = np.sqrt(np.maximum(eigenvalues[order], 0))
    return _blocks.spectrum_flip(singular, (basis @ vectors[:, order]).T)


def auto_power_iterations(setting: Any, n_components: int, size: int) -> int:
    """scikit-learn's ``"auto"`` number of power iterations of randomized SVD."""
    if setting != "auto":
        return int(setting)
    return 7 if n_components < 0.1 * size else 4


def in_memory_refit(estimator: Any, X: Any, **changes: Any) -> Any:
    """Fit scikit-learn's class with some parameters changed; copy what it learned."""
    sklearn_cls = next(
        c for c in type(estimator).__mro__ if c.__module__.startswith("sklearn.")
    )
    params = {
        k: v
        for k, v in estimator.get_params(deep=False).items()
        if k in clone(sklearn_cls()).get_params(deep=False)
    }
    fitted = sklearn_cls(**{**params, **changes}).fit(X)
    forget_fit(estimator)
    for name, value in vars(fitted).items():
        if name not in params:
            setattr(estimator, name, value)
    return estimator


class PCA(ProjectionMixin, sk_decomposition.PCA, auto_wrap_output_keys=None):
    """Principal component analysis, on numpy, pandas and dask collections.

    scikit-learn's :class:`~sklearn.decomposition.PCA`, extended to dask arrays
    and dask DataFrames (unknown chunk sizes included). The exact solvers need
    one pass over dask data: ``"tsqr"`` (or ``"full"``) merges the R factors of
    a QR decomposition of every block, centered exactly without a separate pass
    for the mean; ``"covariance_eigh"`` merges the blocks' scatter matrices,
    faster and as scikit-learn does for tall data, but squaring the condition
    number. ``"randomized"`` is a randomized SVD of the implicitly centered
    data (a pass for the mean, then one per power iteration plus two, each
    multiplying a small basis by the scatter matrix, block by block).
    ``"auto"`` chooses ``"covariance_eigh"`` up to 1,000 features, else
    ``"randomized"`` for fewer than 80% of the components, else ``"tsqr"``.
    ``n_components`` may be a fraction of the variance to keep (not with
    ``"randomized"``); ``whiten``, ``explained_variance_ratio_``,
    ``noise_variance_`` and the signs of the components are scikit-learn's.
    ``transform`` and ``inverse_transform`` are lazy and blockwise on dask
    input. Numpy and pandas input go to scikit-learn (``"tsqr"`` as ``"full"``).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.decomposition import PCA
    >>> X = da.from_array(np.array([[1.0, 2.0], [3.0, 4.1], [5.0, 6.0],
    ...                             [7.0, 8.2]]), chunks=2)
    >>> pca = PCA(n_components=1, svd_solver="tsqr").fit(X)
    >>> pca.explained_variance_ratio_.round(4)
    array([0.9998])
    >>> pca.transform(X).chunks
    ((2, 2), (1,))
    """

    _parameter_constraints = with_options(
        sk_decomposition.PCA._parameter_constraints, "svd_solver", ("tsqr",)
    )

    def fit(self, X: Any, y: Any = None) -> PCA:
        """Fit the model: one pass over dask data with the exact solvers."""
        if not is_dask(X):
            if self.svd_solver == "tsqr":
                return in_memory_refit(self, X, svd_solver="full")
            return super().fit(X)
        self._validate_params()
        forget_fit(self)
        owner = f"{type(self).__name__}.fit"
        values = numeric_array(X, owner)
        n_features = values.shape[1]
        solver = self._dask_solver(n_features)
        if solver == "randomized":
            self._fit_randomized(values, owner)
        else:
            kind = "qr" if solver in ("full", "tsqr") else "scatter"
            n, mean, _, summary = one_pass_summary(values, kind, True, owner)
            singular, vt = _blocks.spectrum(summary, kind)
            size = min(n, n_features)
            self._set_components(n, mean, singular[:size], vt[:size], None, owner)
        self._fit_svd_solver = solver
        self.n_features_in_ = n_features
        if is_dask_frame(X):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        if values.dtype == np.float32:
            for name in ("components_", "explained_variance_", "mean_"):
                setattr(self, name, getattr(self, name).astype(np.float32))
        return self

    def _dask_solver(self, n_features: int) -> str:
        owner = type(self).__name__
        if self.svd_solver == "arpack":
            raise param_error(
                owner,
                "svd_solver",
                self.svd_solver,
                "one of 'auto', 'full', 'tsqr', 'covariance_eigh' or 'randomized' "
                "for dask input",
                "Use 'randomized' (or 'tsqr' for the exact answer).",
            )
        if self.n_components == "mle":
            raise param_error(
                owner,
                "n_components",
                self.n_components,
                "an int, a fraction of the variance or None for dask input",
                "Compute the data (X.compute()) to use 'mle'.",
            )
        if self.svd_solver != "auto":
            return self.svd_solver
        if n_features <= MAX_EXACT_FEATURES:
            return "covariance_eigh"
        wanted = self.n_components
        few = isinstance(wanted, numbers.Integral) and wanted < 0.8 * n_features
        return "randomized" if few else "tsqr"

    def _fit_randomized(self, values: da.Array, owner: str) -> None:
        k = self.n_components
        if not isinstance(k, numbers.Integral):
            raise param_error(
                type(self).__name__,
                "n_components",
                k,
                "an int with svd_solver='randomized'",
                "Pass the number of components, or use svd_solver='tsqr' to keep "
                "a fraction of the variance.",
            )
        n, mean, variance, _ = one_pass_summary(values, "moments", True, owner)
        size = min(n, values.shape[1])
        n_iter = auto_power_iterations(self.iterated_power, k, size)
        singular, vt = randomized_spectrum(
            values, mean, k, self.n_oversamples, n_iter, self.random_state
        )
        total = variance.sum() * n / (n - 1)
        self._set_components(n, mean, singular, vt, total, owner, size)

    def _set_components(
        self,
        n: int,
        mean: np.ndarray,
        singular: np.ndarray,
        vt: np.ndarray,
        total: float | None,
        owner: str,
        size: int | None = None,
    ) -> None:
        """The fitted attributes, as scikit-learn sets them.

        ``singular`` and ``vt`` hold the whole spectrum (exact solvers, where
        ``total`` is None) or its top (randomized, with the total variance).
        """
        explained = singular**2 / (n - 1)
        size = len(singular) if size is None else size
        if total is None:
            total = explained.sum()
        ratio = explained / total
        k = self.n_components
        if k is None:
            k = size
        elif 0 < k < 1 and not isinstance(k, numbers.Integral):
            k = int(np.searchsorted(np.cumsum(ratio), k, side="right") + 1)
            k = min(k, size)
        elif not 0 <= k <= size:
            raise ValueError(
                f"{owner}: n_components={k} must be between 0 and "
                f"min(n_samples, n_features)={size} with "
                f"svd_solver={self.svd_solver!r}. Ask for fewer components."
            )
        self.n_samples_ = n
        self.mean_ = mean
        self.n_components_ = int(k)
        self.components_ = vt[:k]
        self.explained_variance_ = explained[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = singular[:k]
        if k >= size:
            self.noise_variance_ = 0.0
        elif len(explained) == size:
            self.noise_variance_ = float(explained[k:].mean())
        else:
            self.noise_variance_ = float((total - explained.sum()) / (size - k))


class TruncatedSVD(
    ProjectionMixin, sk_decomposition.TruncatedSVD, auto_wrap_output_keys=None
):
    """Dimensionality reduction by truncated SVD (no centering), on dask too.

    dask-ml's ``TruncatedSVD`` (``algorithm="tsqr"`` by default: the exact SVD
    from the merged R factors of every block, one pass over dask data) with
    scikit-learn's attributes (``explained_variance_``, its ratio, the signs of
    the components). ``algorithm="randomized"`` runs PCA's randomized SVD
    (uncentered) on dask input, scikit-learn's on in-memory input; ``"arpack"`` is
    scikit-learn's, for in-memory input. Sparse (in-memory) input is always
    decomposed by scikit-learn's randomized SVD, which keeps it sparse.
    ``compute`` is accepted for dask-ml's signature: the fitted attributes are
    always numpy arrays. ``transform`` is
    lazy and blockwise on dask input.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.decomposition import TruncatedSVD
    >>> X = da.from_array(np.arange(24.0).reshape(6, 4) ** 0.5, chunks=3)
    >>> svd = TruncatedSVD(n_components=2).fit(X)
    >>> svd.singular_values_.round(3)
    array([16.565,  1.257])
    """

    _parameter_constraints = {
        **with_options(
            sk_decomposition.TruncatedSVD._parameter_constraints,
            "algorithm",
            ("tsqr",),
        ),
        "compute": ["boolean"],
    }

    def __init__(
        self,
        n_components: int = 2,
        *,
        algorithm: str = "tsqr",
        n_iter: int = 5,
        n_oversamples: int = 10,
        power_iteration_normalizer: str = "auto",
        random_state: Any = None,
        tol: float = 0.0,
        compute: bool = True,
    ) -> None:
        super().__init__(
            n_components,
            algorithm=algorithm,
            n_iter=n_iter,
            n_oversamples=n_oversamples,
            power_iteration_normalizer=power_iteration_normalizer,
            random_state=random_state,
            tol=tol,
        )
        self.compute = compute

    def fit(self, X: Any, y: Any = None) -> TruncatedSVD:
        """Fit the model: one pass over dask data with ``algorithm="tsqr"``."""
        self._validate_params()
        owner = f"{type(self).__name__}.fit"
        if not is_dask(X) and self.algorithm != "tsqr":
            return in_memory_refit(self, X)
        if sp.issparse(X):
            # The exact SVD of sparse data would densify it.
            return in_memory_refit(self, X, algorithm="randomized")
        forget_fit(self)
        if not is_dask(X):
            checked = validate_data(self, X, dtype=[np.float64, np.float32])
            values = da.from_array(checked, chunks=(100_000, -1), name=False)
        else:
            values = numeric_array(X, owner)
            self.n_features_in_ = values.shape[1]
            if is_dask_frame(X):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        if self.algorithm == "arpack":
            raise param_error(
                type(self).__name__,
                "algorithm",
                self.algorithm,
                "'tsqr' or 'randomized' for dask input",
                "Use 'tsqr' (exact) or 'randomized'.",
            )
        kind = "qr" if self.algorithm == "tsqr" else "moments"
        n, mean, variance, summary = one_pass_summary(values, kind, False, owner)
        k = self.n_components
        if not 1 <= k <= min(n, values.shape[1]):
            raise ValueError(
                f"{owner}: n_components={k} must be between 1 and "
                f"min(n_samples, n_features)={min(n, values.shape[1])}. Ask for "
                "fewer components."
            )
        if self.algorithm == "tsqr":
            singular, vt = _blocks.spectrum(summary, "qr")
        else:
            singular, vt = randomized_spectrum(
                values, None, k, self.n_oversamples, self.n_iter, self.random_state
            )
        singular, vt = singular[:k], vt[:k]
        # The variance of each projected column, from the data's mean.
        projected_mean = vt @ mean
        self.explained_variance_ = singular**2 / n - projected_mean**2
        self.explained_variance_ratio_ = self.explained_variance_ / variance.sum()
        self.singular_values_ = singular
        self.components_ = vt.astype(values.dtype, copy=False)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """Fit, then project ``X``; lazy for dask input."""
        return self.fit(X).transform(X)
