"""Interactive app: compare a lever with a baseline, side by side on the same seeds.

    make app        # or: .venv/bin/solara run sscsim/app.py

Then open http://localhost:8765. Choose a baseline (a scenario preset, e.g. ``baseline`` or
``oda_cut``, and an ODA cut of its own), a lever (another preset on top of the baseline, and the
levers' sliders) and the seeds both share; Reset builds the two runs, Step advances them a
quarter, Play a year a frame until 2040 ends. The page shows the headline figures of both runs
and their difference (lever minus baseline, paired by seed, and in percent), one chart per
quantity scale in calendar years, and the ties between regions in both runs.

Every browser session has its own settings and models (Solara's per-session state: each tab
renders its own `Page`); nothing of a session is kept at module level. The comparison itself,
without any user interface, is `sscsim.app_comparison`; the charts are `sscsim.app_charts`.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any, cast

import solara

from sscsim.app_charts import CHARTS, QuantityChart, caption, png, quantity_figure, region_figure
from sscsim.app_comparison import (
    ARM_LEVERS,
    ARMS,
    LEVERS,
    Comparison,
    ComparisonSeries,
    ReadoutRow,
    Settings,
    parse_seeds,
    presets,
    readout_rows,
)
from sscsim.config import ConfigError

DEFAULT_SEEDS = ", ".join(str(seed) for seed in Settings().seeds)


def _number(value: float, decimals: int, signed: bool = False) -> str:
    return f"{value:{'+' if signed else ''},.{decimals}f}"


def readout_table(rows: list[ReadoutRow], start_year: int) -> str:
    """The headline figures as a Markdown table: both arms, the difference and the percent."""
    lines = [
        "| quantity | unit | baseline | lever | lever − baseline | change |",
        "|:---|:---|---:|---:|---:|---:|",
    ]
    for row in rows:
        decimals = row.readout.decimals
        percent = "n/a" if row.percent is None else f"{row.percent:+.1f} %"
        lines.append(
            f"| {row.readout.title(start_year)} | {row.readout.unit}"
            f" | {_number(row.baseline, decimals)} | {_number(row.lever, decimals)}"
            f" | {_number(row.difference, decimals, signed=True)} | {percent} |"
        )
    return "\n".join(lines)


@solara.component
def LeverControl(
    name: str, arm: str, settings: Settings, on_settings: Callable[[Settings], None]
) -> None:
    """A lever's slider or checkbox in one arm, its value in the label (and the baseline's,
    for the lever, when they differ)."""
    lever = LEVERS[name]
    value = settings.value(arm, name)
    label = f"{lever.label}: {lever.show(value)}"
    if arm == "lever":
        baseline = settings.value("baseline", name)
        if baseline != value:
            label += f" (baseline {lever.show(baseline)})"

    def change(new: Any) -> None:
        on_settings(settings.with_change(arm, name, new))

    if lever.is_switch:
        solara.Checkbox(label=label, value=bool(value), on_value=change)
        return
    low, high, step = lever.slider
    if lever.is_whole:
        solara.SliderInt(
            label, value=int(value), min=int(low), max=int(high), step=int(step), on_value=change
        )
    else:
        solara.SliderFloat(label, value=float(value), min=low, max=high, step=step, on_value=change)


@solara.component
def PresetChoice(label: str, value: str, on_value: Callable[[str], None]) -> None:
    """A scenario preset by name, with what its file says it is."""
    solara.Select(label=label, values=list(presets()), value=value, on_value=on_value)
    solara.Text(presets()[value].description, style={"font-size": "0.8em", "opacity": "0.8"})


ARM_TITLES: dict[str, str] = {"baseline": "Baseline", "lever": "Lever (on top of the baseline)"}


@solara.component
def ArmCard(arm: str, settings: Settings, on_settings: Callable[[Settings], None]) -> None:
    """An arm's choices: its scenario preset and its levers."""
    with solara.Card(ARM_TITLES[arm]):
        PresetChoice(
            f"{arm.capitalize()} scenario",
            settings.preset(arm),
            lambda name: on_settings(settings.with_preset(arm, name)),
        )
        for name in ARM_LEVERS[arm]:
            LeverControl(name, arm, settings, on_settings)


@solara.component
def Chart(chart: QuantityChart, series: ComparisonSeries) -> None:
    """One quantity chart and its caption, redrawn only when the series change."""
    image = solara.use_memo(lambda: png(quantity_figure(chart, series)), [series])
    with solara.Card(style={"width": "100%"}):
        solara.Image(image, width="100%")
        solara.Text(caption(chart, series), classes=["chart-caption"])


@solara.component
def RegionView(comparison: Comparison, series: ComparisonSeries) -> None:
    """The ties between regions in both arms' first seed, drawn whole."""
    image = solara.use_memo(
        lambda: png(
            region_figure(series, comparison.models["baseline"][0], comparison.models["lever"][0])
        ),
        [series],
    )
    with solara.Card(style={"width": "100%"}):
        solara.Image(image, width="100%")


@solara.component
def Page() -> None:
    """The app's page: its state lives in this component, so each browser session has its own."""
    settings = solara.use_reactive(Settings())
    seeds_text = solara.use_reactive(DEFAULT_SEEDS)
    comparison = solara.use_reactive(cast(Comparison | None, None))
    problem = solara.use_reactive("")
    version = solara.use_reactive(0)  # bumped after every step: the models changed in place
    playing = solara.use_reactive(False)  # asked to play
    running = solara.use_reactive(False)  # the play loop is stepping (still, just after Pause)

    try:
        seeds: tuple[int, ...] | None = parse_seeds(seeds_text.value)
        seeds_problem = ""
    except ValueError as error:
        seeds, seeds_problem = None, str(error)
    wanted = None if seeds is None else dataclasses.replace(settings.value, seeds=seeds)

    def reset() -> None:
        playing.set(False)
        if wanted is None:
            return
        try:
            comparison.set(Comparison(wanted))
            problem.set("")
        except (ConfigError, KeyError, ValueError) as error:
            problem.set(f"Reset failed: {error}")
        version.set(version.value + 1)

    def step() -> None:
        if comparison.value is not None and comparison.value.step():
            version.set(version.value + 1)

    def play(cancel: threading.Event) -> None:
        """Step a year a frame until the horizon or Pause (checked every quarter); the page
        shows the last quarter stepped before the loop lets go of the controls."""
        current = comparison.value
        if not playing.value or current is None:
            return
        running.set(True)
        try:
            while not cancel.is_set() and not current.finished:
                for _ in range(current.steps_per_year):
                    if cancel.is_set() or not current.step():
                        break
                version.set(version.value + 1)
        finally:
            running.set(False)
            if not cancel.is_set():
                playing.set(False)

    solara.use_effect(reset, [])  # the first comparison, with the default settings
    solara.use_thread(play, dependencies=[playing.value, comparison.value], intrusive_cancel=False)

    current = comparison.value
    series = solara.use_memo(
        lambda: None if current is None else current.series(), [current, version.value]
    )

    solara.Title("sscsim: compare a lever")
    with solara.AppBar():
        solara.AppBarTitle("sscsim: a lever against a baseline")
    with solara.Sidebar():
        for arm in ARMS:
            ArmCard(arm, settings.value, settings.set)
        with solara.Card("Runs"):
            solara.InputText(
                "Seeds of both runs (e.g. 1, 2)",
                value=seeds_text,
                continuous_update=True,
                error=seeds_problem or False,
                message=seeds_problem or f"On Reset: seeds {', '.join(map(str, seeds or ()))}",
            )
            with solara.Row():
                busy = playing.value or running.value
                solara.Button("Reset", on_click=reset, disabled=busy or wanted is None)
                idle = not busy and current is not None and not current.finished
                solara.Button("Step", on_click=step, disabled=not idle)
                if playing.value:
                    solara.Button("Pause", on_click=lambda: playing.set(False))
                elif running.value:
                    solara.Button("Pausing", disabled=True)
                else:
                    solara.Button("Play", on_click=lambda: playing.set(True), disabled=not idle)
            if current is not None and wanted is not None and current.settings != wanted:
                solara.Info("Changed settings take effect on Reset.", dense=True)

    if problem.value:
        solara.Error(problem.value)
    if current is None or series is None:
        solara.Text("Building the runs...")
        return
    shown = current.settings
    with solara.Card():
        solara.Markdown(
            f"**{series.latest}**: quarter {series.period} of {series.n_steps};"
            f" seeds {', '.join(map(str, shown.seeds))}  \n"
            f"**baseline**: {shown.name('baseline')}; **lever**: {shown.name('lever')}"
        )
        solara.Markdown(readout_table(readout_rows(series), series.start_year))
        solara.Text(
            "Means over the seeds; lever − baseline is paired by seed; change is that"
            " difference over the baseline's magnitude. Flows are totals since the start,"
            " stocks are at the latest quarter.",
            style={"font-size": "0.8em"},
        )
    with solara.ColumnsResponsive(12, large=6):
        for chart in CHARTS:
            Chart(chart, series)
    RegionView(current, series)
