"""The matching kernel (`sscsim.kernels.matching`): compiled == pure Python, the funding rules,
and the pair rules it scores with (`provider_score`, `trust_between`, `cost_factor`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscsim.config import SSCConfig
from sscsim.kernels import hashing
from sscsim.kernels import matching as kernel
from sscsim.kernels.random import new_state
from sscsim.processes.matching import matching_parameters, offer_lists
from sscsim.processes.requests import offer_matrix
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
MUTABLE = ("slots", "ssc_budget", "platform_fund", "northern_pool", "state")


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
    platform_fund: np.ndarray
    platform_reserve: np.ndarray
    northern_pool: np.ndarray
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
        platform_fund=rng.uniform(0.0, 2e6, n_platforms),
        platform_reserve=rng.uniform(0.0, 3e5, n_platforms),
        northern_pool=rng.uniform(0.0, 6e5, n_north) * (rng.random(n_north) < 0.8),
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


def run(world: MatchWorld, compiled: bool = True) -> Result:
    """Call the kernel (or its pure-Python twin) on copies of the mutable arrays."""
    after = {name: getattr(world, name).copy() for name in MUTABLE}
    out = {name: np.full(world.n_requests, -99, dtype=dtype) for name, dtype in OUTPUTS}
    ties = world.ties
    function = kernel.match_requests if compiled else kernel.match_requests.py_func
    with np.errstate(over="ignore"):
        actions, lapsed = function(
            world.request_recipient,
            world.request_sector,
            world.capacity,
            world.region,
            world.income_level,
            world.sids,
            world.champion,
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
            after["platform_fund"],
            world.platform_reserve,
            after["northern_pool"],
            world.real,
            world.integer,
            after["state"],
            *out.values(),
        )
    return Result(int(actions), int(lapsed), {k: v[:actions] for k, v in out.items()}, after)


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
        # Platform actions: a platform both ends share and that is active; other actions run
        # through the first shared platform, if any.
        if modality[k] == kernel.PLATFORM:
            assert (shared[k] >> out["platform"][k]) & 1
        elif shared[k]:
            assert out["platform"][k] == (int(shared[k]) & -int(shared[k])).bit_length() - 1
        else:
            assert out["platform"][k] == -1
        # Refundable cooperation: bilateral, to a recipient above the lowest income group.
        if out["refundable"][k]:
            assert modality[k] == kernel.BILATERAL and world.income_level[r] >= 1
    assert set(modality.tolist()) <= {kernel.BILATERAL, kernel.TRIANGULAR, kernel.PLATFORM}

    # Slots fall by the actions each provider started.
    started = np.bincount(provider, minlength=n_south)
    np.testing.assert_array_equal(world.slots - after["slots"], started)
    assert np.all(after["slots"] >= 0)

    # Money: never negative; each account falls by exactly what its actions cost.
    cost = out["cost"]
    share = real[kernel.COFUNDING_SHARE]
    bilateral = modality == kernel.BILATERAL
    triangular = modality == kernel.TRIANGULAR
    platform = modality == kernel.PLATFORM
    assert np.all(after["ssc_budget"] >= 0.0)
    assert np.all(after["northern_pool"] >= 0.0)
    assert np.all(after["platform_fund"] >= 0.0)
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
    platform_paid = np.bincount(
        out["platform"][platform], weights=cost[platform], minlength=len(world.platform_fund)
    )
    np.testing.assert_allclose(
        world.platform_fund - after["platform_fund"], platform_paid, rtol=1e-9, atol=1e-6
    )
    # A platform-funded action never spends the reserve kept for events.
    used = platform_paid > 0
    assert np.all(after["platform_fund"][used] >= world.platform_reserve[used] - 1e-6)


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
    assert kernel.PLATFORM not in result.out["modality"]
    assert not result.out["organisation"].any()
    np.testing.assert_array_equal(result.out["platform"], -1)
    np.testing.assert_array_equal(result.after["platform_fund"], world.platform_fund)


@settings(max_examples=30, deadline=None)
@given(worlds)
def test_without_any_money_every_request_lapses(world: MatchWorld) -> None:
    broke = world.with_(
        ssc_budget=np.zeros_like(world.ssc_budget),
        northern_pool=np.zeros_like(world.northern_pool),
        platform_fund=np.zeros_like(world.platform_fund),
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
            platform_fund=np.zeros_like(world.platform_fund),
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
        platform_fund=np.array([1e12]),
        platform_reserve=np.zeros(1),
        slots=np.full(40, 10_000),
        platform_mask=np.ones(44, dtype=np.int64),
        active_platforms=1,
    )
    counts = {}
    for appeal in (0.0, 50.0):
        real = world.real.copy()
        real[kernel.TRIANGULAR_APPEAL] = appeal
        real[kernel.PLATFORM_APPEAL] = 0.0
        result = run(world.with_(real=real))
        counts[appeal] = np.bincount(result.out["modality"], minlength=3)
    assert counts[0.0][kernel.TRIANGULAR] == 0 and counts[0.0][kernel.PLATFORM] == 0
    # Appeal 50 against bilateral's 1: about 98 % triangular.
    assert counts[50.0][kernel.TRIANGULAR] > 0.9 * counts[50.0].sum()


# ---------------------------------------------------------------------------
# Pair rules
# ---------------------------------------------------------------------------
def test_popcount() -> None:
    for x in (0, 1, 2, 3, 0b1011, 2**40 - 1, 2**62):
        assert kernel.popcount(x) == bin(x).count("1")


def test_cost_factor() -> None:
    assert kernel.cost_factor(1, 1, False, 1.8, 0.3) == 1.0
    assert kernel.cost_factor(1, 1, True, 1.8, 0.3) == 1.0
    assert kernel.cost_factor(0, 2, False, 1.8, 0.3) == pytest.approx(1.8)
    assert kernel.cost_factor(0, 2, True, 1.8, 0.3) == pytest.approx(1.0 + 0.8 * 0.7)
    assert kernel.cost_factor(0, 2, True, 1.8, 1.0) == 1.0


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

    def score(recipient, provider, sector, active, trust):
        args = (region, income, sids, champion, platform_mask, active, trust, real)
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
        world.region, world.income_level, world.sids, world.champion, world.platform_mask,
        world.active_platforms,
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
