"""Money: the ODA scenario multiplier, northern budgets, repayments and ODA allocation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.config import FundingParams, ScenarioConfig
from sscsim.funding import (
    Repayments,
    northern_budgets,
    oda_allocation,
    oda_multiplier,
    vulnerability_index,
)


# ---------------------------------------------------------------------------
# oda_multiplier
# ---------------------------------------------------------------------------
def test_no_path_and_no_cut_is_one() -> None:
    for year in (1990.0, 2025.0, 2026.5, 2100.0):
        assert oda_multiplier(year, ScenarioConfig()) == 1.0


def test_path_pieces_hold_from_first_january_of_their_year() -> None:
    scenario = ScenarioConfig(oda_path_years=[2026, 2030], oda_path_multipliers=[0.8, 0.6])
    assert oda_multiplier(2025.75, scenario) == 1.0
    assert oda_multiplier(2025.999, scenario) == 1.0
    assert oda_multiplier(2026.0, scenario) == 0.8
    assert oda_multiplier(2029.75, scenario) == 0.8
    assert oda_multiplier(2030.0, scenario) == 0.6
    assert oda_multiplier(2045.0, scenario) == 0.6


def test_a_cut_at_once_from_its_start_year() -> None:
    scenario = ScenarioConfig(oda_cut_depth=0.4, oda_cut_start_year=2027)
    assert oda_multiplier(2026.75, scenario) == 1.0
    assert oda_multiplier(2027.0, scenario) == pytest.approx(0.6)
    assert oda_multiplier(2035.0, scenario) == pytest.approx(0.6)


def test_a_cut_ramps_in_linearly() -> None:
    scenario = ScenarioConfig(oda_cut_depth=0.5, oda_cut_start_year=2027, oda_cut_ramp_years=4.0)
    assert oda_multiplier(2026.0, scenario) == 1.0
    assert oda_multiplier(2027.0, scenario) == pytest.approx(1.0)
    assert oda_multiplier(2028.0, scenario) == pytest.approx(0.875)
    assert oda_multiplier(2029.0, scenario) == pytest.approx(0.75)
    assert oda_multiplier(2030.5, scenario) == pytest.approx(0.5625)
    assert oda_multiplier(2031.0, scenario) == pytest.approx(0.5)
    assert oda_multiplier(2040.0, scenario) == pytest.approx(0.5)


def test_path_and_cut_multiply() -> None:
    scenario = ScenarioConfig(
        oda_path_years=[2026],
        oda_path_multipliers=[0.8],
        oda_cut_depth=0.5,
        oda_cut_start_year=2028,
    )
    assert oda_multiplier(2027.0, scenario) == pytest.approx(0.8)
    assert oda_multiplier(2028.0, scenario) == pytest.approx(0.4)


def test_full_cut_is_zero() -> None:
    scenario = ScenarioConfig(oda_cut_depth=1.0, oda_cut_start_year=2026)
    assert oda_multiplier(2026.0, scenario) == 0.0


@st.composite
def scenarios(draw) -> ScenarioConfig:
    years = sorted(draw(st.lists(st.integers(2020, 2050), max_size=4)))
    multipliers = draw(st.lists(st.floats(0.0, 2.0), min_size=len(years), max_size=len(years)))
    return ScenarioConfig(
        oda_path_years=years,
        oda_path_multipliers=multipliers,
        oda_cut_depth=draw(st.floats(0.0, 1.0)),
        oda_cut_start_year=draw(st.integers(2020, 2050)),
        oda_cut_ramp_years=draw(st.floats(0.0, 10.0)),
    )


years = st.floats(2015.0, 2060.0)


@settings(max_examples=100, deadline=None)
@given(scenarios(), years)
def test_multiplier_is_within_zero_and_the_largest_path_value(
    scenario: ScenarioConfig, year: float
) -> None:
    value = oda_multiplier(year, scenario)
    assert 0.0 <= value <= max([1.0, *scenario.oda_path_multipliers])


@settings(max_examples=100, deadline=None)
@given(scenarios(), years, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_multiplier_does_not_rise_with_cut_depth(
    scenario: ScenarioConfig, year: float, depth_a: float, depth_b: float
) -> None:
    low, high = sorted((depth_a, depth_b))
    scenario.oda_cut_depth = low
    at_low = oda_multiplier(year, scenario)
    scenario.oda_cut_depth = high
    at_high = oda_multiplier(year, scenario)
    assert at_high <= at_low


@settings(max_examples=100, deadline=None)
@given(scenarios(), years, years)
def test_without_a_path_the_cut_does_not_rise_over_time(
    scenario: ScenarioConfig, year_a: float, year_b: float
) -> None:
    scenario.oda_path_years, scenario.oda_path_multipliers = [], []
    early, late = sorted((year_a, year_b))
    assert oda_multiplier(late, scenario) <= oda_multiplier(early, scenario)
    assert oda_multiplier(late, scenario) >= 1.0 - scenario.oda_cut_depth - 1e-12


# ---------------------------------------------------------------------------
# northern_budgets
# ---------------------------------------------------------------------------
def test_northern_budget_of_one_partner() -> None:
    params = FundingParams(triangular_share_of_oda=0.1, trust_fund_share_of_oda=0.05)
    budgets = northern_budgets(np.array([1e12]), np.array([0.5]), 0.8, 4, params)
    assert budgets.total[0] == pytest.approx(1e12 * 0.005 * 0.8 / 4)  # 1e9 a quarter
    assert budgets.triangular[0] == pytest.approx(1e8)
    assert budgets.trust_funds[0] == pytest.approx(5e7)
    assert budgets.bilateral[0] == pytest.approx(8.5e8)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 10).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, n, elements=st.floats(0.0, 3e13)),
            arrays(np.float64, n, elements=st.floats(0.0, 1.5)),
        )
    ),
    st.floats(0.0, 2.0),
    st.integers(1, 12),
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.5),
)
def test_northern_budget_parts_add_up(arrays_, multiplier, steps, triangular, trust) -> None:
    gni, pct = arrays_
    params = FundingParams(triangular_share_of_oda=triangular, trust_fund_share_of_oda=trust)
    budgets = northern_budgets(gni, pct, multiplier, steps, params)
    np.testing.assert_allclose(budgets.total, gni * pct / 100 * multiplier / steps, rtol=1e-12)
    parts = budgets.triangular + budgets.trust_funds + budgets.bilateral
    np.testing.assert_allclose(parts, budgets.total, rtol=1e-12, atol=1e-6)
    for part in (budgets.triangular, budgets.trust_funds, budgets.bilateral):
        assert part.shape == gni.shape
        assert np.all(part >= 0)
    np.testing.assert_allclose(budgets.triangular, budgets.total * triangular, rtol=1e-12)


# ---------------------------------------------------------------------------
# Repayments
# ---------------------------------------------------------------------------
def test_repayments_pay_the_loan_in_equal_instalments_then_drop_it() -> None:
    repayments = Repayments()
    assert repayments.outstanding == 0.0
    np.testing.assert_array_equal(repayments.collect(3), np.zeros(3))
    repayments.add(debtor=0, creditor=1, amount=1000.0, instalments=4)
    repayments.add(debtor=2, creditor=1, amount=600.0, instalments=2)
    repayments.add(debtor=1, creditor=0, amount=90.0, instalments=1)
    assert repayments.outstanding == pytest.approx(1690.0)
    np.testing.assert_allclose(repayments.collect(3), [90.0, 550.0, 0.0])
    assert repayments.debtor == [0, 2]
    assert repayments.outstanding == pytest.approx(1050.0)
    np.testing.assert_allclose(repayments.collect(3), [0.0, 550.0, 0.0])
    assert repayments.debtor == [0]
    np.testing.assert_allclose(repayments.collect(3), [0.0, 250.0, 0.0])
    np.testing.assert_allclose(repayments.collect(3), [0.0, 250.0, 0.0])
    assert repayments.debtor == [] and repayments.outstanding == 0.0
    np.testing.assert_array_equal(repayments.collect(3), np.zeros(3))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.floats(0.0, 1e7), st.integers(1, 12)),
        min_size=1,
        max_size=20,
    )
)
def test_repayments_return_exactly_what_was_lent(loans) -> None:
    repayments = Repayments()
    lent = np.zeros(6)
    for debtor, creditor, amount, instalments in loans:
        repayments.add(debtor, creditor, amount, instalments)
        lent[creditor] += amount
    assert repayments.outstanding == pytest.approx(lent.sum(), rel=1e-9)
    received = np.zeros(6)
    longest = max(loan[3] for loan in loans)
    for k in range(longest):
        assert len(repayments.debtor) == sum(loan[3] > k for loan in loans)
        received += repayments.collect(6)
    assert repayments.debtor == [] and repayments.remaining == []
    assert repayments.outstanding == 0.0
    np.testing.assert_allclose(received, lent, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(repayments.collect(6), np.zeros(6))


# ---------------------------------------------------------------------------
# oda_allocation
# ---------------------------------------------------------------------------
def test_allocation_weights_need_population_and_affinity() -> None:
    bilateral = np.array([300.0, 100.0])
    eligible = np.array([True, True, False])
    need = np.array([1.0, 0.5, 1.0])
    population = np.array([100.0, 1600.0, 1e6])
    affinity = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    flows = oda_allocation(bilateral, eligible, need, population, affinity)
    # Weights: donor 0: 1*10*2 = 20, 0.5*40*1 = 20; donor 1: 10 and 20.
    np.testing.assert_allclose(flows, [[150.0, 150.0, 0.0], [100 / 3, 200 / 3, 0.0]])


@st.composite
def allocation_cases(draw):
    n_north = draw(st.integers(1, 5))
    n_south = draw(st.integers(1, 20))
    return (
        draw(arrays(np.float64, n_north, elements=st.just(0.0) | st.floats(1.0, 1e10))),
        draw(arrays(bool, n_south)),
        draw(arrays(np.float64, n_south, elements=st.floats(0.01, 1.0))),
        draw(arrays(np.float64, n_south, elements=st.floats(0.0, 1.5e9))),
        draw(arrays(np.float64, (n_north, n_south), elements=st.sampled_from([0.0, 1.0]))),
    )


@settings(max_examples=100, deadline=None)
@given(allocation_cases())
def test_allocation_conserves_each_budget_over_eligible_recipients(case) -> None:
    bilateral, eligible, need, population, affinity = case
    flows = oda_allocation(bilateral, eligible, need, population, affinity)
    assert flows.shape == affinity.shape
    assert np.all(flows >= 0)
    assert np.all(flows[:, ~eligible] == 0.0)
    if eligible.any():
        np.testing.assert_allclose(flows.sum(axis=1), bilateral, rtol=1e-9)
        assert np.all(flows[:, eligible][bilateral > 0] > 0)
    else:
        assert np.all(flows == 0.0)


# ---------------------------------------------------------------------------
# vulnerability_index
# ---------------------------------------------------------------------------
def test_vulnerability_extremes() -> None:
    index = vulnerability_index(
        np.array([True, False, True, False]),
        np.array([True, False, False, True]),
        np.array([0.0, 1.0, 0.5, 0.5]),
    )
    np.testing.assert_allclose(index, [1.0, 0.0, 0.55, 0.45])


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            arrays(bool, n), arrays(bool, n), arrays(np.float64, n, elements=st.floats(0.0, 1.0))
        )
    )
)
def test_vulnerability_is_in_unit_interval(case) -> None:
    sids, ldc, capacity = case
    index = vulnerability_index(sids, ldc, capacity)
    assert index.shape == capacity.shape
    assert np.all((index >= 0.0) & (index <= 1.0))
    # More capacity, less vulnerable.
    assert np.all(vulnerability_index(sids, ldc, capacity * 0.5) >= index)
