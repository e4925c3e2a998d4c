"""Sweeps as data: the aggregate typed from the runs' configs, the sweep's columns in every
table, DuckDB and polars over a sweep's files, `sscsim.results.open` over several sweeps, the CSV
export and every example of docs/results.md."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

import sscsim.results
from sscsim.analyze import swept_values, uniform
from sscsim.results import TABLES, file_record, override_values

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "results.md"
STEPS = 4
# The sweeps of docs/results.md (fewer steps), in a folder `results/sweeps/` of their own.
SWEEPS = {
    "scenarios": ["scenario=baseline,oda_cut", "seed=1,2"],
    "cuts": ["scenario=oda_cut", "scenario.oda_cut_depth=0,0.25,0.5", "seed=1,2"],
}


def sscsim_command(*arguments: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sscsim", *arguments],
        capture_output=True, text=True, cwd=cwd, timeout=600, check=False,
    )  # fmt: skip


def sweep(folder: Path, *overrides: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """A multirun with the default launcher, short and without figures."""
    return sscsim_command(
        "-m", *overrides, f"steps={STEPS}", "output.figures=false", f"hydra.sweep.dir={folder}",
        cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder holding results/sweeps/scenarios and results/sweeps/cuts."""
    root = tmp_path_factory.mktemp("workspace")
    for name, overrides in SWEEPS.items():
        result = sweep(root / "results" / "sweeps" / name, *overrides)
        assert result.returncode == 0, result.stderr
    return root


def run_folders(sweep_dir: Path) -> list[Path]:
    return sorted(p.parent for p in sweep_dir.glob("*/summary.json"))


# --- the aggregate, typed ---------------------------------------------------------------------
def test_a_sweep_over_values_in_exponent_notation_writes_a_float_column(tmp_path):
    folder = tmp_path / "sweep"
    result = sscsim_command(
        "-m", "steps=2", "scenario=oda_cut", "scenario.oda_cut_depth=0,5e-5",
        "output.figures=false", f"hydra.sweep.dir={folder}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "raised" not in result.stderr  # no callback failure turned into a warning
    summary = pd.read_parquet(folder / "sweep_summary.parquet")
    assert summary["scenario.oda_cut_depth"].dtype == "float64"
    assert sorted(summary["scenario.oda_cut_depth"]) == [0.0, 5e-5]
    assert (summary["scenario"] == "oda_cut").all() and (summary["status"] == "completed").all()
    timeseries = pd.read_parquet(folder / "sweep_timeseries.parquet")
    assert timeseries["scenario.oda_cut_depth"].dtype == "float64" and len(timeseries) == 2 * 3
    assert "sweep" not in timeseries  # the aggregate does not depend on the folder's name


def test_a_sweep_with_a_failing_run_exits_non_zero_and_lists_the_error(tmp_path):
    folder = tmp_path / "sweep"
    result = sweep(folder, "scenario=oda_cut", "scenario.oda_cut_depth=0,5e-5,1.5")
    assert result.returncode == 1, result.stderr
    summary = pd.read_parquet(folder / "sweep_summary.parquet")
    assert summary["scenario.oda_cut_depth"].dtype == "float64"
    failed = summary[summary["status"] == "failed"]
    assert failed["scenario.oda_cut_depth"].tolist() == [1.5]  # from Hydra's job config
    assert "scenario.oda_cut_depth = 1.5: must be in [0, 1]" in failed["error"].iloc[0]
    assert (summary["status"] == "completed").sum() == 2


def test_override_values_are_typed_by_the_resolved_config():
    resolved = {
        "seed": 3,
        "scenario": {"scenario_name": "oda_cut", "oda_cut_depth": 5e-5},
        "world": {"champions": ["IDN", "THA"]},
        "steps": None,
        "start_year": "${now:%Y}",
    }
    overrides = [
        "seed=3", "scenario=oda_cut", "scenario.oda_cut_depth=5e-5", "world.champions=[IDN,THA]",
        "steps=null", "experiment=oda_cuts", "+extra.key=0.5", "start_year=2030",
    ]  # fmt: skip
    assert override_values(overrides, resolved) == {
        "seed": 3,
        "scenario": "oda_cut",  # a config group: its choice
        "scenario.oda_cut_depth": 5e-5,  # YAML alone reads "5e-5" as text
        "world.champions": '["IDN", "THA"]',
        "steps": None,
        "extra.key": 0.5,  # not in the config: the override's text read as YAML
        "start_year": 2030,  # an unresolved interpolation: the override's text
    }
    assert override_values(["scenario.oda_cut_depth=5e-5"], None) == {
        "scenario.oda_cut_depth": "5e-5"
    }


def test_a_column_of_mixed_values_gets_one_type():
    assert uniform([0, 5e-5, None]) == [0.0, 5e-5, None]
    assert uniform([1, "a", None]) == ["1", "a", None]
    assert uniform([True, 1]) == ["True", "1"]
    values = [1, 2]
    assert uniform(values) is values


# --- the sweep's columns in every table -------------------------------------------------------
def test_every_table_of_a_sweep_run_leads_with_the_sweep_and_its_parameters(workspace):
    cuts = workspace / "results" / "sweeps" / "cuts"
    folders = run_folders(cuts)
    assert len(folders) == 6
    for folder in folders:
        expected = swept_values(folder)
        assert set(expected) == {"scenario", "scenario.oda_cut_depth", "seed", "steps",
                                 "output.figures"}  # fmt: skip
        assert isinstance(expected["scenario.oda_cut_depth"], float)
        summary = json.loads((folder / "summary.json").read_text())["run"]
        assert summary["sweep"] == {"name": "cuts", "run": folder.name, "parameters": expected}
        for name in TABLES:
            table = pq.read_table(folder / f"{name}.parquet")
            leading = ["sweep", "run", *expected]
            assert table.column_names[: len(leading)] == leading, name
            frame = table.to_pandas()
            assert (frame["sweep"] == "cuts").all() and (frame["run"] == folder.name).all()
            for key, value in expected.items():
                assert (frame[key] == value).all(), (name, key)
            record = file_record(folder / f"{name}.parquet")
            assert record is not None and record["run_id"] == summary["run_id"]
            assert record["parameters"] == expected and record["sweep"] == "cuts"
            assert record["units"]["scenario.oda_cut_depth"] == "share of ODA"
            assert set(record["units"]) == set(table.column_names) == set(record["descriptions"])


def test_duckdb_reads_a_sweeps_actions_with_their_swept_parameters(workspace):
    cuts = workspace / "results" / "sweeps" / "cuts"
    found = duckdb.sql(
        f"SELECT * FROM read_parquet('{cuts}/*/actions.parquet', union_by_name=true)"
    ).df()
    parts = []
    for folder in run_folders(cuts):
        own = pd.read_parquet(folder / "actions.parquet")
        values = json.loads((folder / "summary.json").read_text())["run"]["sweep"]["parameters"]
        assert len(own) > 0
        for key, value in values.items():
            assert (own[key] == value).all()
        parts.append(own)
    expected = pd.concat(parts, ignore_index=True)
    order = ["run", "action"]
    found = found.sort_values(order).reset_index(drop=True)
    expected = expected.sort_values(order).reset_index(drop=True)
    assert list(found.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)
    assert found["scenario.oda_cut_depth"].dtype == "float64"
    assert sorted(found["scenario.oda_cut_depth"].unique()) == [0.0, 0.25, 0.5]

    lazy = pl.scan_parquet(f"{cuts}/*/actions.parquet")
    counts = lazy.group_by("run").len().collect().sort("run")
    assert counts["len"].to_list() == expected.groupby("run").size().sort_index().tolist()
    assert lazy.collect_schema()["scenario.oda_cut_depth"] == pl.Float64


# --- sscsim.results.open ----------------------------------------------------------------------
def test_open_reads_two_sweeps_at_once(workspace):
    sweeps = workspace / "results" / "sweeps"
    results = sscsim.results.open([sweeps / "scenarios", sweeps / "cuts"])
    runs = results.runs
    assert len(runs) == 10 and (runs["status"] == "completed").all()
    assert runs.groupby("sweep").size().to_dict() == {"cuts": 6, "scenarios": 4}
    assert runs["scenario.oda_cut_depth"].dtype == "float64" and runs["seed"].dtype == "Int64"
    assert runs["run_id"].is_unique
    actions = results.table("actions")
    assert actions.columns[0] == "folder"
    for folder, own in actions.groupby("folder"):
        written = pd.read_parquet(Path(folder) / "actions.parquet")
        assert len(own) == len(written) and own["action"].tolist() == written["action"].tolist()
    counted = results.sql("SELECT folder, count(*) AS n FROM actions GROUP BY folder").df()
    assert counted.set_index("folder")["n"].to_dict() == actions.groupby("folder").size().to_dict()
    joined = results.sql(
        "SELECT runs.scenario_name, count(*) AS n FROM actions JOIN runs USING (folder)"
        " GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert [name for name, _ in joined] == ["baseline", "oda_cut"]
    assert sum(n for _, n in joined) == len(actions)
    # the folder of both sweeps, and one run folder, give the same runs
    assert sscsim.results.open(sweeps).runs.equals(results.runs)
    single = sscsim.results.open(Path(runs["folder"].iloc[0]))
    assert len(single.runs) == 1 and single.runs["folder"].iloc[0] == runs["folder"].iloc[0]


def test_open_lists_failed_and_incomplete_runs_but_tables_hold_completed_ones(tmp_path):
    folder = tmp_path / "sweep"
    result = sweep(folder, "scenario=oda_cut", "scenario.oda_cut_depth=0.5,1.5", "seed=1,2")
    assert result.returncode == 1
    killed = next(p for p in run_folders(folder) if "seed=2" in p.name)
    (killed / "summary.json").unlink()  # as if killed during its write
    results = sscsim.results.open(folder)
    assert results.runs["status"].value_counts().to_dict() == {
        "failed": 2, "completed": 1, "incomplete": 1,
    }  # fmt: skip
    assert results.runs.set_index("status").loc["failed", "scenario.oda_cut_depth"].tolist() == [
        1.5, 1.5,
    ]  # fmt: skip
    completed = results.runs[results.runs["status"] == "completed"]["folder"].tolist()
    assert results.table("timeseries")["folder"].unique().tolist() == completed
    assert results.sql("SELECT DISTINCT folder FROM timeseries").fetchall() == [(completed[0],)]


def test_open_refuses_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such folder: .*nowhere"):
        sscsim.results.open(tmp_path / "nowhere")


def test_csv_export_from_the_command_line(workspace, tmp_path):
    sweeps = workspace / "results" / "sweeps"
    out = tmp_path / "csv"
    result = subprocess.run(
        [sys.executable, "-m", "sscsim.results", "export", str(sweeps), "--out", str(out),
         "--table", "actions", "--table", "timeseries"],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"10 completed runs of 10 exported to {out}:" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["actions.csv", "runs.csv", "timeseries.csv"]
    for name in ("actions.csv", "runs.csv", "timeseries.csv"):
        assert str(out / name) in result.stdout
    results = sscsim.results.open(sweeps)
    actions = pd.read_csv(out / "actions.csv")
    assert len(actions) == len(results.table("actions"))
    assert {"folder", "sweep", "run", "scenario.oda_cut_depth", "cost_usd"} <= set(actions)
    assert len(pd.read_csv(out / "runs.csv")) == 10
    missing = subprocess.run(
        [sys.executable, "-m", "sscsim.results", "export", str(tmp_path / "nowhere"),
         "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "no such folder" in missing.stderr


# --- docs/results.md --------------------------------------------------------------------------
def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


def test_every_sql_example_of_the_docs_runs(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    results = sscsim.results.open(["results/sweeps/scenarios", "results/sweeps/cuts"])
    blocks = _blocks("sql")
    assert len(blocks) >= 4
    for query in blocks:
        if "parquet_kv_metadata" in query:  # on the files themselves
            rows = duckdb.sql(query).fetchall()
            assert len(rows) == 6 and all(len(run_id) == 32 for _, run_id, _ in rows)
            assert {unit for _, _, unit in rows} == {"USD"}
        else:
            assert results.sql(query).fetchall(), query  # each answers with rows


def test_every_python_example_of_the_docs_runs(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    blocks = _blocks("python")
    assert len(blocks) >= 4
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, str(DOCS), "exec"), namespace)
        for name in ("by_scenario", "capacity", "triangular"):
            if name in namespace:
                assert len(namespace[name]) > 0, name
