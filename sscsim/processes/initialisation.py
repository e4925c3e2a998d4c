"""The state at the start of a run, built from the configuration and the world tables."""

from __future__ import annotations

import numpy as np

from sscsim.config import SSCConfig
from sscsim.processes.budgets import oda_multiplier, southern_budget_inflow
from sscsim.state import ModelState
from sscsim.state.clock import Clock
from sscsim.state.countries import build_countries
from sscsim.state.ledgers import Ledgers
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import build_platforms
from sscsim.state.roster import Kind, Roster, build_roster
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Network, TieTable, agreement_table
from sscsim.world import WorldTables


def initial_state(config: SSCConfig, world: WorldTables, rng: np.random.Generator) -> ModelState:
    """The state before the first step: the roster, initial capacities (drawn from `rng`), one
    quarter's SSC budget in every fund, the platforms, initial ties (synthetic worlds, drawn
    from `rng`) and the standing agreements."""
    scenario = config.scenario
    sectors = list(config.world.sectors)
    roster = build_roster(world, config.world.champions, scenario.champions_enabled)
    n = roster.n_south
    inflow = southern_budget_inflow(
        roster.gdp_usd[:n], roster.kind[:n] == Kind.CHAMPION, config.steps_per_year, config.funding
    )
    countries = build_countries(roster, len(sectors), config.matching.request_sectors, inflow, rng)
    north = NorthernPartners(
        gni=roster.gdp_usd[n:].copy(),
        oda_gni_pct=roster.oda_gni_pct[n:].copy(),
        oda_multiplier=oda_multiplier(config.start_year, scenario),
    )
    platforms = build_platforms(
        world, roster, config.platforms, scenario, sectors, config.world.edp_members
    )
    ties = TieTable(roster.n_actors, initial_capacity=max(1024, 4 * roster.n_actors))
    add_initial_ties(ties, roster, config.world.initial_ties_per_actor, rng)
    network = Network(ties, *agreement_table(agreement_pairs(roster, config), roster.n_actors))
    return ModelState(
        config=config,
        sectors=sectors,
        clock=Clock(config.start_year, config.steps_per_year, config.n_steps),
        roster=roster,
        countries=countries,
        north=north,
        platforms=platforms,
        network=network,
        ledgers=Ledgers(),
        tallies=StepTallies(roster.n_actors),
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
