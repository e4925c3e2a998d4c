"""Figures of runs, sweeps and sensitivity analyses, in one style.

Every figure is a `matplotlib.figure.Figure` drawn without pyplot: nothing here selects a
backend or keeps pyplot state, so importing this module leaves a notebook's or an application's
backend alone, and figures can be drawn on servers, in threads (the app) and in sweeps alike.
Saving a figure renders it with the file format's own canvas (Agg for PNG). To show a returned
figure in a notebook, `%matplotlib inline` (or display the saved file).

The style, shared by every figure:

- labels a reader can read (`sscsim.labels`): no column names, parameter paths or scenario
  codes on axes or in legends;
- colour-blind-safe colours: the Okabe-Ito palette for categories (scenarios, kinds,
  modalities), a sequential map (viridis, monotone in lightness) for ordered values such as a
  cut depth;
- legends beside the axes, never over the data: the figure is widened by the legend's width
  (constrained layout), and files are saved with ``bbox_inches="tight"``;
- a caption line under the axes naming the scenario, the seeds and what the shading means.

Functions for notebooks, each returning a `Figure` (`save` or `save_as` writes it): a run's
`capacity_by_kind_figure`, `actions_by_modality_figure`, `interregional_ties_figure`,
`funding_by_source_figure`, `partnership_survival_figure` (`RUN_FIGURES` by file stem; the names
without `_figure` save to a path and return it), a sweep's `level_figure` and `difference_figure`
(fed by `sscsim.analyze.confidence_band` and `sscsim.analyze.paired_differences`), and
`region_circle`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.ticker import MaxNLocator

from sscsim.labels import (
    KIND_LABELS,
    MODALITY_LABELS,
    REGION_LABELS,
    combination_label,
    measure,
    parameter_label,
    scenario_label,
    seeds_text,
)
from sscsim.persistence import SurvivalCurve, analyse_tables
from sscsim.results import atomic_path
from sscsim.state.modalities import MODALITIES

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Okabe and Ito (2008), "Color Universal Design": distinguishable with every common form of
# colour-vision deficiency; yellow last (faint on white), black for a reference.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
GREY = "#7f7f7f"
SEQUENTIAL_MAP = "viridis"  # perceptually uniform, lightness rising from dark to light
SEQUENTIAL_RANGE = (0.0, 0.85)  # of the map: its palest yellow is too faint on white
LINE_STYLES: tuple[str, ...] = ("-", "--", ":", "-.")
STYLE: dict[RcKeyType, Any] = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 120,
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "font.size": 9,
    "savefig.bbox": "tight",
}
CAPTION_SIZE = 7.5  # points
CAPTION_WIDTH = 110  # characters a caption line holds before it wraps
INTERVAL = "95 % t interval of the mean over seeds"

KIND_COLOURS: dict[str, str] = dict(zip(KIND_LABELS, (*OKABE_ITO[:3], GREY), strict=True))
MODALITY_COLOURS: dict[str, str] = {m.name: m.colour for m in MODALITIES}
REGION_COLOURS: dict[str, str] = {
    "asia_pacific": OKABE_ITO[3],
    "lac": OKABE_ITO[0],
    "africa": OKABE_ITO[2],
    "middle_east": OKABE_ITO[1],
    "europe_central_asia": OKABE_ITO[4],  # not [5]: the Asia-Pacific to LAC chords
    "north_america": GREY,
}
INTERREGIONAL_COLOUR = OKABE_ITO[5]


# --- the style ---------------------------------------------------------------------------------


@contextmanager
def styled_figure(**figure_options: Any) -> Iterator[Figure]:
    """A new figure in the package's style (`Figure(**figure_options)`, e.g. `figsize`), with no
    pyplot state and constrained layout; the style stays in force inside the block, so draw and
    save there."""
    with matplotlib.rc_context(STYLE):
        yield Figure(**figure_options)


def categorical_colours(count: int) -> list[str]:
    """`count` colours for unordered categories: the Okabe-Ito palette, repeated beyond eight
    (then told apart by line style, see `_group_styles`)."""
    return [OKABE_ITO[k % len(OKABE_ITO)] for k in range(count)]


def sequential_colours(count: int) -> list[str]:
    """`count` colours for ordered values, smallest first: evenly spaced along the sequential
    map, darkest for the smallest value (lightness rises monotonically)."""
    low, high = SEQUENTIAL_RANGE
    positions = np.linspace(low, high, count) if count > 1 else [0.5 * (low + high)]
    return [to_hex(colormaps[SEQUENTIAL_MAP](float(p))) for p in positions]


def is_ordered(values: Sequence[Any]) -> bool:
    """Whether swept values are ordered quantities (numbers, not switches): they get
    sequential colours, categories get categorical ones."""
    return len(values) > 0 and all(
        isinstance(v, Real | np.number) and not isinstance(v, bool | np.bool_) for v in values
    )


def add_legend(
    figure: Figure, axes: Axes, title: str | None = None, reverse: bool = False
) -> Legend | None:
    """A legend of `axes`' labelled artists beside the axes (upper right, outside), the figure
    widened by the legend's width so that the axes keep theirs; None if nothing is labelled.
    `reverse`: the last artist first (stacked bars, top of the stack first)."""
    handles, labels = axes.get_legend_handles_labels()
    if not handles:
        return None
    legend = figure.legend(
        handles,
        labels,
        loc="outside right upper",
        title=title,
        ncols=1 + len(handles) // 16,
        reverse=reverse,
    )
    legend.set_alignment("left")
    figure.draw_without_rendering()  # lays the legend out, to measure it
    width, height = figure.get_size_inches()
    figure.set_size_inches(width + legend.get_window_extent().width / figure.dpi, height)
    return legend


def add_caption(figure: Figure, caption: str | None) -> None:
    """A caption line (wrapped) under the axes, as the figure's `supxlabel`, so that the layout
    keeps its room: what a reader needs to read the figure (scenario, seeds, intervals)."""
    if caption:
        figure.supxlabel(
            textwrap.fill(caption, CAPTION_WIDTH),
            x=0.01,
            ha="left",
            fontsize=CAPTION_SIZE,
            color="#444444",
        )


def year_axis(axes: Axes) -> None:
    """Label the x axis as calendar years, ticks on whole years only."""
    axes.set_xlabel("year")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def save(figure: Figure, target: Path, formats: Sequence[str] = ("png",)) -> list[Path]:
    """Save a figure atomically in each format (png, svg, pdf) beside `target`'s stem, cropped
    to what it draws (``bbox_inches="tight"``); return the paths written."""
    target = Path(target)
    written = []
    with matplotlib.rc_context(STYLE):
        for suffix in formats:
            path = target.with_suffix(f".{suffix}")
            with atomic_path(path) as temporary:
                figure.savefig(temporary, format=suffix, bbox_inches="tight")
            written.append(path)
    return written


def save_as(figure: Figure, target: Path) -> Path:
    """`save` in the one format that `target`'s suffix names; returns `target`."""
    save(figure, target, (Path(target).suffix.lstrip("."),))
    return Path(target)


def run_caption(scenario: str, seed: int) -> str:
    """The caption of a run's figures: "Scenario ODA cut (oda_cut); seed 3"."""
    return f"Scenario {scenario_label(scenario)} ({scenario}); {seeds_text([seed])}"


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)


# --- the figures of a run --------------------------------------------------------------------


def capacity_by_kind_figure(timeseries: pd.DataFrame, caption: str | None = None) -> Figure:
    """Mean capacity of each kind of Southern country over time."""
    with styled_figure() as figure:
        axes = figure.subplots()
        for kind, colour in KIND_COLOURS.items():
            column = f"mean_capacity_{kind}"
            if column in timeseries and timeseries[column].notna().any():
                axes.plot(
                    timeseries["time"], timeseries[column], label=KIND_LABELS[kind], color=colour
                )
        axes.set(title="Mean capacity by kind of country",
                 ylabel=measure("mean_capacity").label)  # fmt: skip
        year_axis(axes)
        add_legend(figure, axes, title="kind of country")
        add_caption(figure, caption)
    return figure


def actions_by_modality_figure(timeseries: pd.DataFrame, caption: str | None = None) -> Figure:
    """New cooperation actions of each modality per quarter, stacked."""
    with styled_figure() as figure:
        axes = figure.subplots()
        steps = timeseries.iloc[1:]
        bottom = None
        for modality, colour in MODALITY_COLOURS.items():
            values = steps[f"actions_{modality}"].to_numpy()
            axes.bar(steps["time"], values, width=0.22, bottom=bottom, color=colour,
                     label=MODALITY_LABELS[modality])  # fmt: skip
            bottom = values if bottom is None else bottom + values
        axes.set(title="New cooperation actions by modality",
                 ylabel=measure("actions_total").label)  # fmt: skip
        year_axis(axes)
        add_legend(figure, axes, title="modality", reverse=True)  # in the order of the stack
        add_caption(figure, caption)
    return figure


def interregional_ties_figure(timeseries: pd.DataFrame, caption: str | None = None) -> Figure:
    """Alive ties between Asia-Pacific and Latin American & Caribbean countries."""
    with styled_figure() as figure:
        axes = figure.subplots()
        axes.plot(timeseries["time"], timeseries["interregional_ties"], color=INTERREGIONAL_COLOUR)
        axes.set(title="Active Asia-Pacific to Latin America & Caribbean ties",
                 ylabel="ties alive (bilateral, triangular, regional)")  # fmt: skip
        year_axis(axes)
        add_caption(figure, caption)
    return figure


FUNDING_COLUMNS: tuple[str, ...] = (
    "funding_southern_funds_usd",
    "funding_northern_triangular_usd",
    "funding_platform_funds_usd",
)


def funding_by_source_figure(timeseries: pd.DataFrame, caption: str | None = None) -> Figure:
    """Cooperation spending per quarter from each source of funds, USD million."""
    with styled_figure() as figure:
        axes = figure.subplots()
        steps = timeseries.iloc[1:]
        for column in FUNDING_COLUMNS:
            shown = measure(column)
            axes.plot(steps["time"], steps[column] * shown.scale,
                      label=shown.name.removeprefix("Spending from "))  # fmt: skip
        axes.set(title="Cooperation spending by source of funds",
                 ylabel=f"spending ({measure(FUNDING_COLUMNS[0]).unit})")  # fmt: skip
        year_axis(axes)
        add_legend(figure, axes, title="source of funds")
        add_caption(figure, caption)
    return figure


SURVIVAL_GROUPS: dict[str, tuple[str, str]] = {
    "all": ("all partner pairs", "#333333"),
    "asia_pacific_lac": ("Asia-Pacific to LAC pairs", INTERREGIONAL_COLOUR),
}


def partnership_survival_figure(
    curves: dict[str, SurvivalCurve], caption: str | None = None
) -> Figure:
    """Kaplan-Meier survival of partnership spells with 95 % log-log bands, one step curve per
    group of pairs (`sscsim.persistence.Persistence.curves`)."""
    with styled_figure() as figure:
        axes = figure.subplots()
        drawn = False
        for group, (label, colour) in SURVIVAL_GROUPS.items():
            curve = curves.get(group)
            if curve is None or curve.subjects == 0:
                continue
            time = [0.0, *curve.time]
            axes.step(time, [1.0, *curve.survival], where="post", color=colour,
                      label=f"{label} ({curve.subjects} spells)")  # fmt: skip
            axes.fill_between(time, [1.0, *curve.low], [1.0, *curve.high], step="post",
                              color=colour, alpha=0.2, linewidth=0,
                              label=f"{label}: 95 % interval")  # fmt: skip
            drawn = True
        axes.axhline(0.5, color=GREY, linewidth=0.8, linestyle="--", label="median: half remain")
        if not drawn:
            axes.text(0.5, 0.5, "no partnership spells recorded", transform=axes.transAxes)
        axes.set(title="Survival of partnership spells (Kaplan-Meier)",
                 xlabel="spell duration t (years)",
                 ylabel="share of spells lasting more than t years", ylim=(0.0, 1.02))  # fmt: skip
        axes.set_xlim(left=0.0)
        add_legend(figure, axes)
        add_caption(figure, _join(caption, "shaded: 95 % log-log intervals"))
    return figure


def _survival(tables: dict[str, pd.DataFrame], caption: str | None) -> Figure | None:
    if not {"actions", "agents", "timeseries"} <= tables.keys():
        return None
    return partnership_survival_figure(analyse_tables(tables).curves, caption)


def _from_timeseries(draw: Callable[[pd.DataFrame, str | None], Figure]) -> RunFigure:
    def figure(tables: dict[str, pd.DataFrame], caption: str | None) -> Figure:
        return draw(tables["timeseries"], caption)

    return figure


RunFigure = Callable[[dict[str, pd.DataFrame], str | None], Figure | None]
# The figures of a run folder, by file stem: each draws from the run's tables (None: the tables
# it needs are not there).
RUN_FIGURES: dict[str, RunFigure] = {
    "capacity_by_kind": _from_timeseries(capacity_by_kind_figure),
    "actions_by_modality": _from_timeseries(actions_by_modality_figure),
    "interregional_ties": _from_timeseries(interregional_ties_figure),
    "funding_by_source": _from_timeseries(funding_by_source_figure),
    "partnership_survival": _survival,
}


def capacity_by_kind(timeseries: pd.DataFrame, target: Path, caption: str | None = None) -> Path:
    """`capacity_by_kind_figure` saved to `target` (its suffix gives the format)."""
    return save_as(capacity_by_kind_figure(timeseries, caption), target)


def actions_by_modality(timeseries: pd.DataFrame, target: Path, caption: str | None = None) -> Path:
    """`actions_by_modality_figure` saved to `target` (its suffix gives the format)."""
    return save_as(actions_by_modality_figure(timeseries, caption), target)


def interregional_ties(timeseries: pd.DataFrame, target: Path, caption: str | None = None) -> Path:
    """`interregional_ties_figure` saved to `target` (its suffix gives the format)."""
    return save_as(interregional_ties_figure(timeseries, caption), target)


def funding_by_source(timeseries: pd.DataFrame, target: Path, caption: str | None = None) -> Path:
    """`funding_by_source_figure` saved to `target` (its suffix gives the format)."""
    return save_as(funding_by_source_figure(timeseries, caption), target)


def partnership_survival(
    curves: dict[str, SurvivalCurve], target: Path, caption: str | None = None
) -> Path:
    """`partnership_survival_figure` saved to `target` (its suffix gives the format)."""
    return save_as(partnership_survival_figure(curves, caption), target)


def run_figures(
    tables: dict[str, pd.DataFrame],
    run_dir: Path,
    caption: str | None = None,
    figure_format: str = "png",
) -> list[Path]:
    """Draw and save the figures of `RUN_FIGURES` in `run_dir` as `<stem>.<figure_format>`
    (png, svg or pdf; `output.figure_format`); partnership survival when `tables` hold the
    actions, agents and time series. `caption`: see `run_caption`. Returns the paths written."""
    written = []
    for stem, draw in RUN_FIGURES.items():
        figure = draw(tables, caption)
        if figure is not None:
            written += save(figure, Path(run_dir) / stem, (figure_format,))
    return written


# --- the figures of a sweep -------------------------------------------------------------------


def _groups(stats: pd.DataFrame, by: list[str]) -> list[tuple[tuple[Any, ...], pd.DataFrame]]:
    """The rows of `stats` by combination of the `by` values, in sorted order."""
    if not by:
        return [((), stats)]
    return [
        (key if isinstance(key, tuple) else (key,), group)
        for key, group in stats.groupby(by, dropna=False, sort=True)
    ]


def _group_styles(by: list[str], keys: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Colour and line style of each combination: colour by the first key (sequential if its
    values are ordered, categorical otherwise), line style by the rest."""
    if not by:
        return [{"color": OKABE_ITO[0], "linestyle": "-"}]
    first = list(dict.fromkeys(k[0] for k in keys))
    if is_ordered(first):
        first = sorted(first)
        palette = sequential_colours(len(first))
    else:
        palette = categorical_colours(len(first))
    rest = list(dict.fromkeys(k[1:] for k in keys))
    styles = []
    for key in keys:
        index = rest.index(key[1:])
        if len(first) > len(OKABE_ITO) and not is_ordered(first):
            index += first.index(key[0]) // len(OKABE_ITO)  # colours repeat: styles tell apart
        styles.append({"color": palette[first.index(key[0])],
                       "linestyle": LINE_STYLES[index % len(LINE_STYLES)]})  # fmt: skip
    return styles


def _band_axes(
    figure: Figure,
    stats: pd.DataFrame,
    by: list[str],
    scale: float,
    baseline: dict[str, Any] | None = None,
) -> Axes:
    """One line per combination of swept values with its shaded interval (`low`, `high`)."""
    axes = figure.subplots()
    groups = _groups(stats, by)
    styles = _group_styles(by, [key for key, _ in groups])
    titled = len(by) == 1
    for (key, group), style in zip(groups, styles, strict=True):
        name = combination_label(by, key, titled) if by else "all runs"
        if baseline is not None and all(
            dict(zip(by, key, strict=True)).get(k) == v for k, v in baseline.items()
        ):
            name = f"{name} (baseline)"
        axes.plot(group["time"], group["mean"] * scale, label=name, **style)
        axes.fill_between(group["time"], group["low"] * scale, group["high"] * scale,
                          color=style["color"], alpha=0.18, linewidth=0)  # fmt: skip
    year_axis(axes)
    return axes


def level_figure(
    stats: pd.DataFrame,
    by: list[str],
    metric: str,
    *,
    title: str | None = None,
    caption: str | None = None,
) -> Figure:
    """A sweep's levels: the mean over seeds of `metric` with its interval, one line per
    combination of the `by` values.

    `stats`: columns *by, time, mean, low, high (`sscsim.analyze.confidence_band`), in the
    metric's own units (scaled here to `sscsim.labels.measure(metric)`'s, e.g. USD million).
    `title` replaces the metric's name as title and axis label (for metrics not registered).
    """
    shown = measure(metric)
    with styled_figure() as figure:
        axes = _band_axes(figure, stats, by, shown.scale)
        axes.set(title=title or shown.name, ylabel=title or shown.label)
        add_legend(figure, axes, title=parameter_label(by[0]) if len(by) == 1 else None)
        add_caption(figure, caption)
    return figure


def difference_figure(
    differences: pd.DataFrame,
    by: list[str],
    metric: str,
    baseline: dict[str, Any],
    *,
    caption: str | None = None,
) -> Figure:
    """A sweep's effects: the mean over seeds of each combination's difference from the
    baseline run of the same seed, with its interval; the baseline itself is the zero line.

    `differences`: columns *by, time, mean, low, high, `sscsim.analyze.confidence_band` of the
    `difference` column of `sscsim.analyze.paired_differences`; `baseline`: {key: value} of the
    swept values the differences are taken from.
    """
    shown = measure(metric)
    against = combination_label(list(baseline), tuple(baseline.values()), titled=False)
    with styled_figure() as figure:
        axes = _band_axes(figure, differences, by, shown.scale, baseline)
        axes.axhline(0.0, color=GREY, linewidth=0.8)
        axes.set(title=f"{shown.name}: difference from {against}",
                 ylabel=f"difference ({shown.unit})" if shown.unit else "difference")  # fmt: skip
        add_legend(figure, axes, title=parameter_label(by[0]) if len(by) == 1 else None)
        add_caption(figure, caption)
    return figure


def sweep_caption(
    scenarios: Sequence[str],
    seeds: Sequence[int],
    fixed: dict[str, Any] | None = None,
    *,
    paired: bool = False,
) -> str:
    """The caption of a sweep's figures: "Scenario ODA cut (oda_cut); Steps 8; 20 seeds (1-20);
    shaded: 95 % t interval of the mean over seeds" (differences: "paired by seed"). `fixed`:
    the overrides that every run of the sweep shares, {key: value}."""
    names = ", ".join(f"{scenario_label(s)} ({s})" for s in scenarios)
    scenario = f"Scenario{'s' if len(scenarios) > 1 else ''} {names}" if scenarios else None
    shared = combination_label(list(fixed), tuple(fixed.values()), False) if fixed else None
    if len(set(seeds)) > 1:
        shading = f"shaded: {INTERVAL}{', differences paired by seed' if paired else ''}"
        return _join(scenario, shared, seeds_text(list(seeds)), shading)
    return _join(scenario, shared, seeds_text(list(seeds)) if seeds else "one seed", "no interval")


def band_figure(stats: pd.DataFrame, by: list[str], label: str, target: Path) -> Path:
    """`level_figure` of `stats` titled `label`, saved to `target` (its suffix gives the
    format); returns `target`. For a registered metric, prefer `level_figure(stats, by,
    metric)`, which labels the axis with the metric's unit."""
    return save_as(level_figure(stats, by, label, title=label), target)


# --- ties between regions -----------------------------------------------------------------------


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
                color=INTERREGIONAL_COLOUR if across else "#bbbbbb",
                alpha=min(1.0, 0.15 + row.strength) if across else 0.15,
                linewidth=0.4 + 1.2 * row.strength * across,
                zorder=2 if across else 1,
            )
        for name, colour in REGION_COLOURS.items():
            members = [code for code in angle if region[code] == name]
            if not members:
                continue
            theta = np.array([angle[code] for code in members])
            axes.scatter(np.cos(theta), np.sin(theta), s=12, color=colour,
                         label=REGION_LABELS[name], zorder=3)  # fmt: skip
        axes.set_aspect("equal")
        axes.axis("off")
        axes.set_title(f"Ties between regions, period {period} (purple: Asia-Pacific to LAC)")
        add_legend(figure, axes, title="region")
        if target is not None:
            save(figure, target, formats)
    return figure
