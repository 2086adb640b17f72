"""Synthetic datasets as chunked dask collections, generated lazily block by block.

Each generator draws its few global parameters (cluster centres, covariance
mixes, coefficients, how many rows of each cluster fall in each block) in memory
from ``random_state``, then builds a lazy dask array whose blocks are generated
independently from a seed of their own. So a block costs only its own memory,
and the data are the same for the same ``random_state`` and ``chunks`` on any
scheduler, in any order of computing. The statistical shape is
scikit-learn's: the same clusters on hypercube vertices, class weights,
informative / redundant / repeated / noise features, label noise, shift and
scale, low-rank inputs; a shuffle of rows is drawn as scikit-learn's global
shuffle would fall on the blocks (a multivariate hypergeometric split of each
cluster's rows), then the rows of each block are shuffled.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn import datasets as sk_datasets
from sklearn.utils import check_random_state

from scalearn.utils._validation import check_param, row_chunks

_ROWS, _FEATURES, _EXTRA = 0, 1, 2  # the streams of a block's generator


# --- planning: rows per block, seeds, cluster sizes ----------------------------------


def _row_chunks(
    owner: str, chunks: Any, n_samples: int, n_features: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row chunks and column chunks for ``chunks`` (an int counts rows)."""
    rows, columns = row_chunks(owner, chunks, (n_samples, n_features), np.float64)
    return rows, columns


def _block_seeds(rng: np.random.RandomState, n_blocks: int) -> da.Array:
    """One 63-bit seed per block, as a dask array with one element per block."""
    seeds = rng.randint(0, 2**63 - 1, size=n_blocks, dtype=np.int64)
    return da.from_array(seeds, chunks=1)


def _stream(seed: np.ndarray, stream: int) -> np.random.Generator:
    """Stream ``stream`` of the block whose seed ``seed`` holds (one element)."""
    return np.random.default_rng([int(np.ravel(seed)[0]), stream])


def _cluster_sizes(n_samples: int, weights: Sequence[float], per_class: int) -> list:
    """Rows per cluster: each class's share split evenly, remainder round-robin."""
    n_clusters = len(weights) * per_class
    sizes = [
        int(n_samples * weights[k % len(weights)] / per_class)
        for k in range(n_clusters)
    ]
    for i in range(n_samples - sum(sizes)):
        sizes[i % n_clusters] += 1
    return sizes


def _sizes_per_block(
    sizes: Sequence[int], rows: Sequence[int], shuffle: bool, rng: Any
) -> np.ndarray:
    """(n_blocks, n_clusters): how many rows of each cluster each block holds.

    Without shuffle, clusters follow each other in order, as in scikit-learn.
    With shuffle, each block draws its rows from those not yet placed, which
    is how a global shuffle of all rows falls on consecutive blocks.
    """
    remaining = np.asarray(sizes, dtype=np.int64)
    if not shuffle:
        ends = np.cumsum(rows)
        bounds = np.cumsum(np.concatenate([[0], remaining]))
        starts = ends - np.asarray(rows)
        low = np.clip(bounds[:-1][None, :], starts[:, None], ends[:, None])
        high = np.clip(bounds[1:][None, :], starts[:, None], ends[:, None])
        return high - low
    draw = np.random.default_rng(rng.randint(0, 2**63 - 1, dtype=np.int64))
    out = np.zeros((len(rows), len(remaining)), dtype=np.int64)
    for b, n in enumerate(rows):
        if n:
            out[b] = draw.multivariate_hypergeometric(remaining, n)
        remaining = remaining - out[b]
    return out


# --- per-block kernels: pure numpy ----------------------------------------------------


def block_clusters(sizes: np.ndarray, seed: np.ndarray, shuffle: bool) -> np.ndarray:
    """The cluster of each row of one block, shuffled with the block's rows stream."""
    clusters = np.repeat(np.arange(sizes.shape[1]), sizes[0])
    if shuffle:
        clusters = _stream(seed, _ROWS).permutation(clusters)
    return clusters


def classification_labels(
    sizes: np.ndarray, seed: np.ndarray, shuffle: bool, n_classes: int, flip_y: float
) -> np.ndarray:
    """One block of make_classification's y: cluster class, then label noise."""
    clusters = block_clusters(sizes, seed, shuffle)
    y = clusters % n_classes
    # Continue the rows stream after the shuffle, so X's blocks need not draw it.
    noise = _stream(seed, _ROWS)
    if shuffle:
        noise.permutation(len(clusters))
    flip = noise.uniform(size=len(y)) < flip_y
    y[flip] = noise.integers(n_classes, size=int(flip.sum()))
    return y.astype(np.int64)


def classification_features(
    sizes: np.ndarray, seed: np.ndarray, shuffle: bool, layout: dict
) -> np.ndarray:
    """One block of make_classification's X."""
    clusters = block_clusters(sizes, seed, shuffle)
    values = _stream(seed, _FEATURES)
    n_informative = layout["centroids"].shape[1]
    informative = values.standard_normal((len(clusters), n_informative))
    for k, (mix, centroid) in enumerate(
        zip(layout["mixes"], layout["centroids"], strict=True)
    ):
        rows = clusters == k
        informative[rows] = informative[rows] @ mix + centroid
    parts = [informative, informative @ layout["redundant"]]
    parts.append(np.concatenate(parts, axis=1)[:, layout["repeated"]])
    parts.append(values.standard_normal((len(clusters), layout["n_random"])))
    X = np.concatenate(parts, axis=1)
    X += layout["shift"]
    X *= layout["scale"]
    return X[:, layout["order"]]


def blob_features(
    sizes: np.ndarray,
    seed: np.ndarray,
    shuffle: bool,
    centers: np.ndarray,
    std: np.ndarray,
) -> np.ndarray:
    """One block of make_blobs's X: each row around its cluster's centre."""
    clusters = block_clusters(sizes, seed, shuffle)
    noise = _stream(seed, _FEATURES).standard_normal((len(clusters), centers.shape[1]))
    return centers[clusters] + std[clusters, np.newaxis] * noise


def gaussian_block(seed: np.ndarray, n_rows: np.ndarray, n_columns: int) -> np.ndarray:
    """A block of independent standard normal values, ``n_rows`` (one element)."""
    rows = int(np.ravel(n_rows)[0])
    return _stream(seed, _FEATURES).standard_normal((rows, n_columns))


def linear_targets(
    X: np.ndarray, seed: np.ndarray, coef: np.ndarray, bias: float, noise: float
) -> np.ndarray:
    """One block of make_regression's y: X @ coef + bias, plus gaussian noise."""
    y = X @ coef + bias
    if noise > 0:
        y = y + _stream(seed, _EXTRA).normal(scale=noise, size=y.shape)
    return y


def poisson_counts(X: np.ndarray, seed: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """One block of make_counts's y: Poisson counts of rate exp(X @ beta)."""
    return _stream(seed, _EXTRA).poisson(np.exp(X @ beta))


def random_dates(
    seed: np.ndarray, n_rows: np.ndarray, start: Any, seconds: int
) -> np.ndarray:
    """``n_rows`` (one element) random times in the ``seconds`` after ``start``."""
    rows = int(np.ravel(n_rows)[0])
    offsets = _stream(seed, _EXTRA).integers(0, seconds, size=rows)
    return (np.datetime64(start, "s") + offsets.astype("timedelta64[s]")).astype(
        "datetime64[ns]"
    )


# --- assembling the dask arrays -------------------------------------------------


def _blocks_of_rows(
    kernel: Any,
    rows: tuple[int, ...],
    width: int | None,
    dtype: Any,
    *block_args: da.Array,
    **kwargs: Any,
) -> da.Array:
    """``kernel(*one_block_of_each_arg, **kwargs)`` per block: rows x width.

    ``width=None`` makes a 1-D result (pass ``drop_axis`` for 2-D block args).
    """
    if width is None:
        return da.map_blocks(
            kernel,
            *block_args,
            chunks=(rows,),
            dtype=dtype,
            meta=np.empty((0,), dtype=dtype),
            **kwargs,
        )
    # The block arguments have one element (or row) per block: one axis in.
    return da.map_blocks(
        kernel,
        *block_args,
        chunks=(rows, (width,)),
        new_axis=[1] if block_args[0].ndim == 1 else None,
        dtype=dtype,
        meta=np.empty((0, 0), dtype=dtype),
        **kwargs,
    )


def _with_columns(X: da.Array, columns: tuple[int, ...]) -> da.Array:
    return X if X.chunks[1] == columns else X.rechunk({1: columns})


# --- the generators ------------------------------------------------------------------


def make_classification(
    n_samples: int = 100,
    n_features: int = 20,
    n_informative: int = 2,
    n_redundant: int = 2,
    n_repeated: int = 0,
    n_classes: int = 2,
    n_clusters_per_class: int = 2,
    weights: Sequence[float] | None = None,
    flip_y: float = 0.01,
    class_sep: float = 1.0,
    hypercube: bool = True,
    shift: float | None = 0.0,
    scale: float | None = 1.0,
    shuffle: bool = True,
    random_state: Any = None,
    chunks: Any = None,
) -> tuple[da.Array, da.Array]:
    """A random classification problem, as lazy chunked dask arrays.

    scikit-learn's :func:`~sklearn.datasets.make_classification` design: each
    class is made of ``n_clusters_per_class`` gaussian clusters on the vertices
    of a hypercube (side ``2 * class_sep``) in the ``n_informative`` features,
    each cluster with its own random covariance; ``n_redundant`` features are
    random linear combinations of the informative ones, ``n_repeated`` copy
    some of those, the rest is noise; ``weights`` set the class shares,
    ``flip_y`` the fraction of labels replaced at random. With
    ``shuffle=False`` the columns come in that order (informative, redundant,
    repeated, noise) and rows grouped by cluster, as in scikit-learn. Unlike
    dask-ml's version (a logistic model on random features), every parameter
    is honoured, ``n_classes`` included.

    Parameters
    ----------
    n_samples, n_features, n_informative, n_redundant, n_repeated, n_classes,
    n_clusters_per_class, weights, flip_y, class_sep, hypercube, shift, scale,
    shuffle
        As in scikit-learn (its checks and errors apply).
    random_state : int, RandomState or None, default=None
        Seed of the global parameters and of every block's own seed.
    chunks : int, tuple or None, default=None
        Rows per block (an int), a block shape, or explicit chunks; None lets
        dask choose blocks of about its ``array.chunk-size``.

    Returns
    -------
    X : dask array of shape (n_samples, n_features), float64
    y : dask array of shape (n_samples,), int64, with X's row chunks

    Examples
    --------
    >>> from scalearn.datasets import make_classification
    >>> X, y = make_classification(
    ...     n_samples=1000, flip_y=0, chunks=250, random_state=0)
    >>> X.chunks
    ((250, 250, 250, 250), (20,))
    >>> int(y.sum().compute())  # half and half, as the default weights ask
    500
    """
    owner = "make_classification"
    n_clusters = n_classes * n_clusters_per_class
    # scikit-learn checks the parameters, on a problem of one row per cluster.
    sk_datasets.make_classification(
        n_samples=max(n_clusters, 2),
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=n_redundant,
        n_repeated=n_repeated,
        n_classes=n_classes,
        n_clusters_per_class=n_clusters_per_class,
        weights=weights,
        flip_y=flip_y,
        class_sep=class_sep,
        hypercube=hypercube,
        shift=shift,
        scale=scale,
        random_state=0,
    )
    rows, columns = _row_chunks(owner, chunks, n_samples, n_features)
    rng = check_random_state(random_state)
    if weights is None:
        class_shares = [1.0 / n_classes] * n_classes
    else:
        class_shares = list(weights)
        if len(class_shares) == n_classes - 1:
            class_shares.append(1.0 - sum(class_shares))
    centroids = _hypercube_vertices(n_clusters, n_informative, rng) * 2 * class_sep
    centroids -= class_sep
    if not hypercube:
        centroids *= rng.uniform(size=(n_clusters, 1))
        centroids *= rng.uniform(size=(1, n_informative))
    mixes = 2 * rng.uniform(size=(n_clusters, n_informative, n_informative)) - 1
    redundant = 2 * rng.uniform(size=(n_informative, n_redundant)) - 1
    n_useful = n_informative + n_redundant
    repeated = ((n_useful - 1) * rng.uniform(size=n_repeated) + 0.5).astype(np.intp)
    if shift is None:
        shift = (2 * rng.uniform(size=n_features) - 1) * class_sep
    if scale is None:
        scale = 1 + 100 * rng.uniform(size=n_features)
    order = rng.permutation(n_features) if shuffle else np.arange(n_features)
    layout = {
        "centroids": centroids,
        "mixes": mixes,
        "redundant": redundant,
        "repeated": repeated,
        "n_random": n_features - n_useful - n_repeated,
        "shift": shift,
        "scale": scale,
        "order": order,
    }
    sizes = _sizes_per_block(
        _cluster_sizes(n_samples, class_shares, n_clusters_per_class),
        rows,
        shuffle,
        rng,
    )
    sizes_d = da.from_array(sizes, chunks=(1, n_clusters))
    seeds = _block_seeds(rng, len(rows))[:, np.newaxis]
    X = _blocks_of_rows(
        classification_features,
        rows,
        n_features,
        np.float64,
        sizes_d,
        seeds,
        shuffle=shuffle,
        layout=layout,
    )
    y = _blocks_of_rows(
        classification_labels,
        rows,
        None,
        np.int64,
        sizes_d,
        seeds,
        shuffle=shuffle,
        n_classes=n_classes,
        flip_y=flip_y,
        drop_axis=1,
    )
    return _with_columns(X, columns), y


def _hypercube_vertices(n: int, dimensions: int, rng: Any) -> np.ndarray:
    """``n`` distinct random vertices of the unit hypercube in ``dimensions``."""
    head = min(dimensions, 30)
    codes = rng.choice(2**head, n, replace=False)
    vertices = (codes[:, None] >> np.arange(head)) & 1
    if dimensions > head:  # distinct already in the first 30 coordinates
        tail = rng.randint(2, size=(n, dimensions - head))
        vertices = np.concatenate([vertices, tail], axis=1)
    return vertices.astype(np.float64)


def make_blobs(
    n_samples: int | Sequence[int] = 100,
    n_features: int = 2,
    centers: int | np.ndarray | None = None,
    cluster_std: float | Sequence[float] = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    random_state: Any = None,
    chunks: Any = None,
    *,
    return_centers: bool = False,
) -> tuple:
    """Isotropic gaussian blobs for clustering, as lazy chunked dask arrays.

    scikit-learn's :func:`~sklearn.datasets.make_blobs`: ``centers`` random in
    ``center_box`` (3 by default) or given, rows split among them evenly (or
    as ``n_samples`` lists them), each blob with its ``cluster_std``. The
    centres are drawn from ``random_state`` and can be returned
    (``return_centers``, as in scikit-learn); dask-ml estimated them from a
    first sample instead.

    Parameters
    ----------
    n_samples, n_features, centers, cluster_std, center_box, shuffle
        As in scikit-learn.
    random_state : int, RandomState or None, default=None
    chunks : int, tuple or None, default=None
        Rows per block, a block shape or explicit chunks; None lets dask choose.
    return_centers : bool, default=False
        Also return the centres.

    Returns
    -------
    X : dask array of shape (n_samples, n_features), float64
    y : dask array of shape (n_samples,), int64: the blob of each row
    centers : ndarray of shape (n_centers, n_features), if ``return_centers``

    Examples
    --------
    >>> from scalearn.datasets import make_blobs
    >>> X, y = make_blobs(n_samples=900, centers=3, chunks=300, random_state=0)
    >>> X.chunks
    ((300, 300, 300), (2,))
    >>> import numpy as np
    >>> np.bincount(y.compute())
    array([300, 300, 300])
    """
    owner = "make_blobs"
    one_row_each = isinstance(n_samples, numbers.Integral)
    sk_datasets.make_blobs(  # scikit-learn's checks, on a few rows
        n_samples=min(n_samples, 10) if one_row_each else [1] * len(n_samples),
        n_features=n_features,
        centers=centers,
        cluster_std=cluster_std,
        center_box=center_box,
        random_state=0,
    )
    rng = check_random_state(random_state)
    if isinstance(n_samples, numbers.Integral):
        if centers is None:
            centers = 3
        if isinstance(centers, numbers.Integral):
            centers = rng.uniform(*center_box, size=(centers, n_features))
        sizes = _cluster_sizes(n_samples, [1.0 / len(centers)] * len(centers), 1)
    else:
        sizes = [int(n) for n in n_samples]
        if centers is None:
            centers = rng.uniform(*center_box, size=(len(sizes), n_features))
        check_param(
            owner,
            "centers",
            centers,
            len(centers) == len(sizes),
            f"None or an array of {len(sizes)} centres (one per entry of n_samples)",
        )
    centers = np.asarray(centers, dtype=np.float64)
    n_features = centers.shape[1]
    std = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), len(centers))
    total = int(sum(sizes))
    rows, columns = _row_chunks(owner, chunks, total, n_features)
    per_block = _sizes_per_block(sizes, rows, shuffle, rng)
    sizes_d = da.from_array(per_block, chunks=(1, len(centers)))
    seeds = _block_seeds(rng, len(rows))[:, np.newaxis]
    X = _blocks_of_rows(
        blob_features,
        rows,
        n_features,
        np.float64,
        sizes_d,
        seeds,
        shuffle=shuffle,
        centers=centers,
        std=np.ascontiguousarray(std),
    )
    y = _blocks_of_rows(
        block_clusters,
        rows,
        None,
        np.int64,
        sizes_d,
        seeds,
        shuffle=shuffle,
        drop_axis=1,
    )
    out = (_with_columns(X, columns), y)
    return (*out, centers) if return_centers else out


def _gaussian(
    rng: Any, rows: tuple[int, ...], n_columns: int
) -> tuple[da.Array, da.Array]:
    """A lazy standard normal (n, n_columns) array and its per-block seeds."""
    seeds = _block_seeds(rng, len(rows))
    counts = da.from_array(np.asarray(rows, dtype=np.int64), chunks=1)
    X = _blocks_of_rows(
        gaussian_block, rows, n_columns, np.float64, seeds, counts, n_columns=n_columns
    )
    return X, seeds


def _low_rank(
    rng: Any,
    rows: tuple[int, ...],
    n_features: int,
    effective_rank: int,
    tail_strength: float,
) -> tuple[da.Array, da.Array]:
    """scikit-learn's low-rank matrix with a fat tail, rows generated lazily.

    ``U @ diag(s) @ V.T`` with orthonormal ``U`` (the QR of a gaussian dask
    array, tall and skinny, blockwise) and ``V`` (in memory), and singular
    values ``(1 - tail) * exp(-(i / rank)**2) + tail * exp(-0.1 * i / rank)``.
    """
    n = min(sum(rows), n_features)
    gaussian, seeds = _gaussian(rng, rows, n)
    u, _ = da.linalg.qr(gaussian)
    v, _ = np.linalg.qr(rng.standard_normal(size=(n_features, n)))
    i = np.arange(n, dtype=np.float64)
    singular = (1 - tail_strength) * np.exp(-((i / effective_rank) ** 2))
    singular += tail_strength * np.exp(-0.1 * i / effective_rank)
    return (u * singular) @ v.T, seeds


def make_regression(
    n_samples: int = 100,
    n_features: int = 100,
    n_informative: int = 10,
    n_targets: int = 1,
    bias: float = 0.0,
    effective_rank: int | None = None,
    tail_strength: float = 0.5,
    noise: float = 0.0,
    shuffle: bool = True,
    coef: bool = False,
    random_state: Any = None,
    chunks: Any = None,
) -> tuple:
    """A random linear regression problem, as lazy chunked dask arrays.

    scikit-learn's :func:`~sklearn.datasets.make_regression`: gaussian inputs
    (or, with ``effective_rank``, a low-rank matrix with a fat tail of singular
    values), ``n_informative`` nonzero coefficients drawn uniformly in
    ``[0, 100)``, ``y = X @ coef + bias`` plus gaussian ``noise``; with
    ``shuffle`` the informative features are at random positions. ``coef=True``
    returns the coefficients, as scikit-learn does.

    Parameters
    ----------
    n_samples, n_features, n_informative, n_targets, bias, effective_rank,
    tail_strength, noise, shuffle, coef
        As in scikit-learn.
    random_state : int, RandomState or None, default=None
    chunks : int, tuple or None, default=None
        Rows per block, a block shape or explicit chunks; None lets dask choose.

    Returns
    -------
    X : dask array of shape (n_samples, n_features)
    y : dask array of shape (n_samples,) or (n_samples, n_targets)
    coef : ndarray of shape (n_features,) or (n_features, n_targets), if ``coef``

    Examples
    --------
    >>> import numpy as np
    >>> from scalearn.datasets import make_regression
    >>> X, y, w = make_regression(
    ...     n_samples=200, n_features=5, n_informative=2, coef=True,
    ...     chunks=50, random_state=0)
    >>> y.chunks
    ((50, 50, 50, 50),)
    >>> int(np.count_nonzero(w))
    2
    >>> bool(np.allclose(y.compute(), X.compute() @ w))
    True
    """
    owner = "make_regression"
    sk_datasets.make_regression(  # scikit-learn's checks, on two rows
        n_samples=2,
        n_features=n_features,
        n_informative=n_informative,
        n_targets=n_targets,
        bias=bias,
        effective_rank=None,
        tail_strength=tail_strength,
        noise=noise,
        random_state=0,
    )
    rows, columns = _row_chunks(owner, chunks, n_samples, n_features)
    rng = check_random_state(random_state)
    if effective_rank is None:
        X, seeds = _gaussian(rng, rows, n_features)
    else:
        X, seeds = _low_rank(rng, rows, n_features, effective_rank, tail_strength)
    n_informative = min(n_features, n_informative)
    truth = np.zeros((n_features, n_targets))
    truth[:n_informative] = 100 * rng.uniform(size=(n_informative, n_targets))
    if shuffle:
        order = rng.permutation(n_features)
        X, truth = X[:, order], truth[order]
    y = _blocks_of_rows(
        linear_targets,
        rows,
        n_targets,
        np.float64,
        X,
        seeds[:, np.newaxis],
        coef=truth,
        bias=bias,
        noise=noise,
    )
    y = y[:, 0] if n_targets == 1 else y
    X = _with_columns(X, columns)
    return (X, y, np.squeeze(truth)) if coef else (X, y)


def make_counts(
    n_samples: int = 1000,
    n_features: int = 100,
    n_informative: int = 2,
    scale: float = 1.0,
    chunks: Any = 100,
    random_state: Any = None,
) -> tuple[da.Array, da.Array]:
    """Count data for Poisson regression, as lazy chunked dask arrays.

    dask-ml's design: gaussian features, ``n_informative`` of them (distinct,
    at random) with coefficients drawn uniformly in ``(-scale, 0]``, and
    ``y ~ Poisson(exp(X @ beta))``.

    Parameters
    ----------
    n_samples : int, default=1000
    n_features : int, default=100
    n_informative : int, default=2
        Features with a nonzero coefficient.
    scale : float, default=1.0
        Scale of the coefficients.
    chunks : int, tuple or None, default=100
        Rows per block, a block shape or explicit chunks.
    random_state : int, RandomState or None, default=None

    Returns
    -------
    X : dask array of shape (n_samples, n_features), float64
    y : dask array of shape (n_samples,), int64 counts

    Examples
    --------
    >>> from scalearn.datasets import make_counts
    >>> X, y = make_counts(n_samples=300, n_features=5, random_state=0)
    >>> X.chunks
    ((100, 100, 100), (5,))
    >>> bool((y >= 0).all().compute())
    True
    """
    owner = "make_counts"
    check_param(
        owner,
        "n_informative",
        n_informative,
        isinstance(n_informative, numbers.Integral)
        and 0 <= n_informative <= n_features,
        f"an int in [0, n_features={n_features}]",
        "Use fewer informative features than features.",
    )
    rows, columns = _row_chunks(owner, chunks, n_samples, n_features)
    rng = check_random_state(random_state)
    X, seeds = _gaussian(rng, rows, n_features)
    beta = np.zeros(n_features)
    chosen = rng.choice(n_features, n_informative, replace=False)
    beta[chosen] = (rng.uniform(size=n_informative) - 1) * scale
    y = _blocks_of_rows(
        poisson_counts,
        rows,
        None,
        np.int64,
        X,
        seeds[:, np.newaxis],
        beta=beta,
        drop_axis=1,
    )
    return _with_columns(X, columns), y


def make_classification_df(
    n_samples: int = 10000,
    response_rate: float = 0.5,
    predictability: float = 0.1,
    random_state: Any = None,
    chunks: Any = None,
    dates: tuple | None = None,
    **kwargs: Any,
) -> tuple[dd.DataFrame, dd.Series]:
    """A binary classification problem as a dask DataFrame and Series.

    dask-ml's function on :func:`make_classification`: columns ``var0``,
    ``var1``..., a ``target`` Series on the same index, a share
    ``response_rate`` of positives (``weights=[1 - rate, rate]``) and
    ``flip_y = 1 - predictability``. With ``dates=(start, end)`` a ``date``
    column of random times in ``[start, end)``, drawn for every row (dask-ml
    repeated one date on every row).

    Parameters
    ----------
    n_samples : int, default=10000
    response_rate : float, default=0.5
        Share of the positive class, in (0, 1).
    predictability : float, default=0.1
        1 - the share of labels drawn at random.
    random_state : int, RandomState or None, default=None
    chunks : int, tuple or None, default=None
        Rows per partition, or explicit row chunks; None lets dask choose.
    dates : tuple of two dates or datetimes, default=None
    **kwargs
        More parameters of :func:`make_classification`.

    Returns
    -------
    X : dask DataFrame of shape (n_samples, n_features [+ 1 with dates])
    y : dask Series named "target"

    Examples
    --------
    >>> from datetime import date
    >>> from scalearn.datasets import make_classification_df
    >>> X, y = make_classification_df(
    ...     n_samples=400, n_features=3, n_informative=2, n_redundant=0,
    ...     chunks=100, dates=(date(2024, 1, 1), date(2024, 2, 1)), random_state=0)
    >>> list(X.columns)
    ['var0', 'var1', 'var2', 'date']
    >>> X.npartitions, y.name
    (4, 'target')
    """
    owner = "make_classification_df"
    check_param(
        owner,
        "response_rate",
        response_rate,
        0 < response_rate < 1,
        "a float in (0, 1)",
        "It is the share of the positive class.",
    )
    rng = check_random_state(random_state)
    X, y = make_classification(
        n_samples=n_samples,
        flip_y=1 - predictability,
        weights=[1 - response_rate, response_rate],
        random_state=rng,
        chunks=chunks,
        **kwargs,
    )
    X = X.rechunk({1: -1})
    frame = dd.from_dask_array(X, columns=[f"var{i}" for i in range(X.shape[1])])
    target = dd.from_dask_array(y, columns="target", index=frame.index)
    if dates is not None:
        start, end = (pd.Timestamp(d) for d in dates)
        seconds = int((end - start).total_seconds())
        check_param(
            owner, "dates", dates, seconds > 0, "a (start, end) pair with start < end"
        )
        stamps = _blocks_of_rows(
            random_dates,
            X.chunks[0],
            None,
            np.dtype("datetime64[ns]"),
            _block_seeds(rng, X.numblocks[0]),
            da.from_array(np.asarray(X.chunks[0]), chunks=1),
            start=start.to_datetime64(),
            seconds=seconds,
        )
        frame = frame.assign(
            date=dd.from_dask_array(stamps, columns="date", index=frame.index)
        )
    return frame, target
