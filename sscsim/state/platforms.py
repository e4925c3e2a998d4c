"""Platforms' state: members, trust funds, the calendar of events, health and coordinators.

The state of every platform is held in arrays of `PlatformState`; `PlatformAgent` (in
`sscsim.agents`) decides on its own events (`sscsim.processes.events`); step 7
(`sscsim.processes.ties_and_platforms`) judges health and rotates coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from sscsim.config import PlatformKind, PlatformParams, PlatformSpec, ScenarioConfig
from sscsim.state.roster import ASIA_PACIFIC, LAC, Roster
from sscsim.world import WorldTables

NEVER = -(10**9)  # the step of something that has not happened


@dataclass
class PlatformState:
    """Arrays over platforms (n_platforms,) and memberships (n_platforms, n_actors)."""

    codes: list[str]
    specs: list[PlatformSpec]
    members: np.ndarray  # bool (n_platforms, n_actors)
    themes: list[np.ndarray]  # sector indices of each platform's themes
    enabled: np.ndarray  # bool: exists in this scenario
    active: np.ndarray  # bool: enabled and not dormant
    fund: np.ndarray  # float64, USD
    last_event: np.ndarray  # int64 step
    events_held: np.ndarray  # int64
    rotation: list[np.ndarray]  # member rows in coordinator order
    coordinator_position: np.ndarray  # int64 index into rotation
    host_position: np.ndarray  # int64 index into the platform's champion members
    last_participation: np.ndarray  # int64 (n_platforms, n_actors), step of last involvement

    @property
    def n_platforms(self) -> int:
        return len(self.codes)

    @cached_property
    def member_bits(self) -> np.ndarray:
        """int64 (n_actors,): bit p set where the actor is a member of platform p."""
        bits = np.left_shift(np.int64(1), np.arange(self.n_platforms, dtype=np.int64))
        return (self.members.T.astype(np.int64) * bits[None, :]).sum(axis=1)

    def active_mask(self) -> int:
        """Bit mask of the platforms active now."""
        return int(np.sum(np.left_shift(1, np.flatnonzero(self.active).astype(np.int64))))

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def coordinator(self, p: int) -> int:
        """Actor row of the current coordinator, or -1 if the platform has no Southern member."""
        order = self.rotation[p]
        return int(order[self.coordinator_position[p] % len(order)]) if len(order) else -1

    def troika(self, p: int) -> tuple[int, int, int]:
        """(previous, current, incoming) coordinators."""
        order = self.rotation[p]
        if not len(order):
            return (-1, -1, -1)
        k = self.coordinator_position[p]
        previous, current, incoming = (int(order[(k + d) % len(order)]) for d in (-1, 0, 1))
        return previous, current, incoming


def build_platforms(
    world: WorldTables,
    roster: Roster,
    params: PlatformParams,
    scenario: ScenarioConfig,
    sectors: list[str],
    edp_members: list[str] | None,
) -> PlatformState:
    """Platforms of the configuration with their members from the membership table.

    Northern partners that are members (ECLAC's non-regional members, APEC's) count as members
    for funding affinity but do not attend events or receive projects. Coordinators rotate over
    Southern members; for interregional platforms the rotation alternates Asia-Pacific and LAC.
    """
    codes = list(params.specs)
    actors = pd.Index(roster.iso3)
    table = world.memberships
    members = np.zeros((len(codes), roster.n_actors), dtype=bool)
    for p, code in enumerate(codes):
        if code == "EDP" and edp_members is not None:
            rows = actors.get_indexer(pd.Index(edp_members))
            if "country" in world.countries:  # a synthetic world: every actor of those economies
                country = world.countries.set_index("iso3")["country"]
                rows = actors.get_indexer(country.index[country.isin(edp_members)])
        else:
            rows = actors.get_indexer(table.loc[table["platform"] == code, "iso3"])
        members[p, rows[rows >= 0]] = True  # actors left out for lack of data are skipped

    specs = [params.specs[code] for code in codes]
    enabled = np.array(
        [
            not (
                spec.kind == PlatformKind.interregional
                and not scenario.interregional_platforms_enabled
            )
            and not (spec.champion_initiated and not scenario.champions_enabled)
            for spec in specs
        ],
        dtype=bool,
    )
    rotation = [_rotation_order(members[p], roster, spec) for p, spec in enumerate(specs)]
    return PlatformState(
        codes=codes,
        specs=specs,
        members=members,
        themes=[
            np.array([sectors.index(t) for t in spec.themes], dtype=np.int64) for spec in specs
        ],
        enabled=enabled,
        active=enabled.copy(),
        fund=np.zeros(len(codes)),
        # Platforms exist and met before the run starts: judged dormant only after a full
        # dormancy window without an event or funds.
        last_event=np.zeros(len(codes), dtype=np.int64),
        events_held=np.zeros(len(codes), dtype=np.int64),
        rotation=rotation,
        coordinator_position=np.zeros(len(codes), dtype=np.int64),
        host_position=np.zeros(len(codes), dtype=np.int64),
        last_participation=np.full((len(codes), roster.n_actors), NEVER, dtype=np.int64),
    )


def _rotation_order(is_member: np.ndarray, roster: Roster, spec: PlatformSpec) -> np.ndarray:
    southern = np.flatnonzero(is_member[: roster.n_south])
    southern = southern[np.argsort(roster.iso3[southern], kind="stable")]
    if spec.kind != PlatformKind.interregional:
        return southern
    asia = southern[roster.region[southern] == ASIA_PACIFIC]
    lac = southern[roster.region[southern] == LAC]
    rest = southern[(roster.region[southern] != ASIA_PACIFIC) & (roster.region[southern] != LAC)]
    order: list[int] = []
    for k in range(max(len(asia), len(lac))):
        if k < len(asia):
            order.append(int(asia[k]))
        if k < len(lac):
            order.append(int(lac[k]))
    return np.array(order + [int(r) for r in rest], dtype=np.int64)


def event_costs(state: PlatformState) -> np.ndarray:
    """Cost of one event of each platform, USD."""
    return np.array([spec.event_cost_usd for spec in state.specs])


def event_reserves(state: PlatformState) -> np.ndarray:
    """What each fund keeps back from projects: the cost of its next event, if it holds any."""
    holds_events = np.array([spec.events_per_year > 0 for spec in state.specs])
    return np.where(holds_events, event_costs(state), 0.0)


def active_members(state: PlatformState, step: int, window: int, n_south: int) -> np.ndarray:
    """Number of Southern members involved within the window, per platform."""
    recent = state.last_participation[:, :n_south] > step - window
    return (recent & state.members[:, :n_south]).sum(axis=1)
