"""Offers and requests as array rules, and the matching kernel's parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.config import SSCConfig, config_from_parameters
from sscsim.kernels import matching as kernel
from sscsim.processes.matching import matching_parameters, offer_lists
from sscsim.processes.requests import offer_matrix, request_draws, weakest_sectors

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
# offer_lists: the directory of cooperation sources
# ---------------------------------------------------------------------------
def test_offer_lists_example() -> None:
    offers = np.array(
        [
            [True, False, True],
            [False, False, True],
            [True, False, False],
            [True, False, True],
        ]
    )
    indptr, rows = offer_lists(offers)
    np.testing.assert_array_equal(indptr, [0, 3, 3, 6])
    np.testing.assert_array_equal(rows, [0, 2, 3, 0, 1, 3])
    assert indptr.dtype == rows.dtype == np.int64


@settings(max_examples=100, deadline=None)
@given(st.tuples(st.integers(0, 30), st.integers(1, 8)).flatmap(lambda shape: arrays(bool, shape)))
def test_offer_lists_are_the_providers_of_each_sector(offers: np.ndarray) -> None:
    indptr, rows = offer_lists(offers)
    n_sectors = offers.shape[1]
    assert indptr.shape == (n_sectors + 1,) and indptr[0] == 0
    assert indptr[-1] == len(rows) == offers.sum()
    for s in range(n_sectors):
        np.testing.assert_array_equal(rows[indptr[s] : indptr[s + 1]], np.nonzero(offers[:, s])[0])


# ---------------------------------------------------------------------------
# request_draws
# ---------------------------------------------------------------------------
def test_request_draws_example() -> None:
    weakest = np.array([[2, 0], [1, 2], [0, 1]])
    served = np.zeros((3, 3), dtype=np.int64)
    served[1, 1] = 2  # country 1 is already served twice in sector 1
    counts = np.array([[1, 0], [3, 2], [0, 0]])
    recipient, sector = request_draws(weakest, served, 2, counts)
    # Country 1: no room in sector 1 (2 of 2), two requests in sector 2.
    np.testing.assert_array_equal(recipient, [0, 1, 1])
    np.testing.assert_array_equal(sector, [2, 2, 2])
    assert recipient.dtype == sector.dtype == np.int64


@st.composite
def request_cases(draw):
    n = draw(st.integers(1, 25))
    n_sectors = draw(st.integers(1, 6))
    capacity = draw(arrays(np.float64, (n, n_sectors), elements=unit))
    k = draw(st.integers(1, n_sectors))
    served = draw(arrays(np.int64, (n, n_sectors), elements=st.integers(0, 3)))
    counts = draw(arrays(np.int64, (n, k), elements=st.integers(0, 4)))
    most = draw(st.integers(1, 4))
    return weakest_sectors(capacity, k), served, most, counts


@settings(max_examples=100, deadline=None)
@given(request_cases())
def test_requests_never_exceed_the_room_left_in_a_sector(case) -> None:
    weakest, served, most, counts = case
    recipient, sector = request_draws(weakest, served, most, counts)
    assert len(recipient) == len(sector)
    expected = [
        (i, int(weakest[i, j]))
        for i in range(weakest.shape[0])
        for j in range(weakest.shape[1])
        for _ in range(min(counts[i, j], max(most - served[i, weakest[i, j]], 0)))
    ]
    assert list(zip(recipient.tolist(), sector.tolist(), strict=True)) == expected
    for i, s in zip(recipient, sector, strict=True):
        assert s in weakest[i]
        assert served[i, s] + np.sum((recipient == i) & (sector == s)) <= max(most, served[i, s])
    # No counts, no request.
    assert len(request_draws(weakest, served, most, np.zeros_like(counts))[0]) == 0


# ---------------------------------------------------------------------------
# matching_parameters
# ---------------------------------------------------------------------------
def test_matching_parameters_take_each_value_from_the_configuration() -> None:
    config = config_from_parameters(
        min_capacity_gap=0.07,
        weight_trust=3.5,
        choice_temperature=0.25,
        sids_priority=0.6,
        action_cost_usd=12345.0,
        triangular_cofunding_share=0.55,
        partnership_trust=0.45,
        candidate_sample=17,
        funder_sample=5,
        provider_attempts=2,
        min_duration_quarters=1,
        max_duration_quarters=9,
    )
    real, integer = matching_parameters(config)
    assert real.shape == (kernel.N_REAL,) and real.dtype == np.float64
    assert integer.shape == (kernel.N_INTEGER,) and integer.dtype == np.int64
    assert real[kernel.MIN_GAP] == 0.07
    assert real[kernel.W_TRUST] == 3.5
    assert real[kernel.TEMPERATURE] == 0.25
    assert real[kernel.SIDS_PRIORITY] == 0.6
    assert real[kernel.ACTION_COST] == 12345.0
    assert real[kernel.COFUNDING_SHARE] == 0.55
    assert real[kernel.AGREEMENT_TRUST] == 0.45
    assert list(integer) == [1, 9, 17, 5, 2]  # durations, candidates, funders, attempts


def test_matching_parameters_fill_every_slot_from_the_defaults() -> None:
    config = SSCConfig()
    real, _ = matching_parameters(config)
    matching, funding = config.matching, config.funding
    expected = {
        kernel.W_COMPLEMENTARITY: matching.weight_complementarity,
        kernel.W_SIMILARITY: matching.weight_similarity,
        kernel.W_COMEMBERSHIP: matching.weight_comembership,
        kernel.W_COST: matching.weight_cost,
        kernel.TRIANGULAR_APPEAL: matching.triangular_appeal,
        kernel.MULTILATERAL_DISCOUNT: funding.multilateral_cost_discount,
        kernel.INTERREGIONAL_MULTIPLIER: funding.interregional_cost_multiplier,
        kernel.CHAMPION_DISCOUNT: funding.champion_interregional_discount,
        kernel.REFUNDABLE_SHARE: funding.refundable_share,
    }
    for position, value in expected.items():
        assert real[position] == value, position
    # Every position is named once.
    positions = [
        getattr(kernel, name)
        for name in dir(kernel)
        if name.isupper()
        and not name.startswith(("N_", "_"))
        and name not in ("BILATERAL", "TRIANGULAR", "PLATFORM")
        and isinstance(getattr(kernel, name), int)
    ]
    assert sorted(positions) == sorted([*range(kernel.N_REAL), *range(kernel.N_INTEGER)])


def test_places_are_built_from_the_world_geography(world) -> None:
    from sscsim.state.roster import build_roster

    roster = build_roster(world, [], False)
    places = roster.places
    assert places is not None and places.known
    geo = world.geography.set_index("iso3")
    k = list(roster.iso3).index("BRA")
    assert places.latitude[k] == pytest.approx(np.radians(geo.loc["BRA", "latitude"]))
    assert places.longitude[k] == pytest.approx(np.radians(geo.loc["BRA", "longitude"]))
    bit = places.vocabulary.index("pt")
    assert (places.languages[k] >> bit) & 1
    economy = places.economy
    row = economy[k]
    neighbours = places.neighbour_rows[
        places.neighbour_indptr[row] : places.neighbour_indptr[row + 1]
    ]
    assert set(geo.index[neighbours]) == {
        "ARG",
        "BOL",
        "COL",
        "GUF",
        "GUY",
        "PER",
        "PRY",
        "SUR",
        "URY",
        "VEN",
    } & set(geo.index)
    assert len(places.vocabulary) <= 63


def test_a_run_works_without_geography(world) -> None:
    import dataclasses

    from sscsim import SSCModel

    model = SSCModel(rng=3, world=dataclasses.replace(world, geography=None), steps=8)
    assert model.state.roster.places is not None and not model.state.roster.places.known
    summary = model.run().summary()
    assert sum(summary["modality_shares"].values()) == pytest.approx(1.0)
