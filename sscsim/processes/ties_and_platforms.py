"""Step 7, ties and platforms: ties without joint action decay and dissolve below the threshold;
actions that end are retired; platforms judge their health (a platform without funds, events
or active members falls dormant) and coordinators rotate; tie snapshots are taken."""

from __future__ import annotations

import numpy as np

from sscsim.config import PlatformParams, SSCConfig
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import Ledgers
from sscsim.state.platforms import PlatformState, active_members, event_costs
from sscsim.state.roster import Roster, interregional
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer, Network


def update_health(state: PlatformState, step: int, roster: Roster, params: PlatformParams) -> None:
    """Which platforms are active (the rest are dormant).

    An enabled platform with enough members is active while it has the funds to convene an
    event, or while it met within the dormancy window and enough members took part recently. A
    platform without funds, events or active members falls dormant; funds revive it.
    """
    involved = active_members(state, step, params.activity_window_quarters, roster.n_south)
    member_count = state.members[:, : roster.n_south].sum(axis=1)
    funded = state.fund >= event_costs(state)
    recent_event = state.last_event > step - params.dormancy_quarters
    # A platform that has not met in the run yet is judged on its membership.
    enough_involved = np.where(state.events_held > 0, involved >= params.min_active_members, True)
    state.active = (
        state.enabled
        & (member_count >= params.min_active_members)
        & (funded | (recent_event & enough_involved))
    )


def rotate_coordinators(state: PlatformState, step: int, steps_per_year: int) -> None:
    """Advance each platform's coordinator at the end of its term."""
    for p, spec in enumerate(state.specs):
        term = max(1, round(spec.coordinator_term_years * steps_per_year))
        if (step + 1) % term == 0:
            state.coordinator_position[p] += 1


def update_ties_and_platforms(
    clock: Clock,
    roster: Roster,
    countries: Countries,
    platforms: PlatformState,
    network: Network,
    ledgers: Ledgers,
    tallies: StepTallies,
    config: SSCConfig,
) -> None:
    """Step 7, in place: tie decay and dissolution (counted, Asia-Pacific to LAC ones apart),
    the network's alive ties and degrees, actions that end, platform health, coordinator
    rotation, and a tie snapshot every `output.tie_snapshot_every` steps and at the last."""
    params, ties = config.ties, network.ties
    before, dissolved = ties.decay(clock.period, params.decay_rate, params.dissolve_threshold)
    layer, source, target = ties.decode(ties.dissolved_keys)
    across = interregional(roster, source, target) & (layer != Layer.ODA)
    tallies.interregional_dissolved = int(across.sum())
    tallies.ties_dissolved = dissolved
    tallies.ties_before = before
    network.refresh()

    running = ledgers.running
    ending = running.end <= clock.stamp
    np.subtract.at(countries.served, (running.recipient[ending], running.sector[ending]), 1)
    running.retire(clock.stamp)

    update_health(platforms, clock.period, roster, config.platforms)
    rotate_coordinators(platforms, clock.period, clock.steps_per_year)
    every = config.output.tie_snapshot_every
    if clock.stamp % every == 0 or clock.stamp == clock.n_steps:
        snapshot = ties.frame(network.alive.rows)
        snapshot.insert(0, "period", clock.stamp)
        ledgers.tie_snapshots.append(snapshot)
