"""Offers, requests and partner choice as array rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.matching import (
    cost_factor_matrix,
    offer_matrix,
    similarity_matrix,
    softmax_choice,
    weakest_sectors,
)

unit = st.floats(0.0, 1.0)


@st.composite
def capacities(draw, min_rows: int = 1) -> np.ndarray:
    n = draw(st.integers(min_rows, 30))
    n_sectors = draw(st.integers(1, 8))
    # Few distinct values, so that ties between sectors are common.
    values = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]) | unit
    return draw(arrays(np.float64, (n, n_sectors), elements=values))


# ---------------------------------------------------------------------------
# weakest_sectors
# ---------------------------------------------------------------------------
def test_weakest_sectors_example() -> None:
    capacity = np.array([[0.5, 0.1, 0.3, 0.9], [0.2, 0.2, 0.9, 0.0]])
    np.testing.assert_array_equal(weakest_sectors(capacity, 2), [[1, 2], [3, 0]])
    np.testing.assert_array_equal(weakest_sectors(capacity, 1), [[1], [3]])
    # k beyond the number of sectors gives every sector, weakest first.
    np.testing.assert_array_equal(weakest_sectors(capacity, 9), [[1, 2, 0, 3], [3, 0, 1, 2]])
    assert weakest_sectors(capacity, 2).dtype == np.int64


@settings(max_examples=100, deadline=None)
@given(capacities(), st.integers(1, 10))
def test_weakest_sectors_are_no_stronger_than_the_rest(capacity: np.ndarray, k: int) -> None:
    weakest = weakest_sectors(capacity, k)
    n, n_sectors = capacity.shape
    assert weakest.shape == (n, min(k, n_sectors))
    for i in range(n):
        chosen = set(weakest[i].tolist())
        assert len(chosen) == weakest.shape[1]
        rest = [s for s in range(n_sectors) if s not in chosen]
        if rest:
            assert capacity[i, weakest[i]].max() <= capacity[i, rest].min()


# ---------------------------------------------------------------------------
# offer_matrix
# ---------------------------------------------------------------------------
def test_offer_matrix_example() -> None:
    capacity = np.array(
        [
            [0.9, 0.8, 0.1],
            [0.2, 0.7, 0.6],
            [0.1, 0.1, 0.2],
        ]
    )
    # Column medians: 0.2, 0.7, 0.2; strictly above them: (0, 0), (0, 1) and (1, 2).
    offers = offer_matrix(capacity, np.array([1, 3, 3]), 0.5)
    expected = np.array(
        [
            [True, False, False],  # only its strongest sector, by its offer count of 1
            [False, False, True],  # 0.7 is not above the median 0.7
            [False, False, False],  # nothing above the median
        ]
    )
    np.testing.assert_array_equal(offers, expected)
    offers_two = offer_matrix(capacity, np.array([2, 3, 3]), 0.5)
    assert offers_two[0].tolist() == [True, True, False]


@settings(max_examples=100, deadline=None)
@given(capacities(min_rows=2), st.data())
def test_offers_are_few_strong_and_above_the_quantile(capacity: np.ndarray, data) -> None:
    n, n_sectors = capacity.shape
    k = data.draw(arrays(np.int64, n, elements=st.integers(0, n_sectors + 1)))
    quantile = data.draw(unit)
    offers = offer_matrix(capacity, k, quantile)
    assert offers.shape == capacity.shape and offers.dtype == bool
    assert np.all(offers.sum(axis=1) <= k)
    threshold = np.quantile(capacity, quantile, axis=0)
    assert np.all(capacity[offers] > np.broadcast_to(threshold, capacity.shape)[offers])
    for i, s in zip(*np.nonzero(offers), strict=True):
        # Fewer than k[i] sectors are strictly stronger than an offered one.
        assert (capacity[i] > capacity[i, s]).sum() < k[i]
    # With k = all sectors, offers are exactly the cells above the quantile.
    everything = offer_matrix(capacity, np.full(n, n_sectors), quantile)
    np.testing.assert_array_equal(everything, capacity > threshold[None, :])


# ---------------------------------------------------------------------------
# similarity_matrix
# ---------------------------------------------------------------------------
@st.composite
def contexts(draw):
    n = draw(st.integers(1, 25))
    return (
        draw(arrays(np.int64, n, elements=st.integers(0, 3))),
        draw(arrays(np.int64, n, elements=st.integers(0, 3))),
        draw(arrays(bool, n)),
    )


@settings(max_examples=100, deadline=None)
@given(contexts())
def test_similarity_is_symmetric_and_in_unit_interval(context) -> None:
    region, income, sids = context
    similarity = similarity_matrix(region, income, sids)
    n = len(region)
    assert similarity.shape == (n, n)
    np.testing.assert_array_equal(similarity, similarity.T)
    assert np.all((similarity >= 0.0) & (similarity <= 1.0))
    # Each criterion counts one third.
    np.testing.assert_allclose(similarity * 3, np.round(similarity * 3), atol=1e-12)
    # Every country is fully similar to itself.
    np.testing.assert_array_equal(np.diag(similarity), 1.0)


def test_similarity_example() -> None:
    region = np.array([0, 0, 1, 1])
    income = np.array([2, 1, 2, 2])
    sids = np.array([True, True, True, False])
    similarity = similarity_matrix(region, income, sids)
    assert similarity[0, 1] == pytest.approx(2 / 3)  # same region, both SIDS
    assert similarity[0, 2] == pytest.approx(2 / 3)  # same income, both SIDS
    assert similarity[1, 3] == 0.0  # nothing shared
    assert similarity[1, 2] == pytest.approx(1 / 3)  # both SIDS only
    assert similarity[2, 3] == pytest.approx(2 / 3)  # same region and income, SIDS status differs


def test_every_country_is_fully_similar_to_itself() -> None:
    similarity = similarity_matrix(np.array([0]), np.array([1]), np.array([False]))
    assert similarity[0, 0] == 1.0


# ---------------------------------------------------------------------------
# cost_factor_matrix
# ---------------------------------------------------------------------------
def test_cost_factor_within_and_across_regions() -> None:
    region = np.array([0, 0, 1, 1, 2])
    champion = np.array([False, True, False, False, True])
    cost = cost_factor_matrix(region, champion, 1.8, 0.3)
    discounted = 1.0 + 0.8 * 0.7
    expected = np.array(
        [
            [1.0, 1.0, 1.8, 1.8, discounted],
            [1.0, 1.0, discounted, discounted, discounted],
            [1.8, discounted, 1.0, 1.0, discounted],
            [1.8, discounted, 1.0, 1.0, discounted],
            [discounted, discounted, discounted, discounted, 1.0],
        ]
    )
    np.testing.assert_allclose(cost, expected)
    # Champions at both ends do not double the discount (1 -> 4).
    assert cost[1, 4] == pytest.approx(discounted)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 20).flatmap(
        lambda n: st.tuples(arrays(np.int64, n, elements=st.integers(0, 3)), arrays(bool, n))
    ),
    st.floats(1.0, 5.0),
    unit,
)
def test_cost_factor_properties(case, multiplier: float, discount: float) -> None:
    region, champion = case
    cost = cost_factor_matrix(region, champion, multiplier, discount)
    same = region[:, None] == region[None, :]
    np.testing.assert_array_equal(cost[same], 1.0)
    np.testing.assert_allclose(cost, cost.T)
    either = champion[:, None] | champion[None, :]
    np.testing.assert_allclose(cost[~same & ~either], multiplier)
    np.testing.assert_allclose(
        cost[~same & either], 1.0 + (multiplier - 1.0) * (1.0 - discount), rtol=1e-12
    )
    assert np.all((cost >= 1.0) & (cost <= multiplier + 1e-12))


# ---------------------------------------------------------------------------
# softmax_choice
# ---------------------------------------------------------------------------
def test_softmax_prefers_higher_scores() -> None:
    rng = np.random.default_rng(12345)
    scores = np.array([0.0, 1.0, 2.0])
    draws = np.array([softmax_choice(scores, 0.5, rng) for _ in range(4000)])
    counts = np.bincount(draws, minlength=3)
    assert counts[2] > counts[1] > counts[0]
    expected = np.exp(scores / 0.5) / np.exp(scores / 0.5).sum()  # 0.016, 0.117, 0.867
    np.testing.assert_allclose(counts / len(draws), expected, atol=0.03)


def test_softmax_temperature() -> None:
    rng = np.random.default_rng(7)
    scores = np.array([0.0, 1.0])
    greedy = sum(softmax_choice(scores, 0.01, rng) for _ in range(500))
    flat = sum(softmax_choice(scores, 100.0, rng) for _ in range(2000))
    assert greedy == 500  # exp(-100): never the worse one
    assert 0.4 < flat / 2000 < 0.6  # nearly uniform


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3)),
    st.floats(0.01, 10.0),
    st.integers(0, 2**32 - 1),
)
def test_softmax_returns_valid_indices(scores: np.ndarray, temperature: float, seed: int) -> None:
    index = softmax_choice(scores, temperature, np.random.default_rng(seed))
    assert isinstance(index, int)
    assert 0 <= index < len(scores)
    # Never a choice whose probability underflows to zero.
    assert (scores[index] - scores.max()) / temperature > -745
