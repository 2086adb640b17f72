"""Model files: round trips, metadata, trust, versions, files that are not models."""

from __future__ import annotations

import io
import json
import math
import pickle
import sys
import zipfile

import dask.dataframe as dd
import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from scalearn.cli._demo import tip_pipeline
from scalearn.cli._taxi import FEATURES, TARGET, make_trips
from scalearn.persist import (
    ModelFileError,
    ModelVersionWarning,
    UntrustedModelError,
    load,
    load_with_info,
    read_info,
    save,
)
from scalearn.persist._files import METADATA_NAME
from scalearn.wrappers import ParallelPostFit


@pytest.fixture(scope="module")
def trips():
    return make_trips(0, 600, seed=0)


@pytest.fixture(scope="module")
def fitted(trips):
    return tip_pipeline().fit(trips[list(FEATURES)], trips[TARGET])


def _assert_same_model(a, b, X):
    np.testing.assert_array_equal(
        a.named_steps["classify"].coef_, b.named_steps["classify"].coef_
    )
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_skops_round_trip_keeps_model_and_records_metadata(tmp_path, trips, fitted):
    X = trips[list(FEATURES)]
    path = tmp_path / "tips.scalearn"
    info = save(fitted, path, X=X)
    assert info.serializer == "skops"
    assert info.estimator == "sklearn.pipeline.Pipeline"
    assert info.schema.names == FEATURES
    assert info.schema.dtypes == tuple(str(X[c].dtype) for c in FEATURES)
    assert info.schema.dtypes[1] == "int8"
    assert info.methods == (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    )
    assert info.versions["scikit-learn"] == __import__("sklearn").__version__
    assert len(info.sha256) == 64
    assert read_info(path) == info
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tips.scalearn"]
    _assert_same_model(fitted, load(path), X)


def test_dask_frame_schema_is_recorded_without_computing(tmp_path, trips, fitted):
    ddf = dd.from_pandas(trips[list(FEATURES)], npartitions=2)
    info = save(fitted, tmp_path / "m", X=ddf)
    assert info.schema.names == FEATURES
    assert info.schema.dtypes[-1] == str(ddf["payment_type"].dtype)


def test_scalearn_types_are_trusted(tmp_path):
    X = np.arange(20.0).reshape(10, 2)
    y = (X[:, 0] > 9).astype(int)
    model = ParallelPostFit(LogisticRegression()).fit(X, y)
    info = save(model, tmp_path / "m", X=X)
    assert info.schema == type(info.schema)(None, ("float64", "float64"), 2)
    loaded = load(tmp_path / "m")
    assert isinstance(loaded, ParallelPostFit)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_untrusted_skops_types_are_refused_until_named(tmp_path):
    model = FunctionTransformer(func=math.sqrt).fit(np.ones((3, 1)))
    save(model, tmp_path / "m")
    with pytest.raises(UntrustedModelError, match=r"\['math.sqrt'\].*trusted="):
        load(tmp_path / "m")
    assert load(tmp_path / "m", trusted=["math.sqrt"]).func is math.sqrt


def test_pickle_needs_trust(tmp_path, trips, fitted):
    path = tmp_path / "m"
    assert save(fitted, path, serializer="pickle").serializer == "pickle"
    with pytest.raises(UntrustedModelError, match="trust_pickle=True"):
        load(path)
    _assert_same_model(fitted, load(path, trust_pickle=True), trips[list(FEATURES)])


def test_auto_falls_back_to_pickle_without_skops(tmp_path, fitted, monkeypatch):
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.warns(UserWarning, match="as a pickle.*trust_pickle=True"):
        info = save(fitted, tmp_path / "m")
    assert info.serializer == "pickle"
    with pytest.raises(ImportError, match=r"pip install 'scalearn\[persist\]'"):
        save(fitted, tmp_path / "n", serializer="skops")
    assert not (tmp_path / "n").exists()


@pytest.mark.parametrize("dump", ["joblib", "joblib-compressed", "pickle"])
def test_plain_pickles_load_with_trust_and_describe_the_model(
    tmp_path, trips, fitted, dump
):
    path = tmp_path / "model.joblib"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(fitted))
    else:
        joblib.dump(fitted, path, compress=3 if dump == "joblib-compressed" else 0)
    with pytest.raises(UntrustedModelError, match="--trust-pickle"):
        load(path)
    model, info = load_with_info(path, trust_pickle=True)
    _assert_same_model(fitted, model, trips[list(FEATURES)])
    assert info.schema.names == FEATURES
    assert info.schema.dtypes is None
    assert "predict_proba" in info.methods


def test_plain_skops_file_loads(tmp_path, trips, fitted):
    sio.dump(fitted, tmp_path / "m.skops")
    model, info = load_with_info(tmp_path / "m.skops")
    assert info.serializer == "skops"
    _assert_same_model(fitted, model, trips[list(FEATURES)])


def _rewrite_metadata(path, change):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    metadata = json.loads(members[METADATA_NAME])
    change(metadata)
    members[METADATA_NAME] = json.dumps(metadata).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_version_mismatch_warns_and_still_loads(tmp_path, trips, fitted):
    path = tmp_path / "m"
    save(fitted, path)
    _rewrite_metadata(path, lambda m: m["versions"].update({"scikit-learn": "1.0"}))
    with pytest.warns(ModelVersionWarning, match=r"scikit-learn 1\.0 \(installed: "):
        model = load(path)
    _assert_same_model(fitted, model, trips[list(FEATURES)])


def test_changed_payload_fails_the_hash_check(tmp_path, fitted):
    path = tmp_path / "m"
    save(fitted, path)
    _rewrite_metadata(path, lambda m: m.update({"sha256": "0" * 64}))
    with pytest.raises(ModelFileError, match="does not match the hash"):
        load(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"trip_id,fare\n1,2.5\n", "neither a zip archive nor a pickle"),
        (b"", "neither a zip archive nor a pickle"),
        ("truncated", "truncated or corrupted"),
        ("zip-without-metadata", "zip archive without model metadata"),
    ],
)
def test_files_that_are_not_models_are_named(tmp_path, fitted, content, reason):
    path = tmp_path / "m"
    if content == "truncated":
        save(fitted, path)
        path.write_bytes(path.read_bytes()[:2000])
    elif content == "zip-without-metadata":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("data.csv", "a,b\n")
        path.write_bytes(buffer.getvalue())
    else:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=reason) as error:
        read_info(path)
    assert str(path) in str(error.value)
    assert "scalearn.persist.save" in str(error.value)


def test_missing_file_and_directory(tmp_path, fitted):
    with pytest.raises(ModelFileError, match="no model file at"):
        load(tmp_path / "nothing")
    with pytest.raises(FileNotFoundError, match=r"does not exist\. Create it"):
        save(fitted, tmp_path / "no" / "such" / "m")
    assert list(tmp_path.iterdir()) == []


def test_bad_serializer_names_parameter_and_choices(tmp_path, fitted):
    with pytest.raises(ValueError, match=r"'serializer' parameter.*'skops'.*'joblib'"):
        save(fitted, tmp_path / "m", serializer="joblib")
    assert list(tmp_path.iterdir()) == []


def test_fsspec_url_round_trip(trips, fitted):
    info = save(fitted, "memory://scalearn-tests/tips.scalearn")
    model, read = load_with_info("memory://scalearn-tests/tips.scalearn")
    assert read == info
    _assert_same_model(fitted, model, trips[list(FEATURES)])


def test_saving_does_not_mutate_model_or_data(tmp_path, trips, fitted):
    X = trips[list(FEATURES)]
    before_X = X.copy()
    before = pickle.dumps(fitted)
    save(fitted, tmp_path / "m", X=X)
    pd.testing.assert_frame_equal(X, before_X)
    assert pickle.dumps(fitted) == before
