"""Reporters, the clock and the modality registry, on hand-built states (no model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tiny_state as tiny
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim import reporters
from sscsim.state.clock import Clock
from sscsim.state.modalities import MODALITIES, MODALITY, SEGIB_2023_SHARES, tie_layers
from sscsim.state.tallies import FUNDING_SOURCES, StepTallies
from sscsim.state.ties import Layer


# --- the clock -------------------------------------------------------------------------------
def test_clock_names_the_step_under_way_and_the_last_completed_one():
    clock = Clock(start_year=2025, steps_per_year=4, n_steps=8)
    assert (clock.stamp, clock.year, clock.calendar_year, clock.quarter) == (1, 2025.0, 2025, 1)
    assert (clock.time, clock.last_year, clock.last_quarter) == (2025.0, 2025, 0)
    assert not clock.ends_year
    for _ in range(3):
        clock.advance()
    # The fourth quarter of 2025 is under way: it ends the year.
    assert (clock.stamp, clock.calendar_year, clock.quarter, clock.ends_year) == (4, 2025, 4, True)
    assert clock.years_at_end == 1.0
    clock.advance()
    assert (clock.time, clock.last_year, clock.last_quarter) == (2026.0, 2025, 4)
    assert (clock.calendar_year, clock.quarter, clock.year) == (2026, 1, 2026.0)
    for _ in range(4):
        clock.advance()
    assert clock.finished


@given(st.integers(1, 12), st.integers(0, 200))
def test_clock_periods_years_and_quarters_agree(steps_per_year, period):
    clock = Clock(2025, steps_per_year, 1000, period=period)
    assert (
        clock.calendar_year * steps_per_year + clock.quarter - 1 == 2025 * steps_per_year + period
    )
    assert 1 <= clock.quarter <= steps_per_year
    assert clock.ends_year == (clock.quarter == steps_per_year)
    assert math.floor(clock.year) == clock.calendar_year


# --- inequality ------------------------------------------------------------------------------
def test_gini_of_equal_and_concentrated_values():
    assert reporters.gini(np.full(5, 0.3)) == pytest.approx(0.0)
    assert reporters.gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    assert reporters.gini(np.zeros(3)) == 0.0 and reporters.gini(np.zeros(0)) == 0.0


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(1, 40), elements=st.floats(0.0, 1.0)))
def test_gini_is_in_range_and_scale_free(values):
    value = reporters.gini(values)
    assert -1e-12 <= value <= 1.0
    if values.sum() > 0:
        assert reporters.gini(3.0 * values) == pytest.approx(value, abs=1e-9)


def test_capacity_gini_and_sids_gap_read_the_countries():
    roster = tiny.roster(sids=[False, False, False, True])
    countries = tiny.countries(roster, capacity=[[0.4, 0.6], [0.5, 0.5], [0.6, 0.4], [0.1, 0.1]])
    state = tiny.state(roster, countries=countries)
    assert reporters.sids_capacity_gap(state) == pytest.approx(0.5 - 0.1)
    assert reporters.capacity_gini(state) == pytest.approx(
        reporters.gini(np.array([0.5, 0.5, 0.5, 0.1]))
    )


# --- ties ------------------------------------------------------------------------------------
def _state_with_ties():
    roster = tiny.roster()  # 0, 1 Asia-Pacific; 2, 3 LAC; 4 northern
    state = tiny.state(roster)
    ties = state.network.ties
    ties.reinforce(Layer.BILATERAL, [0, 0, 1], [2, 1, 3], 0, 0.5)  # two interregional
    ties.reinforce(Layer.ODA, [4], [2], 0, 0.5)  # ODA ties never count as interregional
    state.network.refresh()
    return state


def test_interregional_ties_count_alive_southern_ties_across_regions():
    state = _state_with_ties()
    assert reporters.interregional_ties(state) == 2
    assert reporters.ties_alive(state) == 4
    assert reporters.ties_of_layer(state, Layer.ODA) == 1


def test_tie_survival_is_the_share_of_ties_that_outlived_the_step():
    state = _state_with_ties()
    assert math.isnan(reporters.tie_survival(state))  # nothing alive before: undefined
    state.tallies.ties_before, state.tallies.ties_dissolved = 8, 2
    assert reporters.tie_survival(state) == pytest.approx(0.75)


def test_interregional_tie_survival_adds_back_the_dissolved():
    state = _state_with_ties()
    state.tallies.interregional_dissolved = 2  # 2 survivors + 2 dissolved were alive before
    assert reporters.interregional_tie_survival(state) == pytest.approx(0.5)
    state.tallies.interregional_dissolved = 0
    assert reporters.interregional_tie_survival(state) == 1.0


# --- platforms ------------------------------------------------------------------------------
def test_active_members_count_those_involved_within_the_window():
    roster = tiny.roster()
    state = tiny.state(roster, clock=Clock(2025, 4, 8, period=6))
    window = state.config.platforms.activity_window_quarters  # 4: steps 2..5 count
    state.platforms.last_participation[0, :4] = [5, 2, 1, -100]
    state.platforms.last_participation[0, 4] = 5  # a northern member never counts
    assert window == 4
    assert reporters.platform_active_members(state) == 2
    assert reporters.platform_fund_of(state, "P0") == state.platforms.fund[0]
    assert math.isnan(reporters.platform_fund_of(state, "FEALAC"))


# --- actions and money ------------------------------------------------------------------------
def test_action_reporters_follow_the_registry():
    state = tiny.state()
    state.tallies.actions[:] = 0
    state.tallies.actions[MODALITY["triangular"].code] = 3
    state.tallies.actions[MODALITY["bilateral"].code] = 9
    assert reporters.actions_total(state) == 12
    assert reporters.triangular_share(state) == pytest.approx(0.25)
    assert reporters.actions_of(state, "platform") == 0
    state.tallies.southern_funds = 5.0
    assert reporters.funding_of(state, "southern_funds") == 5.0
    with pytest.raises(KeyError, match="unknown funding source"):
        reporters.funding_of(state, "southern_fund")


def test_every_modality_and_funding_source_has_its_time_series_column():
    columns = reporters.model_reporters()
    for modality in MODALITIES:
        assert f"actions_{modality.name}" in columns
    for source in FUNDING_SOURCES:
        assert f"funding_{source}_usd" in columns
    # Every reporter runs on a fresh state and returns a number.
    state = tiny.state()
    for name, reporter in columns.items():
        value = reporter(state)
        assert isinstance(value, int | float | np.integer | np.floating), name


def test_the_registry_maps_codes_to_layers_and_refuses_unknown_codes():
    codes = np.array([m.code for m in MODALITIES])
    np.testing.assert_array_equal(tie_layers(codes), [m.layer for m in MODALITIES])
    with pytest.raises(ValueError, match="outside the registry"):
        tie_layers(np.array([len(MODALITIES)]))
    assert sum(SEGIB_2023_SHARES.values()) == pytest.approx(1.0)
    assert len({m.colour for m in MODALITIES}) == len(MODALITIES)


def test_tallies_start_at_zero_for_every_step():
    tallies = StepTallies(n_actors=7)
    assert tallies.actions.tolist() == [0] * len(MODALITIES)
    assert tallies.actions_by_country.shape == (7,)
    assert all(tallies.funding(source) == 0.0 for source in FUNDING_SOURCES)
