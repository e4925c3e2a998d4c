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
    """Refundable cooperation still being repaid: one row per refundable action."""

    debtor: list[int] = field(default_factory=list)
    creditor: list[int] = field(default_factory=list)
    instalment: list[float] = field(default_factory=list)
    remaining: list[int] = field(default_factory=list)

    def add(self, debtor: int, creditor: int, amount: float, instalments: int) -> None:
        self.debtor.append(debtor)
        self.creditor.append(creditor)
        self.instalment.append(amount / instalments)
        self.remaining.append(instalments)

    def collect(self, n_countries: int) -> np.ndarray:
        """Pay this step's instalments; return what each creditor receives (USD, n_countries).

        Repayments come from the debtor's treasury, not its SSC fund, and flow back into the
        creditor's SSC fund.
        """
        received = np.zeros(n_countries)
        if not self.debtor:
            return received
        creditor = np.asarray(self.creditor)
        instalment = np.asarray(self.instalment)
        np.add.at(received, creditor, instalment)
        remaining = np.asarray(self.remaining) - 1
        keep = remaining > 0
        self.debtor = list(np.asarray(self.debtor)[keep])
        self.creditor = list(creditor[keep])
        self.instalment = list(instalment[keep])
        self.remaining = list(remaining[keep])
        return received

    @property
    def outstanding(self) -> float:
        return float(np.dot(self.instalment, self.remaining)) if self.debtor else 0.0


def vulnerability_index(sids: np.ndarray, ldc: np.ndarray, mean_capacity: np.ndarray) -> np.ndarray:
    """A multidimensional vulnerability index in [0, 1]: 0.4 SIDS + 0.3 LDC + 0.3 capacity gap.

    A simple stand-in for the UN multidimensional vulnerability index that the documents argue
    should complement income per capita: structural exposure (small island), structural
    handicap (least developed) and the lack of capacity the model tracks.
    """
    return 0.4 * sids + 0.3 * ldc + 0.3 * (1.0 - mean_capacity)


def oda_allocation(
    bilateral: np.ndarray,
    eligible: np.ndarray,
    need: np.ndarray,
    population: np.ndarray,
    affinity: np.ndarray,
) -> np.ndarray:
    """Split each donor's bilateral ODA over eligible recipients; returns USD (n_north, n_south).

    A recipient's weight is need x sqrt(population) x (1 + affinity), affinity being 1 where the
    donor shares a platform with the recipient (its region of focus) and 0 elsewhere.
    """
    weight = (need * np.sqrt(np.maximum(population, 1.0)) * eligible)[None, :] * (1.0 + affinity)
    totals = weight.sum(axis=1, keepdims=True)
    share = np.divide(weight, totals, out=np.zeros_like(weight), where=totals > 0)
    return share * bilateral[:, None]
