"""The matching kernel (`sscsim.kernels.matching`): compiled == pure Python, the funding rules,
and the pair rules it scores with (`provider_score`, `trust_between`, `cost_factor`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscsim import geography
from sscsim.config import SSCConfig
from sscsim.kernels import hashing
from sscsim.kernels import matching as kernel
from sscsim.kernels.random import new_state
from sscsim.processes.matching import matching_parameters, offer_lists
from sscsim.processes.requests import offer_matrix
from sscsim.state.places import unknown_places
from sscsim.state.roster import ASIA_PACIFIC, LAC, build_roster
from sscsim.state.ties import Layer, TieTable

OUTPUTS = (
    ("request", np.int64),
    ("provider", np.int64),
    ("modality", np.int64),
    ("funder", np.int64),
    ("platform", np.int64),
    ("cost", np.float64),
    ("duration", np.int64),
    ("refundable", np.bool_),
    ("organisation", np.bool_),
)
MUTABLE = ("slots", "ssc_budget", "northern_pool", "state")


# ---------------------------------------------------------------------------
# A small random world, built by hand
# ---------------------------------------------------------------------------
@dataclass
class MatchWorld:
    request_recipient: np.ndarray
    request_sector: np.ndarray
    capacity: np.ndarray
    region: np.ndarray
    income_level: np.ndarray
    sids: np.ndarray
    champion: np.ndarray
    platform_mask: np.ndarray
    offer_indptr: np.ndarray
    offer_rows: np.ndarray
    slots: np.ndarray
    ssc_budget: np.ndarray
    ties: TieTable
    agreement_keys: np.ndarray
    agreement_rows: np.ndarray
    active_platforms: int
    northern_pool: np.ndarray
    funder_region_share: np.ndarray
    pivot_indptr: np.ndarray
    pivot_rows: np.ndarray
    real: np.ndarray
    integer: np.ndarray
    state: np.ndarray

    @property
    def n_south(self) -> int:
        return self.capacity.shape[0]

    @property
    def n_requests(self) -> int:
        return len(self.request_recipient)

    def offers(self, sector: int) -> np.ndarray:
        return self.offer_rows[self.offer_indptr[sector] : self.offer_indptr[sector + 1]]

    def with_(self, **changes) -> MatchWorld:
        return dataclasses.replace(self, **changes)


def build_world(
    seed: int,
    n_south: int = 30,
    n_north: int = 5,
    n_sectors: int = 4,
    n_platforms: int = 3,
    n_requests: int = 60,
    config: SSCConfig | None = None,
) -> MatchWorld:
    rng = np.random.default_rng(seed)
    n_actors = n_south + n_north
    capacity = rng.random((n_south, n_sectors))
    offers = offer_matrix(capacity, rng.integers(1, n_sectors + 1, n_south), 0.3)
    offer_indptr, offer_rows = offer_lists(offers)
    ties = TieTable(n_actors, initial_capacity=8)
    n_ties = 80
    layer = rng.integers(0, 4, n_ties)
    source = rng.integers(0, n_actors, n_ties)
    target = rng.integers(0, n_actors, n_ties)
    keep = source != target
    ties.reinforce_keys(
        ties.encode(layer[keep], source[keep], target[keep]), 0, rng.uniform(0.1, 0.9, keep.sum())
    )
    ties.decay(step=1, decay_rate=0.3, threshold=0.2)  # some ties dissolve
    pairs = rng.integers(0, n_south, (4, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    agreement = np.sort(pairs, axis=1)
    agreement_keys, agreement_rows = hashing.empty_table(32)
    hashing.build(agreement_keys, agreement_rows, agreement[:, 0] * n_actors + agreement[:, 1])
    real, integer = matching_parameters(config or SSCConfig())
    share = rng.random((n_north, 5))
    share /= share.sum(axis=1, keepdims=True)
    pivots = [
        np.sort(rng.choice(n_south, rng.integers(0, 4), replace=False)) for _ in range(n_north)
    ]
    pivot_indptr = np.zeros(n_north + 1, dtype=np.int64)
    pivot_indptr[1:] = np.cumsum([len(p) for p in pivots])
    return MatchWorld(
        request_recipient=rng.integers(0, n_south, n_requests),
        request_sector=rng.integers(0, n_sectors, n_requests),
        capacity=capacity,
        region=rng.integers(0, 3, n_south),
        income_level=rng.integers(0, 4, n_south),
        sids=rng.random(n_south) < 0.3,
        champion=rng.random(n_south) < 0.2,
        platform_mask=rng.integers(0, 2**n_platforms, n_actors),
        offer_indptr=offer_indptr,
        offer_rows=offer_rows,
        slots=rng.integers(0, 4, n_south),
        ssc_budget=rng.uniform(0.0, 1.2e6, n_south) * (rng.random(n_south) < 0.8),
        ties=ties,
        agreement_keys=agreement_keys,
        agreement_rows=agreement_rows,
        active_platforms=int(rng.integers(0, 2**n_platforms)),
        northern_pool=rng.uniform(0.0, 6e5, n_north) * (rng.random(n_north) < 0.8),
        funder_region_share=share,
        pivot_indptr=pivot_indptr,
        pivot_rows=np.concatenate([np.zeros(0, dtype=np.int64), *pivots]).astype(np.int64),
        real=real,
        integer=integer,
        state=new_state(np.random.default_rng(seed + 1)),
    )


@dataclass
class Result:
    actions: int
    lapsed: int
    out: dict[str, np.ndarray]  # the first `actions` entries of each output
    after: dict[str, np.ndarray]  # the mutable inputs after the call


def no_geography(n: int) -> tuple[np.ndarray, ...]:
    """The kernel's arguments after `champion`: no provider priorities; unknown capitals, no
    language nor neighbour (the region rule of cost, the fallback)."""
    places = unknown_places(n)
    return (
        np.zeros(n, dtype=np.int64),
        places.latitude, places.longitude, places.languages, places.economy,
        places.neighbour_indptr, places.neighbour_rows,
    )  # fmt: skip


def run(world: MatchWorld, compiled: bool = True) -> Result:
    """Call the kernel (or its pure-Python twin) on copies of the mutable arrays."""
    after = {name: getattr(world, name).copy() for name in MUTABLE}
    out = {name: np.full(world.n_requests, -99, dtype=dtype) for name, dtype in OUTPUTS}
    ties = world.ties
    function = kernel.match_requests if compiled else kernel.match_requests.py_func
    with np.errstate(over="ignore"):
        actions, lapsed, unmatched = function(
            world.request_recipient,
            world.request_sector,
            world.capacity,
            world.region,
            world.income_level,
            world.sids,
            world.champion,
            *no_geography(len(world.region)),
            world.platform_mask,
            world.offer_indptr,
            world.offer_rows,
            after["slots"],
            after["ssc_budget"],
            ties.n_actors,
            ties.table_keys,
            ties.table_rows,
            ties.strength,
            ties.alive,
            world.agreement_keys,
            world.agreement_rows,
            world.active_platforms,
            after["northern_pool"],
            world.funder_region_share,
            world.pivot_indptr,
            world.pivot_rows,
            world.real,
            world.integer,
            after["state"],
            *out.values(),
        )
    return Result(
        int(actions), int(lapsed + unmatched), {k: v[:actions] for k, v in out.items()}, after
    )


def small_samples(sample: int, funders: int, attempts: int) -> SSCConfig:
    config = SSCConfig()
    config.matching.candidate_sample = sample
    config.matching.funder_sample = funders
    config.matching.provider_attempts = attempts
    return config


worlds = st.builds(
    build_world,
    seed=st.integers(0, 2**31),
    n_north=st.integers(0, 6),
    n_platforms=st.integers(1, 4),
    config=st.one_of(
        st.just(SSCConfig()),
        st.builds(small_samples, st.integers(1, 6), st.integers(1, 3), st.integers(1, 4)),
    ),
)


# ---------------------------------------------------------------------------
# Compiled == pure Python
# ---------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(worlds)
def test_compiled_kernel_equals_its_pure_python_twin(world: MatchWorld) -> None:
    compiled = run(world)
    python = run(world, compiled=False)
    assert (compiled.actions, compiled.lapsed) == (python.actions, python.lapsed)
    for name in compiled.out:
        np.testing.assert_array_equal(compiled.out[name], python.out[name], err_msg=name)
    for name in MUTABLE:
        np.testing.assert_array_equal(compiled.after[name], python.after[name], err_msg=name)
    # The inputs of the world itself are untouched (the runs worked on copies).
    again = run(world)
    assert again.actions == compiled.actions
    np.testing.assert_array_equal(again.out["provider"], compiled.out["provider"])


def test_the_generator_state_decides_the_draws() -> None:
    world = build_world(3, n_requests=120)
    first = run(world)
    assert first.actions > 5
    assert first.after["state"][0] != world.state[0]  # the state advanced
    other = run(world.with_(state=new_state(np.random.default_rng(999))))
    differs = other.actions != first.actions or not np.array_equal(
        other.out["provider"], first.out["provider"]
    )
    assert differs


# ---------------------------------------------------------------------------
# Invariants of every run
# ---------------------------------------------------------------------------
def expected_cost_factor(world: MatchWorld, recipient: int, provider: int) -> float:
    if world.region[recipient] == world.region[provider]:
        return 1.0
    either = world.champion[recipient] or world.champion[provider]
    discount = world.real[kernel.CHAMPION_DISCOUNT] if either else 0.0
    return 1.0 + (world.real[kernel.INTERREGIONAL_MULTIPLIER] - 1.0) * (1.0 - discount)


@settings(max_examples=60, deadline=None)
@given(worlds)
def test_every_started_action_follows_the_rules(world: MatchWorld) -> None:
    result = run(world)
    out, after = result.out, result.after
    real, integer = world.real, world.integer
    n_south = world.n_south
    assert result.actions + result.lapsed == world.n_requests
    # Each request starts at most one action, in request order.
    assert np.all(np.diff(out["request"]) > 0)
    assert np.all((out["request"] >= 0) & (out["request"] < world.n_requests))

    recipient = world.request_recipient[out["request"]]
    sector = world.request_sector[out["request"]]
    provider, modality = out["provider"], out["modality"]
    shared = world.platform_mask[recipient] & world.platform_mask[provider] & world.active_platforms
    for k in range(result.actions):
        r, p, s = int(recipient[k]), int(provider[k]), int(sector[k])
        assert p != r
        assert p in world.offers(s)
        assert world.capacity[p, s] - world.capacity[r, s] >= real[kernel.MIN_GAP]
        assert world.slots[p] > 0
        # Costs: action cost x duration x cost factor, less the discount through an organisation.
        assert integer[kernel.MIN_DURATION] <= out["duration"][k] <= integer[kernel.MAX_DURATION]
        cost = real[kernel.ACTION_COST] * out["duration"][k] * expected_cost_factor(world, r, p)
        if out["organisation"][k]:
            cost *= 1.0 - real[kernel.MULTILATERAL_DISCOUNT]
        assert out["cost"][k] == pytest.approx(cost, rel=1e-12)
        assert out["organisation"][k] == (shared[k] != 0)
        # Funders only for triangular actions, and only northern ones.
        if modality[k] == kernel.TRIANGULAR:
            assert n_south <= out["funder"][k] < world.ties.n_actors
        else:
            assert out["funder"][k] == -1
        # Actions run through the first shared active platform, if any (platform funds finance
        # regional projects outside the kernel: it never writes the PLATFORM code).
        if shared[k]:
            assert out["platform"][k] == (int(shared[k]) & -int(shared[k])).bit_length() - 1
        else:
            assert out["platform"][k] == -1
        # Refundable cooperation: bilateral, to a recipient above the lowest income group.
        if out["refundable"][k]:
            assert modality[k] == kernel.BILATERAL and world.income_level[r] >= 1
    assert set(modality.tolist()) <= {kernel.BILATERAL, kernel.TRIANGULAR}

    # Slots fall by the actions each provider started.
    started = np.bincount(provider, minlength=n_south)
    np.testing.assert_array_equal(world.slots - after["slots"], started)
    assert np.all(after["slots"] >= 0)

    # Money: never negative; each account falls by exactly what its actions cost.
    cost = out["cost"]
    share = real[kernel.COFUNDING_SHARE]
    bilateral = modality == kernel.BILATERAL
    triangular = modality == kernel.TRIANGULAR
    assert np.all(after["ssc_budget"] >= 0.0)
    assert np.all(after["northern_pool"] >= 0.0)
    provider_paid = np.bincount(
        provider,
        weights=np.where(bilateral, cost, 0.0) + np.where(triangular, (1 - share) * cost, 0.0),
        minlength=n_south,
    )
    np.testing.assert_allclose(
        world.ssc_budget - after["ssc_budget"], provider_paid, rtol=1e-9, atol=1e-6
    )
    northern_paid = np.bincount(
        out["funder"][triangular] - n_south,
        weights=cost[triangular] - cost[triangular] * (1 - share),
        minlength=len(world.northern_pool),
    )
    np.testing.assert_allclose(
        world.northern_pool - after["northern_pool"], northern_paid, rtol=1e-9, atol=1e-6
    )


@settings(max_examples=30, deadline=None)
@given(worlds)
def test_without_northern_pools_there_is_no_triangular_action(world: MatchWorld) -> None:
    result = run(world.with_(northern_pool=np.zeros_like(world.northern_pool)))
    assert kernel.TRIANGULAR not in result.out["modality"]
    np.testing.assert_array_equal(result.after["northern_pool"], 0.0)


def test_without_northern_pools_there_is_no_triangular_action_even_without_cofunding() -> None:
    config = SSCConfig()
    config.funding.triangular_cofunding_share = 0.0
    config.validate()
    real, integer = matching_parameters(config)
    world = build_world(0).with_(real=real, integer=integer)
    result = run(world.with_(northern_pool=np.zeros_like(world.northern_pool)))
    assert result.actions > 0
    assert kernel.TRIANGULAR not in result.out["modality"]


@settings(max_examples=30, deadline=None)
@given(worlds)
def test_without_active_platforms_nothing_runs_through_one(world: MatchWorld) -> None:
    result = run(world.with_(active_platforms=0))
    assert not result.out["organisation"].any()
    np.testing.assert_array_equal(result.out["platform"], -1)


@settings(max_examples=30, deadline=None)
@given(worlds)
def test_without_any_money_every_request_lapses(world: MatchWorld) -> None:
    broke = world.with_(
        ssc_budget=np.zeros_like(world.ssc_budget),
        northern_pool=np.zeros_like(world.northern_pool),
    )
    result = run(broke)
    assert result.actions == 0 and result.lapsed == world.n_requests
    np.testing.assert_array_equal(result.after["slots"], world.slots)


@settings(max_examples=30, deadline=None)
@given(worlds)
def test_with_only_national_funds_every_action_is_bilateral(world: MatchWorld) -> None:
    result = run(
        world.with_(
            northern_pool=np.zeros_like(world.northern_pool),
        )
    )
    np.testing.assert_array_equal(result.out["modality"], kernel.BILATERAL)


@settings(max_examples=30, deadline=None)
@given(worlds)
def test_with_ample_money_and_slots_every_request_with_a_provider_is_served(world) -> None:
    rich = world.with_(
        ssc_budget=np.full_like(world.ssc_budget, 1e15),
        slots=np.full_like(world.slots, 10_000),
    )
    config = small_samples(10_000, 64, 1)  # every provider scored: no sampling
    real, integer = matching_parameters(config)
    result = run(rich.with_(real=real, integer=integer))
    servable = np.array(
        [
            any(
                p != r and rich.capacity[p, s] - rich.capacity[r, s] >= real[kernel.MIN_GAP]
                for p in rich.offers(s)
            )
            for r, s in zip(rich.request_recipient, rich.request_sector, strict=True)
        ]
    )
    np.testing.assert_array_equal(result.out["request"], np.flatnonzero(servable))


def test_a_request_without_a_provider_lapses_and_draws_nothing_more() -> None:
    world = build_world(5, n_requests=1)
    # The strongest actor in the sector asks: no one is ahead of it.
    s = 0
    r = int(np.argmax(world.capacity[:, s]))
    result = run(world.with_(request_recipient=np.array([r]), request_sector=np.array([s])))
    assert (result.actions, result.lapsed) == (0, 1)


def test_the_triangular_appeal_shifts_the_modalities() -> None:
    world = build_world(7, n_south=40, n_north=4, n_platforms=1, n_requests=400).with_(
        ssc_budget=np.full(40, 1e12),
        northern_pool=np.full(4, 1e12),
        slots=np.full(40, 10_000),
        platform_mask=np.ones(44, dtype=np.int64),
        active_platforms=1,
    )
    counts = {}
    for appeal in (0.0, 50.0):
        real = world.real.copy()
        real[kernel.TRIANGULAR_APPEAL] = appeal
        result = run(world.with_(real=real))
        counts[appeal] = np.bincount(result.out["modality"], minlength=3)
    assert counts[0.0][kernel.TRIANGULAR] == 0 and counts[0.0][kernel.PLATFORM] == 0
    assert counts[50.0][kernel.PLATFORM] == 0  # regional projects are not the kernel's
    # Appeal 50 against bilateral's 1: about 98 % triangular.
    assert counts[50.0][kernel.TRIANGULAR] > 0.9 * counts[50.0].sum()


# ---------------------------------------------------------------------------
# Pair rules
# ---------------------------------------------------------------------------
def test_popcount() -> None:
    for x in (0, 1, 2, 3, 0b1011, 2**40 - 1, 2**62):
        assert kernel.popcount(x) == bin(x).count("1")


def test_cost_factor_falls_back_on_regions_without_a_distance() -> None:
    nan = float("nan")
    assert kernel.cost_factor(nan, True, False, 0.05, 2.0, 1.8, 0.3) == 1.0
    assert kernel.cost_factor(nan, True, True, 0.05, 2.0, 1.8, 0.3) == 1.0
    assert kernel.cost_factor(nan, False, False, 0.05, 2.0, 1.8, 0.3) == pytest.approx(1.8)
    assert kernel.cost_factor(nan, False, True, 0.05, 2.0, 1.8, 0.3) == pytest.approx(1 + 0.8 * 0.7)
    assert kernel.cost_factor(nan, False, True, 0.05, 2.0, 1.8, 1.0) == 1.0


def test_cost_factor_rises_with_distance_up_to_its_cap() -> None:
    for function in (kernel.cost_factor, kernel.cost_factor.py_func):
        factors = [function(d, False, False, 0.05, 2.0, 1.8, 0.3) for d in range(0, 25001, 500)]
        assert factors[0] == 1.0
        assert np.all(np.diff(factors) >= 0) and factors[-1] == 2.0
        assert function(8000.0, True, False, 0.05, 2.0, 1.8, 0.3) == pytest.approx(1.4)
        assert function(8000.0, False, True, 0.05, 2.0, 1.8, 0.3) == pytest.approx(1 + 0.4 * 0.7)


@pytest.mark.parametrize("compiled", [True, False])
def test_kernel_distance_equals_the_geography_helper(compiled: bool) -> None:
    function = kernel.distance_km if compiled else kernel.distance_km.py_func
    rng = np.random.default_rng(5)
    lat = rng.uniform(-90, 90, (200, 2))
    lon = rng.uniform(-180, 180, (200, 2))
    expected = geography.distance_km(lat[:, 0], lon[:, 0], lat[:, 1], lon[:, 1])
    got = [function(*np.radians([a[0], b[0], a[1], b[1]])) for a, b in zip(lat, lon, strict=True)]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-6)
    assert np.isnan(function(np.nan, 0.0, 0.0, 0.0))
    assert function(0.3, 0.2, 0.3, 0.2) == 0.0


def test_cost_factor_on_the_packaged_world(world) -> None:
    """~1 within a region, ~1.8 on average between Asia-Pacific and LAC (the default's aim)."""
    roster = build_roster(world, [], False)
    real, _ = matching_parameters(SSCConfig())
    places, n = roster.places, roster.n_south
    lac = np.flatnonzero(roster.region[:n] == LAC)
    asia = np.flatnonzero(roster.region[:n] == ASIA_PACIFIC)

    def factor(a: int, b: int) -> float:
        return kernel.pair_cost_factor(
            a, b, roster.region, places.latitude, places.longitude, False, real
        )

    across = [factor(a, b) for a in asia for b in lac]
    within = [factor(a, b) for a in lac for b in lac if a < b]
    assert np.mean(across) == pytest.approx(1.8, abs=0.02)
    assert 1.0 <= np.mean(within) < 1.2


def test_contiguity_and_a_shared_language_raise_the_score() -> None:
    capacity = np.array([[0.2], [0.8], [0.8]])
    region, income, sids = np.zeros(3, np.int64), np.ones(3, np.int64), np.zeros(3, bool)
    champion = np.zeros(3, bool)
    latitude, longitude = np.zeros(3), np.zeros(3)  # one place: no cost
    economy = np.array([0, 1, 2], dtype=np.int64)
    indptr, rows = np.array([0, 1, 2, 2], dtype=np.int64), np.array([1, 0], dtype=np.int64)
    real, _ = matching_parameters(SSCConfig())
    mask = np.zeros(3, dtype=np.int64)

    def score(languages: np.ndarray, provider: int) -> float:
        return kernel.provider_score(
            0, provider, 0, capacity, region, income, sids, champion, np.zeros(3, np.int64),
            latitude, longitude, languages, economy, indptr, rows, mask, 0, 0.0, real,
        )  # fmt: skip

    silent = np.zeros(3, dtype=np.int64)
    shared = np.array([0b01, 0b10, 0b01], dtype=np.int64)  # 0 and 2 speak language 0
    w_similarity = real[kernel.W_SIMILARITY]
    total = 3.0 + real[kernel.W_CONTIGUITY] + real[kernel.W_LANGUAGE]
    # Provider 1 borders the recipient, provider 2 does not.
    assert score(silent, 1) - score(silent, 2) == pytest.approx(
        w_similarity * real[kernel.W_CONTIGUITY] / total
    )
    # Provider 2 shares a language, provider 1 does not.
    assert score(shared, 2) - score(silent, 2) == pytest.approx(
        w_similarity * real[kernel.W_LANGUAGE] / total
    )
    assert score(shared, 1) == score(silent, 1)
    assert kernel.contiguous(0, 1, economy, indptr, rows)
    assert kernel.contiguous.py_func(1, 0, economy, indptr, rows)
    assert not kernel.contiguous(0, 2, economy, indptr, rows)
    assert not kernel.contiguous(0, 0, economy, indptr, rows)


def test_provider_score_equals_a_hand_computation() -> None:
    capacity = np.array([[0.2, 0.3], [0.9, 0.8], [0.6, 0.1]])
    region = np.array([0, 1, 0])
    income = np.array([2, 2, 1])
    sids = np.array([True, False, True])
    champion = np.array([False, True, False])
    platform_mask = np.array([0b0111, 0b0011, 0b0100, 0b1111], dtype=np.int64)
    real, _ = matching_parameters(SSCConfig())
    real[kernel.W_COMPLEMENTARITY] = 4.0
    real[kernel.W_SIMILARITY] = 1.0
    real[kernel.W_TRUST] = 2.0
    real[kernel.W_COMEMBERSHIP] = 1.0
    real[kernel.W_COST] = 1.5
    real[kernel.INTERREGIONAL_MULTIPLIER] = 1.8
    real[kernel.CHAMPION_DISCOUNT] = 0.3
    real[kernel.W_CONTIGUITY] = real[kernel.W_LANGUAGE] = 0.0  # region, income, SIDS only

    geography = no_geography(3)

    def score(recipient, provider, sector, active, trust):
        args = (region, income, sids, champion, *geography, platform_mask, active, trust, real)
        return kernel.provider_score(recipient, provider, sector, capacity, *args)

    # 0 <- 1 in sector 0: gap 0.7; similar in income only (1/3); trust 0.4; platforms 0 and 1
    # shared and active (min(2, 2) / 2 = 1); other region with a champion: cost 1 + 0.8 x 0.7.
    expected = 4.0 * 0.7 + 1.0 / 3 + 2.0 * 0.4 + 1.0 * 1.0 - 1.5 * 0.8 * 0.7
    assert score(0, 1, 0, 0b1111, 0.4) == pytest.approx(expected, rel=1e-12)
    # Only platform 1 active: one shared platform counts a half.
    assert score(0, 1, 0, 0b0010, 0.4) == pytest.approx(expected - 0.5, rel=1e-12)
    # 0 <- 2 in sector 1: a provider behind (gap -0.2); same region and SIDS status (2/3);
    # platform 2 shared; same region: no cost.
    expected = 4.0 * -0.2 + 2.0 / 3 + 0.0 + 0.5
    assert score(0, 2, 1, 0b1111, 0.0) == pytest.approx(expected, rel=1e-12)


def test_provider_score_rises_with_gap_trust_and_shared_platforms() -> None:
    world = build_world(2)
    args = (
        world.region, world.income_level, world.sids, world.champion,
        *no_geography(len(world.region)), world.platform_mask, world.active_platforms,
    )  # fmt: skip
    low = kernel.provider_score(0, 1, 0, world.capacity, *args, 0.1, world.real)
    high = kernel.provider_score(0, 1, 0, world.capacity, *args, 0.6, world.real)
    assert high - low == pytest.approx(0.5 * world.real[kernel.W_TRUST])
    capacity = world.capacity.copy()
    capacity[1, 0] += 0.1
    more = kernel.provider_score(0, 1, 0, capacity, *args, 0.1, world.real)
    assert more - low == pytest.approx(0.1 * world.real[kernel.W_COMPLEMENTARITY])


def agreements(pairs: list[tuple[int, int]], n_actors: int) -> tuple[np.ndarray, np.ndarray]:
    keys, rows = hashing.empty_table(32)
    hashing.build(keys, rows, np.array([min(p) * n_actors + max(p) for p in pairs], dtype=np.int64))
    return keys, rows


def trust(table: TieTable, a: int, b: int, agreement=None, floor: float = 0.5) -> float:
    keys, rows = agreement if agreement is not None else agreements([], table.n_actors)
    return kernel.trust_between(
        a, b, table.n_actors, table.table_keys, table.table_rows, table.strength, table.alive,
        keys, rows, floor,
    )  # fmt: skip


def test_trust_is_the_strongest_tie_of_three_layers_in_either_direction() -> None:
    table = TieTable(6)
    table.reinforce(Layer.BILATERAL, [1], [0], step=0, amount=0.3)
    table.reinforce(Layer.TRIANGULAR, [0], [1], step=0, amount=0.6)
    table.reinforce(Layer.PLATFORM, [1], [0], step=0, amount=0.4)
    table.reinforce(Layer.ODA, [2], [3], step=0, amount=0.9)  # ODA ties do not count
    table.reinforce(Layer.PLATFORM, [4], [2], step=0, amount=0.7)
    table.reinforce(Layer.BILATERAL, [2], [5], step=0, amount=0.05)
    table.decay(step=1, decay_rate=0.0, threshold=0.1)  # 2 -> 5 dissolves
    assert trust(table, 0, 1) == trust(table, 1, 0) == 0.6
    assert trust(table, 2, 3) == trust(table, 3, 2) == 0.0
    assert trust(table, 2, 4) == trust(table, 4, 2) == pytest.approx(0.7)
    assert trust(table, 2, 5) == 0.0
    assert trust(table, 0, 5) == 0.0


def test_a_partnership_agreement_is_a_floor_of_trust() -> None:
    table = TieTable(6)
    table.reinforce(Layer.BILATERAL, [0], [1], step=0, amount=0.3)
    table.reinforce(Layer.BILATERAL, [2], [3], step=0, amount=0.8)
    agreement = agreements([(1, 0), (3, 2), (4, 5)], 6)
    assert trust(table, 0, 1, agreement) == trust(table, 1, 0, agreement) == 0.5
    assert trust(table, 3, 2, agreement) == 0.8  # a stronger tie wins
    assert trust(table, 5, 4, agreement) == 0.5  # no tie at all
    assert trust(table, 0, 1, agreement, floor=0.0) == 0.3
    assert trust(table, 0, 5, agreement) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Layer)),
            st.integers(0, 5),
            st.integers(0, 5),
            st.floats(0.01, 1.0),
        ),
        max_size=30,
    ),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=4),
    st.floats(0.0, 1.0),
)
def test_trust_against_a_loop_over_the_ties(ties, pairs, floor) -> None:
    n = 6
    table = TieTable(n, initial_capacity=4)
    for layer, source, target, amount in ties:
        if source != target:
            table.reinforce(layer, [source], [target], step=0, amount=amount)
    table.decay(step=1, decay_rate=0.5, threshold=0.2)
    pairs = [p for p in pairs if p[0] != p[1]]
    agreement = agreements(pairs, n)
    rows = table.alive_rows()
    layer, source, target = table.endpoints(rows)
    for a in range(n):
        for b in range(n):
            expected = 0.0
            for row, lay, s, t in zip(rows, layer, source, target, strict=True):
                if lay != Layer.ODA and {int(s), int(t)} == {a, b}:
                    expected = max(expected, table.strength[row])
            if any({a, b} == set(p) for p in pairs):
                expected = max(expected, floor)
            assert trust(table, a, b, agreement, floor) == expected


# ---------------------------------------------------------------------------
# Funder choice: the donors' policies and familiarity
# ---------------------------------------------------------------------------
ASIA, LAC_REGION = 0, 1


@dataclass
class FunderCase:
    """Two Southern countries (0: Asia-Pacific, 1: LAC) and northern partners (rows 2, ...)."""

    region: np.ndarray
    platform_mask: np.ndarray
    pool: np.ndarray
    region_share: np.ndarray
    pivot_indptr: np.ndarray
    pivot_rows: np.ndarray
    ties: TieTable
    real: np.ndarray


def funder_case(n_north: int = 2, pool: float = 1e6) -> FunderCase:
    real, _ = matching_parameters(SSCConfig())
    return FunderCase(
        region=np.array([ASIA, LAC_REGION], dtype=np.int64),
        platform_mask=np.zeros(2 + n_north, dtype=np.int64),
        pool=np.full(n_north, pool),
        region_share=np.full((n_north, 5), 0.2),
        pivot_indptr=np.zeros(n_north + 1, dtype=np.int64),
        pivot_rows=np.zeros(0, dtype=np.int64),
        ties=TieTable(2 + n_north, initial_capacity=8),
        real=real,
    )


def choose(case: FunderCase, provider: int, recipient: int, draws: int, seed: int, compiled=True):
    """Funder index of `draws` independent choices for one (provider, recipient) pair."""
    function = kernel.choose_funder if compiled else kernel.choose_funder.py_func
    state = new_state(np.random.default_rng(seed))
    funders, weights = np.empty(64, dtype=np.int64), np.empty(64)
    ties = case.ties
    chosen = []
    for _ in range(draws):
        chosen.append(
            function(
                provider,
                recipient,
                1e5,
                2,
                case.region,
                case.platform_mask,
                case.pool,
                case.region_share,
                case.pivot_indptr,
                case.pivot_rows,
                ties.n_actors,
                ties.table_keys,
                ties.table_rows,
                ties.strength,
                ties.alive,
                case.real,
                64,
                funders,
                weights,
                state,
            )
        )
    return np.array(chosen)


def within(count: int, draws: int, p: float) -> bool:
    """`count` of `draws` is within 5 standard deviations of a binomial(draws, p)."""
    return abs(count - draws * p) <= 5 * np.sqrt(draws * p * (1 - p))


def test_the_funder_weight_is_the_stated_product() -> None:
    case = funder_case(n_north=1)
    case.platform_mask[:] = [1, 0, 1]  # the partner shares a platform with recipient 0
    case.region_share[0] = [0.5, 0.3, 0.2, 0.0, 0.0]
    case.pivot_indptr[:] = [0, 2]
    case.pivot_rows = np.array([0, 1], dtype=np.int64)
    case.ties.reinforce_keys(case.ties.encode(Layer.ODA, np.array([2]), np.array([0])), 0, 0.4)
    strength = case.ties.strength_of(case.ties.encode(Layer.ODA, np.array([2]), np.array([0])))[0]
    r = case.real
    r[kernel.FUNDER_POOL_EXPONENT] = 0.5
    ties = case.ties
    args = (
        2, case.region, case.platform_mask, case.region_share, case.pivot_indptr,
        case.pivot_rows, ties.n_actors, ties.table_keys, ties.table_rows, ties.strength,
        ties.alive, r,
    )  # fmt: skip
    expected = (
        4e4**0.5
        * (1 + r[kernel.W_FUNDER_COMEMBERSHIP])
        * (1 + r[kernel.W_FUNDER_REGION] * 0.5)
        * (1 + r[kernel.W_FUNDER_PIVOT])
        * (1 + r[kernel.W_FUNDER_FAMILIARITY] * strength)
    )
    for function in (kernel.funder_weight, kernel.funder_weight.py_func):
        assert function(0, 1, 0, 4e4, *args) == pytest.approx(expected)
    # Recipient 1 (LAC): no shared platform, no ODA tie; the provider 0 is a pivot.
    expected_1 = 200.0 * (1 + r[kernel.W_FUNDER_REGION] * 0.3) * (1 + r[kernel.W_FUNDER_PIVOT])
    assert kernel.funder_weight(0, 0, 1, 4e4, *args) == pytest.approx(expected_1)


def test_a_partner_without_a_budget_line_never_co_funds() -> None:
    case = funder_case(n_north=3)
    case.pool[1] = 0.0  # no budget line: an empty pool, whatever its preferences
    case.region_share[1] = [0.0, 1.0, 0.0, 0.0, 0.0]
    case.pivot_indptr[:] = [0, 0, 1, 1]
    case.pivot_rows = np.array([0], dtype=np.int64)
    chosen = choose(case, provider=0, recipient=1, draws=2000, seed=5)
    assert 1 not in chosen and set(chosen) == {0, 2}
    case.pool[:] = 0.0
    assert (choose(case, 0, 1, 50, seed=6) == -1).all()


def test_a_partner_preferring_lac_co_funds_lac_recipients_more_often() -> None:
    case = funder_case(n_north=2)
    case.region_share[0] = [0.0, 1.0, 0.0, 0.0, 0.0]  # partner 0: LAC (as Germany's fund)
    w = case.real[kernel.W_FUNDER_REGION]
    draws = 4000
    to_lac = (choose(case, provider=0, recipient=1, draws=draws, seed=7) == 0).sum()
    to_asia = (choose(case, provider=1, recipient=0, draws=draws, seed=8) == 0).sum()
    assert within(to_lac, draws, (1 + w) / ((1 + w) + (1 + 0.2 * w)))
    assert within(to_asia, draws, 1 / (1 + (1 + 0.2 * w)))
    assert to_lac > draws / 2 > to_asia


def test_familiarity_through_an_oda_tie_raises_the_chance() -> None:
    case = funder_case(n_north=2)
    draws = 4000
    alone = (choose(case, provider=0, recipient=1, draws=draws, seed=9) == 0).sum()
    key = case.ties.encode(Layer.ODA, np.array([2]), np.array([1]))  # partner 0 -> recipient 1
    case.ties.reinforce_keys(key, 0, 0.6)
    strength = case.ties.strength_of(key)[0]
    familiar = (choose(case, provider=0, recipient=1, draws=draws, seed=9) == 0).sum()
    factor = 1 + case.real[kernel.W_FUNDER_FAMILIARITY] * strength
    assert within(alone, draws, 0.5)
    assert within(familiar, draws, factor / (factor + 1))
    assert familiar > alone
    # An ODA tie to another recipient, or a dissolved one, does not count.
    other = funder_case(n_north=2)
    other.ties.reinforce_keys(other.ties.encode(Layer.ODA, np.array([2]), np.array([0])), 0, 0.6)
    assert within((choose(other, 0, 1, draws, seed=10) == 0).sum(), draws, 0.5)


def test_a_preferred_pivot_raises_the_chance() -> None:
    case = funder_case(n_north=2)
    case.pivot_indptr[:] = [0, 1, 1]
    case.pivot_rows = np.array([0], dtype=np.int64)  # partner 0 prefers pivot 0
    draws = 4000
    factor = 1 + case.real[kernel.W_FUNDER_PIVOT]
    as_pivot = (choose(case, provider=0, recipient=1, draws=draws, seed=11) == 0).sum()
    not_pivot = (choose(case, provider=1, recipient=0, draws=draws, seed=12) == 0).sum()
    assert within(as_pivot, draws, factor / (factor + 1))
    assert within(not_pivot, draws, 0.5)


def test_funder_choice_compiled_equals_pure_python() -> None:
    case = funder_case(n_north=4)
    rng = np.random.default_rng(13)
    case.pool[:] = rng.uniform(5e4, 1e6, 4)
    case.region_share[:] = rng.dirichlet(np.ones(5), 4)
    case.pivot_indptr[:] = [0, 1, 1, 2, 2]
    case.pivot_rows = np.array([0, 1], dtype=np.int64)
    case.platform_mask[:] = [1, 2, 1, 0, 2, 3]
    case.ties.reinforce_keys(
        case.ties.encode(Layer.ODA, np.array([3, 4]), np.array([1, 0])), 0, 0.5
    )
    compiled = choose(case, 0, 1, 300, seed=14)
    python = choose(case, 0, 1, 300, seed=14, compiled=False)
    np.testing.assert_array_equal(compiled, python)


def test_a_providers_priority_for_the_recipients_region_raises_its_score() -> None:
    world = build_world(2)
    rest = no_geography(len(world.region))[1:]
    real = world.real.copy()
    real[kernel.W_PRIORITY] = 1.5

    def score(priority: np.ndarray) -> float:
        return kernel.provider_score(
            0, 1, 0, world.capacity, world.region, world.income_level, world.sids,
            world.champion, priority, *rest, world.platform_mask, world.active_platforms, 0.2,
            real,
        )  # fmt: skip

    none = np.zeros(len(world.region), dtype=np.int64)
    own = none.copy()
    own[1] = np.int64(1) << np.int64(world.region[0])  # provider 1 prioritises 0's region
    other = none.copy()
    other[1] = np.int64(1) << np.int64((world.region[0] + 1) % 5)
    assert score(own) == pytest.approx(score(none) + 1.5)
    assert score(other) == pytest.approx(score(none))
