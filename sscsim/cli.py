"""The command line: `python -m sscsim` composes the packaged configs (`sscsim/conf/`) with Hydra
and runs one scenario.

This is the only module that imports Hydra. The schema of every config is `sscsim.config`,
registered here with Hydra's ConfigStore so that a misspelt key or a mistyped value fails at
composition, and every value is checked by `SSCConfig.validate()` before the run starts.

The configs are read as the package `sscsim.conf`, so a run works from any folder and from an
installed wheel; results go under the current folder (`results/...`). A folder of one's own
configs joins the search path with Hydra's `--config-dir DIR` (or `hydra.searchpath`).

`--help`, `--version` and `--list` are answered by `sscsim.help` before Hydra parses the command
(Hydra's own help stays behind `--hydra-help`). A single run's folder is named by the command's
overrides (`run_folder_name`, the resolver `sscsim.run_name` of `hydra.run.dir`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sscsim.config import ConfigError, SSCConfig
from sscsim.help import answer
from sscsim.world import WorldDataError

if TYPE_CHECKING:
    from sscsim.results import SweepRun

CONFIG_MODULE = "sscsim.conf"
CONFIG_PATH = f"pkg://{CONFIG_MODULE}"  # what @hydra.main searches: the package, from any cwd
CONFIG_DIR = str(Path(__file__).resolve().parent / "conf")  # the same folder, for path-based tools

# Overrides left out of a run folder's name: they choose what is recorded, not what is simulated.
RUN_NAME_EXCLUDED_SECTIONS = ("output",)
# Characters of a run folder's name, beyond which it is cut and ends with a digest of the rest
# (a file name may hold 255 bytes; the date and time take 20).
RUN_NAME_LENGTH = 160
RUN_NAME_DIGEST = 8  # hexadecimal digits of the digest
UNSAFE_IN_NAMES = re.compile(r"[^\w.,=+\-\[\]]")  # path separators, quotes, spaces, * and ?

ConfigStore.instance().store(name="sscsim_schema", node=SSCConfig)


def run_folder_name(overrides: Sequence[str], scenario_name: str) -> str:
    """The part of a single run's folder name after its date and time: the command's overrides
    as Hydra's `override_dirname` writes them (sorted, `key=value` joined by commas), without
    `output.*` keys; the scenario's name when nothing else is left.

    Characters that would make a path of it (`/`) or need quoting in a shell become `_`; a name
    longer than `RUN_NAME_LENGTH` is cut and ends with a digest of the whole, so that two long
    commands still get two names. The exact overrides are in the folder's `.hydra/overrides.yaml`.
    """
    parsed = OverridesParser.create().parse_overrides([str(o) for o in overrides])
    kept = sorted(
        str(override.input_line)
        for override in parsed
        if override.key_or_group.split(".")[0] not in RUN_NAME_EXCLUDED_SECTIONS
    )
    name = UNSAFE_IN_NAMES.sub("_", ",".join(kept)) or scenario_name
    if len(name) > RUN_NAME_LENGTH:
        digest = hashlib.sha1(name.encode()).hexdigest()[:RUN_NAME_DIGEST]
        name = f"{name[: RUN_NAME_LENGTH - RUN_NAME_DIGEST - 1]}_{digest}"
    return name


# hydra.run.dir: results/runs/<date>_<time>_${sscsim.run_name:${hydra.overrides.task},...}
# (a list of overrides arrives as a ListConfig: a sequence of strings)
OmegaConf.register_new_resolver("sscsim.run_name", run_folder_name, replace=True)


def to_config(cfg: DictConfig) -> SSCConfig:
    """The typed, validated configuration of a composed Hydra config."""
    keys = [str(k) for k in cfg if k != "hydra"]
    plain = OmegaConf.masked_copy(cfg, keys) if "hydra" in cfg else cfg
    config = OmegaConf.to_object(plain)
    if not isinstance(config, SSCConfig):  # composed without the schema
        # to_object of a structured config is an instance of its dataclass
        merged = OmegaConf.merge(OmegaConf.structured(SSCConfig), plain)
        config = cast(SSCConfig, OmegaConf.to_object(merged))
    return config.validate()


def compose_config(overrides: list[str] | None = None) -> SSCConfig:
    """The validated configuration that `python -m sscsim OVERRIDES...` would run, composed from
    the shipped configs without running anything (for scripts, notebooks and tests)::

        config = compose_config(["scenario=oda_cut", "seed=3"])
    """
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        return to_config(compose(config_name="config", overrides=list(overrides or [])))


def _discard_empty_run_dir(run_dir: Path) -> None:
    """Remove a run folder that holds nothing but Hydra's own files."""
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {
        ".hydra",
        "main.log",
        "cli.log",
    }:
        shutil.rmtree(run_dir, ignore_errors=True)


def run_one(cfg: DictConfig, run_dir: Path, progress: bool | None = None) -> dict:
    """Validate, run and save one run; a run already complete with this config is skipped.
    In a multirun the run's tables carry the sweep's columns (`sweep_run`)."""
    from sscsim.launch import is_complete
    from sscsim.runner import config_yaml, run_and_save

    config = to_config(cfg)
    if is_complete(run_dir, config_yaml(config)):
        print(f"sscsim: {run_dir} is complete already: skipped")
        return json.loads((run_dir / "summary.json").read_text())
    return run_and_save(config, run_dir, progress=progress, sweep=sweep_run(config, run_dir))


def sweep_run(config: SSCConfig, run_dir: Path) -> SweepRun | None:
    """The run's place in its sweep if Hydra runs it as a job of a multirun, else None: the
    sweep folder's name, the run folder relative to it and the task overrides, typed from the
    resolved configuration."""
    if not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return None
    from sscsim.results import SweepRun, override_values
    from sscsim.runner import config_dict

    hydra_config = HydraConfig.get()
    sweep_dir = Path(hydra_config.sweep.dir).resolve()
    overrides = [str(o) for o in hydra_config.overrides.task]
    return SweepRun(
        sweep=sweep_dir.name,
        run=Path(os.path.relpath(Path(run_dir).resolve(), sweep_dir)).as_posix(),
        parameters=override_values(overrides, config_dict(config)),
    )


def main() -> None:
    """`python -m sscsim`: sscsim's own `--help`, `--version` and `--list`, else Hydra's command
    line (overrides, `-m`, `--cfg`, `--info`, `--hydra-help`, ...) and a run or a sweep."""
    page = answer(sys.argv[1:])
    if page is not None:
        print(page)
        return
    run_or_sweep()


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="config")
def run_or_sweep(cfg: DictConfig) -> None:
    """Run one scenario and write its folder (see README: Outputs). In a multirun, a job
    records its own status and never raises, so that one failure does not stop the sweep."""
    hydra_config = HydraConfig.get()
    run_dir = Path(hydra_config.runtime.output_dir)
    if hydra_config.mode == RunMode.MULTIRUN:
        from sscsim.launch import run_job

        run_job(lambda: run_one(cfg, run_dir, progress=False), run_dir)
        return
    try:
        summary = run_one(cfg, run_dir)
    except (ConfigError, WorldDataError) as error:
        _discard_empty_run_dir(run_dir)
        print(f"sscsim: {error}", file=sys.stderr)
        sys.exit(2)
    shares = ", ".join(
        f"{k} {v:.1%}" for k, v in summary["modality_shares"].items() if v is not None
    )
    print(
        f"sscsim: {summary['run']['steps']} quarters in {summary['run']['wall_time_seconds']:.1f}"
        f" s ({shares}); results in {run_dir}"
    )
