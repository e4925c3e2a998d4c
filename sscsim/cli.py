"""The command line: `python -m sscsim` composes `configs/` with Hydra and runs one scenario.

This is the only module that imports Hydra. The schema of every config is `sscsim.config`,
registered here with Hydra's ConfigStore so that a misspelt key or a mistyped value fails at
composition, and every value is checked by `SSCConfig.validate()` before the run starts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sscsim.config import ConfigError, SSCConfig
from sscsim.world import WorldDataError

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")

ConfigStore.instance().store(name="sscsim_schema", node=SSCConfig)


def to_config(cfg: DictConfig) -> SSCConfig:
    """The typed, validated configuration of a composed Hydra config."""
    plain = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg
    config = OmegaConf.to_object(plain)
    if not isinstance(config, SSCConfig):  # composed without the schema
        config = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(SSCConfig), plain))
    return config.validate()


def _discard_empty_run_dir(run_dir: Path) -> None:
    """Remove a run folder that holds nothing but Hydra's own files."""
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {
        ".hydra",
        "main.log",
        "cli.log",
    }:
        shutil.rmtree(run_dir, ignore_errors=True)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> None:
    """Run one scenario and write its folder (see README: Outputs)."""
    from sscsim.runner import run_and_save

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        config = to_config(cfg)
        summary = run_and_save(config, run_dir)
    except (ConfigError, WorldDataError) as error:
        _discard_empty_run_dir(run_dir)
        print(f"sscsim: {error}", file=sys.stderr)
        sys.exit(2)
    shares = ", ".join(
        f"{k} {v:.1%}" for k, v in summary["modality_shares"].items() if v is not None
    )
    print(
        f"sscsim: {summary['run']['steps']} quarters in {summary['run']['wall_time_seconds']:.1f} s"
        f" ({shares}); results in {run_dir}"
    )
