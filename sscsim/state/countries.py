"""The Southern countries' changing state, as arrays over countries (n_south rows).

Fixed attributes (codes, region, flags) are in the roster (`sscsim.state.roster`); what changes
during a run is here, one array a quantity. Agents (`sscsim.agents.CountryAgent`) are views on a
row of these arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sscsim.kernels.memory import aligned_copy, aligned_empty
from sscsim.state.roster import INCOME_THRESHOLDS, Kind, Roster, initial_capacity


@dataclass
class Countries:
    """Arrays over Southern countries; `n` rows, sectors in `capacity`'s columns."""

    capacity: np.ndarray  # float64 (n, n_sectors) in [0, 1], cache-line aligned, updated in place
    institutional: np.ndarray  # float64 (n,) in [0, 1]: the cooperation agency's capacity
    gdp: np.ndarray  # float64 (n,), current USD a year
    gni_per_capita: np.ndarray  # float64 (n,), USD: GDP per capita kept in its income band
    income_level: np.ndarray  # int64 (n,): 0=L .. 3=H, this year
    kind: np.ndarray  # int64 (n,): a Kind, this year
    is_champion: np.ndarray  # bool (n,)
    ssc_budget: np.ndarray  # float64 (n,), USD in the national SSC fund
    oda_received: np.ndarray  # float64 (n,), USD of bilateral ODA this step
    eligible: np.ndarray  # bool (n,): may receive ODA this year
    vulnerability: np.ndarray  # float64 (n,) in [0, 1]
    oda_base: np.ndarray  # float64 (n,) >= 0: weight in donors' bilateral allocations
    served: np.ndarray  # int64 (n, n_sectors): running actions serving each (country, sector)
    weakest: np.ndarray  # int64 (n, request_sectors): the sectors it requests in
    offers: np.ndarray  # bool (n, n_sectors): the sectors it offers this step
    initial_capacity: np.ndarray  # float64 (n, n_sectors): domestic potential at the start
    initial_institutional: np.ndarray  # float64 (n,)
    initial_gni_per_capita: np.ndarray  # float64 (n,)
    spare: np.ndarray  # float64 (n, n_sectors), aligned: scratch for the diffusion kernel
    engagement: np.ndarray  # float64 (n,): initiatives a year it takes part in (section 7.1)
    base_budget: np.ndarray  # float64 (n,): USD a year into its SSC fund at the start's GDP
    initial_gdp: np.ndarray  # float64 (n,), USD a year
    priority_regions: np.ndarray  # int64 (n,): bit r set where it gives priority to region r

    @property
    def n(self) -> int:
        return len(self.institutional)

    @property
    def n_sectors(self) -> int:
        return self.capacity.shape[1]


def build_countries(
    roster: Roster,
    sectors: Sequence[str],
    request_sectors: int,
    engagement: np.ndarray,
    base_budget: np.ndarray,
    ssc_budget: np.ndarray,
    priority_regions: np.ndarray,
    rng: np.random.Generator,
) -> Countries:
    """The initial state: capacities drawn from `rng` (see `roster.initial_capacity`), GDP from
    the tables, income groups from the World Bank, the engagement and yearly fund inflow
    (float64 (n_south,), initiatives and USD a year), `ssc_budget` (USD, n_south) in the funds,
    the providers' priority regions (int64 bit masks, n_south); nobody served yet."""
    n = roster.n_south
    capacity, institutional = initial_capacity(roster, sectors, rng)
    requested = min(request_sectors, len(sectors))
    gdp = roster.gdp_usd[:n].copy()
    per_capita = gdp / np.maximum(roster.population[:n], 1.0)
    gni_per_capita = clip_to_income_band(per_capita, roster.income_level[:n])
    return Countries(
        capacity=aligned_copy(capacity),
        institutional=institutional,
        gdp=gdp,
        gni_per_capita=gni_per_capita,
        income_level=roster.income_level[:n].copy(),
        kind=roster.kind[:n].copy(),
        is_champion=roster.kind[:n] == Kind.CHAMPION,
        ssc_budget=np.asarray(ssc_budget, dtype=np.float64).copy(),
        oda_received=np.zeros(n),
        eligible=np.zeros(n, dtype=bool),
        vulnerability=np.zeros(n),
        oda_base=np.zeros(n),
        served=np.zeros(capacity.shape, dtype=np.int64),
        weakest=np.argsort(capacity, axis=1, kind="stable")[:, :requested],
        offers=np.zeros(capacity.shape, dtype=bool),
        initial_capacity=capacity.copy(),
        initial_institutional=institutional.copy(),
        initial_gni_per_capita=gni_per_capita.copy(),
        spare=aligned_empty(capacity.shape),
        engagement=np.asarray(engagement, dtype=np.float64).copy(),
        base_budget=np.asarray(base_budget, dtype=np.float64).copy(),
        initial_gdp=gdp.copy(),
        priority_regions=np.asarray(priority_regions, dtype=np.int64).copy(),
    )


def clip_to_income_band(per_capita: np.ndarray, level: np.ndarray) -> np.ndarray:
    """A GNI-per-capita proxy consistent with the World Bank group: GDP per capita clipped into
    the group's band, so that growth (not the gap between GDP and GNI) moves countries."""
    bounds = np.array([0.0, *INCOME_THRESHOLDS, np.inf])
    return np.clip(per_capita, bounds[level] + 1.0, bounds[level + 1])
