"""Gather a sweep: every run's time series and summary into two tables, plus comparison figures.

    python -m sscsim.analyze results/sweeps/oda_cuts

A sweep folder holds one folder per run (Hydra's multirun layout: `.hydra/overrides.yaml`
names the swept values). This command is the one source of the aggregate: the multirun
callback calls it too, and it works on sweeps whose jobs ran elsewhere (a cluster) or whose
launcher stopped early. Each run is listed with its status: completed (its summary.json
exists), failed (its status.json holds the error) or incomplete (started, never finished).

Outputs in the sweep folder: `sweep_summary.parquet` (one row per run: the swept values as
columns, status, error, headline figures), `sweep_timeseries.parquet` (every completed run's
time series with the swept values), and `sweep_<metric>.png` figures (mean across seeds with
95 % confidence bands, one line per combination of the other swept values).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from sscsim.results import override_values, write_parquet

SEED = "seed"
STATUS_FILE = "status.json"
FIGURE_METRICS: dict[str, str] = {
    "actions_triangular": "triangular actions per quarter",
    "funding_southern_funds_usd": "Southern SSC funds spent per quarter (USD)",
    "interregional_ties": "Asia-Pacific to LAC ties alive",
    "mean_capacity": "mean capacity",
    "sids_capacity_gap": "SIDS capacity gap",
}


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


def confidence_band(values: pd.DataFrame, by: list[str], metric: str) -> pd.DataFrame:
    """Mean and 95 % confidence interval (normal approximation) of `metric` across seeds."""
    grouped = values.groupby([*by, "time"], dropna=False)[metric]
    stats = grouped.agg(["mean", "std", "count"]).reset_index()
    half = 1.96 * stats["std"].fillna(0.0) / np.sqrt(stats["count"])
    stats["low"] = stats["mean"] - half
    stats["high"] = stats["mean"] + half
    return stats


def comparison_figures(timeseries: pd.DataFrame, swept: list[str], sweep_dir: Path) -> list[Path]:
    """One figure per metric: a line per combination of swept values (seeds pooled)."""
    from sscsim.plots import band_figure

    if timeseries.empty:
        return []
    by = [c for c in swept if c != SEED and c in timeseries]
    drawn = []
    for metric, label in FIGURE_METRICS.items():
        stats = confidence_band(timeseries, by, metric)
        target = Path(sweep_dir) / f"sweep_{metric}.png"
        drawn.append(band_figure(stats, by, label, target))
    return drawn


def write_aggregate(sweep_dir: Path, figures: bool = True) -> pd.DataFrame:
    """Aggregate a sweep folder and write its tables and figures; return the summary table."""
    sweep_dir = Path(sweep_dir)
    summary, timeseries = aggregate(sweep_dir)
    write_parquet(summary, sweep_dir / "sweep_summary.parquet")
    write_parquet(timeseries, sweep_dir / "sweep_timeseries.parquet")
    if figures:
        comparison_figures(timeseries, _swept_columns(summary), sweep_dir)
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
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"sscsim.analyze: {args.sweep_dir} is not a folder", file=sys.stderr)
        return 2
    summary = write_aggregate(args.sweep_dir, figures=not args.no_figures)
    print(f"{args.sweep_dir}: {report(summary)}")
    return 1 if (summary.get("status", pd.Series(dtype=str)) != "completed").any() else 0


if __name__ == "__main__":
    sys.exit(main())
