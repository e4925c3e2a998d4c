"""The unit and meaning of every column of a run's tables (`sscsim.results.TABLES`).

Each parquet file of a run carries these in its `sscsim` metadata, so a table read years later,
or by another tool, still says what its numbers are. A column is declared once, by its exact
name or by a template whose one ``{placeholder}`` stands for a sector, a modality, a channel,
...; `tests/test_columns.py` checks that every column any run writes is declared here, so the
registry cannot fall behind the model. docs/ODD.md (section 7.11) defines the columns at length.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sscsim.state.modalities import MODALITIES
from sscsim.state.roster import KIND_NAMES, SOUTHERN_KINDS
from sscsim.state.tallies import CAPACITY_CHANNELS
from sscsim.state.ties import LAYER_NAMES
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.config import Parameter

# Units, in the words of the schema's own (sscsim.config): a step is a quarter.
PERIOD = "period"  # steps completed since the start, 0 the initial state
YEAR = "year"
QUARTER = "quarter"
COUNT = "count"
USD = "USD"
USD_A_STEP = "USD a quarter"
CAPACITY = "capacity index [0, 1]"
SHARE = "share [0, 1]"
FACTOR = "factor"
FLAG = "true/false"
LABEL = "label"  # a name from a fixed set: modality, sector, kind, region, layer, ...
TEXT = "text"
ISO3 = "ISO3 code"
IDENTIFIER = "identifier"
NO_UNIT = "—"  # a parameter declared without a unit (a seed, a name)

MODALITY_NAMES: tuple[str, ...] = tuple(m.name for m in MODALITIES)
KINDS: tuple[str, ...] = tuple(KIND_NAMES[kind] for kind in SOUTHERN_KINDS)
SOUTHERN_REGIONS: tuple[str, ...] = tuple(r for r in REGIONS if r != "north_america")
LAYERS: tuple[str, ...] = tuple(LAYER_NAMES.values())


@dataclass(frozen=True)
class Column:
    """One column, or a family of columns named by a template.

    `name` is a column name or a template such as ``capacity_{sector}``; `values` are the names
    its placeholder may take (None: any lower-case name, e.g. the configured sectors), or a
    mapping from each name to its meaning. The description may use the placeholder, and
    ``{meaning}`` for that meaning."""

    name: str
    unit: str
    description: str
    values: tuple[str, ...] | Mapping[str, str] | None = None

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """The template as a regular expression (None for a plain name)."""
        match = re.search(r"\{(\w+)\}", self.name)
        if match is None:
            return None
        choices = "|".join(map(re.escape, self.values)) if self.values else "[a-z0-9_]+"
        head, tail = self.name[: match.start()], self.name[match.end() :]
        return re.compile(f"{re.escape(head)}(?P<{match.group(1)}>{choices}){re.escape(tail)}")

    def names(self) -> tuple[str, ...] | None:
        """Every column of the family, if its placeholder's values are fixed (None: any)."""
        if self.pattern is None:
            return (self.name,)
        if not self.values:
            return None
        (key,) = self.pattern.groupindex
        return tuple(self.name.format(**{key: value}) for value in self.values)

    def describe(self, column: str) -> str | None:
        """The description of `column` if it is of this family, else None."""
        if self.pattern is None:
            return self.description if column == self.name else None
        found = self.pattern.fullmatch(column)
        if found is None:
            return None
        fields = found.groupdict()
        if isinstance(self.values, Mapping):
            (value,) = fields.values()
            fields["meaning"] = self.values[value]
        return self.description.format(**fields)


FUNDING_COLUMNS: dict[str, str] = {
    "southern_funds": "spent from Southern SSC funds: bilateral actions, providers' part of"
    " triangular actions, champion hosts' share of events, PGTF co-financing",
    "northern_triangular": "spent from northern co-funding pools on triangular actions",
    "platform_funds": "spent from platform trust funds: regional projects (grant and fee) and"
    " events",
    "oda_bilateral": "bilateral ODA allocated: the country programmable aid that reached"
    " recipients",
    "oda_non_programmable": "ODA not allocated to countries: the non-CPA rest (and any CPA"
    " without an eligible recipient)",
    "northern_triangular_pools": "ODA put into the triangular co-funding pools",
    "northern_triangular_returned": "co-funding left at the end of a year, returned to the"
    " partners",
    "northern_trust_funds": "northern contributions paid into platform trust funds",
    "southern_contributions": "Southern members' contributions paid into platform trust funds",
    "repayments": "repayments of refundable actions received into providers' funds",
    "southern_inflow": "new money into the Southern SSC funds",
    "southern_returned": "unspent Southern money above the carry-over cap, back to treasuries",
    "platform_inflows": "all money paid into platform trust funds",
    "platform_top_up": "the scenario's extra pledges to the FEALAC fund (signed)",
    "regional_funds": "grants of the PGTF and the joint funds to regional projects",
    "management_fees": "fees paid by funds to the organisations managing their projects",
    "joint_fund_contributions": "paid by governments from their SSC funds into joint funds",
    "pgtf_income": "income of the PGTF's endowment",
}

SOURCE_FLOWS: dict[str, str] = {
    "inflows": "new money over the run: budgets, contributions, investment income",
    "transfers_in": "received from other accounts over the run: joint-fund contributions,"
    " management fees",
    "spent": "spent over the run on actions, projects (grants and co-financing) and events",
    "fees": "management fees paid to organisations over the run",
    "transfers_out": "paid to other accounts over the run: contributions to joint funds",
    "returned": "returned to the treasury over the run: lapsed co-funding, SSC money above"
    " the carry-over cap",
}

_CALENDAR = (
    Column("period", PERIOD, "the step in which it happened, counting from 1"),
    Column("year", YEAR, "calendar year of that step"),
    Column("quarter", QUARTER, "quarter of that step within its year (1-4)"),
)

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "timeseries": (
        Column("period", PERIOD, "completed steps (0: the initial state)"),
        Column("time", YEAR, "fractional year at the end of the step"),
        Column("year", YEAR, "calendar year of the step"),
        Column("quarter", QUARTER, "quarter of the step within its year (0: the initial row)"),
        Column("mean_capacity", CAPACITY, "mean capacity over Southern countries and sectors"),
        Column(
            "mean_capacity_{kind}",
            CAPACITY,
            "mean capacity of the {kind} countries (current kind; NaN if none)",
            KINDS,
        ),
        Column(
            "mean_capacity_{region}",
            CAPACITY,
            "mean capacity of the Southern countries of {region}",
            SOUTHERN_REGIONS,
        ),
        Column("capacity_gini", SHARE, "Gini coefficient of the countries' mean capacities"),
        Column("sids_capacity_gap", CAPACITY, "mean capacity of non-SIDS minus that of SIDS"),
        Column(
            "mean_institutional_capacity",
            CAPACITY,
            "mean capacity of the national cooperation agencies",
        ),
        Column(
            "capacity_gain_{channel}",
            CAPACITY,
            "change of mean capacity in the step"
            " through the {channel} channel (the channels add up to the step's change)",
            CAPACITY_CHANNELS,
        ),
        Column("requests", COUNT, "requests for cooperation stated in the step"),
        Column(
            "unfunded_requests",
            COUNT,
            "requests that lapsed for want of funding, a provider at hand",
        ),
        Column("unmatched_requests", COUNT, "requests that found no eligible provider"),
        Column(
            "actions_{modality}",
            COUNT,
            "new {modality} actions started in the step",
            MODALITY_NAMES,
        ),
        Column("actions_total", COUNT, "new actions started in the step, all modalities"),
        Column(
            "triangular_share",
            SHARE,
            "triangular over all new actions of the step (NaN without actions)",
        ),
        Column("pilots", COUNT, "(country, sector) pilots of practices adopted in the step"),
        Column("ties_alive", COUNT, "ties alive after the step's decay, all layers"),
        Column("ties_{layer}", COUNT, "{layer} ties alive after the step's decay", LAYERS),
        Column(
            "interregional_ties",
            COUNT,
            "alive bilateral, triangular and platform ties between Asia-Pacific and LAC countries",
        ),
        Column(
            "interregional_actions", COUNT, "new actions between an Asia-Pacific and a LAC country"
        ),
        Column(
            "tie_survival",
            SHARE,
            "share of the ties alive before the step's decay that"
            " survived it (a diagnostic of the tie layer)",
        ),
        Column(
            "interregional_tie_survival",
            SHARE,
            "the same for Asia-Pacific to LAC ties (NaN if none)",
        ),
        Column("oda_multiplier", FACTOR, "the step's DAC ODA over the reference ODA"),
        Column("oda_budget_usd", USD_A_STEP, "northern ODA of the step (0 in the initial row)"),
        Column(
            "donors_at_target",
            COUNT,
            "northern partners whose ODA is at least 0.7 % of GNI on their path",
        ),
        Column("funding_{source}_usd", USD_A_STEP, "{meaning}", FUNDING_COLUMNS),
        Column("platform_events", COUNT, "platform events held in the step"),
        Column("regional_projects", COUNT, "regional projects started in the step (all funds)"),
        Column("pgtf_projects", COUNT, "projects the Perez-Guerrero Trust Fund approved"),
        Column("platforms_active", COUNT, "active platforms after the step"),
        Column(
            "platform_active_members",
            COUNT,
            "Southern members active in a platform's"
            " events or projects within the activity window, summed over platforms",
        ),
        Column("platform_fund_balance_usd", USD, "balance of all platform trust funds"),
        Column(
            "fealac_fund_balance_usd", USD, "balance of the FEALAC trust fund (NaN without FEALAC)"
        ),
        Column("eligible_recipients", COUNT, "countries eligible for ODA"),
    ),
    "agents": (
        Column("period", PERIOD, "completed steps (0: the initial state)"),
        Column("iso3", ISO3, "the Southern country"),
        Column("kind", LABEL, "its current kind: mic, sids, champion or other"),
        Column("region", LABEL, "its region"),
        Column("income_group", LABEL, "its income group: L, LM, UM or H (World Bank thresholds)"),
        Column("mean_capacity", CAPACITY, "its mean capacity over sectors"),
        Column("capacity_{sector}", CAPACITY, "its capacity in the sector {sector}"),
        Column("institutional_capacity", CAPACITY, "capacity of its cooperation agency"),
        Column("ssc_budget_usd", USD, "balance of its SSC fund"),
        Column("oda_received_usd", USD_A_STEP, "bilateral ODA it received in the step"),
        Column("eligible", FLAG, "eligible for ODA"),
        Column("degree", COUNT, "its alive ties, all layers"),
        Column("time", YEAR, "fractional year at the end of the step"),
    ),
    "actions": (
        Column("action", IDENTIFIER, "the action's id (its row; joins action_participants)"),
        *_CALENDAR,
        Column(
            "provider",
            ISO3,
            "the Southern country that shares its capacity (the lead of a regional project)",
        ),
        Column(
            "recipient", ISO3, "the Southern country that learns (empty for a regional project)"
        ),
        Column("funder", ISO3, "the northern co-funder of a triangular action (else empty)"),
        Column(
            "platform",
            LABEL,
            "the funding platform, or the first shared active platform"
            " that channels the action (else empty)",
        ),
        Column("fund", LABEL, "the directory's code of the fund of a regional project"),
        Column("organisation", LABEL, "the organisation managing a regional project"),
        Column("modality", LABEL, "bilateral, triangular or platform (regional project)"),
        Column("sector", LABEL, "the sector it addresses"),
        Column("cost_usd", USD, "its cost"),
        Column("duration_quarters", "quarters", "how long it runs"),
        Column("channel", LABEL, "regional_organisation or direct"),
        Column("refundable", FLAG, "refundable cooperation (repaid to the provider)"),
        Column("interregional", FLAG, "between an Asia-Pacific and a LAC country"),
    ),
    "action_participants": (
        Column("action", IDENTIFIER, "the regional project (joins actions)"),
        Column("country", ISO3, "a participating country"),
        Column("role", LABEL, "lead or participant"),
    ),
    "events": (
        *_CALENDAR,
        Column("platform", LABEL, "the platform holding the event"),
        Column("host", ISO3, "the hosting country"),
        Column("coordinator", ISO3, "the platform's coordinator"),
        Column("participants", COUNT, "participating countries"),
        Column("interregional_pairs", COUNT, "Asia-Pacific to LAC pairs among participants"),
        Column("sector", LABEL, "the event's theme"),
        Column("cost_usd", USD, "its cost: fund part plus host share"),
    ),
    "ties": (
        Column("period", PERIOD, "the step of the snapshot"),
        Column("layer", LABEL, "bilateral, triangular, platform or oda"),
        Column("source", ISO3, "one end (the provider or donor of a directed layer)"),
        Column("target", ISO3, "the other end"),
        Column("strength", "tie strength", "the tie's strength after the step's decay"),
        Column(
            "born", PERIOD, "the step in which the tie formed (0: initial tie of a synthetic world)"
        ),
        Column("last_action", PERIOD, "the step of its last joint action"),
        Column("actions", COUNT, "joint actions of the current spell"),
    ),
    "sources": (
        Column(
            "source",
            IDENTIFIER,
            "the source's code: SSC:<iso3>, TRC:<iso3>, FUND:<code>, a fund's code or ORG:<name>",
        ),
        Column(
            "kind",
            LABEL,
            "southern_ssc_fund, northern_triangular_line,"
            " platform_trust_fund, pgtf, joint_fund or organisation",
        ),
        Column("name", TEXT, "its name"),
        Column("manager", TEXT, "who manages it"),
        Column("who_may_apply", TEXT, "its eligibility rule, in words"),
        Column("max_grant_usd", USD, "largest grant per project (NaN: no cap)"),
        Column("min_cofinancing_ratio", FACTOR, "co-financing required per unit of grant"),
        Column("calls_per_year", "calls a year", "calls for projects (NaN: pays as requests come)"),
        Column("min_countries", COUNT, "fewest countries per project"),
        Column("endowment_usd", USD, "endowment whose income it spends"),
        Column("balance_start_usd", USD, "balance at the start of the run"),
        Column("{flow}_usd", USD, "{meaning}", SOURCE_FLOWS),
        Column("balance_end_usd", USD, "balance at the end of the run"),
        Column("projects_funded", COUNT, "projects it funded over the run"),
    ),
    "partnerships": (
        Column("country_a", ISO3, "one partner (country_a < country_b)"),
        Column("country_b", ISO3, "the other partner"),
        Column("region_a", LABEL, "country_a's region"),
        Column("region_b", LABEL, "country_b's region"),
        Column("interregional", FLAG, "one partner in Asia-Pacific, the other in LAC"),
        Column("first_year", YEAR, "first year with an action of the pair in execution"),
        Column("last_year", YEAR, "last such year"),
        Column("active_years", "years", "years with an action of the pair in execution"),
        Column("spells", COUNT, "runs of consecutive active years"),
        Column("active_at_end", FLAG, "active in the run's last year"),
        Column("actions", COUNT, "actions of the pair"),
        Column("actions_{modality}", COUNT, "{modality} actions of the pair", MODALITY_NAMES),
    ),
}

# Columns that a run of a sweep puts before its tables' own (`sscsim.results.SweepRun`), then
# one column per swept parameter.
LEADING_COLUMNS: tuple[Column, ...] = (
    Column("sweep", LABEL, "the sweep: the name of its folder when the run was written"),
    Column("run", LABEL, "the run's folder relative to the sweep folder"),
)


@functools.cache
def describe(table: str, column: str) -> tuple[str, str]:
    """(unit, description) of a column of one of the run's tables; KeyError if undeclared."""
    declared = TABLE_COLUMNS.get(table)
    if declared is None:
        raise KeyError(f"{table!r} is not a run table (known: {', '.join(TABLE_COLUMNS)})")
    for entry in (*LEADING_COLUMNS, *declared):
        description = entry.describe(column)
        if description is not None:
            return entry.unit, description
    raise KeyError(
        f"column {column!r} of table {table!r} has no unit and description in"
        " sscsim/columns.py: declare it there"
    )


def declared_parameter(key: str) -> Parameter | None:
    """The schema's declaration of a parameter by dotted path or flat name (None: not a
    parameter, e.g. a config group such as `scenario`)."""
    from sscsim.config import flat_parameter_paths, parameters

    path = flat_parameter_paths().get(key, key).split(".")
    for leaf in parameters():  # `platforms.specs.*.x` stands for every platform's `x`
        declared = leaf.path.split(".")
        if len(declared) == len(path) and all(
            d in ("*", p) for d, p in zip(declared, path, strict=True)
        ):
            return leaf
    return None


@functools.cache
def parameter_column(key: str) -> tuple[str, str]:
    """(unit, description) of the column of a swept parameter (a dotted config path, or a
    config group such as `scenario`), from its declaration in the schema."""
    leaf = declared_parameter(key)
    if leaf is None:
        return LABEL, f"the choice of the config group {key!r}"
    return leaf.param.unit or NO_UNIT, f"swept parameter {key}: {leaf.param.doc}"


def declared_type(key: str) -> type | None:
    """The Python type of a parameter's values (`int | None` gives int; a choice, str)."""
    leaf = declared_parameter(key)
    if leaf is None:
        return str
    hint = leaf.hint
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        hint = next((a for a in typing.get_args(hint) if a is not type(None)), str)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return str
    return hint if isinstance(hint, type) else None
