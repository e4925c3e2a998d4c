"""Batches of runs as Slurm job arrays (submitit), a batch per array task, nothing lost.

A Slurm job per run pays about 2 s of start-up (Python, imports, the numba cache, the world)
for under 2 s of simulation, and queues as many jobs as runs. Here the runs are packed into
batches, each batch one task of a job array; arrays are split to respect the cluster's
`MaxArraySize`. Each task writes a record of every run it starts and the outcome of every run
it ends into a journal folder, so that this process follows progress, and when a task dies
(killed, out of memory, out of time) knows which run it lost: that one is failed, naming how
the task ended; the runs the task never started are submitted again.

Interrupting this process (Ctrl-C, SIGTERM) cancels the arrays it submitted.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle

from sscsim.pool import Outcome, attempt

DEFAULT_MAX_ARRAY_SIZE = 1001  # Slurm's default MaxArraySize
QUEUE_SECONDS = 5.0  # how often squeue is asked which tasks are still queued or running


@dataclass
class SlurmOptions:
    """Where and how array tasks run.

    folder: submitit's logs and the journals; partition: Slurm partition (None: the cluster's
    default); cpus_per_task, mem_gb: per task (a run is serial and needs under 300 MB);
    timeout_min: per task (None: from the batch's expected time, tripled, plus 5 minutes);
    array_parallelism: tasks running at once; batch_seconds: target length of a batch;
    max_array_size: tasks per array (None: the cluster's MaxArraySize); resubmissions: rounds of
    resubmitting runs that dead tasks never started; poll_seconds: how often to look;
    additional_parameters: passed to submitit (e.g. {"qos": "short"}); setup: shell lines run
    before each task (e.g. "module load python").
    """

    folder: str = "results/slurm"
    partition: str | None = None
    cpus_per_task: int = 1
    mem_gb: float = 2.0
    timeout_min: int | None = None
    array_parallelism: int = 256
    batch_seconds: float = 600.0
    max_array_size: int | None = None
    resubmissions: int = 1
    poll_seconds: float = 1.0
    job_name: str = "sscsim"
    additional_parameters: dict[str, Any] = field(default_factory=dict)
    setup: list[str] = field(default_factory=list)


def max_array_size() -> int:
    """The cluster's MaxArraySize (`scontrol show config`), or Slurm's default if unreadable."""
    try:
        shown = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True,
                               timeout=20, check=False).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return DEFAULT_MAX_ARRAY_SIZE
    for line in shown.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "MaxArraySize":
            with contextlib.suppress(ValueError):
                return int(value.strip())
    return DEFAULT_MAX_ARRAY_SIZE


def cluster_slots(cpus_per_task: int) -> int | None:
    """How many tasks of `cpus_per_task` CPUs the cluster can run at once (`sinfo`'s total
    CPUs), or None if sinfo does not answer."""
    try:
        shown = subprocess.run(["sinfo", "-h", "-o", "%C"], capture_output=True, text=True,
                               timeout=20, check=False).stdout.split()  # fmt: skip
        total = sum(int(field.split("/")[3]) for field in shown)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
    return max(1, total // max(cpus_per_task, 1)) if total else None


def parallel_slots(options: SlurmOptions) -> int:
    """Tasks that can run at once: the arrays' parallelism, or the cluster's CPUs if fewer."""
    found = cluster_slots(options.cpus_per_task)
    return min(options.array_parallelism, found or options.array_parallelism)


def _write_atomically(data: bytes, target: Path) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def run_batch_task(
    function: Callable[[Any], Any],
    items: list[tuple[int, Any]],
    journal: str,
    initializer: Callable[[], None] | None = None,
) -> list[Outcome]:
    """One array task: run each (key, task) in turn, journalling starts and outcomes."""
    folder = Path(journal)
    if initializer is not None:
        initializer()
    outcomes = []
    for key, task in items:
        (folder / f"{key}.started").write_text(f"{os.getpid()} {os.environ.get('SLURM_JOB_ID')}")
        outcome = attempt(function, key, task)
        _write_atomically(cloudpickle.dumps(outcome), folder / f"{key}.outcome")
        outcomes.append(outcome)
    return outcomes


def _executor(options: SlurmOptions, timeout_min: int) -> Any:
    import submitit

    executor = submitit.AutoExecutor(folder=str(Path(options.folder) / "%j"), cluster="slurm")
    parameters: dict[str, Any] = {
        "timeout_min": timeout_min,
        "cpus_per_task": options.cpus_per_task,
        "mem_gb": options.mem_gb,
        "tasks_per_node": 1,
        "name": options.job_name,
        "slurm_array_parallelism": options.array_parallelism,
    }
    if options.partition:
        parameters["slurm_partition"] = options.partition
    if options.additional_parameters:
        parameters["slurm_additional_parameters"] = dict(options.additional_parameters)
    if options.setup:
        parameters["slurm_setup"] = list(options.setup)
    executor.update_parameters(**parameters)
    return executor


def _journal_outcomes(journal: Path, known: set[int]) -> Iterator[Outcome]:
    for path in journal.glob("*.outcome"):
        key = int(path.stem)
        if key not in known:
            with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
                yield pickle.loads(path.read_bytes())


def run_on_slurm(
    function: Callable[[Any], Any],
    tasks: list[Any],
    options: SlurmOptions,
    *,
    batch_size: int,
    expected_seconds: float = 2.0,
    initializer: Callable[[], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_task_death: Callable[[int, str], Outcome | None] | None = None,
) -> list[Outcome]:
    """Run `function(task)` for every task in Slurm array tasks of `batch_size` runs; return the
    outcomes in order. A run whose task died is failed (by `on_task_death(key, how)` if given);
    runs it never started are resubmitted up to `options.resubmissions` times."""
    from sscsim.batch import warm_kernels

    initializer = warm_kernels if initializer is None else initializer
    journal = Path(options.folder).resolve() / "journal"
    shutil.rmtree(journal, ignore_errors=True)  # a previous invocation's records
    journal.mkdir(parents=True)
    timeout = options.timeout_min or 5 + math.ceil(3 * batch_size * expected_seconds / 60)
    limit = options.max_array_size or max_array_size()
    outcomes: dict[int, Outcome] = {}
    submitted: list[tuple[Any, list[int]]] = []

    def record(outcome: Outcome) -> None:
        if outcome.key not in outcomes:
            outcomes[outcome.key] = outcome
            if on_outcome is not None:
                on_outcome(outcome)

    def submit(keys: list[int]) -> None:
        executor = _executor(options, timeout)
        batches = [keys[i : i + batch_size] for i in range(0, len(keys), batch_size)]
        for start in range(0, len(batches), limit):
            group = batches[start : start + limit]
            items = [[(k, tasks[k]) for k in batch] for batch in group]
            jobs = executor.map_array(run_batch_task, [function] * len(group), items,
                                      [str(journal)] * len(group),
                                      [initializer] * len(group))  # fmt: skip
            submitted.extend(zip(jobs, group, strict=True))

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM,)}

    def interrupted(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not the main thread: no handler, Ctrl-C still works
        signal.signal(signal.SIGTERM, interrupted)
    try:
        submit(list(range(len(tasks))))
        rounds, last_look = 0, time.monotonic()
        while True:
            for outcome in _journal_outcomes(journal, set(outcomes)):
                record(outcome)
            queued: set[str] | None = None
            if time.monotonic() - last_look >= QUEUE_SECONDS:
                queued, last_look = (
                    queued_tasks({job.job_id.split("_")[0] for job, _ in submitted}),
                    time.monotonic(),
                )
            running = []
            for job, keys in submitted:
                if job.paths.result_pickle.exists():
                    _settle(job, keys, journal, record, on_task_death)
                elif queued is not None and job.job_id not in queued:
                    if not job.paths.result_pickle.exists():  # not finished as it left the queue
                        _settle_dead(
                            job,
                            keys,
                            journal,
                            record,
                            on_task_death,
                            "ended without a result (it left Slurm's queue)",
                        )
                    else:
                        _settle(job, keys, journal, record, on_task_death)
                else:
                    running.append((job, keys))
            submitted[:] = running
            if not submitted:
                lost = [k for k in range(len(tasks)) if k not in outcomes]
                if not lost:
                    break
                if rounds >= options.resubmissions:
                    for key in lost:
                        record(Outcome(key, False, None, "never started: its Slurm tasks died"))
                    break
                rounds += 1
                submit(lost)
            time.sleep(options.poll_seconds)
    except BaseException:
        for job, _keys in submitted:
            with contextlib.suppress(Exception):
                job.cancel(check=False)
        raise
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
    return [outcomes[k] for k in range(len(tasks))]


def queued_tasks(array_jobs: set[str]) -> set[str] | None:
    """Ids (`123_4`) of the array tasks still pending or running in Slurm's queue, one per
    task (`squeue -r`); None if squeue does not answer (then nothing is declared dead)."""
    if not array_jobs:
        return set()
    try:
        shown = subprocess.run(
            ["squeue", "-h", "-r", "-o", "%i", "-j", ",".join(sorted(array_jobs))],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if shown.returncode != 0:
        # squeue fails on ids it no longer knows: then none of them is queued
        return set() if "Invalid job id" in shown.stderr else None
    return {line.strip() for line in shown.stdout.splitlines() if line.strip()}


def _settle(
    job: Any,
    keys: list[int],
    journal: Path,
    record: Callable[[Outcome], None],
    on_task_death: Callable[[int, str], Outcome | None] | None,
) -> None:
    """A finished array task: take its outcomes; if it raised, treat it as dead."""
    try:
        for outcome in job.result():
            record(outcome)
    except Exception as error:
        _settle_dead(job, keys, journal, record, on_task_death, f"failed ({type(error).__name__})")


def _settle_dead(
    job: Any,
    keys: list[int],
    journal: Path,
    record: Callable[[Outcome], None],
    on_task_death: Callable[[int, str], Outcome | None] | None,
    how: str,
) -> None:
    """An array task that ended without its result: take what its journal holds, fail the run
    it was executing; the runs it never started stay without outcome (to be resubmitted)."""
    for journalled in _journal_outcomes(journal, set()):
        if journalled.key in keys:
            record(journalled)
    for key in keys:
        if (journal / f"{key}.started").exists() and not (journal / f"{key}.outcome").exists():
            message = f"the Slurm task {job.job_id} running it {how}"
            lost = on_task_death(key, message) if on_task_death is not None else None
            record(lost or Outcome(key, False, None, message))


__all__ = [
    "SlurmOptions",
    "cluster_slots",
    "max_array_size",
    "queued_tasks",
    "run_batch_task",
    "run_on_slurm",
]
