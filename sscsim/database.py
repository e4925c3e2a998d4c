"""Every run and sweep under some folders as one dataset: `sscsim.results.open(path)`.

A run folder is one that holds Hydra's record of a job (`.hydra/overrides.yaml`), a summary.json
or a status.json; folders below it are not searched. A run is part of a sweep if its summary
says so (`run.sweep`, written by runs from the command line) or, for runs that did not finish,
if a folder above it holds Hydra's `multirun.yaml`. Only completed runs (summary.json present)
give rows to the tables; `runs` lists every run with its status. docs/results.md has examples.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sscsim.analyze import run_status, swept_values, uniform
from sscsim.results import SUMMARY_FILE, TABLES, atomic_path

if TYPE_CHECKING:
    import duckdb

RUN_MARKERS: tuple[str, ...] = (SUMMARY_FILE, ".hydra/overrides.yaml", "status.json")
SWEEP_MARKER = "multirun.yaml"  # Hydra writes it at the top of every multirun folder
RUN_COLUMNS: tuple[str, ...] = ("folder", "sweep", "run")  # then the parameters, then:
STATE_COLUMNS: tuple[str, ...] = ("status", "error", "run_id", "scenario_name", "seed")


def is_run_folder(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in RUN_MARKERS)


def find_run_folders(root: Path) -> list[Path]:
    """The run folders at or below `root`, sorted; none is searched below a run folder."""
    if is_run_folder(root):
        return [root]
    found: list[Path] = []
    for folder, subfolders, _ in os.walk(root):
        here = Path(folder)
        if here != root and is_run_folder(here):
            found.append(here)
            subfolders.clear()
        else:
            subfolders[:] = [name for name in subfolders if name != ".hydra"]
    return sorted(found)


@functools.cache
def _sweep_folder(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds a multirun.yaml."""
    if (folder / SWEEP_MARKER).exists():
        return folder
    return None if folder.parent == folder else _sweep_folder(folder.parent)


def run_record(run_dir: Path) -> dict[str, Any]:
    """One row of `Results.runs`: the run's folder, sweep, run, swept parameters and state."""
    status, error = run_status(run_dir)
    record: dict[str, Any] = {"folder": run_dir.resolve().as_posix(), "sweep": None, "run": None}
    state: dict[str, Any] = {"status": status, "error": error}
    parameters: dict[str, Any] = {}
    if status == "completed":
        run = json.loads((run_dir / SUMMARY_FILE).read_text()).get("run", {})
        state |= {"run_id": run.get("run_id"), "scenario_name": run.get("scenario"),
                  "seed": run.get("seed")}  # fmt: skip
        if run.get("sweep"):
            record |= {"sweep": run["sweep"]["name"], "run": run["sweep"]["run"]}
            parameters = dict(run["sweep"]["parameters"])
    if record["sweep"] is None:
        sweep = _sweep_folder(run_dir.resolve().parent)
        if sweep is not None:
            record |= {"sweep": sweep.name, "run": run_dir.resolve().relative_to(sweep).as_posix()}
            parameters = swept_values(run_dir)
    seed = parameters.pop("seed", None)  # a state column: the same value, known before the end
    state.setdefault("seed", seed)
    return {**record, **parameters, **state}


class Results:
    """The runs under one or more folders as one dataset.

    `runs` (one row per run: folder, sweep, run, the swept parameters but the seed, status,
    error, run_id, scenario_name, seed); `table(name)` (a table of `sscsim.results.TABLES`
    over every completed run, with a leading `folder`); `sql(query)` (DuckDB, a view per
    table and one of `runs`); `to_csv(folder)`. The folders are read once, when the object
    is made.
    """

    def __init__(self, paths: Path | str | Sequence[Path | str]):
        roots = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
        self.roots = [Path(root) for root in roots]
        missing = [str(root) for root in self.roots if not root.is_dir()]
        if missing:
            raise FileNotFoundError(f"sscsim.results.open: no such folder: {', '.join(missing)}")
        folders = sorted({f.resolve() for root in self.roots for f in find_run_folders(root)})
        self.runs = _runs_frame([run_record(folder) for folder in folders])

    def __repr__(self) -> str:
        counts = self.runs["status"].value_counts().to_dict() if len(self.runs) else {}
        states = ", ".join(f"{n} {status}" for status, n in counts.items()) or "no runs"
        return f"<sscsim results: {states}; under {', '.join(map(str, self.roots))}>"

    @property
    def completed(self) -> pd.DataFrame:
        """The rows of `runs` of completed runs."""
        return self.runs[self.runs["status"] == "completed"]

    def files(self, table: str) -> list[Path]:
        """The parquet files of `table` of every completed run, in the order of `runs`."""
        if table not in TABLES:
            raise KeyError(f"{table!r} is not a run table (known: {', '.join(TABLES)})")
        paths = (Path(folder) / f"{table}.parquet" for folder in self.completed["folder"])
        return [path for path in paths if path.exists()]

    def table(self, name: str) -> pd.DataFrame:
        """One table over every completed run: the runs' rows one after the other, each led
        by its run's `folder`; columns missing from a run's file are missing values there
        (union by name), as in `sql`."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        parts = []
        for path in self.files(name):
            part = pq.read_table(path)
            folder = pa.repeat(path.parent.as_posix(), len(part))
            parts.append(part.add_column(0, "folder", folder))
        if not parts:
            return pd.DataFrame()
        return pa.concat_tables(parts, promote_options="permissive").to_pandas()

    @functools.cached_property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB database with a view per table (over the completed runs' files,
        by name, led by `folder`) and a `runs` view."""
        import duckdb

        connection = duckdb.connect()
        for name in TABLES:
            files = self.files(name)
            if files:
                connection.execute(_view_sql(name, files))
        connection.register("runs_frame", self.runs)
        connection.execute("CREATE VIEW runs AS SELECT * FROM runs_frame")
        return connection

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Run a DuckDB query over the views; `.df()`, `.pl()` or `.fetchall()` the answer."""
        return self.connection.sql(query)

    def to_csv(self, folder: Path | str, tables: Sequence[str] | None = None) -> list[Path]:
        """Write runs.csv and `<table>.csv` of each table (default: all) over the completed
        runs into `folder`, each atomically; return the paths written."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ["runs", *(tables or TABLES)]:
            if name != "runs" and not self.files(name):
                continue
            target = folder / f"{name}.csv"
            with atomic_path(target) as temporary:
                quoted = temporary.as_posix().replace("'", "''")
                self.connection.execute(f"COPY (SELECT * FROM \"{name}\") TO '{quoted}' (HEADER)")
            written.append(target)
        return written


def _view_sql(name: str, files: list[Path]) -> str:
    """A view over parquet files, by column name, led by each row's run folder. Hive-style
    folder names (`seed=1`) are not read as columns: the files carry the parameters."""
    listed = ", ".join("'" + path.as_posix().replace("'", "''") + "'" for path in files)
    return (
        f"CREATE VIEW \"{name}\" AS SELECT regexp_replace(filename, '/[^/]*$', '') AS folder,"
        f" * EXCLUDE (filename) FROM read_parquet([{listed}], union_by_name = true,"
        " filename = true, hive_partitioning = false)"
    )


def _runs_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The runs as a table: folder, sweep, run, parameters (one type a column), state."""
    columns = list(dict.fromkeys(key for record in records for key in record))
    parameters = [c for c in columns if c not in (*RUN_COLUMNS, *STATE_COLUMNS)]
    data = {c: uniform([record.get(c) for record in records]) for c in columns}
    order = [*RUN_COLUMNS, *parameters, *STATE_COLUMNS]
    frame = pd.DataFrame({c: data.get(c, [None] * len(records)) for c in order})
    frame["seed"] = frame["seed"].astype("Int64")  # unknown for runs that did not finish
    return frame
