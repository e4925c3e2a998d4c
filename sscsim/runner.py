"""Run one configured simulation and save its folder: the orchestration shared by the
command line, sweeps and notebooks. Knows nothing of Hydra."""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any

from sscsim.config import SSCConfig


def config_yaml(config: SSCConfig) -> str:
    """The resolved configuration as YAML (enums by value)."""
    import yaml

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

    return yaml.safe_dump(plain(config), sort_keys=False)


def run_and_save(config: SSCConfig, run_dir: Path, progress: bool | None = None) -> dict[str, Any]:
    """Build the model, run it to the end and write its folder; return the summary.

    Values are checked before any work and before the folder exists (`ConfigError`,
    `WorldDataError`).
    """
    config.validate()
    from sscsim.model import SSCModel
    from sscsim.plots import run_caption, run_figures
    from sscsim.report import write_report
    from sscsim.results import write_run

    started = time.perf_counter()
    model = SSCModel(config=config)
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
        Path(run_dir),
        config_yaml(config),
        wall_time,
        figures=figures,
        report=write_report,  # report.html, written before the summary and listed in it
    )
