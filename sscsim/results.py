"""Writing a run's folder: tables, summary, provenance and figures, each file atomically.

A file is written to a temporary name beside its target and renamed into place, so a folder
never holds a half-written file, whatever stops the process.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sscsim.state.funds import directory_markdown

if TYPE_CHECKING:
    from sscsim.model import SSCModel
    from sscsim.persistence import Persistence

TABLES: tuple[str, ...] = (
    "timeseries", "agents", "actions", "action_participants", "events", "ties", "sources",
    "partnerships",
)  # fmt: skip
PACKAGES: tuple[str, ...] = (
    "sscsim",
    "mesa",
    "numpy",
    "numba",
    "pandas",
    "pyarrow",
    "hydra-core",
    "matplotlib",
)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it onto `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o644)  # mkstemp creates files readable by their owner only
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as temporary:
        frame.to_parquet(temporary, index=False)


def write_text(text: str, target: Path) -> None:
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(data: Any, target: Path) -> None:
    write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", target)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    source = Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def run_tables(model: SSCModel, analysis: Persistence | None = None) -> dict[str, pd.DataFrame]:
    """The run's tables, by name (see TABLES); `partnerships` from `analysis` (the run's
    `sscsim.persistence.analyse_model`, computed if not given)."""
    if analysis is None:
        from sscsim.persistence import analyse_model  # lazy: keeps this module light

        analysis = analyse_model(model)
    return {
        "timeseries": model.timeseries_frame(),
        "agents": model.agents_frame(),
        "actions": model.actions_frame(),
        "events": model.events_frame(),
        "ties": model.ties_frame(),
        "action_participants": model.participants_frame(),
        "sources": model.sources_frame(),
        "partnerships": analysis.partnerships,
    }


def run_summary(model: SSCModel, analysis: Persistence | None = None) -> dict[str, Any]:
    """The run's summary with its `persistence` block (from `analysis`, computed if not given):
    `model.summary()` plus the persistence of partnerships, the headline of sustained
    cooperation, placed before the tie metrics."""
    from sscsim import reporters
    from sscsim.persistence import analyse_model

    if analysis is None:
        analysis = analyse_model(model)
    return reporters.summary(model.state, model.timeseries_frame(), analysis.summary())


def write_run(
    model: SSCModel,
    run_dir: Path,
    config_yaml: str,
    wall_time_seconds: float,
    figures: Callable[[dict[str, pd.DataFrame], Path], list[Path]] | None = None,
    extra_metadata: dict[str, Any] | None = None,
    report: Callable[[Path, dict[str, Any], dict[str, pd.DataFrame], list[Path]], Path]
    | None = None,
) -> dict[str, Any]:
    """Write every output of a finished run into `run_dir`; return the summary written.

    Files: config.yaml, the tables of TABLES as parquet, sources.md (the directory of
    cooperation sources, readable), summary.json (`run_summary`), the figures that
    `figures(tables, run_dir)` draws and the page that `report(run_dir, summary, tables,
    figures)` writes (`sscsim.report.write_report`) from the summary about to be written. The
    summary is written last (its `files` name the report too): its presence marks a complete
    run.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_text(config_yaml, run_dir / "config.yaml")
    from sscsim.persistence import analyse_model

    analysis = analyse_model(model)
    tables = run_tables(model, analysis)
    for name, frame in tables.items():
        write_parquet(frame, run_dir / f"{name}.parquet")
    write_text(directory_markdown(tables["sources"]), run_dir / "sources.md")
    drawn = figures(tables, run_dir) if figures is not None else []
    summary = run_summary(model, analysis)
    summary["run"] = {
        "seed": model.config.seed,
        "scenario": model.config.scenario.scenario_name,
        "steps": model.period,
        "wall_time_seconds": round(wall_time_seconds, 3),
        "versions": package_versions(),
        "commit": git_commit(),
        "command": " ".join(sys.argv),
        "files": sorted(
            [f"{name}.parquet" for name in tables] + ["sources.md"] + [p.name for p in drawn]
        ),
        **(extra_metadata or {}),
    }
    if report is not None:
        page = report(run_dir, summary, tables, drawn)
        summary["run"]["files"] = sorted([*summary["run"]["files"], page.name])
    write_json(summary, run_dir / "summary.json")
    return summary
