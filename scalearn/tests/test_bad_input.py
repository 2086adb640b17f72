"""Bad input, tried on purpose: one test per row of ``docs/bad_input.md``.

Each bad input gives an error that names the problem and the fix, or (where
scikit-learn accepts it, or dask can absorb it) the same result as good input.
Nothing is written, and neither the input nor the estimator's parameters change.
"""

from __future__ import annotations

import copy
import re
import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV as SklearnGridSearchCV
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from scalearn.cli import main
from scalearn.cli._taxi import FEATURES, TARGET, make_trips
from scalearn.model_selection import GridSearchCV
from scalearn.persist import save
from scalearn.preprocessing import StandardScaler
from scalearn.wrappers import Incremental, ParallelPostFit

CHUNK = 50


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="sync"):
        yield


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    return X, y


def _lazy(X, y=None, chunks=CHUNK):
    Xd = da.from_array(X, chunks=(chunks, X.shape[1]))
    return Xd if y is None else (Xd, da.from_array(y, chunks=chunks))


def _incremental():
    return Incremental(SGDClassifier(random_state=0, tol=None), random_state=0)


def _unchanged(X, before, estimator, params):
    np.testing.assert_array_equal(np.asarray(X), before)
    assert repr(estimator.get_params(deep=False)) == params


def test_nan_where_the_estimator_rejects_it(problem):
    X, y = problem
    X = X.copy()
    X[7, 1] = np.nan
    before = X.copy()
    model = ParallelPostFit(LogisticRegression()).fit(problem[0], y)
    params = repr(model.get_params(deep=False))
    with pytest.raises(ValueError, match=r"(?s)Input X contains NaN.*imputer"):
        model.predict(_lazy(X)).compute()
    incremental = _incremental()
    with pytest.raises(ValueError, match=r"(?s)Input X contains NaN.*imputer"):
        incremental.fit(*_lazy(X, y), classes=[0, 1])
    _unchanged(X, before, model, params)
    assert not hasattr(incremental, "estimator_")


def test_inf_where_the_estimator_rejects_it(problem):
    X = problem[0].copy()
    X[3, 0] = np.inf
    before = X.copy()
    scaler = StandardScaler()
    with pytest.raises(ValueError, match=r"X contains infinity\. Replace infinite"):
        scaler.fit(_lazy(X))
    assert not hasattr(scaler, "mean_")
    _unchanged(X, before, scaler, repr(StandardScaler().get_params(deep=False)))


def test_wrong_number_of_columns(problem):
    X, y = problem
    model = ParallelPostFit(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 2 features, but .* expecting 3"):
        model.predict(_lazy(X[:, :2]))


def test_mismatched_x_and_y_lengths(problem):
    X, y = problem
    with pytest.raises(ValueError, match=r"X has 200 rows but y has 150.*Pass the y"):
        _incremental().fit(
            _lazy(X), da.from_array(y[:150], chunks=CHUNK), classes=[0, 1]
        )


def test_mismatched_chunks_are_aligned(problem):
    X, y = problem
    Xd, yd = _lazy(X, y)
    aligned = _incremental().fit(Xd, yd, classes=[0, 1])
    other = _incremental().fit(Xd, da.from_array(y, chunks=30), classes=[0, 1])
    np.testing.assert_array_equal(other.estimator_.coef_, aligned.estimator_.coef_)


def test_unknown_chunk_sizes(problem):
    X, y = problem
    Xd, yd = _lazy(X, y)
    keep = Xd[:, 2] > -np.inf  # every row, in blocks of unknown length
    Xu, yu = Xd[keep], yd[keep]
    assert np.isnan(Xu.chunks[0][0])
    known = _incremental().fit(Xd, yd, classes=[0, 1])
    unknown = _incremental().fit(Xu, yu, classes=[0, 1])
    np.testing.assert_array_equal(unknown.estimator_.coef_, known.estimator_.coef_)
    scaled = StandardScaler().fit(Xu).transform(Xu).compute()
    np.testing.assert_allclose(scaled, StandardScaler().fit(X).transform(X))
    np.testing.assert_array_equal(known.predict(Xu).compute(), known.predict(X))


def test_empty_partitions(problem):
    X, y = problem
    chunks = ((100, 0, 100), (3,))
    Xe, ye = da.from_array(X, chunks=chunks), da.from_array(y, chunks=chunks[0])
    model = ParallelPostFit(LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(model.predict(Xe).compute(), model.predict(X))
    assert model.predict_proba(Xe).chunks[0] == (100, 0, 100)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    parts = [frame.iloc[:100], frame.iloc[:0], frame.iloc[100:]]
    ddf = dd.from_delayed([dask.delayed(p) for p in parts], meta=frame.iloc[:0])
    on_frame = ParallelPostFit(LogisticRegression()).fit(frame, y)
    np.testing.assert_array_equal(on_frame.predict(ddf).compute(), model.predict(X))
    with_empty = _incremental().fit(Xe, ye, classes=[0, 1])
    without = _incremental().fit(*_lazy(X, y, chunks=100), classes=[0, 1])
    assert with_empty.history_[0]["n_samples"] == 200
    assert with_empty.estimator_.coef_.shape == without.estimator_.coef_.shape


def _fit_recording(search_class, X, y, grid):
    """Fit a search with KFold(4); the classes of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = search_class(LogisticRegression(), grid, cv=KFold(4)).fit(X, y)
    return search, sorted(
        {w.category.__name__: w.category for w in caught}.values(), key=str
    )


def test_fold_with_a_single_class_like_scikit_learn(problem):
    X, _ = problem
    grid = {"C": [0.1, 1.0]}
    # KFold(2): each training fold holds one class; every fit fails.
    y = np.repeat([0, 1], 100)
    with pytest.raises(ValueError, match="All the 4 fits failed") as ours:
        GridSearchCV(LogisticRegression(), grid, cv=KFold(2)).fit(X, y)
    with pytest.raises(ValueError, match="All the 4 fits failed"):
        SklearnGridSearchCV(LogisticRegression(), grid, cv=KFold(2)).fit(X, y)
    assert "needs samples of at least 2 classes" in str(ours.value)
    assert "error_score='raise'" in str(ours.value)
    # KFold(4): the first training fold holds both classes, so only some fail.
    y = np.repeat([0, 1], [150, 50])
    ours, our_warnings = _fit_recording(GridSearchCV, X, y, grid)
    theirs, their_warnings = _fit_recording(SklearnGridSearchCV, X, y, grid)
    assert our_warnings == their_warnings
    assert FitFailedWarning in our_warnings
    for split in range(4):
        key = f"split{split}_test_score"
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key])
    assert np.isnan(ours.cv_results_["split3_test_score"]).all()


def test_unseen_categories_name_the_category_and_the_fix():
    train = pd.DataFrame({"payment": ["cash", "credit"] * 20})
    y = np.arange(40) % 2
    model = ParallelPostFit(make_pipeline(OneHotEncoder(), LogisticRegression()))
    model.fit(train, y)
    new = dd.from_pandas(
        pd.DataFrame({"payment": ["bitcoin", "cash"] * 5}), npartitions=2
    )
    with pytest.raises(ValueError, match=r"unknown categories \['bitcoin'\]") as error:
        model.predict(new)
    assert "Fix the data" in str(error.value)
    ignoring = make_pipeline(
        OneHotEncoder(handle_unknown="ignore"), LogisticRegression()
    )
    ok = ParallelPostFit(ignoring).fit(train, y).predict(new).compute()
    assert len(ok) == 10


def test_wrong_dtypes(problem):
    X, y = problem
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = ParallelPostFit(LogisticRegression()).fit(frame, y)
    text = dd.from_pandas(frame.assign(b="late"), npartitions=2)
    with pytest.raises(ValueError, match="could not convert string to float: 'late'"):
        model.predict(text)


@pytest.fixture
def scoring_job(tmp_path):
    trips = make_trips(0, 300, seed=0)
    model = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression())
    model.fit(trips[["payment_type"]], trips[TARGET])
    save(model, tmp_path / "model", X=trips[["payment_type"]])
    return tmp_path, trips


def _score(cluster, root, *inputs):
    """Run ``scalearn predict`` on ``inputs`` (options may follow the paths)."""
    return main(
        [
            "predict",
            str(root / "model"),
            *map(str, inputs),
            *("-o", str(root / "out"), "--no-progress"),
            *("--scheduler", cluster.scheduler_address),
        ]
    )


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_or_truncated_csv(capsys, cluster, scoring_job, damage):
    root, trips = scoring_job
    text = trips[list(FEATURES)].to_csv(index=False)
    good, bad = root / "a.csv", root / "b.csv"
    good.write_text(text)
    if damage == "truncated":
        bad.write_text(text[: len(text) // 2].rsplit("\n", 1)[0] + "\ncredit,1,")
    else:
        bad.write_bytes(b"\x00\xff garbage,\n" * 5 + b"1,2,3,4,5,6,7\n")
    code = _score(cluster, root, good, bad)
    err = capsys.readouterr().err
    assert code == 1
    assert "b.csv' as CSV" in err
    assert "a.csv" not in err
    assert "--resume" in err
    assert not (root / "out").exists()


def _csv_lines(trips):
    return trips[list(FEATURES)].to_csv(index=False).splitlines(keepends=True)


@pytest.mark.parametrize(
    ("bad_line", "where", "error"),
    [
        ("1.5,2,3,4.0,credit,extra,fields\n", "at line 251", "ParserError"),
        ("1.5,two,3,4.0,credit\n", r"in lines (\d+) to (\d+)", "ValueError"),
    ],
    ids=["extra-fields", "text-in-a-number"],
)
def test_csv_parse_error_names_the_file_and_line(
    capsys, cluster, scoring_job, bad_line, where, error
):
    root, trips = scoring_job
    lines = _csv_lines(trips)
    lines[250] = bad_line  # line 251 of the file, with its header line 1
    (root / "good.csv").write_text("".join(_csv_lines(trips)))
    (root / "bad.csv").write_text("".join(lines))
    # Blocks of about 4 kB: the bad line is in a later block than the header.
    code = _score(cluster, root, root / "good.csv", root / "bad.csv", "--blocksize=4kB")
    err = capsys.readouterr().err
    assert code == 1
    found = re.search(
        rf"cannot read the input '[^']*bad\.csv' as CSV {where} \({error}: ", err
    )
    assert found is not None, err
    if found.groups():  # pandas gave no line: the block's lines, around 251
        first, last = map(int, found.groups())
        assert 1 < first <= 251 <= last <= len(lines)
    assert "Fix that line" in err
    assert not (root / "out").exists()


def test_model_file_that_is_not_a_model(capsys, cluster, scoring_job):
    root, trips = scoring_job
    trips.to_parquet(root / "trips.parquet", index=False)
    (root / "model").write_bytes(b"trip_id,fare\n1,2\n")
    code = _score(cluster, root, root / "trips.parquet")
    err = capsys.readouterr().err
    assert code == 1
    assert "is not a model file" in err
    assert "scalearn.persist.save" in err
    assert not (root / "out").exists()


def test_estimators_do_not_mutate_bad_input(problem):
    X, y = problem
    X = X.copy()
    X[0, 0] = np.nan
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    before = frame.copy()
    estimator = LogisticRegression()
    snapshot = copy.deepcopy(estimator.get_params())
    with pytest.raises(ValueError, match="NaN"):
        ParallelPostFit(estimator).fit(frame, y)
    pd.testing.assert_frame_equal(frame, before)
    assert clone(estimator).get_params() == snapshot
