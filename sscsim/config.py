"""Typed configuration of a run: one schema for Python, notebooks, Mesa tooling and Hydra.

Every parameter of the model is a field of one of the dataclasses below, declared once with
`param()`: its default, its unit, its valid range (and, where the valid range is unbounded, the
range worth exploring) and its meaning, kept in the field's metadata. Everything else is derived
from that declaration:

- `SSCConfig.validate()` walks the schema once, checks every value's type and range, then the
  rules that join several fields (`_RULES`) and, given a world, the codes that must name its
  economies and platforms (`world_problems`); it raises one `ConfigError` listing every bad value
  by dotted path, e.g. ``funding.refundable_share = 1.5: must be in [0, 1]``. A wrong type in one
  field never hides a problem in another.
- `parameter_table_markdown()` is the parameter table of docs/ODD.md
  (``python -m sscsim.config --write-odd docs/ODD.md`` rewrites it; ``--check-odd`` tests it).
- `slider_bounds()` gives the app's slider ranges.

Hydra registers these dataclasses as the schema of `sscsim/conf/` (see `sscsim.cli`); nothing here
imports Hydra, Mesa or the model.

Flat keyword parameters: `SSCModel(rng=3, oda_cut_depth=0.5)` sets `scenario.oda_cut_depth`.
Every leaf name below is unique across sections so that Mesa's `batch_run` can sweep them.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.world import WorldTables

DEFAULT_SECTORS: tuple[str, ...] = (
    "agriculture_food_security",
    "health",
    "msme_green_transition",
    "digital_trade_innovation",
    "disaster_risk_climate",
    "value_chains_critical_minerals",
    "social_policy_inequality",
    "public_institutions",
)

# Indonesia (launched the Emerging Development Partners network, 2024), Colombia (APC-Colombia
# hosted its second meeting, 2025), Thailand (TICA: partnership agreements across LAC, co-founder of
# the Asia-Pacific Directors-General Forum) and Turkiye (TIKA co-chaired the first EDP meeting).
DEFAULT_CHAMPIONS: tuple[str, ...] = ("IDN", "COL", "THA", "TUR")

# Partnership agreements named in the documents: TICA (Thailand) with Argentina, Brazil, Chile,
# Cuba, Mexico and Peru, and a development cooperation programme with Colombia; the ESCAP-APC
# Colombia-MINCIT programme joins Colombia with Asia-Pacific partners (Malaysia and the
# Philippines took part in its study tours); the Chile-Mexico Joint Cooperation Fund (AGCID: over
# 150 initiatives in 15 years). Each starts as an alive bilateral tie (docs/ODD.md section 5).
DEFAULT_PARTNERSHIPS: tuple[str, ...] = (
    "CHL:MEX",
    "THA:ARG",
    "THA:BRA",
    "THA:CHL",
    "THA:CUB",
    "THA:MEX",
    "THA:PER",
    "THA:COL",
    "COL:MYS",
    "COL:PHL",
)


class ConfigError(ValueError):
    """One or more configuration values are invalid; the message lists each by dotted path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "invalid configuration:\n" + "\n".join(f"  - {problem}" for problem in problems)
        )


# Choice fields are Enums whose member names equal their values: OmegaConf matches YAML and
# command-line values by member name, so `eligibility: vulnerability` works everywhere.
class Eligibility(Enum):
    """Who may receive North-South ODA (step 8)."""

    income = "income"  # strict income-per-capita graduation: high-income economies graduate
    vulnerability = "vulnerability"  # high-income economies stay eligible if vulnerable


class South(Enum):
    """Which economies are Southern countries (sscsim/data/SOURCES.md lists both sets)."""

    # The Group of 77 and China plus self-identified Southern providers outside it (Mexico,
    # Turkiye): sovereign developing economies, column `southern` of the countries table.
    g77 = "g77"
    # The wide South of earlier versions: every economy neither a DAC member, an EU member nor
    # high-income in Europe, Central Asia or North America (territories, Hong Kong, Macao,
    # Taiwan, Israel included), column `southern_non_dac`.
    non_dac = "non_dac"


class OdaPath(Enum):
    """Where each northern partner's ODA path comes from (step 1)."""

    uniform = "uniform"  # one multiplier for every member: oda_path_* and oda_cut_*
    announced = "announced"  # member-specific announced cuts (sscsim/data/oda_announced.csv)


class OdaProjection(Enum):
    """The end of the OECD's projected 2025 fall of DAC ODA (-9 % to -17 %) that the announced
    path applies to members without an announcement of their own."""

    low = "low"  # -9 %
    midpoint = "midpoint"  # -13 %
    high = "high"  # -17 %


class FigureFormat(Enum):
    """File format of the figures a command-line run and its sweep draw."""

    png = "png"  # raster, for quick looks
    svg = "svg"  # vector, for the web and for editing
    pdf = "pdf"  # vector, for papers


class PlatformKind(Enum):
    """Geographic reach of a platform; `interregional` ones join Asia-Pacific and LAC."""

    regional = "regional"
    interregional = "interregional"


# --- the declaration of a parameter ----------------------------------------------------------


@dataclass(frozen=True)
class TextForm:
    """The form a text value must have: a regular expression and how to say it to a user."""

    pattern: str
    description: str

    def matches(self, text: str) -> bool:
        return re.fullmatch(self.pattern, text) is not None


ISO3 = TextForm(r"[A-Z]{3}", "an ISO3 code (three capital letters)")
ISO3_PAIR = TextForm(r"[A-Z]{3}:[A-Z]{3}", "two ISO3 codes as 'AAA:BBB'")
# The Southern regions of sscsim.world.REGIONS (a test keeps the two alike).
SOUTHERN_REGION_NAMES: tuple[str, ...] = (
    "asia_pacific", "lac", "africa", "middle_east", "europe_central_asia",
)  # fmt: skip
ISO3_REGION = TextForm(
    rf"[A-Z]{{3}}:({'|'.join(SOUTHERN_REGION_NAMES)})",
    "an ISO3 code and a Southern region as 'AAA:region'",
)


@dataclass(frozen=True)
class Param:
    """What the schema knows of a field beyond its type and default (kept in its metadata).

    For a list the range and the text form apply to each element. `explore` is the range worth
    exploring (sliders, sweeps) where it differs from the valid range, e.g. a multiplier valid
    from 0 up, explored over [0, 5].
    """

    unit: str
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    explore: tuple[float, float] | None = None
    label: str | None = None
    form: TextForm | None = None
    source: str = "assumption"

    def range_text(self) -> str:
        """The valid range as written in messages and tables, e.g. ``[0, 1]`` or ``>= 0``."""
        low, high = self.low, self.high
        if low is not None and high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{left}{_number(low)}, {_number(high)}{right}"
        if low is not None:
            return f"{'>' if self.low_open else '>='} {_number(low)}"
        if high is not None:
            return f"{'<' if self.high_open else '<='} {_number(high)}"
        return ""

    def contains(self, value: float) -> bool:
        """Whether a (finite, well-typed) number lies in the valid range."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)


PARAM_KEY = "sscsim"  # the key of a field's `Param` in its dataclass metadata


def param(
    default: Any = dataclasses.MISSING,
    *,
    unit: str,
    doc: str,
    factory: Callable[[], Any] | None = None,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    explore: tuple[float, float] | None = None,
    label: str | None = None,
    form: TextForm | None = None,
    source: str = "assumption",
) -> Any:
    """A schema field: its default, unit, valid range and meaning, declared once beside it.

    A list default is copied for each new config (a `default_factory`); `factory` builds any
    other mutable default. `source` is where the default comes from ("assumption", "scenario",
    "calibrated (section 8)", a document), "" for settings that are not model assumptions.
    """
    metadata = {
        PARAM_KEY: Param(unit, doc, low, high, low_open, high_open, explore, label, form, source)
    }
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    if isinstance(default, list):
        return field(default_factory=functools.partial(list, default), metadata=metadata)
    return field(default=default, metadata=metadata)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- the schema ------------------------------------------------------------------------------


@dataclass
class PlatformSpec:
    """A platform's rules; its members come from the world's membership table."""

    name: str = param("", unit="", doc="long name, for figures", source="")
    kind: PlatformKind = param(
        PlatformKind.regional,
        unit="",
        doc="regional, or interregional (joins Asia-Pacific and LAC; switched off by"
        " `scenario.interregional_platforms_enabled`)",
        source="documents (table 2.3)",
    )
    events_per_year: float = param(
        1.0,
        unit="events a year",
        low=0,
        doc="scheduled events (forums, study tours, workshops), spread over the year; at most"
        " `steps_per_year`",
    )
    event_cost_usd: float = param(
        150_000.0,
        unit="USD",
        low=0,
        doc="cost of one event, paid from the fund (and a share by a champion host)",
    )
    participants_per_event: int = param(
        12, unit="countries", low=2, doc="members invited to an event (fewer if fewer are active)"
    )
    themes: list[str] = param(
        [],
        unit="sectors",
        doc="sectors its events and projects address (of `world.sectors`); empty: all sectors",
    )
    northern_fund_weight: float = param(
        0.0,
        unit="weight",
        low=0,
        doc="weight of this fund in northern trust-fund contributions (0: none)",
    )
    member_fund_weight: float = param(
        1.0, unit="weight", low=0, doc="weight of this fund in its members' Southern contributions"
    )
    coordinator_term_years: float = param(
        2.0,
        unit="years",
        low=0,
        low_open=True,
        doc="years a coordinator serves before rotation (troika: previous, current, incoming)",
        source="APEC's yearly chair documented; others assumption",
    )
    champion_initiated: bool = param(
        False,
        unit="",
        doc="the platform exists only while champions do (the EDP network)",
        source="documents (table 2.3)",
    )
    project_calls_per_year: int = param(
        1,
        unit="calls a year",
        low=0,
        doc="calls for regional projects its trust fund runs a year (0: none; section 7.5b); at"
        " most one a step",
    )
    projects_per_call: int = param(
        24,
        unit="projects",
        low=0,
        doc="most regional projects one call approves (fewer if the fund cannot pay)",
        source="calibrated (section 8)",
    )
    project_regions: list[str] = param(
        [],
        unit="regions",
        doc="regions (of the world table) that every project of this fund must include, lead or"
        " participant (FEALAC: asia_pacific and lac)",
        source="documents (FEALAC-wide projects)",
    )
    project_managers: list[str] = param(
        [],
        unit="organisations",
        doc="organisations that manage its projects, in turn; empty: UNDP, or FAO in"
        " `funds.fao_sectors`",
        source="documents (FEALAC fund: ECLAC and ESCAP since 2018)",
    )


def default_platforms() -> dict[str, PlatformSpec]:
    """Platforms of MODEL.md with their documented rules (see docs/ODD.md, Initialisation)."""
    interregional = PlatformKind.interregional
    return {
        "FEALAC": PlatformSpec(
            name="Forum for East Asia-Latin America Cooperation",
            kind=interregional,
            events_per_year=2.0,
            event_cost_usd=250_000.0,
            participants_per_event=16,
            themes=[
                "value_chains_critical_minerals",
                "social_policy_inequality",
                "msme_green_transition",
                "digital_trade_innovation",
            ],
            northern_fund_weight=2.0,
            member_fund_weight=2.0,
            coordinator_term_years=2.0,
            project_regions=["asia_pacific", "lac"],
            project_managers=["ECLAC", "ESCAP"],
        ),
        "APEC": PlatformSpec(
            name="Asia-Pacific Economic Cooperation",
            kind=interregional,
            events_per_year=4.0,
            event_cost_usd=200_000.0,
            participants_per_event=12,
            themes=["digital_trade_innovation", "msme_green_transition"],
            northern_fund_weight=0.5,
            coordinator_term_years=1.0,
            project_managers=["APEC Secretariat"],
        ),
        "EDP": PlatformSpec(
            name="Emerging Development Partners network",
            kind=interregional,
            events_per_year=1.0,
            event_cost_usd=150_000.0,
            participants_per_event=9,
            themes=["public_institutions"],
            member_fund_weight=2.0,
            coordinator_term_years=1.0,
            champion_initiated=True,
            project_calls_per_year=0,  # a network of providers: no project fund
        ),
        "ESCAP": PlatformSpec(
            name="ESCAP Asia-Pacific Directors-General Forum on SSC and TrC",
            events_per_year=1.0,
            event_cost_usd=200_000.0,
            participants_per_event=20,
            northern_fund_weight=1.5,
            coordinator_term_years=1.0,
            project_managers=["ESCAP"],
        ),
        "ECLAC": PlatformSpec(
            name="ECLAC Regional Conference on South-South Cooperation",
            events_per_year=0.5,
            event_cost_usd=200_000.0,
            participants_per_event=20,
            northern_fund_weight=1.5,
            coordinator_term_years=2.0,
            project_managers=["ECLAC"],
        ),
        "CELAC": PlatformSpec(name="Community of Latin American and Caribbean States"),
        "CARICOM": PlatformSpec(
            name="Caribbean Community",
            events_per_year=2.0,
            event_cost_usd=80_000.0,
            themes=["disaster_risk_climate", "health", "agriculture_food_security"],
            northern_fund_weight=0.5,
        ),
        "ASEAN": PlatformSpec(name="Association of Southeast Asian Nations", events_per_year=2.0),
        "PIF": PlatformSpec(
            name="Pacific Islands Forum",
            events_per_year=1.0,
            event_cost_usd=80_000.0,
            themes=["disaster_risk_climate", "agriculture_food_security", "health"],
            northern_fund_weight=0.5,
        ),
        "SAARC": PlatformSpec(name="South Asian Association for Regional Cooperation"),
    }


@dataclass
class WorldConfig:
    """Which world to simulate: the tables, the sectors and the champions."""

    name: str = param("real", unit="", doc="label of the world", source="")
    countries_path: str | None = param(
        None,
        unit="path",
        doc="a countries table of the packaged schema; null: the packaged"
        " sscsim/data/countries.csv",
        source="",
    )
    memberships_path: str | None = param(
        None,
        unit="path",
        doc="a memberships table of the packaged schema; null: the packaged"
        " sscsim/data/memberships.csv",
        source="",
    )
    south: South = param(
        South.g77,
        unit="",
        doc="who is Southern: g77, the Group of 77 and China plus Mexico and Turkiye (column"
        " `southern`); non_dac, the wide South of earlier versions, every economy neither DAC,"
        " EU nor high-income European or North American (column `southern_non_dac`)",
        source="G77 member list (g77.org); sscsim/data/SOURCES.md",
    )
    champions: list[str] = param(
        list(DEFAULT_CHAMPIONS),
        unit="ISO3 codes",
        form=ISO3,
        doc="champion countries (Southern economies of the world table)",
        source="documents (section 5)",
    )
    sectors: list[str] = param(
        list(DEFAULT_SECTORS),
        unit="sectors",
        doc="the sectors of capacity and cooperation (section 2.6); at least one, each once",
        source="documents (section 2.6)",
    )
    edp_members: list[str] | None = param(
        None,
        unit="ISO3 codes",
        form=ISO3,
        doc="members of the EDP network (economies of the world table); null: the EDP rows of"
        " the membership table",
        source="membership table",
    )
    provider_priorities: list[str] = param(
        ["THA:asia_pacific", "COL:lac", "COL:asia_pacific"],
        unit="ISO3:region",
        form=ISO3_REGION,
        doc="regions a Southern provider gives priority to, 'AAA:region': TICA (Thailand) gave"
        " about 90 % of its ODA 2006-2014 to Cambodia, Laos, Myanmar and Viet Nam; APC-Colombia"
        " shares strategies with Mesoamerica and, with ESCAP, with Asia-Pacific partners",
        source="cooperation_facts.md; seeds",
    )
    partnerships: list[str] = param(
        list(DEFAULT_PARTNERSHIPS),
        unit="ISO3 pairs",
        form=ISO3_PAIR,
        doc="standing partnership agreements 'AAA:BBB' between two different Southern economies:"
        " a floor of trust in partner choice and an alive bilateral tie at the start (not"
        " applied to the actors of a synthetic world)",
        source="documents (section 5)",
    )
    partnership_trust: float = param(
        0.5, unit="tie strength", low=0, high=1, doc="the trust floor an agreement gives"
    )
    synthetic_actors: int | None = param(
        None,
        unit="actors",
        low=2,
        doc="a synthetic world (sscsim.synthetic) of this many actors instead of the tables'"
        " economies; null: the tables' economies",
        source="",
    )
    synthetic_seed: int = param(
        0,
        unit="",
        low=0,
        doc="the synthetic world's own seed: one world, many model seeds",
        source="",
    )
    initial_ties_per_actor: float = param(
        0.0,
        unit="ties per actor",
        low=0,
        doc="random ties at the start (10 in sscsim/conf/world/synthetic.yaml)",
    )


@dataclass
class ScenarioConfig:
    """What a scenario changes. Every field acts through a model mechanism (docs/ODD.md)."""

    scenario_name: str = param(
        "baseline", unit="", doc="label of the scenario, in run folders and figures", source=""
    )
    oda_path_years: list[int] = param(
        [],
        unit="years",
        doc="years from whose 1 January `oda_path_multipliers` apply, strictly increasing"
        " (empty: a multiplier of 1 throughout)",
        source="scenario",
    )
    oda_path_multipliers: list[float] = param(
        [],
        unit="factor",
        low=0,
        doc="piecewise-constant ODA path relative to the reference year's ODA/GNI ratios, one"
        " per entry of `oda_path_years`",
        source="scenario",
    )
    oda_path: OdaPath = param(
        OdaPath.uniform,
        unit="",
        doc="uniform: every member's ODA follows `oda_path_*` and `oda_cut_*`; announced: each"
        " member's own announced path (sscsim/data/oda_announced.csv), times that same uniform"
        " multiplier",
        source="scenario",
    )
    oda_projection: OdaProjection = param(
        OdaProjection.midpoint,
        unit="",
        doc="announced path only: the end of the OECD's projected 2025 fall (low -9 %, midpoint"
        " -13 %, high -17 %) held for members without an announcement of their own",
        source="OECD (2025), Cuts in official development assistance",
    )
    oda_cut_depth: float = param(
        0.0,
        unit="share of ODA",
        low=0,
        high=1,
        explore=(0.0, 0.9),
        label="ODA cut (share)",
        doc="extra cut: share of ODA removed",
        source="scenario",
    )
    oda_cut_start_year: int = param(
        2026,
        unit="year",
        low=0,
        explore=(2025, 2040),
        label="ODA cut from",
        doc="first year of the extra cut",
        source="scenario",
    )
    oda_cut_ramp_years: float = param(
        0.0,
        unit="years",
        low=0,
        doc="years over which the cut phases in linearly (0: at once)",
        source="scenario",
    )
    champions_enabled: bool = param(
        True,
        unit="",
        label="Champion countries",
        doc="false: champions act as ordinary Southern countries, and there is no EDP network",
        source="scenario",
    )
    interregional_platforms_enabled: bool = param(
        True,
        unit="",
        label="Interregional platforms",
        doc="false: FEALAC, APEC and EDP never act",
        source="scenario",
    )
    fealac_fund_multiplier: float = param(
        1.0,
        unit="factor",
        low=0,
        explore=(0.0, 5.0),
        label="FEALAC fund x",
        doc="scales every inflow to the FEALAC trust fund",
        source="scenario",
    )
    sids_priority: float = param(
        0.0,
        unit="factor",
        low=0,
        explore=(0.0, 2.0),
        label="SIDS priority",
        doc="extra weight of SIDS in ODA allocation, partner scores and event seats (0: none;"
        " 1: double)",
        source="scenario",
    )
    eligibility: Eligibility = param(
        Eligibility.income,
        unit="",
        doc="who may receive bilateral ODA: strict income graduation, or high-income economies"
        " kept eligible if vulnerable (section 7.10)",
        source="scenario",
    )
    professionalisation_rate: float = param(
        0.0,
        unit="share a year",
        low=0,
        high=1,
        explore=(0.0, 0.5),
        label="Agency professionalisation a year",
        doc="extra yearly growth of agencies' institutional capacity",
        source="scenario",
    )


@dataclass
class FundingParams:
    """Budgets and costs (step 1 and the funding side of step 3). Money in current USD."""

    ssc_budget_per_initiative_usd: float = param(
        12_000.0,
        unit="USD a year per initiative",
        low=0,
        doc="a Southern SSC fund's yearly inflow per initiative a year the country takes part in"
        " (its engagement, section 7.1), for an upper-middle-income country; grows with GDP",
        source="calibrated (section 8)",
    )
    budget_factor_low_income: float = param(
        0.25,
        unit="factor",
        low=0,
        high=1,
        doc="share of that inflow a low-income country puts into its fund (upper-middle and"
        " high income: 1): poorer countries take part in cooperation mostly as recipients",
    )
    budget_factor_lower_middle_income: float = param(
        0.5, unit="factor", low=0, high=1, doc="the same for a lower-middle-income country"
    )
    champion_budget_multiplier: float = param(
        2.0,
        unit="factor",
        low=0,
        doc="engagement of champions outside SEGIB's record relative to the GDP prediction: at"
        " the level of SEGIB's leaders",
    )
    budget_carryover_years: float = param(
        1.0,
        unit="years of inflow",
        low=0,
        low_open=True,
        doc="unspent SSC funds are kept up to this many years' inflow; money above it returns to"
        " the treasury (a reported flow)",
    )
    cpa_share_of_oda: float = param(
        0.45,
        unit="share of ODA",
        low=0,
        high=1,
        doc="country programmable aid: the share of each member's ODA allocated to recipient"
        " countries (the rest, non-CPA: in-donor refugee costs, humanitarian aid, debt relief,"
        " administration, core multilateral contributions); with `trust_fund_share_of_oda` at"
        " most 1",
        source="assumption from OECD CPA statistics (about half of gross bilateral ODA)",
    )
    triangular_budget_scale: float = param(
        0.29,
        unit="factor",
        low=0,
        doc="share of each member's triangular budget line (sscsim/data/donors.csv) that reaches"
        " the co-funding pools of the actions modelled",
        source="calibrated (section 8)",
    )
    triangular_floor_share_of_oda: float = param(
        1e-5,
        unit="share of ODA",
        low=0,
        high=1,
        doc="triangular budget line of a member without a documented one, as a share of its"
        " reference ODA (before `triangular_budget_scale`)",
    )
    trust_fund_share_of_oda: float = param(
        6e-5,
        unit="share of ODA",
        low=0,
        high=1,
        doc="northern contributions to platform trust funds",
        source="calibrated (section 8)",
    )
    member_contribution_share: float = param(
        0.016,
        unit="share of inflow",
        low=0,
        high=1,
        doc="share of Southern SSC inflows paid into platform funds",
        source="calibrated (section 8)",
    )
    triangular_cofunding_share: float = param(
        0.7, unit="share", low=0, high=1, doc="the funder's part of a triangular action's cost"
    )
    refundable_share: float = param(
        0.1,
        unit="probability",
        low=0,
        high=1,
        doc="share of bilateral actions to non-low-income recipients that are refundable"
        " (repaid to the provider's fund)",
    )
    repayment_years: float = param(
        2.0,
        unit="years",
        low=0,
        low_open=True,
        doc="a refundable action is repaid in equal parts over this time",
    )
    action_cost_usd: float = param(
        10_000.0,
        unit="USD a quarter",
        low=0,
        low_open=True,
        doc="cost of one quarter of a bilateral action within a region: technical cooperation of"
        " SEGIB's kind (expert missions, training, exchanges), not capital projects",
    )
    cost_per_1000_km: float = param(
        0.053,
        unit="factor per 1,000 km",
        low=0,
        doc="extra cost of an action per 1,000 km between the capitals of its countries (travel,"
        " coordination); 0.053 makes the mean over Asia-Pacific-LAC Southern pairs 1.8, the"
        " former flat interregional multiplier",
    )
    max_cost_factor: float = param(
        2.0,
        unit="factor",
        low=1,
        doc="cap on the distance cost factor (reached beyond about 18,900 km at the default rate)",
    )
    interregional_cost_multiplier: float = param(
        1.8,
        unit="factor",
        low=1,
        doc="fallback cost factor across regions (1 within) for a pair or project with a capital"
        " of unknown coordinates, or in a world without a geography table",
    )
    multilateral_cost_discount: float = param(
        0.2,
        unit="share",
        low=0,
        high=1,
        doc="saving when an action runs through a shared platform's organisation",
    )
    champion_interregional_discount: float = param(
        0.3,
        unit="share",
        low=0,
        high=1,
        doc="cut of the extra cost of distance (or of the interregional fallback) when a"
        " champion is at either end",
    )
    gdp_growth_rate: float = param(
        0.03, unit="share a year", low=0, doc="nominal GDP growth of every Southern economy"
    )
    income_threshold_growth: float = param(
        0.02,
        unit="share a year",
        low=0,
        high=1,
        doc="yearly rise of the World Bank income thresholds (adjusted for inflation with the"
        " SDR deflator): graduation needs real growth, not nominal growth alone",
        source="assumption (approximate inflation)",
    )
    oda_capacity_effect: float = param(
        0.05,
        unit="capacity per unit of ODA/GDP",
        low=0,
        doc="capacity gain a quarter per unit of quarterly ODA/GDP received (counted up to"
        " `oda_capacity_share_cap`)",
    )
    oda_capacity_share_cap: float = param(
        0.2,
        unit="share of quarterly GDP",
        low=0,
        high=1,
        doc="ODA received counts toward capacity up to this share of quarterly GDP",
    )
    vulnerability_weight_sids: float = param(
        0.4,
        unit="weight",
        low=0,
        high=1,
        doc="weight of SIDS status (structural exposure) in the vulnerability index; the three"
        " weights sum to 1",
    )
    vulnerability_weight_ldc: float = param(
        0.3,
        unit="weight",
        low=0,
        high=1,
        doc="weight of LDC status (structural handicap) in the vulnerability index",
    )
    vulnerability_weight_capacity: float = param(
        0.3,
        unit="weight",
        low=0,
        high=1,
        doc="weight of the capacity gap (1 - mean capacity) in the vulnerability index",
    )


@dataclass
class MatchingParams:
    """Offers, requests and partner choice (steps 2 and 3)."""

    request_sectors: int = param(
        2, unit="sectors", low=1, doc="a country requests in this many of its weakest sectors"
    )
    offer_sectors: int = param(
        3, unit="sectors", low=1, doc="a country offers in this many of its strongest sectors"
    )
    champion_extra_offer_sectors: int = param(
        1,
        unit="sectors",
        low=0,
        doc="champions offer in this many more sectors (they share know-how more widely)",
    )
    request_intensity: float = param(
        3.0,
        unit="requests a year per initiative",
        low=0,
        doc="requests a country states a year per initiative a year it takes part in (its"
        " engagement), at full agency capacity, spread over its weakest sectors",
        source="calibrated (section 8)",
    )
    max_running_per_sector: int = param(
        6,
        unit="actions",
        low=1,
        doc="a country requests in a sector only while fewer actions than this serve it there",
    )
    request_agency_floor: float = param(
        0.5,
        unit="share",
        low=0,
        high=1,
        doc="requests scale with floor + (1 - floor) x agency capacity: a stronger agency"
        " formulates more of its needs",
    )
    offer_quantile: float = param(
        0.5,
        unit="quantile",
        low=0,
        high=1,
        doc="offers only where capacity is above this quantile of Southern capacity in the sector",
    )
    min_capacity_gap: float = param(
        0.05, unit="capacity", low=0, high=1, doc="a provider must exceed the recipient by this"
    )
    weight_complementarity: float = param(
        4.0, unit="score per capacity", low=0, doc="partner choice: weight of the capacity gap"
    )
    weight_similarity: float = param(
        1.0,
        unit="score",
        low=0,
        doc="weight of similarity of context (region, income, SIDS, land border, language)",
    )
    weight_priority: float = param(
        1.0,
        unit="score",
        low=0,
        doc="partner choice: a provider's own priority for the recipient's region"
        " (`world.provider_priorities`)",
    )
    similarity_weight_contiguity: float = param(
        1.0,
        unit="relative weight",
        low=0,
        doc="weight of a shared land border within similarity of context (same region,"
        " income group and SIDS status: 1 each); 0 without a geography table",
    )
    similarity_weight_language: float = param(
        1.0,
        unit="relative weight",
        low=0,
        doc="weight of a shared language within similarity of context (same region, income"
        " group and SIDS status: 1 each); 0 without a geography table",
    )
    weight_trust: float = param(2.0, unit="score", low=0, doc="weight of trust (past ties)")
    weight_comembership: float = param(
        1.0, unit="score", low=0, doc="weight of shared platforms (saturates at 2)"
    )
    weight_cost: float = param(
        1.5, unit="score", low=0, doc="weight of the relative extra cost of the action"
    )
    choice_temperature: float = param(
        0.5,
        unit="score",
        low=0,
        low_open=True,
        doc="softmax temperature of partner choice (lower: greedier)",
    )
    triangular_appeal: float = param(
        2.0,
        unit="relative weight",
        low=0,
        low_open=True,
        doc="appeal of northern co-funding (bilateral = 1)",
    )
    slots_per_initiative: float = param(
        0.5,
        unit="actions a quarter per initiative a year",
        low=0,
        low_open=True,
        doc="new actions a provider's agency can start a quarter per initiative a year of"
        " engagement, at full agency capacity (at least one)",
    )
    min_duration_quarters: int = param(
        2, unit="quarters", low=1, doc="shortest duration of an action"
    )
    max_duration_quarters: int = param(
        6, unit="quarters", low=1, doc="longest duration of an action; >= the shortest"
    )
    candidate_sample: int = param(
        200,
        unit="providers",
        low=1,
        doc="providers scored for a request: all if no more offer the sector, else a uniform"
        " sample with replacement",
        source="assumption (scale)",
    )
    funder_sample: int = param(
        64,
        unit="partners",
        low=1,
        doc="northern partners considered for co-funding: all if no more, else a uniform sample"
        " with replacement",
        source="assumption (scale)",
    )
    provider_attempts: int = param(
        3,
        unit="providers",
        low=1,
        doc="providers tried before a request lapses for want of funding",
    )
    funder_weight_comembership: float = param(
        1.0,
        unit="factor",
        low=0,
        doc="funder choice: weight x (1 + this) if the northern partner shares a platform with"
        " the recipient (1: double, the former rule)",
    )
    funder_weight_region: float = param(
        3.0,
        unit="factor per unit of regional share",
        low=0,
        doc="funder choice: weight x (1 + this x the partner's share of its triangular work in"
        " the recipient's region)",
    )
    funder_weight_pivot: float = param(
        2.0,
        unit="factor",
        low=0,
        doc="funder choice: weight x (1 + this) if the provider is one of the partner's"
        " preferred pivots",
    )
    funder_weight_familiarity: float = param(
        2.0,
        unit="factor per unit of tie strength",
        low=0,
        doc="funder choice: weight x (1 + this x strength of the partner's ODA tie to the"
        " recipient)",
    )
    funder_pool_exponent: float = param(
        1.0,
        unit="exponent",
        low=0,
        doc="funder choice: weight proportional to (co-funding pool left) ** this",
    )


@dataclass
class DiffusionParams:
    """Knowledge diffusion and adoption (step 5)."""

    learning_rate: float = param(
        0.04,
        unit="share of gap a quarter",
        low=0,
        high=1,
        doc="learning along an action at tie strength 1",
    )
    event_learning_rate: float = param(
        0.03,
        unit="share of gap a quarter",
        low=0,
        high=1,
        doc="one-to-many learning at a platform event",
    )
    skill_use_rate: float = param(
        0.96,
        unit="share",
        low=0,
        high=1,
        doc="trained policymakers using new skills",
        source="ESCAP-APC Colombia-MINCIT programme",
    )
    absorptive_floor: float = param(
        0.3,
        unit="share",
        low=0,
        high=1,
        doc="absorptive capacity with no institutional capacity",
    )
    triangular_knowhow_bonus: float = param(
        0.5,
        unit="factor",
        low=0,
        doc="extra learning of a triangular action over a bilateral one: the northern partner's"
        " experts and training material (JICA's third-country experts and trainings)",
    )
    agency_efficiency_floor: float = param(
        0.5,
        unit="share",
        low=0,
        high=1,
        doc="an action's efficiency = floor + (1 - floor) x the provider's agency capacity",
    )
    tie_learning_rate: float = param(
        0.002,
        unit="share of gap a quarter",
        low=0,
        high=1,
        doc="peer learning along every alive Southern tie at strength 1, in each sector of its"
        " joint actions, each direction",
    )
    adoption_probability: float = param(
        0.08,
        unit="probability a quarter",
        low=0,
        high=1,
        doc="chance that a learner pilots a practice it saw, at full absorption",
    )
    adoption_gap: float = param(
        0.1,
        unit="capacity",
        low=0,
        high=1,
        doc="a pilot needs a teacher at least this far ahead after learning",
    )
    adoption_share: float = param(
        0.25, unit="share", low=0, high=1, doc="share of the remaining gap a pilot closes"
    )


@dataclass
class DomesticParams:
    """Domestic dynamics (step 6)."""

    capacity_depreciation: float = param(
        0.03,
        unit="share a quarter",
        low=0,
        high=1,
        doc="share of the excess of capacity over potential lost",
    )
    own_investment: float = param(
        0.02,
        unit="share a quarter",
        low=0,
        high=1,
        doc="share of the shortfall below potential closed",
    )
    # 0 by default: the documents have professionalisation raise "the efficiency and impact of
    # SSC" (SELA 2011, proposal 1), i.e. act through cooperation (absorption, delivery
    # efficiency, requests, slots); a direct effect on sector potential has no source and made
    # professionalisation raise capacity with all cooperation switched off.
    agency_potential_effect: float = param(
        0.0,
        unit="capacity per unit",
        low=0,
        high=1,
        doc="potential gained per unit of agency capacity gained (a direct effect, off by"
        " default: the agency acts through cooperation)",
        source="SELA 2011 (professionalisation raises the efficiency of SSC); off by default",
    )
    institutional_learning: float = param(
        0.01,
        unit="share of gap per action",
        low=0,
        high=1,
        doc="agency capacity gained per action a quarter",
    )
    institutional_learning_max_actions: int = param(
        4,
        unit="actions a quarter",
        low=1,
        doc="agency learning counts at most this many actions a quarter",
    )
    institutional_decay: float = param(
        0.002,
        unit="share a quarter",
        low=0,
        high=1,
        doc="agency capacity lost in a quarter without action",
    )
    vulnerability_threshold: float = param(
        0.5,
        unit="index",
        low=0,
        high=1,
        doc="the vulnerability criterion keeps a high-income economy eligible from this index",
    )


@dataclass
class TieParams:
    """Tie strength dynamics (step 7)."""

    reinforcement: float = param(
        0.3,
        unit="share of distance to 1",
        low=0,
        low_open=True,
        high=1,
        doc="strength gained per joint action, toward 1; must exceed `dissolve_threshold`",
    )
    running_action_reinforcement_share: float = param(
        0.25,
        unit="share of reinforcement",
        low=0,
        high=1,
        doc="a running action reinforces its tie each quarter by this share of `reinforcement`",
    )
    decay_rate: float = param(
        0.04,
        unit="share a quarter",
        low=0,
        high=1,
        doc="share of strength lost in a quarter without joint action",
    )
    dissolve_threshold: float = param(
        0.1,
        unit="tie strength",
        low=0,
        high=1,
        high_open=True,
        doc="a tie weaker than this dissolves",
    )
    interregional_event_bonus: float = param(
        0.5,
        unit="factor",
        low=0,
        doc="extra reinforcement of Asia-Pacific-LAC ties at events",
    )
    oda_ties_per_donor: int = param(
        30,
        unit="draws",
        low=0,
        doc="draws of a donor's yearly portfolio of principal recipients (at most this many ODA"
        " ties)",
    )


@dataclass
class PlatformParams:
    """Platform rules (step 4, step 7): which platforms exist and how health is judged."""

    specs: dict[str, PlatformSpec] = param(
        unit="platforms",
        factory=default_platforms,
        doc="the platforms by code (table 2.3; fields `platforms.specs.*` below): 1 to 62, each"
        " with rows in the world's membership table",
        source="table 2.3",
    )
    dormancy_quarters: int = param(
        8,
        unit="quarters",
        low=1,
        doc="without an event this long and without funds for one: dormant",
    )
    min_active_members: int = param(
        3, unit="countries", low=1, doc="involved members a platform needs to stay active"
    )
    champion_host_share: float = param(
        0.4, unit="share", low=0, high=1, doc="share of an event's cost paid by a champion host"
    )
    activity_window_quarters: int = param(
        4, unit="quarters", low=1, doc="a member is involved if it took part this recently"
    )


@dataclass
class FundParams:
    """Funds that finance regional projects of three or more countries (section 7.5b): the
    platforms' trust funds (rules in `platforms.specs`), the Perez-Guerrero Trust Fund and the
    bilateral joint funds; the organisations that manage their projects. Money in current USD."""

    min_participants: int = param(
        3,
        unit="countries",
        low=3,
        doc="fewest participants of a regional project besides its lead (SEGIB's regional"
        " modality: three or more countries)",
        source="SEGIB (regional modality)",
    )
    max_participants: int = param(
        6, unit="countries", low=3, doc="most participants of a regional project besides its lead"
    )
    participant_cost_share: float = param(
        0.25,
        unit="share",
        low=0,
        doc="a platform or joint fund project costs action_cost_usd x duration x (1 +"
        " participant_cost_share x (participants - 1)), times the interregional multiplier"
        " when it spans regions",
    )
    management_fee_share: float = param(
        0.07,
        unit="share of the grant",
        low=0,
        high=1,
        doc="fee an international organisation charges the fund for managing a project, on top"
        " of the grant (the UN's standard programme support cost)",
        source="assumption (UN programme support cost, 7 %)",
    )
    fao_sectors: list[str] = param(
        ["agriculture_food_security"],
        unit="sectors",
        doc="sectors whose projects FAO manages for funds without their own managers (UNDP"
        " manages the others; names not in `world.sectors` are ignored)",
    )
    pgtf_enabled: bool = param(
        True, unit="", doc="the Perez-Guerrero Trust Fund (G-77, managed by UNOSSC) runs calls"
    )
    pgtf_endowment_usd: float = param(
        7e6,
        unit="USD",
        low=0,
        doc="the PGTF's endowment: kept whole; its income funds the calls",
        source="southsouth-galaxy.org (PGTF page)",
    )
    pgtf_return_rate: float = param(
        0.03,
        unit="share a year",
        low=0,
        high=1,
        doc="yearly income of the endowment, credited each quarter",
        source="assumption (a conservative portfolio's yield)",
    )
    pgtf_max_grant_usd: float = param(
        35_000.0,
        unit="USD",
        low=0,
        low_open=True,
        doc="most the PGTF pays a project (every project requests it)",
        source="southsouth-galaxy.org (PGTF rules)",
    )
    pgtf_cofinancing_ratio: float = param(
        1.0,
        unit="factor of the grant",
        low=1,
        doc="co-financing a project brings, as a multiple of its grant (the rule: at least"
        " equal), spent from the participants' SSC funds or else a northern partner's pool",
        source="southsouth-galaxy.org (PGTF rules)",
    )
    pgtf_call_quarter: int = param(
        2,
        unit="quarter",
        low=1,
        doc="the quarter of the year in which the PGTF's one call approves its projects (beyond"
        " `steps_per_year`: the year's last step)",
        source="PGTF rules (one call a year); quarter assumption",
    )
    pgtf_duration_quarters: int = param(4, unit="quarters", low=1, doc="duration of a PGTF project")
    joint_funds: list[str] = param(
        ["CHL:MEX"],
        unit="ISO3 pairs",
        form=ISO3_PAIR,
        doc="bilateral joint cooperation funds 'AAA:BBB' of two Southern governments (skipped"
        " if either is not in the world)",
        source="AGCID (Chile-Mexico Joint Cooperation Fund)",
    )
    joint_fund_contribution_usd: float = param(
        1e6,
        unit="USD a year",
        low=0,
        doc="what each government pays into a joint fund a year, from its SSC fund (arrears"
        " paid when it can)",
        source="assumption (Chile-Mexico Strategic Association Agreement, 2006: 1 M USD each)",
    )
    joint_fund_call_quarter: int = param(
        3,
        unit="quarter",
        low=1,
        doc="the quarter of the year in which a joint fund's one call approves its projects"
        " (beyond `steps_per_year`: the year's last step)",
    )
    joint_fund_projects_per_call: int = param(
        8, unit="projects", low=0, doc="most projects one call of a joint fund approves"
    )


@dataclass
class OutputConfig:
    """What a CLI run writes (plain Python runs write nothing unless asked)."""

    figures: bool = param(True, unit="", doc="draw the figures of a command-line run", source="")
    figure_format: FigureFormat = param(
        FigureFormat.png,
        unit="",
        doc="file format of a command-line run's figures and of its sweep's comparison figures"
        " (`python -m sscsim.analyze --format` draws a sweep's in another)",
        source="",
    )
    tie_snapshot_every: int = param(
        4,
        unit="quarters",
        low=1,
        doc="quarters between tie snapshots (and the last step)",
        source="",
    )
    panel_every: int = param(
        1,
        unit="quarters",
        low=1,
        doc="quarters between rows of the agent panel (and period 0 and the last step)",
        source="",
    )
    record_actions: bool = param(
        True,
        unit="",
        doc="keep the log of every action (large in synthetic worlds)",
        source="",
    )
    progress: bool = param(True, unit="", doc="a progress bar, on a terminal only", source="")


@dataclass
class SSCConfig:
    """The whole configuration of a run."""

    seed: int = param(42, unit="", low=0, doc="seed of the run (`rng=` in Python)", source="")
    start_year: int = param(2025, unit="year", doc="first year of the run", source="")
    end_year: int = param(
        2040, unit="year", doc="last year of the run, inclusive; >= `start_year`", source=""
    )
    steps_per_year: int = param(
        4, unit="steps", low=1, doc="steps a year: a step is a quarter", source=""
    )
    steps: int | None = param(
        None,
        unit="steps",
        low=0,
        doc="steps to run; null: every step from `start_year` to `end_year`",
        source="",
    )
    world: WorldConfig = field(default_factory=WorldConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    funding: FundingParams = field(default_factory=FundingParams)
    matching: MatchingParams = field(default_factory=MatchingParams)
    diffusion: DiffusionParams = field(default_factory=DiffusionParams)
    domestic: DomesticParams = field(default_factory=DomesticParams)
    ties: TieParams = field(default_factory=TieParams)
    platforms: PlatformParams = field(default_factory=PlatformParams)
    funds: FundParams = field(default_factory=FundParams)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def n_steps(self) -> int:
        """Steps to run: `steps` if set, else every step from start_year to end_year."""
        if self.steps is not None:
            return self.steps
        return (self.end_year - self.start_year + 1) * self.steps_per_year

    def validate(self, world: WorldTables | None = None) -> SSCConfig:
        """Raise `ConfigError` naming every invalid value; return self when all are valid.

        With `world`, also check the codes that must name its economies and platforms
        (`world_problems`).
        """
        problems = config_problems(self, world)
        if problems:
            raise ConfigError(problems)
        return self


# --- flat parameters -----------------------------------------------------------------------

SECTIONS: tuple[str, ...] = (
    "world",
    "scenario",
    "funding",
    "matching",
    "diffusion",
    "domestic",
    "ties",
    "platforms",
    "funds",
    "output",
)


def flat_parameter_paths() -> dict[str, str]:
    """Map each flat parameter name to its dotted path, e.g. `oda_cut_depth` to
    `scenario.oda_cut_depth`."""
    paths: dict[str, str] = {}
    for top in dataclasses.fields(SSCConfig):
        if top.name in SECTIONS:
            section_type = type(getattr(SSCConfig(), top.name))
            for leaf in dataclasses.fields(section_type):
                if leaf.name in paths:
                    raise RuntimeError(f"parameter name {leaf.name!r} is not unique")
                paths[leaf.name] = f"{top.name}.{leaf.name}"
        else:
            paths[top.name] = top.name
    return paths


def config_from_parameters(config: SSCConfig | None = None, **parameters: Any) -> SSCConfig:
    """Return a copy of `config` (default: all defaults) with flat or dotted parameters applied.

    Raises `ConfigError` for an unknown parameter name; values are checked by `validate()`.
    """
    config = copy.deepcopy(config) if config is not None else SSCConfig()
    paths = flat_parameter_paths()
    unknown: list[str] = []
    for name, value in parameters.items():
        path = paths.get(name, name if "." in name else None)
        if path is None:
            unknown.append(f"{name}: unknown parameter (known: see sscsim.config)")
            continue
        *parents, leaf = path.split(".")
        target: Any = config
        try:
            for parent in parents:
                target = getattr(target, parent)
            if not hasattr(target, leaf):
                raise AttributeError(leaf)
        except AttributeError:
            unknown.append(f"{name}: unknown parameter")
            continue
        current = getattr(target, leaf)
        if isinstance(current, Enum) and not isinstance(value, Enum):
            value = _enum_value(type(current), value, name, unknown)
            if value is None:
                continue
        setattr(target, leaf, value)
    if unknown:
        raise ConfigError(unknown)
    return config


def _enum_value(enum_type: type[Enum], value: Any, name: str, problems: list[str]) -> Any:
    for member in enum_type:
        if str(value).lower() in (member.value, member.name):
            return member
    choices = ", ".join(member.value for member in enum_type)
    problems.append(f"{name} = {value!r}: not one of {choices}")
    return None


# --- the schema as data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One leaf of the schema: its dotted path (``platforms.specs.*.x`` for a platform's
    fields), its type annotation, its default and its declaration."""

    path: str
    hint: Any
    default: Any
    param: Param


def _default(item: dataclasses.Field) -> Any:
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return item.default


def _optional(hint: Any) -> tuple[Any, bool]:
    """The annotation without `| None`, and whether None is allowed."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = typing.get_args(hint)
        if type(None) in args:
            return next(arg for arg in args if arg is not type(None)), True
    return hint, False


def _section_of(hint: Any) -> type | None:
    """The dataclass a field holds (a section), or that a mapping maps to (platform specs)."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    if typing.get_origin(hint) is dict and dataclasses.is_dataclass(typing.get_args(hint)[1]):
        return typing.get_args(hint)[1]
    return None


def _leaves(schema: type, prefix: str = "") -> Iterator[Parameter]:
    hints = typing.get_type_hints(schema)
    for item in dataclasses.fields(schema):
        path = f"{prefix}{item.name}"
        declared = item.metadata.get(PARAM_KEY)
        if declared is not None:
            yield Parameter(path, hints[item.name], _default(item), declared)
        section = _section_of(hints[item.name])
        if section is not None:
            star = ".*" if typing.get_origin(hints[item.name]) is dict else ""
            yield from _leaves(section, f"{path}{star}.")


@functools.cache
def parameters() -> tuple[Parameter, ...]:
    """Every declared leaf of the schema, in the order of the dataclasses."""
    return tuple(_leaves(SSCConfig))


def parameter(name: str) -> Parameter:
    """The declaration of a parameter by flat name (`oda_cut_depth`) or dotted path."""
    path = flat_parameter_paths().get(name, name)
    for leaf in parameters():
        if leaf.path == path:
            return leaf
    raise KeyError(f"{name!r} is not a parameter of sscsim.config")


def slider_bounds(name: str) -> tuple[float, float]:
    """The (low, high) range of a slider for a parameter: its explore range if declared, else
    its valid range. Raises ValueError if the range is unbounded on either side."""
    declared = parameter(name).param
    if declared.explore is not None:
        return declared.explore
    if declared.low is None or declared.high is None:
        raise ValueError(
            f"{name}: valid range {declared.range_text()!r} is unbounded and no"
            " explore range is declared"
        )
    return declared.low, declared.high


# --- validation: one walk over the schema, then the rules that join fields ---------------------


def _show(value: Any) -> str:
    """A value as a message shows it (numpy scalars as the Python numbers they hold)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _type_problem(value: Any, hint: Any) -> str | None:
    """What is wrong with the type of a scalar value, if anything (before its range)."""
    if hint is bool:
        return None if isinstance(value, bool | np.bool_) else "must be true or false"
    if isinstance(hint, type) and issubclass(hint, Enum):
        choices = ", ".join(member.value for member in hint)
        return None if isinstance(value, hint) else f"must be one of {choices}"
    if hint is str:
        return None if isinstance(value, str) else "must be text"
    if isinstance(value, bool | np.bool_):
        return "must be a whole number" if hint is int else "must be a number"
    if hint is int:
        return None if isinstance(value, int | np.integer) else "must be a whole number"
    if hint is float:
        if not isinstance(value, int | float | np.integer | np.floating):
            return "must be a number"
        return None if math.isfinite(value) else "must be finite"
    return None


def _value_problem(value: Any, hint: Any, declared: Param | None) -> str | None:
    problem = _type_problem(value, hint)
    if problem is not None or declared is None:
        return problem
    if hint in (int, float) and not declared.contains(value):
        text = declared.range_text()
        return f"must be in {text}" if text[0] in "[(" else f"must be {text}"
    if hint is str and declared.form is not None and not declared.form.matches(value):
        return f"must be {declared.form.description}"
    return None


def _walk(value: Any, path: str, hint: Any, declared: Param | None) -> Iterator[tuple[str, str]]:
    """(path, problem) for every bad value under `path`; each value is checked on its own."""
    hint, optional = _optional(hint)
    if value is None and optional:
        return
    label = path or "config"
    origin = typing.get_origin(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            yield path, f"{label} = {_show(value)}: must be a {hint.__name__} section"
            return
        hints = typing.get_type_hints(hint)
        for item in dataclasses.fields(hint):
            child = f"{path}.{item.name}" if path else item.name
            yield from _walk(
                getattr(value, item.name), child, hints[item.name], item.metadata.get(PARAM_KEY)
            )
    elif origin is list:
        if not isinstance(value, list | tuple):
            yield path, f"{label} = {_show(value)}: must be a list"
            return
        for k, element in enumerate(value):
            yield from _walk(element, f"{path}[{k}]", typing.get_args(hint)[0], declared)
    elif origin is dict:
        if not isinstance(value, dict):
            yield path, f"{label} = {_show(value)}: must be a mapping"
            return
        for key, element in value.items():
            if not isinstance(key, str):
                yield path, f"{label}: key {_show(key)} must be text"
            elif element is None:  # an override that meant to drop the entry
                yield (
                    f"{path}.{key}",
                    f"{path}.{key} = None: must be a {typing.get_args(hint)[1].__name__} section"
                    f" (leave {key} out of {path} to drop it)",
                )
            else:
                yield from _walk(element, f"{path}.{key}", typing.get_args(hint)[1], None)
    else:
        problem = _value_problem(value, hint, declared)
        if problem is not None:
            yield path, f"{label} = {_show(value)}: {problem}"


def _overlaps(path: str, other: str) -> bool:
    """Whether one path is the other or lies beneath it (`a.b` and `a.b[2]`, `a` and `a.b`)."""
    short, long = sorted((path, other), key=len)
    return long == short or long.startswith((f"{short}.", f"{short}["))


Valid = Callable[..., bool]
Rule = Callable[[SSCConfig, Valid], Iterator[str]]
_RULES: list[Rule] = []


def _rule(function: Rule) -> Rule:
    """Register a rule that joins several fields. A rule checks `valid(path, ...)` first: the
    walk found nothing wrong under those paths, so their values have the declared types."""
    _RULES.append(function)
    return function


@_rule
def _time_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    if valid("start_year", "end_year") and config.end_year < config.start_year:
        yield f"end_year = {config.end_year!r}: must not be before start_year ({config.start_year})"


@_rule
def _scenario_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    if not valid("scenario.oda_path_years", "scenario.oda_path_multipliers"):
        return
    years, multipliers = config.scenario.oda_path_years, config.scenario.oda_path_multipliers
    if len(years) != len(multipliers):
        yield (
            f"scenario.oda_path_years has {len(years)} entries but scenario.oda_path_multipliers"
            f" has {len(multipliers)}: they must pair up"
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(years)):
        yield f"scenario.oda_path_years = {list(years)}: must be strictly increasing"


@_rule
def _funding_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    funding = config.funding
    if valid("funding.cpa_share_of_oda", "funding.trust_fund_share_of_oda"):
        programmable, trust = funding.cpa_share_of_oda, funding.trust_fund_share_of_oda
        if programmable + trust > 1:
            yield (
                f"funding.cpa_share_of_oda + funding.trust_fund_share_of_oda ="
                f" {_show(programmable)} + {_show(trust)}: the shares of ODA must not sum above 1"
            )
    names = (
        "vulnerability_weight_sids",
        "vulnerability_weight_ldc",
        "vulnerability_weight_capacity",
    )
    if valid(*(f"funding.{name}" for name in names)):
        weights = [getattr(funding, name) for name in names]
        if not math.isclose(sum(weights), 1.0, abs_tol=1e-9):
            yield (
                " + ".join(f"funding.{name}" for name in names)
                + " = "
                + " + ".join(_show(w) for w in weights)
                + ": the weights of the vulnerability index must sum to 1"
            )


@_rule
def _matching_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    matching = config.matching
    if (
        valid("matching.min_duration_quarters", "matching.max_duration_quarters")
        and matching.max_duration_quarters < matching.min_duration_quarters
    ):
        yield (
            f"matching.max_duration_quarters = {matching.max_duration_quarters!r}: must be >= "
            f"min_duration_quarters ({matching.min_duration_quarters})"
        )


@_rule
def _fund_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    funds = config.funds
    if (
        valid("funds.min_participants", "funds.max_participants")
        and funds.max_participants < funds.min_participants
    ):
        yield (
            f"funds.max_participants = {funds.max_participants!r}: must be >= min_participants"
            f" ({funds.min_participants})"
        )
    if valid("funds.joint_funds"):
        for k, pair in enumerate(funds.joint_funds):
            if pair[:3] == pair[4:]:
                yield f"funds.joint_funds[{k}] = {pair!r}: must join two different economies"


@_rule
def _tie_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    ties = config.ties
    if (
        valid("ties.reinforcement", "ties.dissolve_threshold")
        and ties.reinforcement <= ties.dissolve_threshold
    ):
        yield (
            f"ties.reinforcement = {_show(ties.reinforcement)}: must exceed"
            f" ties.dissolve_threshold ({_show(ties.dissolve_threshold)}), or new ties dissolve"
            " at once"
        )


@_rule
def _world_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    world = config.world
    if valid("world.sectors"):
        if not world.sectors:
            yield "world.sectors = []: must name at least one sector"
        for sector in sorted({s for s in world.sectors if list(world.sectors).count(s) > 1}):
            yield f"world.sectors = {list(world.sectors)!r}: lists {sector!r} more than once"
    if isinstance(world, WorldConfig) and isinstance(world.partnerships, list | tuple):
        for k, pair in enumerate(world.partnerships):
            if valid(f"world.partnerships[{k}]") and pair[:3] == pair[4:]:
                yield f"world.partnerships[{k}] = {pair!r}: must join two different economies"


@_rule
def _platform_rules(config: SSCConfig, valid: Valid) -> Iterator[str]:
    platforms = config.platforms
    if not isinstance(platforms, PlatformParams) or not isinstance(platforms.specs, dict):
        return  # reported by the walk
    specs = platforms.specs
    if not specs:
        # The model's event step convenes the platform agents; with none it cannot run.
        yield "platforms.specs = {}: must hold at least one platform"
    if len(specs) > 62:  # platforms are bits of an int64 membership mask
        yield f"platforms.specs: {len(specs)} platforms; at most 62"
    for code, spec in specs.items():
        path = f"platforms.specs.{code}"
        if not isinstance(code, str) or not valid(path):
            continue
        if valid("steps_per_year") and spec.events_per_year > config.steps_per_year:
            yield (
                f"{path}.events_per_year = {_show(spec.events_per_year)}: at most one event a"
                f" step ({config.steps_per_year} a year)"
            )
        for region in spec.project_regions:
            if region not in REGIONS:
                yield f"{path}.project_regions: {region!r} is not one of {list(REGIONS)}"
        if valid("world.sectors"):
            for theme in spec.themes:
                if theme not in config.world.sectors:
                    yield f"{path}.themes: {theme!r} is not one of world.sectors"


def world_problems(config: SSCConfig, world: WorldTables) -> list[str]:
    """Codes of `config` that do not name what they must in `world`.

    Southern means by the rule `world.south` (its column of the countries table must exist).
    Champions must be Southern economies of the world's countries table, partnership codes
    Southern economies, EDP members economies of the table, and every platform of
    `platforms.specs` must have rows in the membership table (EDP too unless
    `world.edp_members` lists its members). In a synthetic world codes name economies (its
    `country` column), and it holds only the economies it drew: check a synthetic run's codes
    against its base world, as the model does.
    """
    from sscsim.world import SOUTH_COLUMNS  # world tables are only read here, given a world

    countries = world.countries
    column = "country" if "country" in countries else "iso3"
    known = set(countries[column])
    problems = []
    rule = config.world.south
    south_column = SOUTH_COLUMNS[rule.value]
    if south_column not in countries:
        problems.append(
            f"world.south = {rule.name}: the world's countries table has no column"
            f" {south_column!r} (the South of that rule)"
        )
        southern: set[str] = set()
    else:
        southern = set(countries.loc[countries[south_column].astype(bool), column])
    for k, code in enumerate(config.world.champions):
        if code not in known:
            problems.append(
                f"world.champions[{k}]: {code!r} is not an ISO3 code of the world table"
            )
        elif code not in southern:
            problems.append(f"world.champions[{k}]: {code!r} is not a Southern country")
    for k, pair in enumerate(config.world.partnerships):
        for code in str(pair).split(":"):
            if code not in southern:
                problems.append(
                    f"world.partnerships[{k}]: {code!r} (in {pair!r}) is not a Southern country"
                    " of the world table"
                )
    for k, entry in enumerate(config.world.provider_priorities):
        code = str(entry).split(":")[0]
        if code not in southern:
            problems.append(
                f"world.provider_priorities[{k}]: {code!r} (in {entry!r}) is not a Southern"
                " country of the world table"
            )
    for k, code in enumerate(config.world.edp_members or []):
        if code not in known:
            problems.append(
                f"world.edp_members[{k}]: {code!r} is not an ISO3 code of the world table"
            )
    platforms = set(world.memberships["platform"])
    for code in config.platforms.specs:
        if code == "EDP" and config.world.edp_members is not None:
            continue  # its members are listed in the configuration
        if code not in platforms:
            problems.append(
                f"platforms.specs.{code}: no rows for {code!r} in the world's membership table"
                f" (platforms there: {', '.join(sorted(map(str, platforms)))})"
            )
    return problems


def config_problems(config: SSCConfig, world: WorldTables | None = None) -> list[str]:
    """Every problem of `config` (and, given a world, of its codes in that world), each naming
    the dotted path and the bad value; empty if the configuration is valid."""
    found = list(_walk(config, "", SSCConfig, None))
    bad = [path for path, _ in found]

    def valid(*paths: str) -> bool:
        return not any(_overlaps(path, other) for path in paths for other in bad)

    problems = [problem for _, problem in found]
    for rule in _RULES:
        problems += rule(config, valid)
    if world is not None and valid(
        "world.south",
        "world.champions",
        "world.partnerships",
        "world.edp_members",
        "platforms.specs",
    ):
        problems += world_problems(config, world)
    return problems


# --- the parameter table of docs/ODD.md --------------------------------------------------------


def _default_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, float) and value >= 1000 and value.is_integer():
        return f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(value) or "{}"
    if isinstance(value, list):
        if not value:
            return "[]"
        shown = ", ".join(str(v) for v in value[:4])
        return shown if len(value) <= 4 else f"{shown}, ... ({len(value)} in all)"
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    return repr(value)


def _range_column(leaf: Parameter) -> str:
    hint, optional = _optional(leaf.hint)
    declared = leaf.param
    each = typing.get_origin(hint) is list
    if each:
        hint = typing.get_args(hint)[0]
    if hint is bool:
        text = "true or false"
    elif isinstance(hint, type) and issubclass(hint, Enum):
        text = " or ".join(f"`{member.value}`" for member in hint)
    elif declared.form is not None:
        text = declared.form.description
    elif hint is str:
        text = "text"
    elif hint in (int, float):
        text = declared.range_text() or "number"
        text = "integer" if text == "number" and hint is int else text
        text = f"integer {text}" if hint is int and text != "integer" else text
        if declared.explore is not None:
            low, high = declared.explore
            text += f"; explored [{_number(low)}, {_number(high)}]"
    else:
        text = ""
    if each and text:
        text = f"each {text}"
    if optional:
        text = f"{text} or null"
    return text


def parameter_table_markdown(select: Sequence[str] | None = None) -> str:
    """The parameter table (markdown): dotted path, default, unit, range, meaning and source.

    `select` keeps the parameters whose path is one of these or lies beneath one (``funding``,
    ``platforms.specs.*``), in the order given; default: every parameter.
    """
    leaves: Sequence[Parameter] = parameters()
    if select is not None:
        chosen = [
            leaf
            for wanted in select
            for leaf in leaves
            if leaf.path == wanted or leaf.path.startswith(f"{wanted}.")
        ]
        leaves = list({leaf.path: leaf for leaf in chosen}.values())  # in order, each once
        missing = [w for w in select if not any(_overlaps(w, leaf.path) for leaf in leaves)]
        if missing:
            raise KeyError(f"not parameters of sscsim.config: {', '.join(missing)}")
    rows = [
        "| parameter | default | unit | range | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for leaf in leaves:
        cells = (
            f"`{leaf.path}`",
            _default_text(leaf.default),
            leaf.param.unit or "—",
            _range_column(leaf) or "—",
            leaf.param.doc,
            leaf.param.source or "—",
        )
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


ODD_BEGIN = "<!-- parameters:begin"
ODD_END = "<!-- parameters:end -->"
_ODD_BLOCK = re.compile(
    r"(?P<begin><!-- parameters:begin(?P<select>[^>]*?)-->\n)(?P<table>.*?)"
    r"(?P<end><!-- parameters:end -->)",
    re.DOTALL,
)


def odd_with_parameters(text: str) -> str:
    """`text` (docs/ODD.md) with every block between ``<!-- parameters:begin [paths] -->`` and
    ``<!-- parameters:end -->`` replaced by the generated table of those paths (all if none)."""
    if ODD_BEGIN not in text:
        raise ValueError(f"no {ODD_BEGIN} ... --> marker in the text")

    def table(match: re.Match) -> str:
        select = match["select"].split() or None
        return match["begin"] + parameter_table_markdown(select) + match["end"]

    return _ODD_BLOCK.sub(table, text)


def write_odd(path: str | Path) -> bool:
    """Rewrite the parameter tables of docs/ODD.md at `path`; return whether anything changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    updated = odd_with_parameters(text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sscsim.config --write-odd docs/ODD.md`` (or ``--check-odd``; ``--table``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sscsim.config", description=main.__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write-odd", metavar="ODD.md", help="rewrite its parameter tables")
    action.add_argument("--check-odd", metavar="ODD.md", help="fail if its tables are stale")
    action.add_argument("--table", action="store_true", help="print the full parameter table")
    args = parser.parse_args(argv)
    if args.table:
        print(parameter_table_markdown(), end="")
    elif args.write_odd:
        print(f"{args.write_odd}: {'updated' if write_odd(args.write_odd) else 'up to date'}")
    else:
        text = Path(args.check_odd).read_text(encoding="utf-8")
        if odd_with_parameters(text) != text:
            print(
                f"{args.check_odd}: parameter tables out of date; run"
                f" python -m sscsim.config --write-odd {args.check_odd}",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
