"""Gather a sweep: every run's time series and summary into two tables, plus comparison figures.

    python -m sscsim.analyze results/sweeps/oda_cuts

A sweep folder holds one folder per run (Hydra's multirun layout: `.hydra/overrides.yaml`
names the swept values). This command is the one source of the aggregate: the multirun
callback calls it too, and it works on sweeps whose jobs ran elsewhere (a cluster) or whose
launcher stopped early. Each run is listed with its status: completed (its summary.json
exists), failed (its status.json holds the error) or incomplete (started, never finished).

Outputs in the sweep folder: `sweep_summary.parquet` (one row per run: the swept values as
columns, status, error, headline figures), `sweep_timeseries.parquet` (every completed run's
time series with the swept values), and per metric two figures (docs/sweeps.md): `sweep_<metric>`
(the mean over seeds, one line per combination of the swept values) and `sweep_<metric>_difference`
(the mean difference from the baseline run of the same seed), with 95 % t intervals over seeds.

    python -m sscsim.analyze results/sweeps/levers --baseline scenario=oda_cut --format pdf
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from sscsim.config import FigureFormat
from sscsim.intervals import LEVEL, t_half_width
from sscsim.labels import SCENARIO_KEYS
from sscsim.results import override_values, write_parquet

SEED = "seed"
STATUS_FILE = "status.json"
# The sweep's figures: one of levels and one of differences from the baseline per metric
# (labels and units: sscsim.labels.measure).
FIGURE_METRICS: tuple[str, ...] = (
    "actions_triangular",
    "funding_southern_funds_usd",
    "interregional_ties",
    "mean_capacity",
    "sids_capacity_gap",
)
MULTIRUN_FILE = "multirun.yaml"  # Hydra's record of the sweep's command
UNCAPTIONED = ("output.", "hydra.")  # overrides that change no result: left out of captions


def run_folders(sweep_dir: Path) -> list[Path]:
    """Run folders of a sweep: those holding Hydra's record of their overrides."""
    return sorted(p.parent.parent for p in Path(sweep_dir).glob("**/.hydra/overrides.yaml"))


def swept_values(run_dir: Path) -> dict[str, Any]:
    """The run's task overrides as {key: value} (experiment= excluded), each value typed by the
    run's resolved configuration: its config.yaml, or for a run that failed before writing
    one, Hydra's record of the job's composed config (`sscsim.results.override_values`)."""
    overrides = _read_yaml(run_dir / ".hydra" / "overrides.yaml") or []
    resolved = None
    for candidate in (run_dir / "config.yaml", run_dir / ".hydra" / "config.yaml"):
        if candidate.exists():
            try:
                resolved = _read_yaml(candidate)
                break
            except (OSError, yaml.YAMLError):
                continue  # half a file or none: the next record, or the overrides' text
    return override_values(overrides, resolved if isinstance(resolved, dict) else None)


def _read_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def run_status(run_dir: Path) -> tuple[str, str]:
    """(status, error) of a run folder."""
    if (run_dir / "summary.json").exists():
        return "completed", ""
    status_file = run_dir / STATUS_FILE
    if status_file.exists():
        try:
            record = json.loads(status_file.read_text())
        except (OSError, ValueError) as problem:
            return "failed", f"unreadable {STATUS_FILE}: {problem}"
        if record.get("status") == "failed":
            return "failed", str(record.get("error", ""))
    return "incomplete", ""


def uniform(values: list[Any]) -> list[Any]:
    """One column's values with one type: ints among floats become floats; any other mix
    becomes text (None stays missing), so that a table always writes."""
    kinds = {type(v) for v in values if v is not None and not _is_nan(v)}
    if len(kinds) <= 1:
        return values
    if kinds <= {int, float}:
        return [v if v is None else float(v) for v in values]
    return [v if v is None or _is_nan(v) else str(v) for v in values]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _uniform_columns(frame: pd.DataFrame) -> pd.DataFrame:
    mixed = [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c].dtype)]
    for column in mixed:
        values = frame[column].tolist()
        typed = uniform(values)
        if typed is not values:
            frame[column] = pd.Series(typed, index=frame.index, dtype=object)
    return frame


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{name}.")
        elif not isinstance(value, list):
            flat[name] = value
    return flat


SUMMARY_KEYS: tuple[str, ...] = (
    "modality_shares",
    "actions",
    "mean_capacity",
    "sids_capacity_gap",
    "persistence",  # the persistence of partnerships: columns persistence.<group>.<figure>
    "interregional_ties_end",
    "ties_alive_end",
    "funding_usd_total",
    "platform_events_total",
    "pilots_total",
    "interregional_actions",
)


def aggregate(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every run of a sweep; return (summary table, time-series table).

    Only figures that the configuration and seed determine are kept, so the same sweep gives
    identical tables whatever launcher ran it; rows are sorted by the swept values. The swept
    values are typed from each run's configuration (`swept_values`), one type a column
    (`uniform`); a run whose outputs cannot be read is listed as failed, with the reason, so
    that the aggregate is always written.
    """
    folders = run_folders(sweep_dir)
    values = [swept_values(run_dir) for run_dir in folders]
    keys = list(dict.fromkeys(key for run in values for key in run))
    for key in keys:
        column = uniform([run.get(key) for run in values])
        for run, value in zip(values, column, strict=True):
            if key in run:
                run[key] = value
    rows: list[dict[str, Any]] = []
    series: list[pd.DataFrame] = []
    for run_dir, run_values in zip(folders, values, strict=True):
        status, error = run_status(run_dir)
        row: dict[str, Any] = {**run_values, "run": str(run_dir.relative_to(sweep_dir)),
                               "status": status, "error": error}  # fmt: skip
        if status == "completed":
            try:
                summary = json.loads((run_dir / "summary.json").read_text())
                frame = pd.read_parquet(run_dir / "timeseries.parquet")
            except (OSError, ValueError, pa.ArrowException) as problem:
                row |= {"status": "failed", "error": f"unreadable outputs: {problem}"}
            else:
                row["scenario_name"] = summary.get("run", {}).get("scenario")
                row |= _flatten({key: summary[key] for key in SUMMARY_KEYS if key in summary})
                # a sweep's tables lead with its columns (sscsim.results.SweepRun): set anew
                frame = frame.drop(columns=[c for c in ("sweep", "run", *run_values) if c in frame])
                for key, value in run_values.items():
                    frame.insert(0, key, value)
                series.append(frame)
        rows.append(row)
    summary_table = _uniform_columns(pd.DataFrame(rows))
    swept = _swept_columns(summary_table)
    if len(summary_table):
        summary_table = summary_table.sort_values([*swept, "run"], kind="stable")
        summary_table = summary_table.reset_index(drop=True)
    timeseries = pd.concat(series, ignore_index=True) if series else pd.DataFrame()
    if len(timeseries):
        order = [c for c in swept if c in timeseries] + ["period"]
        timeseries = timeseries.sort_values(order, kind="stable").reset_index(drop=True)
    return summary_table, timeseries


def _swept_columns(summary: pd.DataFrame) -> list[str]:
    if "run" not in summary:
        return []
    return list(summary.columns[: list(summary.columns).index("run")])


def varying_keys(values: pd.DataFrame, swept: list[str]) -> list[str]:
    """The swept keys, seed aside, that take more than one value in `values`: those that tell
    runs apart in figures (a key every run shares, e.g. ``steps=8``, goes in the caption)."""
    return [k for k in swept if k != SEED and k in values and values[k].nunique(dropna=False) > 1]


def confidence_band(
    values: pd.DataFrame, by: list[str], metric: str, level: float = LEVEL
) -> pd.DataFrame:
    """Mean over seeds of `metric` at each time, per combination of the `by` values, with its
    `level` confidence interval from Student's t (`sscsim.intervals.t_half_width`): columns
    *by, time, mean, std, count (seeds), low, high, in the metric's units; low and high are NaN
    where a single seed gives no interval."""
    grouped = values.groupby([*by, "time"], dropna=False)[metric]
    stats = grouped.agg(["mean", "std", "count"]).reset_index()
    half = t_half_width(stats["std"], stats["count"], level)
    stats["low"] = stats["mean"] - half
    stats["high"] = stats["mean"] + half
    return stats


def _holding(values: pd.DataFrame, chosen: dict[str, Any]) -> np.ndarray:
    """Which rows hold every value of `chosen` ({key: value})."""
    return np.logical_and.reduce([(values[k] == v).to_numpy() for k, v in chosen.items()])


def paired_differences(
    values: pd.DataFrame, by: list[str], metric: str, baseline: dict[str, Any]
) -> pd.DataFrame:
    """Each run's `metric` minus that of its baseline run: the run with the `baseline` values
    of those keys, the same values of the other keys of `by`, the same seed, at the same time.

    Returns columns *by, seed (if swept), time, difference (the metric's units); runs without a
    baseline run to pair with (a failed seed) are left out. The baseline's own rows are zero.
    """
    free = [k for k in by if k not in baseline]
    pairing = [*free, *([SEED] if SEED in values else []), "time"]
    reference = values.loc[_holding(values, baseline), [*pairing, metric]].rename(
        columns={metric: "reference"}
    )
    paired = values[[*by, *pairing[len(free) :], metric]].merge(reference, on=pairing)
    paired["difference"] = paired[metric] - paired["reference"]
    return paired[[*by, *pairing[len(free) :], "difference"]]


def listed_values(sweep_dir: Path) -> dict[str, list[Any]]:
    """Each swept key's values in the order the sweep's command lists them (its multirun.yaml:
    the command line's overrides over the experiment's sweeper params); {} without the file.
    Values given as a function (``range(1,21)``) are left out."""
    path = Path(sweep_dir) / MULTIRUN_FILE
    if not path.is_file():
        return {}
    hydra = (yaml.safe_load(path.read_text()) or {}).get("hydra", {})
    declared = {
        str(k): str(v) for k, v in ((hydra.get("sweeper") or {}).get("params") or {}).items()
    }
    for override in (hydra.get("overrides") or {}).get("task") or []:
        key, _, value = str(override).partition("=")
        declared[key.lstrip("+~")] = value
    return {
        key: [yaml.safe_load(v) for v in text.split(",")]
        for key, text in declared.items()
        if not any(mark in text for mark in "()[]{}'\"")
    }


def default_baseline(
    values: pd.DataFrame, by: list[str], listed: dict[str, list[Any]]
) -> dict[str, Any]:
    """The baseline of a sweep's difference figures when none is chosen: the first value of
    the first key of `by`, as the sweep lists it (`listed_values`), else its smallest."""
    key = by[0]
    present = list(values[key].dropna().unique())
    first = [v for v in listed.get(key, []) if v in present]
    return {key: first[0] if first else sorted(present)[0]}


def parse_baseline(items: list[str]) -> dict[str, Any]:
    """``--baseline key=value`` options as {key: value}, values typed by YAML like the swept
    ones (``scenario.oda_cut_depth=0`` gives 0, ``scenario=oda_cut`` a text)."""
    baseline: dict[str, Any] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise ValueError(f"--baseline {item!r}: expected key=value, e.g. scenario=oda_cut")
        baseline[key] = yaml.safe_load(value)
    return baseline


def check_baseline(baseline: dict[str, Any], values: pd.DataFrame, by: list[str]) -> None:
    """Raise ValueError naming each baseline key that is not a swept key with several values,
    each value the sweep does not hold, or a combination no run has."""
    problems = []
    for key, value in baseline.items():
        if key not in by:
            why = (
                "runs are paired by seed" if key == SEED else "not a swept key with several values"
            )
            problems.append(f"--baseline {key}: {why}; the baseline fixes one of:"
                            f" {', '.join(by) or 'none'}")  # fmt: skip
        elif not (values[key] == value).any():
            known = ", ".join(str(v) for v in sorted(values[key].dropna().unique(), key=str))
            problems.append(f"--baseline {key}={value}: not among the swept values ({known})")
    if not problems and not _holding(values, baseline).any():
        problems.append(f"--baseline {baseline}: no run has this combination of values")
    if problems:
        raise ValueError("; ".join(problems))


def figure_format_of(sweep_dir: Path) -> str:
    """The figure format the sweep's runs were configured with (`output.figure_format` in
    their config.yaml), png if none says."""
    for run_dir in run_folders(sweep_dir):
        config = run_dir / "config.yaml"
        if config.is_file():
            output = (yaml.safe_load(config.read_text()) or {}).get("output") or {}
            return str(output.get("figure_format", "png"))
    return "png"


def _caption_context(
    timeseries: pd.DataFrame, swept: list[str], by: list[str], summary: pd.DataFrame | None
) -> tuple[list[str], dict[str, Any], list[int]]:
    """What a sweep's captions name: its scenarios (unless swept), the overrides every run
    shares (output settings aside: they change no result) and its seeds."""
    fixed = {
        key: timeseries[key].iloc[0]
        for key in swept
        if key not in (*by, SEED) and key in timeseries and not key.startswith(UNCAPTIONED)
    }
    scenarios = [str(fixed.pop(key)) for key in SCENARIO_KEYS if key in fixed]
    if not scenarios and summary is not None and "scenario_name" in summary:
        if not set(SCENARIO_KEYS) & set(by):  # a swept scenario is named in the legend
            scenarios = sorted(summary["scenario_name"].dropna().unique())
    seeds = sorted(int(s) for s in timeseries[SEED].unique()) if SEED in timeseries else []
    return scenarios, fixed, seeds


def comparison_figures(
    timeseries: pd.DataFrame,
    swept: list[str],
    sweep_dir: Path,
    *,
    summary: pd.DataFrame | None = None,
    baseline: dict[str, Any] | None = None,
    figure_format: str | None = None,
) -> list[Path]:
    """Two figures per metric of FIGURE_METRICS: `sweep_<metric>` (levels: the mean over seeds,
    one line per combination of the swept values that differ between runs) and
    `sweep_<metric>_difference` (each combination minus the `baseline` run of the same seed;
    default: `default_baseline`), with 95 % t intervals over seeds, in `figure_format` (png,
    svg, pdf; default: the runs' `output.figure_format`). Returns the paths written; raises
    ValueError for a baseline the sweep does not hold."""

    if timeseries.empty:
        return []
    by = varying_keys(timeseries, swept)
    if baseline:
        check_baseline(baseline, timeseries, by)
    chosen = (baseline or default_baseline(timeseries, by, listed_values(sweep_dir))) if by else {}
    scenarios, fixed, seeds = _caption_context(timeseries, swept, by, summary)
    formats = (figure_format or figure_format_of(sweep_dir),)
    draw = functools.partial(_metric_figures, timeseries=timeseries, by=by, chosen=chosen,
                             context=(scenarios, seeds, fixed), formats=formats,
                             sweep_dir=Path(sweep_dir))  # fmt: skip
    return [path for paths in _map_in_processes(draw, FIGURE_METRICS) for path in paths]


def _metric_figures(
    metric: str,
    *,
    timeseries: pd.DataFrame,
    by: list[str],
    chosen: dict[str, Any],
    context: tuple[Any, Any, Any],
    formats: tuple[str, ...],
    sweep_dir: Path,
) -> list[Path]:
    """The level figure of one metric and, given a baseline, its difference figure."""
    from sscsim.plots import difference_figure, level_figure, save, sweep_caption

    scenarios, seeds, fixed = context
    stats = confidence_band(timeseries, by, metric)
    caption = sweep_caption(scenarios, seeds, fixed)
    drawn = save(level_figure(stats, by, metric, caption=caption),
                 sweep_dir / f"sweep_{metric}", formats)  # fmt: skip
    if chosen:
        differences = paired_differences(timeseries, by, metric, chosen)
        caption = sweep_caption(scenarios, seeds, fixed, paired=True)
        figure = difference_figure(confidence_band(differences, by, "difference"), by,
                                   metric, chosen, caption=caption)  # fmt: skip
        drawn += save(figure, sweep_dir / f"sweep_{metric}_difference", formats)
    return list(drawn)


def _map_in_processes(function: Any, items: Sequence[str]) -> list[Any]:
    """`function` over `items`, in forked processes on a multi-core Linux machine (figures are
    CPU-bound matplotlib work: the aggregate is the serial tail of a sweep), else in turn.

    Forks only when no other Python thread runs. Native thread pools (OpenBLAS's, Arrow's, which
    read the runs' files) may exist; both re-initialise themselves in a forked child, and the
    children only draw figures from frames already in memory, so Python's generic warning about
    forking a multi-threaded process is silenced here, and only here."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers < 2 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return [function(item) for item in items]
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to deadlocks",
                                category=DeprecationWarning)  # fmt: skip
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(function, items))


def write_aggregate(
    sweep_dir: Path,
    figures: bool = True,
    baseline: dict[str, Any] | None = None,
    figure_format: str | None = None,
) -> pd.DataFrame:
    """Aggregate a sweep folder and write its tables and figures (`baseline`, `figure_format`:
    see `comparison_figures`); return the summary table."""
    sweep_dir = Path(sweep_dir)
    summary, timeseries = aggregate(sweep_dir)
    write_parquet(summary, sweep_dir / "sweep_summary.parquet")
    write_parquet(timeseries, sweep_dir / "sweep_timeseries.parquet")
    if figures:
        comparison_figures(timeseries, _swept_columns(summary), sweep_dir, summary=summary,
                           baseline=baseline, figure_format=figure_format)  # fmt: skip
    return summary


def report(summary: pd.DataFrame) -> str:
    """A short text account of a sweep's runs."""
    if summary.empty:
        return "no runs found"
    counts = summary["status"].value_counts()
    lines = [", ".join(f"{counts.get(s, 0)} {s}" for s in ("completed", "failed", "incomplete"))]
    for _, row in summary[summary["status"] != "completed"].iterrows():
        lines.append(f"  {row['status']}: {row['run']} {row['error']}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sscsim.analyze", description=__doc__.splitlines()[0]
    )
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder (Hydra multirun layout)")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    parser.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="the swept value the difference figures subtract (repeat for a combination), e.g."
        " scenario.oda_cut_depth=0 or scenario=oda_cut; default: the first value of the first"
        " swept key",
    )
    parser.add_argument(
        "--format",
        choices=[f.value for f in FigureFormat],
        help="file format of the figures; default: the runs' output.figure_format",
    )
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"sscsim.analyze: {args.sweep_dir} is not a folder", file=sys.stderr)
        return 2
    try:
        baseline = parse_baseline(args.baseline)
        summary = write_aggregate(args.sweep_dir, not args.no_figures, baseline, args.format)
    except ValueError as error:  # a baseline the sweep does not hold
        print(f"sscsim.analyze: {error}", file=sys.stderr)
        return 2
    print(f"{args.sweep_dir}: {report(summary)}")
    figures = ", sweep_<metric>.png" if not args.no_figures else ""
    print(f"written: {args.sweep_dir / 'sweep_summary.parquet'}, sweep_timeseries.parquet{figures}")
    return 1 if (summary.get("status", pd.Series(dtype=str)) != "completed").any() else 0


if __name__ == "__main__":
    sys.exit(main())
