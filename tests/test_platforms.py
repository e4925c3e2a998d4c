"""Platforms: calendar, trust funds, scenario switches, rotation, troika, participants, bit
masks, event reserves and health."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscsim.config import (
    DEFAULT_CHAMPIONS,
    DEFAULT_SECTORS,
    PlatformKind,
    PlatformParams,
    PlatformSpec,
    ScenarioConfig,
)
from sscsim.processes.budgets import distribute_fund_inflows
from sscsim.processes.events import choose_participants, is_event_step
from sscsim.processes.ties_and_platforms import rotate_coordinators, update_health
from sscsim.state.platforms import PlatformState, build_platforms, event_reserves
from sscsim.state.roster import ASIA_PACIFIC, LAC, Roster, build_roster
from sscsim.world import WorldTables, load_world

INTERREGIONAL = {"FEALAC", "APEC", "EDP"}


@pytest.fixture(scope="module")
def tables() -> WorldTables:
    return load_world()


@pytest.fixture(scope="module")
def roster(tables: WorldTables) -> Roster:
    return build_roster(tables, list(DEFAULT_CHAMPIONS), champions_enabled=True)


def platforms(tables: WorldTables, roster: Roster, **scenario) -> PlatformState:
    return build_platforms(
        tables, roster, PlatformParams(), ScenarioConfig(**scenario), list(DEFAULT_SECTORS), None
    )


@pytest.fixture
def state(tables: WorldTables, roster: Roster) -> PlatformState:
    return platforms(tables, roster)


# ---------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------
def count_events(rate: float, years: int, steps_per_year: int = 4) -> int:
    spec = PlatformSpec(events_per_year=rate)
    return sum(is_event_step(spec, step, steps_per_year) for step in range(years * steps_per_year))


@pytest.mark.parametrize("rate", [0.5, 1.0, 2.0, 4.0])
@pytest.mark.parametrize("years", [2, 4, 10, 16])
def test_events_over_whole_years(rate: float, years: int) -> None:
    assert count_events(rate, years) == round(rate * years)


@pytest.mark.parametrize("rate", [1.0, 2.0, 4.0])
def test_whole_rates_give_that_many_events_every_year(rate: float) -> None:
    spec = PlatformSpec(events_per_year=rate)
    for year in range(12):
        steps = range(4 * year, 4 * year + 4)
        assert sum(is_event_step(spec, s, 4) for s in steps) == rate


def test_events_are_spread_evenly() -> None:
    for rate, expected in ((0.5, [7, 15, 23]), (1.0, [3, 7, 11]), (2.0, [1, 3, 5, 7, 9, 11])):
        spec = PlatformSpec(events_per_year=rate)
        steps = [s for s in range(12 if rate > 0.5 else 24) if is_event_step(spec, s, 4)]
        assert steps == expected
    assert count_events(4.0, 3) == 12  # every quarter
    assert count_events(0.0, 10) == 0


def test_half_a_rate_over_odd_years_counts_whole_events_only() -> None:
    # One event every second year: 1 in 3 years, 2 in 5 (round(1.5) == 2 would be wrong).
    assert [count_events(0.5, years) for years in (1, 3, 5)] == [0, 1, 2]


# ---------------------------------------------------------------------------
# Scenario switches
# ---------------------------------------------------------------------------
def test_all_platforms_enabled_by_default(state: PlatformState) -> None:
    assert state.codes == list(PlatformParams().specs)
    assert state.enabled.all() and state.active.all()
    for code in INTERREGIONAL:
        assert state.specs[state.index(code)].kind == PlatformKind.interregional


def test_interregional_platforms_can_be_switched_off(tables, roster) -> None:
    state = platforms(tables, roster, interregional_platforms_enabled=False)
    disabled = {code for code, on in zip(state.codes, state.enabled, strict=True) if not on}
    assert disabled == INTERREGIONAL
    np.testing.assert_array_equal(state.active, state.enabled)


def test_without_champions_there_is_no_edp(tables) -> None:
    roster = build_roster(tables, list(DEFAULT_CHAMPIONS), champions_enabled=False)
    state = platforms(tables, roster, champions_enabled=False)
    disabled = {code for code, on in zip(state.codes, state.enabled, strict=True) if not on}
    assert disabled == {"EDP"}
    # Its members are still recorded.
    assert state.members[state.index("EDP")].sum() == 9


# ---------------------------------------------------------------------------
# Trust funds
# ---------------------------------------------------------------------------
def expected_total(state: PlatformState, northern: float, contribution: np.ndarray) -> float:
    northern_weight = np.array([s.northern_fund_weight for s in state.specs]) * state.enabled
    member_weight = np.array([s.member_fund_weight for s in state.specs]) * state.enabled
    paying = (state.members[:, : len(contribution)] & (member_weight[:, None] > 0)).any(axis=0)
    return (northern if northern_weight.sum() > 0 else 0.0) + contribution[paying].sum()


@settings(max_examples=30, deadline=None)
@given(
    northern=st.floats(0.0, 1e9),
    seed=st.integers(0, 2**32 - 1),
    interregional=st.booleans(),
    champions=st.booleans(),
)
def test_fund_inflows_conserve_money(tables, roster, northern, seed, interregional, champions):
    state = platforms(
        tables,
        roster,
        interregional_platforms_enabled=interregional,
        champions_enabled=champions,
    )
    rng = np.random.default_rng(seed)
    contribution = rng.uniform(0.0, 1e6, size=roster.n_south)
    contribution[rng.random(roster.n_south) < 0.2] = 0.0
    inflow = distribute_fund_inflows(state, northern, contribution, 1.0)
    assert inflow.shape == (state.n_platforms,)
    assert np.all(inflow >= 0)
    assert np.all(inflow[~state.enabled] == 0.0)
    assert inflow.sum() == pytest.approx(expected_total(state, northern, contribution), rel=1e-9)
    np.testing.assert_array_equal(state.fund, inflow)  # funds start at zero
    # Some Southern countries belong to no platform: their contribution is not counted.
    assert expected_total(state, 0.0, np.ones(roster.n_south)) < roster.n_south


def test_northern_money_is_split_by_weight(state: PlatformState, roster: Roster) -> None:
    inflow = distribute_fund_inflows(state, 6e6, np.zeros(roster.n_south), 1.0)
    weights = {
        spec_code: spec.northern_fund_weight
        for spec_code, spec in zip(state.codes, state.specs, strict=True)
    }
    assert weights["FEALAC"] == 2.0 and weights["EDP"] == 0.0  # the documented defaults
    total = sum(weights.values())
    for code, value in zip(state.codes, inflow, strict=True):
        assert value == pytest.approx(6e6 * weights[code] / total)


def test_a_member_contribution_is_split_over_its_platforms(state, roster) -> None:
    index = roster.index()
    col = index["COL"]
    contribution = np.zeros(roster.n_south)
    contribution[col] = 1000.0
    inflow = distribute_fund_inflows(state, 0.0, contribution, 1.0)
    member_of = state.members[:, col]
    weights = np.array([s.member_fund_weight for s in state.specs]) * member_of
    np.testing.assert_allclose(inflow, 1000.0 * weights / weights.sum())
    assert inflow[state.index("FEALAC")] > 0 and inflow[state.index("ASEAN")] == 0.0


def test_fealac_inflows_are_scaled(tables, roster) -> None:
    contribution = np.random.default_rng(1).uniform(0.0, 1e5, size=roster.n_south)
    base = distribute_fund_inflows(platforms(tables, roster), 2e6, contribution, 1.0)
    state = platforms(tables, roster)
    scaled = distribute_fund_inflows(state, 2e6, contribution, 0.25)
    fealac = state.index("FEALAC")
    assert base[fealac] > 0
    assert scaled[fealac] == pytest.approx(0.25 * base[fealac])
    others = np.arange(state.n_platforms) != fealac
    np.testing.assert_allclose(scaled[others], base[others])
    # Funds accumulate over calls.
    distribute_fund_inflows(state, 2e6, contribution, 0.25)
    np.testing.assert_allclose(state.fund, 2 * scaled)


# ---------------------------------------------------------------------------
# Coordinators
# ---------------------------------------------------------------------------
def test_rotation_covers_every_southern_member_once(state, roster) -> None:
    for p, code in enumerate(state.codes):
        order = state.rotation[p]
        assert len(set(order.tolist())) == len(order), code
        expected = set(np.flatnonzero(state.members[p, : roster.n_south]).tolist())
        assert set(order.tolist()) == expected, code
        assert np.all(order < roster.n_south)


def test_fealac_rotation_alternates_asia_pacific_and_lac(state, roster) -> None:
    order = state.rotation[state.index("FEALAC")]
    regions = roster.region[order]
    n_asia = (regions == ASIA_PACIFIC).sum()
    n_lac = (regions == LAC).sum()
    assert n_asia >= 10 and n_lac >= 10
    paired = 2 * min(n_asia, n_lac)
    np.testing.assert_array_equal(regions[:paired:2], ASIA_PACIFIC)
    np.testing.assert_array_equal(regions[1:paired:2], LAC)
    # Regional platforms rotate in ISO3 order.
    eclac = state.rotation[state.index("ECLAC")]
    assert list(roster.iso3[eclac]) == sorted(roster.iso3[eclac])


def test_troika_is_previous_current_incoming(state) -> None:
    p = state.index("FEALAC")
    order = state.rotation[p]
    assert state.coordinator(p) == order[0]
    assert state.troika(p) == (order[-1], order[0], order[1])
    state.coordinator_position[p] = 5
    assert state.troika(p) == (order[4], order[5], order[6])
    state.coordinator_position[p] = len(order) - 1
    assert state.troika(p) == (order[-2], order[-1], order[0])
    assert all(isinstance(x, int) for x in state.troika(p))


def test_rotation_after_a_term_shifts_the_troika(state) -> None:
    fealac, apec = state.index("FEALAC"), state.index("APEC")
    before = state.troika(fealac)
    for step in range(7):  # FEALAC's term is 2 years = 8 quarters
        rotate_coordinators(state, step, 4)
    assert state.troika(fealac) == before
    assert state.coordinator_position[apec] == 1  # APEC's term is 1 year
    rotate_coordinators(state, 7, 4)
    after = state.troika(fealac)
    assert after[0] == before[1] and after[1] == before[2]
    assert state.coordinator_position[apec] == 2


# ---------------------------------------------------------------------------
# Participants
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "per_region"), [("FEALAC", 8), ("EDP", 4)])
def test_interregional_events_draw_equally_from_both_regions(state, roster, code, per_region):
    p = state.index(code)
    rng = np.random.default_rng(3)
    institutional = rng.uniform(0.05, 0.95, size=roster.n_south)
    members = set(np.flatnonzero(state.members[p, : roster.n_south]).tolist())
    seen: set[int] = set()
    for _ in range(50):
        chosen = choose_participants(state, p, roster, institutional, 0.5, rng)
        assert np.all(np.diff(chosen) > 0)  # sorted, no repeats
        assert set(chosen.tolist()) <= members
        regions = roster.region[chosen]
        assert (regions == ASIA_PACIFIC).sum() == per_region
        assert (regions == LAC).sum() == per_region
        seats = min(state.specs[p].participants_per_event, len(members))
        assert len(chosen) == seats  # seats left after the balance go to other members
        seen |= set(chosen.tolist())
    in_regions = {m for m in members if roster.region[m] in (ASIA_PACIFIC, LAC)}
    if len(in_regions) > 2 * per_region:
        # Draws vary: over 50 events more members than one event's worth take part.
        assert len(seen) > 2 * per_region
    else:
        assert seen == members  # a small network: every member takes part


def test_every_edp_member_can_be_invited(state, roster) -> None:
    p = state.index("EDP")
    rng = np.random.default_rng(0)
    institutional = np.full(roster.n_south, 0.5)
    seen: set[int] = set()
    for _ in range(20):
        seen |= set(choose_participants(state, p, roster, institutional, 0.0, rng).tolist())
    assert roster.index()["TUR"] in seen


def test_unbalanced_interregional_platform_takes_what_each_region_has(state, roster) -> None:
    p = state.index("APEC")
    members = np.flatnonzero(state.members[p, : roster.n_south])
    n_lac = (roster.region[members] == LAC).sum()
    assert 0 < n_lac < 6
    rng = np.random.default_rng(0)
    chosen = choose_participants(state, p, roster, np.full(roster.n_south, 0.5), 0.0, rng)
    assert set(chosen.tolist()) <= set(members.tolist())
    n_asia = (roster.region[members] == ASIA_PACIFIC).sum()
    seats = state.specs[p].participants_per_event
    assert (roster.region[chosen] == LAC).sum() == n_lac
    # Six Asia-Pacific seats for balance, then the seats LAC could not fill.
    assert (roster.region[chosen] == ASIA_PACIFIC).sum() == min(seats - n_lac, n_asia)
    assert len(chosen) == min(seats, len(members))


def test_regional_events_draw_members_only(state, roster) -> None:
    p = state.index("CARICOM")
    rng = np.random.default_rng(5)
    members = set(np.flatnonzero(state.members[p, : roster.n_south]).tolist())
    for _ in range(20):
        chosen = choose_participants(state, p, roster, np.full(roster.n_south, 0.3), 1.0, rng)
        assert len(chosen) == min(12, len(members))
        assert set(chosen.tolist()) <= members


# ---------------------------------------------------------------------------
# Bit masks, event reserves, health
# ---------------------------------------------------------------------------
def test_member_bits_set_bit_p_for_members_of_platform_p(state, roster) -> None:
    mask = state.member_bits
    assert mask.dtype == np.int64 and mask.shape == (roster.n_actors,)
    for p in range(state.n_platforms):
        np.testing.assert_array_equal((mask >> p) & 1 == 1, state.members[p])
    assert np.all(mask < 2**state.n_platforms)
    # Actors in no platform have an empty mask; some northern partners are members.
    assert (mask == 0).any()
    assert (mask[roster.n_south :] != 0).any()
    index = roster.index()
    assert (mask[index["COL"]] >> state.index("FEALAC")) & 1
    assert not (mask[index["COL"]] >> state.index("ASEAN")) & 1


def test_active_mask_has_a_bit_per_active_platform(state) -> None:
    assert state.active_mask() == 2**state.n_platforms - 1
    assert isinstance(state.active_mask(), int)
    state.active[:] = False
    assert state.active_mask() == 0
    state.active[[0, 2]] = True
    assert state.active_mask() == 0b101
    state.active[:] = False
    state.active[state.n_platforms - 1] = True
    assert state.active_mask() == 1 << (state.n_platforms - 1)


def test_event_reserves_keep_back_one_event_where_events_are_held(state) -> None:
    reserves = event_reserves(state)
    np.testing.assert_array_equal(reserves, [spec.event_cost_usd for spec in state.specs])
    assert reserves[state.index("FEALAC")] == 250_000.0
    state.specs[state.index("CELAC")] = PlatformSpec(events_per_year=0.0, event_cost_usd=9e5)
    reserves = event_reserves(state)
    assert reserves[state.index("CELAC")] == 0.0
    assert reserves[state.index("FEALAC")] == 250_000.0


def test_every_platform_starts_active_with_enough_members(state, roster) -> None:
    params = PlatformParams()
    update_health(state, 0, roster, params)
    members = state.members[:, : roster.n_south].sum(axis=1)
    np.testing.assert_array_equal(state.active, state.enabled & (members >= 3))


def test_platforms_fall_dormant_without_events_or_funds_and_funds_revive_them(
    state, roster
) -> None:
    params = PlatformParams(dormancy_quarters=8, min_active_members=3, activity_window_quarters=4)
    fealac = state.index("FEALAC")
    step = 20
    state.fund[:] = 0.0
    state.last_event[:] = 10  # more than 8 quarters ago
    state.events_held[:] = 1
    update_health(state, step, roster, params)
    assert not state.active.any()
    # Funds for one event revive a platform.
    state.fund[fealac] = state.specs[fealac].event_cost_usd
    update_health(state, step, roster, params)
    assert state.active[fealac] and state.active.sum() == 1
    # Just short of an event's cost is not enough.
    state.fund[fealac] -= 1.0
    update_health(state, step, roster, params)
    assert not state.active[fealac]


def test_a_recent_event_keeps_a_platform_alive_while_members_take_part(state, roster) -> None:
    params = PlatformParams(dormancy_quarters=8, min_active_members=3, activity_window_quarters=4)
    p = state.index("CARICOM")
    members = np.flatnonzero(state.members[p, : roster.n_south])
    step = 20
    state.fund[:] = 0.0
    state.last_event[p] = 15  # within the dormancy window
    state.events_held[p] = 2
    state.last_participation[p, members[:3]] = 18  # three members involved recently
    update_health(state, step, roster, params)
    assert state.active[p]
    state.last_participation[p, members[2]] = 10  # one of them long ago
    update_health(state, step, roster, params)
    assert not state.active[p]
    # A platform that has not met in the run yet is judged on its membership.
    state.events_held[p] = 0
    update_health(state, step, roster, params)
    assert state.active[p]


def test_disabled_platforms_and_tiny_memberships_stay_dormant(tables, roster) -> None:
    state = platforms(tables, roster, interregional_platforms_enabled=False)
    state.fund[:] = 1e12
    update_health(state, 0, roster, PlatformParams())
    assert not state.active[~state.enabled].any()
    assert state.active[state.enabled].all()
    big = PlatformParams(min_active_members=10_000)
    update_health(state, 0, roster, big)
    assert not state.active.any()
