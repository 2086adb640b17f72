"""ColumnTransformer on dask DataFrames, by scikit-learn's own column rules.

Numpy and pandas input go to scikit-learn unchanged. On a dask DataFrame, fit
runs scikit-learn's own ``fit`` on a tiny in-memory stand-in of the frame (two
rows made from its meta, nothing computed), in which every transformer is
replaced by a *proxy*. scikit-learn resolves the columns (names, positions,
masks, ``make_column_selector`` and other callables, the remainder) exactly as it
would on pandas and hands each proxy its stand-in columns; the proxy fits a clone
of the real transformer on the same columns of the dask DataFrame (one pass for
a scalearn transformer) and answers with a stand-in of its lazy output, so that
scikit-learn sets every fitted attribute itself. The proxies are then swapped
for the fitted transformers. ``transform`` is scikit-learn's own ``transform``
on each partition, lazily, with the output's meta built from metadata only.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn import compose as sk_compose
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.pipeline import Pipeline

from scalearn.preprocessing._base import OUTPUTS, plain_strings
from scalearn.utils._containers import (
    align_y,
    is_dask,
    is_dask_array,
    map_rows,
    stand_in,
)
from scalearn.utils._sklearn_compat import set_transform_output, transform_output
from scalearn.utils._validation import check_param

_KEYWORDS = ("passthrough", "drop")


def _is_keyword(transformer: Any, keyword: str) -> bool:
    return isinstance(transformer, str) and transformer == keyword


def dask_native(transformer: Any) -> bool:
    """Whether ``transformer`` fits on dask collections itself (a scalearn class,
    or a scikit-learn Pipeline made only of such steps)."""
    if isinstance(transformer, str):
        return transformer in _KEYWORDS
    if isinstance(transformer, Pipeline):
        return all(step is None or dask_native(step) for _, step in transformer.steps)
    return type(transformer).__module__.startswith("scalearn.")


# --- per-partition kernel: pure pandas ------------------------------------------------


def transform_partition(part: pd.DataFrame, fitted: ColumnTransformer) -> Any:
    """scikit-learn's ``ColumnTransformer.transform`` on one pandas partition."""
    out = sk_compose.ColumnTransformer.transform(fitted, plain_strings(part))
    out = fitted._named(out, part)
    if hasattr(out, "to_pandas"):  # polars output: dask partitions are pandas
        out = out.to_pandas()
    if isinstance(out, np.ndarray):
        # Labelled here with the array's dtype: pandas would infer str columns
        # from an object array, which the meta (scikit-learn's dtype) does not say.
        names = fitted._names_out(out.shape[1])
        out = pd.DataFrame(out, index=part.index, columns=names, dtype=out.dtype)
    return out


# --- the proxy that lets scikit-learn's fit drive the dask fits -----------------------


class _DaskFitProxy(TransformerMixin, BaseEstimator):
    """Stands for one transformer while scikit-learn fits on the stand-in.

    ``fit_transform`` receives the stand-in's columns for this transformer, fits
    a clone of ``transformer`` on the same columns of the dask frame, and
    returns an in-memory stand-in of the lazy output (right width, dtypes,
    names). Not a real estimator: it lives for one ``fit`` only.
    """

    def __init__(self, transformer: Any, X: Any, y: Any, owner: str) -> None:
        self.transformer = transformer
        self.X = X
        self.y = y
        self.owner = owner

    def __sklearn_clone__(self) -> _DaskFitProxy:
        return self  # scikit-learn clones before fitting; we want this instance

    def set_output(self, *, transform: str | None = None) -> _DaskFitProxy:
        return self

    def fit(self, X: Any, y: Any = None) -> _DaskFitProxy:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        columns = X.name if isinstance(X, pd.Series) else list(X.columns)
        selected = self.X[columns]
        self.fitted_ = clone(self.transformer).fit(selected, self.y)
        return _output_stand_in(self.fitted_, selected, n=len(X))

    def transform(self, X: Any) -> Any:  # pragma: no cover - never called
        # scikit-learn's fit checks that every part has transform; only
        # fit_transform is called on a proxy, which is swapped out after fit.
        raise RuntimeError(
            "ColumnTransformer: a fit-time proxy was asked to transform; this is a "
            "bug in scalearn, please report it."
        )

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        return self.fitted_.get_feature_names_out(input_features)


def _output_stand_in(fitted: Any, selected: Any, n: int = 2) -> Any:
    """A small in-memory object shaped like ``fitted``'s output on dask ``selected``.

    Built from the lazy output's metadata: nothing is computed.
    """
    out = fitted.transform(selected)
    if not is_dask(out):
        raise TypeError(
            f"{type(fitted).__name__}.transform returned a "
            f"{type(out).__name__} for dask input; a transformer in a "
            "ColumnTransformer on dask data must return a lazy dask collection."
        )
    sample = stand_in(out, n=n)
    if isinstance(sample, pd.Series):
        sample = sample.to_frame()
    return sample


# --- the estimator --------------------------------------------------------------------


class ColumnTransformer(sk_compose.ColumnTransformer, auto_wrap_output_keys=None):
    """Apply transformers to columns of a DataFrame or array, then stack them.

    scikit-learn's :class:`~sklearn.compose.ColumnTransformer`, with the same
    parameters and fitted attributes, extended to dask DataFrames (the input
    dask-ml's ColumnTransformer fails on). Numpy and pandas input go to
    scikit-learn unchanged. On a dask DataFrame:

    * columns are chosen as scikit-learn chooses them (names, positions, boolean
      masks, :func:`~sklearn.compose.make_column_selector` and other callables,
      the ``remainder``), resolved on the frame's meta: nothing is computed;
    * each transformer is a clone fitted on its dask columns, so each
      scalearn transformer takes its own single pass over the data. A plain
      scikit-learn transformer would silently load its columns into memory, so
      it is refused with an error naming the fix: use scalearn's equivalent, or
      wrap it in :class:`scalearn.wrappers.ParallelPostFit`, which fits it on the
      computed columns (the documented in-memory path) and transforms blockwise;
    * ``transform`` is lazy and keeps the row partitions. As every scalearn
      transformer, it gives a dask DataFrame for a dask DataFrame, with columns
      named by ``get_feature_names_out()``: with ``set_output(transform="pandas")``
      each column has the dtype scikit-learn's pandas output gives it; by
      default all have the dtype of scikit-learn's stacked array. Sparse output
      (``sparse_output_``) is a dask array of scipy.sparse blocks. Call
      ``.to_dask_array(lengths=True)`` for an array. String columns reach the
      transformers (and pass through) as object columns with NaN for missing
      values, as scikit-learn expects them, whatever string dtype dask gave them.

    On dask input ``sparse_output_`` is True when any transformer's output is
    sparse and ``sparse_threshold > 0``: the output's density would take a pass
    to measure. Dask arrays are not accepted (use ``dd.from_dask_array``).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from scalearn.compose import ColumnTransformer
    >>> from scalearn.preprocessing import OneHotEncoder, StandardScaler
    >>> df = pd.DataFrame({"pay": ["cash", "card", "cash", "card"],
    ...                    "fare": [1.0, 2.0, 3.0, 4.0]})
    >>> ct = ColumnTransformer(
    ...     [("pay", OneHotEncoder(sparse_output=False), ["pay"]),
    ...      ("fare", StandardScaler(), ["fare"])]
    ... ).set_output(transform="pandas")
    >>> out = ct.fit_transform(dd.from_pandas(df, npartitions=2))
    >>> out.compute()
       pay__pay_card  pay__pay_cash  fare__fare
    0            0.0            1.0   -1.341641
    1            1.0            0.0   -0.447214
    2            0.0            1.0    0.447214
    3            1.0            0.0    1.341641
    """

    # --- output configuration -------------------------------------------------------

    def set_output(self, *, transform: str | None = None) -> ColumnTransformer:
        """Choose what ``transform`` returns: "default", "pandas" or "polars".

        The setting reaches every transformer, as in scikit-learn. Dask input
        keeps its container: "pandas" gives a dask DataFrame.
        """
        check_param(
            type(self).__name__,
            "transform",
            transform,
            transform in OUTPUTS,
            f"one of {list(OUTPUTS)}",
            "Pass set_output(transform='pandas') for DataFrame output.",
        )
        set_transform_output(self, transform)
        if transform is None:
            return self
        fitted = getattr(self, "transformers_", [])
        for _, trans, _ in chain(self.transformers, fitted):
            if not isinstance(trans, str) and hasattr(trans, "set_output"):
                trans.set_output(transform=transform)
        if not isinstance(self.remainder, str):
            self.remainder.set_output(transform=transform)
        return self

    def _named(self, out: Any, X: Any, same_kind: bool = False) -> Any:
        """In-memory output labelled as ``set_output`` asks (scikit-learn's
        automatic wrapping, which this class opts out of to keep dask lazy).

        With ``same_kind``, dense output for a pandas DataFrame is a DataFrame
        under the default output too, as scalearn's transformers give: a
        Pipeline fitted on a dask DataFrame then predicts on pandas with the
        feature names its final step saw.
        """
        config = transform_output(self)
        if sp.issparse(out):
            return out
        if config == "default":
            if (
                same_kind
                and isinstance(X, pd.DataFrame)
                and isinstance(out, np.ndarray)
            ):
                names = self._names_out(out.shape[1])
                return pd.DataFrame(out, index=X.index, columns=names, dtype=out.dtype)
            return out
        names = list(self.get_feature_names_out())
        if config == "polars":
            import polars as pl

            if isinstance(out, pl.DataFrame):
                return out.rename(dict(zip(out.columns, names, strict=True)))
            return pl.DataFrame(np.asarray(out), schema=names, orient="row")
        if isinstance(out, pd.DataFrame):
            out = out.copy(deep=False)
            out.columns = names
            return out
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(out, index=index, columns=names)

    # --- fit ------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, **params: Any) -> ColumnTransformer:
        """Fit every transformer on its columns (dask: one pass per transformer)."""
        if not is_dask(X):
            return super().fit(X, y, **params)
        self._fit_dask(X, y, params)
        return self

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> Any:
        """Fit, then transform; lazy output for dask input."""
        if not is_dask(X):
            return self._named(super().fit_transform(X, y, **params), X, same_kind=True)
        self._fit_dask(X, y, params)
        return self.transform(X)

    def _fit_dask(self, X: Any, y: Any, params: dict) -> None:
        owner = f"{type(self).__name__}.fit"
        self._check_dask_input(X, owner)
        if params:
            raise ValueError(
                f"{owner}: fit parameters {sorted(params)} are not supported on "
                "dask input. Fit the transformers that need them separately."
            )
        self._check_dask_native(owner)
        if y is not None:
            y = align_y(X, y, owner=owner)
        shadow, proxies = self._shadow(X, y, owner)
        shadow.fit(plain_strings(stand_in(X)))
        self._adopt(shadow, proxies)

    def _check_dask_input(self, X: Any, owner: str) -> None:
        if is_dask_array(X) or X.ndim != 2:
            raise ValueError(
                f"{owner}: got a {type(X).__name__}; on dask data "
                f"{type(self).__name__} takes a dask DataFrame. Convert with "
                "dask.dataframe.from_dask_array(X, columns=[...]) or "
                "series.to_frame()."
            )

    def _check_dask_native(self, owner: str) -> None:
        for name, trans, _ in [*self.transformers, ("remainder", self.remainder, None)]:
            if dask_native(trans):
                continue
            param = "remainder" if name == "remainder" else "transformers"
            raise ValueError(
                f"The {param!r} parameter of {owner} holds {trans!r} (step "
                f"{name!r}), a transformer that would load its columns into "
                "memory to fit on a dask DataFrame. Accepted on dask input: "
                "scalearn transformers, Pipelines of them, 'passthrough' and "
                "'drop'. Use scalearn's equivalent (scalearn.preprocessing, "
                "scalearn.impute), or wrap it as "
                "scalearn.wrappers.ParallelPostFit(...) to fit it in memory on "
                "the computed columns and transform blockwise."
            )

    def _shadow(
        self, X: Any, y: Any, owner: str
    ) -> tuple[sk_compose.ColumnTransformer, dict[str, _DaskFitProxy]]:
        """scikit-learn's ColumnTransformer with proxies for the transformers."""
        proxies = {}

        def proxy(name: str, trans: Any) -> Any:
            if isinstance(trans, str):
                return trans
            proxies[name] = _DaskFitProxy(trans, X, y, owner)
            return proxies[name]

        params = self.get_params(deep=False)
        params["transformers"] = [
            (name, proxy(name, trans), columns)
            for name, trans, columns in self.transformers
        ]
        params["remainder"] = proxy("remainder", self.remainder)
        params["n_jobs"] = None  # the proxies fit in this process, in order
        params["verbose"] = False
        return sk_compose.ColumnTransformer(**params), proxies

    def _adopt(
        self, shadow: sk_compose.ColumnTransformer, proxies: dict[str, _DaskFitProxy]
    ) -> None:
        """Take the shadow's fitted state, with the proxies swapped for the fits."""
        own = set(self.get_params(deep=False)) | {"_sklearn_output_config"}
        for key in [k for k in vars(self) if k not in own]:
            del self.__dict__[key]
        for key, value in vars(shadow).items():
            if key not in own:
                self.__dict__[key] = value

        def fitted(name: str, trans: Any) -> Any:
            proxy = proxies.get(name)
            if proxy is not None and trans is proxy:
                return proxy.fitted_ if hasattr(proxy, "fitted_") else proxy.transformer
            return trans

        self.transformers_ = [
            (name, fitted(name, trans), columns)
            for name, trans, columns in shadow.transformers_
        ]
        # scikit-learn keeps the remainder spec too; it must not hold the proxy
        # (nor, through it, the dask frame).
        name, _, columns = shadow._remainder
        self._remainder = (name, self.remainder, columns)
        config = transform_output(self)
        if config != "default":
            self.set_output(transform=config)

    # --- transform ------------------------------------------------------------------

    def transform(self, X: Any, **params: Any) -> Any:
        """Transform each column group and stack the results; lazy on dask."""
        if not is_dask(X):
            return self._named(super().transform(X, **params), X, same_kind=True)
        owner = f"{type(self).__name__}.transform"
        self._check_dask_input(X, owner)
        if params:
            raise ValueError(
                f"{owner}: transform parameters {sorted(params)} are not "
                "supported on dask input."
            )
        meta = self._output_meta(X, owner)
        return map_rows(X, transform_partition, self, meta=meta)

    def _output_meta(self, X: Any, owner: str) -> Any:
        """An empty in-memory output, from the transformers' lazy outputs' meta."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        names = list(getattr(self, "feature_names_in_", []))
        missing = [c for c in names if c not in X.columns]
        if missing:
            raise ValueError(
                f"{owner}: columns {missing} seen in fit are missing from X. "
                "Pass a frame with every column the transformer was fitted on."
            )
        frame = plain_strings(stand_in(X[names]))
        specs = {name: trans for name, trans, _ in self.transformers}
        specs["remainder"] = self.remainder
        parts = []
        for name, trans, columns in self.transformers_:
            if _is_keyword(trans, "drop") or _empty(columns):
                continue
            labels = _labels(frame, columns)
            if _is_keyword(specs.get(name), "passthrough"):
                part = frame[labels]
                part = part.to_frame() if isinstance(part, pd.Series) else part
            else:
                part = _output_stand_in(trans, X[labels])
            weight = (self.transformer_weights or {}).get(name)
            parts.append(part if weight is None else part * weight)
        if not parts:
            return np.zeros((0, 0))
        if self.sparse_output_:
            return sp.hstack([sp.csr_matrix(p) for p in parts]).tocsr()[:0]
        parts = [p.toarray() if sp.issparse(p) else p for p in parts]
        names = self._names_out(sum(p.shape[1] for p in parts))
        if transform_output(self) == "default":
            # Partitions are scikit-learn's arrays, labelled by map_rows.
            values = np.hstack([np.asarray(p) for p in parts])[:0]
            return pd.DataFrame(values, columns=names)
        out = pd.concat([p.reset_index(drop=True) for p in parts], axis=1)
        out.columns = names
        return out.iloc[:0]

    def _names_out(self, width: int) -> list:
        """The output's column labels: the feature names out when every
        transformer can tell them, else positions."""
        try:
            return list(self.get_feature_names_out())
        except AttributeError:
            return list(range(width))


def _empty(columns: Any) -> bool:
    if isinstance(columns, str) or np.isscalar(columns):
        return False
    if isinstance(columns, slice):
        return False
    values = np.asarray(columns)
    if values.dtype == bool:
        return not values.any()
    return len(values) == 0


def _labels(frame: pd.DataFrame, columns: Any) -> Any:
    """The column labels ``columns`` picks in ``frame``, as scikit-learn picks them:
    a label for a scalar selection, else a list."""
    if isinstance(columns, str) or (np.isscalar(columns) and not _is_int(columns)):
        return columns
    if _is_int(columns):
        return frame.columns[int(columns)]
    if isinstance(columns, slice):
        ends = [e for e in (columns.start, columns.stop) if e is not None]
        if ends and all(isinstance(e, str) for e in ends):
            return list(frame.loc[:, columns].columns)
        return list(frame.iloc[:, columns].columns)
    values = np.asarray(columns)
    if values.dtype == bool or values.dtype.kind in "iu":
        return list(frame.iloc[:, values].columns)
    return list(columns)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def make_column_transformer(
    *transformers: tuple,
    remainder: Any = "drop",
    sparse_threshold: float = 0.3,
    n_jobs: int | None = None,
    verbose: bool = False,
    verbose_feature_names_out: bool | str | Any = True,
) -> ColumnTransformer:
    """Construct a :class:`ColumnTransformer` from ``(transformer, columns)`` pairs.

    scikit-learn's :func:`~sklearn.compose.make_column_transformer`: each
    transformer is named after its class in lower case (numbered when a name
    repeats), and the result works on dask DataFrames too.

    Examples
    --------
    >>> from scalearn.compose import make_column_transformer
    >>> from scalearn.preprocessing import StandardScaler
    >>> ct = make_column_transformer((StandardScaler(), ["a"]), ("drop", ["b"]))
    >>> [name for name, _, _ in ct.transformers]
    ['standardscaler', 'drop']
    """
    names = [
        t if isinstance(t, str) else type(t).__name__.lower() for t, _ in transformers
    ]
    repeated = {n for n, k in Counter(names).items() if k > 1}
    seen: Counter = Counter()
    unique = []
    for name in names:
        if name in repeated:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        unique.append(name)
    return ColumnTransformer(
        [(n, t, c) for n, (t, c) in zip(unique, transformers, strict=True)],
        remainder=remainder,
        sparse_threshold=sparse_threshold,
        n_jobs=n_jobs,
        verbose=verbose,
        verbose_feature_names_out=verbose_feature_names_out,
    )
