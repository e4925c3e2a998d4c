"""Mesa agents: thin views on the model's arrays that hold the decisions.

A `CountryAgent` reads and writes its row of the model's arrays; it states requests, chooses
its provider and the modality of funding. A `NorthernPartner` decides which triangular actions
it co-funds. A `PlatformAgent` convenes its events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sscsim.actors import KIND_NAMES, Kind
from sscsim.matching import softmax_choice
from sscsim.platforms import choose_host, choose_participants, is_event_step
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.model import SSCModel


class CountryAgent(mesa.Agent):
    """A Southern country (middle-income, SIDS, champion, or other)."""

    model: SSCModel

    def __init__(self, model: SSCModel, row: int):
        super().__init__(model)
        self.row = row

    # --- views on the model's arrays ---------------------------------------------------
    @property
    def iso3(self) -> str:
        return str(self.model.roster.iso3[self.row])

    @property
    def kind(self) -> Kind:
        return Kind(self.model.kind[self.row])

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[int(self.model.kind[self.row])]

    @property
    def region(self) -> str:
        return REGIONS[int(self.model.roster.region[self.row])]

    @property
    def capacity(self) -> np.ndarray:
        """Capacity by sector, a view into the model's capacity matrix."""
        return self.model.capacity[self.row]

    @property
    def mean_capacity(self) -> float:
        return float(self.model.capacity[self.row].mean())

    @property
    def institutional_capacity(self) -> float:
        return float(self.model.institutional[self.row])

    @property
    def ssc_budget(self) -> float:
        return float(self.model.ssc_budget[self.row])

    @property
    def is_sids(self) -> bool:
        return bool(self.model.roster.sids[self.row])

    # --- decisions ------------------------------------------------------------------------
    def state_requests(self) -> None:
        """Request cooperation in the weakest sectors not already served by a running action.

        Each weak sector is requested with probability `request_rate` x (0.5 + 0.5 x agency
        capacity): a stronger agency identifies and formulates more of its needs.
        """
        model = self.model
        params = model.config.matching
        chance = params.request_rate * (0.5 + 0.5 * model.institutional[self.row])
        for sector in model.weakest[self.row]:
            if model.rng.random() < chance and not model.is_served(self.row, int(sector)):
                model.requests.append((self.row, int(sector)))

    def choose_provider(self, candidates: np.ndarray, scores: np.ndarray) -> int:
        """Pick a provider among candidates, favouring the better-scored (softmax)."""
        k = softmax_choice(scores, self.model.config.matching.choice_temperature, self.model.rng)
        return int(candidates[k])

    def choose_modality(self, options: list[tuple[str, float]]) -> str:
        """Pick a funding modality among the feasible ones, in proportion to their appeal."""
        appeal = np.array([weight for _, weight in options])
        k = int(self.model.rng.choice(len(options), p=appeal / appeal.sum()))
        return options[k][0]


class NorthernPartner(mesa.Agent):
    """An OECD DAC member: funds North-South aid, triangular actions and trust funds."""

    model: SSCModel

    def __init__(self, model: SSCModel, row: int):
        super().__init__(model)
        self.row = row  # actor row (after the Southern countries)

    @property
    def iso3(self) -> str:
        return str(self.model.roster.iso3[self.row])

    @property
    def partner(self) -> int:
        """Index among northern partners."""
        return self.row - self.model.n_south

    def cofunding_weight(self, pivot: int, beneficiary: int, need: float) -> float:
        """How keen this partner is to co-fund a triangular action: zero if its pool cannot
        cover `need`, else its pool, doubled where it shares a platform with the beneficiary."""
        pool = self.model.triangular_pool[self.partner]
        if pool < need:
            return 0.0
        return float(pool * (1.0 + self.model.north_affinity[self.partner, beneficiary]))


class PlatformAgent(mesa.Agent):
    """A platform: convenes events on its calendar when it is active and funded."""

    model: SSCModel

    def __init__(self, model: SSCModel, index: int):
        super().__init__(model)
        self.index = index

    @property
    def code(self) -> str:
        return self.model.platforms.codes[self.index]

    def convene(self) -> None:
        """Hold this step's event if the calendar has one and the platform can pay for it.

        A champion member hosts in turn (and pays `champion_host_share` of the cost from its SSC
        fund), else the coordinator; participants meet, strengthen their ties (interregional ones
        above all) and learn one-to-many from the most capable participant in the event's theme.
        """
        model, state, p = self.model, self.model.platforms, self.index
        spec = state.specs[p]
        if not state.active[p] or not is_event_step(spec, model.period, model.steps_per_year):
            return
        host = choose_host(state, p, model.roster)
        host_share = 0.0
        if host >= 0 and model.kind[host] == Kind.CHAMPION:
            host_share = min(
                model.config.platforms.champion_host_share * spec.event_cost_usd,
                model.ssc_budget[host],
            )
        from_fund = spec.event_cost_usd - host_share
        if state.fund[p] < from_fund:
            return
        participants = choose_participants(
            state,
            p,
            model.roster,
            model.institutional,
            model.config.scenario.sids_priority,
            model.rng,
        )
        # The host and the troika (previous, current and incoming coordinators) attend.
        attending = [row for row in (host, *state.troika(p)) if row >= 0]
        participants = np.union1d(participants, np.asarray(attending, dtype=np.int64))
        if len(participants) < 2:
            return
        state.fund[p] -= from_fund
        if host_share:
            model.ssc_budget[host] -= host_share
        model.record_event(p, host, participants, from_fund, host_share)
