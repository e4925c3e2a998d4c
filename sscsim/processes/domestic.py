"""Step 6, domestic dynamics: capacity relaxes toward each country's own potential, ODA received
adds investment, the cooperation agency learns from its actions (and from professionalisation)
and forgets without them, and economies grow."""

from __future__ import annotations

import numpy as np

from sscsim.config import SSCConfig
from sscsim.state.countries import Countries
from sscsim.state.roster import Roster, capacity_level
from sscsim.state.tallies import StepTallies


def capacity_potential(countries: Countries, roster: Roster, agency_effect: float) -> np.ndarray:
    """Each country's domestic potential by sector, (n_south, n_sectors) in [0, 1]: its initial
    capacity, shifted by income growth and by `agency_effect` x its agency's capacity gained
    since the start."""
    sids = roster.sids[: countries.n]
    income_shift = capacity_level(countries.gni_per_capita, sids) - capacity_level(
        countries.initial_gni_per_capita, sids
    )
    agency_shift = agency_effect * (countries.institutional - countries.initial_institutional)
    shift = income_shift + agency_shift
    return np.clip(countries.initial_capacity + shift[:, None], 0.0, 1.0)


def domestic_dynamics(
    countries: Countries,
    roster: Roster,
    tallies: StepTallies,
    steps_per_year: int,
    config: SSCConfig,
) -> None:
    """Step 6, in place. Above its potential a country's gains from cooperation depreciate;
    below it, own investment closes the gap; ODA received (up to `oda_capacity_share_cap` of
    quarterly GDP) adds `oda_capacity_effect` per unit of ODA/GDP. The agency gains
    `institutional_learning` for each action this step (at most
    `institutional_learning_max_actions`) plus the scenario's professionalisation, and decays
    without action. GDP grows at `gdp_growth_rate` a year."""
    params, funding = config.domestic, config.funding
    capacity = countries.capacity
    potential = capacity_potential(countries, roster, params.agency_potential_effect)
    rate = np.where(capacity > potential, params.capacity_depreciation, params.own_investment)
    capacity += rate * (potential - capacity)
    quarterly_gdp = countries.gdp / steps_per_year
    oda_share = np.minimum(countries.oda_received / quarterly_gdp, funding.oda_capacity_share_cap)
    capacity += (funding.oda_capacity_effect * oda_share)[:, None] * (1.0 - capacity)
    np.clip(capacity, 0.0, 1.0, out=capacity)

    acted = tallies.actions_by_country[: countries.n]
    professionalisation = config.scenario.professionalisation_rate / steps_per_year
    counted = np.minimum(acted, params.institutional_learning_max_actions)
    gain = params.institutional_learning * counted + professionalisation
    loss = np.where(acted == 0, params.institutional_decay, 0.0)
    institutional = countries.institutional
    institutional += gain * (1.0 - institutional) - loss * institutional
    np.clip(institutional, 0.0, 1.0, out=institutional)

    growth = (1.0 + funding.gdp_growth_rate) ** (1.0 / steps_per_year)
    countries.gdp *= growth
    countries.gni_per_capita *= growth
