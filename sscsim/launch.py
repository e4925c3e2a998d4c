"""Hydra's multirun edge: thread limits, one numba cache warm-up, job status, aggregation.

`SweepCallback` is registered in sscsim/conf/config.yaml. Before the fan-out it pins numba and
BLAS threads to one per job (a job is one serial simulation; the variables only count if set
before numba or numpy start in the job's process, hence in the parent whose environment every
worker, local or Slurm, inherits) and compiles the kernels once so that no job compiles them
again. At the end it aggregates the sweep with `sscsim.analyze`, the same code as
`python -m sscsim.analyze`, which stays the one source of the aggregate: Hydra 1.3 skips
`on_multirun_end` when a job raised, so jobs record their own status and never raise.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sscsim.analyze import STATUS_FILE, report, write_aggregate
from sscsim.batch import worker_environment
from sscsim.results import write_json

BATCHED_LAUNCHERS = "hydra_plugins.sscsim_launcher."


def limit_threads(threads: int = 1) -> dict[str, str]:
    """Set each thread-count variable that the user has not set (`sscsim.batch`'s
    `worker_environment`); return what is in force."""
    limits = worker_environment(threads)
    os.environ.update(limits)
    return limits


def warm_numba_cache() -> float:
    """Compile (or load) every kernel once, by one step of the real-world model; return the
    seconds it took."""
    from sscsim.model import SSCModel

    started = time.perf_counter()
    SSCModel(rng=0, steps=1).run()
    return time.perf_counter() - started


class SweepCallback(Callback):
    """Prepares a multirun's jobs and aggregates the sweep when it ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        threads = limit_threads(1)
        target = str(config.hydra.launcher.get("_target_", ""))
        if target.startswith(BATCHED_LAUNCHERS):
            return  # its workers warm the cache themselves, one at a time (sscsim.batch)
        seconds = warm_numba_cache()
        print(f"sscsim: threads per job {threads}; numba cache ready in {seconds:.2f} s")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            summary = write_aggregate(sweep_dir)
        except Exception as error:
            # Hydra turns a callback's exception into a warning and exits 0: say it, and fail.
            print(f"sscsim: sweep {sweep_dir}: the aggregate failed: {type(error).__name__}: "
                  f"{error}; the runs' folders are intact (python -m sscsim.analyze "
                  f"{sweep_dir} retries)", file=sys.stderr)  # fmt: skip
            raise SystemExit(1) from error
        print(f"sscsim: sweep {sweep_dir}: {report(summary)}")
        if (summary["status"] != "completed").any():
            # Everything that ran is saved and aggregated; the exit status tells scripts.
            raise SystemExit(1)


def write_status(run_dir: Path, status: str, **fields: Any) -> None:
    """Record a job's status in its folder (atomically)."""
    write_json({"status": status, "time": time.time(), **fields}, run_dir / STATUS_FILE)


def is_complete(run_dir: Path, config_yaml: str) -> bool:
    """Whether this run already finished with this very configuration (a rerun skips it)."""
    summary, saved = run_dir / "summary.json", run_dir / "config.yaml"
    return summary.exists() and saved.exists() and saved.read_text() == config_yaml


def run_job(run: Any, run_dir: Path) -> dict[str, Any] | None:
    """Run one sweep job without ever raising: record completed or failed in its folder."""
    write_status(run_dir, "running", pid=os.getpid())
    try:
        result = run()
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        write_status(run_dir, "failed", error=message, traceback=traceback.format_exc(limit=20))
        print(f"sscsim: run {run_dir} failed: {message}", file=sys.stderr)
        return None
    write_status(run_dir, "completed")
    return result


__all__ = ["SweepCallback", "is_complete", "limit_threads", "run_job", "warm_numba_cache"]
