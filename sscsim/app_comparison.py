"""The app's lever comparison, without any user interface: the scenario presets, the levers'
controls, and a baseline and a lever run side by side on the same seeds.

A comparison has two arms. The *baseline* is a scenario preset (`sscsim/conf/scenario/`, e.g.
``baseline`` or ``oda_cut``) with, optionally, an ODA cut of its own; the *lever* is that same
baseline with the lever's changes on top: another preset's fields and any lever set by hand. Both
arms run on the same seeds, so a difference is paired: lever minus baseline on each seed, then
averaged over the seeds. Everything here is plain Python over `SSCModel`, so the app's
arithmetic is tested without a browser (tests/test_app.py).

A real-world quarter takes about 15 ms a model, so a comparison of two arms on `MAX_SEEDS` seeds
steps in well under a quarter of a second.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sscsim.config import parameter, slider_bounds
from sscsim.model import SSCModel
from sscsim.world import WorldTables, load_world

ARMS: tuple[str, ...] = ("baseline", "lever")
MAX_SEEDS = 5  # 2 arms x 5 seeds x ~15 ms: a step of the comparison stays below 0.2 s


# --- scenario presets --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A scenario preset of `sscsim/conf/scenario/`: its option name (the file's stem, as in
    ``scenario=oda_cut``), what its leading comment says it is, and the flat parameters it sets
    (``scenario_name`` aside: each arm is labelled by the app)."""

    name: str
    description: str
    values: Mapping[str, Any]


def _description(text: str) -> str:
    """The leading comment of a preset file, as one sentence-run (example commands left out)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("#   "):  # an example command, indented under the prose
            continue
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


@functools.cache
def presets() -> dict[str, Preset]:
    """Every packaged scenario preset by name, read once from `sscsim.conf`'s scenario folder.

    Raises ValueError naming the file if a preset is not a mapping of parameters."""
    found: dict[str, Preset] = {}
    folder = files("sscsim.conf") / "scenario"
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        text = entry.read_text(encoding="utf-8")
        values = yaml.safe_load(text) or {}
        if not isinstance(values, dict):
            raise ValueError(
                f"sscsim/conf/scenario/{entry.name}: a preset must be a mapping of parameters,"
                f" found {type(values).__name__}"
            )
        values.pop("scenario_name", None)
        name = entry.name.removesuffix(".yaml")
        found[name] = Preset(name, _description(text), values)
    return found


def preset(name: str) -> Preset:
    """A packaged preset by name; KeyError listing the known ones otherwise."""
    known = presets()
    if name not in known:
        raise KeyError(f"scenario preset {name!r} is not packaged (known: {', '.join(known)})")
    return known[name]


# --- levers: controls for flat scenario parameters --------------------------------------------


@dataclass(frozen=True)
class Lever:
    """A control for one flat parameter, everything from its declaration in the schema: a
    checkbox for a boolean, else a slider over `sscsim.config.slider_bounds` in steps of `step`
    (in the parameter's unit)."""

    name: str
    label: str
    unit: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None

    @property
    def is_switch(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def is_whole(self) -> bool:
        return isinstance(self.default, int) and not self.is_switch

    @property
    def slider(self) -> tuple[float, float, float]:
        """A slider's (low, high, step); ValueError for a checkbox."""
        if self.low is None or self.high is None or self.step is None:
            raise ValueError(f"{self.name}: a checkbox, not a slider")
        return self.low, self.high, self.step

    @property
    def decimals(self) -> int:
        """Decimals a value is shown with: those of the step (0.05 -> 2, 0.5 -> 1, 1 -> 0)."""
        if self.step is None or self.is_whole:
            return 0
        return max(0, -int(Decimal(str(self.step)).as_tuple().exponent))

    def value_of(self, value: Any) -> Any:
        """A control's raw value as the parameter's type, on the step's grid (a browser slider
        reports 0.15000000000000002 for 0.15)."""
        if self.is_switch:
            return bool(value)
        if self.is_whole:
            return round(float(value))
        return round(float(value), self.decimals)

    def show(self, value: Any) -> str:
        """A value as the page shows it: on/off, a whole number, or the step's decimals."""
        if self.is_switch:
            return "on" if value else "off"
        if self.is_whole:
            return str(int(value))
        return f"{float(value):.{self.decimals}f}"


def lever(name: str, step: float | None = None) -> Lever:
    """The control of a flat parameter: a checkbox for a boolean, else a slider (give `step`)."""
    declared = parameter(name)
    label = declared.param.label or name
    if isinstance(declared.default, bool):
        return Lever(name, label, declared.param.unit, declared.default)
    if step is None:
        raise ValueError(f"{name}: a slider needs a step (the parameter is not a boolean)")
    low, high = slider_bounds(name)
    return Lever(name, label, declared.param.unit, declared.default, low, high, step)


LEVERS: dict[str, Lever] = {
    item.name: item
    for item in (
        lever("oda_cut_depth", 0.05),
        lever("oda_cut_start_year", 1),
        lever("champions_enabled"),
        lever("interregional_platforms_enabled"),
        lever("fealac_fund_multiplier", 0.25),
        lever("sids_priority", 0.25),
        lever("professionalisation_rate", 0.05),
    )
}
BASELINE_LEVERS: tuple[str, ...] = ("oda_cut_depth", "oda_cut_start_year")  # an ODA cut of its own
ARM_LEVERS: dict[str, tuple[str, ...]] = {"baseline": BASELINE_LEVERS, "lever": tuple(LEVERS)}


# --- what the two arms run ---------------------------------------------------------------------


def parse_seeds(text: str) -> tuple[int, ...]:
    """Seeds typed as ``1, 2, 3`` (commas or spaces): distinct whole numbers >= 0, at most
    `MAX_SEEDS` of them. Raises ValueError naming the bad entry."""
    entries = text.replace(",", " ").split()
    if not entries:
        raise ValueError("seeds: none given (type e.g. 1, 2)")
    seeds: list[int] = []
    for entry in entries:
        if not entry.isdigit():
            raise ValueError(f"seeds: {entry!r} is not a whole number >= 0")
        if int(entry) in seeds:
            raise ValueError(f"seeds: {entry} is given twice")
        seeds.append(int(entry))
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"seeds: {len(seeds)} given, at most {MAX_SEEDS} (to keep steps fast)")
    return tuple(seeds)


@dataclass(frozen=True)
class Settings:
    """What a comparison runs: the baseline preset and its own ODA cut, the lever preset and the
    levers set by hand, and the seeds both arms share.

    `baseline_changes` and `lever_changes` map flat parameter names to values; a lever preset
    of ``baseline`` (which sets nothing) leaves the lever to the hand-set levers alone.
    """

    baseline_preset: str = "oda_cut"
    lever_preset: str = "sids_priority"
    baseline_changes: Mapping[str, Any] = field(default_factory=dict)
    lever_changes: Mapping[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (1, 2)

    def parameters(self, arm: str) -> dict[str, Any]:
        """The flat parameters of an arm's models (seed aside): the baseline preset, then the
        baseline's changes; for the lever, then the lever preset's fields and the hand-set
        levers."""
        chosen = {**preset(self.baseline_preset).values, **self.baseline_changes}
        if arm == "lever":
            chosen |= {**preset(self.lever_preset).values, **self.lever_changes}
        elif arm != "baseline":
            raise ValueError(f"arm {arm!r}: not one of {', '.join(ARMS)}")
        return chosen | {"scenario_name": self.name(arm)}

    def value(self, arm: str, name: str) -> Any:
        """A flat parameter's value in an arm: set by a preset or a change, else the default."""
        chosen = self.parameters(arm)
        return chosen[name] if name in chosen else parameter(name).default

    def name(self, arm: str) -> str:
        """An arm's label: the baseline preset (``+ ODA cut`` if it has one of its own); for
        the lever, that with the lever preset (unless ``baseline``) and ``+ levers`` when
        levers were set by hand, e.g. ``oda_cut + sids_priority + levers``."""
        baseline = self.baseline_preset + (" + ODA cut" if self.baseline_changes else "")
        if arm == "baseline":
            return baseline
        parts = [baseline]
        if self.lever_preset != "baseline":
            parts.append(self.lever_preset)
        if self.lever_changes:
            parts.append("levers")
        return " + ".join(parts)

    def preset(self, arm: str) -> str:
        """The preset an arm chose (the lever's is applied on top of the baseline's)."""
        return self.baseline_preset if arm == "baseline" else self.lever_preset

    def with_preset(self, arm: str, name: str) -> Settings:
        """A new preset for an arm; that arm's hand-set levers go back to what the presets say
        (the baseline's own ODA cut, or the lever's changes)."""
        preset(name)
        if arm == "baseline":
            return dataclasses.replace(self, baseline_preset=name, baseline_changes={})
        return dataclasses.replace(self, lever_preset=name, lever_changes={})

    def with_change(self, arm: str, name: str, value: Any) -> Settings:
        """One lever set by hand in an arm (the baseline has only `BASELINE_LEVERS`)."""
        if name not in ARM_LEVERS.get(arm, ()):
            raise KeyError(f"{name!r} is not a lever of the {arm} in the app")
        value = LEVERS[name].value_of(value)
        if arm == "baseline":
            return dataclasses.replace(
                self, baseline_changes={**self.baseline_changes, name: value}
            )
        return dataclasses.replace(self, lever_changes={**self.lever_changes, name: value})


@functools.cache
def packaged_world() -> WorldTables:
    """The packaged world tables, loaded once per server: models only read them."""
    return load_world()


# --- the comparison ----------------------------------------------------------------------------


class Comparison:
    """The baseline's and the lever's models on the same seeds, stepped together a quarter at a
    time. Stepping is locked, so a play loop and a button cannot step the models at once.

    Raises `ConfigError` (every bad value listed) when a setting is invalid, before any step.
    """

    def __init__(self, settings: Settings, world: WorldTables | None = None):
        world = packaged_world() if world is None else world
        self.settings = settings
        self.models: dict[str, list[SSCModel]] = {
            arm: [
                SSCModel(rng=seed, world=world, **settings.parameters(arm))
                for seed in settings.seeds
            ]
            for arm in ARMS
        }
        self._lock = threading.Lock()

    @property
    def first(self) -> SSCModel:
        return self.models["baseline"][0]

    @property
    def period(self) -> int:
        """Quarters completed (every model has completed as many)."""
        return self.first.period

    @property
    def n_steps(self) -> int:
        return self.first.n_steps

    @property
    def steps_per_year(self) -> int:
        return self.first.state.clock.steps_per_year

    @property
    def finished(self) -> bool:
        return self.period >= self.n_steps

    def step(self) -> bool:
        """One quarter in every model; False (and nothing done) once the horizon is reached."""
        with self._lock:
            if self.finished:
                return False
            for models in self.models.values():
                for model in models:
                    model.step()
            return True

    def series(self) -> ComparisonSeries:
        """The time series of every model so far (a snapshot: later steps do not change it)."""
        with self._lock:
            frames = {
                arm: [model.datacollector.get_model_vars_dataframe() for model in models]
                for arm, models in self.models.items()
            }
        clock = self.first.state.clock
        return ComparisonSeries(
            self.settings, frames, clock.start_year, self.steps_per_year, self.n_steps
        )


def period_label(year: int, quarter: int) -> str:
    """A row's date as the page shows it: ``2025 Q3``, or ``start of 2025`` before any step."""
    return f"start of {year}" if quarter == 0 else f"{year} Q{quarter}"


@dataclass(frozen=True, eq=False)
class ComparisonSeries:
    """The models' time series (`reporters.model_reporters` columns), one frame per arm and
    seed, all of the same rows: the initial state, then one row a completed quarter. Compared
    by identity: one snapshot is one state of the runs (the app redraws on a new one)."""

    settings: Settings
    frames: Mapping[str, list[pd.DataFrame]]
    start_year: int
    steps_per_year: int
    n_steps: int

    @property
    def time(self) -> np.ndarray:
        """Fractional year at the end of each row's quarter, shape (rows,)."""
        return self.frames["baseline"][0]["time"].to_numpy(dtype=np.float64)

    @property
    def period(self) -> int:
        return len(self.time) - 1

    @property
    def end_time(self) -> float:
        """The horizon's end, in fractional years (2041.0 for 2025-2040 in quarters)."""
        return self.start_year + self.n_steps / self.steps_per_year

    @property
    def latest(self) -> str:
        """The date of the last row, e.g. ``2026 Q2``."""
        last = self.frames["baseline"][0].iloc[-1]
        return period_label(int(last["year"]), int(last["quarter"]))

    def levels(self, arm: str, column: str) -> np.ndarray:
        """A column in every seed of an arm, shape (seeds, rows), float64."""
        return np.vstack([frame[column].to_numpy(dtype=np.float64) for frame in self.frames[arm]])

    def difference(self, column: str) -> np.ndarray:
        """Lever minus baseline, seed by seed: shape (seeds, rows)."""
        return self.levels("lever", column) - self.levels("baseline", column)


# --- the headline figures of the page ------------------------------------------------------


@dataclass(frozen=True)
class Readout:
    """A headline figure: a column at the latest quarter (a stock, e.g. ties) or its total since
    the start (a flow, e.g. actions a quarter), divided by `scale` to `unit`."""

    label: str
    column: str
    unit: str
    to_date: bool = False
    scale: float = 1.0
    decimals: int = 0

    def title(self, start_year: int) -> str:
        """The label as the page shows it: a flow's says since when it is summed."""
        return f"{self.label} since {start_year}" if self.to_date else self.label


READOUTS: tuple[Readout, ...] = (
    Readout("Mean capacity, Southern countries", "mean_capacity", "index 0-1", decimals=4),
    Readout("SIDS capacity gap", "sids_capacity_gap", "index points", decimals=4),
    Readout("Asia-Pacific to LAC ties", "interregional_ties", "ties", decimals=1),
    Readout("Actions", "actions_total", "actions", to_date=True, decimals=1),
    Readout("Triangular actions", "actions_triangular", "actions", to_date=True, decimals=1),
    Readout(
        "Northern triangular co-funding",
        "funding_northern_triangular_usd",
        "USD million",
        to_date=True,
        scale=1e6,
        decimals=2,
    ),
    Readout(
        "Southern SSC funds spent",
        "funding_southern_funds_usd",
        "USD million",
        to_date=True,
        scale=1e6,
        decimals=2,
    ),
    Readout("FEALAC fund balance", "fealac_fund_balance_usd", "USD million", scale=1e6, decimals=2),
)


@dataclass(frozen=True)
class ReadoutRow:
    """A headline figure in both arms (means over seeds) and their paired difference; `percent`
    is the difference over the baseline's magnitude, None where the baseline is 0."""

    readout: Readout
    baseline: float
    lever: float
    difference: float
    percent: float | None


def readout_rows(series: ComparisonSeries) -> list[ReadoutRow]:
    """Every headline figure at the latest quarter, means over seeds."""
    rows = []
    for readout in READOUTS:
        values = {}
        for arm in ARMS:
            levels = series.levels(arm, readout.column) / readout.scale
            values[arm] = levels.sum(axis=1) if readout.to_date else levels[:, -1]
        baseline = float(values["baseline"].mean())
        difference = float((values["lever"] - values["baseline"]).mean())
        percent = None if baseline == 0 else 100 * difference / abs(baseline)
        rows.append(
            ReadoutRow(readout, baseline, float(values["lever"].mean()), difference, percent)
        )
    return rows
