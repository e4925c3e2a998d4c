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
    "oda_bilateral",  # North-South aid to recipients
    "northern_trust_funds",  # northern contributions to platform trust funds
    "southern_contributions",  # Southern members' contributions to platform funds
    "repayments",  # refundable cooperation repaid into providers' funds
)


@dataclass
class StepTallies:
    """Counts and flows of the step under way; reset at the start of every step."""

    n_actors: int
    actions: np.ndarray = field(init=False)  # int64 (n_modalities,), by modality code
    actions_by_country: np.ndarray = field(init=False)  # int64 (n_actors,), incl. events
    requests: int = 0
    unfunded: int = 0  # requests that lapsed for want of funding
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
    northern_trust_funds: float = 0.0
    southern_contributions: float = 0.0
    repayments: float = 0.0
    platform_inflows: float = 0.0

    def __post_init__(self) -> None:
        self.actions = np.zeros(len(MODALITIES), dtype=np.int64)
        self.actions_by_country = np.zeros(self.n_actors, dtype=np.int64)

    def funding(self, source: str) -> float:
        """USD of one of `FUNDING_SOURCES` this step."""
        if source not in FUNDING_SOURCES:
            raise KeyError(f"unknown funding source {source!r}; known: {FUNDING_SOURCES}")
        return float(getattr(self, source))
