"""The model: South-South and triangular cooperation among the world's countries.

`SSCModel` owns the state as numpy arrays and runs the nine processes of docs/ODD.md in order.
It is plain Mesa: usable from Python, notebooks and Mesa's `batch_run`, without Hydra.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sscsim import metrics
from sscsim.actors import (
    Kind,
    build_roster,
    capacity_level,
    income_level_from_gdp_per_capita,
    initial_capacity,
)
from sscsim.agents import CountryAgent, NorthernPartner, PlatformAgent
from sscsim.config import ConfigError, Eligibility, SSCConfig, config_from_parameters
from sscsim.diffusion import LearningTies, absorptive_capacity, adopt_practices, diffusion_step
from sscsim.funding import (
    Repayments,
    northern_budgets,
    oda_allocation,
    oda_multiplier,
    southern_budget_inflow,
    vulnerability_index,
)
from sscsim.matching import (
    cost_factor_matrix,
    offer_matrix,
    provider_scores,
    similarity_matrix,
    weakest_sectors,
)
from sscsim.platforms import (
    available_funds,
    build_platforms,
    distribute_fund_inflows,
    rotate_coordinators,
    update_health,
)
from sscsim.ties import Layer, TieTable
from sscsim.world import WorldDataError, WorldTables, load_world

BILATERAL, TRIANGULAR, PLATFORM = "bilateral", "triangular", "platform"
MODALITIES: tuple[str, ...] = (BILATERAL, TRIANGULAR, PLATFORM)


class SSCModel(mesa.Model):
    """Agent-based model of South-South, triangular and platform cooperation.

    Parameters
    ----------
    rng : seed or numpy Generator (Mesa 3.5's seeding keyword); default: ``config.seed``.
    config : a full `SSCConfig`; default: every parameter at its documented default.
    world : already loaded world tables (skips reading `config.world` paths).
    **parameters : flat parameter overrides, e.g. ``oda_cut_depth=0.5, steps=8``
        (every leaf name of `SSCConfig`; see `sscsim.config.flat_parameter_paths`).

    Raises
    ------
    ConfigError : a parameter value is invalid (all bad values listed), before any work.
    WorldDataError : a world table is malformed.
    """

    def __init__(
        self,
        rng: Any = None,
        *,
        config: SSCConfig | None = None,
        world: WorldTables | None = None,
        seed: int | None = None,
        **parameters: Any,
    ):
        config = config_from_parameters(config, **parameters).validate()
        if rng is None:
            rng = seed if seed is not None else config.seed
        if isinstance(rng, int | np.integer):
            config.seed = int(rng)
        super().__init__(rng=rng)
        self.config = config
        if world is None:
            world = load_world(config.world.countries_path, config.world.memberships_path)
        self.world = world
        self._check_world_codes(world)

        self.sectors: list[str] = list(config.world.sectors)
        self.steps_per_year = config.steps_per_year
        self.n_steps = config.n_steps
        self.period = 0  # completed steps

        # --- actors and their state ---------------------------------------------------------
        scenario = config.scenario
        self.roster = build_roster(world, config.world.champions, scenario.champions_enabled)
        roster = self.roster
        self.n_south = roster.n_south
        self.kind = roster.kind.copy()
        self.capacity, self.institutional = initial_capacity(roster, len(self.sectors), self.rng)
        self.is_champion = self.kind[: self.n_south] == Kind.CHAMPION
        self.gdp = roster.gdp_usd.copy()
        per_capita = self.gdp[: self.n_south] / np.maximum(roster.population[: self.n_south], 1.0)
        self.gni_per_capita = _clip_to_income_band(per_capita, roster.income_level[: self.n_south])
        self.income_level = roster.income_level[: self.n_south].copy()
        self._initial_capacity = self.capacity.copy()
        self._initial_institutional = self.institutional.copy()
        self._initial_gni_per_capita = self.gni_per_capita.copy()
        self.ssc_budget = southern_budget_inflow(
            self.gdp[: self.n_south], self.is_champion, self.steps_per_year, config.funding
        )
        self.oda_received = np.zeros(self.n_south)
        self.degree = np.zeros(roster.n_actors, dtype=np.int64)
        self.eligible = np.zeros(self.n_south, dtype=bool)
        self.vulnerability = np.zeros(self.n_south)
        self.triangular_pool = np.zeros(roster.n_north)
        self.repayments = Repayments()

        # --- platforms, network, fixed matrices ---------------------------------------------
        self.platforms = build_platforms(
            world, roster, config.platforms, scenario, self.sectors, config.world.edp_members
        )
        self.north_affinity = self.platforms.members[:, self.n_south :].T.astype(float) @ (
            self.platforms.members[:, : self.n_south].astype(float)
        )
        self.north_affinity = np.minimum(self.north_affinity, 1.0)
        self.ties = TieTable(roster.n_actors)
        self.similarity = similarity_matrix(
            roster.region[: self.n_south], self.income_level, roster.sids[: self.n_south]
        )
        self.cost_factor = cost_factor_matrix(
            roster.region[: self.n_south],
            self.is_champion,
            config.funding.interregional_cost_multiplier,
            config.funding.champion_interregional_discount,
        )
        self.interregional_pair = _interregional_pairs(roster.region, self.n_south)
        self.agreement_trust = self._agreement_trust()

        # --- running actions and logs ------------------------------------------------------
        self.projects: dict[str, list] = {
            key: []
            for key in ("provider", "recipient", "sector", "end", "layer", "source", "target")
        }
        self.action_log: list[dict[str, Any]] = []
        self.event_log: list[dict[str, Any]] = []
        self.tie_snapshots: list[pd.DataFrame] = []
        self.requests: list[tuple[int, int]] = []
        self.modality_totals = dict.fromkeys(MODALITIES, 0)
        self.flow: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self._reset_step_tallies()
        self.weakest = weakest_sectors(self.capacity, config.matching.request_sectors)

        # --- agents ----------------------------------------------------------------------
        for row in range(self.n_south):
            CountryAgent(self, row)
        for row in range(self.n_south, roster.n_actors):
            NorthernPartner(self, row)
        for p in range(self.platforms.n_platforms):
            PlatformAgent(self, p)
        self.countries = self.agents_by_type[CountryAgent]

        self.update_eligibility(force=True)
        self.datacollector = metrics.build_datacollector(self.sectors)
        self.datacollector.collect(self)

    # ======================================================================================
    # The step
    # ======================================================================================
    def step(self) -> None:
        """One quarter, in the order of docs/ODD.md:

        1. Budgets: northern ODA on the scenario's path; Southern SSC funds and repayments;
           platform trust funds.
        2. Offers and requests in each country's strongest and weakest sectors.
        3. Matching of requests to offers; the funding found decides the modality.
        4. Platform events.
        5. Knowledge diffusion (numba kernel) and adoption of practices.
        6. Domestic dynamics: capacity depreciation and investment; agency capacity; growth.
        7. Ties strengthen or decay; platform health; coordinators rotate.
        8. Eligibility for ODA (each year's first quarter).
        9. Data collection.
        """
        self._reset_step_tallies()
        self.allocate_budgets()
        self.state_offers_and_requests()
        self.match_requests()
        self.hold_platform_events()
        self.diffuse_knowledge()
        self.domestic_dynamics()
        self.update_ties_and_platforms()
        self.period += 1
        self.update_eligibility()
        self.datacollector.collect(self)
        if self.period >= self.n_steps:
            self.running = False

    def run(
        self, steps: int | None = None, progress: Callable[[int], None] | None = None
    ) -> SSCModel:
        """Run `steps` steps (default: the rest of the configured horizon); return self."""
        steps = self.n_steps - self.period if steps is None else steps
        for _ in range(steps):
            self.step()
            if progress is not None:
                progress(1)
        return self

    # --- 1. budgets -----------------------------------------------------------------------
    def allocate_budgets(self) -> None:
        """Northern ODA budgets and their split; Southern SSC funds; platform trust funds."""
        config = self.config
        n = self.n_south
        self.oda_multiplier = oda_multiplier(self.year, config.scenario)
        budgets = northern_budgets(
            self.gdp[n:],
            self.roster.oda_gni_pct[n:],
            self.oda_multiplier,
            self.steps_per_year,
            config.funding,
        )
        self.oda_budget = budgets
        # Unspent co-funding lapses at the end of each quarter: a programme's yearly envelope.
        self.triangular_pool = budgets.triangular.copy()

        inflow = southern_budget_inflow(
            self.gdp[:n], self.is_champion, self.steps_per_year, config.funding
        )
        contribution = inflow * config.funding.member_contribution_share
        repaid = self.repayments.collect(n)
        cap = inflow * self.steps_per_year * config.funding.budget_carryover_years
        self.ssc_budget = np.minimum(self.ssc_budget + inflow - contribution, cap) + repaid
        self.flow["repayments"] = float(repaid.sum())
        self.flow["southern_contributions"] = float(contribution.sum())
        self.flow["northern_trust_funds"] = float(budgets.trust_funds.sum())
        self.flow["platform_inflows"] = distribute_fund_inflows(
            self.platforms,
            float(budgets.trust_funds.sum()),
            contribution,
            config.scenario.fealac_fund_multiplier,
        ).sum()

        flows = oda_allocation(
            budgets.bilateral,
            self.eligible,
            self.oda_need,
            self.roster.population[:n],
            self.north_affinity,
        )
        self.oda_received = flows.sum(axis=0)
        self.flow["oda_bilateral"] = float(flows.sum())
        self._reinforce_oda_ties(flows)

    def _reinforce_oda_ties(self, flows: np.ndarray) -> None:
        keep = self.config.ties.oda_ties_per_donor
        for partner in range(flows.shape[0]):
            recipients = np.flatnonzero(flows[partner] > 0)
            if len(recipients) > keep:
                top = np.argsort(-flows[partner, recipients], kind="stable")[:keep]
                recipients = np.sort(recipients[top])
            donors = np.full(len(recipients), self.n_south + partner)
            self.ties.reinforce(
                Layer.ODA, donors, recipients, self.period, self.config.ties.reinforcement
            )

    # --- 2. offers and requests -------------------------------------------------------------
    def state_offers_and_requests(self) -> None:
        """Each country offers in its strongest sectors and requests in its weakest."""
        params = self.config.matching
        offer_sectors = np.full(self.n_south, params.offer_sectors)
        offer_sectors[self.is_champion] += 1  # champions share know-how more widely
        self.offers = offer_matrix(self.capacity, offer_sectors, params.offer_quantile)
        self.weakest = weakest_sectors(self.capacity, params.request_sectors)
        self.requests = []
        self.countries.shuffle_do("state_requests")
        self.count["requests"] = len(self.requests)

    def is_served(self, recipient: int, sector: int) -> bool:
        """Whether a running action already serves this recipient in this sector."""
        return (recipient, sector) in self._served

    # --- 3. matching ------------------------------------------------------------------------
    def match_requests(self) -> None:
        """Match each request to a provider and find its funding.

        The recipient scores the providers that offer the sector and are far enough ahead, and
        draws one (softmax). The funding found decides the modality: the provider's national
        fund (bilateral), a northern partner's co-funding (triangular) or a shared platform's
        trust fund (platform), drawn in proportion to their appeal among those that can pay. A
        request whose first three providers cannot be funded lapses.
        """
        params = self.config.matching
        n = self.n_south
        slots = np.ceil(params.actions_per_agency * self.institutional).astype(np.int64)
        trust = self.ties.strength_matrix((Layer.BILATERAL, Layer.TRIANGULAR, Layer.PLATFORM), n)
        np.maximum(trust, self.agreement_trust, out=trust)
        active_members = self.platforms.members[self.platforms.active, :n].astype(float)
        comembership = active_members.T @ active_members
        countries = self.countries
        for recipient, sector in self.requests:
            gap = self.capacity[:, sector] - self.capacity[recipient, sector]
            candidates = np.flatnonzero(
                self.offers[:, sector] & (gap >= params.min_capacity_gap) & (slots > 0)
            )
            candidates = candidates[candidates != recipient]
            agent = countries[recipient]  # AgentSet order is creation order: row order
            for _attempt in range(3):
                if not len(candidates):
                    break
                scores = provider_scores(
                    gap[candidates],
                    self.similarity[recipient, candidates],
                    trust[recipient, candidates],
                    comembership[recipient, candidates],
                    self.cost_factor[recipient, candidates],
                    params,
                )
                provider = agent.choose_provider(candidates, scores)
                if self._fund_action(agent, provider, recipient, sector, comembership):
                    slots[provider] -= 1
                    break
                candidates = candidates[candidates != provider]
            else:
                self.count["unfunded"] += 1
                continue
            if not len(candidates):
                self.count["unfunded"] += 1

    def _fund_action(
        self,
        agent: CountryAgent,
        provider: int,
        recipient: int,
        sector: int,
        comembership: np.ndarray,
    ) -> bool:
        """Find funding for one action and start it; False if no modality can pay."""
        config = self.config
        funding, params = config.funding, config.matching
        duration = int(
            self.rng.integers(params.min_duration_quarters, params.max_duration_quarters + 1)
        )
        shared = np.flatnonzero(
            self.platforms.active
            & self.platforms.members[:, provider]
            & self.platforms.members[:, recipient]
        )
        through_organisation = len(shared) > 0
        discount = funding.multilateral_cost_discount if through_organisation else 0.0
        cost = funding.action_cost_usd * duration * self.cost_factor[recipient, provider]
        cost *= 1.0 - discount

        options: list[tuple[str, float]] = []
        if self.ssc_budget[provider] >= cost:
            options.append((BILATERAL, 1.0))
        funder = -1
        provider_part = cost * (1.0 - funding.triangular_cofunding_share)
        if self.ssc_budget[provider] >= provider_part:
            funder = self._choose_funder(provider, recipient, cost - provider_part)
            if funder >= 0:
                options.append((TRIANGULAR, params.triangular_appeal))
        platform = -1
        if len(shared):
            available = available_funds(self.platforms)[shared]
            affordable = shared[available >= cost]
            if len(affordable):
                platform = int(affordable[np.argmax(available[available >= cost])])
                priority = 1.0 + config.scenario.sids_priority * self.roster.sids[recipient]
                options.append((PLATFORM, params.platform_appeal * priority))
        if not options:
            return False

        modality = agent.choose_modality(options)
        refundable = False
        funder_code = platform_code = ""
        if modality == BILATERAL:
            refundable = bool(
                self.income_level[recipient] >= 1 and self.rng.random() < funding.refundable_share
            )
            self.ssc_budget[provider] -= cost
            self.flow["southern_funds"] += cost
            if refundable:
                instalments = max(1, round(funding.repayment_years * self.steps_per_year))
                self.repayments.add(recipient, provider, cost, instalments)
            self._start_project(Layer.BILATERAL, provider, provider, recipient, sector, duration)
        elif modality == TRIANGULAR:
            northern_part = cost - provider_part
            self.triangular_pool[funder - self.n_south] -= northern_part
            self.ssc_budget[provider] -= provider_part
            self.flow["northern_triangular"] += northern_part
            self.flow["southern_funds"] += provider_part
            funder_code = str(self.roster.iso3[funder])
            self.ties.reinforce(
                Layer.TRIANGULAR,
                [funder, funder],
                [provider, recipient],
                self.period,
                config.ties.reinforcement,
            )
            self._start_project(Layer.TRIANGULAR, provider, provider, recipient, sector, duration)
        else:
            self.platforms.fund[platform] -= cost
            self.flow["platform_funds"] += cost
            platform_code = self.platforms.codes[platform]
            self.platforms.last_participation[platform, [provider, recipient]] = self.period
            self._start_project(Layer.PLATFORM, provider, provider, recipient, sector, duration)
        if platform < 0 and len(shared):
            platform_code = self.platforms.codes[int(shared[0])]
        self.modality_totals[modality] += 1
        self.count[modality] += 1
        self.actions_by_country[[provider, recipient]] += 1
        self.action_log.append(
            {
                "period": self.period + 1,
                "year": self.calendar_year,
                "quarter": self.quarter,
                "provider": str(self.roster.iso3[provider]),
                "recipient": str(self.roster.iso3[recipient]),
                "funder": funder_code if modality == TRIANGULAR else "",
                "platform": platform_code,
                "modality": modality,
                "sector": self.sectors[sector],
                "cost_usd": float(cost),
                "duration_quarters": duration,
                "channel": "regional_organisation" if through_organisation else "direct",
                "refundable": refundable,
                "interregional": bool(self.interregional_pair[provider, recipient]),
            }
        )
        return True

    def _choose_funder(self, provider: int, recipient: int, need: float) -> int:
        """Actor row of the northern partner that co-funds, or -1 if none can."""
        partners = self.agents_by_type[NorthernPartner]
        weight = np.array([p.cofunding_weight(provider, recipient, need) for p in partners])
        if weight.sum() <= 0:
            return -1
        k = int(self.rng.choice(len(weight), p=weight / weight.sum()))
        return self.n_south + k

    def _start_project(
        self, layer: Layer, teacher: int, source: int, target: int, sector: int, duration: int
    ) -> None:
        self.ties.reinforce(layer, [source], [target], self.period, self.config.ties.reinforcement)
        projects = self.projects
        projects["provider"].append(teacher)
        projects["recipient"].append(target)
        projects["sector"].append(sector)
        projects["end"].append(self.period + duration)
        projects["layer"].append(int(layer))
        projects["source"].append(source)
        projects["target"].append(target)
        self._served.add((target, sector))

    # --- 4. platform events -------------------------------------------------------------------
    def hold_platform_events(self) -> None:
        """Each active platform with an event on its calendar convenes it."""
        self.agents_by_type[PlatformAgent].shuffle_do("convene")

    def record_event(
        self, p: int, host: int, participants: np.ndarray, from_fund: float, host_share: float
    ) -> None:
        """Effects of an event: ties among participants, one-to-many learning, the log."""
        state = self.platforms
        ties = self.config.ties
        themes = state.themes[p]
        sector = (
            int(themes[state.events_held[p] % len(themes)])
            if len(themes)
            else int(self.rng.integers(len(self.sectors)))
        )
        first, second = np.triu_indices(len(participants), k=1)
        source, target = participants[first], participants[second]
        bonus = 1.0 + ties.interregional_event_bonus * self.interregional_pair[source, target]
        self.ties.reinforce(
            Layer.PLATFORM, source, target, self.period, np.minimum(ties.reinforcement * bonus, 1.0)
        )
        teacher = int(participants[np.argmax(self.capacity[participants, sector])])
        learners = participants[participants != teacher]
        rate = self.config.diffusion.event_learning_rate * self.config.diffusion.skill_use_rate
        self.event_ties.append(
            LearningTies(
                np.full(len(learners), teacher),
                learners.astype(np.int64),
                np.full(len(learners), sector),
                np.full(len(learners), rate),
            )
        )
        state.last_event[p] = self.period
        state.events_held[p] += 1
        state.last_participation[p, participants] = self.period
        self.actions_by_country[participants] += 1
        self.count["events"] += 1
        self.flow["platform_funds"] += from_fund
        self.flow["southern_funds"] += host_share
        self.event_log.append(
            {
                "period": self.period + 1,
                "year": self.calendar_year,
                "quarter": self.quarter,
                "platform": state.codes[p],
                "host": self._iso3_or_empty(host),
                "coordinator": self._iso3_or_empty(state.coordinator(p)),
                "participants": len(participants),
                "interregional_pairs": int(self.interregional_pair[source, target].sum()),
                "sector": self.sectors[sector],
                "cost_usd": float(from_fund + host_share),
            }
        )

    # --- 5. diffusion -----------------------------------------------------------------------
    def diffuse_knowledge(self) -> None:
        """Learning along running actions and this step's events, then discrete adoption."""
        params = self.config.diffusion
        active = self._active_projects()
        provider = np.asarray(self.projects["provider"], dtype=np.int64)[active]
        recipient = np.asarray(self.projects["recipient"], dtype=np.int64)[active]
        sector = np.asarray(self.projects["sector"], dtype=np.int64)[active]
        strength = self._project_tie_strength(active)
        efficiency = 0.5 + 0.5 * self.institutional[provider]
        weight = params.learning_rate * strength * params.skill_use_rate * efficiency
        ties = LearningTies.concatenate(
            [LearningTies(provider, recipient, sector, weight), *self.event_ties]
        )
        absorptive = absorptive_capacity(self.institutional, params)
        learned, ceiling = diffusion_step(self.capacity, ties, absorptive)
        self.capacity, pilots = adopt_practices(learned, ceiling, absorptive, params, self.rng)
        self.count["pilots"] = int(pilots.sum())
        self.count["learning_ties"] = len(ties.teacher)

    def _active_projects(self) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.projects["end"], dtype=np.int64) > self.period)

    def _project_tie_strength(self, active: np.ndarray) -> np.ndarray:
        layer = np.asarray(self.projects["layer"], dtype=np.int64)[active]
        source = np.asarray(self.projects["source"], dtype=np.int64)[active]
        target = np.asarray(self.projects["target"], dtype=np.int64)[active]
        # Ongoing actions are joint activity: they keep their tie alive and strengthen it.
        strength = np.empty(len(active))
        for k in range(len(active)):
            row = self.ties.reinforce(
                Layer(int(layer[k])),
                [source[k]],
                [target[k]],
                self.period,
                0.25 * self.config.ties.reinforcement,
            )[0]
            strength[k] = self.ties.strength[row]
        return strength

    # --- 6. domestic dynamics ---------------------------------------------------------------------
    def domestic_dynamics(self) -> None:
        """Capacity relaxes toward the country's own potential: above it, gains from
        cooperation depreciate; below it, own investment closes the gap. The potential rises
        with income and with the cooperation agency's capacity; ODA received adds investment.
        The agency learns from each action and from professionalisation; economies grow."""
        params = self.config.domestic
        n = self.n_south
        capacity = self.capacity
        potential = self.capacity_potential()
        rate = np.where(capacity > potential, params.capacity_depreciation, params.own_investment)
        capacity += rate * (potential - capacity)
        quarterly_gdp = self.gdp[:n] / self.steps_per_year
        oda_share = np.minimum(self.oda_received / quarterly_gdp, 0.2)
        capacity += (self.config.funding.oda_capacity_effect * oda_share)[:, None] * (
            1.0 - capacity
        )
        np.clip(capacity, 0.0, 1.0, out=capacity)

        acted = self.actions_by_country[:n]
        professionalisation = self.config.scenario.professionalisation_rate / self.steps_per_year
        gain = params.institutional_learning * np.minimum(acted, 4) + professionalisation
        loss = np.where(acted == 0, params.institutional_decay, 0.0)
        self.institutional += gain * (1.0 - self.institutional) - loss * self.institutional
        np.clip(self.institutional, 0.0, 1.0, out=self.institutional)

        growth = (1.0 + self.config.funding.gdp_growth_rate) ** (1.0 / self.steps_per_year)
        self.gdp[:n] *= growth
        self.gni_per_capita *= growth

    def capacity_potential(self) -> np.ndarray:
        """Each country's domestic potential by sector, (n_south, n_sectors) in [0, 1]: its
        initial capacity, shifted by income growth and agency capacity since the start."""
        sids = self.roster.sids[: self.n_south]
        income_shift = capacity_level(self.gni_per_capita, sids) - capacity_level(
            self._initial_gni_per_capita, sids
        )
        agency_shift = self.config.domestic.agency_potential_effect * (
            self.institutional - self._initial_institutional
        )
        shift = income_shift + agency_shift
        return np.clip(self._initial_capacity + shift[:, None], 0.0, 1.0)

    # --- 7. ties and platforms ----------------------------------------------------------------
    def update_ties_and_platforms(self) -> None:
        """Ties without joint action decay and dissolve below the threshold; platform health;
        coordinators rotate; tie snapshots."""
        params = self.config.ties
        before, dissolved = self.ties.decay(
            self.period, params.decay_rate, params.dissolve_threshold
        )
        self.count["ties_dissolved"] = dissolved
        self.count["ties_before"] = before
        rows = self.ties.alive_rows()
        self.degree = np.bincount(
            self.ties.source[rows], minlength=self.roster.n_actors
        ) + np.bincount(self.ties.target[rows], minlength=self.roster.n_actors)
        self._retire_projects()
        update_health(self.platforms, self.period, self.roster, self.config.platforms)
        rotate_coordinators(self.platforms, self.period, self.steps_per_year)
        every = self.config.output.tie_snapshot_every
        if (self.period + 1) % every == 0 or self.period + 1 == self.n_steps:
            rows = self.ties.alive_rows()
            snapshot = self.ties.frame(rows)
            snapshot.insert(0, "period", self.period + 1)
            self.tie_snapshots.append(snapshot)

    def _retire_projects(self) -> None:
        end = np.asarray(self.projects["end"], dtype=np.int64)
        running = end > self.period + 1
        if running.all():
            return
        for key, values in self.projects.items():
            self.projects[key] = [v for v, keep in zip(values, running, strict=True) if keep]
        self._served = set(zip(self.projects["recipient"], self.projects["sector"], strict=True))

    # --- 8. eligibility ----------------------------------------------------------------------
    def update_eligibility(self, force: bool = False) -> None:
        """Each year: income groups from GNI per capita (GDP growth as its proxy), vulnerability,
        and who may receive ODA under the scenario's criterion."""
        if not force and self.period % self.steps_per_year != 0:
            return
        n = self.n_south
        elapsed_years = self.period / self.steps_per_year
        deflator = (1.0 + self.config.funding.income_threshold_growth) ** elapsed_years
        self.income_level = income_level_from_gdp_per_capita(self.gni_per_capita / deflator)
        self.kind[:n] = _southern_kinds(self.income_level, self.roster.sids[:n], self.is_champion)
        self.vulnerability = vulnerability_index(
            self.roster.sids[:n], self.roster.ldc[:n], self.capacity.mean(axis=1)
        )
        by_income = self.income_level < 3
        scenario = self.config.scenario
        if scenario.eligibility == Eligibility.vulnerability:
            threshold = self.config.domestic.vulnerability_threshold
            self.eligible = by_income | (self.vulnerability >= threshold)
            need = self.vulnerability
        else:
            self.eligible = by_income
            need = 1.0 / np.sqrt(np.maximum(self.gni_per_capita, 100.0))
            need = need / need.max()
        self.oda_need = need * (1.0 + scenario.sids_priority * self.roster.sids[:n])
        self.similarity = similarity_matrix(
            self.roster.region[:n], self.income_level, self.roster.sids[:n]
        )

    # ======================================================================================
    # Helpers
    # ======================================================================================
    @property
    def year(self) -> float:
        """Fractional calendar year at the start of the current step."""
        return self.config.start_year + self.period / self.steps_per_year

    @property
    def calendar_year(self) -> int:
        """Calendar year of the current step."""
        return self.config.start_year + self.period // self.steps_per_year

    @property
    def quarter(self) -> int:
        """Sub-period of the current step within its year, from 1 (a quarter by default)."""
        return self.period % self.steps_per_year + 1

    def _reset_step_tallies(self) -> None:
        self.flow = dict.fromkeys(
            (
                "southern_funds",
                "northern_triangular",
                "platform_funds",
                "oda_bilateral",
                "northern_trust_funds",
                "southern_contributions",
                "repayments",
                "platform_inflows",
            ),
            0.0,
        )
        self.count = dict.fromkeys(
            (
                *MODALITIES,
                "requests",
                "unfunded",
                "events",
                "pilots",
                "learning_ties",
                "ties_dissolved",
                "ties_before",
            ),
            0,
        )
        self.actions_by_country = np.zeros(self.roster.n_actors, dtype=np.int64)
        self.event_ties: list[LearningTies] = []
        if not hasattr(self, "_served"):
            self._served: set[tuple[int, int]] = set()

    def _iso3_or_empty(self, row: int) -> str:
        return str(self.roster.iso3[row]) if row >= 0 else ""

    def _agreement_trust(self) -> np.ndarray:
        """(n_south, n_south) trust floor from standing partnership agreements."""
        index = self.roster.index()
        trust = np.zeros((self.n_south, self.n_south))
        for pair in self.config.world.partnerships:
            codes = pair.split(":")
            if not all(code in index for code in codes):  # left out for lack of data
                continue
            first, second = (index[code] for code in codes)
            trust[first, second] = trust[second, first] = self.config.world.partnership_trust
        return trust

    def _check_world_codes(self, world: WorldTables) -> None:
        known = set(world.countries["iso3"])
        southern = set(world.countries.loc[world.countries["southern"], "iso3"])
        problems = []
        for code in self.config.world.champions:
            if code not in known:
                problems.append(f"world.champions: {code!r} is not an ISO3 code of the world table")
            elif code not in southern:
                problems.append(f"world.champions: {code!r} is not a Southern country")
        for pair in self.config.world.partnerships:
            for code in pair.split(":"):
                if code not in southern:
                    problems.append(
                        f"world.partnerships: {code!r} (in {pair!r}) is not a Southern country"
                        " of the world table"
                    )
        for code in self.config.world.edp_members or []:
            if code not in known:
                problems.append(
                    f"world.edp_members: {code!r} is not an ISO3 code of the world table"
                )
        if problems:
            raise ConfigError(problems)

    # --- outputs ------------------------------------------------------------------------------
    def actions_frame(self) -> pd.DataFrame:
        """Every cooperation action so far: the database of SSC actions."""
        return metrics.actions_frame(self.action_log)

    def events_frame(self) -> pd.DataFrame:
        """Every platform event so far."""
        return metrics.events_frame(self.event_log)

    def ties_frame(self) -> pd.DataFrame:
        """Tie snapshots by layer, with ISO3 codes of both ends."""
        return metrics.ties_frame(self.tie_snapshots, self.roster.iso3)

    def timeseries_frame(self) -> pd.DataFrame:
        """Model metrics per step."""
        return metrics.timeseries_frame(self)

    def agents_frame(self) -> pd.DataFrame:
        """The agent panel: one row per country and period."""
        return metrics.agents_frame(self)

    def summary(self) -> dict[str, Any]:
        """Headline figures of the run so far."""
        return metrics.summary(self)


def _clip_to_income_band(per_capita: np.ndarray, level: np.ndarray) -> np.ndarray:
    """A GNI-per-capita proxy consistent with the World Bank group: GDP per capita clipped into
    the group's band, so that growth (not the gap between GDP and GNI) moves countries."""
    bounds = (0.0, 1_135.0, 4_495.0, 13_935.0, np.inf)
    low = np.array([bounds[k] for k in level]) + 1.0
    high = np.array([bounds[k + 1] for k in level])
    return np.clip(per_capita, low, high)


def _southern_kinds(income_level: np.ndarray, sids: np.ndarray, champion: np.ndarray) -> np.ndarray:
    kind = np.full(len(income_level), Kind.OTHER, dtype=np.int64)
    kind[(income_level == 1) | (income_level == 2)] = Kind.MIC
    kind[sids] = Kind.SIDS
    kind[champion] = Kind.CHAMPION
    return kind


def _interregional_pairs(region: np.ndarray, n_south: int) -> np.ndarray:
    """bool (n_actors, n_actors): True between an Asia-Pacific and a LAC country."""
    from sscsim.actors import ASIA_PACIFIC, LAC

    asia = region == ASIA_PACIFIC
    lac = region == LAC
    pair = (asia[:, None] & lac[None, :]) | (lac[:, None] & asia[None, :])
    pair[n_south:, :] = False
    pair[:, n_south:] = False
    return pair


__all__ = ["MODALITIES", "ConfigError", "SSCModel", "WorldDataError"]
