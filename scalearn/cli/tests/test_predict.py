"""``scalearn predict``: parity with scikit-learn, atomic output, resume, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import fsspec
import joblib
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster

from scalearn.cli import main
from scalearn.cli._demo import tip_pipeline
from scalearn.cli._predict import JOB_FILE, InputError, find_inputs, write_partition
from scalearn.cli._taxi import FEATURES, TARGET, TRIP_ID, make_trips
from scalearn.persist import save

ROWS_PER_FILE = 300
N_FILES = 3


@pytest.fixture(scope="module")
def model():
    train = make_trips(10_000, 1_000, seed=1)
    return tip_pipeline().fit(train[list(FEATURES)], train[TARGET])


@pytest.fixture(scope="module")
def trips():
    return [
        make_trips(i * ROWS_PER_FILE, ROWS_PER_FILE, seed=0) for i in range(N_FILES)
    ]


@pytest.fixture
def data(tmp_path, model, trips):
    """Parquet and CSV copies of the trips, and the model file, in ``tmp_path``."""
    (tmp_path / "pq").mkdir()
    (tmp_path / "csv").mkdir()
    for i, part in enumerate(trips):
        part.to_parquet(tmp_path / "pq" / f"trips-{i}.parquet", index=False)
        part.to_csv(tmp_path / "csv" / f"trips-{i}.csv", index=False)
    save(model, tmp_path / "model.scalearn", X=trips[0][list(FEATURES)])
    return tmp_path


def _predict(capsys, cluster, *argv):
    code = main(
        [
            "predict",
            *map(str, argv),
            "--scheduler",
            cluster.scheduler_address,
            "--no-progress",
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def _expected(model, trips, method):
    frame = pd.concat(trips, ignore_index=True)
    return frame[TRIP_ID], getattr(model, method)(frame[list(FEATURES)])


def _assert_nothing_written(root, name="out"):
    assert not (root / name).exists()
    assert not (root / f".{name}.partial").exists()


@pytest.mark.parametrize("fmt", ["pq", "csv"])
def test_predict_proba_matches_scikit_learn(capsys, cluster, data, model, trips, fmt):
    pattern = data / fmt / ("*.parquet" if fmt == "pq" else "*.csv")
    code, out, err = _predict(
        capsys,
        cluster,
        data / "model.scalearn",
        pattern,
        "--output",
        data / "out",
        "--method",
        "predict_proba",
        "--id-columns",
        TRIP_ID,
    )
    assert code == 0, err
    written = sorted(p.name for p in (data / "out").iterdir())
    assert written == [JOB_FILE, *(f"part.{i:05d}.parquet" for i in range(N_FILES))]
    assert not (data / ".out.partial").exists()
    result = pd.read_parquet(data / "out")
    assert list(result.columns) == [TRIP_ID, "proba_0", "proba_1"]
    ids, proba = _expected(model, trips, "predict_proba")
    np.testing.assert_array_equal(result[TRIP_ID], ids)
    np.testing.assert_allclose(result[["proba_0", "proba_1"]], proba, rtol=1e-12)
    assert f"{N_FILES * ROWS_PER_FILE:,} rows scored" in out
    assert "rows/s" in out
    assert f"{N_FILES} files written" in out


def test_predict_directory_without_ids(capsys, cluster, data, model, trips):
    code, _, err = _predict(
        capsys, cluster, data / "model.scalearn", data / "pq", "-o", data / "out"
    )
    assert code == 0, err
    result = pd.read_parquet(data / "out")
    assert list(result.columns) == ["prediction"]
    np.testing.assert_array_equal(
        result["prediction"], _expected(model, trips, "predict")[1]
    )


def test_transform_writes_named_features(capsys, cluster, data, model, trips):
    encoder = model[:-1]
    save(encoder, data / "encoder", X=trips[0][list(FEATURES)])
    code, _, err = _predict(
        capsys,
        cluster,
        data / "encoder",
        data / "pq",
        "-o",
        data / "out",
        "--method",
        "transform",
    )
    assert code == 0, err
    result = pd.read_parquet(data / "out")
    assert list(result.columns) == list(encoder.get_feature_names_out())
    expected = encoder.transform(pd.concat(trips)[list(FEATURES)])
    np.testing.assert_allclose(result.to_numpy(), expected)


def test_pickle_needs_trust_pickle(capsys, cluster, data, model, trips):
    joblib.dump(model, data / "model.joblib")
    code, _, err = _predict(
        capsys, cluster, data / "model.joblib", data / "pq", "-o", data / "out"
    )
    assert code == 1
    assert "holds a pickle" in err
    assert "--trust-pickle" in err
    _assert_nothing_written(data)
    code, _, err = _predict(
        capsys,
        cluster,
        data / "model.joblib",
        data / "pq",
        "-o",
        data / "out",
        "--trust-pickle",
    )
    assert code == 0, err
    assert len(pd.read_parquet(data / "out")) == N_FILES * ROWS_PER_FILE


def test_wrong_columns_are_listed_and_nothing_written(capsys, cluster, data, trips):
    bad = trips[0].drop(columns="fare_amount").assign(pickup_hour="late")
    bad.to_parquet(data / "bad.parquet", index=False)
    code, _, err = _predict(
        capsys,
        cluster,
        data / "model.scalearn",
        data / "bad.parquet",
        "-o",
        data / "out",
    )
    assert code == 1
    assert "missing column 'fare_amount' (float64)" in err
    assert re.search(
        r"column 'pickup_hour' is \w+ \(text\) but the model was trained on int8", err
    )
    _assert_nothing_written(data)


def test_existing_output_is_kept_unless_overwrite(capsys, cluster, data):
    (data / "out").mkdir()
    (data / "out" / "keep.txt").write_text("mine")
    args = (data / "model.scalearn", data / "pq", "-o", data / "out")
    code, _, err = _predict(capsys, cluster, *args)
    assert code == 1
    assert "exists" in err
    assert "--overwrite" in err
    assert (data / "out" / "keep.txt").read_text() == "mine"
    code, _, err = _predict(capsys, cluster, *args, "--overwrite")
    assert code == 0, err
    assert not (data / "out" / "keep.txt").exists()
    assert len(list((data / "out").glob("part.*.parquet"))) == N_FILES
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []


def test_failed_run_resumes_and_scores_only_the_rest(
    capsys, cluster, data, model, trips
):
    broken = data / "pq" / "trips-1.parquet"
    good = broken.read_bytes()
    broken.write_bytes(good[: len(good) // 2])
    args = (
        data / "model.scalearn",
        data / "pq",
        "-o",
        data / "out",
        "--id-columns",
        TRIP_ID,
    )
    code, _, err = _predict(capsys, cluster, *args)
    assert code == 1
    assert "trips-1.parquet" in err
    assert "corrupt, truncated or not parquet" in err
    assert "--resume" in err
    staging = data / ".out.partial"
    assert not (data / "out").exists()
    kept = {p.name: p.stat().st_mtime_ns for p in staging.glob("part.*.parquet")}
    assert sorted(kept) == ["part.00000.parquet", "part.00002.parquet"]

    broken.write_bytes(good)
    code, out, err = _predict(capsys, cluster, *args, "--resume")
    assert code == 0, err
    assert "resuming: 2 partitions already written" in out
    assert f"{ROWS_PER_FILE:,} rows scored" in out
    for name, mtime in kept.items():
        assert (data / "out" / name).stat().st_mtime_ns == mtime
    result = pd.read_parquet(data / "out")
    ids, predictions = _expected(model, trips, "predict")
    np.testing.assert_array_equal(result[TRIP_ID], ids)
    np.testing.assert_array_equal(result["prediction"], predictions)

    code, out, _ = _predict(capsys, cluster, *args, "--resume")
    assert code == 0
    assert "already complete" in out


def test_resume_refuses_another_job(capsys, cluster, data):
    staging = data / ".out.partial"
    staging.mkdir()
    (staging / JOB_FILE).write_text(json.dumps({"method": "transform"}))
    code, _, err = _predict(
        capsys,
        cluster,
        data / "model.scalearn",
        data / "pq",
        "-o",
        data / "out",
        "--resume",
    )
    assert code == 1
    assert "scored another job" in err
    assert (staging / JOB_FILE).exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("--method", "transform"),
            "has no 'transform' method; it has ['predict', 'predict_proba']",
        ),
        (("--id-columns", "vendor"), "--id-columns names ['vendor']"),
    ],
)
def test_bad_options_are_named(capsys, cluster, data, extra, message):
    code, _, err = _predict(
        capsys,
        cluster,
        data / "model.scalearn",
        data / "pq",
        "-o",
        data / "out",
        *extra,
    )
    assert code == 1
    assert message in err
    _assert_nothing_written(data)


def test_inputs_must_exist_and_share_a_format(data):
    with pytest.raises(InputError, match="no input file matches"):
        find_inputs([str(data / "nothing-*.csv")])
    with pytest.raises(InputError, match="--format csv or --format parquet"):
        find_inputs([str(data / "pq"), str(data / "csv")])
    (data / "extra.txt").write_text("a\n")
    inputs = find_inputs([str(data / "extra.txt")], "csv")
    assert inputs.format == "csv"
    assert inputs.paths[0].endswith("extra.txt")


def test_fsspec_urls_in_and_out(capsys, model, trips):
    fs = fsspec.filesystem("memory")
    for i, part in enumerate(trips):
        with fs.open(f"/predict-test/in/trips-{i}.parquet", "wb") as f:
            part.to_parquet(f, index=False)
    save(model, "memory://predict-test/model.scalearn")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as threads:
        code, _, err = _predict(
            capsys,
            threads,
            "memory://predict-test/model.scalearn",
            "memory://predict-test/in/*.parquet",
            "-o",
            "memory://predict-test/out",
        )
    assert code == 0, err
    assert not fs.exists("/predict-test/.out.partial")
    with fs.open("/predict-test/out/part.00002.parquet", "rb") as f:
        last = pd.read_parquet(f)
    np.testing.assert_array_equal(
        last["prediction"], model.predict(trips[2][list(FEATURES)])
    )
    fs.rm("/predict-test", recursive=True)


@pytest.mark.slow
def test_default_local_cluster_from_the_command_line(data):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scalearn.cli",
            "predict",
            str(data / "model.scalearn"),
            str(data / "csv"),
            "--output",
            str(data / "out"),
            "--id-columns",
            TRIP_ID,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "on 2 Dask workers" in result.stdout
    assert "scoring partitions" in result.stderr  # the bar, on standard error
    assert len(pd.read_parquet(data / "out")) == N_FILES * ROWS_PER_FILE


def test_csv_blocksize_splits_files_into_partitions(
    capsys, cluster, data, model, trips
):
    code, out, err = _predict(
        capsys,
        cluster,
        data / "model.scalearn",
        data / "csv",
        "-o",
        data / "out",
        "--id-columns",
        TRIP_ID,
        "--blocksize",
        "5kB",
    )
    assert code == 0, err
    parts = sorted((data / "out").glob("part.*.parquet"))
    assert len(parts) > N_FILES  # each ~17 kB file gives several partitions
    result = pd.read_parquet(data / "out")
    ids, predictions = _expected(model, trips, "predict")
    np.testing.assert_array_equal(result[TRIP_ID], ids)  # no row lost or doubled
    np.testing.assert_array_equal(result["prediction"], predictions)
    assert f"({len(parts)} partitions)" in out


def test_threads_only_local_cluster(capsys, data, model, trips):
    code = main(
        [
            "predict",
            str(data / "model.scalearn"),
            str(data / "pq"),
            *("-o", str(data / "out"), "--no-progress"),
            *("--no-processes", "--threads-per-worker", "2"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "on 1 Dask workers (2 threads)" in out
    result = pd.read_parquet(data / "out")
    np.testing.assert_array_equal(
        result["prediction"], _expected(model, trips, "predict")[1]
    )


def test_local_cluster_options_clash_with_scheduler(capsys, cluster, data):
    code, _, err = _predict(
        capsys,
        cluster,
        data / "model.scalearn",
        data / "pq",
        "-o",
        data / "out",
        "--workers",
        "3",
    )
    assert code == 1
    assert "--workers shape the local cluster, but --scheduler" in err
    _assert_nothing_written(data)


@pytest.mark.parametrize("bad", ["-1", "lots"])
def test_blocksize_must_be_a_size(capsys, bad):
    with pytest.raises(SystemExit):
        main(["predict", "m", "in.csv", "-o", "out", f"--blocksize={bad}"])
    assert "must be a size such as 64MB" in capsys.readouterr().err


def test_float_columns_are_written_without_dictionary(tmp_path):
    frame = pd.DataFrame({"vendor": ["a", "b"] * 50, "proba_1": np.linspace(0, 1, 100)})
    fs = fsspec.filesystem("file")
    assert write_partition(frame, fs, str(tmp_path), 7) == 100
    written = pq.ParquetFile(tmp_path / "part.00007.parquet")
    encodings = {
        written.schema_arrow.names[i]: written.metadata.row_group(0).column(i).encodings
        for i in range(2)
    }
    assert any("DICTIONARY" in e for e in encodings["vendor"])
    assert not any("DICTIONARY" in e for e in encodings["proba_1"])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path), frame)
    assert [p.name for p in tmp_path.iterdir()] == ["part.00007.parquet"]
