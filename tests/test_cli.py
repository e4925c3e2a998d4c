"""The command line end to end: `python -m sscsim` through Hydra, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_module

from sscsim.cli import CONFIG_DIR, CONFIG_MODULE, to_config
from sscsim.results import file_record

REPO = Path(__file__).resolve().parent.parent
RUN_FILES = {
    "config.yaml",
    "timeseries.parquet",
    "agents.parquet",
    "actions.parquet",
    "events.parquet",
    "ties.parquet",
    "partnerships.parquet",
    "summary.json",
    "capacity_by_kind.png",
    "actions_by_modality.png",
    "interregional_ties.png",
    "funding_by_source.png",
    "partnership_survival.png",
}


def sscsim(*overrides: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", "sscsim", *overrides],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    folders = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        folder = root / name
        result = sscsim(f"seed={seed}", "steps=12", f"hydra.run.dir={folder}")
        assert result.returncode == 0, result.stderr
        folders.append(folder)
    return tuple(folders)


def test_run_folder_holds_every_output(two_runs):
    folder = two_runs[0]
    assert RUN_FILES <= {p.name for p in folder.iterdir()}
    summary = json.loads((folder / "summary.json").read_text())
    assert set(summary["modality_shares"]) == {"bilateral", "triangular", "platform"}
    assert sum(summary["modality_shares"].values()) == pytest.approx(1.0)
    assert summary["modality_targets"]["triangular"] == 0.148
    run = summary["run"]
    assert run["seed"] == 3 and run["steps"] == 12 and run["wall_time_seconds"] > 0
    assert {"mesa", "numba", "numpy", "python"} <= set(run["versions"])
    actions = pd.read_parquet(folder / "actions.parquet")
    assert list(actions.columns[:15]) == [
        "action", "period", "year", "quarter", "provider", "recipient", "funder", "platform",
        "fund", "organisation", "modality", "sector", "cost_usd", "duration_quarters", "channel",
    ]  # fmt: skip
    assert {"action_participants.parquet", "sources.parquet", "sources.md"} <= {
        p.name for p in folder.iterdir()
    }
    assert "refundable" in actions
    assert len(pd.read_parquet(folder / "timeseries.parquet")) == 13


def _without_run_id(path: Path) -> tuple[pa.Table, dict]:
    """A parquet file's table and its run record, less the one field that differs between runs
    (run_id, unique to each run)."""
    table = pq.read_table(path)
    record = file_record(path)
    assert record is not None and len(record.pop("run_id")) == 32, path
    return table.replace_schema_metadata({}), record


def test_same_seed_identical_parquet_other_seed_differs(two_runs):
    a, b, c = two_runs
    for name in ("timeseries", "agents", "actions", "events", "ties"):
        table_a, record_a = _without_run_id(a / f"{name}.parquet")
        table_b, record_b = _without_run_id(b / f"{name}.parquet")
        assert table_a.equals(table_b) and record_a == record_b, name
    assert (
        file_record(a / "actions.parquet")["run_id"] != file_record(b / "actions.parquet")["run_id"]
    )
    assert not pq.read_table(a / "actions.parquet").equals(pq.read_table(c / "actions.parquet"))
    assert not pq.read_table(a / "timeseries.parquet").equals(
        pq.read_table(c / "timeseries.parquet")
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("funding.refundable_share=1.5", "funding.refundable_share = 1.5: must be in [0, 1]"),
        ("funding.action_cost_usd=-5", "funding.action_cost_usd = -5"),
        ("world.champions=[IDN,XYZ]", "'XYZ' is not an ISO3 code"),
        ("scenario=no_such_scenario", "Could not find 'scenario/no_such_scenario'"),
        ("steps=abc", "Value 'abc' of type 'str' could not be converted to Integer"),
        ("funding.no_such_key=3", "Key 'no_such_key' not in 'FundingParams'"),
    ],
)
def test_bad_values_stop_before_work_with_one_clear_message(tmp_path, override, expected):
    folder = tmp_path / "run"
    result = sscsim(override, "steps=2", f"hydra.run.dir={folder}")
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "summary.json").exists()


def test_malformed_custom_table_is_named(tmp_path):
    table = tmp_path / "countries.csv"
    source = (REPO / "sscsim" / "data" / "countries.csv").read_text().splitlines()
    source[3] = source[3].replace(",false,", ",maybe,", 1)
    table.write_text("\n".join(source) + "\n")
    result = sscsim(f"world.countries_path={table}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.returncode == 2
    assert str(table) in result.stderr and "'maybe'" in result.stderr and "row 3" in result.stderr
    assert "Traceback" not in result.stderr


def _config_choices() -> list[tuple[str, str]]:
    root = Path(CONFIG_DIR)
    return [
        (group.name, option.stem)
        for group in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "hydra")
        for option in sorted(group.glob("*.yaml"))
        if group.name not in ("experiment", "sensitivity")  # not Hydra groups of a single run
    ]


@pytest.mark.parametrize(("group", "option"), _config_choices())
def test_every_config_composes_and_validates(group, option):
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"{group}={option}"])
    config = to_config(cfg)
    if group == "scenario":
        assert config.scenario.scenario_name == option


def test_runs_from_any_folder_with_a_config_folder_of_ones_own(tmp_path):
    """The packaged configs are found from any folder, results go under that folder, and
    `--config-dir` adds a user's presets beside the packaged ones."""
    mine = tmp_path / "my_configs" / "scenario"
    mine.mkdir(parents=True)
    (mine / "deep_cut.yaml").write_text(
        "scenario_name: deep_cut\noda_cut_depth: 0.8\noda_cut_start_year: 2025\n"
    )
    result = sscsim("--config-dir", "my_configs", "scenario=deep_cut", "steps=2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "results" / "runs").iterdir()
    assert run.name.endswith("_deep_cut_seed42")
    assert {"summary.json", "timeseries.parquet"} <= {p.name for p in run.iterdir()}
    assert "oda_cut_depth: 0.8" in (run / "config.yaml").read_text()
