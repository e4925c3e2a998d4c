"""Sweeps end to end: local parallel launcher, failures, resuming, aggregation, Slurm."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_module

from sscsim.analyze import aggregate
from sscsim.analyze import main as analyze_main
from sscsim.cli import CONFIG_MODULE

REPO = Path(__file__).resolve().parent.parent


def sscsim(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sscsim", *arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )


def test_failing_run_does_not_stop_the_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    result = sscsim(
        "-m",
        "scenario.oda_cut_depth=0.2,1.5",
        "seed=1,2",
        "steps=4",
        f"hydra.sweep.dir={sweep}",
        "hydra/launcher=local",
    )
    assert result.returncode == 1, result.stderr  # failures reported by the exit status
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    assert len(summary) == 4
    failed = summary[summary["status"] == "failed"]
    assert set(failed["scenario.oda_cut_depth"]) == {1.5}
    assert (
        failed["error"]
        .str.contains("scenario.oda_cut_depth = 1.5: must be in [0, 1]", regex=False)
        .all()
    )
    completed = summary[summary["status"] == "completed"]
    assert len(completed) == 2 and (completed["seed"].tolist() == [1, 2])
    assert completed["modality_shares.bilateral"].between(0, 1).all()
    timeseries = pd.read_parquet(sweep / "sweep_timeseries.parquet")
    assert len(timeseries) == 2 * 5
    assert {"scenario.oda_cut_depth", "seed", "period", "actions_triangular"} <= set(timeseries)
    assert (sweep / "sweep_interregional_ties.png").exists()


def test_killed_sweep_reruns_only_what_is_missing(tmp_path):
    sweep = tmp_path / "sweep"
    arguments = ("-m", "seed=1,2,3,4,5,6", "steps=24", f"hydra.sweep.dir={sweep}")
    process = subprocess.Popen(
        [sys.executable, "-m", "sscsim", *arguments],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while len(list(sweep.glob("*/summary.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/summary.json")}
    assert 2 <= len(finished) < 6, "the sweep was not stopped midway"
    assert not (sweep / "sweep_summary.parquet").exists()

    result = sscsim(*arguments)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("is complete already: skipped") == len(finished)
    for name, mtime in finished.items():  # untouched: not run again
        assert (sweep / name / "summary.json").stat().st_mtime_ns == mtime
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    assert (summary["status"] == "completed").all() and len(summary) == 6
    assert sorted(summary["seed"]) == [1, 2, 3, 4, 5, 6]


def test_analyze_command_lists_incomplete_runs(tmp_path):
    sweep = tmp_path / "sweep"
    result = sscsim("-m", "seed=1,2", "steps=2", f"hydra.sweep.dir={sweep}")
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    for name in ("sweep_summary.parquet", "sweep_timeseries.parquet"):
        (copy / name).unlink()
    (copy / "seed=2,steps=2" / "summary.json").unlink()  # as if its job were killed
    assert analyze_main([str(copy), "--no-figures"]) == 1
    summary = pd.read_parquet(copy / "sweep_summary.parquet")
    assert summary.set_index("seed")["status"].to_dict() == {1: "completed", 2: "incomplete"}
    original, _ = aggregate(sweep)
    assert (original["status"] == "completed").all()


@pytest.mark.parametrize(("experiment", "runs"), [("oda_cuts", 120), ("levers", 100)])
def test_experiments_compose(experiment, runs):
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        cfg = compose(
            config_name="config", overrides=[f"experiment={experiment}"], return_hydra_config=True
        )
    params = cfg.hydra.sweeper.params
    counts = []
    for value in params.values():
        value = str(value)
        if value.startswith("range("):
            start, stop = (int(v) for v in value[6:-1].split(","))
            counts.append(stop - start)
        else:
            counts.append(len(value.split(",")))
    total = 1
    for count in counts:
        total *= count
    assert total == runs
    assert cfg.scenario.scenario_name == "oda_cut"
    if experiment == "levers":
        assert cfg.scenario.oda_cut_depth == 0.3


@pytest.mark.slurm
@pytest.mark.usefixtures("slurm_cluster")
def test_slurm_sweep_gives_the_same_aggregate_as_joblib(tmp_path):
    common = ("-m", "scenario.oda_cut_depth=0.0,0.5", "seed=1,2", "steps=8")
    local, cluster = tmp_path / "local", tmp_path / "slurm"
    result = sscsim(*common, f"hydra.sweep.dir={local}", "hydra/launcher=joblib")
    assert result.returncode == 0, result.stderr
    result = sscsim(
        *common,
        f"hydra.sweep.dir={cluster}",
        "hydra/launcher=submitit_slurm",
        "hydra.launcher.timeout_min=10",
    )
    assert result.returncode == 0, result.stderr
    assert list(cluster.glob(".submitit/*")), "the jobs did not go through Slurm"
    for name in ("sweep_summary.parquet", "sweep_timeseries.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(local / name), pd.read_parquet(cluster / name)
        )
    summary = pd.read_parquet(cluster / "sweep_summary.parquet")
    assert (summary["status"] == "completed").all() and len(summary) == 4
