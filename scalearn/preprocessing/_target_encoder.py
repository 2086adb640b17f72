"""TargetEncoder on every container; one pass over dask data, cross fitting included.

On dask input each block reports, per column and per category seen in it, the
number of rows and the target's sum and centred sum of squares (or, for class
targets, the rows of each class), split by cross-fitting fold; the driver
merges them exactly (the parallel form of Welford's update) and computes
scikit-learn's encodings from the merged statistics.

Cross fitting on dask input
---------------------------
scikit-learn's ``fit_transform`` splits the rows with ``KFold`` (continuous
target) or ``StratifiedKFold`` (class target) and encodes each row with the
statistics of the other folds. A dask collection cannot be split by global row
position without reading it, so on dask input each row's fold is drawn *within
its block*, deterministically from the seed (``random_state``, or the
``random_state`` of a ``KFold``/``StratifiedKFold`` passed as ``cv``) and the
block's position:

- every block holds (almost) equal shares of each fold, rotated by the block's
  position so that no fold is larger overall;
- with ``shuffle`` (scikit-learn's default) the rows of a block are permuted
  before the folds are assigned; without it, folds are contiguous runs of rows
  within each block (``KFold(shuffle=False)`` applied to each block);
- for a class target the folds are balanced within each class of the block
  (stratified per block); a float target under ``target_type="auto"`` is
  stratified in the blocks whose values are all whole numbers.

Because the folds differ from scikit-learn's, ``fit_transform`` on dask input
does not give scikit-learn's numbers, but it has the same guarantee: no row's
encoding uses its own target. ``fit`` and ``transform`` do give scikit-learn's
numbers. On numpy and pandas input every method is scikit-learn's own.

Missing values (NaN, None, pd.NA) are one category, NaN, on dask input
(scikit-learn keeps None and NaN apart in an object array).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn import preprocessing as sk_preprocessing
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import check_random_state

from scalearn.preprocessing._base import DaskTransformerMixin, forget_fit
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_array,
    is_dask_frame,
    paired_row_blocks,
)
from scalearn.utils._moments import merge_moments
from scalearn.utils._validation import param_error

_OWNER = "TargetEncoder"


# --- per-block kernels: pure numpy / pandas -----------------------------------------


@dataclass(frozen=True)
class FoldPlan:
    """How the rows of block ``i`` get their cross-fitting fold (one fold: none).

    ``moments`` asks for the target's moments (a numeric target), ``classes``
    for the rows of each class: "always", "never", or "if_whole" (in the blocks
    whose float target holds whole numbers only, as ``type_of_target`` decides).
    """

    n_folds: int = 1
    shuffle: bool = False
    seed: int = 0
    moments: bool = True
    classes: str = "never"


def plain_column(block: Any, j: int) -> np.ndarray:
    """Column ``j`` of a block, numeric as is, anything else as objects with NaN."""
    if isinstance(block, pd.DataFrame):
        column = block.iloc[:, j]
        dtype = column.dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not isinstance(
            dtype, pd.CategoricalDtype
        )
        if numeric and not pd.api.types.is_extension_array_dtype(dtype):
            return column.to_numpy()
        return column.to_numpy(dtype=object, na_value=np.nan)
    values = np.asarray(block)[:, j]
    if values.dtype == object:
        values = values.copy()
        values[pd.isna(values)] = np.nan
    return values


def _target(y_block: Any) -> np.ndarray:
    values = y_block.to_numpy() if isinstance(y_block, pd.Series) else y_block
    return np.asarray(values).reshape(len(values))


def _uses_classes(plan: FoldPlan, y: np.ndarray) -> bool:
    """Whether a block's target is counted by class (and its folds stratified)."""
    if plan.classes == "if_whole" and y.dtype.kind == "f":
        present = y[~np.isnan(y)]
        return bool(np.all(present == np.round(present)))
    return plan.classes != "never"


def block_folds(y: np.ndarray, plan: FoldPlan, block_index: int) -> np.ndarray:
    """The fold of each row of one block (see the module docstring)."""
    n = len(y)
    if plan.n_folds == 1:
        return np.zeros(n, dtype=np.int64)
    order = np.arange(n)
    if plan.shuffle:
        order = np.random.default_rng([plan.seed, block_index]).permutation(n)
    position = np.empty(n, dtype=np.int64)
    if _uses_classes(plan, y):
        # Rows sorted by class (in ``order`` within a class), dealt round robin.
        labels, _ = pd.factorize(y[order], use_na_sentinel=False)
        position[order[np.argsort(labels, kind="stable")]] = np.arange(n)
        folds = position % plan.n_folds
    else:
        position[order] = np.arange(n)
        folds = position * plan.n_folds // max(n, 1)
    return (folds + block_index) % plan.n_folds


def block_statistics(
    X_block: Any, y_block: Any, plan: FoldPlan, block_index: int
) -> dict:
    """One block's target statistics per column, category and fold.

    Per column: the distinct values and, with ``moments``, the rows, target sum
    and centred sum of squares, each of shape (values, folds); with classes,
    ``(keys, counts)`` of the non-zero (value, fold, class) cells, the key
    being ``(value * folds + fold) * classes + class`` over the block's classes.
    """
    y = _target(y_block)
    folds = block_folds(y, plan, block_index)
    k = plan.n_folds
    use_classes = _uses_classes(plan, y)
    found: dict = {"missing_y": int(pd.isna(y).sum()), "by_class": use_classes}
    numeric = y.dtype.kind in "biuf"
    y_float = y.astype(np.float64) if plan.moments and numeric else None
    if use_classes:
        y_codes, y_values = pd.factorize(y, use_na_sentinel=False)
        found["classes"] = np.asarray(y_values, dtype=object)
    if y_float is not None:
        found["fold_moments"] = _grouped_moments(folds, y_float, k)
    if use_classes:
        found["fold_classes"] = _sparse_counts(folds, y_codes, len(y_values))
    columns = []
    n_columns = X_block.shape[1]
    for j in range(n_columns):
        codes, values = pd.factorize(plain_column(X_block, j), use_na_sentinel=False)
        values = np.asarray(values, dtype=object)
        values[pd.isna(values)] = np.nan
        keys = codes * k + folds
        column = {"values": values}
        if y_float is not None:
            column["moments"] = _grouped_moments(keys, y_float, len(values) * k)
        if use_classes:
            column["classes"] = _sparse_counts(keys, y_codes, len(y_values))
        columns.append(column)
    found["columns"] = columns
    return found


def _grouped_moments(keys: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """Rows, sum and centred sum of squares of ``y`` by key: shape (3, size)."""
    count = np.bincount(keys, minlength=size).astype(np.float64)
    total = np.bincount(keys, weights=y, minlength=size)
    mean = np.divide(total, count, out=np.zeros(size), where=count > 0)
    deviation = y - mean[keys]
    m2 = np.bincount(keys, weights=deviation * deviation, minlength=size)
    return np.stack([count, total, m2])


def _sparse_counts(
    keys: np.ndarray, y_codes: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """The non-zero counts of (key, class) pairs as (combined keys, counts)."""
    combined = keys.astype(np.int64) * n_classes + y_codes
    return np.unique(combined, return_counts=True)


def cross_fit_block(
    X_block: Any,
    y_block: Any,
    plan: FoldPlan,
    block_index: int,
    tables: dict,
) -> Any:
    """Encode one block's rows with the statistics of the other folds."""
    y = _target(y_block)
    folds = block_folds(y, plan, block_index)
    out = np.empty((len(y), tables["n_outputs"]), dtype=np.float64)
    n_per = tables["per_feature"]
    for j, categories in enumerate(tables["categories"]):
        codes = categories.get_indexer(plain_column(X_block, j))
        known = codes >= 0
        for c in range(n_per):
            column = j * n_per + c
            out[:, column] = tables["fold_means"][folds, c]
            table = tables["encodings"][column]  # shape (folds, categories)
            out[known, column] = table[folds[known], codes[known]]
    if isinstance(X_block, pd.DataFrame):
        return pd.DataFrame(out, index=X_block.index, columns=tables["names"])
    return out


# --- merging and encodings: pure numpy ----------------------------------------------


def merge_block_moments(
    keys: list[np.ndarray], moments: list[np.ndarray], size: int
) -> np.ndarray:
    """Merge (rows, sum, m2) of groups from many blocks into ``size`` groups."""
    key = np.concatenate(keys)
    count, total, m2 = np.concatenate(moments, axis=1)
    merged_count = np.bincount(key, weights=count, minlength=size)
    merged_total = np.bincount(key, weights=total, minlength=size)
    mean = np.divide(
        merged_total, merged_count, out=np.zeros(size), where=merged_count > 0
    )
    block_mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    spread = count * (block_mean - mean[key]) ** 2
    merged_m2 = np.bincount(key, weights=m2 + spread, minlength=size)
    return np.stack([merged_count, merged_total, merged_m2])


def class_moments(count: np.ndarray, in_class: np.ndarray) -> np.ndarray:
    """(rows, sum, m2) of a class's 0/1 indicator from rows and rows in the class."""
    mean = np.divide(in_class, count, out=np.zeros(count.shape), where=count > 0)
    m2 = in_class * (1 - mean) ** 2 + (count - in_class) * mean**2
    return np.stack([count, in_class.astype(np.float64), m2])


def train_moments(moments: np.ndarray, fold: int | None) -> np.ndarray:
    """Moments over every fold but ``fold`` (all folds for None); folds on axis -1."""
    n_folds = moments.shape[-1]
    kept = [g for g in range(n_folds) if g != fold]
    stacked = np.concatenate(
        [np.stack([m[0], _mean(m), m[2]]) for m in (moments[..., g] for g in kept)]
    )
    count, mean, m2 = merge_moments(stacked.reshape(3 * len(kept), -1))
    shape = moments.shape[1:-1]
    return np.stack(
        [count.reshape(shape), (count * mean).reshape(shape), m2.reshape(shape)]
    )


def _mean(moments: np.ndarray) -> np.ndarray:
    count, total = moments[0], moments[1]
    return np.divide(total, count, out=np.zeros(count.shape), where=count > 0)


def encode(category: np.ndarray, target: np.ndarray, smooth: Any) -> np.ndarray:
    """scikit-learn's encodings from a category's and the whole target's moments.

    ``category`` is (rows, sum, m2) per category; ``target`` the same for the
    target (scalars). ``smooth="auto"`` is the empirical Bayes shrinkage.
    """
    count, total, m2 = category
    y_mean = target[1] / target[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if smooth == "auto":
            y_variance = target[2] / target[0]
            means = total / count
            shrink = y_variance * count / (y_variance * count + m2 / count)
            encoded = shrink * means + (1 - shrink) * y_mean
            return np.where(np.isnan(shrink), y_mean, encoded)
        weights = count + smooth
        encoded = (smooth * y_mean + total) / weights
    return np.where(weights == 0, y_mean, encoded)


# --- the estimator ------------------------------------------------------------------


class TargetEncoder(
    DaskTransformerMixin, sk_preprocessing.TargetEncoder, auto_wrap_output_keys=None
):
    """Encode categories by a shrunk mean of the target, for high-cardinality columns.

    scikit-learn's :class:`~sklearn.preprocessing.TargetEncoder` (parameters
    ``categories``, ``target_type`` "auto" / "continuous" / "binary" /
    "multiclass", ``smooth`` "auto" or a float, ``cv``, ``shuffle``,
    ``random_state``), extended to dask arrays and DataFrames with string,
    categorical or integer columns. On dask input ``fit`` takes one pass (one
    ``dask.compute``) that counts, per column and category, the rows, the sum
    and the centred sum of squares of the target (per class for a class
    target), and sets scikit-learn's fitted attributes (``encodings_``,
    ``categories_``, ``target_type_``, ``target_mean_``, ``classes_``,
    ``n_features_in_``, ``feature_names_in_``) to its values on the same data.
    ``transform`` is lazy and blockwise (scikit-learn's own transform on each
    block; unknown categories get ``target_mean_``).

    ``fit_transform`` cross-fits in the same single pass: on dask input the
    folds are drawn within each block, from ``random_state`` (or that of a
    ``KFold`` / ``StratifiedKFold`` passed as ``cv``) and the block's position,
    so the encodings differ from scikit-learn's, but no row is encoded with
    its own target. See the module docstring for the fold assignment. On
    dask input ``cv`` is an int >= 2, None (5 folds), or a ``KFold`` or
    ``StratifiedKFold`` (its ``n_splits``, ``shuffle`` and ``random_state``);
    other splitters need row positions and are refused. On numpy and pandas
    input everything is scikit-learn's own.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from scalearn.preprocessing import TargetEncoder
    >>> df = pd.DataFrame({"city": ["a", "a", "b", "b", "b", "c"],
    ...                    "price": [1.5, 3.0, 10.0, 12.5, 14.0, 7.0]})
    >>> ddf = dd.from_pandas(df, npartitions=2)
    >>> enc = TargetEncoder(smooth=1.0).fit(ddf[["city"]], ddf["price"])
    >>> enc.categories_, enc.target_mean_
    ([array(['a', 'b', 'c'], dtype=object)], np.float64(8.0))
    >>> enc.encodings_
    [array([ 4.16666667, 11.125     ,  7.5       ])]
    >>> enc.transform(ddf[["city"]]).compute()["city"].round(2).tolist()
    [4.17, 4.17, 11.12, 11.12, 11.12, 7.5]
    >>> enc.fit_transform(ddf[["city"]], ddf["price"]).npartitions
    2
    """

    def fit(self, X: Any, y: Any) -> TargetEncoder:
        """Learn the encodings; one pass over dask data."""
        if not is_dask(X) and not is_dask(y):
            return super().fit(X, y)
        forget_fit(self)
        self._fit_dask(X, y, FoldPlan())
        return self

    def fit_transform(self, X: Any, y: Any, **params: Any) -> Any:
        """Fit and encode ``X`` by cross fitting; one pass over dask data."""
        if not is_dask(X) and not is_dask(y):
            # scikit-learn's cross fitting, not the mixin's fit().transform().
            crossed = sk_preprocessing.TargetEncoder.fit_transform(self, X, y, **params)
            return self._as_configured(crossed, X)
        if params:
            raise ValueError(
                f"{_OWNER}.fit_transform: parameters {sorted(params)} cannot be "
                "routed to a splitter on dask input, whose folds are drawn within "
                "each block. Call fit_transform without them."
            )
        forget_fit(self)
        n_folds, shuffle, seed = self._dask_folds()
        plan = FoldPlan(n_folds=n_folds, shuffle=shuffle, seed=seed)
        X, blocks, plan, per_fold = self._fit_dask(X, y, plan)
        return self._cross_fit(X, blocks, plan, per_fold)

    # --- dask paths ---------------------------------------------------------------

    def _dask_folds(self) -> tuple[int, bool, int]:
        """The folds, shuffling and seed of cross fitting on dask input."""
        shuffle = True if self.shuffle == "deprecated" else self.shuffle
        random_state = None if self.random_state == "deprecated" else self.random_state
        if self.shuffle != "deprecated" or self.random_state != "deprecated":
            warnings.warn(
                "`TargetEncoder.shuffle` and `TargetEncoder.random_state` are "
                "deprecated in version 1.9 and will be removed in version 1.11. "
                "Pass a cross-validation generator as `cv` argument to specify the "
                "shuffling behaviour instead.",
                FutureWarning,
                stacklevel=3,
            )
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, KFold | StratifiedKFold):
            n_folds, shuffle, random_state = cv.n_splits, cv.shuffle, cv.random_state
        elif isinstance(cv, Integral) and not isinstance(cv, bool) and cv >= 2:
            n_folds = int(cv)
        else:
            raise param_error(
                _OWNER,
                "cv",
                cv,
                "an int >= 2, None, or a KFold or StratifiedKFold on dask input",
                "Other splitters need row positions: pass cv=KFold(n_splits, "
                "shuffle=True, random_state=0), or compute the data first.",
            )
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        return n_folds, bool(shuffle), seed

    def _fit_dask(self, X: Any, y: Any, plan: FoldPlan) -> tuple:
        owner = f"{_OWNER}.fit"
        if y is None:
            raise ValueError(
                f"{owner}: y is required; the encodings are means of the target. "
                "Pass fit(X, y)."
            )
        X, y = _as_dask_pair(X, y, owner)
        moments, classes = self._wanted(y)
        plan = FoldPlan(
            plan.n_folds, plan.shuffle, plan.seed, moments=moments, classes=classes
        )
        y = align_y(X, y, owner=owner)
        blocks = paired_row_blocks(X, y, owner=owner)
        stats = dask.delayed(block_statistics, pure=True)
        found = dask.compute(
            *(stats(xb, yb, plan, i) for i, (xb, yb) in enumerate(blocks))
        )
        if sum(f["missing_y"] for f in found):
            raise ValueError(
                f"{owner}: y contains missing values (NaN). Drop those rows or "
                "fill the target before encoding."
            )
        target_type = self._target_type(found)
        classes = _merged_classes(found) if target_type != "continuous" else None
        self._fit_summary(X, y, found, target_type, classes)
        per_fold = self._set_encodings(found, plan.n_folds, y.dtype)
        return X, blocks, plan, per_fold

    def _wanted(self, y: Any) -> tuple[bool, str]:
        """Which statistics the pass gathers: moments, classes, or both."""
        dtype = y.dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not isinstance(
            dtype, pd.CategoricalDtype
        )
        if self.target_type == "continuous":
            if not numeric or pd.api.types.is_bool_dtype(dtype):
                raise param_error(
                    _OWNER,
                    "target_type",
                    self.target_type,
                    "'continuous' only for a numeric y",
                    f"y has dtype {dtype}: convert it to float or use "
                    "target_type='auto'.",
                )
            return True, "never"
        if self.target_type in ("binary", "multiclass"):
            return False, "always"
        if self.target_type != "auto":
            raise param_error(
                _OWNER,
                "target_type",
                self.target_type,
                "one of ['auto', 'continuous', 'binary', 'multiclass']",
                "Use target_type='auto' to infer it from y.",
            )
        if pd.api.types.is_float_dtype(dtype):
            return True, "if_whole"
        return False, "always"

    def _target_type(self, found: tuple) -> str:
        if self.target_type != "auto":
            return self.target_type
        if not all(f["by_class"] for f in found):
            return "continuous"
        return "binary" if len(_merged_classes(found)) <= 2 else "multiclass"

    def _fit_summary(
        self, X: Any, y: Any, found: tuple, target_type: str, classes: Any
    ) -> None:
        """scikit-learn's fit on one row per category: categories and classes."""
        columns = []
        for j in range(len(found[0]["columns"]) if found else 0):
            values = pd.unique(
                np.concatenate([f["columns"][j]["values"] for f in found])
            )
            columns.append(np.asarray(values, dtype=object))
        n_classes = 0 if classes is None else len(classes)
        length = max([2, n_classes, *(len(c) for c in columns)])
        columns = [np.resize(c, length) for c in columns]
        if is_dask_frame(X):
            summary = pd.DataFrame(
                {
                    name: _summary_column(values, X.dtypes[name])
                    for name, values in zip(X.columns, columns, strict=True)
                }
            )
        else:
            summary = np.empty((length, len(columns)), dtype=object)
            for j, values in enumerate(columns):
                summary[:, j] = values
            if X.dtype != object:
                summary = summary.astype(X.dtype)
        if target_type == "continuous":
            summary_y = np.arange(length, dtype=np.float64) + 0.5
        else:
            summary_y = _summary_target(np.resize(classes, length), y.dtype)
        with warnings.catch_warnings():
            # The summary stands for the data: scikit-learn's fit on it checks
            # the parameters and sets the categories, classes and features;
            # the encodings are then replaced by those of the data.
            warnings.simplefilter("ignore", UserWarning)
            super().fit(summary, summary_y)

    def _set_encodings(self, found: tuple, n_folds: int, y_dtype: Any) -> dict:
        """Set ``encodings_`` and ``target_mean_``; return the per-fold tables."""
        per_class = self._class_indices()
        target = self._target_moments(found, n_folds, per_class)
        encodings, per_fold = [], {"encodings": [], "fold_means": None}
        totals = train_moments(target, None)
        # With one fold (fit), there is no cross fitting.
        crossed = range(n_folds) if n_folds > 1 else range(0)
        fold_targets = [train_moments(target, f) for f in crossed]
        for j, categories in enumerate(self.categories_):
            moments = self._category_moments(found, j, categories, n_folds, per_class)
            all_folds = train_moments(moments, None)
            train = [train_moments(moments, f) for f in crossed]
            for c in range(moments.shape[2]):
                encodings.append(encode(all_folds[:, :, c], totals[:, c], self.smooth))
                if train:
                    per_fold["encodings"].append(
                        np.stack(
                            [
                                encode(t[:, :, c], ft[:, c], self.smooth)
                                for t, ft in zip(train, fold_targets, strict=True)
                            ]
                        )
                    )
        self.encodings_ = encodings
        means = totals[1] / totals[0]
        if fold_targets:
            per_fold["fold_means"] = np.stack([t[1] / t[0] for t in fold_targets])
        if self.target_type_ == "multiclass":
            self.target_mean_ = means
        else:
            # np.mean's type: float32 for a float32 target, else float64.
            dtype = y_dtype if pd.api.types.is_float_dtype(y_dtype) else np.float64
            self.target_mean_ = np.dtype(dtype).type(means[0])
        return per_fold

    def _class_indices(self) -> list[int] | None:
        """The classes whose indicators are encoded (None: a continuous target)."""
        if self.target_type_ == "continuous":
            return None
        if self.target_type_ == "binary":
            return [1]
        return list(range(len(self.classes_)))

    def _target_moments(
        self, found: tuple, n_folds: int, per_class: list[int] | None
    ) -> np.ndarray:
        """The target's (rows, sum, m2) per encoded output and fold: (3, c, k)."""
        if per_class is None:
            stacked = merge_block_moments(
                [np.arange(n_folds)] * len(found),
                [f["fold_moments"] for f in found],
                n_folds,
            )
            return stacked[:, None, :]
        counts = np.zeros((n_folds, len(self.classes_)))
        for f in found:
            cells, n = f["fold_classes"]
            codes = _class_codes(f["classes"], self.classes_)
            n_local = len(f["classes"])
            np.add.at(counts, (cells // n_local, codes[cells % n_local]), n)
        rows = counts.sum(axis=1)
        return np.stack([class_moments(rows, counts[:, c]) for c in per_class], axis=1)

    def _category_moments(
        self,
        found: tuple,
        j: int,
        categories: np.ndarray,
        n_folds: int,
        per_class: list[int] | None,
    ) -> np.ndarray:
        """Column ``j``'s (rows, sum, m2) by category, output, fold: (3, n, c, k)."""
        index = pd.Index(categories)
        n_categories = len(categories)
        size = n_categories * n_folds
        keys, moments = [], []
        counts = None if per_class is None else np.zeros((size, len(self.classes_)))
        for f in found:
            column = f["columns"][j]
            # A value outside given categories counts for the first category,
            # as scikit-learn's fit counts it (its ordinal code is 0).
            codes = np.maximum(index.get_indexer(column["values"]), 0)
            if per_class is None:
                local = np.arange(len(codes) * n_folds)
                keys.append(codes[local // n_folds] * n_folds + local % n_folds)
                moments.append(column["moments"])
                continue
            cells, n = column["classes"]
            n_local = len(f["classes"])
            group = cells // n_local
            key = codes[group // n_folds] * n_folds + group % n_folds
            in_class = _class_codes(f["classes"], self.classes_)[cells % n_local]
            np.add.at(counts, (key, in_class), n)
        if per_class is None:
            merged = merge_block_moments(keys, moments, size)
            return merged.reshape(3, n_categories, 1, n_folds)
        rows = counts.sum(axis=1)
        stacked = np.stack(
            [class_moments(rows, counts[:, c]) for c in per_class], axis=1
        )
        shape = (3, len(per_class), n_categories, n_folds)
        return stacked.reshape(shape).transpose(0, 2, 1, 3)

    def _cross_fit(self, X: Any, blocks: list, plan: FoldPlan, per_fold: dict) -> Any:
        """The lazy cross-fitted encoding of dask ``X``, block by block."""
        names = list(self.get_feature_names_out())
        tables = {
            "categories": [pd.Index(c) for c in self.categories_],
            "encodings": per_fold["encodings"],
            "fold_means": per_fold["fold_means"],
            "per_feature": len(names) // len(self.categories_),
            "n_outputs": len(names),
            "names": names,
        }
        tables = dask.delayed(tables, pure=True, traverse=False)
        apply = dask.delayed(cross_fit_block, pure=True)
        parts = [apply(xb, yb, plan, i, tables) for i, (xb, yb) in enumerate(blocks)]
        if is_dask_frame(X):
            meta = pd.DataFrame(np.empty((0, len(names))), columns=names)
            divisions = X.divisions if X.known_divisions else None
            return dd.from_delayed(
                parts, meta=meta, divisions=divisions, verify_meta=False
            )
        pieces = [
            da.from_delayed(
                part, shape=(n, len(names)), dtype=np.float64, meta=np.empty((0, 0))
            )
            for part, n in zip(parts, X.chunks[0], strict=True)
        ]
        return da.concatenate(pieces, axis=0)


def _class_codes(local: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Positions in ``classes`` of a block's class values."""
    return pd.Index(classes).get_indexer(pd.Index(local, dtype=object))


def _merged_classes(found: tuple) -> np.ndarray:
    values = pd.unique(np.concatenate([f["classes"] for f in found]))
    return np.sort(np.asarray(values, dtype=object))


def _summary_column(values: np.ndarray, dtype: Any) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(dtype) and not isinstance(
        dtype, pd.CategoricalDtype | pd.StringDtype
    )
    column = pd.Series(values, dtype=object)
    return column.astype(dtype) if numeric else column


def _summary_target(classes: np.ndarray, dtype: Any) -> Any:
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(classes, dtype=object)
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_extension_array_dtype(
        dtype
    ):
        return pd.Series(classes, dtype=dtype)
    return np.asarray(classes).astype(dtype)


def _as_dask_pair(X: Any, y: Any, owner: str) -> tuple[Any, Any]:
    """Dask ``X`` and a 1-D ``y`` (a one-column frame or (n, 1) array raveled)."""
    if not is_dask(X):
        raise TypeError(
            f"{owner}: y is a dask collection but X is {type(X).__name__}. Pass "
            "both as dask collections, or both in memory (y.compute())."
        )
    if isinstance(X, dd.Series) or getattr(X, "ndim", 2) != 2:
        raise ValueError(
            f"{owner}: X must be 2-D (one column per feature). Use "
            "X.to_frame() for a Series or X.reshape(-1, 1) for one column."
        )
    if isinstance(y, dd.DataFrame | pd.DataFrame):
        if len(y.columns) != 1:
            raise ValueError(
                f"{owner}: y must be 1-D; got {len(y.columns)} columns. Pass one "
                "target column, y = df[target]."
            )
        y = y.iloc[:, 0]
    elif getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
        y = y.reshape(-1) if is_dask_array(y) else np.asarray(y).ravel()
    if getattr(y, "ndim", 1) != 1:
        raise ValueError(
            f"{owner}: y must be 1-D; got shape {y.shape}. TargetEncoder encodes "
            "one target."
        )
    if not is_dask(y) and not hasattr(y, "dtype"):
        y = np.asarray(y)
    return X, y
