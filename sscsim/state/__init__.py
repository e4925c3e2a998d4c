"""The model's state as plain data, grouped by entity.

- `roster`: who takes part and their fixed attributes (`Roster`, `Kind`, regions, income rules)
- `countries`: the Southern countries' changing arrays (`Countries`)
- `north`: the northern partners' budgets and portfolios (`NorthernPartners`)
- `platforms`: members, funds, calendars, health, coordinators (`PlatformState`)
- `ties`: the multilayer network (`TieTable`, `Network`, `Layer`)
- `ledgers`: running actions, the action and event logs, repayments, tie snapshots
- `modalities`: the registry of cooperation modalities
- `tallies`: what one step counted (`StepTallies`)
- `clock`: period, year and quarter (`Clock`)

`ModelState` holds one of each; processes (`sscsim.processes`) take the parts they need, and
reporters (`sscsim.reporters`) read a `ModelState`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sscsim.config import SSCConfig
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import Ledgers
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import PlatformState
from sscsim.state.roster import Roster
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Network


@dataclass
class ModelState:
    """Everything a run's processes change and its reporters read."""

    config: SSCConfig
    sectors: list[str]
    clock: Clock
    roster: Roster
    countries: Countries
    north: NorthernPartners
    platforms: PlatformState
    network: Network
    ledgers: Ledgers
    tallies: StepTallies

    def new_step(self) -> None:
        """Reset the step's tallies."""
        self.tallies = StepTallies(self.roster.n_actors)


__all__ = [
    "Clock",
    "Countries",
    "Ledgers",
    "ModelState",
    "Network",
    "NorthernPartners",
    "PlatformState",
    "Roster",
    "StepTallies",
]
