"""The northern partners' (OECD DAC members') state, as arrays over partners: their policies
(triangular budget lines, preferred regions and pivots, from the packaged donors table), their
ODA paths, and what changes each step (budgets, co-funding pools, portfolios)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable

import numpy as np

from sscsim.world import REGIONS

DONORS_TABLE: Traversable = files("sscsim") / "data" / "donors.csv"
ODA_ANNOUNCED_TABLE: Traversable = files("sscsim") / "data" / "oda_announced.csv"
SOUTHERN_REGIONS: tuple[str, ...] = REGIONS[:5]  # the regions a recipient can be in


@dataclass
class NorthernBudgets:
    """One step's northern ODA, USD, by partner (arrays of n_north). The parts sum to `total`."""

    total: np.ndarray
    triangular: np.ndarray  # added to the co-funding pool for triangular actions
    trust_funds: np.ndarray  # contributions to platform trust funds
    country_programmable: np.ndarray  # CPA: North-South aid allocated to recipient countries
    non_programmable: np.ndarray  # the rest of ODA (refugee costs, humanitarian, multilateral...)

    @classmethod
    def zeros(cls, n_north: int) -> NorthernBudgets:
        return cls(*(np.zeros(n_north) for _ in range(5)))


def _empty_index() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class DonorPolicies:
    """What each northern partner does in triangular cooperation (arrays over n_north).

    triangular_line : float64 (n_north,), USD a year at the reference ODA: the documented
        budget line, NaN where none is documented (the floor share of ODA applies, step 1).
    region_share : float64 (n_north, len(SOUTHERN_REGIONS)), each row sums to 1: the share of
        the partner's triangular work in each Southern region (equal where none is documented).
    pivot_indptr, pivot_rows : int64, compressed rows: the preferred pivots of partner d are
        the Southern rows ``pivot_rows[pivot_indptr[d]:pivot_indptr[d + 1]]``, increasing.
    """

    triangular_line: np.ndarray
    region_share: np.ndarray
    pivot_indptr: np.ndarray
    pivot_rows: np.ndarray

    @classmethod
    def neutral(cls, n_north: int) -> DonorPolicies:
        """No documented line, equal regional shares, no preferred pivots."""
        return cls(
            triangular_line=np.full(n_north, np.nan),
            region_share=np.full((n_north, len(SOUTHERN_REGIONS)), 1.0 / len(SOUTHERN_REGIONS)),
            pivot_indptr=np.zeros(n_north + 1, dtype=np.int64),
            pivot_rows=_empty_index(),
        )

    def pivots(self, partner: int) -> np.ndarray:
        return self.pivot_rows[self.pivot_indptr[partner] : self.pivot_indptr[partner + 1]]


def economy_code(code: str) -> str:
    """The economy an actor belongs to: its ISO3 code (a synthetic actor's code begins with it)."""
    return code[:3]


def _read(table: Traversable) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))


def load_donor_policies(
    north_codes: np.ndarray, south_codes: np.ndarray, table: Traversable = DONORS_TABLE
) -> DonorPolicies:
    """The policies of the northern partners `north_codes` from the donors table.

    A partner not in the table (a hand-built test state) gets the neutral policy; a pivot that
    is not among `south_codes` (the Southern actors, by row; in a synthetic world every actor of
    that economy) is left out.
    """
    rows = {row["iso3"]: row for row in _read(table)}
    policies = DonorPolicies.neutral(len(north_codes))
    south_rows: dict[str, list[int]] = {}
    for row, code in enumerate(south_codes):
        south_rows.setdefault(economy_code(str(code)), []).append(row)
    pivots: list[np.ndarray] = []
    for partner, code in enumerate(north_codes):
        entry = rows.get(economy_code(str(code)))
        chosen: list[int] = []
        if entry is not None:
            if entry["triangular_usd_a_year"]:
                policies.triangular_line[partner] = float(entry["triangular_usd_a_year"])
            weights = [entry[f"weight_{region}"] for region in SOUTHERN_REGIONS]
            if all(weights):
                share = np.array([float(w) for w in weights])
                policies.region_share[partner] = share / share.sum()
            for pivot in entry["pivots"].split():
                chosen += south_rows.get(pivot, [])
        pivots.append(np.array(sorted(chosen), dtype=np.int64))
    policies.pivot_indptr[1:] = np.cumsum([len(p) for p in pivots])
    policies.pivot_rows = np.concatenate([_empty_index(), *pivots])
    return policies


def load_announced_path(
    north_codes: np.ndarray, projection: str, table: Traversable = ODA_ANNOUNCED_TABLE
) -> tuple[np.ndarray, np.ndarray]:
    """The announced ODA path of the partners `north_codes` at one end of the OECD projection.

    Returns (years int64 (n_years,), multipliers float64 (n_north, n_years)): partner d's ODA
    is ``multipliers[d, k]`` times its reference ODA from 1 January of ``years[k]`` until the
    next year listed (the last holds after it; before the first, 1). A partner not in the table
    keeps a multiplier of 1.
    """
    rows = [row for row in _read(table) if row["projection"] == projection]
    if not rows:
        raise ValueError(f"oda_announced.csv has no rows for projection {projection!r}")
    years = np.array(sorted({int(row["year"]) for row in rows}), dtype=np.int64)
    column = {int(year): k for k, year in enumerate(years)}
    by_code: dict[str, np.ndarray] = {}
    for row in rows:
        values = by_code.setdefault(row["iso3"], np.ones(len(years)))
        values[column[int(row["year"])]] = float(row["multiplier"])
    multipliers = np.ones((len(north_codes), len(years)))
    for partner, code in enumerate(north_codes):
        if economy_code(str(code)) in by_code:
            multipliers[partner] = by_code[economy_code(str(code))]
    return years, multipliers


@dataclass
class NorthernPartners:
    """Arrays over northern partners (n_north); partner k is actor row n_south + k."""

    gni: np.ndarray  # float64 (n_north,), USD a year (GDP stands in for GNI)
    oda_gni_pct: np.ndarray  # float64 (n_north,): ODA as % of GNI in the reference year
    # The scenario's multiplier of DAC ODA this step: this step's ODA over the reference ODA
    # (the uniform multiplier when every partner follows it).
    oda_multiplier: float = 1.0
    policies: DonorPolicies | None = None  # None: the neutral policy
    # The member-specific path (scenario.oda_path announced): years (n_years,) and multipliers
    # (n_north, n_years); empty: every partner follows the uniform multiplier alone.
    path_years: np.ndarray = field(default_factory=_empty_index)
    path_multipliers: np.ndarray = field(default_factory=lambda: np.ones((0, 0)))
    partner_multiplier: np.ndarray = field(init=False)  # float64 (n_north,) this step
    budgets: NorthernBudgets = field(init=False)  # this step's ODA and its split
    # Co-funding left, USD: a yearly envelope, refilled each step, what is left at the end of a
    # year returned (step 1).
    triangular_pool: np.ndarray = field(init=False)
    # This year's portfolios of principal ODA recipients: (partner index, recipient row) pairs.
    portfolio_donor: np.ndarray = field(default_factory=_empty_index)
    portfolio_recipient: np.ndarray = field(default_factory=_empty_index)

    def __post_init__(self) -> None:
        n = len(self.gni)
        if self.policies is None:
            self.policies = DonorPolicies.neutral(n)
        self.partner_multiplier = np.full(n, self.oda_multiplier)
        self.budgets = NorthernBudgets.zeros(n)  # no ODA before the first step
        self.triangular_pool = np.zeros(n)

    @property
    def n(self) -> int:
        return len(self.gni)

    @property
    def policy(self) -> DonorPolicies:
        assert self.policies is not None  # set in __post_init__
        return self.policies

    @property
    def reference_oda(self) -> np.ndarray:
        """ODA a year at the reference ODA/GNI ratios, USD (n_north,)."""
        return self.gni * self.oda_gni_pct / 100.0


def build_north(
    north_codes: np.ndarray,
    south_codes: np.ndarray,
    gni: np.ndarray,
    oda_gni_pct: np.ndarray,
    oda_multiplier: float,
    announced: bool,
    projection: str,
) -> NorthernPartners:
    """The northern partners at the start of a run: their policies from the donors table, and
    their announced ODA paths if `announced` (else every partner follows the uniform path)."""
    north = NorthernPartners(
        gni=gni,
        oda_gni_pct=oda_gni_pct,
        oda_multiplier=oda_multiplier,
        policies=load_donor_policies(north_codes, south_codes),
    )
    if announced:
        north.path_years, north.path_multipliers = load_announced_path(north_codes, projection)
    return north
