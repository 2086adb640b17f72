"""IncrementalPCA over the blocks of a dask collection, as one sequential chain."""

from __future__ import annotations

import copy
from typing import Any

import dask
import numpy as np
from sklearn import decomposition as sk_decomposition
from sklearn.utils import gen_batches

from scalearn.decomposition._blocks import as_float64
from scalearn.decomposition._pca import ProjectionMixin
from scalearn.preprocessing._base import forget_fit
from scalearn.utils._containers import (
    block_lengths,
    is_dask,
    is_dask_frame,
    to_row_blocks,
)
from scalearn.utils._progress import compute
from scalearn.utils._validation import check_fitted_features, numeric_array


def _fit_batches(
    model: Any, state: tuple, block: Any, ends: list[int]
) -> tuple[Any, tuple]:
    """``partial_fit`` a copy of ``model`` on the batches that end in this block.

    ``state`` is (rows carried over from earlier blocks, index of the first of
    them); ``ends`` are the global row indices where batches end.
    """
    carried, first = state
    # partial_fit centers its batch in place: work on a copy of the caller's rows.
    rows = np.array(as_float64(block), copy=True)
    if not np.isfinite(rows).all():
        raise ValueError(
            "IncrementalPCA.fit: X contains NaN or infinity. Remove or impute "
            "those values (for example with SimpleImputer) first."
        )
    rows = rows if carried is None else np.concatenate([carried, rows])
    last = first + len(rows)
    model = copy.deepcopy(model)
    start = 0
    for end in ends:
        if first + start < end <= last:
            sk_decomposition.IncrementalPCA.partial_fit(
                model, rows[start : end - first], check_input=False
            )
            start = end - first
    return model, (rows[start:], first + start)


class IncrementalPCA(
    ProjectionMixin, sk_decomposition.IncrementalPCA, auto_wrap_output_keys=None
):
    """Incremental principal component analysis over the blocks of dask data.

    scikit-learn's :class:`~sklearn.decomposition.IncrementalPCA`: on dask
    input, ``fit`` feeds the rows to ``partial_fit`` in scikit-learn's own
    batches (``batch_size``, ``5 * n_features`` by default), across block
    boundaries, in a chain of tasks computed once: dask loads the next blocks
    while a batch is being fitted, and only a few blocks are in memory at a
    time, so the data can be larger than memory. The fitted attributes equal
    scikit-learn's on the same rows. ``partial_fit`` on dask input takes each
    block as a batch. ``transform`` and ``inverse_transform`` are lazy on dask
    input.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from scalearn.decomposition import IncrementalPCA
    >>> X = da.from_array(np.random.default_rng(0).normal(size=(100, 3)), chunks=30)
    >>> ipca = IncrementalPCA(n_components=2, batch_size=25).fit(X)
    >>> int(ipca.n_samples_seen_)
    100
    >>> ipca.transform(X).chunks
    ((30, 30, 30, 10), (2,))
    """

    def fit(self, X: Any, y: Any = None) -> IncrementalPCA:
        """Fit in scikit-learn's batches: one sequential pass over dask data."""
        if not is_dask(X):
            return super().fit(X)
        self._validate_params()
        forget_fit(self)
        values = numeric_array(X, f"{type(self).__name__}.fit")
        n = sum(block_lengths(values))
        batch_size = self.batch_size or 5 * values.shape[1]
        ends = [
            s.stop
            for s in gen_batches(n, batch_size, min_batch_size=self.n_components or 0)
        ]
        return self._chain(X, values, ends)

    def partial_fit(
        self, X: Any, y: Any = None, check_input: bool = True
    ) -> IncrementalPCA:
        """Update the model with ``X``, each block of dask input as a batch."""
        if not is_dask(X):
            return super().partial_fit(X, check_input=check_input)
        owner = f"{type(self).__name__}.partial_fit"
        if hasattr(self, "components_"):
            check_fitted_features(owner, self, X)
        values = numeric_array(X, owner)
        ends = [int(e) for e in np.cumsum(block_lengths(values))]
        return self._chain(X, values, ends)

    def _chain(self, X: Any, values: Any, ends: list[int]) -> Any:
        """``partial_fit`` on the batches ending at ``ends``, block after block."""
        if not hasattr(self, "components_"):
            self.n_features_in_ = values.shape[1]
            if is_dask_frame(X):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        step = dask.delayed(_fit_batches, pure=True, nout=2)
        model, state = copy.deepcopy(self), (None, 0)
        for block in to_row_blocks(values):
            model, state = step(model, state, block, ends)
        (fitted,) = compute(model, desc=f"{type(self).__name__}.fit")
        self.__dict__.update(
            {k: v for k, v in vars(fitted).items() if k not in self.get_params()}
        )
        return self
