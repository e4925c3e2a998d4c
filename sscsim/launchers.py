"""Batched Hydra launchers: a sweep's jobs run in batches by persistent processes.

    python -m sscsim -m experiment=oda_cuts hydra/launcher=local
    python -m sscsim -m experiment=levers hydra/launcher=slurm hydra.launcher.partition=short

Hydra's joblib launcher hands each job to a loky worker along with the whole Hydra context, and
aborts the sweep when one worker dies; hydra-submitit submits a Slurm job per run, paying about
2 s of start-up for a run of under 2 s, and cannot pack runs into one job. These launchers run
the same Hydra jobs (`hydra.core.utils.run_job`: each job its own folder, `.hydra/` record,
log and status) but in batches: locally in `workers` processes started once (`sscsim.pool`),
on Slurm as job arrays with a batch per array task (`sscsim.slurm`). Each worker composes its
jobs' configurations itself, so the launching process stays idle and its core free.

A job that dies with its worker (a kill, an out-of-memory) is recorded as failed in its folder,
naming how; the others go on. Jobs never fail the sweep: `sscsim.launch.SweepCallback`
aggregates it and sets the exit status.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict

from sscsim.batch import (
    batch_size_for,
    environment,
    expected_run_seconds,
    warm_kernels,
    worker_environment,
)
from sscsim.pool import Outcome, run_tasks
from sscsim.progress import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HydraJobs:
    """What every worker needs to run any job of the sweep (pickled once per worker)."""

    hydra_context: HydraContext
    config: DictConfig
    task_function: TaskFunction
    singleton_state: dict[Any, Any]


def job_config(jobs: HydraJobs, index: int, overrides: list[str]) -> DictConfig:
    """The composed configuration of job `index` (Hydra's sweep config of its overrides)."""
    sweep_config = jobs.hydra_context.config_loader.load_sweep_config(jobs.config, overrides)
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{index}"
        sweep_config.hydra.job.num = index
    return sweep_config


def job_folder(sweep_config: DictConfig) -> Path:
    """The folder Hydra gives a job: hydra.sweep.dir / hydra.sweep.subdir."""
    HydraConfig.instance().set_config(sweep_config)
    folder = Path(str(OmegaConf.select(sweep_config, "hydra.sweep.dir")))
    return folder / str(OmegaConf.select(sweep_config, "hydra.sweep.subdir"))


def execute_job(jobs: HydraJobs, job: tuple[int, list[str]]) -> dict[str, Any]:
    """Run one Hydra job in this (worker) process; return what the launcher reports of it."""
    index, overrides = job
    setup_globals()
    Singleton.set_state(jobs.singleton_state)
    sweep_config = job_config(jobs, index, overrides)
    HydraConfig.instance().set_config(sweep_config)
    returned = run_job(
        hydra_context=jobs.hydra_context,
        task_function=jobs.task_function,
        config=sweep_config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
    failed = returned.status == JobStatus.FAILED
    return {
        "status": returned.status.name,
        "error": f"{type(returned._return_value).__name__}: {returned._return_value}"
        if failed
        else "",
        "value": None if failed else returned._return_value,
        "folder": str(returned.hydra_cfg.hydra.runtime.output_dir) if returned.hydra_cfg else "",
    }


def record_lost_job(jobs: HydraJobs, job: tuple[int, list[str]], how: str) -> Outcome | None:
    """A job whose worker died: write `failed` into its folder's status, naming how."""
    from sscsim.launch import write_status

    index, overrides = job
    try:
        folder = job_folder(job_config(jobs, index, overrides))
        folder.mkdir(parents=True, exist_ok=True)
        write_status(folder, "failed", error=f"lost: {how}")
    except Exception as error:
        log.warning("could not record the lost job %s: %s", index, error)
    return None


def _returns(jobs: list[tuple[int, list[str]]], outcomes: list[Outcome]) -> list[JobReturn]:
    """Hydra's job returns. Every one COMPLETED: a FAILED return makes Hydra's sweeper re-raise
    and skip the end-of-sweep callback, which would lose the aggregate; failures are in the run
    folders' status, which the callback reads."""
    returns = []
    for (_, overrides), outcome in zip(jobs, outcomes, strict=True):
        returned = JobReturn(overrides=list(overrides), status=JobStatus.COMPLETED)
        returned.return_value = outcome.value.get("value") if outcome.ok and outcome.value else None
        returns.append(returned)
    return returns


class BatchedLauncher(Launcher):
    """Local batched launcher: `workers` processes (-1: every core), batches of `batch_size`
    jobs (None: sized to about `batch_seconds` each from `expected_run_seconds`, None: from the
    configured steps and world)."""

    def __init__(
        self,
        workers: int = -1,
        batch_size: int | None = None,
        batch_seconds: float = 10.0,
        expected_run_seconds: float | None = None,
        progress_seconds: float = 30.0,
    ) -> None:
        self.workers, self.batch_size, self.batch_seconds = workers, batch_size, batch_seconds
        self.expected_seconds, self.progress_seconds = expected_run_seconds, progress_seconds
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config, self.task_function, self.hydra_context = config, task_function, hydra_context

    def _prepare(
        self, job_overrides: Any, initial_job_idx: int
    ) -> tuple[HydraJobs, list[tuple[int, list[str]]], float, Path]:
        setup_globals()
        assert self.config is not None and self.task_function is not None
        assert self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        shared = HydraJobs(self.hydra_context, self.config, self.task_function,
                           Singleton.get_state())  # fmt: skip
        jobs = [(initial_job_idx + i, list(o)) for i, o in enumerate(job_overrides)]
        seconds = self.expected_seconds or self._expected_seconds()
        return shared, jobs, seconds, sweep_dir

    def _expected_seconds(self) -> float:
        assert self.config is not None
        steps = OmegaConf.select(self.config, "steps", default=None) or 64
        actors = OmegaConf.select(self.config, "world.synthetic_actors", default=None)
        return expected_run_seconds(int(steps), actors)

    def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
        shared, jobs, seconds, sweep_dir = self._prepare(job_overrides, initial_job_idx)
        workers = self.workers if self.workers > 0 else os.cpu_count() or 1
        workers = min(workers, len(jobs))
        size = self.batch_size or batch_size_for(len(jobs), workers, seconds, self.batch_seconds)
        log.info(f"sscsim: {len(jobs)} jobs in {workers} processes, batches of up to {size}")
        progress = Progress(len(jobs), f"sweep {sweep_dir}", interval=self.progress_seconds)
        with progress, environment(worker_environment()):
            outcomes = run_tasks(
                partial(execute_job, shared),
                jobs,
                workers=workers,
                batch_size=size,
                initializer=warm_kernels,
                on_outcome=lambda outcome: progress.update(_succeeded(outcome)),
                on_worker_death=lambda key, how: record_lost_job(shared, jobs[key], how),
            )
        return _returns(jobs, outcomes)


def _succeeded(outcome: Outcome) -> bool:
    """Whether a job's run completed: its outcome, and the status its folder records."""
    if not outcome.ok or not outcome.value:
        return False
    folder = outcome.value.get("folder")
    return bool(folder) and (Path(folder) / "summary.json").exists()


class BatchedSlurmLauncher(BatchedLauncher):
    """Slurm batched launcher: job arrays (submitit), a batch of jobs per array task.

    Batches are sized to about `batch_seconds` (default 10 minutes) of expected work, no fewer
    than fill `array_parallelism` tasks, and split into arrays of at most the cluster's
    MaxArraySize (`max_array_size`, None: read from `scontrol`). Task resources: `partition`,
    `cpus_per_task`, `mem_gb`, `timeout_min` (None: from the batch's expected time);
    `additional_parameters` and `setup` as in hydra-submitit. `submitit_folder`: logs and
    journals.
    """

    def __init__(
        self,
        partition: str | None = None,
        cpus_per_task: int = 1,
        mem_gb: float = 2.0,
        timeout_min: int | None = None,
        array_parallelism: int = 256,
        max_array_size: int | None = None,
        batch_size: int | None = None,
        batch_seconds: float = 600.0,
        expected_run_seconds: float | None = None,
        resubmissions: int = 1,
        submitit_folder: str = "results/slurm",
        job_name: str = "sscsim",
        additional_parameters: dict[str, Any] | None = None,
        setup: list[str] | None = None,
        poll_seconds: float = 1.0,
        progress_seconds: float = 30.0,
    ) -> None:
        super().__init__(1, batch_size, batch_seconds, expected_run_seconds, progress_seconds)
        from sscsim.slurm import SlurmOptions

        self.options = SlurmOptions(
            folder=submitit_folder, partition=partition, cpus_per_task=cpus_per_task,
            mem_gb=mem_gb, timeout_min=timeout_min, array_parallelism=array_parallelism,
            batch_seconds=batch_seconds, max_array_size=max_array_size,
            resubmissions=resubmissions, poll_seconds=poll_seconds, job_name=job_name,
            additional_parameters=dict(additional_parameters or {}), setup=list(setup or []),
        )  # fmt: skip

    def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
        from sscsim.slurm import max_array_size, parallel_slots, run_on_slurm

        shared, jobs, seconds, sweep_dir = self._prepare(job_overrides, initial_job_idx)
        limit = self.options.max_array_size or max_array_size()
        slots = parallel_slots(self.options)
        size = self.batch_size or batch_size_for(len(jobs), slots, seconds,
                                                 self.options.batch_seconds)  # fmt: skip
        log.info(
            f"sscsim: {len(jobs)} jobs as Slurm array tasks of up to {size} (arrays <= {limit})"
        )
        progress = Progress(len(jobs), f"sweep {sweep_dir}", interval=self.progress_seconds)
        with progress, environment(worker_environment()):
            outcomes = run_on_slurm(
                partial(execute_job, shared),
                jobs,
                self.options,
                batch_size=size,
                expected_seconds=seconds,
                on_outcome=lambda outcome: progress.update(_succeeded(outcome)),
                on_task_death=lambda key, how: record_lost_job(shared, jobs[key], how),
            )
        return _returns(jobs, outcomes)


__all__ = ["BatchedLauncher", "BatchedSlurmLauncher", "execute_job"]
