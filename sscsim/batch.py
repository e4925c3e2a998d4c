"""Many runs in few processes: the batched evaluator behind sweeps, sensitivity and EMA.

    from sscsim.batch import evaluate
    results = evaluate(configs, measure, executor="local")   # or "serial", "slurm"

A process per run pays its imports, the numba cache and the world tables (about 2 s) for a run
of under 2 s. Here runs are grouped into batches that one process executes in turn, reusing all
of that: persistent local workers (`sscsim.pool`) or Slurm array tasks (`sscsim.slurm`), each
task a batch, the batch size chosen from the runs' expected cost. A dead worker or array task
loses at most the run it was executing.

`measure(model)` runs in the worker after `model.run()` and returns what the caller keeps (a
dict of numbers or arrays): models never travel between processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sscsim.pool import Outcome, attempt, run_tasks
from sscsim.progress import Progress

if TYPE_CHECKING:
    from sscsim.config import SSCConfig
    from sscsim.model import SSCModel

EXECUTORS: tuple[str, ...] = ("serial", "local", "slurm")
THREAD_VARIABLES: tuple[str, ...] = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
# A rough cost model of one run, fitted on this project's 2-core machine (docs/sweeps.md): a
# fixed part (building the model, writing its folder) and a part proportional to actor-quarters.
# Good to a factor of two, which is all batch sizing needs; `expected_run_seconds` overrides it.
FIXED_SECONDS = 0.6
SECONDS_PER_ACTOR_QUARTER = 1.0e-4
REAL_WORLD_ACTORS = 170


@dataclass(frozen=True)
class Evaluation:
    """One configuration's result: `value` (what `measure` returned) or `error`."""

    index: int
    ok: bool
    value: Any
    error: str
    seconds: float


def expected_run_seconds(steps: int, actors: int | None = None) -> float:
    """The expected wall time of one run of `steps` quarters over `actors` actors (None: the
    real world), seconds; see FIXED_SECONDS."""
    actors = REAL_WORLD_ACTORS if actors is None else actors
    return FIXED_SECONDS + SECONDS_PER_ACTOR_QUARTER * steps * actors


def config_cost(config: SSCConfig) -> float:
    """The expected seconds of one run of `config` (`expected_run_seconds`)."""
    return expected_run_seconds(config.steps or 64, config.world.synthetic_actors)


def batch_size_for(
    runs: int, slots: int, run_seconds: float, batch_seconds: float, max_batches: int | None = None
) -> int:
    """How many runs a batch holds: enough to fill `batch_seconds` at `run_seconds` a run, but
    no more than keeps every one of `slots` parallel slots busy, and at least enough that the
    batches number at most `max_batches` (a cluster's maximum array size)."""
    if runs < 1:
        return 1
    size = max(1, math.floor(batch_seconds / max(run_seconds, 1e-9)))
    size = min(size, max(1, math.ceil(runs / max(slots, 1))))
    if max_batches is not None:
        size = max(size, math.ceil(runs / max_batches))
    return size


def chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of `size` items (the last may be shorter)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def worker_environment(threads: int = 1) -> dict[str, str]:
    """Thread limits for worker processes: one numba/BLAS thread each unless the user set one.
    A worker runs one serial simulation at a time, so more threads only oversubscribe the cores."""
    return {name: os.environ.get(name, str(threads)) for name in THREAD_VARIABLES}


@contextlib.contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """Set environment variables for processes started inside the block, then restore them."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _kernel_stamp() -> str:
    """A name that changes when a kernel's source, numba or Python changes."""
    import numba

    kernels = Path(__file__).resolve().parent / "kernels"
    digest = hashlib.sha256(f"{numba.__version__} {sys.version}".encode())
    for source in sorted(kernels.glob("*.py")):
        stat = source.stat()
        digest.update(f"{source.name} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def warm_kernels() -> None:
    """Compile or load every kernel once in this process, by one quarter of the real world.

    The first process on a fresh cache compiles and writes numba's cache while holding a file
    lock; the others wait, then load. Once a stamp records a complete cache for these sources,
    nothing is done here: each process loads the kernels from the cache at its first run.
    """
    from sscsim.model import SSCModel

    folder = Path(tempfile.gettempdir())
    stamp = folder / f"sscsim-kernels-{_kernel_stamp()}.ready"
    if stamp.exists():
        return  # the cache is complete: the first run loads the kernels as it needs them
    with open(folder / "sscsim-kernels.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            SSCModel(rng=0, steps=1).run()
            stamp.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_measured(measure: Callable[[SSCModel], Any], config: SSCConfig) -> Any:
    """Build the model of `config`, run it to its end and return `measure(model)`."""
    from sscsim.model import SSCModel

    model = SSCModel(config=config)
    model.run()
    return measure(model)


def summary_outcomes(model: SSCModel) -> dict[str, Any]:
    """The run's summary (`sscsim.results.run_summary`): a default `measure`."""
    from sscsim.results import run_summary

    return run_summary(model)


def evaluate(
    configs: Sequence[SSCConfig],
    measure: Callable[[SSCModel], Any] = summary_outcomes,
    *,
    executor: str = "local",
    workers: int | None = None,
    batch_size: int | None = None,
    batch_seconds: float = 10.0,
    slurm: dict[str, Any] | None = None,
    progress: bool | None = None,
    description: str = "runs",
) -> list[Evaluation]:
    """Run every configuration to its end and `measure` it; results in the order of `configs`.

    executor: "serial" (this process, one after the other), "local" (`workers` persistent
    processes, default every core, running batches) or "slurm" (submitit job arrays, a batch per
    array task; options in `slurm`, see `sscsim.slurm.SlurmOptions`). `batch_size` None sizes
    batches from the runs' expected cost to about `batch_seconds` each. A run that raises, or
    whose worker dies, is an Evaluation with ok False and the error; the others are unaffected.
    `measure` must be picklable (a module-level function) for "local" and "slurm".
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor = {executor!r}: not one of {', '.join(EXECUTORS)}")
    for config in configs:
        config.validate()  # every bad value named, before any run
    function = partial(run_measured, measure)
    cost = max((config_cost(c) for c in configs), default=1.0)
    shown = Progress(len(configs), description, enabled=progress)
    outcomes: list[Outcome]
    with shown:
        if executor == "serial":
            outcomes = []
            for key, config in enumerate(configs):
                outcome = attempt(function, key, config)
                outcomes.append(outcome)
                shown.update(outcome.ok)
        elif executor == "local":
            slots = workers or os.cpu_count() or 1
            size = batch_size or batch_size_for(len(configs), slots, cost, batch_seconds)
            with environment(worker_environment()):
                outcomes = run_tasks(function, configs, workers=slots, batch_size=size,
                                     initializer=warm_kernels,
                                     on_outcome=lambda o: shown.update(o.ok))  # fmt: skip
        else:
            from sscsim.slurm import SlurmOptions, parallel_slots, run_on_slurm

            options = SlurmOptions(**(slurm or {}))
            slots = parallel_slots(options)
            size = batch_size or batch_size_for(len(configs), slots, cost, options.batch_seconds)
            outcomes = run_on_slurm(function, list(configs), options, batch_size=size,
                                    on_outcome=lambda o: shown.update(o.ok))  # fmt: skip
    return [Evaluation(o.key, o.ok, o.value, o.error, o.seconds) for o in outcomes]


__all__ = [
    "EXECUTORS",
    "Evaluation",
    "batch_size_for",
    "config_cost",
    "evaluate",
    "expected_run_seconds",
    "summary_outcomes",
    "warm_kernels",
    "worker_environment",
]
