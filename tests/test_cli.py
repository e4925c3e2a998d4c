"""The command line end to end: `python -m sscsim` through Hydra, in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hydra import compose, initialize_config_module

from sscsim.cli import CONFIG_DIR, CONFIG_MODULE, RUN_NAME_LENGTH, run_folder_name, to_config
from sscsim.help import EXAMPLES, config_groups, config_options, help_text, one_line
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
    "report.html",
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
    result = sscsim(
        "--config-dir", "my_configs", "scenario=deep_cut", "steps=2", "output.figures=false",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "results" / "runs").iterdir()
    # named by the overrides, output.* left out; the command says where the results went
    assert run.name.endswith("_scenario=deep_cut,steps=2")
    assert str(run) in result.stdout
    assert {"summary.json", "timeseries.parquet"} <= {p.name for p in run.iterdir()}
    assert "oda_cut_depth: 0.8" in (run / "config.yaml").read_text()


# --- the command line's own pages and its run folders ---------------------------------------


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_sscsims_own_page(flag):
    result = sscsim(flag)
    assert result.returncode == 0, result.stderr
    page = _flat(result.stdout)
    # the header comment of scenario/oda_cut.yaml, read from the file by the page
    assert "oda_cut An ODA cut of configurable depth and timing" in page
    assert "python -m sscsim -m experiment=oda_cuts hydra/launcher=local" in page
    assert "--hydra-help" in page and "--cfg job" in page and "results/runs/" in page
    assert "Powered by Hydra" not in page  # not Hydra's generic page
    for group in ("world", "scenario", "experiment", "hydra/launcher"):
        for option in config_options(group):
            assert f"{option.name} {_flat(option.summary)}" in page, option


def test_help_examples_name_packaged_presets():
    groups = {group: {o.name for o in config_options(group)} for group in config_groups()}
    assert set(groups) == {"world", "scenario", "experiment", "hydra/launcher", "hydra/sweeper"}
    chosen = [
        (group, option)
        for command, _ in EXAMPLES
        for group, option in re.findall(r"(?<![.\w])([a-z]+(?:/[a-z]+)?)=(\w+)", command)
        if group in groups
    ]
    assert {group for group, _ in chosen} >= {"scenario", "experiment", "hydra/launcher"}
    for group, option in chosen:
        assert option in groups[group], f"{group}={option} in the help's examples"


def test_help_says_where_runs_go_as_the_config_does():
    config = yaml.safe_load((Path(CONFIG_DIR) / "config.yaml").read_text())
    folder = config["hydra"]["run"]["dir"].split("${")[0]
    assert f"{folder}<date>_<time>_<overrides>/" in _flat(help_text())


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Short. Second sentence.", "Short"),
        ("A cut (half of it) from 2026.", "A cut (half of it) from 2026"),
        ("A cut " + "(an aside) " * 20 + "from 2026.", "A cut from 2026"),
        ("word " * 60, ("word " * 29).strip() + " …"),
        ("ODA fell 7.1 % in 2024. Then more.", "ODA fell 7.1 % in 2024"),
    ],
)
def test_one_line_summaries(description, expected):
    assert one_line(description) == expected


def test_version_is_the_package_version():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    result = sscsim("--version")
    assert result.returncode == 0, result.stderr
    first, versions = result.stdout.splitlines()[:2]
    assert first == f"sscsim {project['version']}"
    assert "Hydra" not in first and f"python {sys.version.split()[0]}" in versions


def test_list_names_every_packaged_scenario_and_experiment():
    result = sscsim("--list")
    assert result.returncode == 0, result.stderr
    listed = set(result.stdout.split())
    for group in ("scenario", "experiment"):
        files = sorted((Path(CONFIG_DIR) / group).glob("*.yaml"))
        assert files
        for path in files:
            assert path.stem in listed, f"{group}/{path.name}"
    assert "no_interregional_platforms" in listed


def test_hydra_options_still_reach_hydra():
    job = sscsim("--cfg", "job", "scenario=oda_cut", "seed=7")
    assert job.returncode == 0, job.stderr
    composed = yaml.safe_load(job.stdout)
    assert composed["scenario"]["scenario_name"] == "oda_cut" and composed["seed"] == 7
    info = sscsim("--info", "searchpath")
    assert info.returncode == 0 and "pkg://sscsim.conf" in info.stdout
    hydra_help = sscsim("--hydra-help")
    assert hydra_help.returncode == 0 and "Hydra" in hydra_help.stdout


def _run_dir(*overrides: str) -> str:
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    return Path(cfg.hydra.run.dir).name


def test_run_folder_is_named_by_its_overrides():
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_baseline", _run_dir())
    assert _run_dir("seed=3", "scenario=oda_cut").endswith("_scenario=oda_cut,seed=3")
    assert _run_dir("scenario=no_champions", "output.figures=false").endswith(
        "_scenario=no_champions"
    )
    assert _run_dir("output.figures=false").endswith("_baseline")
    assert _run_dir("world=synthetic").endswith("_world=synthetic")


def test_run_folder_names_are_one_safe_path_component():
    assert run_folder_name(["world.countries_path=/data/my countries.csv"], "baseline") == (
        "world.countries_path=_data_my_countries.csv"
    )
    long = [f"world.champions=[{','.join(['IDN'] * 80)}]"]
    name = run_folder_name(long, "baseline")
    other = run_folder_name([long[0].replace("IDN]", "COL]")], "baseline")
    assert len(name) <= RUN_NAME_LENGTH and "/" not in name and name != other
