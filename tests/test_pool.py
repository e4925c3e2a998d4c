"""The worker pool: outcomes in order, failures contained, a dead worker loses only its task,
no worker outlives its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscsim.pool import PoolError, describe_exit, guided_batches, run_tasks


def square_or_fail(task: int) -> int:
    if task == 3:
        raise ValueError(f"task {task} refuses")
    return task * task


def die_on(task: tuple[int, str]) -> int:
    value, marker = task
    if value == 2 and not Path(marker).exists():  # the first attempt kills its worker
        Path(marker).write_text("died once")
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def broken_start() -> None:
    raise RuntimeError("no world tables here")


@given(keys=st.integers(0, 300), workers=st.integers(1, 16), size=st.integers(1, 50))
@settings(max_examples=200, deadline=None)
def test_guided_batches_cover_every_key_once_within_the_size(keys, workers, size):
    batches = list(guided_batches(range(keys), workers, size))
    assert [k for batch in batches for k in batch] == list(range(keys))
    assert all(1 <= len(batch) <= size for batch in batches)
    sizes = [len(b) for b in batches]
    assert sizes == sorted(sizes, reverse=True)  # shrinking towards the end


def test_outcomes_come_back_in_order_and_a_failure_is_contained():
    outcomes = run_tasks(square_or_fail, list(range(8)), workers=2, batch_size=3)
    assert [o.key for o in outcomes] == list(range(8))
    assert [o.value for o in outcomes if o.ok] == [k * k for k in range(8) if k != 3]
    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 1 and failed[0].error == "ValueError: task 3 refuses"


def test_a_killed_worker_loses_only_its_task(tmp_path):
    marker = str(tmp_path / "marker")
    lost = []
    outcomes = run_tasks(
        die_on,
        [(k, marker) for k in range(6)],
        workers=2,
        batch_size=3,  # task 2 shares a batch with 0 and 1, or 3 and 4: its rest must still run
        on_worker_death=lambda key, how: lost.append((key, how)),
    )
    assert lost == [(2, "killed by SIGKILL")]
    assert [o.ok for o in outcomes] == [True, True, False, True, True, True]
    assert "killed by SIGKILL" in outcomes[2].error
    assert [o.value for o in outcomes if o.ok] == [0, 1, 3, 4, 5]


def test_a_worker_that_cannot_start_stops_the_pool_with_its_error():
    with pytest.raises(PoolError, match="no world tables here"):
        run_tasks(square_or_fail, [1, 2], workers=1, initializer=broken_start)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="workers = 0"):
        run_tasks(square_or_fail, [1], workers=0)
    with pytest.raises(ValueError, match="batch_size = 0"):
        run_tasks(square_or_fail, [1], workers=1, batch_size=0)
    assert describe_exit(-9) == "killed by SIGKILL" and describe_exit(3) == "exited with status 3"


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


PARENT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from sscsim.pool import run_tasks

    def sleep_and_record(folder):
        Path(folder, str(os.getpid())).write_text("")
        time.sleep(120)

    if __name__ == "__main__":
        run_tasks(sleep_and_record, [sys.argv[1]] * 4, workers=2)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_worker_outlives_a_killed_parent(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    pids = tmp_path / "pids"
    pids.mkdir()
    parent = subprocess.Popen([sys.executable, str(script), str(pids)], cwd=tmp_path)
    deadline = time.monotonic() + 60
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(p.name) for p in pids.iterdir()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), "a worker outlived its parent"
