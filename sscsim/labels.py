"""What figures call things: readable names, with units, for output columns, parameters,
swept values and scenarios, so that no figure shows a code a reader must decode
(``scenario.oda_cut_depth=0.1``, ``funding_southern_funds_usd``).

- `measure(column)`: a time-series column or sweep metric as a `Measure` (its name, its unit
  and the factor that scales values to that unit: USD are drawn in millions);
- `parameter_label(path)`: a swept key (a dotted parameter path, a flat name, or ``scenario``)
  by the schema's `label` and `unit` (`sscsim.config.parameter`), else its name in words;
- `value_label(path, value)`: one swept value (a scenario's name for ``scenario=<code>``);
- `scenario_label(code)`: the name of a packaged scenario (sscsim/conf/scenario/).

A name the registries do not hold is spelt out in words (``triangular_share_of_oda`` ->
"Triangular share of ODA"), so a new column still gets a readable label; tests check that
every packaged scenario and every figure's column has a registered one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sscsim.state.modalities import MODALITIES

# Abbreviations kept in capitals when a code is spelt out in words.
ACRONYMS: frozenset[str] = frozenset(
    {"oda", "sids", "ssc", "usd", "lac", "fealac", "pgtf", "edp", "apec", "gni", "mic", "cpa"}
)


def words(code: str) -> str:
    """A code in words, first letter capitalised: ``sids_capacity_gap`` -> "SIDS capacity gap";
    the last part of a dotted path only (``scenario.decay_rate`` -> "Decay rate")."""
    parts = [p for p in re.split(r"[_\s]+", str(code).rsplit(".", 1)[-1]) if p]
    spelt = [p.upper() if p.lower() in ACRONYMS else p for p in parts]
    text = " ".join(spelt)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Measure:
    """How a figure shows one output: `name` (title case, no unit), `unit` (as drawn, after
    multiplying the values by `scale`, e.g. 1e-6 for USD drawn in millions)."""

    name: str
    unit: str
    scale: float = 1.0

    @property
    def label(self) -> str:
        """The axis label: "Triangular actions (per quarter)"."""
        return f"{self.name} ({self.unit})" if self.unit else self.name


KIND_LABELS: dict[str, str] = {
    "mic": "middle-income countries",
    "sids": "small island developing states",
    "champion": "champions",
    "other": "other Southern countries",
}
REGION_LABELS: dict[str, str] = {
    "asia_pacific": "Asia-Pacific",
    "lac": "Latin America & Caribbean",
    "africa": "Africa",
    "middle_east": "Middle East",
    "europe_central_asia": "Europe & Central Asia",
    "north_america": "North America",
}
FUNDING_LABELS: dict[str, str] = {
    "southern_funds": "Southern SSC funds",
    "northern_triangular": "northern triangular co-funding",
    "platform_funds": "platform trust funds",
    "oda_bilateral": "bilateral ODA allocated",
    "oda_non_programmable": "ODA not allocated to countries",
    "regional_funds": "PGTF and joint-fund grants",
}
MODALITY_LABELS: dict[str, str] = {m.name: m.label for m in MODALITIES}

CAPACITY = "capacity, 0-1"
MEASURES: dict[str, Measure] = {
    "mean_capacity": Measure("Mean capacity", CAPACITY),
    "sids_capacity_gap": Measure("SIDS capacity gap", "non-SIDS minus SIDS"),
    "capacity_gini": Measure("Gini coefficient of capacity", "0-1"),
    "mean_institutional_capacity": Measure("Mean agency capacity", CAPACITY),
    "actions_total": Measure("New actions", "per quarter"),
    "triangular_share": Measure("Triangular share of new actions", "share"),
    "requests": Measure("Requests", "per quarter"),
    "unfunded_requests": Measure("Requests lapsed for want of funding", "per quarter"),
    "pilots": Measure("Pilots of adopted practices", "per quarter"),
    "ties_alive": Measure("Ties alive", "ties"),
    "interregional_ties": Measure("Asia-Pacific to LAC ties alive", "ties"),
    "interregional_actions": Measure("New Asia-Pacific to LAC actions", "per quarter"),
    "interregional_tie_survival": Measure("Asia-Pacific to LAC tie survival", "share a quarter"),
    "oda_multiplier": Measure("ODA relative to the reference", "factor"),
    "oda_budget_usd": Measure("Northern ODA", "USD million per quarter", 1e-6),
    "platform_events": Measure("Platform events", "per quarter"),
    "eligible_recipients": Measure("Countries eligible for ODA", "countries"),
    # Sensitivity outputs (sscsim.sensitivity.OUTPUTS), one number per run.
    "interregional_ties_end": Measure("Asia-Pacific to LAC ties alive at the end", "ties"),
    "sids_capacity_gap_end": Measure("SIDS capacity gap at the end", "non-SIDS minus SIDS"),
    "mean_capacity_end": Measure("Mean capacity at the end", CAPACITY),
}
MEASURES |= {
    f"actions_{name}": Measure(f"New {label} actions", "per quarter")
    for name, label in MODALITY_LABELS.items()
}
MEASURES |= {
    f"mean_capacity_{kind}": Measure(f"Mean capacity of {label}", CAPACITY)
    for kind, label in (KIND_LABELS | REGION_LABELS).items()
}
MEASURES |= {
    f"funding_{source}_usd": Measure(f"Spending from {label}", "USD million per quarter", 1e-6)
    for source, label in FUNDING_LABELS.items()
}
MEASURES["funding_oda_bilateral_usd"] = Measure(
    "Bilateral ODA allocated", "USD million per quarter", 1e-6
)
MEASURES["funding_oda_non_programmable_usd"] = Measure(
    "ODA not allocated to countries", "USD million per quarter", 1e-6
)


def measure(column: str) -> Measure:
    """The `Measure` of an output column; a column not registered is spelt out in words (a
    ``_usd`` column in USD million)."""
    if column in MEASURES:
        return MEASURES[column]
    if column.endswith("_usd"):
        return Measure(words(column.removesuffix("_usd")), "USD million", 1e-6)
    return Measure(words(column), "")


# The packaged scenarios (sscsim/conf/scenario/<code>.yaml) by name; a test keeps the two alike.
SCENARIO_LABELS: dict[str, str] = {
    "baseline": "Baseline",
    "income_graduation": "Income graduation",
    "no_champions": "No champions",
    "no_interregional_platforms": "No interregional platforms",
    "oda_announced": "Announced ODA cuts",
    "oda_cut": "ODA cut",
    "oda_observed": "Observed ODA path",
    "professionalised_agencies": "Professionalised agencies",
    "sids_priority": "SIDS priority",
    "strong_fealac_fund": "Stronger FEALAC fund",
    "vulnerability_criterion": "Vulnerability criterion",
}
# Swept keys whose values are scenario codes: the config group, and the name set directly.
SCENARIO_KEYS: tuple[str, ...] = ("scenario", "scenario.scenario_name")
OTHER_KEYS: dict[str, str] = {"scenario": "Scenario", "seed": "Seed", "steps": "Steps"}


def scenario_label(code: str) -> str:
    """A scenario's name: "ODA cut" for ``oda_cut``; a scenario of one's own in words."""
    return SCENARIO_LABELS.get(str(code), words(str(code)))


def _declared(path: str) -> Any:
    """The schema's declaration (`sscsim.config.Param`) of a parameter, None if not one."""
    from sscsim.config import parameter

    try:
        return parameter(path.lstrip("+~")).param
    except KeyError:
        return None


def parameter_label(path: str, unit: bool = True) -> str:
    """A swept key as a reader knows it: the schema's `label` if it declares one, else the
    parameter's name in words; with `unit`, its unit in parentheses unless the label already
    ends with one ("ODA cut (share)", "Decay rate (share a quarter)")."""
    if path in OTHER_KEYS:
        return OTHER_KEYS[path]
    declared = _declared(path)
    if declared is None:
        return words(path)
    text = declared.label or words(path)
    if unit and declared.unit and not text.endswith(")"):
        text = f"{text} ({declared.unit})"
    return text


def value_label(path: str, value: Any) -> str:
    """One swept value as a legend shows it: a scenario's name, "on"/"off" for a switch, a
    number in its shortest form (0.1, 20), a choice in words."""
    if path in SCENARIO_KEYS:
        return scenario_label(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and "_" in value:
        return words(value)
    return str(value)


def combination_label(keys: list[str], values: tuple[Any, ...], titled: bool) -> str:
    """The legend entry of a combination of swept values: the values alone when the legend's
    title names the one key (`titled`), else "ODA cut (share) 0.3, SIDS priority 1"."""
    if titled and len(keys) == 1:
        return value_label(keys[0], values[0])
    return ", ".join(
        f"{parameter_label(k, unit=False)} {value_label(k, v)}"
        for k, v in zip(keys, values, strict=True)
    )


def seeds_text(seeds: list[int]) -> str:
    """The seeds of a figure for its caption: "seed 42", "20 seeds (1-20)", "3 seeds (1, 2,
    5)"."""
    unique = sorted({int(s) for s in seeds})
    if len(unique) == 1:
        return f"seed {unique[0]}"
    runs: list[str] = []
    start = previous = unique[0]
    for seed in [*unique[1:], None]:
        if seed is not None and seed == previous + 1:
            previous = seed
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if seed is not None:
            start = previous = seed
    shown = ", ".join(runs) if len(runs) <= 6 else ", ".join(runs[:5]) + ", ..."
    return f"{len(unique)} seeds ({shown})"
