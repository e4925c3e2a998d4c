"""Small hand-built states for process and reporter tests: a handful of countries with chosen
attributes, no world tables and no model, so that each test builds only what its process reads.

Defaults: four Southern countries (two Asia-Pacific, two LAC; the last a SIDS), one northern
partner, two sectors, one interregional platform of all four countries.
"""

from __future__ import annotations

import numpy as np

from sscsim.config import PlatformKind, PlatformSpec, SSCConfig
from sscsim.kernels.memory import aligned_copy, aligned_empty
from sscsim.state import ModelState
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import Ledgers
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import NEVER, PlatformState
from sscsim.state.roster import ASIA_PACIFIC, LAC, Kind, Roster
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Network, TieTable, agreement_table

SECTORS = ["health", "digital_trade_innovation"]


def roster(
    region: list[int] | None = None,
    sids: list[bool] | None = None,
    kind: list[int] | None = None,
    n_north: int = 1,
) -> Roster:
    region = region if region is not None else [ASIA_PACIFIC, ASIA_PACIFIC, LAC, LAC]
    n_south = len(region)
    sids = sids if sids is not None else [False] * (n_south - 1) + [True]
    kind = kind if kind is not None else [Kind.SIDS if s else Kind.MIC for s in sids]
    n = n_south + n_north
    codes = [f"S{k:02d}" for k in range(n_south)] + [f"N{k:02d}" for k in range(n_north)]
    return Roster(
        iso3=np.array(codes),
        name=np.array(codes),
        region=np.array([*region, *[5] * n_north], dtype=np.int64),
        income_level=np.array([1] * n_south + [3] * n_north, dtype=np.int64),
        sids=np.array([*sids, *[False] * n_north]),
        ldc=np.zeros(n, dtype=bool),
        kind=np.array([*kind, *[Kind.NORTH] * n_north], dtype=np.int64),
        gdp_usd=np.array([1e11] * n_south + [1e12] * n_north),
        population=np.array([1e7] * n),
        gdp_imputed=np.zeros(n, dtype=bool),
        oda_gni_pct=np.array([0.0] * n_south + [0.5] * n_north),
        n_south=n_south,
        excluded=(),
    )


def countries(
    the_roster: Roster,
    capacity: list[list[float]] | None = None,
    institutional: list[float] | None = None,
    ssc_budget: float = 1e6,
) -> Countries:
    n = the_roster.n_south
    capacity_array = (
        np.array(capacity, dtype=np.float64)
        if capacity is not None
        else np.linspace(0.2, 0.8, n * len(SECTORS)).reshape(n, len(SECTORS))
    )
    institutional_array = (
        np.array(institutional, dtype=np.float64) if institutional is not None else np.full(n, 0.5)
    )
    gdp = the_roster.gdp_usd[:n].copy()
    per_capita = gdp / the_roster.population[:n]
    return Countries(
        capacity=aligned_copy(capacity_array),
        institutional=institutional_array,
        gdp=gdp,
        gni_per_capita=per_capita.copy(),
        income_level=the_roster.income_level[:n].copy(),
        kind=the_roster.kind[:n].copy(),
        is_champion=the_roster.kind[:n] == Kind.CHAMPION,
        ssc_budget=np.full(n, float(ssc_budget)),
        oda_received=np.zeros(n),
        eligible=np.ones(n, dtype=bool),
        vulnerability=np.zeros(n),
        oda_base=np.ones(n),
        served=np.zeros(capacity_array.shape, dtype=np.int64),
        weakest=np.argsort(capacity_array, axis=1, kind="stable")[:, :1],
        offers=np.zeros(capacity_array.shape, dtype=bool),
        initial_capacity=capacity_array.copy(),
        initial_institutional=institutional_array.copy(),
        initial_gni_per_capita=per_capita.copy(),
        spare=aligned_empty(capacity_array.shape),
        engagement=np.full(n, 40.0),
        base_budget=np.full(n, 4e6),  # 1 M USD a quarter into each fund
        initial_gdp=gdp.copy(),
        priority_regions=np.zeros(n, dtype=np.int64),
    )


def platforms(
    the_roster: Roster,
    members: list[list[bool]] | None = None,
    specs: list[PlatformSpec] | None = None,
    fund: float = 1e6,
) -> PlatformState:
    specs = specs or [
        PlatformSpec(
            name="Test forum",
            kind=PlatformKind.interregional,
            events_per_year=4.0,
            event_cost_usd=100_000.0,
            participants_per_event=4,
        )
    ]
    n = the_roster.n_actors
    member_matrix = (
        np.array(members, dtype=bool)
        if members is not None
        else np.array([[k < the_roster.n_south for k in range(n)]] * len(specs))
    )
    count = len(specs)
    return PlatformState(
        codes=[f"P{k}" for k in range(count)],
        specs=specs,
        members=member_matrix,
        themes=[np.zeros(0, dtype=np.int64) for _ in specs],
        enabled=np.ones(count, dtype=bool),
        active=np.ones(count, dtype=bool),
        fund=np.full(count, float(fund)),
        last_event=np.zeros(count, dtype=np.int64),
        events_held=np.zeros(count, dtype=np.int64),
        rotation=[np.flatnonzero(member_matrix[p, : the_roster.n_south]) for p in range(count)],
        coordinator_position=np.zeros(count, dtype=np.int64),
        host_position=np.zeros(count, dtype=np.int64),
        last_participation=np.full((count, n), NEVER, dtype=np.int64),
    )


def network(the_roster: Roster, agreements: list[tuple[int, int]] = ()) -> Network:
    ties = TieTable(the_roster.n_actors)
    return Network(ties, *agreement_table(list(agreements), the_roster.n_actors))


def north(the_roster: Roster) -> NorthernPartners:
    n = the_roster.n_south
    return NorthernPartners(
        gni=the_roster.gdp_usd[n:].copy(), oda_gni_pct=the_roster.oda_gni_pct[n:].copy()
    )


def config(**sections: dict) -> SSCConfig:
    """Defaults with the given sections' fields replaced, e.g. config(ties={"decay_rate": 0.5})."""
    result = SSCConfig()
    result.world.champions = []
    result.world.partnerships = []
    for section, values in sections.items():
        for name, value in values.items():
            setattr(getattr(result, section), name, value)
    return result.validate()


def state(the_roster: Roster | None = None, **parts) -> ModelState:
    """A whole ModelState (for reporters), each part replaceable by keyword."""
    the_roster = the_roster or roster()
    built = {
        "config": config(),
        "sectors": list(SECTORS),
        "clock": Clock(2025, 4, 8),
        "roster": the_roster,
        "countries": countries(the_roster),
        "north": north(the_roster),
        "platforms": platforms(the_roster),
        "network": network(the_roster),
        "ledgers": Ledgers(),
        "tallies": StepTallies(the_roster.n_actors),
    }
    built.update(parts)
    return ModelState(**built)
