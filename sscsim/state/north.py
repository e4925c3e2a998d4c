"""The northern partners' (OECD DAC members') changing state, as arrays over partners."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class NorthernBudgets:
    """One step's northern ODA, USD, by partner (arrays of n_north)."""

    total: np.ndarray
    triangular: np.ndarray  # co-funding pool for triangular actions
    trust_funds: np.ndarray  # contributions to platform trust funds
    bilateral: np.ndarray  # North-South aid to recipients

    @classmethod
    def zeros(cls, n_north: int) -> NorthernBudgets:
        return cls(*(np.zeros(n_north) for _ in range(4)))


def _empty_index() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class NorthernPartners:
    """Arrays over northern partners (n_north); partner k is actor row n_south + k."""

    gni: np.ndarray  # float64 (n_north,), USD a year (GDP stands in for GNI)
    oda_gni_pct: np.ndarray  # float64 (n_north,): ODA as % of GNI in the reference year
    oda_multiplier: float = 1.0  # the scenario's multiplier of ODA this step
    budgets: NorthernBudgets = field(init=False)  # this step's ODA and its split
    triangular_pool: np.ndarray = field(init=False)  # co-funding left this step, USD
    # This year's portfolios of principal ODA recipients: (partner index, recipient row) pairs.
    portfolio_donor: np.ndarray = field(default_factory=_empty_index)
    portfolio_recipient: np.ndarray = field(default_factory=_empty_index)

    def __post_init__(self) -> None:
        self.budgets = NorthernBudgets.zeros(len(self.gni))  # no ODA before the first step
        self.triangular_pool = np.zeros(len(self.gni))

    @property
    def n(self) -> int:
        return len(self.gni)
