"""``scalearn demo`` at a small size, on a local cluster and on a given scheduler."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from scalearn.cli import _demo, main
from scalearn.cli._measure import measure

ROWS = 20_000
REGIMES = ("data", "small fit, big predict", "big fit", "many fits")
STEPS = (
    "generate trips -> parquet",
    "-row sample",
    "fit Pipeline in memory",
    "predict_proba -> parquet",
    "fit Pipeline, 2 epochs",
    "StandardScaler pass",
    "SGD epoch 1",
    "SGD epoch 2",
    "GridSearchCV 8x3",
    "HyperbandSearchCV",
)


def _summary(output: str) -> str:
    """The summary table at the end of the demo's output."""
    assert "\nSummary\n" in output, output
    return output.split("\nSummary\n", 1)[1]


def _check_summary(output: str) -> None:
    summary = _summary(output)
    for regime in REGIMES:
        assert re.search(rf"^{re.escape(regime)}\s", summary, re.M), summary
    for step in STEPS:
        assert step in summary, summary
    assert "AUC 0." in summary
    assert "Demo done in" in output


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """One demo on its own local cluster of worker processes, workdir and report kept.

    Module-scoped: the tests below check different parts of the same run.
    """
    workdir = tmp_path_factory.mktemp("demo") / "work"
    report = workdir.parent / "report.html"
    out, err = io.StringIO(), io.StringIO()
    argv = ["demo", "--rows", str(ROWS), "--workdir", str(workdir)]
    argv += ["--report", str(report), "--no-progress"]
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return {
        "code": code,
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
        "workdir": workdir,
        "report": report,
    }


@pytest.mark.slow
def test_local_cluster_run_succeeds(local_run):
    assert local_run["code"] == 0, local_run["stderr"]
    _check_summary(local_run["stdout"])
    assert f"{ROWS:,} taxi trips" in local_run["stdout"]


@pytest.mark.slow
def test_no_progress_draws_no_bar(local_run):
    assert "Completed" not in local_run["stdout"] + local_run["stderr"]
    assert "block/s" not in local_run["stderr"]


@pytest.mark.slow
def test_workdir_keeps_every_trip_and_prediction(local_run):
    workdir = local_run["workdir"]
    trips = pd.read_parquet(workdir / "trips.parquet")
    predictions = pd.read_parquet(workdir / "predictions.parquet")
    assert len(trips) == ROWS
    assert len(predictions) == ROWS
    assert list(predictions.columns) == ["trip_id", "tip_probability"]
    assert sorted(predictions["trip_id"]) == list(range(ROWS))
    assert predictions["tip_probability"].between(0, 1).all()


@pytest.mark.slow
def test_report_is_written(local_run):
    report = local_run["report"]
    assert report.is_file()
    assert "<html" in report.read_text(encoding="utf-8").lower()
    assert str(report) in local_run["stdout"]


@pytest.mark.slow
def test_running_scheduler_is_used_and_left_running(capsys):
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as watcher,
    ):
        code = main(
            ["demo", "--rows", "5000", "--scheduler", cluster.scheduler_address]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        _check_summary(out)
        assert cluster.scheduler_address in out
        # Progress bars are on by default, on standard error only.
        assert "SGDClassifier" in err
        assert "Completed" not in out
        # The temporary work directory is gone; the cluster still works.
        workdir = re.search(r"work dir:\s+(\S+) \(removed at the end\)", out)
        assert workdir is not None, out
        assert not Path(workdir.group(1)).exists()
        assert watcher.submit(sum, [1, 2]).result() == 3


@pytest.mark.parametrize("rows", ["0", "-5", "999", "many", "1.5"])
def test_bad_rows_is_an_argparse_error(rows, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--rows", rows])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --rows: must be an integer >= 1,000" in err
    assert repr(rows) in err


def test_report_without_bokeh_is_an_argparse_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(_demo, "_bokeh_installed", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--report", str(tmp_path / "report.html")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --report" in err
    assert "pip install 'scalearn[diagnostics]'" in err


def test_report_in_missing_directory_is_an_argparse_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--report", str(tmp_path / "missing" / "report.html")])
    assert exit_info.value.code == 2
    assert "argument --report: no directory" in capsys.readouterr().err


def test_workdir_that_is_a_file_is_an_argparse_error(capsys, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--workdir", str(not_a_dir)])
    assert exit_info.value.code == 2
    assert "is not a directory" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().err


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "scalearn.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--scheduler ADDRESS" in done.stdout


@pytest.mark.parametrize("rows", [1_000, 20_000, 1_000_003, 20_000_000])
def test_layout_covers_every_row_in_even_partitions(rows):
    layout = _demo.Layout.for_rows(rows)
    assert layout.rows == rows
    assert layout.n_partitions >= _demo.MIN_PARTITIONS
    assert max(layout.lengths) - min(layout.lengths) <= 1
    assert max(layout.lengths) <= max(_demo.ROWS_PER_PARTITION, rows // 4 + 1)
    assert layout.train_rows + layout.holdout_rows == rows


def test_measure_without_a_cluster_times_and_tracks_this_process():
    with measure(None, "local") as cost:
        sum(range(1000))
    assert cost.seconds >= 0
    assert cost.cluster_peak is None
    assert cost.client_peak > 0
