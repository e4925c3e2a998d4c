"""Step 8, eligibility: once a year, income groups from GNI per capita (thresholds rising with
inflation), kinds, the vulnerability index, who may receive North-South ODA under the scenario's
criterion (strict income graduation, or a vulnerability criterion), the recipients' weights in
bilateral ODA, and each donor's portfolio of principal recipients (the ODA layer)."""

from __future__ import annotations

import numpy as np

from sscsim.config import Eligibility, FundingParams, SSCConfig
from sscsim.state.countries import Countries
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import PlatformState
from sscsim.state.roster import Kind, Roster, income_level_from_gdp_per_capita


def vulnerability_index(
    sids: np.ndarray, ldc: np.ndarray, mean_capacity: np.ndarray, funding: FundingParams
) -> np.ndarray:
    """A multidimensional vulnerability index in [0, 1]: by default 0.4 SIDS + 0.3 LDC + 0.3
    capacity gap (`funding.vulnerability_weight_*`, summing to 1).

    A simple stand-in for the UN multidimensional vulnerability index that the documents argue
    should complement income per capita: structural exposure (small island), structural
    handicap (least developed) and the lack of capacity the model tracks.
    """
    return (
        funding.vulnerability_weight_sids * sids
        + funding.vulnerability_weight_ldc * ldc
        + funding.vulnerability_weight_capacity * (1.0 - mean_capacity)
    )


def oda_weights(eligible: np.ndarray, need: np.ndarray, population: np.ndarray) -> np.ndarray:
    """A recipient's base weight in bilateral ODA: need x sqrt(population), 0 if not eligible."""
    return need * np.sqrt(np.maximum(population, 1.0)) * eligible


def oda_portfolios(
    base: np.ndarray,
    recipient_mask: np.ndarray,
    donor_mask: np.ndarray,
    draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Each donor's principal recipients, for the ODA layer of the network.

    `draws` recipients per donor, drawn with replacement in proportion to its allocation
    weights (see `oda_allocation`), duplicates removed. Returns (donor index, recipient row)
    arrays sorted by donor then recipient; empty where no recipient has weight.
    """
    n_north = len(donor_mask)
    if base.sum() <= 0 or n_north == 0 or draws == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    groups, group_of = np.unique(recipient_mask, return_inverse=True)
    order = np.argsort(group_of, kind="stable")
    cumulative = np.cumsum(base[order])
    base_by_group = np.bincount(group_of, weights=base, minlength=len(groups))
    group_start = np.concatenate([[0.0], np.cumsum(base_by_group)[:-1]])
    donor_groups, donor_group_of = np.unique(donor_mask, return_inverse=True)
    donors = np.empty(n_north * draws, dtype=np.int64)
    recipients = np.empty(n_north * draws, dtype=np.int64)
    for g, mask in enumerate(donor_groups):
        members = np.flatnonzero(donor_group_of == g)
        weight = base_by_group * (1.0 + ((mask & groups) != 0))
        group_cumulative = np.cumsum(weight)
        picks = len(members) * draws
        chosen_group = np.searchsorted(
            group_cumulative, rng.random(picks) * group_cumulative[-1], side="right"
        )
        chosen_group = np.minimum(chosen_group, len(groups) - 1)
        within = group_start[chosen_group] + rng.random(picks) * base_by_group[chosen_group]
        position = np.minimum(np.searchsorted(cumulative, within, side="right"), len(order) - 1)
        slots = (members[:, None] * draws + np.arange(draws)[None, :]).ravel()
        donors[slots] = np.repeat(members, draws)
        recipients[slots] = order[position]
    pairs = np.unique(donors * len(base) + recipients)
    return pairs // len(base), pairs % len(base)


def southern_kinds(income_level: np.ndarray, sids: np.ndarray, champion: np.ndarray) -> np.ndarray:
    """Each Southern country's kind, by precedence: champion, SIDS, middle-income, other."""
    kind = np.full(len(income_level), Kind.OTHER, dtype=np.int64)
    kind[(income_level == 1) | (income_level == 2)] = Kind.MIC
    kind[sids] = Kind.SIDS
    kind[champion] = Kind.CHAMPION
    return kind


def update_eligibility(
    years_elapsed: float,
    roster: Roster,
    countries: Countries,
    north: NorthernPartners,
    platforms: PlatformState,
    config: SSCConfig,
    rng: np.random.Generator,
) -> None:
    """Step 8, in place, for the year after `years_elapsed` years of the run. Under the income
    criterion low- and middle-income countries are eligible and need falls with GNI per capita;
    under the vulnerability criterion high-income countries above `vulnerability_threshold`
    stay eligible and need is the vulnerability index. SIDS priority scales need."""
    n = countries.n
    funding = config.funding
    deflator = (1.0 + funding.income_threshold_growth) ** years_elapsed
    countries.income_level = income_level_from_gdp_per_capita(countries.gni_per_capita / deflator)
    countries.kind = southern_kinds(countries.income_level, roster.sids[:n], countries.is_champion)
    countries.vulnerability = vulnerability_index(
        roster.sids[:n], roster.ldc[:n], countries.capacity.mean(axis=1), funding
    )
    by_income = countries.income_level < 3
    scenario = config.scenario
    if scenario.eligibility == Eligibility.vulnerability:
        countries.eligible = by_income | (
            countries.vulnerability >= config.domestic.vulnerability_threshold
        )
        need = countries.vulnerability
    else:
        countries.eligible = by_income
        need = 1.0 / np.sqrt(np.maximum(countries.gni_per_capita, 100.0))
        need = need / need.max()
    need = need * (1.0 + scenario.sids_priority * roster.sids[:n])
    countries.oda_base = oda_weights(countries.eligible, need, roster.population[:n])
    north.portfolio_donor, north.portfolio_recipient = oda_portfolios(
        countries.oda_base,
        platforms.member_bits[:n],
        platforms.member_bits[n:],
        config.ties.oda_ties_per_donor,
        rng,
    )
