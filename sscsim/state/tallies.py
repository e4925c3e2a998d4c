"""What happened in one step, counted by the processes and read by the reporters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sscsim.state.modalities import MODALITIES

# Money spent or moved in a step, USD; `funding_<name>_usd` columns of the time series (all but
# the platform inflows, which the fund balances show).
FUNDING_SOURCES: tuple[str, ...] = (
    "southern_funds",  # Southern SSC funds: bilateral actions, the provider's part of
    # triangular ones, champion hosts' shares of events
    "northern_triangular",  # northern co-funding of triangular actions
    "platform_funds",  # platform trust funds: projects and events
    "oda_bilateral",  # North-South aid to recipients: the country programmable aid allocated
    "oda_non_programmable",  # the rest of ODA, not allocated to countries (and any CPA without
    # an eligible recipient)
    "northern_triangular_pools",  # ODA put into the triangular co-funding pools
    "northern_triangular_returned",  # pools left at the end of a year, returned to the partners
    "northern_trust_funds",  # northern contributions to platform trust funds
    "southern_contributions",  # Southern members' contributions to platform funds
    "repayments",  # refundable cooperation repaid into providers' funds
    "southern_inflow",  # new money into the Southern SSC funds
    "southern_returned",  # unspent Southern money above the carry-over cap, back to treasuries
    "platform_inflows",  # all money into platform trust funds
    "platform_top_up",  # the scenario's extra pledges to the FEALAC fund (signed)
    "regional_funds",  # grants of the PGTF and the joint funds to regional projects
    "management_fees",  # fees paid by funds to the organisations managing their projects
    "joint_fund_contributions",  # paid by governments from their SSC funds into joint funds
    "pgtf_income",  # income of the PGTF's endowment
)

# The channels of capacity change (docs/ODD.md, sections 7.6 and 7.7), in column order of the
# `capacity_gain_<channel>` time series; a step's channels add up to its change in capacity.
LEARNING_CHANNELS: tuple[str, ...] = (
    "actions",  # learning along running actions (regional projects too), in their sector
    "events",  # one-to-many learning at platform events, in their theme
    "peers",  # peer learning along alive Southern ties, in the sectors of their joint actions
)
CAPACITY_CHANNELS: tuple[str, ...] = (
    *LEARNING_CHANNELS,
    "adoption",  # pilots of practices seen elsewhere
    "depreciation",  # capacity above potential relaxing toward it (negative)
    "own_investment",  # own investment toward the initial potential
    "potential_growth",  # own investment toward the rise of potential with income
    "oda",  # the effect of ODA received
)


@dataclass
class StepTallies:
    """Counts and flows of the step under way; reset at the start of every step."""

    n_actors: int
    actions: np.ndarray = field(init=False)  # int64 (n_modalities,), by modality code
    actions_by_country: np.ndarray = field(init=False)  # int64 (n_actors,), incl. events
    # float64 (n_channels,): change of capacity by channel of CAPACITY_CHANNELS this step, mean
    # over countries and sectors (capacity units)
    capacity_gain: np.ndarray = field(init=False)
    requests: int = 0
    unfunded: int = 0  # requests that lapsed for want of funding, a provider at hand
    unmatched: int = 0  # requests that found no eligible provider
    events: int = 0
    pilots: int = 0
    learning_ties: int = 0
    ties_before: int = 0  # alive before this step's decay
    ties_dissolved: int = 0
    interregional_actions: int = 0
    interregional_dissolved: int = 0
    southern_funds: float = 0.0
    northern_triangular: float = 0.0
    platform_funds: float = 0.0
    oda_bilateral: float = 0.0
    oda_non_programmable: float = 0.0
    northern_triangular_pools: float = 0.0
    northern_triangular_returned: float = 0.0
    northern_trust_funds: float = 0.0
    southern_contributions: float = 0.0
    repayments: float = 0.0
    southern_inflow: float = 0.0
    southern_returned: float = 0.0
    platform_inflows: float = 0.0
    platform_top_up: float = 0.0
    regional_funds: float = 0.0
    management_fees: float = 0.0
    joint_fund_contributions: float = 0.0
    pgtf_income: float = 0.0
    regional_projects: int = 0  # also counted in `actions` (the platform modality)
    pgtf_projects: int = 0

    def __post_init__(self) -> None:
        self.actions = np.zeros(len(MODALITIES), dtype=np.int64)
        self.actions_by_country = np.zeros(self.n_actors, dtype=np.int64)
        self.capacity_gain = np.zeros(len(CAPACITY_CHANNELS))

    def add_capacity_gain(self, channel: str, change: float) -> None:
        """Add a channel's mean change of capacity (over countries and sectors)."""
        self.capacity_gain[CAPACITY_CHANNELS.index(channel)] += change

    def funding(self, source: str) -> float:
        """USD of one of `FUNDING_SOURCES` this step."""
        if source not in FUNDING_SOURCES:
            raise KeyError(f"unknown funding source {source!r}; known: {FUNDING_SOURCES}")
        return float(getattr(self, source))
