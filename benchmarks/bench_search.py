"""Hyper-parameter search: GridSearchCV in scikit-learn, dask-ml and scalearn.

Two grids, each searched three ways in the same run, on the same data, with the
same estimator, grid and folds (``cv=3``, stratified):

* **pipeline**: the workload of the dask-learn blog post, ``PCA`` then
  ``LogisticRegression`` over ``pca__n_components`` x ``logistic__C`` x
  ``logistic__l1_ratio`` (18 candidates). Every candidate shares its PCA with
  five others, so a search that fits each distinct pipeline prefix once per
  fold does 9 PCA fits instead of 54; one that also cuts the smaller
  ``n_components`` from the largest (exact solvers) does 3.
* **forest**: ``RandomForestClassifier(random_state=0)`` over ``n_estimators`` x
  ``max_features`` (8 candidates), where there is no prefix to share (but
  candidates differing only in ``n_estimators`` could grow one forest).

Contenders: scikit-learn's ``GridSearchCV(n_jobs=-1)`` (joblib's loky
processes), ``dask_ml.model_selection.GridSearchCV`` with its defaults (dask
threads, ``n_jobs=-1``) and ``scalearn.model_selection.GridSearchCV`` with its
defaults (dask threads). Each timed ``fit`` includes the refit on all the data.
BLAS is pinned to one thread everywhere (threadpoolctl in this process, whose
dask threads inherit it; joblib does the same in its loky workers, and the
script checks it), so that the parallelism on the two cores is each library's
own. One untimed warm-up fit of each, then ``--repeat`` rounds with the
contenders interleaved (their order rotating from round to round).

Estimator fits are counted in a separate, untimed run of each search during
which the ``fit`` (and ``fit_transform``) methods of PCA, LogisticRegression and
RandomForestClassifier are wrapped, on the classes themselves, by a counter that
also adds up the CPU seconds spent inside them and the trees grown; scikit-learn
runs that one serially (``n_jobs=1``) so that its fits happen in this process.

Run ``python benchmarks/bench_search.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import re
import statistics
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
import joblib
import numpy as np
from _common import (
    RESULTS_DIR,
    BackgroundLoad,
    blas_threads,
    blas_threads_in_dask_worker,
    fmt,
    import_dask_ml,
    ratio,
    run_header,
    spread,
    table,
    verdict,
    wait_for_quiet,
    write_json,
)
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV as SklearnGridSearchCV
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from scalearn.model_selection import GridSearchCV

dm_model_selection, DASK_ML_IMPORT_ERROR = import_dask_ml("model_selection")

TARGET_VS_SKLEARN = 2.5
TARGET_VS_DASK_ML = 1.0
LIBRARIES = ("sklearn", "dask_ml", "scalearn")
LABELS = {
    "sklearn": "scikit-learn GridSearchCV(n_jobs=-1)",
    "dask_ml": "dask-ml GridSearchCV (threads)",
    "scalearn": "scalearn GridSearchCV (threads)",
}


def int_list(text: str) -> list[int]:
    return [int(v) for v in text.split(",")]


def max_features_list(text: str) -> list[str | float]:
    out: list[str | float] = []
    for value in text.split(","):
        try:
            out.append(float(value))
        except ValueError:
            out.append(value)
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--samples", type=int, default=10_000, help="pipeline rows")
    parser.add_argument("--features", type=int, default=500)
    parser.add_argument("--redundant", type=int, default=250)
    parser.add_argument(
        "--components", type=int_list, default=[50, 100, 250], help="PCA grid"
    )
    parser.add_argument(
        "--solver",
        default="liblinear",
        help="LogisticRegression solver (must accept l1_ratio 0 and 1)",
    )
    parser.add_argument("--forest-samples", type=int, default=1_500)
    parser.add_argument("--forest-features", type=int, default=20)
    parser.add_argument(
        "--forest-estimators", type=int_list, default=[50, 100, 200, 400]
    )
    parser.add_argument(
        "--forest-max-features", type=max_features_list, default=["sqrt", 0.5]
    )
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument(
        "--grids",
        default="pipeline,forest",
        help="comma-separated: which grids to run",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=60.0,
        help="before each round, wait up to this many seconds for other processes "
        "to leave the CPUs idle (0: do not wait)",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS_DIR / "search.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    args.grids = [g for g in args.grids.split(",") if g]
    if args.repeat < 1 or args.cv < 2:
        parser.error("--repeat must be positive and --cv at least 2")
    if not set(args.grids) <= {"pipeline", "forest"} or not args.grids:
        parser.error("--grids takes pipeline and/or forest")
    return args


# -- counting the estimator fits (separate, untimed runs) ----------------------

_LOCK = threading.Lock()
_DEPTH = threading.local()
FITS: Counter = Counter()
FIT_CPU: Counter = Counter()
TREES: Counter = Counter()


@contextlib.contextmanager
def counted(name: str):
    """Count one fit of ``name`` and its thread's CPU seconds (outermost call)."""
    depth = getattr(_DEPTH, "value", 0)
    _DEPTH.value = depth + 1
    start = time.thread_time()
    try:
        yield
    finally:
        _DEPTH.value = depth
        if depth == 0:
            with _LOCK:
                FITS[name] += 1
                FIT_CPU[name] += time.thread_time() - start


def _counting(method: Callable, name: str, trees: bool) -> Callable:
    """``method`` (a fit) wrapped so that each outermost call is counted."""

    @functools.wraps(method)
    def fit(self, *args, **kwargs):
        kept = len(getattr(self, "estimators_", [])) if trees and self.warm_start else 0
        with counted(name):
            out = method(self, *args, **kwargs)
        if trees:
            with _LOCK:
                TREES[name] += len(self.estimators_) - kept
        return out

    return fit


# The fit methods counted, patched on the classes themselves for the count runs
# only (a counting subclass would not be the same class to a library that
# recognizes estimators by class, as scalearn's warm-start planning does).
COUNTED_METHODS = [
    (PCA, "fit", False),
    (PCA, "fit_transform", False),
    (LogisticRegression, "fit", False),
    (RandomForestClassifier, "fit", True),
]


@contextlib.contextmanager
def counting_fits():
    """Count fits (and trees grown) of the estimators above, then restore them."""
    FITS.clear()
    FIT_CPU.clear()
    TREES.clear()
    saved = [(cls, name, cls.__dict__.get(name)) for cls, name, _ in COUNTED_METHODS]
    try:
        for cls, name, trees in COUNTED_METHODS:
            setattr(cls, name, _counting(getattr(cls, name), cls.__name__, trees))
        yield
    finally:
        for cls, name, original in saved:
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


# -- workloads and contenders ------------------------------------------------------


@dataclass
class Workload:
    key: str
    title: str
    X: np.ndarray
    y: np.ndarray
    estimator: BaseEstimator
    grid: dict[str, list]
    description: dict[str, Any]

    @property
    def n_candidates(self) -> int:
        return int(np.prod([len(v) for v in self.grid.values()]))


def pipeline_workload(args: argparse.Namespace) -> Workload:
    X, y = make_classification(
        n_samples=args.samples,
        n_features=args.features,
        n_redundant=args.redundant,
        random_state=42,
    )
    estimator = Pipeline(
        [
            ("pca", PCA(random_state=0)),
            ("logistic", LogisticRegression(solver=args.solver, random_state=0)),
        ]
    )
    grid = {
        "pca__n_components": list(args.components),
        "logistic__C": [1e-4, 1.0, 1e4],
        "logistic__l1_ratio": [0.0, 1.0],
    }
    description = {
        "data": f"make_classification(n_samples={args.samples}, n_features="
        f"{args.features}, n_redundant={args.redundant}, random_state=42)",
        "estimator": repr(estimator),
    }
    return Workload(
        "pipeline", "PCA + LogisticRegression", X, y, estimator, grid, description
    )


def forest_workload(args: argparse.Namespace) -> Workload:
    X, y = make_classification(
        n_samples=args.forest_samples,
        n_features=args.forest_features,
        n_informative=args.forest_features // 2,
        random_state=0,
    )
    estimator = RandomForestClassifier(random_state=0)
    grid = {
        "n_estimators": list(args.forest_estimators),
        "max_features": list(args.forest_max_features),
    }
    description = {
        "data": f"make_classification(n_samples={args.forest_samples}, n_features="
        f"{args.forest_features}, n_informative={args.forest_features // 2}, "
        "random_state=0)",
        "estimator": repr(estimator),
    }
    return Workload(
        "forest", "RandomForestClassifier", X, y, estimator, grid, description
    )


def search_factory(library: str, grid: dict, cv: int) -> Callable[..., Any]:
    """``make(estimator, serial=False)`` -> an unfitted search of ``library``."""

    def make(estimator: BaseEstimator, serial: bool = False) -> Any:
        if library == "sklearn":
            # serial: for the counting run only, which must run in this process.
            return SklearnGridSearchCV(
                estimator, grid, cv=cv, n_jobs=1 if serial else -1
            )
        if library == "dask_ml":
            if dm_model_selection is None:
                raise ImportError(DASK_ML_IMPORT_ERROR)
            return dm_model_selection.GridSearchCV(estimator, grid, cv=cv)
        return GridSearchCV(estimator, grid, cv=cv, verbose=1 if serial else 0)

    return make


@dataclass
class Contender:
    key: str
    label: str
    make: Callable[..., Any]
    seconds: list[float] = field(default_factory=list)
    background: list[float | None] = field(default_factory=list)
    best_params_runs: list[dict] = field(default_factory=list)
    search: Any = None
    error: str | None = None
    warnings: Counter = field(default_factory=Counter)

    @property
    def best(self) -> float | None:
        return min(self.seconds) if self.seconds else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def short_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def fit_once(contender: Contender, workload: Workload) -> float | None:
    """Fit a fresh search once (BLAS pinned); None if it raised."""
    search = contender.make(workload.estimator)
    with (
        threadpool_limits(limits=1, user_api="blas"),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        tic = time.perf_counter()
        try:
            search.fit(workload.X, workload.y)
        except Exception as error:
            contender.error = short_error(error)
            return None
        seconds = time.perf_counter() - tic
    for w in caught:
        contender.warnings[f"{w.category.__name__}: {str(w.message)[:160]}"] += 1
    contender.search = search
    contender.best_params_runs.append(plain(search.best_params_))
    return seconds


def count_fits(contender: Contender, workload: Workload) -> dict[str, Any]:
    """Run the search once more with counting estimators (untimed)."""
    search = contender.make(workload.estimator, serial=True)
    stdout = io.StringIO()
    tic = time.perf_counter()
    with (
        counting_fits(),
        threadpool_limits(limits=1, user_api="blas"),
        warnings.catch_warnings(),
        contextlib.redirect_stdout(stdout),
    ):
        warnings.simplefilter("ignore")
        try:
            search.fit(workload.X, workload.y)
        except Exception as error:
            return {"error": short_error(error)}
    out: dict[str, Any] = {
        "fits": dict(FITS),
        "fits_total": sum(FITS.values()),
        "fit_cpu_seconds": {k: round(v, 3) for k, v in FIT_CPU.items()},
        "fit_cpu_seconds_total": round(sum(FIT_CPU.values()), 3),
        "wall_seconds": round(time.perf_counter() - tic, 3),
        "parallel": contender.key != "sklearn",
    }
    if TREES:
        out["trees_grown"] = sum(TREES.values())
    planned = re.search(r"(\d+) estimator fits\b", stdout.getvalue())
    if planned:
        out["planned_fits_excluding_refit"] = int(planned.group(1))
        out["verbose_line"] = stdout.getvalue().strip().splitlines()[0]
    return out


def expected_fits(workload: Workload, cv: int) -> dict[str, Any]:
    """Fit counts worked out from the grid, for comparison with the counts."""
    n = workload.n_candidates
    if workload.key == "pipeline":
        n_pca = len(workload.grid["pca__n_components"])
        return {
            "fit per step (scikit-learn)": {
                "PCA": n * cv + 1,
                "LogisticRegression": n * cv + 1,
            },
            "distinct prefixes shared": {
                "PCA": n_pca * cv + 1,
                "LogisticRegression": n * cv + 1,
            },
            "distinct prefixes, n_components family truncated from the largest": {
                "PCA": cv + 1,
                "LogisticRegression": n * cv + 1,
            },
        }
    sizes = workload.grid["n_estimators"]
    others = n // len(sizes)
    return {
        "one forest per candidate and fold": {
            "RandomForestClassifier": n * cv + 1,
            "trees_excluding_refit": cv * others * sum(sizes),
        },
        "warm start (largest forest per max_features and fold)": {
            "trees_excluding_refit": cv * others * max(sizes),
        },
    }


def plain(params: dict) -> dict:
    """best_params_ with numpy scalars as Python values (for JSON and ==)."""
    return {k: v.item() if hasattr(v, "item") else v for k, v in params.items()}


def short_params(params: dict | None) -> str:
    if params is None:
        return "-"
    return " ".join(
        f"{k.rsplit('__', 1)[-1]}={v:g}"
        if isinstance(v, float)
        else f"{k.rsplit('__', 1)[-1]}={v}"
        for k, v in sorted(params.items())
    )


def split_scores(search: Any, n_splits: int) -> dict[tuple, np.ndarray]:
    """Per-candidate test scores of every split, keyed by the candidate's params."""
    results = search.cv_results_
    scores = np.column_stack(
        [np.asarray(results[f"split{k}_test_score"], float) for k in range(n_splits)]
    )
    return {
        tuple(sorted(plain(p).items())): scores[i]
        for i, p in enumerate(results["params"])
    }


def mean_score_of(search: Any, params: dict) -> float | None:
    """The search's own mean_test_score for the candidate ``params``."""
    results = search.cv_results_
    for i, p in enumerate(results["params"]):
        if plain(p) == params:
            return float(results["mean_test_score"][i])
    return None


def compare_best(contenders: dict[str, Contender], cv: int) -> dict[str, Any]:
    """Are best_params_ equal; if not, is it a tie or different fits?"""
    fitted = {k: c for k, c in contenders.items() if c.search is not None}
    chosen = {k: c.best_params_runs[0] for k, c in fitted.items()}
    stable = {
        k: all(p == c.best_params_runs[0] for p in c.best_params_runs)
        for k, c in fitted.items()
    }
    reference = fitted.get("sklearn")
    equal = len(fitted) == len(contenders) and all(
        p == chosen.get("sklearn") for p in chosen.values()
    )
    details: dict[str, Any] = {}
    notes = []
    if reference is not None:
        ref_scores = split_scores(reference.search, cv)
        for key, c in fitted.items():
            if key == "sklearn":
                continue
            own = split_scores(c.search, cv)
            diff = max(
                float(np.max(np.abs(own[p] - ref_scores[p]))) for p in ref_scores
            )
            same = chosen[key] == chosen["sklearn"]
            mine = mean_score_of(c.search, chosen[key])
            theirs = mean_score_of(c.search, chosen["sklearn"])
            tie = mine is not None and theirs is not None and np.isclose(mine, theirs)
            details[key] = {
                "best_params_equal_to_sklearn": same,
                "max_abs_split_score_difference_vs_sklearn": diff,
                "own_mean_test_score_of_own_best": mine,
                "own_mean_test_score_of_sklearn_best": theirs,
            }
            if not same:
                why = (
                    f"a tie in {key}'s own mean_test_score ({mine:.6g} for both)"
                    if tie
                    else f"{key}'s mean_test_score {mine:.6g} vs {theirs:.6g}"
                )
                if getattr(c.search, "iid", False):
                    why += (
                        f" ({key}'s default iid=True weights each fold's score by "
                        "its test size; scikit-learn takes the plain mean)"
                    )
                notes.append(
                    f"{key} picks {short_params(chosen[key])} where scikit-learn "
                    f"picks {short_params(chosen['sklearn'])}: {why}; its per-split "
                    f"scores differ from scikit-learn's by at most {diff:.2g}"
                )
    missing = [k for k in contenders if k not in fitted]
    if missing:
        notes.append("not compared (failed): " + ", ".join(missing))
    return {
        "equal": equal,
        "best_params": chosen,
        "best_score": {k: float(c.search.best_score_) for k, c in fitted.items()},
        "stable_across_runs": stable,
        "details": details,
        "notes": notes,
    }


def run_workload(
    workload: Workload, args: argparse.Namespace, facts: dict[str, Any]
) -> dict[str, Any]:
    print(
        f"\n-- {workload.key}: {workload.title}, {workload.n_candidates} candidates "
        f"x {args.cv} folds; {workload.description['data']}"
    )
    contenders = {
        k: Contender(k, LABELS[k], search_factory(k, workload.grid, args.cv))
        for k in LIBRARIES
    }
    order = list(contenders.values())
    print(f"warm-up: one untimed fit of each; then {args.repeat} timed rounds")
    for c in order:
        seconds = fit_once(c, workload)
        print(
            f"  warm-up {c.key}: " + (f"{seconds:.2f}s" if c.error is None else c.error)
        )
    for round_ in range(args.repeat):
        if args.wait_idle > 0:
            wait_for_quiet(args.wait_idle)
        rotated = order[round_ % len(order) :] + order[: round_ % len(order)]
        for c in rotated:
            if c.error is not None:
                continue
            gauge = BackgroundLoad()
            seconds = fit_once(c, workload)
            if seconds is None:
                continue
            c.seconds.append(seconds)
            c.background.append(gauge.cores())
        summary = ", ".join(
            f"{c.key} {c.seconds[-1]:.2f}s" for c in rotated if c.seconds
        )
        loads = [c.background[-1] for c in rotated if c.background]
        worst = max((x for x in loads if x is not None), default=None)
        print(
            f"  round {round_ + 1}: {summary} "
            f"(other processes: up to {fmt(worst, '.2f')} cores)"
        )

    print("counting estimator fits (untimed runs, fit methods wrapped) ...")
    counts = {k: count_fits(c, workload) for k, c in contenders.items()}
    best = compare_best(contenders, args.cv)

    sk, dm, sl = (contenders[k] for k in LIBRARIES)
    results: dict[str, Any] = {}
    time_rows, work_rows = [], []
    for c in order:
        vs_sklearn = ratio(sk.best, c.best)
        vs_dask_ml = ratio(dm.best, c.best)
        n = counts[c.key]
        results[c.key] = {
            "label": c.label,
            "error": c.error,
            "seconds_best": c.best,
            "seconds_median": c.median,
            "seconds_all": c.seconds,
            "background_cores": c.background,
            "sklearn_seconds_over_this": vs_sklearn,
            "dask_ml_seconds_over_this": vs_dask_ml,
            "sklearn_seconds_over_this_median": ratio(sk.median, c.median),
            "dask_ml_seconds_over_this_median": ratio(dm.median, c.median),
            "best_params": best["best_params"].get(c.key),
            "best_score": best["best_score"].get(c.key),
            "fit_counts": n,
            "warnings": dict(c.warnings),
        }
        if c.error is not None and not c.seconds:
            time_rows.append([c.label, f"failed: {c.error[:60]}", "-", "-", "-", "-"])
        else:
            time_rows.append(
                [
                    c.label,
                    fmt(c.best, ".2f"),
                    fmt(c.median, ".2f"),
                    fmt(vs_sklearn, ".2f") + "x",
                    fmt(vs_dask_ml, ".2f") + "x",
                    fmt(
                        max((x for x in c.background if x is not None), default=None),
                        ".2f",
                    ),
                ]
            )
        fits = n.get("fits", {})
        work_rows.append(
            [
                c.label,
                " + ".join(f"{v} {k}" for k, v in fits.items()) or n.get("error", "-"),
                fmt(n.get("fits_total"), "d"),
                fmt(n.get("trees_grown"), ","),
                fmt(n.get("fit_cpu_seconds_total"), ".1f"),
                fmt(results[c.key]["best_score"], ".6f"),
                short_params(results[c.key]["best_params"]),
            ]
        )
    print()
    print(
        table(
            ["library", "s best", "s median", "vs sklearn", "vs dask-ml", "others"],
            time_rows,
        )
    )
    print(
        "(seconds of fit(X, y) including the refit; 'vs X' = X's best seconds / "
        "this one's, > 1 means faster than X; 'others': most cores other processes "
        "used during one of its rounds)"
    )
    print()
    print(
        table(
            [
                "library",
                "estimator fits (incl. refit)",
                "total",
                "trees",
                "fit CPU s",
                "best_score_",
                "best_params_",
            ],
            work_rows,
        )
    )
    print(
        "(fits counted in a separate untimed run; 'fit CPU s': CPU seconds inside the "
        "estimators' fit methods, BLAS 1 thread)"
    )
    print(f"best_params_ equal across the three: {best['equal']}")
    for note in best["notes"]:
        print(f"  {note}")
    noise = max(
        (spread(c.seconds) for c in (dm, sl) if len(c.seconds) > 1), default=0.0
    )
    return {
        "description": {
            **workload.description,
            "grid": workload.grid,
            "n_candidates": workload.n_candidates,
            "cv": args.cv,
        },
        "results": results,
        "expected_fits": expected_fits(workload, args.cv),
        "best_params_comparison": best,
        "round_spread_dask_ml_scalearn": noise,
    }


def speed_targets(key: str, out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    scalearn = out["results"]["scalearn"]
    vs_sklearn = scalearn["sklearn_seconds_over_this"]
    vs_dask_ml = scalearn["dask_ml_seconds_over_this"]
    noise = out["round_spread_dask_ml_scalearn"]
    faster = {
        "target": f"{key}: scalearn faster than dask-ml (dask-ml s / scalearn s > 1, "
        "best of rounds)",
        "measured": vs_dask_ml
        if vs_dask_ml is not None
        else (out["results"]["dask_ml"]["error"] or "not measured"),
        "met": None if vs_dask_ml is None else vs_dask_ml > TARGET_VS_DASK_ML,
        "round_spread": noise,
        "within_noise": vs_dask_ml is not None and abs(vs_dask_ml - 1.0) <= noise,
    }
    return {
        f"{key}_vs_sklearn": {
            "target": f"{key}: scalearn >= {TARGET_VS_SKLEARN}x scikit-learn "
            "(sklearn s / scalearn s, best of rounds)",
            "measured": vs_sklearn,
            "met": None if vs_sklearn is None else vs_sklearn >= TARGET_VS_SKLEARN,
        },
        f"{key}_vs_dask_ml": faster,
    }


def best_params_target(key: str, out: dict[str, Any]) -> dict[str, Any]:
    best = out["best_params_comparison"]
    measured = "equal" if best["equal"] else "; ".join(best["notes"]) or "differ"
    return {
        "target": f"{key}: best_params_ equal across scikit-learn, dask-ml, scalearn",
        "measured": measured,
        "met": best["equal"],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facts = run_header("Hyper-parameter search: GridSearchCV, three libraries")

    default_blas = blas_threads()
    with threadpool_limits(limits=1, user_api="blas"):
        pinned_main = blas_threads()
        pinned_dask = blas_threads_in_dask_worker()
    # sklearn's GridSearchCV(n_jobs=-1) runs its fits in joblib's loky workers;
    # joblib limits their BLAS to cpu_count // n_jobs threads. This also starts
    # the workers, which the searches below reuse.
    loky = joblib.Parallel(n_jobs=-1)(
        joblib.delayed(blas_threads)() for _ in range(2 * joblib.cpu_count())
    )
    print(
        f"BLAS threads: default {default_blas}; pinned to {pinned_main} in the main "
        f"thread and {pinned_dask} inside dask worker threads (threadpoolctl); "
        f"{max(loky)} inside joblib's loky workers (joblib's own limit)"
    )
    print(
        f"dask: default scheduler (threads), {dask.system.CPU_COUNT} workers; "
        f"joblib: loky, {joblib.cpu_count()} workers"
    )
    if DASK_ML_IMPORT_ERROR:
        print(f"dask-ml does not import: {DASK_ML_IMPORT_ERROR}")

    makers = {"pipeline": pipeline_workload, "forest": forest_workload}
    workloads: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for key in args.grids:
        out = run_workload(makers[key](args), args, facts)
        workloads[key] = out
        if key == "pipeline":
            targets.update(speed_targets(key, out))
        targets[f"{key}_best_params"] = best_params_target(key, out)

    print()
    for target in targets.values():
        measured = target["measured"]
        if isinstance(measured, float):
            measured = f"{measured:.2f}x"
        note = ""
        if target.get("within_noise"):
            note = (
                f" (a tie: within the rounds' spread of {target['round_spread']:.1%})"
            )
        print(
            f"target {target['target']}: measured {measured} -> "
            f"{verdict(target['met'])}{note}"
        )

    payload = {
        **facts,
        "parameters": {
            "samples": args.samples,
            "features": args.features,
            "redundant": args.redundant,
            "components": args.components,
            "solver": args.solver,
            "forest_samples": args.forest_samples,
            "forest_features": args.forest_features,
            "forest_estimators": args.forest_estimators,
            "forest_max_features": args.forest_max_features,
            "cv": args.cv,
            "grids": args.grids,
            "repeat": args.repeat,
            "wait_idle": args.wait_idle,
            "dask_scheduler": "threads (default)",
            "dask_workers": dask.system.CPU_COUNT,
            "joblib_workers": joblib.cpu_count(),
        },
        "blas": {
            "default_threads": default_blas,
            "pinned_main_thread": pinned_main,
            "pinned_dask_worker_thread": pinned_dask,
            "loky_worker_threads": max(loky),
            "method": "threadpoolctl.threadpool_limits(limits=1, user_api='blas') "
            "around every fit; joblib's inner thread limit in loky workers",
        },
        "dask_ml_import_error": DASK_ML_IMPORT_ERROR,
        "workloads": workloads,
        "targets": targets,
    }
    path = write_json(args.output, payload)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
