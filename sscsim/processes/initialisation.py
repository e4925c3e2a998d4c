"""The state at the start of a run, built from the configuration and the world tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sscsim.config import OdaPath, SSCConfig
from sscsim.processes.budgets import oda_multiplier, southern_base_budget
from sscsim.state import ModelState
from sscsim.state.clock import Clock
from sscsim.state.countries import build_countries
from sscsim.state.engagement import engagement, load_segib
from sscsim.state.funds import SourceAccounts, account_balances, build_funds
from sscsim.state.ledgers import Ledgers
from sscsim.state.north import build_north
from sscsim.state.platforms import build_platforms
from sscsim.state.roster import REGION_INDEX, Roster, build_roster
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer, Network, TieTable, agreement_table
from sscsim.world import WorldTables

# Documented records of standing agreements (initiatives over years, with the source), which set
# the strength their tie starts at (`agreement_strengths`).
AGREEMENT_RECORDS = Path(__file__).resolve().parent.parent / "data" / "agreement_records.csv"


def initial_state(config: SSCConfig, world: WorldTables, rng: np.random.Generator) -> ModelState:
    """The state before the first step: the roster, initial capacities (drawn from `rng`), each
    country's engagement and one quarter's SSC budget in its fund, the platforms, the PGTF and
    joint funds (empty until their first income) with the source accounts opened, initial ties
    (synthetic worlds, drawn from `rng`) and the standing agreements, each an alive bilateral
    tie of its documented strength."""
    scenario = config.scenario
    sectors = list(config.world.sectors)
    roster = build_roster(
        world, config.world.champions, scenario.champions_enabled, config.world.south
    )
    n = roster.n_south
    engaged, _ = engagement(roster, load_segib(), config.funding.champion_budget_multiplier)
    base_budget = southern_base_budget(engaged, roster.income_level[:n], config.funding)
    countries = build_countries(
        roster,
        sectors,
        config.matching.request_sectors,
        engaged,
        base_budget,
        base_budget / config.steps_per_year,  # one quarter's inflow in the fund at the start
        provider_priority_bits(roster, config.world.provider_priorities),
        rng,
    )
    north = build_north(
        north_codes=roster.iso3[n:],
        south_codes=roster.iso3[:n],
        gni=roster.gdp_usd[n:].copy(),
        oda_gni_pct=roster.oda_gni_pct[n:].copy(),
        oda_multiplier=oda_multiplier(config.start_year, scenario),
        announced=scenario.oda_path is OdaPath.announced,
        projection=scenario.oda_projection.value,
    )
    platforms = build_platforms(
        world, roster, config.platforms, scenario, sectors, config.world.edp_members
    )
    ties = TieTable(roster.n_actors, initial_capacity=max(1024, 4 * roster.n_actors))
    add_initial_ties(ties, roster, config.world.initial_ties_per_actor, rng)
    agreements = agreement_pairs(roster, config)
    add_agreement_ties(ties, roster, agreements, config)
    network = Network(ties, *agreement_table(agreements, roster.n_actors))
    funds = build_funds(roster, platforms, config)
    opening = account_balances(countries, north, platforms, funds)
    return ModelState(
        config=config,
        sectors=sectors,
        clock=Clock(config.start_year, config.steps_per_year, config.n_steps),
        roster=roster,
        countries=countries,
        north=north,
        platforms=platforms,
        network=network,
        ledgers=Ledgers(sources=SourceAccounts.opening(opening)),
        tallies=StepTallies(roster.n_actors),
        funds=funds,
    )


def add_initial_ties(
    ties: TieTable, roster: Roster, per_actor: float, rng: np.random.Generator
) -> None:
    """Random ties present at the start (synthetic worlds; none for the real world)."""
    if per_actor <= 0:
        return
    from sscsim.synthetic import initial_ties

    layer, source, target, strength = initial_ties(roster.region, roster.n_south, per_actor, rng)
    ties.reinforce_keys(ties.encode(layer, source, target), -1, strength)


def agreement_pairs(roster: Roster, config: SSCConfig) -> list[tuple[int, int]]:
    """Actor rows of the standing partnership agreements (skipping economies left out)."""
    index = roster.index()
    pairs = []
    for pair in config.world.partnerships:
        first, second = pair.split(":")
        if first in index and second in index:
            pairs.append((index[first], index[second]))
    return pairs


def agreement_strengths(
    roster: Roster, pairs: list[tuple[int, int]], config: SSCConfig, records: pd.DataFrame
) -> np.ndarray:
    """Starting strength of each agreement's tie, float64 (len(pairs),) in (0, 1].

    A pair with a documented record of `initiatives` over `years` (`records`, either order)
    starts at the strength of a tie that the model's rule reinforces that many times a year,
    `1 - (1 - ties.reinforcement) ** (initiatives / years)` (the Chile-Mexico Joint Cooperation
    Fund: 10 a year -> 0.97); an agreement without a record starts at its trust floor,
    `world.partnership_trust` (an assumption)."""
    rate = {}
    for first, second, initiatives, years in zip(
        records["first"], records["second"], records["initiatives"], records["years"], strict=True
    ):
        rate[frozenset((first, second))] = float(initiatives) / float(years)
    strengths = np.full(len(pairs), config.world.partnership_trust)
    reinforcement = config.ties.reinforcement
    for k, (a, b) in enumerate(pairs):
        per_year = rate.get(frozenset((str(roster.iso3[a]), str(roster.iso3[b]))))
        if per_year is not None:
            strengths[k] = 1.0 - (1.0 - reinforcement) ** per_year
    return strengths


def add_agreement_ties(
    ties: TieTable,
    roster: Roster,
    pairs: list[tuple[int, int]],
    config: SSCConfig,
    records: pd.DataFrame | None = None,
) -> None:
    """The standing agreements start as alive bilateral ties, first country of the pair to
    second, at `agreement_strengths` (born before the first step). They teach nothing until a
    joint action records its sector on them (section 7.6); they decay like any tie."""
    if not pairs:
        return
    records = pd.read_csv(AGREEMENT_RECORDS) if records is None else records
    source = np.array([a for a, _ in pairs], dtype=np.int64)
    target = np.array([b for _, b in pairs], dtype=np.int64)
    strength = agreement_strengths(roster, pairs, config, records)
    ties.reinforce_keys(ties.encode(Layer.BILATERAL, source, target), -1, strength)


def provider_priority_bits(roster: Roster, priorities: list[str]) -> np.ndarray:
    """int64 (n_south,): bit r set where a Southern provider gives priority to recipients of region
    r (`world.provider_priorities`, entries 'AAA:region'; in a synthetic world every actor of the
    economy AAA)."""
    n = roster.n_south
    bits = np.zeros(n, dtype=np.int64)
    codes = np.array([str(code)[:3] for code in roster.iso3[:n]])
    for entry in priorities:
        code, region = entry.split(":")
        bits[codes == code] |= np.int64(1) << np.int64(REGION_INDEX[region])
    return bits
