"""Figures of a run, in one consistent style (PNG for quick looks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: runs happen on servers and in tests

import matplotlib.pyplot as plt
import pandas as pd

from sscsim.results import atomic_path

STYLE: dict[str, object] = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 120,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "font.size": 9,
}
KIND_COLOURS: dict[str, str] = {
    "mic": "#1b9e77",
    "sids": "#d95f02",
    "champion": "#7570b3",
    "other": "#999999",
}
MODALITY_COLOURS: dict[str, str] = {
    "bilateral": "#1f78b4",
    "triangular": "#e31a1c",
    "platform": "#33a02c",
}


@contextmanager
def _figure(target: Path) -> Iterator[plt.Axes]:
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots()
        try:
            yield axes
            figure.tight_layout()
            with atomic_path(target) as temporary:
                figure.savefig(temporary, format=target.suffix.lstrip("."))
        finally:
            plt.close(figure)


def capacity_by_kind(timeseries: pd.DataFrame, target: Path) -> Path:
    with _figure(target) as axes:
        for kind, colour in KIND_COLOURS.items():
            column = f"mean_capacity_{kind}"
            if column in timeseries and timeseries[column].notna().any():
                axes.plot(timeseries["time"], timeseries[column], label=kind, color=colour)
        axes.set(title="Mean capacity by kind of country", xlabel="year", ylabel="capacity (0-1)")
        axes.legend()
    return target


def actions_by_modality(timeseries: pd.DataFrame, target: Path) -> Path:
    with _figure(target) as axes:
        steps = timeseries.iloc[1:]
        bottom = None
        for modality, colour in MODALITY_COLOURS.items():
            values = steps[f"actions_{modality}"].to_numpy()
            axes.bar(steps["time"], values, width=0.22, bottom=bottom, color=colour, label=modality)
            bottom = values if bottom is None else bottom + values
        axes.set(title="New cooperation actions by modality", xlabel="year", ylabel="actions")
        axes.legend()
    return target


def interregional_ties(timeseries: pd.DataFrame, target: Path) -> Path:
    with _figure(target) as axes:
        axes.plot(timeseries["time"], timeseries["interregional_ties"], color="#6a3d9a")
        axes.set(
            title="Active Asia-Pacific to Latin America & Caribbean ties",
            xlabel="year",
            ylabel="ties (bilateral, triangular, platform)",
        )
    return target


def funding_by_source(timeseries: pd.DataFrame, target: Path) -> Path:
    sources = {
        "funding_southern_funds_usd": "Southern SSC funds",
        "funding_northern_triangular_usd": "northern triangular co-funding",
        "funding_platform_funds_usd": "platform trust funds",
    }
    with _figure(target) as axes:
        steps = timeseries.iloc[1:]
        for column, label in sources.items():
            axes.plot(steps["time"], steps[column] / 1e6, label=label)
        axes.set(
            title="Cooperation spending by source of funds",
            xlabel="year",
            ylabel="USD million per quarter",
        )
        axes.legend()
    return target


def run_figures(tables: dict[str, pd.DataFrame], run_dir: Path) -> list[Path]:
    """The standard figures of a run folder."""
    timeseries = tables["timeseries"]
    run_dir = Path(run_dir)
    return [
        capacity_by_kind(timeseries, run_dir / "capacity_by_kind.png"),
        actions_by_modality(timeseries, run_dir / "actions_by_modality.png"),
        interregional_ties(timeseries, run_dir / "interregional_ties.png"),
        funding_by_source(timeseries, run_dir / "funding_by_source.png"),
    ]


def band_figure(stats: pd.DataFrame, by: list[str], label: str, target: Path) -> Path:
    """Mean over seeds with a 95 % confidence band, one line per group of swept values.

    `stats` has columns *by, time, mean, low, high (see `sscsim.analyze.confidence_band`).
    """
    with _figure(target) as axes:
        groups = stats.groupby(by, dropna=False, sort=True) if by else [((), stats)]
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            name = ", ".join(f"{k}={v}" for k, v in zip(by, key, strict=True)) or "all runs"
            line = axes.plot(group["time"], group["mean"], label=name)[0]
            axes.fill_between(
                group["time"], group["low"], group["high"], color=line.get_color(), alpha=0.2
            )
        axes.set(title=label, xlabel="year", ylabel=label)
        axes.legend(ncols=2)
    return target
