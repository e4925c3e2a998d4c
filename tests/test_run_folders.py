"""A run folder is written by one run at a time and never holds the outputs of two runs: the
lock, the removal of a previous run's outputs, the run_id of every file."""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sscsim.analyze import run_status
from sscsim.config import ConfigError, config_from_parameters
from sscsim.launch import is_complete
from sscsim.results import (
    LOCK_FILE,
    TABLES,
    RunFolderBusy,
    file_record,
    folder_run_ids,
    run_folder_lock,
    write_run,
)
from sscsim.runner import config_yaml, run_and_save

REPO = Path(__file__).resolve().parent.parent


def python(script: str, *arguments: str) -> subprocess.Popen[str]:
    """A Python process running `script` from the repository, started now."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *arguments],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the process ended first: {process.communicate()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def one_run_wrote(folder: Path) -> str:
    """The run_id shared by summary.json and every table of a complete folder."""
    ids = folder_run_ids(folder)
    assert set(ids) == {"summary.json", *(f"{name}.parquet" for name in TABLES)}, ids
    assert len(set(ids.values())) == 1 and None not in ids.values(), ids
    return next(iter(ids.values()))


# Both processes build their model, then wait for the same signal file and start writing into
# the same folder at the same moment.
RACE = """
    import sys, time
    from pathlib import Path
    from sscsim.config import config_from_parameters
    from sscsim.results import RunFolderBusy
    from sscsim.runner import run_and_save

    folder, go = Path(sys.argv[1]), Path(sys.argv[2])
    config = config_from_parameters(steps=int(sys.argv[3]), seed=int(sys.argv[4]), figures=False)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    try:
        run_and_save(config, folder, progress=False)
    except RunFolderBusy as error:
        print(f"refused: {error}")
        sys.exit(3)
    print("wrote")
"""


def test_two_processes_into_one_folder_one_is_refused_the_folder_is_consistent(tmp_path):
    folder, go = tmp_path / "run", tmp_path / "go"
    racers = [python(RACE, str(folder), str(go), "16", str(seed)) for seed in (1, 2)]
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    go.touch()
    outcomes = [(racer.wait(timeout=300), racer.communicate()) for racer in racers]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 3], outcomes
    refused = next(out for code, (out, _) in outcomes if code == 3)
    winner = next(racer for racer, (code, _) in zip(racers, outcomes, strict=True) if code == 0)
    assert f"is being written by process {winner.pid} on {socket.gethostname()} since" in refused
    assert "wait for that run to end" in refused
    run_id = one_run_wrote(folder)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["run"]["run_id"] == run_id and summary["run"]["steps"] == 16
    lock = json.loads((folder / LOCK_FILE).read_text())
    assert lock["pid"] == winner.pid and lock["host"] == socket.gethostname()


# Holds the folder's lock (as a run does for its whole run and write) until told to go on, then
# runs into it (the lock is held once per thread: the run goes through).
HOLDER = """
    import sys, time
    from pathlib import Path
    from sscsim.config import config_from_parameters
    from sscsim.results import run_folder_lock
    from sscsim.runner import run_and_save

    folder, go = Path(sys.argv[1]), Path(sys.argv[2])
    with run_folder_lock(folder):
        (folder / "held").touch()
        while not go.exists():
            time.sleep(0.01)
        run_and_save(config_from_parameters(steps=4, seed=5, figures=False), folder)
"""


def test_the_command_line_refuses_a_busy_folder_with_exit_status_2(tmp_path):
    folder, go = tmp_path / "run", tmp_path / "go"
    holder = python(HOLDER, str(folder), str(go))
    try:
        wait_for(folder / "held", holder)
        result = subprocess.run(
            [sys.executable, "-m", "sscsim", "steps=2", f"hydra.run.dir={folder}"],
            capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
        )  # fmt: skip
    finally:
        go.touch()
    assert result.returncode == 2, result.stderr
    assert f"sscsim: {folder} is being written by process {holder.pid}" in result.stderr
    assert "Traceback" not in result.stderr
    assert holder.wait(timeout=300) == 0, holder.communicate()
    one_run_wrote(folder)
    assert json.loads((folder / "summary.json").read_text())["run"]["seed"] == 5


# Writes a run into a folder, stopping for good after the third table (a stand-in for any
# moment of a write: the test kills it there).
STALLED = """
    import sys, time
    from pathlib import Path
    import sscsim.results as results
    from sscsim.config import config_from_parameters
    from sscsim.runner import run_and_save

    folder = Path(sys.argv[1])
    write, written = results.write_parquet, []

    def stalling(frame, target, *arguments):
        write(frame, target, *arguments)
        written.append(target)
        if len(written) == 3:
            (folder.parent / "midway").touch()
            time.sleep(600)

    results.write_parquet = stalling
    run_and_save(config_from_parameters(steps=4, seed=8, figures=False), folder)
"""


def test_a_run_killed_mid_write_leaves_an_incomplete_folder_not_a_mixed_one(tmp_path):
    folder = tmp_path / "run"
    first = config_from_parameters(steps=4, seed=7)  # with figures
    run_and_save(first, folder, progress=False)
    old_id = one_run_wrote(folder)
    figures = sorted(p.name for p in folder.glob("*.png"))
    assert figures, "the first run drew no figures"

    stalled = python(STALLED, str(folder))
    try:
        wait_for(tmp_path / "midway", stalled)
    finally:
        os.killpg(stalled.pid, signal.SIGKILL)
        stalled.wait()
    assert not (folder / "summary.json").exists()
    ids = folder_run_ids(folder)
    assert len(ids) == 3 and len(set(ids.values())) == 1, ids  # three tables of the new run
    assert old_id not in ids.values()
    assert not list(folder.glob("*.png")) and not (folder / "sources.md").exists()
    assert not list(folder.glob(".*.tmp"))
    assert run_status(folder) == ("incomplete", "")
    assert not is_complete(folder, config_yaml(first))

    run_and_save(first, folder, progress=False)  # a rerun completes it
    assert one_run_wrote(folder) != old_id
    assert sorted(p.name for p in folder.glob("*.png")) == figures


def test_a_new_run_removes_every_output_of_the_previous_one(tmp_path):
    folder = tmp_path / "run"
    run_and_save(config_from_parameters(steps=2, seed=1), folder, progress=False)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text("- seed=1\n")
    (folder / "status.json").write_text('{"status": "completed"}\n')
    (folder / "ties.graphml").write_text("<graphml/>")  # python -m sscsim.network's output
    run_and_save(config_from_parameters(steps=2, seed=2, figures=False), folder, progress=False)
    one_run_wrote(folder)
    names = {p.name for p in folder.iterdir()}
    assert not [n for n in names if n.endswith((".png", ".graphml"))], names
    assert {".hydra", "status.json", LOCK_FILE, "config.yaml", "sources.md"} <= names
    assert json.loads((folder / "summary.json").read_text())["run"]["seed"] == 2


def test_the_lock_is_held_once_per_thread_and_refuses_other_threads(tmp_path):
    folder = tmp_path / "run"
    refused: list[BaseException] = []

    def other_thread() -> None:
        try:
            with run_folder_lock(folder):
                pass
        except RunFolderBusy as error:
            refused.append(error)

    with run_folder_lock(folder), run_folder_lock(folder):  # nested: held once
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert len(refused) == 1 and f"process {os.getpid()}" in str(refused[0])
    assert isinstance(refused[0], ConfigError)  # the command line's family: exit status 2
    copied = pickle.loads(pickle.dumps(refused[0]))  # as a launcher sends it back
    assert str(copied) == str(refused[0]) and copied.problems == refused[0].problems
    with run_folder_lock(folder):  # released
        pass


def test_a_single_run_writes_the_model_tables_unchanged_with_its_record(tmp_path):
    from sscsim import SSCModel
    from sscsim.results import run_tables

    model = SSCModel(rng=3, steps=3).run()
    text = config_yaml(model.config)
    summary = write_run(model, tmp_path, text, 0.5)
    for name, frame in run_tables(model).items():
        written = pd.read_parquet(tmp_path / f"{name}.parquet")
        pd.testing.assert_frame_equal(written, frame, check_dtype=False)
        record = file_record(tmp_path / f"{name}.parquet")
        assert record is not None
        assert record["run_id"] == summary["run"]["run_id"] and record["table"] == name
        assert record["sweep"] is None and record["parameters"] == {}
        assert record["seed"] == 3 and record["scenario"] == "baseline"
        assert record["config_sha256"] == summary["run"]["config_sha256"]
        assert set(record["units"]) == set(frame.columns) == set(record["descriptions"])


def test_a_config_error_still_leaves_no_folder(tmp_path):
    with pytest.raises(ConfigError):
        run_and_save(config_from_parameters(steps=2, oda_cut_depth=1.5), tmp_path / "run")
    assert not (tmp_path / "run").exists()
