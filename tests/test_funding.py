"""Money: the ODA scenario multiplier, northern budgets, repayments and ODA allocation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.config import FundingParams, ScenarioConfig
from sscsim.processes.budgets import (
    northern_budgets,
    oda_allocation,
    oda_allocation_reference,
    oda_multiplier,
)
from sscsim.processes.eligibility import oda_portfolios, oda_weights, vulnerability_index
from sscsim.state.ledgers import Repayments


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
    assert repayments.debtor.dtype == repayments.creditor.dtype == np.int64
    np.testing.assert_array_equal(repayments.debtor, [0, 2, 1])
    np.testing.assert_allclose(repayments.instalment, [250.0, 300.0, 90.0])
    np.testing.assert_array_equal(repayments.remaining, [4, 2, 1])
    assert repayments.outstanding == pytest.approx(1690.0)
    np.testing.assert_allclose(repayments.collect(3), [90.0, 550.0, 0.0])
    np.testing.assert_array_equal(repayments.debtor, [0, 2])
    assert repayments.outstanding == pytest.approx(1050.0)
    np.testing.assert_allclose(repayments.collect(3), [0.0, 550.0, 0.0])
    np.testing.assert_array_equal(repayments.debtor, [0])
    np.testing.assert_allclose(repayments.collect(3), [0.0, 250.0, 0.0])
    np.testing.assert_allclose(repayments.collect(3), [0.0, 250.0, 0.0])
    assert len(repayments.debtor) == 0 and repayments.outstanding == 0.0
    np.testing.assert_array_equal(repayments.collect(3), np.zeros(3))


def test_add_many_equals_adding_one_by_one() -> None:
    debtor, creditor = np.array([0, 3, 2]), np.array([1, 1, 0])
    amount = np.array([100.0, 40.0, 7.5])
    many, single = Repayments(), Repayments()
    many.add_many(debtor, creditor, amount, 3)
    many.add_many(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), 3)
    for d, c, a in zip(debtor, creditor, amount, strict=True):
        single.add(int(d), int(c), float(a), 3)
    for name in ("debtor", "creditor", "instalment", "remaining"):
        np.testing.assert_array_equal(getattr(many, name), getattr(single, name))
    for _ in range(3):
        np.testing.assert_array_equal(many.collect(4), single.collect(4))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.floats(0.0, 1e7), st.integers(1, 12)),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_repayments_return_exactly_what_was_lent(loans, in_batches: bool) -> None:
    repayments = Repayments()
    lent = np.zeros(6)
    if in_batches:
        for instalments in sorted({loan[3] for loan in loans}):
            batch = [loan for loan in loans if loan[3] == instalments]
            repayments.add_many(
                np.array([loan[0] for loan in batch]),
                np.array([loan[1] for loan in batch]),
                np.array([loan[2] for loan in batch]),
                instalments,
            )
    else:
        for debtor, creditor, amount, instalments in loans:
            repayments.add(debtor, creditor, amount, instalments)
    for _, creditor, amount, _ in loans:
        lent[creditor] += amount
    assert repayments.outstanding == pytest.approx(lent.sum(), rel=1e-9)
    received = np.zeros(6)
    longest = max(loan[3] for loan in loans)
    for k in range(longest):
        assert len(repayments.debtor) == sum(loan[3] > k for loan in loans)
        assert len(repayments.remaining) == len(repayments.instalment) == len(repayments.debtor)
        received += repayments.collect(6)
    assert len(repayments.debtor) == 0 and len(repayments.remaining) == 0
    assert repayments.outstanding == 0.0
    np.testing.assert_allclose(received, lent, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(repayments.collect(6), np.zeros(6))


# ---------------------------------------------------------------------------
# oda_weights, oda_allocation
# ---------------------------------------------------------------------------
def test_oda_weights_are_need_times_root_population_where_eligible() -> None:
    weights = oda_weights(
        np.array([True, True, False, True]),
        np.array([1.0, 0.5, 1.0, 2.0]),
        np.array([100.0, 1600.0, 1e6, 0.25]),
    )
    np.testing.assert_allclose(weights, [10.0, 20.0, 0.0, 2.0])  # population floored at 1


def affinity_of(donor_mask: np.ndarray, recipient_mask: np.ndarray) -> np.ndarray:
    return ((donor_mask[:, None] & recipient_mask[None, :]) != 0).astype(np.float64)


def test_allocation_weights_base_and_affinity() -> None:
    bilateral = np.array([300.0, 100.0])
    base = np.array([10.0, 20.0, 0.0])
    recipient_mask = np.array([0b01, 0b10, 0b01], dtype=np.int64)
    donor_mask = np.array([0b01, 0b100], dtype=np.int64)
    received = oda_allocation(bilateral, base, recipient_mask, donor_mask)
    # Donor 0 shares platform 0 with recipient 0: weights 20 and 20; donor 1: 10 and 20.
    np.testing.assert_allclose(received, [150.0 + 100 / 3, 150.0 + 200 / 3, 0.0])
    dense = oda_allocation_reference(bilateral, base, affinity_of(donor_mask, recipient_mask))
    np.testing.assert_allclose(dense, [[150.0, 150.0, 0.0], [100 / 3, 200 / 3, 0.0]])


@st.composite
def allocation_cases(draw):
    n_north = draw(st.integers(0, 6))
    n_south = draw(st.integers(0, 25))
    masks = st.integers(0, 2**5 - 1) | st.sampled_from([0, 1, 2**61])
    return (
        draw(arrays(np.float64, n_north, elements=st.just(0.0) | st.floats(1.0, 1e10))),
        draw(arrays(np.float64, n_south, elements=st.just(0.0) | st.floats(1e-3, 1e6))),
        draw(arrays(np.int64, n_south, elements=masks)),
        draw(arrays(np.int64, n_north, elements=masks)),
    )


@settings(max_examples=150, deadline=None)
@given(allocation_cases())
def test_grouped_allocation_equals_the_dense_reference(case) -> None:
    bilateral, base, recipient_mask, donor_mask = case
    received = oda_allocation(bilateral, base, recipient_mask, donor_mask)
    dense = oda_allocation_reference(bilateral, base, affinity_of(donor_mask, recipient_mask))
    assert received.shape == base.shape and dense.shape == (len(bilateral), len(base))
    np.testing.assert_allclose(received, dense.sum(axis=0), rtol=1e-9, atol=1e-6)
    assert np.all(received >= 0)
    # Recipients without weight get nothing.
    assert np.all(received[base == 0] == 0.0)
    # Each donor's budget is spent in full where some recipient has weight, else not at all.
    if (base > 0).any():
        np.testing.assert_allclose(dense.sum(axis=1), bilateral, rtol=1e-9)
        np.testing.assert_allclose(received.sum(), bilateral.sum(), rtol=1e-9)
        if (bilateral > 0).any():
            assert np.all(received[base > 0] > 0)
    else:
        assert np.all(received == 0.0) and np.all(dense == 0.0)


def test_allocation_in_a_large_world_conserves_money() -> None:
    rng = np.random.default_rng(2)
    bilateral = rng.uniform(0, 1e9, 300)
    base = rng.uniform(0, 1, 20_000) * (rng.random(20_000) < 0.7)
    recipient_mask = rng.integers(0, 2**6, 20_000)
    donor_mask = rng.integers(0, 2**6, 300)
    received = oda_allocation(bilateral, base, recipient_mask, donor_mask)
    assert received.sum() == pytest.approx(bilateral.sum(), rel=1e-9)
    # A recipient sharing more donors' platforms gets more per unit of base.
    per_base = received[base > 0] / base[base > 0]
    assert per_base.min() > 0 and per_base.max() <= 2 * per_base.min() * (1 + 1e-9)


# ---------------------------------------------------------------------------
# oda_portfolios
# ---------------------------------------------------------------------------
@st.composite
def portfolio_cases(draw):
    n_north = draw(st.integers(0, 6))
    n_south = draw(st.integers(1, 30))
    masks = st.integers(0, 2**4 - 1)
    return (
        draw(arrays(np.float64, n_south, elements=st.just(0.0) | st.floats(1e-3, 1e3))),
        draw(arrays(np.int64, n_south, elements=masks)),
        draw(arrays(np.int64, n_north, elements=masks)),
        draw(st.integers(0, 12)),
        draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=150, deadline=None)
@given(portfolio_cases())
def test_portfolios_pick_recipients_with_weight_without_duplicates(case) -> None:
    base, recipient_mask, donor_mask, draws, seed = case
    donors, recipients = oda_portfolios(
        base, recipient_mask, donor_mask, draws, np.random.default_rng(seed)
    )
    assert donors.dtype == recipients.dtype == np.int64
    assert len(donors) == len(recipients)
    if base.sum() <= 0 or len(donor_mask) == 0 or draws == 0:
        assert len(donors) == 0
        return
    assert np.all(base[recipients] > 0)
    assert np.all((donors >= 0) & (donors < len(donor_mask)))
    pairs = donors * len(base) + recipients
    assert np.all(np.diff(pairs) > 0)  # sorted by donor then recipient, no duplicate pairs
    # Every donor has at least one and at most `draws` recipients.
    counts = np.bincount(donors, minlength=len(donor_mask))
    assert np.all((counts >= 1) & (counts <= min(draws, int((base > 0).sum()))))
    again = oda_portfolios(base, recipient_mask, donor_mask, draws, np.random.default_rng(seed))
    np.testing.assert_array_equal(again[0], donors)
    np.testing.assert_array_equal(again[1], recipients)


def test_portfolio_frequencies_follow_the_allocation_weights() -> None:
    # 20 000 donors alike, one draw each: the recipients' frequencies are the weights.
    base = np.array([1.0, 0.0, 2.0, 3.0, 1.0, 0.5])
    recipient_mask = np.array([0b1, 0b1, 0b10, 0b0, 0b11, 0b100], dtype=np.int64)
    donor_mask = np.full(20_000, 0b1, dtype=np.int64)
    donors, recipients = oda_portfolios(
        base, recipient_mask, donor_mask, 1, np.random.default_rng(8)
    )
    np.testing.assert_array_equal(donors, np.arange(20_000))
    weight = base * (1.0 + ((recipient_mask & 0b1) != 0))
    expected = weight / weight.sum()
    frequency = np.bincount(recipients, minlength=len(base)) / len(recipients)
    assert frequency[1] == 0.0
    np.testing.assert_allclose(frequency, expected, atol=0.015)


def test_portfolios_differ_between_seeds_and_cover_the_weights() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 1, 200)
    mask = rng.integers(0, 8, 200)
    donors = rng.integers(0, 8, 10)
    first = oda_portfolios(base, mask, donors, 30, np.random.default_rng(1))
    second = oda_portfolios(base, mask, donors, 30, np.random.default_rng(2))
    assert not np.array_equal(first[1], second[1]) or not np.array_equal(first[0], second[0])
    assert len(np.unique(first[1])) > 50


# ---------------------------------------------------------------------------
# vulnerability_index
# ---------------------------------------------------------------------------
def test_vulnerability_extremes() -> None:
    index = vulnerability_index(
        np.array([True, False, True, False]),
        np.array([True, False, False, True]),
        np.array([0.0, 1.0, 0.5, 0.5]),
        FundingParams(),
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
    index = vulnerability_index(sids, ldc, capacity, FundingParams())
    assert index.shape == capacity.shape
    assert np.all((index >= 0.0) & (index <= 1.0))
    # More capacity, less vulnerable.
    assert np.all(vulnerability_index(sids, ldc, capacity * 0.5, FundingParams()) >= index)
