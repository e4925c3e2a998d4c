"""Mesa agents: each actor's interface to the model, a view on its row of the state's arrays.

The decision rules are defined once, as array rules and kernels applied to every actor in a step
(`sscsim.processes`, `sscsim.kernels.matching`); an agent exposes its own state and its side of
those decisions (`CountryAgent.provider_scores` shows how it ranks the providers of a sector).
A `PlatformAgent` decides on its own events: `convene` returns an `Event` that step 4
(`sscsim.processes.events`) carries out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from sscsim.kernels import matching as kernel
from sscsim.processes.events import (
    Event,
    choose_host,
    choose_participants,
    choose_theme,
    is_event_step,
)
from sscsim.processes.matching import matching_parameters
from sscsim.state.roster import KIND_NAMES, Kind
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.model import SSCModel


class CountryAgent(mesa.Agent):
    """A Southern country (middle-income, SIDS, champion, or other)."""

    model: SSCModel

    def __init__(self, model: SSCModel, row: int):
        super().__init__(model)
        self.row = row

    @property
    def iso3(self) -> str:
        return str(self.model.roster.iso3[self.row])

    @property
    def kind(self) -> Kind:
        return Kind(self.model.state.countries.kind[self.row])

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[int(self.model.state.countries.kind[self.row])]

    @property
    def region(self) -> str:
        return REGIONS[int(self.model.roster.region[self.row])]

    @property
    def capacity(self) -> np.ndarray:
        """Capacity by sector, a view into the state's capacity matrix (updated in place, so a
        view taken earlier stays current)."""
        return self.model.state.countries.capacity[self.row]

    @property
    def mean_capacity(self) -> float:
        return float(self.model.state.countries.capacity[self.row].mean())

    @property
    def institutional_capacity(self) -> float:
        return float(self.model.state.countries.institutional[self.row])

    @property
    def ssc_budget(self) -> float:
        return float(self.model.state.countries.ssc_budget[self.row])

    @property
    def is_sids(self) -> bool:
        return bool(self.model.roster.sids[self.row])

    def weakest_sectors(self) -> list[str]:
        """The sectors it requests cooperation in (its weakest)."""
        return [self.model.sectors[s] for s in self.model.state.countries.weakest[self.row]]

    def offered_sectors(self) -> list[str]:
        """The sectors it offers this step (its strongest, above the Southern quantile)."""
        offers = self.model.state.countries.offers[self.row]
        return [self.model.sectors[s] for s in np.flatnonzero(offers)]

    def provider_scores(self, sector: str) -> pd.DataFrame:
        """How it ranks every provider offering `sector` now: the score of the matching kernel
        and its softmax probability (before budgets and delivery slots are checked)."""
        state = self.model.state
        countries, roster, network = state.countries, state.roster, state.network
        s = state.sectors.index(sector)
        places = roster.geography()
        real, _ = matching_parameters(self.model.config, places.known)
        n = countries.n
        ties = network.ties
        active = state.platforms.active_mask()
        rows: list[int] = []
        candidate_scores: list[float] = []
        for provider in np.flatnonzero(countries.offers[:, s]).tolist():
            gap = countries.capacity[provider, s] - countries.capacity[self.row, s]
            if provider == self.row or gap < real[kernel.MIN_GAP]:
                continue
            trust = kernel.trust_between(
                self.row, provider, ties.n_actors, ties.table_keys, ties.table_rows,
                ties.strength, ties.alive, network.agreement_keys, network.agreement_rows,
                real[kernel.AGREEMENT_TRUST],
            )  # fmt: skip
            score = kernel.provider_score(
                self.row, provider, s, countries.capacity, roster.region[:n],
                countries.income_level, roster.sids[:n], countries.is_champion,
                countries.priority_regions,
                places.latitude[:n], places.longitude[:n], places.languages[:n],
                places.economy[:n], places.neighbour_indptr, places.neighbour_rows,
                state.platforms.member_bits, active, trust, real,
            )  # fmt: skip
            rows.append(provider)
            candidate_scores.append(score)
        scores = np.asarray(candidate_scores)
        weight = (
            np.exp((scores - scores.max()) / real[kernel.TEMPERATURE]) if len(scores) else scores
        )
        frame = pd.DataFrame(
            {
                "provider": roster.iso3[np.asarray(rows, dtype=np.int64)],
                "score": scores,
                "probability": weight / weight.sum() if len(scores) else weight,
            }
        )
        return frame.sort_values("score", ascending=False, ignore_index=True)


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

    @property
    def oda_budget(self) -> float:
        """This step's ODA, USD."""
        return float(self.model.state.north.budgets.total[self.partner])

    @property
    def triangular_pool(self) -> float:
        """Triangular co-funding still available this step, USD."""
        return float(self.model.state.north.triangular_pool[self.partner])

    def principal_recipients(self) -> list[str]:
        """Its portfolio of principal ODA recipients this year."""
        north = self.model.state.north
        recipients = north.portfolio_recipient[north.portfolio_donor == self.partner]
        return [str(code) for code in self.model.roster.iso3[recipients]]


class PlatformAgent(mesa.Agent):
    """A platform: convenes events on its calendar when it is active and funded."""

    model: SSCModel

    def __init__(self, model: SSCModel, index: int):
        super().__init__(model)
        self.index = index

    @property
    def code(self) -> str:
        return self.model.state.platforms.codes[self.index]

    def convene(self) -> Event | None:
        """The event this platform holds this step, if the calendar has one and the platform can
        pay for it (None otherwise); step 4 carries it out.

        A champion member hosts in turn (and pays `champion_host_share` of the cost from its SSC
        fund), else the coordinator; the troika of coordinators attends; the theme follows the
        platform's themes in turn.
        """
        model, state, p = self.model, self.model.state, self.index
        platforms, countries = state.platforms, state.countries
        spec = platforms.specs[p]
        if not platforms.active[p] or not is_event_step(
            spec, state.clock.period, state.clock.steps_per_year
        ):
            return None
        host = choose_host(platforms, p, state.roster)
        host_share = 0.0
        if host >= 0 and countries.kind[host] == Kind.CHAMPION:
            host_share = min(
                model.config.platforms.champion_host_share * spec.event_cost_usd,
                countries.ssc_budget[host],
            )
        from_fund = spec.event_cost_usd - host_share
        if platforms.fund[p] < from_fund:
            return None
        participants = choose_participants(
            platforms,
            p,
            state.roster,
            countries.institutional,
            model.config.scenario.sids_priority,
            model.rng,
        )
        # The host and the troika (previous, current and incoming coordinators) attend.
        attending = [row for row in (host, *platforms.troika(p)) if row >= 0]
        participants = np.union1d(participants, np.asarray(attending, dtype=np.int64))
        if len(participants) < 2:
            return None
        sector = choose_theme(platforms, p, countries.capacity)
        return Event(p, host, participants, sector, float(from_fund), float(host_share))
