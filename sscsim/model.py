"""The model: South-South and triangular cooperation among the world's countries.

`SSCModel` builds the state (`sscsim.state`: plain arrays grouped by entity) and runs the nine
processes of docs/ODD.md in order (`sscsim.processes`: one module a step). Every process is
array code or a compiled kernel, so a step costs about the same per actor and per tie at two
hundred countries as at a million actors. It is plain Mesa: usable from Python, notebooks and
Mesa's `batch_run`, without Hydra.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sscsim import reporters
from sscsim.agents import CountryAgent, NorthernPartner, PlatformAgent
from sscsim.config import ConfigError, SSCConfig, config_from_parameters
from sscsim.processes.budgets import allocate_budgets
from sscsim.processes.diffusion import diffuse_knowledge
from sscsim.processes.domestic import domestic_dynamics
from sscsim.processes.eligibility import update_eligibility
from sscsim.processes.events import hold_platform_events
from sscsim.processes.initialisation import initial_state
from sscsim.processes.matching import match_requests, start_actions
from sscsim.processes.requests import state_offers_and_requests
from sscsim.processes.ties_and_platforms import update_ties_and_platforms
from sscsim.state.modalities import MODALITY_NAMES
from sscsim.state.roster import Roster
from sscsim.state.tallies import StepTallies
from sscsim.world import WorldDataError, WorldTables, load_world

__all__ = ["MODALITY_NAMES", "ConfigError", "SSCModel", "WorldDataError"]

# The processes of a step, in order; `step()` times each (`process_seconds`, for the benchmarks).
PROCESSES = ("budgets", "requests", "matching", "events", "diffusion", "domestic", "ties",
             "eligibility", "data")  # fmt: skip


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
        self.world = world if world is not None else _load_world(config)
        if "country" not in self.world.countries:  # a synthetic world was checked on its base
            config.validate(self.world)
        self.state = initial_state(config, self.world, self.rng)
        state = self.state

        CountryAgent.create_agents(self, self.n_south, list(range(self.n_south)))
        n_north, n_platforms = state.roster.n_north, state.platforms.n_platforms
        NorthernPartner.create_agents(
            self, n_north, list(range(self.n_south, state.roster.n_actors))
        )
        PlatformAgent.create_agents(self, n_platforms, list(range(n_platforms)))

        self.process_seconds = dict.fromkeys(PROCESSES, 0.0)
        update_eligibility(
            0.0, state.roster, state.countries, state.north, state.platforms, config, self.rng
        )
        self.datacollector = reporters.build_datacollector()
        self.datacollector.collect(self)
        self.panel = reporters.Panel()
        self.panel.record(state)

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
        s, config, rng = self.state, self.config, self.rng
        s.new_step()
        with self._timed("budgets"):
            allocate_budgets(
                s.clock, s.countries, s.north, s.platforms, s.network,
                s.ledgers.repayments, s.tallies, config,
            )  # fmt: skip
        with self._timed("requests"):
            requests = state_offers_and_requests(s.countries, s.tallies, config.matching, rng)
        with self._timed("matching"):
            started = match_requests(
                requests, s.roster, s.countries, s.north, s.platforms, s.network, s.tallies,
                config, rng,
            )  # fmt: skip
            start_actions(
                started, s.clock, s.roster, s.countries, s.platforms, s.network, s.ledgers,
                s.tallies, config,
            )  # fmt: skip
        with self._timed("events"):
            event_learning = hold_platform_events(
                self.agents_by_type[PlatformAgent].shuffle(), s.clock, s.roster, s.countries,
                s.platforms, s.network, s.ledgers, s.tallies, config, s.sectors,
            )  # fmt: skip
        with self._timed("diffusion"):
            diffuse_knowledge(
                event_learning, s.clock, s.countries, s.ledgers.running, s.network, s.tallies,
                config, rng,
            )  # fmt: skip
        with self._timed("domestic"):
            domestic_dynamics(s.countries, s.roster, s.tallies, s.clock.steps_per_year, config)
        with self._timed("ties"):
            update_ties_and_platforms(
                s.clock, s.roster, s.countries, s.platforms, s.network, s.ledgers, s.tallies,
                config,
            )  # fmt: skip
        with self._timed("eligibility"):
            if s.clock.ends_year:
                update_eligibility(
                    s.clock.years_at_end, s.roster, s.countries, s.north, s.platforms, config,
                    rng,
                )  # fmt: skip
        s.clock.advance()
        with self._timed("data"):
            self.collect_data()
        if s.clock.finished:
            self.running = False

    def collect_data(self) -> None:
        """Step 9: the model metrics (Mesa's DataCollector) and, when due, the country panel."""
        self.datacollector.collect(self)
        period = self.period
        if period % self.config.output.panel_every == 0 or period == self.n_steps:
            self.panel.record(self.state)

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

    @contextmanager
    def _timed(self, process: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.process_seconds[process] += time.perf_counter() - started

    # --- the state, by entity (see sscsim.state) ------------------------------------------
    @property
    def roster(self) -> Roster:
        return self.state.roster

    @property
    def sectors(self) -> list[str]:
        return self.state.sectors

    @property
    def n_south(self) -> int:
        return self.state.roster.n_south

    @property
    def period(self) -> int:
        """Completed steps."""
        return self.state.clock.period

    @property
    def n_steps(self) -> int:
        return self.state.clock.n_steps

    @property
    def tallies(self) -> StepTallies:
        return self.state.tallies

    @property
    def country_agents(self) -> mesa.agent.AgentSet:
        """The Southern countries' agents (views on `state.countries`)."""
        return self.agents_by_type[CountryAgent]

    # --- outputs ------------------------------------------------------------------------------
    def actions_frame(self) -> pd.DataFrame:
        """Every cooperation action so far: the database of SSC actions."""
        s = self.state
        return s.ledgers.actions.frame(s.roster.iso3, s.sectors, s.platforms.codes)

    def events_frame(self) -> pd.DataFrame:
        """Every platform event so far."""
        return self.state.ledgers.events.frame()

    def ties_frame(self) -> pd.DataFrame:
        """Tie snapshots by layer, with the codes of both ends."""
        return reporters.ties_frame(self.state.ledgers.tie_snapshots, self.state.roster.iso3)

    def timeseries_frame(self) -> pd.DataFrame:
        """Model metrics per step."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def agents_frame(self) -> pd.DataFrame:
        """The agent panel: one row per country and recorded period."""
        return self.panel.frame(self.state)

    def summary(self) -> dict[str, Any]:
        """Headline figures of the run so far."""
        return reporters.summary(self.state, self.timeseries_frame())


def _load_world(config: SSCConfig) -> WorldTables:
    world = load_world(config.world.countries_path, config.world.memberships_path)
    if config.world.synthetic_actors is not None:
        from sscsim.synthetic import synthetic_world

        config.validate(world)  # codes name economies of the base world
        world = synthetic_world(config.world.synthetic_actors, config.world.synthetic_seed, world)
    return world
