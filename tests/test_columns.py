"""The column registry (`sscsim.columns`): every column that any run writes has a unit and a
description, every declared column is written by some run, and the columns a sweep adds never
shadow a table's own."""

from __future__ import annotations

import pytest

from sscsim import SSCModel
from sscsim.columns import LEADING_COLUMNS, TABLE_COLUMNS, describe, parameter_column
from sscsim.config import DEFAULT_SECTORS, config_from_parameters, parameters
from sscsim.results import TABLES, run_tables, table_record

# Worlds whose tables differ in their columns or rows: the real world, the real world without
# an action log (empty tables), a synthetic world with one more sector.
RUNS = {
    "real": {"steps": 6},
    "no action log": {"steps": 2, "record_actions": False},
    "synthetic": {
        "steps": 2,
        "synthetic_actors": 300,
        "sectors": [*DEFAULT_SECTORS, "water_sanitation"],
        "partnerships": [],
    },
}


@pytest.fixture(scope="module")
def tables() -> dict[str, dict]:
    return {
        name: run_tables(SSCModel(config=config_from_parameters(seed=1, **values)).run())
        for name, values in RUNS.items()
    }


def test_the_registry_covers_the_run_tables():
    assert sorted(TABLE_COLUMNS) == sorted(TABLES)


def test_every_column_any_run_writes_has_a_unit_and_a_description(tables):
    assert tables["no action log"]["actions"].empty
    assert "capacity_water_sanitation" in tables["synthetic"]["agents"]
    undeclared = []
    for run, by_table in tables.items():
        for table, frame in by_table.items():
            for column in frame.columns:
                try:
                    unit, description = describe(table, str(column))
                except KeyError:
                    undeclared.append(f"{run}: {table}.{column}")
                    continue
                assert unit.strip() and description.strip(), (table, column)
                assert "{" not in description, (table, column, description)
    assert not undeclared, undeclared


def test_every_declared_column_is_written_by_some_run(tables):
    """So that a column dropped or renamed in the model cannot stay in the registry."""
    stale = []
    for table, declared in TABLE_COLUMNS.items():
        written = {str(c) for by_table in tables.values() for c in by_table[table].columns}
        for entry in declared:
            names = entry.names()
            if names is None:  # a family of any names: at least one column of it
                stale += [] if any(map(entry.describe, written)) else [f"{table}.{entry.name}"]
            else:
                stale += [f"{table}.{name}" for name in names if name not in written]
    assert not stale, stale


def test_an_undeclared_column_is_refused_by_name():
    with pytest.raises(KeyError, match=r"'no_such_column' of table 'actions'.*sscsim/columns.py"):
        describe("actions", "no_such_column")
    with pytest.raises(KeyError, match="'nonsense' is not a run table"):
        describe("nonsense", "period")


def test_a_sweeps_columns_never_shadow_a_tables_own(tables):
    own = {str(c) for by_table in tables.values() for frame in by_table.values() for c in frame}
    added = {c.name for c in LEADING_COLUMNS} | {p.path for p in parameters()}
    added |= {"scenario", "world", "experiment"}  # config groups
    assert not own & added, own & added


def test_a_swept_parameter_is_described_by_the_schema():
    assert parameter_column("scenario.oda_cut_depth") == (
        "share of ODA",
        "swept parameter scenario.oda_cut_depth: extra cut: share of ODA removed",
    )
    unit, description = parameter_column("platforms.specs.FEALAC.events_per_year")
    assert unit == "events a year" and "scheduled events" in description
    assert parameter_column("seed")[0] == "—"
    assert parameter_column("scenario") == ("label", "the choice of the config group 'scenario'")


def test_a_files_record_describes_every_column_including_the_sweeps(tables):
    frame = tables["real"]["actions"]
    columns = ["sweep", "run", "scenario.oda_cut_depth", *frame.columns]
    record = table_record(
        {"run_id": "x", "parameters": {"scenario.oda_cut_depth": 0.5}}, "actions", columns
    )
    assert list(record["units"]) == columns == list(record["descriptions"])
    assert record["units"]["scenario.oda_cut_depth"] == "share of ODA"
    assert record["units"]["cost_usd"] == "USD" and record["table"] == "actions"
    assert record["descriptions"]["run"] == "the run's folder relative to the sweep folder"
