"""sscsim's batched launchers end to end: the same results as Hydra's basic launcher, a killed
worker or array task loses only its run, no process outlives the sweep, progress in the log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.test_pool import alive
from tests.test_sweeps import sscsim

REPO = Path(__file__).resolve().parent.parent
COMMON = ("-m", "scenario=oda_cut", "scenario.oda_cut_depth=0.0,0.5", "seed=1,2", "steps=8",
          "output.figures=false")  # fmt: skip


def comparable(sweep: Path, name: str = "sweep_summary.parquet") -> pd.DataFrame:
    frame = pd.read_parquet(sweep / name)
    return frame.drop(columns=[c for c in ("run_id",) if c in frame])


def running_runs(sweep: Path) -> dict[Path, int]:
    """Run folders whose status is `running`, with the pid of the process running them."""
    found = {}
    for status in sweep.glob("*/status.json"):
        try:
            record = json.loads(status.read_text())
        except (OSError, ValueError):
            continue
        if record.get("status") == "running" and not (status.parent / "summary.json").exists():
            found[status.parent] = int(record["pid"])
    return found


def finish(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """The output of a process once it ends; killed (and the test failed) if it does not."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


def wait_for(condition, seconds: float = 240.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_batched_sweep_gives_the_basic_launchers_results_and_logs_progress(tmp_path):
    basic, batched = tmp_path / "basic", tmp_path / "batched"
    result = sscsim(*COMMON, f"hydra.sweep.dir={basic}")
    assert result.returncode == 0, result.stderr
    result = sscsim(*COMMON, f"hydra.sweep.dir={batched}", "hydra/launcher=local",
                    "hydra.launcher.batch_size=2", "hydra.launcher.progress_seconds=0")  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("sweep_summary.parquet", "sweep_timeseries.parquet"):
        pd.testing.assert_frame_equal(comparable(basic, name), comparable(batched, name))
    # Not a terminal: a progress line per run, then the final one.
    lines = [line for line in result.stderr.splitlines() if f"sweep {batched}:" in line]
    assert any("4/4 runs" in line and " in " in line for line in lines), result.stderr
    assert any("1/4 runs" in line and "left" in line for line in lines), result.stderr


def test_a_killed_worker_does_not_abort_the_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    process = subprocess.Popen(
        [sys.executable, "-m", "sscsim", "-m", "seed=range(1,7)", "steps=24",
         "output.figures=false", f"hydra.sweep.dir={sweep}", "hydra/launcher=local",
         "hydra.launcher.workers=2", "hydra.launcher.batch_size=3"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    victim, pid = next(iter(wait_for(lambda: running_runs(sweep)).items()))
    os.kill(pid, signal.SIGKILL)
    _stdout, stderr = finish(process, timeout=300)
    assert process.returncode == 1, stderr  # one run lost: the exit status says so
    summary = pd.read_parquet(sweep / "sweep_summary.parquet").set_index("run")
    assert len(summary) == 6
    assert summary.loc[victim.name, "status"] == "failed"
    assert "killed by SIGKILL" in summary.loc[victim.name, "error"]
    others = summary.drop(index=victim.name)
    assert (others["status"] == "completed").all(), others[["status", "error"]]

    rerun = sscsim("-m", "seed=range(1,7)", "steps=24", "output.figures=false",
                   f"hydra.sweep.dir={sweep}", "hydra/launcher=local")  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr  # resumed: only the lost run ran again
    assert rerun.stdout.count("is complete already: skipped") == 5
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    assert (summary["status"] == "completed").all()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_process_is_left_after_the_main_process_is_killed(tmp_path):
    sweep = tmp_path / "sweep"
    process = subprocess.Popen(
        [sys.executable, "-m", "sscsim", "-m", "seed=range(1,9)", "steps=40",
         "output.figures=false", f"hydra.sweep.dir={sweep}", "hydra/launcher=local",
         "hydra.launcher.workers=2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: running_runs(sweep))
    descendants = children_of(process.pid)
    assert descendants, "no worker processes found"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in descendants) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in descendants if alive(pid)], "processes outlived the sweep"


def children_of(parent: int) -> list[int]:
    """Every descendant of a process (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [parent]
    while frontier:
        current = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == current:
                found.append(pid)
                frontier.append(pid)
    return found


@pytest.mark.slurm
def test_batched_slurm_sweep_packs_runs_into_array_tasks(tmp_path, slurm_cluster):
    basic, cluster = tmp_path / "basic", tmp_path / "slurm"
    assert sscsim(*COMMON, f"hydra.sweep.dir={basic}").returncode == 0
    result = sscsim(*COMMON, f"hydra.sweep.dir={cluster}", "hydra/launcher=slurm",
                    "hydra.launcher.batch_size=2", "hydra.launcher.timeout_min=10")  # fmt: skip
    assert result.returncode == 0, result.stderr
    tasks = sorted(p.name for p in (cluster / ".submitit").glob("*_*") if p.is_dir())
    assert len(tasks) == 2, f"4 runs in batches of 2 are 2 array tasks, found {tasks}"
    assert len({name.split("_")[0] for name in tasks}) == 1, f"not one array: {tasks}"
    for name in ("sweep_summary.parquet", "sweep_timeseries.parquet"):
        pd.testing.assert_frame_equal(comparable(basic, name), comparable(cluster, name))

    # A cluster whose arrays hold at most 2 tasks: 4 batches of 1 go as 2 arrays of 2.
    split = tmp_path / "split"
    result = sscsim(*COMMON, f"hydra.sweep.dir={split}", "hydra/launcher=slurm",
                    "hydra.launcher.batch_size=1", "hydra.launcher.max_array_size=2",
                    "hydra.launcher.timeout_min=10")  # fmt: skip
    assert result.returncode == 0, result.stderr
    tasks = sorted(p.name for p in (split / ".submitit").glob("*_*") if p.is_dir())
    arrays = {name.split("_")[0] for name in tasks}
    assert len(tasks) == 4 and len(arrays) == 2, tasks
    pd.testing.assert_frame_equal(comparable(basic), comparable(split))


@pytest.mark.slurm
def test_a_killed_array_task_loses_only_its_run(tmp_path, slurm_cluster):
    sweep = tmp_path / "sweep"
    arguments = ("-m", "seed=range(1,7)", "steps=24", "output.figures=false",
                 f"hydra.sweep.dir={sweep}", "hydra/launcher=slurm",
                 "hydra.launcher.batch_size=3", "hydra.launcher.timeout_min=10")  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "sscsim", *arguments],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    victim, pid = next(iter(wait_for(lambda: running_runs(sweep)).items()))
    os.kill(pid, signal.SIGKILL)  # the array task's process, as an out-of-memory kill would
    _stdout, stderr = finish(process, timeout=600)
    assert process.returncode == 1, stderr
    summary = pd.read_parquet(sweep / "sweep_summary.parquet").set_index("run")
    assert len(summary) == 6
    assert summary.loc[victim.name, "status"] == "failed", summary[["status", "error"]]
    assert "Slurm task" in summary.loc[victim.name, "error"]
    others = summary.drop(index=victim.name)
    assert (others["status"] == "completed").all(), others[["status", "error"]]


def test_a_failing_aggregate_fails_the_sweep_with_its_reason(tmp_path, monkeypatch, capsys):
    from omegaconf import OmegaConf

    from sscsim import launch

    def broken(sweep_dir):
        raise OSError(f"{sweep_dir}: disk full")

    monkeypatch.setattr(launch, "write_aggregate", broken)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}})
    with pytest.raises(SystemExit) as stopped:
        launch.SweepCallback().on_multirun_end(config)
    assert stopped.value.code == 1
    assert "the aggregate failed: OSError" in capsys.readouterr().err
