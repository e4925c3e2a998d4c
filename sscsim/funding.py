"""Money: northern ODA budgets and their split, Southern SSC funds, refundable cooperation,
and the allocation of bilateral ODA to eligible recipients (steps 1 and 8)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sscsim.config import FundingParams, ScenarioConfig


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


@dataclass
class NorthernBudgets:
    """One step's northern ODA, USD, by partner (arrays of n_north)."""

    total: np.ndarray
    triangular: np.ndarray  # co-funding pool for triangular actions
    trust_funds: np.ndarray  # contributions to platform trust funds
    bilateral: np.ndarray  # North-South aid to recipients


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


@dataclass
class Repayments:
    """Refundable cooperation still being repaid: one entry per refundable action (arrays)."""

    debtor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    creditor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    instalment: np.ndarray = field(default_factory=lambda: np.zeros(0))
    remaining: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, debtor: int, creditor: int, amount: float, instalments: int) -> None:
        """A loan of `amount` USD repaid in `instalments` equal parts, one a step."""
        self.add_many(np.array([debtor]), np.array([creditor]), np.array([amount]), instalments)

    def add_many(
        self, debtor: np.ndarray, creditor: np.ndarray, amount: np.ndarray, instalments: int
    ) -> None:
        """`add` for arrays of loans."""
        self.debtor = np.concatenate([self.debtor, np.asarray(debtor, dtype=np.int64)])
        self.creditor = np.concatenate([self.creditor, np.asarray(creditor, dtype=np.int64)])
        self.instalment = np.concatenate(
            [self.instalment, np.asarray(amount, dtype=np.float64) / instalments]
        )
        self.remaining = np.concatenate(
            [self.remaining, np.full(len(debtor), instalments, dtype=np.int64)]
        )

    def collect(self, n_countries: int) -> np.ndarray:
        """Pay this step's instalments; return what each creditor receives (USD, n_countries).

        Repayments come from the debtor's treasury, not its SSC fund, and flow back into the
        creditor's SSC fund.
        """
        received = np.bincount(self.creditor, weights=self.instalment, minlength=n_countries)
        self.remaining = self.remaining - 1
        keep = self.remaining > 0
        self.debtor, self.creditor = self.debtor[keep], self.creditor[keep]
        self.instalment, self.remaining = self.instalment[keep], self.remaining[keep]
        return received.astype(np.float64)

    @property
    def outstanding(self) -> float:
        return float(np.dot(self.instalment, self.remaining))


def vulnerability_index(
    sids: np.ndarray,
    ldc: np.ndarray,
    mean_capacity: np.ndarray,
    *,
    weight_sids: float = 0.4,
    weight_ldc: float = 0.3,
    weight_capacity: float = 0.3,
) -> np.ndarray:
    """A multidimensional vulnerability index in [0, 1]: by default 0.4 SIDS + 0.3 LDC + 0.3
    capacity gap (the weights are `funding.vulnerability_weight_*`, summing to 1).

    A simple stand-in for the UN multidimensional vulnerability index that the documents argue
    should complement income per capita: structural exposure (small island), structural
    handicap (least developed) and the lack of capacity the model tracks.
    """
    return weight_sids * sids + weight_ldc * ldc + weight_capacity * (1.0 - mean_capacity)


def oda_weights(eligible: np.ndarray, need: np.ndarray, population: np.ndarray) -> np.ndarray:
    """A recipient's base weight in bilateral ODA: need x sqrt(population), 0 if not eligible."""
    return need * np.sqrt(np.maximum(population, 1.0)) * eligible


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
