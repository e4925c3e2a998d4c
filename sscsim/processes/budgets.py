"""Step 1, budgets: northern ODA on the scenario's path and its split, Southern SSC funds with
their repayments and platform contributions, platform trust funds, and bilateral ODA to the
recipients eligible this year.

Money in current USD. The rules are array functions (`oda_multiplier`, `northern_budgets`,
`southern_budget_inflow`, `oda_allocation`, `distribute_fund_inflows`); `allocate_budgets` is the
step.
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


def northern_budgets(
    gni_usd: np.ndarray,
    oda_gni_pct: np.ndarray,
    multiplier: float,
    steps_per_year: int,
    params: FundingParams,
) -> NorthernBudgets:
    """ODA budget = GNI x ODA/GNI ratio x scenario multiplier, for one step, and its split.

    GDP stands in for GNI (the tables have no GNI).
    """
    total = gni_usd * oda_gni_pct / 100.0 * multiplier / steps_per_year
    triangular = total * params.triangular_share_of_oda
    trust_funds = total * params.trust_fund_share_of_oda
    return NorthernBudgets(
        total=total,
        triangular=triangular,
        trust_funds=trust_funds,
        bilateral=total - triangular - trust_funds,
    )


def southern_budget_inflow(
    gdp_usd: np.ndarray, is_champion: np.ndarray, steps_per_year: int, params: FundingParams
) -> np.ndarray:
    """One step's new money in each Southern country's national SSC fund, USD."""
    share = np.where(
        is_champion,
        params.ssc_budget_share_gdp * params.champion_budget_multiplier,
        params.ssc_budget_share_gdp,
    )
    return gdp_usd * share / steps_per_year


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
) -> np.ndarray:
    """Pay this step's contributions into enabled platforms' funds; return the inflow per platform.

    Northern trust-fund money is split by `northern_fund_weight`; each Southern member's
    contribution (USD, n_actors) is split over its enabled platforms by `member_fund_weight`.
    The FEALAC trust fund's inflows are scaled by the scenario's multiplier.
    """
    northern_weight = np.array([s.northern_fund_weight for s in state.specs]) * state.enabled
    member_weight = np.array([s.member_fund_weight for s in state.specs]) * state.enabled
    inflow = np.zeros(state.n_platforms)
    if northern_weight.sum() > 0:
        inflow += northern_trust_total * northern_weight / northern_weight.sum()
    weights = state.members[:, : len(member_contribution)] * member_weight[:, None]
    per_member = weights.sum(axis=0)
    share = np.divide(
        weights, per_member, out=np.zeros_like(weights, dtype=float), where=per_member > 0
    )
    inflow += share @ member_contribution
    if "FEALAC" in state.codes:
        inflow[state.index("FEALAC")] *= fealac_multiplier
    state.fund += inflow
    return inflow


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
    """Step 1. Northern ODA budgets on the scenario's path and their split; Southern SSC funds
    (new money less platform contributions, capped at `budget_carryover_years` of inflow, plus
    repayments); platform trust funds; bilateral ODA to eligible recipients along the donors'
    portfolios, which keeps their ODA ties alive. Updates the state in place."""
    funding, n_steps_year = config.funding, clock.steps_per_year
    north.oda_multiplier = oda_multiplier(clock.year, config.scenario)
    budgets = northern_budgets(
        north.gni, north.oda_gni_pct, north.oda_multiplier, n_steps_year, funding
    )
    north.budgets = budgets
    # Unspent co-funding lapses at the end of each quarter: a programme's yearly envelope.
    north.triangular_pool = budgets.triangular.copy()

    inflow = southern_budget_inflow(countries.gdp, countries.is_champion, n_steps_year, funding)
    contribution = inflow * funding.member_contribution_share
    repaid = repayments.collect(countries.n)
    cap = inflow * n_steps_year * funding.budget_carryover_years
    countries.ssc_budget = np.minimum(countries.ssc_budget + inflow - contribution, cap) + repaid
    tallies.repayments = float(repaid.sum())
    tallies.southern_contributions = float(contribution.sum())
    tallies.northern_trust_funds = float(budgets.trust_funds.sum())
    tallies.platform_inflows = distribute_fund_inflows(
        platforms,
        float(budgets.trust_funds.sum()),
        contribution,
        config.scenario.fealac_fund_multiplier,
    ).sum()

    n = countries.n
    countries.oda_received = oda_allocation(
        budgets.bilateral, countries.oda_base, platforms.member_bits[:n], platforms.member_bits[n:]
    )
    tallies.oda_bilateral = float(countries.oda_received.sum())
    if len(north.portfolio_donor):
        ties = network.ties
        keys = ties.encode(Layer.ODA, n + north.portfolio_donor, north.portfolio_recipient)
        ties.reinforce_keys(keys, clock.period, config.ties.reinforcement)
