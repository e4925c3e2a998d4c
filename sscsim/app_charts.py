"""The app's charts: a baseline and a lever side by side, in years, one chart per quantity scale.

Each quantity chart has two panels sharing the calendar axis (fractional years, a quarter a
step from the start year): above, the levels of each series in both arms (means over the seeds;
lever solid, baseline dashed); below, lever minus baseline (the paired difference, mean over the
seeds, with its range across seeds shaded). Quantities of different scales never share an axis:
capacity index, capacity gap, actions a quarter, ties, USD a quarter each have a chart.

The network view draws the Southern countries on a circle by region, baseline and lever beside
each other, with set axis limits and the legend below the circles so that nothing is cut off.

Figures are `matplotlib.figure.Figure`s in the package's style (`sscsim.plots.styled_figure`),
drawn without pyplot (safe in the server's threads); `png` renders one to bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sscsim.app_comparison import ComparisonSeries
from sscsim.model import SSCModel
from sscsim.plots import KIND_COLOURS, REGION_COLOURS, styled_figure
from sscsim.state.modalities import MODALITIES
from sscsim.state.roster import interregional
from sscsim.state.ties import Layer
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from matplotlib.typing import LineStyleType

ARM_STYLES: dict[str, LineStyleType] = {"lever": "-", "baseline": "--"}
ACROSS_COLOUR = "#6a3d9a"  # Asia-Pacific to LAC chords (as in `sscsim.plots.region_circle`)
OTHER_TIE_COLOUR = "#bbbbbb"


@dataclass(frozen=True)
class Line:
    """One series of a chart: a time-series column, its label in the legend and its colour."""

    column: str
    label: str
    colour: str


@dataclass(frozen=True)
class QuantityChart:
    """A chart of series of one quantity and unit. `scale` divides the column to the unit (1e6
    for USD million); a `flow` (counted within each quarter) has no value at the start, so its
    first row (the initial state) is left out; `decimals` are those of the caption's values."""

    key: str
    title: str
    unit: str
    lines: tuple[Line, ...]
    scale: float = 1.0
    flow: bool = False
    decimals: int = 3


CHARTS: tuple[QuantityChart, ...] = (
    QuantityChart(
        "capacity",
        "Mean capacity by kind of country",
        "capacity index (0-1)",
        tuple(
            Line(f"mean_capacity_{kind}", label, KIND_COLOURS[kind])
            for kind, label in (
                ("mic", "middle-income"),
                ("sids", "SIDS"),
                ("champion", "champions"),
            )
        ),
        decimals=4,
    ),
    QuantityChart(
        "gap",
        "SIDS capacity gap",
        "non-SIDS minus SIDS mean\ncapacity (index points)",
        (Line("sids_capacity_gap", "SIDS gap", KIND_COLOURS["sids"]),),
        decimals=4,
    ),
    QuantityChart(
        "actions",
        "New cooperation actions by modality",
        "actions a quarter",
        tuple(Line(f"actions_{m.name}", m.label, m.colour) for m in MODALITIES),
        flow=True,
        decimals=1,
    ),
    QuantityChart(
        "ties",
        "Asia-Pacific to Latin America & Caribbean ties",
        "active ties (bilateral,\ntriangular, platform)",
        (Line("interregional_ties", "Asia-Pacific to LAC", ACROSS_COLOUR),),
        decimals=1,
    ),
    QuantityChart(
        "funding",
        "Cooperation spending by source of funds",
        "USD million a quarter",
        (
            Line("funding_southern_funds_usd", "Southern SSC funds", "#1b9e77"),
            Line("funding_northern_triangular_usd", "northern triangular co-funding", "#e7298a"),
            Line("funding_platform_funds_usd", "platform trust funds", "#66a61e"),
        ),
        scale=1e6,
        flow=True,
        decimals=3,
    ),
)


def png(figure: Figure) -> bytes:
    """A figure as PNG bytes. The figures lay themselves out (constrained layout, legends
    outside the axes but inside the figure), so one draw renders them whole."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _rows(chart: QuantityChart) -> slice:
    """The rows a chart plots: a flow's from the first quarter on."""
    return slice(1 if chart.flow else 0, None)


def quantity_figure(chart: QuantityChart, series: ComparisonSeries) -> Figure:
    """Levels in both arms above, lever minus baseline below, against the calendar year; the
    year axis spans the whole horizon so the run fills the chart as it advances."""
    rows = _rows(chart)
    time = series.time[rows]
    with styled_figure(figsize=(5.6, 4.8), dpi=100, layout="constrained") as figure:
        levels, difference = figure.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]}
        )
        for line in chart.lines:
            for arm, style in ARM_STYLES.items():
                mean = series.levels(arm, line.column)[:, rows].mean(axis=0) / chart.scale
                levels.plot(time, mean, style, color=line.colour, marker=".", markevery=[-1])
            paired = series.difference(line.column)[:, rows] / chart.scale
            difference.plot(
                time, paired.mean(axis=0), color=line.colour, marker=".", markevery=[-1]
            )
            if paired.shape[0] > 1:
                difference.fill_between(
                    time, paired.min(axis=0), paired.max(axis=0), color=line.colour, alpha=0.15
                )
        difference.axhline(0.0, color="#444444", linewidth=0.8)
        levels.set(title=f"{chart.title} ({series.latest})", ylabel=chart.unit)
        difference.set(xlabel="year", ylabel="lever − baseline")
        difference.set_xlim(series.start_year, series.end_time)
        difference.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles = [Line2D([], [], color=line.colour, label=line.label) for line in chart.lines]
        handles += [
            Line2D([], [], color="#444444", linestyle=style, label=arm)
            for arm, style in ARM_STYLES.items()
        ]
        figure.align_ylabels()
        figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return figure


def caption(chart: QuantityChart, series: ComparisonSeries) -> str:
    """What the chart's last point says, as text: lever minus baseline of each series at the
    latest quarter (means over seeds), in the chart's unit."""
    parts = []
    for line in chart.lines:
        last = float(series.difference(line.column)[:, -1].mean()) / chart.scale
        parts.append(f"{line.label} {last:+.{chart.decimals}f}")
    return f"{series.latest}, lever − baseline ({chart.unit.replace(chr(10), ' ')}): " + ", ".join(
        parts
    )


def _circle(axes: Axes, model: SSCModel, title: str) -> None:
    """One network circle on `axes`: Southern countries by region, a chord per alive
    bilateral, triangular or platform tie between them, Asia-Pacific to LAC chords drawn
    strongest; the title says how many of those there are."""
    state = model.state
    roster, n = state.roster, state.roster.n_south
    order = np.lexsort((roster.iso3[:n], roster.region[:n]))  # by region, then code
    angle = np.empty(n, dtype=np.float64)
    angle[order] = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    alive = state.network.alive
    keep = (alive.layer != Layer.ODA) & (alive.source < n) & (alive.target < n)
    source, target = alive.source[keep], alive.target[keep]
    strength = state.network.ties.strength[alive.rows[keep]]
    across = interregional(roster, source, target)
    ends = np.stack(
        [
            np.column_stack([np.cos(angle[source]), np.sin(angle[source])]),
            np.column_stack([np.cos(angle[target]), np.sin(angle[target])]),
        ],
        axis=1,
    )  # (ties, 2 ends, x and y)
    axes.add_collection(
        LineCollection(ends[~across], colors=OTHER_TIE_COLOUR, alpha=0.15, linewidths=0.4)
    )
    alpha = np.minimum(1.0, 0.15 + strength[across])
    colours = np.tile(np.array(to_rgba(ACROSS_COLOUR)), (int(across.sum()), 1))
    colours[:, 3] = alpha
    axes.add_collection(
        LineCollection(
            ends[across], colors=colours, linewidths=0.4 + 1.2 * strength[across], zorder=2
        )
    )
    for index, region in enumerate(REGIONS):
        members = roster.region[:n] == index
        if members.any():
            axes.scatter(
                np.cos(angle[members]),
                np.sin(angle[members]),
                s=12,
                color=REGION_COLOURS[region],
                label=region.replace("_", " "),
                zorder=3,
            )
    limit = 1.08  # the rim (radius 1) and its markers inside the axes
    axes.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
    axes.set_title(f"{title}\n{int(across.sum())} Asia-Pacific to LAC ties (purple)")
    axes.axis("off")


def region_figure(series: ComparisonSeries, baseline: SSCModel, lever: SSCModel) -> Figure:
    """The ties between regions in the baseline and the lever (one seed), side by side."""
    seed = series.settings.seeds[0]
    with styled_figure(figsize=(9.0, 5.2), dpi=100, layout="constrained") as figure:
        left, right = figure.subplots(1, 2)
        for arm, axes, model in (("baseline", left, baseline), ("lever", right, lever)):
            _circle(axes, model, f"{arm}: {series.settings.name(arm)}, seed {seed}")
        handles, labels = left.get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
        figure.suptitle(f"Ties between Southern countries by region, {series.latest}")
    return figure
