"""Step 4, platform events: each active platform with an event on its calendar and the money for
it convenes one; participants strengthen their ties (interregional ones above all) and learn
one-to-many from the most capable participant in the event's theme.

The decisions are the platform's own (`PlatformAgent.convene` in `sscsim.agents`, through
`is_event_step`, `choose_host` and `choose_participants` here) and come back as an `Event`;
`apply_event` carries out its effects, and `hold_platform_events` is the step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sscsim.config import PlatformKind, PlatformSpec, SSCConfig
from sscsim.processes.diffusion import LearningTies
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import Ledgers
from sscsim.state.platforms import PlatformState
from sscsim.state.roster import ASIA_PACIFIC, LAC, Kind, Roster, interregional
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer, Network


@dataclass(frozen=True)
class Event:
    """An event a platform decided to hold this step."""

    platform: int  # platform index
    host: int  # country row of the host, -1 if none
    participants: np.ndarray  # int64 country rows, sorted, at least two
    sector: int  # the event's theme
    from_fund: float  # USD paid by the platform's fund
    host_share: float  # USD paid by a champion host's SSC fund


class Convener(Protocol):
    def convene(self) -> Event | None: ...


def choose_participants(
    state: PlatformState,
    p: int,
    roster: Roster,
    institutional: np.ndarray,
    sids_priority: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Southern members invited to an event, drawn without replacement.

    Weights rise with the agency's capacity (who can send delegates) and with SIDS priority.
    Interregional platforms first invite Asia-Pacific and LAC members in equal numbers where
    they can, then fill the remaining seats from all other members (e.g. Turkiye in the EDP).
    """
    spec = state.specs[p]
    members = np.flatnonzero(state.members[p, : roster.n_south])
    if len(members) == 0:
        return members
    weight = (institutional[members] + 0.1) * (1.0 + sids_priority * roster.sids[members])
    size = min(spec.participants_per_event, len(members))
    if spec.kind != PlatformKind.interregional:
        return np.sort(rng.choice(members, size=size, replace=False, p=weight / weight.sum()))
    chosen = np.zeros(len(members), dtype=bool)
    for region in (ASIA_PACIFIC, LAC):
        pool = np.flatnonzero(roster.region[members] == region)
        take = min(size // 2, len(pool))
        if take:
            picked = rng.choice(pool, size=take, replace=False, p=weight[pool] / weight[pool].sum())
            chosen[picked] = True
    rest = np.flatnonzero(~chosen)
    seats = size - int(chosen.sum())
    if seats > 0 and len(rest):
        picked = rng.choice(rest, size=seats, replace=False, p=weight[rest] / weight[rest].sum())
        chosen[picked] = True
    return members[chosen]


def choose_host(state: PlatformState, p: int, roster: Roster) -> int:
    """A champion member hosts in turn; without one the coordinator hosts."""
    champions = np.flatnonzero(
        state.members[p, : roster.n_south] & (roster.kind[: roster.n_south] == Kind.CHAMPION)
    )
    if len(champions):
        host = int(champions[state.host_position[p] % len(champions)])
        state.host_position[p] += 1
        return host
    return state.coordinator(p)


def agenda(state: PlatformState, p: int, capacity: np.ndarray) -> np.ndarray:
    """The platform's agenda: its themes (all sectors if it has none) in the order its troika —
    the previous, current and incoming coordinators — needs them, weakest mean capacity first
    (ties in the order of the themes). As coordinators rotate, the agenda changes with them.

    capacity : float64 (n_south, n_sectors). Returns int64 sector indices.
    """
    themes = state.themes[p]
    sectors = themes if len(themes) else np.arange(capacity.shape[1], dtype=np.int64)
    troika = sorted({row for row in state.troika(p) if row >= 0})
    if not troika:
        return sectors
    need = capacity[np.asarray(troika)][:, sectors].mean(axis=0)
    return sectors[np.argsort(need, kind="stable")]


def choose_theme(state: PlatformState, p: int, capacity: np.ndarray) -> int:
    """The event's sector: the first item of the platform's agenda (`agenda`)."""
    return int(agenda(state, p, capacity)[0])


def is_event_step(spec: PlatformSpec, step: int, steps_per_year: int) -> bool:
    """Whether the calendar has an event this step: events spread evenly over the year."""
    per_step = spec.events_per_year / steps_per_year
    return int(np.floor((step + 1) * per_step + 1e-9)) > int(np.floor(step * per_step + 1e-9))


def apply_event(
    event: Event,
    clock: Clock,
    roster: Roster,
    countries: Countries,
    platforms: PlatformState,
    network: Network,
    ledgers: Ledgers,
    tallies: StepTallies,
    config: SSCConfig,
    sectors: list[str],
) -> LearningTies:
    """Carry out an event: pay for it, tie every pair of participants (interregional pairs
    reinforced `1 + interregional_event_bonus` times as much), record participation and the
    log; return its one-to-many learning ties (from the most capable participant in the theme)."""
    p, participants, sector = event.platform, event.participants, event.sector
    platforms.fund[p] -= event.from_fund
    ledgers.sources.add("spent", roster.n_actors + p, event.from_fund)
    if event.host_share:
        countries.ssc_budget[event.host] -= event.host_share
        ledgers.sources.add("spent", event.host, event.host_share)
    params = config.ties
    first, second = np.triu_indices(len(participants), k=1)
    source, target = participants[first], participants[second]
    across = interregional(roster, source, target)
    bonus = 1.0 + params.interregional_event_bonus * across
    rows = network.ties.reinforce(
        Layer.PLATFORM,
        source,
        target,
        clock.period,
        np.minimum(params.reinforcement * bonus, 1.0),
    )
    network.ties.add_sectors(rows, sector)  # the platform ties learn the event's theme
    teacher = int(participants[np.argmax(countries.capacity[participants, sector])])
    learners = participants[participants != teacher]
    rate = config.diffusion.event_learning_rate * config.diffusion.skill_use_rate
    platforms.last_event[p] = clock.period
    platforms.events_held[p] += 1
    platforms.last_participation[p, participants] = clock.period
    tallies.actions_by_country[participants] += 1
    tallies.events += 1
    tallies.platform_funds += event.from_fund
    tallies.southern_funds += event.host_share
    ledgers.events.record(
        period=clock.stamp,
        year=clock.calendar_year,
        quarter=clock.quarter,
        platform=platforms.codes[p],
        host=_code_or_empty(roster, event.host),
        coordinator=_code_or_empty(roster, platforms.coordinator(p)),
        participants=len(participants),
        interregional_pairs=int(across.sum()),
        sector=sectors[sector],
        cost_usd=float(event.from_fund + event.host_share),
    )
    return LearningTies(
        np.full(len(learners), teacher),
        learners.astype(np.int64),
        np.full(len(learners), sector),
        np.full(len(learners), rate),
        channel="events",
    )


def hold_platform_events(
    conveners: Iterable[Convener],
    clock: Clock,
    roster: Roster,
    countries: Countries,
    platforms: PlatformState,
    network: Network,
    ledgers: Ledgers,
    tallies: StepTallies,
    config: SSCConfig,
    sectors: list[str],
) -> list[LearningTies]:
    """Step 4. Each platform, in the given (shuffled) order, decides on its event and the event
    takes effect before the next platform decides (a champion hosting two platforms pays from
    what the first left). Returns the events' learning ties, for step 5."""
    learning = []
    for convener in conveners:
        event = convener.convene()
        if event is None:
            continue
        effects = (clock, roster, countries, platforms, network, ledgers, tallies, config, sectors)
        learning.append(apply_event(event, *effects))
    return learning


def _code_or_empty(roster: Roster, row: int) -> str:
    return str(roster.iso3[row]) if row >= 0 else ""
