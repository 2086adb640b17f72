"""Adaptive searches: the loop, each policy, with and without a Client."""

from __future__ import annotations

import threading

import dask
import dask.array as da
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from scalearn.conftest import as_container
from scalearn.model_selection import (
    HyperbandSearchCV,
    IncrementalSearchCV,
    InverseDecaySearchCV,
    SuccessiveHalvingSearchCV,
)
from scalearn.model_selection._hyperband import brackets
from scalearn.model_selection._successive_halving import rung_work, rungs

# Small alphas fit this problem; large ones underfit it badly.
GOOD = [1e-5, 1e-4, 1e-3]
SPACE = {"alpha": [*GOOD, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0]}


@pytest.fixture(scope="module")
def problem():
    X, y = make_classification(
        n_samples=2_000,
        n_features=10,
        n_informative=5,
        class_sep=1.5,
        random_state=0,
    )
    return X, y


def dask_xy(problem, chunk_rows=200):
    X, y = problem
    return as_container(X, y, "dask_array", chunk_rows=chunk_rows)


_FULL_BEST: dict = {}


def full_search_best(problem) -> float:
    """The best held-out score of every SPACE candidate trained to 9 calls."""
    if "score" not in _FULL_BEST:
        X, y = dask_xy(problem)
        search = IncrementalSearchCV(
            sgd(), SPACE, n_initial_parameters="grid", max_iter=9, random_state=0
        ).fit(X, y, classes=[0, 1])
        _FULL_BEST["score"] = search.best_score_
    return _FULL_BEST["score"]


def sgd():
    return SGDClassifier(tol=None, random_state=0)


SEARCHES = {
    "incremental": lambda: IncrementalSearchCV(
        sgd(), SPACE, n_initial_parameters="grid", max_iter=6, random_state=0
    ),
    "inverse_decay": lambda: InverseDecaySearchCV(
        sgd(), SPACE, n_initial_parameters="grid", max_iter=6, random_state=0
    ),
    "halving": lambda: SuccessiveHalvingSearchCV(
        sgd(), SPACE, n_initial_parameters="grid", n_initial_iter=1, random_state=0
    ),
    "asha": lambda: SuccessiveHalvingSearchCV(
        sgd(),
        SPACE,
        n_initial_parameters="grid",
        n_initial_iter=1,
        random_state=0,
        asynchronous=True,
    ),
    "hyperband": lambda: HyperbandSearchCV(
        sgd(), {"alpha": loguniform(1e-5, 1e3)}, max_iter=9, random_state=0
    ),
}


@pytest.mark.parametrize("name", sorted(SEARCHES))
@pytest.mark.parametrize("where", ["threads", "distributed"])
def test_finds_a_near_best_model(problem, name, where, request):
    X, y = dask_xy(problem)
    search = SEARCHES[name]()
    if where == "distributed":
        from distributed import Client

        with Client(request.getfixturevalue("cluster")):
            search.fit(X, y, classes=[0, 1])
    else:
        with dask.config.set(scheduler="threads"):
            search.fit(X, y, classes=[0, 1])
    # Near the best a full search finds: every grid candidate trained to 9
    # calls scores at most about 0.9 here (the underfit ones near 0.5).
    assert search.best_score_ >= full_search_best(problem) - 0.05
    assert search.best_score_ == max(search.cv_results_["test_score"])
    best = search.best_estimator_
    assert best.get_params()["alpha"] == search.best_params_["alpha"]
    # The best model's own last record is its score on the held-out set.
    best_id = search.cv_results_["model_id"][search.best_index_]
    assert search.model_history_[best_id][-1]["score"] == search.best_score_
    # Predictions on dask input stay lazy, with X's row chunks.
    predictions = search.predict(X)
    assert isinstance(predictions, da.Array)
    assert predictions.chunks[0] == X.chunks[0]
    assert (predictions.compute() == best.predict(X.compute())).all()
    assert 0.8 < search.score(X, y) <= 1.0


class CountingSGD(SGDClassifier):
    """Counts its partial_fit calls (threads only: the counter is in-process)."""

    calls = 0
    lock = threading.Lock()

    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        with CountingSGD.lock:
            CountingSGD.calls += 1
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_work_done_matches_metadata(problem, asynchronous):
    X, y = dask_xy(problem)
    CountingSGD.calls = 0
    search = HyperbandSearchCV(
        CountingSGD(tol=None, random_state=0),
        {"alpha": loguniform(1e-5, 1e3)},
        max_iter=27,
        random_state=1,
        asynchronous=asynchronous,
    )
    planned = search.metadata
    search.fit(X, y, classes=[0, 1])
    done = search.metadata_
    assert CountingSGD.calls == done["partial_fit_calls"]
    assert done["partial_fit_calls"] == sum(
        r[-1]["partial_fit_calls"] for r in search.model_history_.values()
    )
    assert done["n_models"] == planned["n_models"] == len(search.cv_results_["params"])
    if asynchronous:  # ASHA never promotes more than lockstep halving
        assert done["partial_fit_calls"] <= planned["partial_fit_calls"]
    else:
        assert done == planned
    for plan, did in zip(planned["brackets"], done["brackets"], strict=True):
        assert plan["bracket"] == did["bracket"]
        assert plan["n_models"] == did["n_models"]


def test_rungs_and_brackets_follow_the_formulas():
    assert rungs(81, 1, 3, 81) == [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)]
    assert rung_work(rungs(81, 1, 3, 81)) == 81 + 27 * 2 + 9 * 6 + 3 * 18 + 54
    plan = brackets(81, 3)
    assert [b["n_models"] for b in plan] == [81, 34, 15, 8, 5]
    assert [b["rungs"][0][1] for b in plan] == [1, 3, 9, 27, 81]
    assert all(b["rungs"][-1][1] == 81 for b in plan)
    # max_iter caps the rungs; a bracket never trains a model past it.
    assert rungs(10, 2, 3, 10) == [(10, 2), (3, 6), (1, 10)]


def test_same_results_on_threads_sync_and_a_client(problem, cluster):
    from distributed import Client

    X, y = dask_xy(problem)

    def run():
        search = SuccessiveHalvingSearchCV(
            sgd(),
            {"alpha": loguniform(1e-5, 1e3)},
            n_initial_parameters=9,
            n_initial_iter=2,
            random_state=3,
        )
        return search.fit(X, y, classes=[0, 1])

    with dask.config.set(scheduler="sync"):
        first = run()
    with dask.config.set(scheduler="threads"):
        second = run()
    with Client(cluster):
        third = run()
    for other in (second, third):
        np.testing.assert_array_equal(
            first.cv_results_["test_score"], other.cv_results_["test_score"]
        )
        assert first.best_params_ == other.best_params_
        np.testing.assert_array_equal(
            first.best_estimator_.coef_, other.best_estimator_.coef_
        )


def test_fitted_attributes_have_the_documented_shapes(problem):
    X, y = dask_xy(problem)
    search = HyperbandSearchCV(
        sgd(), {"alpha": loguniform(1e-5, 1e3)}, max_iter=9, random_state=0
    ).fit(X, y, classes=[0, 1])
    results = search.cv_results_
    n = search.n_models_
    assert n == 17 == len(results["params"])
    for key in (
        "test_score",
        "rank_test_score",
        "model_id",
        "partial_fit_calls",
        "mean_partial_fit_time",
        "std_partial_fit_time",
        "mean_score_time",
        "std_score_time",
        "param_alpha",
        "bracket",
    ):
        assert len(results[key]) == n, key
    assert results["rank_test_score"][search.best_index_] == 1
    assert set(results["bracket"]) == {0, 1, 2}
    assert len(search.history_) == sum(len(h) for h in search.model_history_.values())
    record = search.history_[0]
    assert set(record) >= {
        "model_id",
        "params",
        "partial_fit_calls",
        "partial_fit_time",
        "score",
        "score_time",
        "elapsed_wall_time",
        "bracket",
    }
    times = [r["elapsed_wall_time"] for r in search.history_]
    assert times == sorted(times)
    assert search.n_splits_ == 1
    assert search.multimetric_ is False
    # Every model of bracket 0 goes straight to max_iter; bracket 2 starts at 1.
    calls = dict(zip(results["model_id"], results["partial_fit_calls"], strict=True))
    assert all(calls[i] == 9 for i in calls if i.startswith("bracket=0-"))
    assert min(c for i, c in calls.items() if i.startswith("bracket=2-")) == 1


def test_inverse_decay_keeps_fewer_models_each_round(problem):
    X, y = dask_xy(problem)
    search = InverseDecaySearchCV(
        sgd(), SPACE, n_initial_parameters="grid", max_iter=8, decay_rate=1.0
    ).fit(X, y, classes=[0, 1])
    calls = sorted(search.cv_results_["partial_fit_calls"])
    # 9 models; after round t the best int(9 / (t + 1)) go on.
    assert calls == [1, 1, 1, 1, 1, 2, 3, 4, 8]
    everyone = IncrementalSearchCV(
        sgd(), SPACE, n_initial_parameters="grid", max_iter=4, fits_per_score=2
    ).fit(X, y, classes=[0, 1])
    assert set(everyone.cv_results_["partial_fit_calls"]) == {4}
    assert all(len(h) == 2 for h in everyone.model_history_.values())


def test_patience_and_tol_stop_plateaus_early(problem):
    X, y = dask_xy(problem)
    # With a tolerance no score can beat, a model scored after every call stops
    # once it has `patience` calls after its first score.
    search = IncrementalSearchCV(
        sgd(), SPACE, n_initial_parameters="grid", max_iter=20, patience=2, tol=1.0
    ).fit(X, y, classes=[0, 1])
    assert set(search.cv_results_["partial_fit_calls"]) == {3}
    # With tol=0 a model goes on while it improves; some reach max_iter or stop.
    patient = IncrementalSearchCV(
        sgd(), SPACE, n_initial_parameters="grid", max_iter=20, patience=3, tol=0.0
    ).fit(X, y, classes=[0, 1])
    calls = patient.cv_results_["partial_fit_calls"]
    assert calls.max() <= 20
    assert calls.min() >= 4  # patience + 1: a first score, then 3 calls
    for history in patient.model_history_.values():
        steps = np.diff([0] + [r["partial_fit_calls"] for r in history])
        assert steps.max() <= 3  # scored at least every `patience` calls
    # Hyperband's patience=True is max_iter // aggressiveness: less work done.
    hyper = HyperbandSearchCV(
        sgd(),
        {"alpha": loguniform(1e-5, 1e3)},
        max_iter=27,
        patience=True,
        tol=1.0,
        random_state=0,
    ).fit(X, y, classes=[0, 1])
    assert hyper.metadata_["partial_fit_calls"] < hyper.metadata["partial_fit_calls"]


def test_n_samples_mode_fits_an_estimator_without_partial_fit(problem):
    X, y = dask_xy(problem)
    tree = DecisionTreeClassifier(random_state=0)
    space = {"max_depth": [1, 2, 4, 6, 8, 10, 12, 14, 16]}
    with pytest.raises(ValueError, match="an estimator with partial_fit"):
        SuccessiveHalvingSearchCV(tree, space, n_initial_iter=1).fit(X, y)
    search = SuccessiveHalvingSearchCV(
        tree,
        space,
        n_initial_parameters="grid",
        n_initial_iter=1,
        max_iter=9,
        resource="n_samples",
        random_state=0,
    ).fit(X, y)
    n_train = 2_000 - 2_000 // 10  # test_size: a tenth of each of the ten blocks
    samples = {r["partial_fit_calls"]: r["n_samples"] for r in search.history_}
    assert sorted(samples) == [1, 3, 9]
    assert samples[9] == n_train
    assert samples[1] < samples[3] < samples[9]
    assert abs(samples[1] - n_train / 9) < 0.25 * n_train / 9
    assert search.best_params_["max_depth"] > 1
    assert search.best_score_ > 0.8
    # Hyperband too, and the best model is a plain fitted tree.
    hyper = HyperbandSearchCV(
        LogisticRegression(),
        {"C": loguniform(1e-4, 1e2)},
        max_iter=9,
        resource="n_samples",
        random_state=0,
    ).fit(X, y)
    assert hyper.best_score_ > 0.8
    assert hasattr(hyper.best_estimator_, "coef_")


class CountingPCA(PCA):
    fits = 0
    lock = threading.Lock()

    def fit_transform(self, X, y=None):
        with CountingPCA.lock:
            CountingPCA.fits += 1
        return super().fit_transform(X, y)


@pytest.mark.parametrize("where", ["threads", "distributed"])
def test_n_samples_mode_shares_pipeline_prefixes(problem, where, request, monkeypatch):
    X, y = dask_xy(problem)
    pipe = Pipeline([("pca", CountingPCA()), ("clf", LogisticRegression())])
    space = {"pca__n_components": [2, 6], "clf__C": [1e-4, 1e-2, 1.0, 100.0]}
    search = SuccessiveHalvingSearchCV(
        pipe,
        space,
        n_initial_parameters="grid",
        n_initial_iter=1,
        max_iter=4,
        aggressiveness=2,
        resource="n_samples",
        random_state=0,
    )
    CountingPCA.fits = 0
    if where == "distributed":
        from distributed import Client

        with Client(request.getfixturevalue("cluster")):
            search.fit(X, y)
    else:
        search.fit(X, y)
    fits = len(search.history_)  # one pipeline fit per record
    assert fits == 8 + 4 + 2
    # Each distinct (n_components, sample size) is fit once: at most 2 per rung.
    distinct = {
        (r["params"]["pca__n_components"], r["partial_fit_calls"])
        for r in search.history_
    }
    if where == "threads":
        assert CountingPCA.fits == len(distinct) < fits
    assert search.best_score_ > 0.8
    if where == "threads":
        # Sharing changes nothing but the work: the same scores as fitting
        # every pipeline alone.
        monkeypatch.setattr(
            SuccessiveHalvingSearchCV, "_shared_prefix", lambda *a, **k: None
        )
        CountingPCA.fits = 0
        alone = clone(search).fit(X, y)
        assert CountingPCA.fits == fits
        np.testing.assert_allclose(
            alone.cv_results_["test_score"], search.cv_results_["test_score"]
        )


@pytest.mark.parametrize("kind", ["numpy", "pandas", "dask_frame"])
def test_other_containers_and_distributions(problem, kind):
    X, y = as_container(*problem, kind, chunk_rows=400)
    search = SuccessiveHalvingSearchCV(
        sgd(),
        {"alpha": loguniform(1e-5, 1e3), "penalty": ["l2", "l1"]},
        n_initial_parameters=6,
        n_initial_iter=2,
        random_state=0,
    ).fit(X, y, classes=[0, 1])
    assert len(search.cv_results_["params"]) == 6
    assert search.best_score_ > 0.7
    predictions = search.predict(X)
    if kind == "dask_frame":
        assert predictions.npartitions == X.npartitions
        predictions = predictions.compute()
    assert len(predictions) == len(problem[0])


def test_the_estimator_and_the_inputs_are_not_modified(problem):
    X, y = problem
    X_before, y_before = X.copy(), y.copy()
    estimator = sgd()
    params = clone(estimator).get_params()
    IncrementalSearchCV(estimator, SPACE, n_initial_parameters=3, max_iter=2).fit(
        X, y, classes=[0, 1]
    )
    assert estimator.get_params() == params
    assert not hasattr(estimator, "coef_")
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_clear_errors(problem):
    X, y = dask_xy(problem)
    with pytest.raises(ValueError, match=r"SearchCV.*estimator.*partial_fit"):
        IncrementalSearchCV(LogisticRegression(), {"C": [1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="'parameters' parameter"):
        IncrementalSearchCV(sgd(), {}).fit(X, y)
    with pytest.raises(ValueError, match="at least one candidate"):
        IncrementalSearchCV(sgd(), {"alpha": []}, n_initial_parameters="grid").fit(
            X, y, classes=[0, 1]
        )
    with pytest.raises(ValueError, match="'n_initial_iter' parameter"):
        SuccessiveHalvingSearchCV(sgd(), SPACE).fit(X, y)
    with pytest.raises(ValueError, match=r"'patience' parameter.*int >= 2"):
        IncrementalSearchCV(sgd(), SPACE, patience=1).fit(X, y)
    with pytest.raises(ValueError, match="'aggressiveness' parameter"):
        HyperbandSearchCV(sgd(), SPACE, aggressiveness=1).fit(X, y)
    with pytest.raises(ValueError, match=r"'scoring' parameter.*one metric"):
        IncrementalSearchCV(sgd(), SPACE, scoring=["accuracy", "f1"]).fit(X, y)
    with pytest.raises(ValueError, match="'resource' parameter"):
        HyperbandSearchCV(sgd(), SPACE, resource="epochs").fit(X, y)
    with pytest.raises(ValueError, match=r"'decay_rate' parameter.*InverseDecay"):
        IncrementalSearchCV(sgd(), SPACE, decay_rate=1.0).fit(X, y)
    # Blocks too small to keep training rows after the hold-out.
    tiny = da.from_array(problem[0][:20], chunks=1)
    with pytest.raises(ValueError, match="blocks"):
        IncrementalSearchCV(
            sgd(), SPACE, n_initial_parameters=2, test_size=0.5, random_state=0
        ).fit(tiny, da.from_array(problem[1][:20], chunks=1), classes=[0, 1])
    # A first rung too small to hold a single row.
    with pytest.raises(ValueError, match=r"sample .* is empty"):
        SuccessiveHalvingSearchCV(
            DecisionTreeClassifier(),
            {"max_depth": [1, 2, 3]},
            n_initial_parameters="grid",
            n_initial_iter=1,
            max_iter=10_000_000,
            resource="n_samples",
            random_state=0,
        ).fit(*problem)


def test_verbose_and_progress_print_to_stderr(problem, capsys):
    import scalearn

    X, y = problem
    with scalearn.config_context(progress_bar=True):
        IncrementalSearchCV(
            sgd(),
            SPACE,
            n_initial_parameters=2,
            max_iter=2,
            verbose=True,
            prefix="run1 ",
        ).fit(X, y, classes=[0, 1])
    err = capsys.readouterr().err
    assert "run1 [IncrementalSearchCV]" in err
    assert "best score so far" in err


def test_plot_history(problem):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from scalearn.model_selection import plot_history

    X, y = dask_xy(problem)
    search = SEARCHES["hyperband"]().fit(X, y, classes=[0, 1])
    ax = plot_history(search)
    assert len(ax.get_lines()) == search.n_models_
    assert ax.get_xlabel() == "partial_fit calls"
    best = [line for line in ax.get_lines() if line.get_label() == "best model"]
    assert len(best) == 1
    with pytest.raises(ValueError, match="fitted"):
        plot_history(HyperbandSearchCV(sgd(), SPACE))


def test_holds_only_the_blocks_max_iter_calls_can_use(problem, monkeypatch):
    from scalearn.model_selection import _adaptive

    X, y = dask_xy(problem, chunk_rows=100)  # 20 blocks
    kept = []
    original = _adaptive.BaseIncrementalSearchCV._prepare

    def spy(self, *args):
        data = original(self, *args)
        kept.append(len(data.blocks))
        return data

    monkeypatch.setattr(_adaptive.BaseIncrementalSearchCV, "_prepare", spy)
    seen = set()

    class Spying(SGDClassifier):
        def partial_fit(self, X, y=None, **kw):
            seen.add(float(X[0, 0]))
            return super().partial_fit(X, y, **kw)

    search = SuccessiveHalvingSearchCV(
        Spying(tol=None, random_state=0),
        SPACE,
        n_initial_parameters=4,
        n_initial_iter=1,
        max_iter=3,
        random_state=0,
    ).fit(X, y, classes=[0, 1])
    # No model gets more than three calls, and call k trains on block k: the
    # search keeps three training blocks in memory, not the twenty.
    assert kept == [3]
    assert len(seen) == 3
    assert search.metadata_["partial_fit_calls"] > 3
