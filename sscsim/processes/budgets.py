"""Step 1, budgets: northern ODA on the scenario's path (uniform, or each member's announced
path) and its split (country programmable aid, triangular co-funding, trust funds, the rest),
Southern SSC funds with their repayments and platform contributions, platform trust funds, and
country programmable aid to the recipients eligible this year.

Money in current USD. The rules are array functions (`oda_multiplier`, `partner_multipliers`,
`triangular_lines`, `northern_budgets`, `refill_triangular_pools`, `southern_budget_inflow`,
`oda_allocation`, `distribute_fund_inflows`); `allocate_budgets` is the step.
"""

from __future__ import annotations

import numpy as np

from sscsim.config import FundingParams, ScenarioConfig, SSCConfig
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import Repayments
from sscsim.state.north import NorthernBudgets, NorthernPartners
from sscsim.state.platforms import PlatformState
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer, Network


def oda_multiplier(year: float, scenario: ScenarioConfig) -> float:
    """Scenario multiplier of northern ODA at a (fractional) year.

    The product of the piecewise-constant path (`oda_path_years`, `oda_path_multipliers`: each
    multiplier holds from 1 January of its year) and the extra cut ``1 - depth * phase``, where
    the phase rises linearly from 0 at `oda_cut_start_year` to 1 after `oda_cut_ramp_years`.
    """
    path = 1.0
    for start, multiplier in zip(
        scenario.oda_path_years, scenario.oda_path_multipliers, strict=True
    ):
        if year >= start:
            path = multiplier
    elapsed = year - scenario.oda_cut_start_year
    if elapsed < 0:
        phase = 0.0
    elif scenario.oda_cut_ramp_years <= 0:
        phase = 1.0
    else:
        phase = min(1.0, (elapsed + 1e-9) / scenario.oda_cut_ramp_years)
    return path * (1.0 - scenario.oda_cut_depth * phase)


def partner_multipliers(
    year: float, uniform: float, path_years: np.ndarray, path_multipliers: np.ndarray, n_north: int
) -> np.ndarray:
    """Each northern partner's ODA multiplier at a (fractional) year, (n_north,).

    The uniform multiplier (`oda_multiplier`) times the partner's own path: `path_multipliers[d,
    k]` holds from 1 January of `path_years[k]` (the last one after it; before the first, and
    with no path at all, 1).
    """
    own = np.ones(n_north)
    if len(path_years):
        k = int(np.searchsorted(path_years, year, side="right")) - 1
        if k >= 0:
            own = path_multipliers[:, k].copy()
    return uniform * own


def triangular_lines(
    documented: np.ndarray, reference_oda: np.ndarray, floor_share: float
) -> np.ndarray:
    """Each partner's triangular budget line, USD a year at its reference ODA: the documented
    line where there is one (not NaN), else `floor_share` of its reference ODA."""
    return np.where(np.isnan(documented), floor_share * reference_oda, documented)


def northern_budgets(
    gni_usd: np.ndarray,
    oda_gni_pct: np.ndarray,
    multiplier: float | np.ndarray,
    triangular_line: np.ndarray,
    steps_per_year: int,
    params: FundingParams,
) -> NorthernBudgets:
    """ODA budget = GNI x ODA/GNI ratio x multiplier (scalar or per partner), for one step, and
    its split:

    country_programmable = cpa_share_of_oda x ODA;  trust_funds = trust_fund_share_of_oda x ODA;
    triangular = triangular_line x triangular_budget_scale x multiplier / steps_per_year, at
    most what is left; non_programmable = the rest. The four parts sum to the total.

    GDP stands in for GNI (the tables have no GNI). `triangular_line` : USD a year at the
    reference ODA (see `triangular_lines`).
    """
    total = gni_usd * oda_gni_pct / 100.0 * multiplier / steps_per_year
    country_programmable = total * params.cpa_share_of_oda
    trust_funds = total * params.trust_fund_share_of_oda
    left = np.maximum(total - country_programmable - trust_funds, 0.0)
    line = triangular_line * params.triangular_budget_scale * multiplier / steps_per_year
    triangular = np.minimum(line, left)
    return NorthernBudgets(
        total=total,
        triangular=triangular,
        trust_funds=trust_funds,
        country_programmable=country_programmable,
        non_programmable=left - triangular,
    )


def refill_triangular_pools(
    pool: np.ndarray, inflow: np.ndarray, starts_year: bool
) -> tuple[np.ndarray, float]:
    """This step's co-funding pools: a yearly envelope. At the first step of a year what was
    left of the last year's pools is returned to the partners (not spent on triangular work);
    then this step's inflow is added. Returns (pools, USD returned)."""
    returned = float(pool.sum()) if starts_year else 0.0
    kept = np.zeros_like(pool) if starts_year else pool
    return kept + inflow, returned


def southern_base_budget(
    engagement: np.ndarray, income_level: np.ndarray, params: FundingParams
) -> np.ndarray:
    """Each Southern country's yearly SSC fund inflow at the start, USD (n_south,): its
    engagement (initiatives a year) x `ssc_budget_per_initiative_usd` x the factor of its income
    group (`budget_factor_low_income`, `budget_factor_lower_middle_income`; 1 above)."""
    factors = np.array(
        [params.budget_factor_low_income, params.budget_factor_lower_middle_income, 1.0, 1.0]
    )
    return engagement * params.ssc_budget_per_initiative_usd * factors[income_level]


def southern_budget_inflow(
    base_budget: np.ndarray, gdp: np.ndarray, initial_gdp: np.ndarray, steps_per_year: int
) -> np.ndarray:
    """One step's new money in each Southern country's national SSC fund, USD: its base budget
    grown with its GDP since the start."""
    return base_budget * (gdp / initial_gdp) / steps_per_year


def oda_allocation(
    bilateral: np.ndarray,
    base: np.ndarray,
    recipient_mask: np.ndarray,
    donor_mask: np.ndarray,
) -> np.ndarray:
    """Split each donor's bilateral ODA over recipients; returns what each recipient receives.

    Donor d gives recipient r the share base_r x (1 + affinity_dr) / sum over r of the same,
    affinity being 1 where d and r share a platform (int64 membership bit masks) and 0
    elsewhere. Computed over groups of identical masks, so the cost grows with donors plus
    recipients, not their product; `oda_allocation_reference` states it as a dense matrix.

    bilateral : float64 (n_north,), USD; base : float64 (n_south,) >= 0 (see `oda_weights`);
    recipient_mask : int64 (n_south,); donor_mask : int64 (n_north,).
    """
    groups, group_of = np.unique(recipient_mask, return_inverse=True)
    donor_groups, donor_group_of = np.unique(donor_mask, return_inverse=True)
    boost = 1.0 + ((donor_groups[:, None] & groups[None, :]) != 0)  # (donor groups, groups)
    base_by_group = np.bincount(group_of, weights=base, minlength=len(groups))
    totals = (boost * base_by_group[None, :]).sum(axis=1)[donor_group_of]
    scale = np.divide(bilateral, totals, out=np.zeros_like(bilateral), where=totals > 0)
    scale_by_donor_group = np.bincount(donor_group_of, weights=scale, minlength=len(donor_groups))
    return base * (scale_by_donor_group @ boost)[group_of]


def oda_allocation_reference(
    bilateral: np.ndarray, base: np.ndarray, affinity: np.ndarray
) -> np.ndarray:
    """Dense statement of `oda_allocation`: USD (n_north, n_south) from donor to recipient."""
    weight = base[None, :] * (1.0 + affinity)
    totals = weight.sum(axis=1, keepdims=True)
    share = np.divide(weight, totals, out=np.zeros_like(weight), where=totals > 0)
    return share * bilateral[:, None]


def distribute_fund_inflows(
    state: PlatformState,
    northern_trust_total: float,
    member_contribution: np.ndarray,
    fealac_multiplier: float,
) -> tuple[np.ndarray, float]:
    """Pay this step's contributions into enabled platforms' funds; return the inflow per
    platform (USD, n_platforms) and the scenario's top-up of the FEALAC fund (USD, signed).

    Northern trust-fund money is split by `northern_fund_weight` (the caller pays none when no
    enabled platform takes it); each Southern member's contribution (USD, n_actors) is split
    over its enabled platforms by `member_fund_weight`. The scenario scales the FEALAC trust
    fund's inflows by `fealac_multiplier`: the difference is additional pledges (or pledges
    withheld, if below 1), a flow of its own so that money is accounted for.
    """
    northern_weight = np.array([s.northern_fund_weight for s in state.specs]) * state.enabled
    inflow = np.zeros(state.n_platforms)
    if northern_weight.sum() > 0:
        inflow += northern_trust_total * northern_weight / northern_weight.sum()
    weights = state.member_weights()[:, : len(member_contribution)]
    per_member = weights.sum(axis=0)
    share = np.divide(
        weights, per_member, out=np.zeros_like(weights, dtype=float), where=per_member > 0
    )
    inflow += share @ member_contribution
    top_up = 0.0
    if "FEALAC" in state.codes:
        fealac = state.index("FEALAC")
        top_up = float(inflow[fealac] * (fealac_multiplier - 1.0))
        inflow[fealac] += top_up
    state.fund += inflow
    return inflow, top_up


def takes_northern_money(state: PlatformState) -> bool:
    """Whether any enabled platform takes northern trust-fund contributions."""
    weight = np.array([spec.northern_fund_weight for spec in state.specs]) * state.enabled
    return bool(weight.sum() > 0)


def allocate_budgets(
    clock: Clock,
    countries: Countries,
    north: NorthernPartners,
    platforms: PlatformState,
    network: Network,
    repayments: Repayments,
    tallies: StepTallies,
    config: SSCConfig,
) -> None:
    """Step 1. Northern ODA budgets on the scenario's path (uniform or each partner's own) and
    their split, the triangular co-funding pools refilled (a yearly envelope); Southern SSC funds
    (new money less platform contributions, capped at `budget_carryover_years` of inflow, plus
    repayments); platform trust funds; country programmable aid to eligible recipients; the
    donors' portfolio ties reinforced (the ODA layer, read by funder choice in step 3). Updates
    the state in place."""
    funding, n_steps_year = config.funding, clock.steps_per_year
    uniform = oda_multiplier(clock.year, config.scenario)
    north.partner_multiplier = partner_multipliers(
        clock.year, uniform, north.path_years, north.path_multipliers, north.n
    )
    lines = triangular_lines(
        north.policy.triangular_line, north.reference_oda, funding.triangular_floor_share_of_oda
    )
    budgets = northern_budgets(
        north.gni, north.oda_gni_pct, north.partner_multiplier, lines, n_steps_year, funding
    )
    north.budgets = budgets
    reference = float(north.reference_oda.sum())
    north.oda_multiplier = (
        float(budgets.total.sum()) * n_steps_year / reference if reference else uniform
    )
    # Co-funding is a yearly envelope: unspent money carries over within the year and what is
    # left at its end is returned to the partner.
    north.triangular_pool, returned = refill_triangular_pools(
        north.triangular_pool, budgets.triangular, clock.quarter == 1
    )
    tallies.northern_triangular_pools = float(budgets.triangular.sum())
    tallies.northern_triangular_returned = returned

    inflow = southern_budget_inflow(
        countries.base_budget, countries.gdp, countries.initial_gdp, n_steps_year
    )
    # Only members of an enabled platform that takes member contributions pay into one.
    n = countries.n
    weights = platforms.member_weights()[:, :n]
    contribution = inflow * funding.member_contribution_share * (weights.sum(axis=0) > 0)
    repaid = repayments.collect(n)
    cap = inflow * n_steps_year * funding.budget_carryover_years
    kept = countries.ssc_budget + inflow - contribution
    returned = np.maximum(kept - cap, 0.0)  # above the carry-over cap: back to the treasury
    countries.ssc_budget = kept - returned + repaid
    tallies.southern_inflow = float(inflow.sum())
    tallies.southern_returned = float(returned.sum())
    tallies.repayments = float(repaid.sum())
    tallies.southern_contributions = float(contribution.sum())
    # Donors pay trust-fund money only where an enabled platform takes it.
    trust = float(budgets.trust_funds.sum()) if takes_northern_money(platforms) else 0.0
    tallies.northern_trust_funds = trust
    inflows, tallies.platform_top_up = distribute_fund_inflows(
        platforms, trust, contribution, config.scenario.fealac_fund_multiplier
    )
    tallies.platform_inflows = float(inflows.sum())

    countries.oda_received = oda_allocation(
        budgets.country_programmable,
        countries.oda_base,
        platforms.member_bits[:n],
        platforms.member_bits[n:],
    )
    tallies.oda_bilateral = float(countries.oda_received.sum())
    # Country programmable aid that found no eligible recipient is not lost: it is counted with
    # the rest of ODA that is not allocated to countries.
    # Nor is trust-fund money that no platform takes: the donors keep it for other uses.
    unallocated = float(budgets.country_programmable.sum()) - tallies.oda_bilateral
    kept_by_donors = float(budgets.trust_funds.sum()) - trust
    tallies.oda_non_programmable = (
        float(budgets.non_programmable.sum()) + max(unallocated, 0.0) + kept_by_donors
    )
    if len(north.portfolio_donor):
        ties = network.ties
        keys = ties.encode(Layer.ODA, n + north.portfolio_donor, north.portfolio_recipient)
        ties.reinforce_keys(keys, clock.period, config.ties.reinforcement)
