"""Figures of a run, in one consistent style (PNG for quick looks).

Figures are `matplotlib.figure.Figure` objects drawn without pyplot: nothing here selects a
backend or keeps pyplot state, so importing this module leaves a notebook's or an application's
backend alone, and figures can be drawn on servers, in threads (the app) and in sweeps alike.
Saving a figure renders it with the file format's own canvas (Agg for PNG). To show a returned
figure in a notebook, `%matplotlib inline` (or display the saved file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sscsim.results import atomic_path
from sscsim.state.modalities import MODALITIES

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

STYLE: dict[RcKeyType, Any] = {
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
MODALITY_COLOURS: dict[str, str] = {m.name: m.colour for m in MODALITIES}


@contextmanager
def styled_figure(**figure_options: Any) -> Iterator[Figure]:
    """A new figure in the package's style (`Figure(**figure_options)`, e.g. `figsize`), with no
    pyplot state; the style stays in force inside the block, so draw and save there."""
    with matplotlib.rc_context(STYLE):
        yield Figure(**figure_options)


@contextmanager
def _figure(target: Path) -> Iterator[Axes]:
    """One set of axes, saved atomically to `target` (its suffix gives the format)."""
    target = Path(target)
    with styled_figure() as figure:
        axes = figure.subplots()
        yield axes
        figure.tight_layout()
        with atomic_path(target) as temporary:
            figure.savefig(temporary, format=target.suffix.lstrip("."))


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


REGION_COLOURS: dict[str, str] = {
    "asia_pacific": "#e31a1c",
    "lac": "#1f78b4",
    "africa": "#33a02c",
    "middle_east": "#ff7f00",
    "europe_central_asia": "#a6761d",
    "north_america": "#666666",
}


def save(figure: Figure, target: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Save a figure atomically in each format (png, svg, pdf) beside `target`'s stem."""
    target = Path(target)
    written = []
    for suffix in formats:
        path = target.with_suffix(f".{suffix}")
        with atomic_path(path) as temporary:
            figure.savefig(temporary, format=suffix)
        written.append(path)
    return written


def region_circle(
    ties: pd.DataFrame,
    agents: pd.DataFrame,
    period: int | None = None,
    layers: tuple[str, ...] = ("bilateral", "triangular", "platform"),
    target: Path | None = None,
    formats: tuple[str, ...] = ("png", "svg"),
) -> Figure:
    """Ties between regions on a circle: countries around the rim grouped by region (one arc a
    region), a chord per tie, Asia-Pacific to LAC chords drawn strongest. Returns the figure
    (also saved when `target` is given); in a notebook, `%matplotlib inline` shows it."""
    import numpy as np

    period = int(ties["period"].max()) if period is None else period
    chosen = ties[(ties["period"] == period) & ties["layer"].astype(str).isin(layers)]
    last = agents[agents["period"] == agents["period"].max()]
    order = last.sort_values(["region", "iso3"])
    angle = dict(
        zip(order["iso3"], np.linspace(0, 2 * np.pi, len(order), endpoint=False), strict=True)
    )
    region = dict(zip(order["iso3"], order["region"], strict=True))
    with styled_figure(figsize=(7, 7)) as figure:
        axes = figure.subplots()
        for row in chosen.itertuples(index=False):
            if row.source not in angle or row.target not in angle:
                continue
            a, b = angle[row.source], angle[row.target]
            across = {region[row.source], region[row.target]} == {"asia_pacific", "lac"}
            axes.plot(
                [np.cos(a), np.cos(b)],
                [np.sin(a), np.sin(b)],
                color="#6a3d9a" if across else "#bbbbbb",
                alpha=min(1.0, 0.15 + row.strength) if across else 0.15,
                linewidth=0.4 + 1.2 * row.strength * across,
                zorder=2 if across else 1,
            )
        for name, colour in REGION_COLOURS.items():
            members = [code for code in angle if region[code] == name]
            if not members:
                continue
            theta = np.array([angle[code] for code in members])
            axes.scatter(np.cos(theta), np.sin(theta), s=12, color=colour, label=name, zorder=3)
        axes.set_aspect("equal")
        axes.axis("off")
        axes.set_title(f"Ties between regions, period {period} (purple: Asia-Pacific to LAC)")
        axes.legend(loc="lower right", fontsize=7)
        figure.tight_layout()
        if target is not None:
            save(figure, target, formats)
    return figure
