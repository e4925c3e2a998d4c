"""Mesa agents: each actor's interface to the model, a view on its row of the model's arrays.

The decision rules are defined once, as array rules and kernels applied to every actor in a step
(`sscsim.matching`, `sscsim.kernels.matching`, `sscsim.platforms`); an agent exposes its own
state and its side of those decisions (`CountryAgent.provider_scores` shows how it ranks the
providers of a sector). A `PlatformAgent` convenes its own events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from sscsim.actors import KIND_NAMES, Kind
from sscsim.kernels import matching as kernel
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

    def weakest_sectors(self) -> list[str]:
        """The sectors it requests cooperation in (its weakest)."""
        return [self.model.sectors[s] for s in self.model.weakest[self.row]]

    def offered_sectors(self) -> list[str]:
        """The sectors it offers this step (its strongest, above the Southern quantile)."""
        return [self.model.sectors[s] for s in np.flatnonzero(self.model.offers[self.row])]

    def provider_scores(self, sector: str) -> pd.DataFrame:
        """How it ranks every provider offering `sector` now: the score of the matching kernel
        and its softmax probability (before budgets and delivery slots are checked)."""
        from sscsim.matching import matching_parameters

        model = self.model
        s = model.sectors.index(sector)
        real, _ = matching_parameters(model.config)
        ties = model.ties
        active = model.platforms.active_mask()
        rows, scores = [], []
        for provider in np.flatnonzero(model.offers[:, s]):
            gap = model.capacity[provider, s] - model.capacity[self.row, s]
            if provider == self.row or gap < real[kernel.MIN_GAP]:
                continue
            trust = kernel.trust_between(
                self.row, provider, ties.n_actors, ties.table_keys, ties.table_rows,
                ties.strength, ties.alive, model.agreement_keys, model.agreement_rows,
                real[kernel.AGREEMENT_TRUST],
            )  # fmt: skip
            score = kernel.provider_score(
                self.row, provider, s, model.capacity, model.roster.region[: model.n_south],
                model.income_level, model.roster.sids[: model.n_south], model.is_champion,
                model.platform_mask, active, trust, real,
            )  # fmt: skip
            rows.append(provider)
            scores.append(score)
        scores = np.asarray(scores)
        weight = (
            np.exp((scores - scores.max()) / real[kernel.TEMPERATURE]) if len(scores) else scores
        )
        frame = pd.DataFrame(
            {
                "provider": model.roster.iso3[np.asarray(rows, dtype=np.int64)],
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
        return float(self.model.oda_budget.total[self.partner])

    @property
    def triangular_pool(self) -> float:
        """Triangular co-funding still available this step, USD."""
        return float(self.model.triangular_pool[self.partner])

    def principal_recipients(self) -> list[str]:
        """Its portfolio of principal ODA recipients this year."""
        donors, recipients = self.model.oda_portfolio
        return [str(code) for code in self.model.roster.iso3[recipients[donors == self.partner]]]


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
        fund), else the coordinator; the troika of coordinators attends; participants meet,
        strengthen their ties (interregional ones above all) and learn one-to-many from the most
        capable participant in the event's theme.
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
