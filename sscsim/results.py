"""A run's folder: writing it (tables, summary, provenance, figures) and reading many as one
dataset (`open`, docs/results.md).

A file is written to a temporary name beside its target and renamed into place, so a folder
never holds a half-written file, whatever stops the process. A run holds an exclusive lock on
its folder (`run_folder_lock`) while it runs and writes; before writing it removes the previous
run's outputs, summary.json first, so that a folder holds the outputs of one run or, if the
writer was killed, an incomplete run, never a mix. Every run has a `run_id`, recorded in its
summary and in the `sscsim` metadata of each of its parquet files, with the units and meaning of
every column (`sscsim.columns`).

    python -m sscsim.results export results/sweeps/oda_cuts --out csv/ --table actions
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sscsim.config import ConfigError
from sscsim.state.funds import directory_markdown

try:
    import fcntl
except ImportError:  # not a POSIX system: runs are not locked (see run_folder_lock)
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import pyarrow as pa

    from sscsim.database import Results
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
SUMMARY_FILE = "summary.json"  # written last: its presence marks a complete run
LOCK_FILE = ".lock"
METADATA_KEY = b"sscsim"  # the key of a run's record in each parquet file's metadata
# Outputs of a run that a new run into the same folder removes first (with sources.md and the
# files its summary lists); Hydra's record (.hydra/), logs, status.json and the lock stay.
OUTPUT_SUFFIXES: tuple[str, ...] = (
    ".parquet",
    ".png",
    ".svg",
    ".pdf",
    ".html",
    ".graphml",
    ".gexf",
)
EXCLUDED_OVERRIDES: tuple[str, ...] = ("experiment",)  # not parameters: they pick the sweep


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


def write_parquet(
    frame: pd.DataFrame,
    target: Path,
    record: Mapping[str, Any] | None = None,
    leading: Mapping[str, pa.Array] | None = None,
) -> None:
    """Write `frame` as parquet, atomically; `leading` columns (name: an array as long as the
    frame) go first, and `record` into the file's metadata under the key `sscsim` (JSON)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    for position, (name, column) in enumerate((leading or {}).items()):
        table = table.add_column(position, name, column)
    if record is not None:
        encoded = json.dumps(record, default=str).encode()
        stored = {**(table.schema.metadata or {}), METADATA_KEY: encoded}
        table = table.replace_schema_metadata(stored)
    with atomic_path(target) as temporary:
        pq.write_table(table, temporary)


def write_text(text: str, target: Path) -> None:
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(data: Any, target: Path) -> None:
    write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", target)


# --- one writer per run folder -----------------------------------------------------------------
class RunFolderBusy(ConfigError):
    """Another run is writing the run's folder: this one stops before any work. A problem of
    where the run is configured to write (its folder), hence a `ConfigError`."""

    def __init__(self, message: str):
        self.problems = [message]
        ValueError.__init__(self, message)  # the message as it is (it pickles as it is, too)

    @classmethod
    def held_by(cls, run_dir: Path, holder: Mapping[str, Any]) -> RunFolderBusy:
        """The refusal of a run into `run_dir`, naming the lock's `holder` (pid, host, time)."""
        if holder.get("pid") is not None:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("time", 0)))
            who = f"process {holder['pid']} on {holder.get('host', '?')} since {since}"
        else:
            who = "another process"
        return cls(
            f"{run_dir} is being written by {who}; wait for that run to end, or write this"
            " one into another folder (hydra.run.dir=..., another sweep folder)"
        )


_held = threading.local()  # the run folders this thread has locked


@contextmanager
def run_folder_lock(run_dir: Path) -> Iterator[Path]:
    """Hold an exclusive lock on `run_dir` (created if absent) for the duration; yield the
    folder. Raises `RunFolderBusy` at once if another process or thread holds it.

    The lock is `flock` on `<run_dir>/.lock`, which records the holder's pid, host and start
    time for the message of the refused run; the kernel releases it when the holder ends, even
    killed. Nested calls in one thread on the same folder hold it once (`run_and_save` locks
    for the whole run, `write_run` again for the write). On a file system without locks (some
    cluster file systems mounted without them) the run goes on unlocked, with a warning."""
    run_dir = Path(run_dir)
    key = run_dir.resolve()
    held: set[Path] = _held.__dict__.setdefault("folders", set())
    if key in held:
        yield run_dir
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(handle, run_dir)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()}
        os.ftruncate(handle, 0)
        os.pwrite(handle, (json.dumps(holder) + "\n").encode(), 0)
        held.add(key)
        try:
            yield run_dir
        finally:
            held.discard(key)
    finally:
        os.close(handle)  # releases the lock


def _lock(handle: int, run_dir: Path) -> None:
    if fcntl is None:
        warnings.warn(f"{run_dir}: no file locks on this system; not locked", stacklevel=3)
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise RunFolderBusy.held_by(run_dir, _holder(handle)) from None
    except OSError as error:  # ENOLCK, EOPNOTSUPP: the file system has no locks
        warnings.warn(
            f"{run_dir}: the file system refuses locks ({error}); not locked", stacklevel=3
        )


def _holder(handle: int) -> dict[str, Any]:
    """What the lock file says of its holder ({} if it cannot be read yet)."""
    try:
        record = json.loads(os.pread(handle, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def clear_outputs(run_dir: Path) -> None:
    """Remove a previous run's outputs from `run_dir`: summary.json first (the folder is then
    incomplete, not complete with outputs of two runs), then its tables, figures, sources.md,
    the files its summary lists and temporary files left by a killed writer. Call with the
    folder's lock held."""
    run_dir = Path(run_dir)
    summary = run_dir / SUMMARY_FILE
    listed: set[str] = set()
    if summary.exists():
        try:
            listed = set(json.loads(summary.read_text()).get("run", {}).get("files", []))
        except (OSError, ValueError, AttributeError):
            pass  # an unreadable summary lists nothing; the suffixes below still apply
        summary.unlink()
        _sync_folder(run_dir)
    for path in run_dir.iterdir():
        name = path.name
        stale = name in listed or path.suffix in OUTPUT_SUFFIXES or name == "sources.md"
        if path.is_file() and (stale or (name.startswith(".") and name.endswith(".tmp"))):
            path.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a folder's entries durable (that summary.json is gone before anything else is)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # not every file system syncs folders
    finally:
        os.close(handle)


# --- provenance --------------------------------------------------------------------------------
@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    versions = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return tuple(versions)


def package_versions() -> dict[str, str]:
    """Versions of Python and of `PACKAGES` (read once a process)."""
    return dict(_versions())


@functools.cache
def git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout (read once
    a process: the code a process runs is the code it imported)."""
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


# --- a run's place in a sweep ------------------------------------------------------------------
@dataclass(frozen=True)
class SweepRun:
    """Where a run sits in a sweep (a Hydra multirun): the sweep folder's name, the run's
    folder relative to it and the swept parameters, {dotted key or config group: value}, typed
    from the run's resolved configuration (`override_values`)."""

    sweep: str
    run: str
    parameters: dict[str, Any] = field(default_factory=dict)


def override_values(overrides: Sequence[str], resolved: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters a run's task overrides set, {key: value}, `experiment=` excluded.

    Each value is read from `resolved`, the run's resolved configuration as a mapping (its
    config.yaml), at the key's dotted path, so that it has the type of the schema whatever the
    command line's spelling (`oda_cut_depth=0` and `=5e-5` are both floats). A config group
    (`scenario=oda_cut`, a mapping in the configuration) keeps its choice's name; a list becomes
    its JSON text; a key missing from `resolved` (or no `resolved`) falls back to the override's
    text read as YAML. `~key` (deletion) gives None."""
    import yaml

    values: dict[str, Any] = {}
    for override in overrides:
        key, _, text = str(override).partition("=")
        key = key.lstrip("+~")
        if key in EXCLUDED_OVERRIDES:
            continue
        found, value = _at_path(resolved, key)
        if found and isinstance(value, Mapping):
            value = text  # a config group: the name of its choice
        elif found and isinstance(value, list):
            value = json.dumps(value)
        elif not found or (isinstance(value, str) and value.startswith("${")):
            value = yaml.safe_load(text) if text else None
        values[key] = value
    return values


def _at_path(resolved: Mapping[str, Any] | None, key: str) -> tuple[bool, Any]:
    node: Any = resolved
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _constant_column(key: str, value: Any, length: int) -> pa.Array:
    """A swept parameter's value repeated down a table; None has the type the schema declares
    (so that the runs of a sweep agree on each column's type)."""
    import pyarrow as pa

    if value is not None:
        return pa.repeat(pa.scalar(value), length)
    from sscsim.columns import declared_type

    types: dict[type | None, pa.DataType] = {int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    return pa.nulls(length, types.get(declared_type(key), pa.string()))


# --- a run's tables and summary ----------------------------------------------------------------
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


def table_record(run: Mapping[str, Any], table: str, columns: Sequence[str]) -> dict[str, Any]:
    """The `sscsim` metadata of one parquet file of a run: the run's record (`run`: run_id,
    version, commit, seed, scenario, config hash, sweep, run, parameters), the table's name
    and the unit and description of each of its columns (`sscsim.columns`)."""
    from sscsim.columns import describe, parameter_column

    parameters = run.get("parameters") or {}
    units: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for column in columns:
        unit, description = (
            parameter_column(column) if column in parameters else describe(table, column)
        )
        units[column], descriptions[column] = unit, description
    return {**run, "table": table, "units": units, "descriptions": descriptions}


def write_run(
    model: SSCModel,
    run_dir: Path,
    config_yaml: str,
    wall_time_seconds: float,
    figures: Callable[[dict[str, pd.DataFrame], Path], list[Path]] | None = None,
    extra_metadata: dict[str, Any] | None = None,
    report: Callable[[Path, dict[str, Any], dict[str, pd.DataFrame], list[Path]], Path]
    | None = None,
    sweep: SweepRun | None = None,
) -> dict[str, Any]:
    """Write every output of a finished run into `run_dir`; return the summary written.

    Files: config.yaml, the tables of TABLES as parquet, sources.md (the directory of
    cooperation sources, readable), summary.json (`run_summary`), the figures that
    `figures(tables, run_dir)` draws and the page that `report(run_dir, summary, tables,
    figures)` writes (`sscsim.report.write_report`) from the summary about to be written. Under
    the folder's lock (`run_folder_lock`) the previous run's outputs are removed first
    (`clear_outputs`); the summary is written last (its `files` name the report too): its
    presence marks a complete run. Each parquet file carries the run's record in its `sscsim`
    metadata (`table_record`); in a `sweep`, each table starts with the columns `sweep`, `run`
    and one per swept parameter, so that a sweep's files read as one table.
    """
    run_dir = Path(run_dir)
    with run_folder_lock(run_dir):
        clear_outputs(run_dir)
        return _write_run(
            model, run_dir, config_yaml, wall_time_seconds, figures, extra_metadata, report, sweep
        )


def _write_run(
    model: SSCModel,
    run_dir: Path,
    config_yaml: str,
    wall_time_seconds: float,
    figures: Callable[[dict[str, pd.DataFrame], Path], list[Path]] | None,
    extra_metadata: dict[str, Any] | None,
    report: Callable[[Path, dict[str, Any], dict[str, pd.DataFrame], list[Path]], Path] | None,
    sweep: SweepRun | None,
) -> dict[str, Any]:
    write_text(config_yaml, run_dir / "config.yaml")
    from sscsim.persistence import analyse_model

    versions = package_versions()
    record: dict[str, Any] = {
        "run_id": uuid.uuid4().hex,
        "sscsim_version": versions["sscsim"],
        "commit": git_commit(),
        "seed": model.config.seed,
        "scenario": model.config.scenario.scenario_name,
        "config_sha256": hashlib.sha256(config_yaml.encode()).hexdigest(),
        "sweep": sweep.sweep if sweep else None,
        "run": sweep.run if sweep else None,
        "parameters": dict(sweep.parameters) if sweep else {},
    }
    analysis = analyse_model(model)
    tables = run_tables(model, analysis)
    for name, frame in tables.items():
        leading = _leading_columns(sweep, len(frame))
        columns = [*leading, *(str(c) for c in frame.columns)]
        write_parquet(
            frame, run_dir / f"{name}.parquet", table_record(record, name, columns), leading
        )
    write_text(directory_markdown(tables["sources"]), run_dir / "sources.md")
    drawn = figures(tables, run_dir) if figures is not None else []
    summary = run_summary(model, analysis)
    summary["run"] = {
        "run_id": record["run_id"],
        "seed": model.config.seed,
        "scenario": model.config.scenario.scenario_name,
        "steps": model.period,
        "wall_time_seconds": round(wall_time_seconds, 3),
        "versions": versions,
        "commit": record["commit"],
        "config_sha256": record["config_sha256"],
        "command": " ".join(sys.argv),
        "sweep": (
            {"name": sweep.sweep, "run": sweep.run, "parameters": dict(sweep.parameters)}
            if sweep
            else None
        ),
        "files": sorted(
            [f"{name}.parquet" for name in tables] + ["sources.md"] + [p.name for p in drawn]
        ),
        **(extra_metadata or {}),
    }
    if report is not None:
        page = report(run_dir, summary, tables, drawn)
        summary["run"]["files"] = sorted([*summary["run"]["files"], page.name])
    write_json(summary, run_dir / SUMMARY_FILE)
    return summary


def _leading_columns(sweep: SweepRun | None, length: int) -> dict[str, pa.Array]:
    """The columns a sweep's run puts first in each table: sweep, run, then the parameters."""
    if sweep is None:
        return {}
    import pyarrow as pa

    columns = {"sweep": pa.repeat(sweep.sweep, length), "run": pa.repeat(sweep.run, length)}
    for key, value in sweep.parameters.items():
        columns[key] = _constant_column(key, value, length)
    return columns


# --- reading run folders -----------------------------------------------------------------------
def file_record(path: Path) -> dict[str, Any] | None:
    """The `sscsim` metadata of a run's parquet file (None if it has none)."""
    import pyarrow.parquet as pq

    stored = pq.read_schema(path).metadata or {}
    return json.loads(stored[METADATA_KEY]) if METADATA_KEY in stored else None


def folder_run_ids(run_dir: Path) -> dict[str, str | None]:
    """{file name: run_id} of summary.json and every parquet file of a run folder: one run
    wrote the folder if they are all equal (a file without a record gives None)."""
    run_dir = Path(run_dir)
    ids: dict[str, str | None] = {}
    summary = run_dir / SUMMARY_FILE
    if summary.exists():
        ids[SUMMARY_FILE] = json.loads(summary.read_text()).get("run", {}).get("run_id")
    for path in sorted(run_dir.glob("*.parquet")):
        record = file_record(path)
        ids[path.name] = record.get("run_id") if record else None
    return ids


def open(path: Path | str | Sequence[Path | str]) -> Results:
    """Every run under `path` (a run folder, a sweep folder, a folder of several sweeps, or a
    list of them) as one dataset: `.runs`, `.table(name)`, `.sql(query)`, `.to_csv(folder)`
    (`sscsim.database.Results`; docs/results.md)."""
    from sscsim.database import Results

    return Results(path)


def main(argv: list[str] | None = None) -> int:
    """`python -m sscsim.results export PATH... --out DIR [--table NAME ...]`."""
    parser = argparse.ArgumentParser(
        prog="python -m sscsim.results", description="Export the results of runs and sweeps."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export", help="write each table over every completed run, and runs.csv, as CSV"
    )
    export.add_argument("paths", nargs="+", type=Path, help="run, sweep or results folders")
    export.add_argument("--out", type=Path, required=True, help="the folder for the CSV files")
    export.add_argument(
        "--table", action="append", choices=TABLES, help="a table to export (default: all)"
    )
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"sscsim.results: no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    results = open(args.paths)
    written = results.to_csv(args.out, tables=args.table)
    completed, runs = len(results.completed), len(results.runs)
    print(f"sscsim.results: {completed} completed runs of {runs} exported to {args.out}:")
    for path in written:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
