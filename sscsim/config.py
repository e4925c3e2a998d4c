"""Typed configuration of a run: one schema for Python, notebooks, Mesa tooling and Hydra.

Every parameter of the model lives in one of the dataclasses below, with its default and its unit.
`SSCConfig.validate()` checks every value before any work starts and raises one `ConfigError`
that lists each bad value by its dotted path. Hydra registers these dataclasses as the schema of
`configs/` (see `sscsim.cli`); nothing here imports Hydra.

Flat keyword parameters: `SSCModel(rng=3, oda_cut_depth=0.5)` sets `scenario.oda_cut_depth`.
Every leaf name below is unique across sections so that Mesa's `batch_run` can sweep them.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

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
# Philippines took part in its study tours).
DEFAULT_PARTNERSHIPS: tuple[str, ...] = (
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


class PlatformKind(Enum):
    """Geographic reach of a platform; `interregional` ones join Asia-Pacific and LAC."""

    regional = "regional"
    interregional = "interregional"


@dataclass
class PlatformSpec:
    """A platform's rules. Members come from the world's membership table.

    Attributes
    ----------
    name : long name, for figures.
    kind : regional or interregional (interregional platforms are switched off by a scenario).
    events_per_year : scheduled events (forums, study tours, workshops), spread over the year.
    event_cost_usd : cost of one event, paid from the fund (and a share by a champion host).
    participants_per_event : members invited to an event (fewer if fewer are active).
    themes : sectors its events and projects address; empty means all sectors.
    northern_fund_weight : weight of this fund in northern trust-fund contributions (0: none).
    member_fund_weight : weight of this fund in its members' Southern contributions.
    coordinator_term_years : years a coordinator serves before rotation (troika: previous,
        current, incoming).
    champion_initiated : the platform exists only while champions do (the EDP network).
    """

    name: str = ""
    kind: PlatformKind = PlatformKind.regional
    events_per_year: float = 1.0
    event_cost_usd: float = 150_000.0
    participants_per_event: int = 12
    themes: list[str] = field(default_factory=list)
    northern_fund_weight: float = 0.0
    member_fund_weight: float = 1.0
    coordinator_term_years: float = 2.0
    champion_initiated: bool = False


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
        ),
        "ESCAP": PlatformSpec(
            name="ESCAP Asia-Pacific Directors-General Forum on SSC and TrC",
            events_per_year=1.0,
            event_cost_usd=200_000.0,
            participants_per_event=20,
            northern_fund_weight=1.5,
            coordinator_term_years=1.0,
        ),
        "ECLAC": PlatformSpec(
            name="ECLAC Regional Conference on South-South Cooperation",
            events_per_year=0.5,
            event_cost_usd=200_000.0,
            participants_per_event=20,
            northern_fund_weight=1.5,
            coordinator_term_years=2.0,
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

    name: str = "real"
    countries_path: str | None = None  # None: the packaged sscsim/data/countries.csv
    memberships_path: str | None = None  # None: the packaged sscsim/data/memberships.csv
    champions: list[str] = field(default_factory=lambda: list(DEFAULT_CHAMPIONS))
    sectors: list[str] = field(default_factory=lambda: list(DEFAULT_SECTORS))
    edp_members: list[str] | None = None  # None: the EDP rows of the membership table
    # Standing partnership agreements "A:B": a floor of trust between the two in partner choice
    # (between economies of the tables; not applied to the actors of a synthetic world).
    partnerships: list[str] = field(default_factory=lambda: list(DEFAULT_PARTNERSHIPS))
    partnership_trust: float = 0.5  # the trust floor an agreement gives, in [0, 1]
    # A synthetic world (sscsim.synthetic) of this many actors instead of the tables' economies.
    synthetic_actors: int | None = None
    synthetic_seed: int = 0  # the synthetic world's own seed: one world, many model seeds
    initial_ties_per_actor: float = 0.0  # random ties at the start (synthetic worlds: about 10)


@dataclass
class ScenarioConfig:
    """What a scenario changes. Every field acts through a model mechanism (docs/ODD.md)."""

    scenario_name: str = "baseline"
    # ODA multiplier path relative to the reference year's ODA/GNI ratios: piecewise constant,
    # `oda_path_multipliers[k]` from 1 January of `oda_path_years[k]` (empty: 1.0 throughout).
    oda_path_years: list[int] = field(default_factory=list)
    oda_path_multipliers: list[float] = field(default_factory=list)
    oda_cut_depth: float = 0.0  # extra cut, share of ODA removed (0..1)
    oda_cut_start_year: int = 2026  # year the extra cut starts
    oda_cut_ramp_years: float = 0.0  # years over which the cut phases in linearly (0: at once)
    champions_enabled: bool = True  # False: champions act as ordinary Southern countries
    interregional_platforms_enabled: bool = True  # False: FEALAC, APEC, EDP never act
    fealac_fund_multiplier: float = 1.0  # scales every inflow to the FEALAC trust fund
    sids_priority: float = 0.0  # extra allocation weight of SIDS (0: none; 1: double)
    eligibility: Eligibility = Eligibility.income
    professionalisation_rate: float = 0.0  # extra yearly growth of agencies' capacity (0..1)


@dataclass
class FundingParams:
    """Budgets and costs (step 1 and the funding side of step 3). Money in current USD."""

    ssc_budget_share_gdp: float = 2.5e-5  # Southern SSC fund, share of GDP a year
    champion_budget_multiplier: float = 4.0  # champions invest this much more in SSC
    budget_carryover_years: float = 1.0  # unspent SSC funds kept up to this many years' budget
    triangular_share_of_oda: float = 3.5e-5  # northern co-funding of triangular cooperation
    trust_fund_share_of_oda: float = 1.5e-5  # northern contributions to platform trust funds
    member_contribution_share: float = 0.004  # share of Southern SSC budgets paid into platforms
    triangular_cofunding_share: float = 0.7  # the funder's part of a triangular action's cost
    refundable_share: float = 0.1  # share of bilateral actions to non-low-income recipients
    # that are refundable (repaid to the provider's fund)
    repayment_years: float = 2.0  # a refundable action is repaid in equal parts over this time
    action_cost_usd: float = 60_000.0  # cost of one quarter-long bilateral action, same region
    interregional_cost_multiplier: float = 1.8  # travel and coordination across regions
    multilateral_cost_discount: float = 0.2  # saving when run through a platform's organisation
    champion_interregional_discount: float = 0.3  # champions' programmes lower that extra cost
    gdp_growth_rate: float = 0.03  # yearly nominal GDP growth of Southern economies
    # The World Bank raises its income thresholds each year with inflation (SDR deflator):
    # graduation needs real growth, not nominal growth alone.
    income_threshold_growth: float = 0.02
    oda_capacity_effect: float = 0.05  # capacity gain a quarter per unit of ODA/GDP received
    oda_capacity_share_cap: float = 0.2  # ODA counts toward capacity up to this share of GDP
    vulnerability_weight_sids: float = 0.4  # vulnerability index: weight of SIDS status
    vulnerability_weight_ldc: float = 0.3  # of LDC status
    vulnerability_weight_capacity: float = 0.3  # of the capacity gap (1 - mean capacity)


@dataclass
class MatchingParams:
    """Offers, requests and partner choice (steps 2 and 3)."""

    request_sectors: int = 2  # a country requests in its weakest sectors
    offer_sectors: int = 3  # and offers in its strongest
    request_rate: float = 0.35  # chance a request is stated in a quarter, per sector
    offer_quantile: float = 0.5  # offers only where capacity is above this quantile of the South
    min_capacity_gap: float = 0.05  # a provider must exceed the recipient by this much
    weight_complementarity: float = 4.0  # partner choice: capacity difference
    weight_similarity: float = 1.0  # same region, income group, SIDS status
    weight_trust: float = 2.0  # strength of past ties
    weight_comembership: float = 1.0  # shared platforms
    weight_cost: float = 1.5  # relative cost of the action
    choice_temperature: float = 0.5  # softmax temperature of partner choice (lower: greedier)
    triangular_appeal: float = 2.0  # attractiveness of northern co-funding, relative to bilateral
    platform_appeal: float = 0.025  # attractiveness of a platform fund, relative to bilateral
    actions_per_agency: float = 4.0  # new actions a provider can start a quarter, at full
    # agency capacity (ceil(actions_per_agency x agency capacity))
    min_duration_quarters: int = 2
    max_duration_quarters: int = 6
    candidate_sample: int = 200  # providers scored a request: all if fewer offer, else a sample
    funder_sample: int = 64  # northern partners considered for co-funding: likewise
    provider_attempts: int = 3  # providers tried before a request lapses for want of funding
    request_agency_floor: float = 0.5  # request chance x (floor + (1 - floor) x agency capacity)
    champion_extra_offer_sectors: int = 1  # champions offer in this many more sectors


@dataclass
class DiffusionParams:
    """Knowledge diffusion and adoption (step 5)."""

    learning_rate: float = 0.04  # share of the gap closed per quarter by an action at strength 1
    event_learning_rate: float = 0.03  # the same, one-to-many at a platform event
    skill_use_rate: float = 0.96  # trained policymakers using new skills (ESCAP-Colombia)
    absorptive_floor: float = 0.3  # absorptive capacity with no institutional capacity
    # Peer learning along every alive Southern tie, in every sector, per unit of tie strength.
    tie_learning_rate: float = 0.002
    adoption_probability: float = 0.08  # chance a quarter that a learner pilots a seen practice
    adoption_gap: float = 0.1  # a practice is piloted only if the teacher is this far ahead
    adoption_share: float = 0.25  # share of the remaining gap a pilot closes
    agency_efficiency_floor: float = 0.5  # action efficiency: floor + (1 - floor) x agency


@dataclass
class DomesticParams:
    """Domestic dynamics (step 6)."""

    capacity_depreciation: float = 0.03  # share of the excess over potential lost a quarter
    own_investment: float = 0.02  # share of the shortfall below potential closed a quarter
    agency_potential_effect: float = 0.3  # potential gained per unit of agency capacity gained
    institutional_learning: float = 0.01  # agency capacity gained per action a quarter
    institutional_decay: float = 0.002  # agency capacity lost a quarter without action
    institutional_learning_max_actions: int = 4  # actions a quarter that count toward learning
    vulnerability_threshold: float = 0.5  # vulnerability criterion's eligibility threshold


@dataclass
class TieParams:
    """Tie strength dynamics (step 7)."""

    reinforcement: float = 0.3  # strength gained per joint action, toward 1
    decay_rate: float = 0.04  # share of strength lost in a quarter without joint action
    dissolve_threshold: float = 0.1  # a tie weaker than this dissolves
    interregional_event_bonus: float = 0.5  # extra reinforcement of interregional event ties
    running_action_reinforcement_share: float = 0.25  # a running action's quarterly
    # reinforcement of its tie, as a share of `reinforcement`
    oda_ties_per_donor: int = 30  # draws of a donor's yearly portfolio of principal recipients


@dataclass
class PlatformParams:
    """Platform rules (step 4, step 7): which platforms exist and how health is judged."""

    specs: dict[str, PlatformSpec] = field(default_factory=default_platforms)
    dormancy_quarters: int = 8  # no event this long and no funds: dormant
    min_active_members: int = 3
    champion_host_share: float = 0.4  # share of an event's cost paid by a champion host
    activity_window_quarters: int = 4  # a member is active if it took part this recently


@dataclass
class OutputConfig:
    """What a CLI run writes (plain Python runs write nothing unless asked)."""

    figures: bool = True
    tie_snapshot_every: int = 4  # quarters between tie snapshots (the last step always)
    panel_every: int = 1  # quarters between rows of the agent panel (the last step always)
    record_actions: bool = True  # keep the log of every action (large in synthetic worlds)
    progress: bool = True  # a progress bar, on a terminal only


@dataclass
class SSCConfig:
    """The whole configuration of a run."""

    seed: int = 42
    start_year: int = 2025
    end_year: int = 2040  # inclusive: quarters of 2025 to 2040 by default
    steps_per_year: int = 4
    steps: int | None = None  # None: every step from start_year to end_year
    world: WorldConfig = field(default_factory=WorldConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    funding: FundingParams = field(default_factory=FundingParams)
    matching: MatchingParams = field(default_factory=MatchingParams)
    diffusion: DiffusionParams = field(default_factory=DiffusionParams)
    domestic: DomesticParams = field(default_factory=DomesticParams)
    ties: TieParams = field(default_factory=TieParams)
    platforms: PlatformParams = field(default_factory=PlatformParams)
    output: OutputConfig = field(default_factory=OutputConfig)

    @property
    def n_steps(self) -> int:
        """Steps to run: `steps` if set, else every step from start_year to end_year."""
        if self.steps is not None:
            return self.steps
        return (self.end_year - self.start_year + 1) * self.steps_per_year

    def validate(self) -> SSCConfig:
        """Raise `ConfigError` naming every invalid value; return self when all are valid."""
        problems = _first_per_path(_problems(self))
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


# --- validation ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_share(path: str, value: Any) -> str | None:
    if not _is_number(value) or not 0.0 <= value <= 1.0:
        return f"{path} = {value!r}: must be a share in [0, 1]"
    return None


def _check_nonnegative(path: str, value: Any) -> str | None:
    if not _is_number(value) or value < 0:
        return f"{path} = {value!r}: must be a number >= 0"
    return None


def _check_positive(path: str, value: Any) -> str | None:
    if not _is_number(value) or value <= 0:
        return f"{path} = {value!r}: must be a number > 0"
    return None


_SHARES = {
    "scenario": ("oda_cut_depth", "professionalisation_rate"),
    "funding": (
        "ssc_budget_share_gdp",
        "triangular_share_of_oda",
        "trust_fund_share_of_oda",
        "member_contribution_share",
        "triangular_cofunding_share",
        "refundable_share",
        "multilateral_cost_discount",
        "champion_interregional_discount",
        "income_threshold_growth",
    ),
    "matching": ("request_rate", "offer_quantile", "min_capacity_gap"),
    "diffusion": (
        "learning_rate",
        "event_learning_rate",
        "tie_learning_rate",
        "skill_use_rate",
        "absorptive_floor",
        "adoption_probability",
        "adoption_gap",
        "adoption_share",
    ),
    "domestic": (
        "capacity_depreciation",
        "own_investment",
        "agency_potential_effect",
        "institutional_learning",
        "institutional_decay",
        "vulnerability_threshold",
    ),
    "ties": ("reinforcement", "decay_rate", "dissolve_threshold"),
    "platforms": ("champion_host_share",),
}

_POSITIVE = {
    "funding": (
        "repayment_years",
        "action_cost_usd",
        "interregional_cost_multiplier",
        "budget_carryover_years",
    ),
    "matching": (
        "choice_temperature",
        "actions_per_agency",
        "triangular_appeal",
        "platform_appeal",
    ),
}


def _type_problems(value: Any, path: str, hint: Any):
    """Values whose type does not match the schema's annotation (checked before any range)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return
        hint = next(arg for arg in args if arg is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    label = path or "config"
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            yield f"{label} = {value!r}: must be a {hint.__name__} section"
            return
        hints = typing.get_type_hints(hint)
        for item in dataclasses.fields(hint):
            child = f"{path}.{item.name}" if path else item.name
            yield from _type_problems(getattr(value, item.name), child, hints[item.name])
    elif origin is list:
        if not isinstance(value, list | tuple):
            yield f"{label} = {value!r}: must be a list"
            return
        for k, element in enumerate(value):
            yield from _type_problems(element, f"{label}[{k}]", args[0])
    elif origin is dict:
        if not isinstance(value, dict):
            yield f"{label} = {value!r}: must be a mapping"
            return
        for key, element in value.items():
            yield from _type_problems(element, f"{label}.{key}", args[1])
    elif hint is bool:
        if not isinstance(value, bool | np.bool_):
            yield f"{label} = {value!r}: must be true or false"
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            yield f"{label} = {value!r}: must be a whole number"
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            yield f"{label} = {value!r}: must be a number"
        elif not math.isfinite(value):
            yield f"{label} = {value!r}: must be finite"
    elif hint is str:
        if not isinstance(value, str):
            yield f"{label} = {value!r}: must be text"
    elif isinstance(hint, type) and issubclass(hint, Enum) and not isinstance(value, hint):
        choices = ", ".join(member.value for member in hint)
        yield f"{label} = {value!r}: not one of {choices}"


def _first_per_path(problems) -> list[str]:
    """Keep the first problem reported for each dotted path (a value can break several rules)."""
    seen: dict[str, str] = {}
    for problem in problems:
        path = problem.split(" = ", 1)[0].split(":", 1)[0]
        seen.setdefault(path, problem)
    return list(seen.values())


def _problems(config: SSCConfig):
    type_problems = list(_type_problems(config, "", SSCConfig))
    if type_problems:  # ranges below assume the types are right
        yield from type_problems
        return
    for section, names in _SHARES.items():
        for name in names:
            problem = _check_share(f"{section}.{name}", getattr(getattr(config, section), name))
            if problem:
                yield problem
    for section, names in _POSITIVE.items():
        for name in names:
            problem = _check_positive(f"{section}.{name}", getattr(getattr(config, section), name))
            if problem:
                yield problem
    for section in ("funding", "matching", "diffusion", "domestic", "ties", "scenario"):
        values = getattr(config, section)
        for item in dataclasses.fields(values):
            value = getattr(values, item.name)
            if _is_number(value) and value < 0:
                yield f"{section}.{item.name} = {value!r}: must not be negative"
            elif isinstance(value, float) and not math.isfinite(value):
                yield f"{section}.{item.name} = {value!r}: must be finite"
    multiplier = config.funding.interregional_cost_multiplier
    if _is_number(multiplier) and multiplier < 1:
        yield f"funding.interregional_cost_multiplier = {multiplier!r}: must be >= 1"
    yield from _time_problems(config)
    yield from _scenario_problems(config.scenario)
    yield from _matching_problems(config.matching)
    yield from _world_problems(config.world)
    yield from _platform_problems(config.platforms, config.world.sectors)
    for code, spec in config.platforms.specs.items():
        if spec.events_per_year > config.steps_per_year:
            yield (
                f"platforms.specs.{code}.events_per_year = {spec.events_per_year!r}: at most one"
                f" event a step ({config.steps_per_year} a year)"
            )
    if config.ties.reinforcement <= config.ties.dissolve_threshold:
        yield (
            f"ties.reinforcement = {config.ties.reinforcement!r}: must exceed"
            f" ties.dissolve_threshold ({config.ties.dissolve_threshold}), or new ties dissolve"
            " at once"
        )
    if config.output.panel_every < 1:
        yield f"output.panel_every = {config.output.panel_every!r}: must be an integer >= 1"
    if len(config.platforms.specs) > 62:
        yield f"platforms.specs: {len(config.platforms.specs)} platforms; at most 62"
    if config.world.synthetic_actors is not None and config.world.synthetic_actors < 2:
        yield f"world.synthetic_actors = {config.world.synthetic_actors!r}: must be >= 2 or null"
    if config.world.initial_ties_per_actor < 0:
        yield (
            f"world.initial_ties_per_actor = {config.world.initial_ties_per_actor!r}:"
            " must not be negative"
        )
    if config.output.tie_snapshot_every < 1:
        every = config.output.tie_snapshot_every
        yield f"output.tie_snapshot_every = {every!r}: must be an integer >= 1"


def _time_problems(config: SSCConfig):
    if not isinstance(config.steps_per_year, int) or config.steps_per_year < 1:
        yield f"steps_per_year = {config.steps_per_year!r}: must be an integer >= 1"
    if not isinstance(config.seed, int) or isinstance(config.seed, bool) or config.seed < 0:
        yield f"seed = {config.seed!r}: must be an integer >= 0"
    if config.end_year < config.start_year:
        yield f"end_year = {config.end_year!r}: must not be before start_year ({config.start_year})"
    if config.steps is not None and (not isinstance(config.steps, int) or config.steps < 0):
        yield f"steps = {config.steps!r}: must be an integer >= 0 or null"


def _scenario_problems(scenario: ScenarioConfig):
    years, multipliers = scenario.oda_path_years, scenario.oda_path_multipliers
    if len(years) != len(multipliers):
        yield (
            f"scenario.oda_path_years has {len(years)} entries but scenario.oda_path_multipliers"
            f" has {len(multipliers)}: they must pair up"
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(years)):
        yield f"scenario.oda_path_years = {list(years)}: must be strictly increasing"
    for k, multiplier in enumerate(multipliers):
        problem = _check_nonnegative(f"scenario.oda_path_multipliers[{k}]", multiplier)
        if problem:
            yield problem
    if not _is_number(scenario.fealac_fund_multiplier) or scenario.fealac_fund_multiplier < 0:
        yield f"scenario.fealac_fund_multiplier = {scenario.fealac_fund_multiplier!r}: must be >= 0"


def _matching_problems(matching: MatchingParams):
    if matching.min_duration_quarters < 1:
        yield f"matching.min_duration_quarters = {matching.min_duration_quarters}: must be >= 1"
    if matching.max_duration_quarters < matching.min_duration_quarters:
        yield (
            f"matching.max_duration_quarters = {matching.max_duration_quarters}: must be >= "
            f"min_duration_quarters ({matching.min_duration_quarters})"
        )
    for name in (
        "request_sectors",
        "offer_sectors",
        "candidate_sample",
        "funder_sample",
        "provider_attempts",
    ):
        value = getattr(matching, name)
        if not isinstance(value, int) or value < 1:
            yield f"matching.{name} = {value!r}: must be an integer >= 1"


def _world_problems(world: WorldConfig):
    if not world.sectors:
        yield "world.sectors: must name at least one sector"
    duplicates = sorted({s for s in world.sectors if list(world.sectors).count(s) > 1})
    if duplicates:
        yield f"world.sectors: {duplicates} listed more than once"
    for code in world.champions:
        if not _is_iso3(code):
            yield f"world.champions: {code!r} is not an ISO3 code (three capital letters)"
    for pair in world.partnerships:
        parts = pair.split(":") if isinstance(pair, str) else []
        if len(parts) != 2 or not all(_is_iso3(code) for code in parts) or parts[0] == parts[1]:
            yield f"world.partnerships: {pair!r} is not two different ISO3 codes as 'AAA:BBB'"
    problem = _check_share("world.partnership_trust", world.partnership_trust)
    if problem:
        yield problem


def world_problems(config: SSCConfig, world: WorldTables) -> list[str]:
    """Values that name economies the world tables do not have (or not as Southern)."""
    countries = world.countries
    column = "country" if "country" in countries else "iso3"
    known = set(countries[column])
    southern = set(countries.loc[countries["southern"], column])
    problems = []
    for code in config.world.champions:
        if code not in known:
            problems.append(f"world.champions: {code!r} is not an ISO3 code of the world table")
        elif code not in southern:
            problems.append(f"world.champions: {code!r} is not a Southern country")
    for pair in config.world.partnerships:
        for code in pair.split(":"):
            if code not in southern:
                problems.append(
                    f"world.partnerships: {code!r} (in {pair!r}) is not a Southern country"
                    " of the world table"
                )
    for code in config.world.edp_members or []:
        if code not in known:
            problems.append(f"world.edp_members: {code!r} is not an ISO3 code of the world table")
    return problems


def _is_iso3(code: object) -> bool:
    return isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()


def _platform_problems(platforms: PlatformParams, sectors: list[str]):
    for code, spec in platforms.specs.items():
        path = f"platforms.specs.{code}"
        for name in (
            "events_per_year",
            "event_cost_usd",
            "northern_fund_weight",
            "member_fund_weight",
        ):
            problem = _check_nonnegative(f"{path}.{name}", getattr(spec, name))
            if problem:
                yield problem
        problem = _check_positive(f"{path}.coordinator_term_years", spec.coordinator_term_years)
        if problem:
            yield problem
        if not isinstance(spec.participants_per_event, int) or spec.participants_per_event < 2:
            yield f"{path}.participants_per_event = {spec.participants_per_event!r}: must be >= 2"
        for theme in spec.themes:
            if theme not in sectors:
                yield f"{path}.themes: {theme!r} is not one of world.sectors"
    for name in ("dormancy_quarters", "min_active_members", "activity_window_quarters"):
        value = getattr(platforms, name)
        if not isinstance(value, int) or value < 1:
            yield f"platforms.{name} = {value!r}: must be an integer >= 1"
