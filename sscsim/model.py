"""The model: South-South and triangular cooperation among the world's countries.

`SSCModel` owns the state as numpy arrays and runs the nine processes of docs/ODD.md in order.
Every process is array code or a compiled kernel, so a step costs about the same per actor and
per tie at two hundred countries as at a million actors. It is plain Mesa: usable from Python,
notebooks and Mesa's `batch_run`, without Hydra.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sscsim import metrics
from sscsim.actions import MODALITIES, ActionLog, RunningActions
from sscsim.actors import (
    ASIA_PACIFIC,
    LAC,
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
    oda_portfolios,
    oda_weights,
    southern_budget_inflow,
    vulnerability_index,
)
from sscsim.kernels import hashing
from sscsim.kernels import matching as kernel
from sscsim.kernels.diffusion import ALL_SECTORS
from sscsim.kernels.memory import aligned_copy, aligned_empty
from sscsim.kernels.random import new_state
from sscsim.matching import (
    matching_parameters,
    offer_lists,
    offer_matrix,
    request_draws,
    weakest_sectors,
)
from sscsim.platforms import (
    build_platforms,
    distribute_fund_inflows,
    event_reserves,
    rotate_coordinators,
    update_health,
)
from sscsim.ties import Layer, TieTable
from sscsim.world import WorldDataError, WorldTables, load_world

__all__ = ["MODALITIES", "ConfigError", "SSCModel", "WorldDataError"]

BILATERAL, TRIANGULAR, PLATFORM = kernel.BILATERAL, kernel.TRIANGULAR, kernel.PLATFORM


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
        self.world = world if world is not None else self._load_world(config)
        if "country" not in self.world.countries:  # a synthetic world was checked on its base
            self._check_world_codes(self.world)

        self.sectors: list[str] = list(config.world.sectors)
        self.steps_per_year = config.steps_per_year
        self.n_steps = config.n_steps
        self.period = 0  # completed steps

        # --- actors and their state ---------------------------------------------------------
        scenario = config.scenario
        self.roster = build_roster(self.world, config.world.champions, scenario.champions_enabled)
        roster = self.roster
        n = self.n_south = roster.n_south
        self.kind = roster.kind.copy()
        capacity, self.institutional = initial_capacity(roster, len(self.sectors), self.rng)
        self.capacity = aligned_copy(capacity)
        self._spare = aligned_empty(capacity.shape)
        self.is_champion = self.kind[:n] == Kind.CHAMPION
        self.gdp = roster.gdp_usd.copy()
        per_capita = self.gdp[:n] / np.maximum(roster.population[:n], 1.0)
        self.gni_per_capita = _clip_to_income_band(per_capita, roster.income_level[:n])
        self.income_level = roster.income_level[:n].copy()
        self._initial_capacity = self.capacity.copy()
        self._initial_institutional = self.institutional.copy()
        self._initial_gni_per_capita = self.gni_per_capita.copy()
        self.ssc_budget = southern_budget_inflow(
            self.gdp[:n], self.is_champion, self.steps_per_year, config.funding
        )
        self.oda_received = np.zeros(n)
        self.oda_multiplier = oda_multiplier(self.year, scenario)
        self.oda_budget = northern_budgets(
            self.gdp[n:], roster.oda_gni_pct[n:], 0.0, self.steps_per_year, config.funding
        )
        self.degree = np.zeros(roster.n_actors, dtype=np.int64)
        self.eligible = np.zeros(n, dtype=bool)
        self.vulnerability = np.zeros(n)
        self.oda_need = np.zeros(n)
        self.triangular_pool = np.zeros(roster.n_north)
        self.repayments = Repayments()
        self.served = np.zeros((n, len(self.sectors)), dtype=np.int64)

        # --- platforms and the network ------------------------------------------------------
        self.platforms = build_platforms(
            self.world, roster, config.platforms, scenario, self.sectors, config.world.edp_members
        )
        self.platform_mask = self.platforms.membership_mask()
        self.ties = TieTable(roster.n_actors, initial_capacity=max(1024, 4 * roster.n_actors))
        self._add_initial_ties()
        self.agreement_keys, self.agreement_rows = self._agreements()
        self.oda_portfolio = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

        # --- running actions and logs ------------------------------------------------------
        self.running_actions = RunningActions()
        self.action_log = ActionLog()
        self.event_log: list[dict[str, Any]] = []
        self.tie_snapshots: list[pd.DataFrame] = []
        self.panel = metrics.Panel()
        self.requests = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self.modality_totals = dict.fromkeys(MODALITIES, 0)
        self.flow: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self._reset_step_tallies()
        self.weakest = weakest_sectors(self.capacity, config.matching.request_sectors)
        self.offers = np.zeros_like(self.capacity, dtype=bool)

        # --- agents ----------------------------------------------------------------------
        CountryAgent.create_agents(self, n, list(range(n)))
        NorthernPartner.create_agents(self, roster.n_north, list(range(n, roster.n_actors)))
        PlatformAgent.create_agents(
            self, self.platforms.n_platforms, list(range(self.platforms.n_platforms))
        )
        self.countries = self.agents_by_type[CountryAgent]

        # The processes of a step, in order (timed: `process_seconds`, for the benchmarks).
        self.processes: tuple[tuple[str, Callable[[], None]], ...] = (
            ("budgets", self.allocate_budgets),
            ("requests", self.state_offers_and_requests),
            ("matching", self.match_requests),
            ("events", self.hold_platform_events),
            ("diffusion", self.diffuse_knowledge),
            ("domestic", self.domestic_dynamics),
            ("ties", self.update_ties_and_platforms),
            ("clock", self._advance_period),
            ("eligibility", self.update_eligibility),
            ("data", self.collect_data),
        )
        self.process_seconds = dict.fromkeys((name for name, _ in self.processes), 0.0)
        self._snapshot_alive_ties()
        self.update_eligibility(force=True)
        self.datacollector = metrics.build_datacollector()
        self.datacollector.collect(self)
        self.panel.record(self)

    def _load_world(self, config: SSCConfig) -> WorldTables:
        world = load_world(config.world.countries_path, config.world.memberships_path)
        if config.world.synthetic_actors is not None:
            from sscsim.synthetic import synthetic_world

            self._check_world_codes(world)  # codes name economies of the base world
            world = synthetic_world(
                config.world.synthetic_actors, config.world.synthetic_seed, world
            )
        return world

    # ======================================================================================
    # The step
    # ======================================================================================
    def step(self) -> None:
        """One quarter, in the order of docs/ODD.md:

        1. Budgets: northern ODA on the scenario's path; Southern SSC funds and repayments;
           platform trust funds; bilateral ODA to eligible recipients.
        2. Offers and requests in each country's strongest and weakest sectors.
        3. Matching of requests to offers; the funding found decides the modality.
        4. Platform events.
        5. Knowledge diffusion (numba kernel) and adoption of practices.
        6. Domestic dynamics: capacity depreciation and investment; agency capacity; growth.
        7. Ties strengthen or decay; platform health; coordinators rotate.
        8. Eligibility for ODA (after each year's last quarter, for the next year).
        9. Data collection.
        """
        self._reset_step_tallies()
        for name, process in self.processes:
            started = time.perf_counter()
            process()
            self.process_seconds[name] += time.perf_counter() - started
        if self.period >= self.n_steps:
            self.running = False

    def _advance_period(self) -> None:
        self.period += 1

    def collect_data(self) -> None:
        """Step 9: the model metrics (Mesa's DataCollector) and, when due, the country panel."""
        self.datacollector.collect(self)
        if self.period % self.config.output.panel_every == 0 or self.period == self.n_steps:
            self.panel.record(self)

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
        """Northern ODA budgets and their split; Southern SSC funds; platform trust funds;
        bilateral ODA to eligible recipients along the donors' portfolios."""
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

        self.oda_received = oda_allocation(
            budgets.bilateral, self.oda_base, self.platform_mask[:n], self.platform_mask[n:]
        )
        self.flow["oda_bilateral"] = float(self.oda_received.sum())
        donors, recipients = self.oda_portfolio
        if len(donors):
            keys = self.ties.encode(Layer.ODA, n + donors, recipients)
            self.ties.reinforce_keys(keys, self.period, config.ties.reinforcement)

    # --- 2. offers and requests -------------------------------------------------------------
    def state_offers_and_requests(self) -> None:
        """Each country offers in its strongest sectors and requests in its weakest ones that no
        running action serves, with a chance that rises with its agency's capacity; requests
        are then taken in a random order."""
        params = self.config.matching
        offer_sectors = np.full(self.n_south, params.offer_sectors)
        offer_sectors[self.is_champion] += 1  # champions share know-how more widely
        self.offers = offer_matrix(self.capacity, offer_sectors, params.offer_quantile)
        self.weakest = weakest_sectors(self.capacity, params.request_sectors)
        chance = params.request_rate * (0.5 + 0.5 * self.institutional)
        recipient, sector = request_draws(
            self.weakest, chance, self.served, self.rng.random(self.weakest.shape)
        )
        order = self.rng.permutation(len(recipient))
        self.requests = (recipient[order], sector[order])
        self.count["requests"] = len(recipient)

    # --- 3. matching ------------------------------------------------------------------------
    def match_requests(self) -> None:
        """Match requests to providers and fund them (the kernel `kernels.matching`), then start
        the actions: budgets, ties, running actions, repayments and the log."""
        config = self.config
        params = config.matching
        n = self.n_south
        recipients, sectors = self.requests
        size = len(recipients)
        out = {
            "request": np.empty(size, dtype=np.int64),
            "provider": np.empty(size, dtype=np.int64),
            "modality": np.empty(size, dtype=np.int64),
            "funder": np.empty(size, dtype=np.int64),
            "platform": np.empty(size, dtype=np.int64),
            "cost": np.empty(size),
            "duration": np.empty(size, dtype=np.int64),
            "refundable": np.empty(size, dtype=np.bool_),
            "organisation": np.empty(size, dtype=np.bool_),
        }
        offer_indptr, offer_rows = offer_lists(self.offers)
        slots = np.ceil(params.actions_per_agency * self.institutional).astype(np.int64)
        real, integer = matching_parameters(config)
        ties = self.ties
        started, lapsed = kernel.match_requests(
            recipients,
            sectors,
            self.capacity,
            self.roster.region[:n],
            self.income_level,
            self.roster.sids[:n],
            self.is_champion,
            self.platform_mask,
            offer_indptr,
            offer_rows,
            slots,
            self.ssc_budget,
            ties.n_actors,
            ties.table_keys,
            ties.table_rows,
            ties.strength,
            ties.alive,
            self.agreement_keys,
            self.agreement_rows,
            self.platforms.active_mask(),
            self.platforms.fund,
            event_reserves(self.platforms),
            self.triangular_pool,
            real,
            integer,
            new_state(self.rng),
            out["request"],
            out["provider"],
            out["modality"],
            out["funder"],
            out["platform"],
            out["cost"],
            out["duration"],
            out["refundable"],
            out["organisation"],
        )
        self.count["unfunded"] = lapsed
        self._start_actions({name: values[:started] for name, values in out.items()})

    def _start_actions(self, started: dict[str, np.ndarray]) -> None:
        """Bookkeeping of the actions the matching started."""
        config = self.config
        recipients, sectors = self.requests
        provider = started["provider"]
        recipient = recipients[started["request"]]
        sector = sectors[started["request"]]
        modality, cost = started["modality"], started["cost"]
        bilateral, triangular, platform = (modality == m for m in (BILATERAL, TRIANGULAR, PLATFORM))
        provider_part = cost * (1.0 - config.funding.triangular_cofunding_share)
        self.flow["southern_funds"] += float(
            cost[bilateral].sum() + provider_part[triangular].sum()
        )
        self.flow["northern_triangular"] += float((cost - provider_part)[triangular].sum())
        self.flow["platform_funds"] += float(cost[platform].sum())
        for k, name in enumerate(MODALITIES):
            count = int((modality == k).sum())
            self.modality_totals[name] += count
            self.count[name] += count

        refundable = started["refundable"]
        instalments = max(1, round(config.funding.repayment_years * self.steps_per_year))
        self.repayments.add_many(
            recipient[refundable], provider[refundable], cost[refundable], instalments
        )

        layer = np.select(
            [bilateral, triangular], [Layer.BILATERAL, Layer.TRIANGULAR], Layer.PLATFORM
        )
        tie_key = self.ties.encode(layer, provider, recipient)
        funder = started["funder"][triangular]
        funder_keys = self.ties.encode(
            Layer.TRIANGULAR,
            np.concatenate([funder, funder]),
            np.concatenate([provider[triangular], recipient[triangular]]),
        )
        self.ties.reinforce_keys(funder_keys, self.period, config.ties.reinforcement)
        self.ties.reinforce_keys(tie_key, self.period, config.ties.reinforcement)
        end = self.period + started["duration"]
        self.running_actions.start(
            provider=provider, recipient=recipient, sector=sector, end=end, tie_key=tie_key
        )
        np.add.at(self.served, (recipient, sector), 1)
        funded_by_platform = started["platform"][platform]
        state = self.platforms
        state.last_participation[funded_by_platform, provider[platform]] = self.period
        state.last_participation[funded_by_platform, recipient[platform]] = self.period
        np.add.at(self.actions_by_country, provider, 1)
        np.add.at(self.actions_by_country, recipient, 1)
        if config.output.record_actions:
            self.action_log.record(
                period=np.full(len(provider), self.period + 1),
                year=np.full(len(provider), self.calendar_year),
                quarter=np.full(len(provider), self.quarter),
                provider=provider,
                recipient=recipient,
                funder=started["funder"],
                platform=started["platform"],
                modality=modality,
                sector=sector,
                cost=cost,
                duration=started["duration"],
                organisation=started["organisation"],
                refundable=refundable,
                interregional=self.interregional(provider, recipient),
            )
        self.count["interregional_actions"] = int(self.interregional(provider, recipient).sum())

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
        across = self.interregional(source, target)
        bonus = 1.0 + ties.interregional_event_bonus * across
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
                "host": self._code_or_empty(host),
                "coordinator": self._code_or_empty(state.coordinator(p)),
                "participants": len(participants),
                "interregional_pairs": int(across.sum()),
                "sector": self.sectors[sector],
                "cost_usd": float(from_fund + host_share),
            }
        )

    # --- 5. diffusion -----------------------------------------------------------------------
    def diffuse_knowledge(self) -> None:
        """Learning along running actions (in their sector), this step's events (in their
        theme) and every alive Southern tie (peer learning, all sectors); then adoption."""
        params = self.config.diffusion
        actions = self.running_actions
        # Running actions are joint activity: they keep their tie alive and strengthen it.
        rows = self.ties.reinforce_keys(
            actions.tie_key, self.period, 0.25 * self.config.ties.reinforcement
        )
        efficiency = 0.5 + 0.5 * self.institutional[actions.provider]
        weight = (
            params.learning_rate * self.ties.strength[rows] * params.skill_use_rate * efficiency
        )
        peers = self._peer_learning_ties(params.tie_learning_rate * params.skill_use_rate)
        ties = LearningTies.concatenate(
            [
                LearningTies(actions.provider, actions.recipient, actions.sector, weight),
                *self.event_ties,
                peers,
            ]
        )
        absorptive = absorptive_capacity(self.institutional, params)
        # Two aligned buffers take turns holding the capacity matrix (see kernels.memory).
        learned, ceiling = diffusion_step(self.capacity, ties, absorptive, out_capacity=self._spare)
        self._spare, self.capacity = self.capacity, learned
        pilots = adopt_practices(self.capacity, ceiling, absorptive, params, self.rng)
        self.count["pilots"] = int(pilots.sum())
        self.count["learning_ties"] = len(ties)

    def _peer_learning_ties(self, rate: float) -> LearningTies:
        """Both directions of every alive bilateral, triangular or platform tie between Southern
        actors, teaching every sector at `rate` x tie strength."""
        rows, layer, source, target = self.alive_ties
        southern = (layer != Layer.ODA) & (source < self.n_south) & (target < self.n_south)
        rows, source, target = rows[southern], source[southern], target[southern]
        if rate <= 0 or not len(rows):
            return LearningTies.empty()
        return LearningTies(
            source,
            target,
            np.full(len(rows), ALL_SECTORS, dtype=np.int64),
            rate * self.ties.strength[rows],
            reciprocal=np.ones(len(rows), dtype=np.bool_),
        )

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
        """Ties without joint action decay and dissolve below the threshold; actions end;
        platform health; coordinators rotate; tie snapshots."""
        params = self.config.ties
        before, dissolved = self.ties.decay(
            self.period, params.decay_rate, params.dissolve_threshold
        )
        layer, source, target = self.ties.decode(self.ties.dissolved_keys)
        across = self.interregional(source, target) & (layer != Layer.ODA)
        self.count["interregional_dissolved"] = int(across.sum())
        self.count["ties_dissolved"] = dissolved
        self.count["ties_before"] = before
        self._snapshot_alive_ties()
        ending = self.running_actions.end <= self.period + 1
        np.subtract.at(
            self.served,
            (self.running_actions.recipient[ending], self.running_actions.sector[ending]),
            1,
        )
        self.running_actions.retire(self.period + 1)
        update_health(self.platforms, self.period, self.roster, self.config.platforms)
        rotate_coordinators(self.platforms, self.period, self.steps_per_year)
        every = self.config.output.tie_snapshot_every
        if (self.period + 1) % every == 0 or self.period + 1 == self.n_steps:
            snapshot = self.ties.frame(self.alive_ties[0])
            snapshot.insert(0, "period", self.period + 1)
            self.tie_snapshots.append(snapshot)

    def _snapshot_alive_ties(self) -> None:
        """The alive ties (rows, layer, source, target) and each actor's degree, once a step."""
        rows = self.ties.alive_rows()
        layer, source, target = self.ties.endpoints(rows)
        self.alive_ties = (rows, layer, source, target)
        n = self.roster.n_actors
        self.degree = np.bincount(source, minlength=n) + np.bincount(target, minlength=n)

    # --- 8. eligibility ----------------------------------------------------------------------
    def update_eligibility(self, force: bool = False) -> None:
        """Each year: income groups from GNI per capita (GDP growth as its proxy, thresholds
        rising with inflation), kinds, vulnerability, who may receive ODA under the scenario's
        criterion, and the donors' portfolios of principal recipients."""
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
        self.oda_base = oda_weights(self.eligible, self.oda_need, self.roster.population[:n])
        self.oda_portfolio = oda_portfolios(
            self.oda_base,
            self.platform_mask[:n],
            self.platform_mask[n:],
            self.config.ties.oda_ties_per_donor,
            self.rng,
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

    def interregional(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Whether each pair of actors joins Asia-Pacific and Latin America & the Caribbean."""
        region = self.roster.region
        a, b = region[first], region[second]
        southern = (np.asarray(first) < self.n_south) & (np.asarray(second) < self.n_south)
        return southern & (((a == ASIA_PACIFIC) & (b == LAC)) | ((a == LAC) & (b == ASIA_PACIFIC)))

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
                "interregional_actions",
                "interregional_dissolved",
            ),
            0,
        )
        self.actions_by_country = np.zeros(self.roster.n_actors, dtype=np.int64)
        self.event_ties: list[LearningTies] = []

    def _code_or_empty(self, row: int) -> str:
        return str(self.roster.iso3[row]) if row >= 0 else ""

    def _add_initial_ties(self) -> None:
        """Random ties present at the start (synthetic worlds; none for the real world)."""
        per_actor = self.config.world.initial_ties_per_actor
        if per_actor <= 0:
            return
        from sscsim.synthetic import initial_ties

        layer, source, target, strength = initial_ties(
            self.roster.region, self.n_south, per_actor, self.rng
        )
        self.ties.reinforce_keys(self.ties.encode(layer, source, target), -1, strength)

    def _agreements(self) -> tuple[np.ndarray, np.ndarray]:
        """Hash table of standing partnership agreements, keyed low x n_actors + high."""
        index = self.roster.index()
        keys = []
        for pair in self.config.world.partnerships:
            codes = pair.split(":")
            if all(code in index for code in codes):  # skip economies left out for lack of data
                first, second = sorted(index[code] for code in codes)
                keys.append(first * self.roster.n_actors + second)
        table_keys, table_rows = hashing.empty_table(2 * len(keys) + 16)
        hashing.build(table_keys, table_rows, np.asarray(keys, dtype=np.int64))
        return table_keys, table_rows

    def _check_world_codes(self, world: WorldTables) -> None:
        countries = world.countries
        column = "country" if "country" in countries else "iso3"
        known = set(countries[column])
        southern = set(countries.loc[countries["southern"], column])
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
        return self.action_log.frame(self.roster.iso3, self.sectors, self.platforms.codes)

    def events_frame(self) -> pd.DataFrame:
        """Every platform event so far."""
        return metrics.events_frame(self.event_log)

    def ties_frame(self) -> pd.DataFrame:
        """Tie snapshots by layer, with the codes of both ends."""
        return metrics.ties_frame(self.tie_snapshots, self.roster.iso3)

    def timeseries_frame(self) -> pd.DataFrame:
        """Model metrics per step."""
        return metrics.timeseries_frame(self)

    def agents_frame(self) -> pd.DataFrame:
        """The agent panel: one row per country and recorded period."""
        return self.panel.frame(self)

    def summary(self) -> dict[str, Any]:
        """Headline figures of the run so far."""
        return metrics.summary(self)


def _clip_to_income_band(per_capita: np.ndarray, level: np.ndarray) -> np.ndarray:
    """A GNI-per-capita proxy consistent with the World Bank group: GDP per capita clipped into
    the group's band, so that growth (not the gap between GDP and GNI) moves countries."""
    bounds = np.array([0.0, 1_135.0, 4_495.0, 13_935.0, np.inf])
    return np.clip(per_capita, bounds[level] + 1.0, bounds[level + 1])


def _southern_kinds(income_level: np.ndarray, sids: np.ndarray, champion: np.ndarray) -> np.ndarray:
    kind = np.full(len(income_level), Kind.OTHER, dtype=np.int64)
    kind[(income_level == 1) | (income_level == 2)] = Kind.MIC
    kind[sids] = Kind.SIDS
    kind[champion] = Kind.CHAMPION
    return kind
