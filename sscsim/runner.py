"""Run one configured simulation and save its folder: the orchestration shared by the
command line, sweeps and notebooks. Knows nothing of Hydra."""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sscsim.config import SSCConfig

if TYPE_CHECKING:
    from sscsim.model import SSCModel
    from sscsim.results import SweepRun


def config_dict(config: SSCConfig) -> dict[str, Any]:
    """The resolved configuration as plain data (enums by value): what config.yaml holds."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return plain(config)


def config_yaml(config: SSCConfig) -> str:
    """The resolved configuration as YAML (enums by value)."""
    import yaml

    return yaml.safe_dump(config_dict(config), sort_keys=False)


def run_and_save(
    config: SSCConfig,
    run_dir: Path,
    progress: bool | None = None,
    sweep: SweepRun | None = None,
) -> dict[str, Any]:
    """Build the model, run it to the end and write its folder; return the summary.

    Values are checked before any work and before the folder exists (`ConfigError`, and
    `WorldDataError` as the model loads its world). The folder is then locked for the whole
    run and write: a second run into it is refused at once (`sscsim.results.RunFolderBusy`).
    `sweep` places the run in a sweep (its tables then carry the sweep's columns,
    `sscsim.results.write_run`).
    """
    config.validate()
    from sscsim.model import SSCModel
    from sscsim.results import run_folder_lock

    started = time.perf_counter()
    model = SSCModel(config=config)
    with run_folder_lock(Path(run_dir)):
        return _run_and_write(model, Path(run_dir), progress, sweep, started)


def _run_and_write(
    model: SSCModel, run_dir: Path, progress: bool | None, sweep: SweepRun | None, started: float
) -> dict[str, Any]:
    from sscsim.plots import run_caption, run_figures
    from sscsim.report import write_report
    from sscsim.results import write_run

    config = model.config
    show = config.output.progress if progress is None else progress
    bar = None
    if show and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=model.n_steps, desc=config.scenario.scenario_name, unit="quarter")
    try:
        model.run(progress=bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    wall_time = time.perf_counter() - started
    figures = None
    if config.output.figures:
        caption = run_caption(config.scenario.scenario_name, config.seed)
        figure_format = config.output.figure_format.value
        figures = functools.partial(run_figures, caption=caption, figure_format=figure_format)
    return write_run(
        model,
        run_dir,
        config_yaml(config),
        wall_time,
        figures=figures,
        report=write_report,  # report.html, written before the summary and listed in it
        sweep=sweep,
    )
