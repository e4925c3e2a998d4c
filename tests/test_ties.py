"""The multilayer tie table: keys, formation, reinforcement, decay, dissolution, compaction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sscsim.kernels import ties as tie_kernels
from sscsim.state.ties import DIRECTED, LAYER_NAMES, Layer, TieTable


def strength(table: TieTable, layer: Layer, source: int, target: int) -> float:
    return float(table.strength_of(table.encode(layer, [source], [target]))[0])


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 3_000_000).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(
                    st.sampled_from(list(Layer)), st.integers(0, n - 1), st.integers(0, n - 1)
                ),
                min_size=1,
                max_size=30,
            ),
        )
    )
)
def test_encode_decode_round_trip(case) -> None:
    n, triples = case
    table = TieTable(n, initial_capacity=4)
    layer = np.array([int(t[0]) for t in triples], dtype=np.int64)
    source = np.array([t[1] for t in triples], dtype=np.int64)
    target = np.array([t[2] for t in triples], dtype=np.int64)
    keys = table.encode(layer, source, target)
    assert keys.dtype == np.int64 and np.all(keys >= 0)
    back_layer, back_source, back_target = table.decode(keys)
    np.testing.assert_array_equal(back_layer, layer)
    platform = layer == Layer.PLATFORM
    np.testing.assert_array_equal(
        back_source, np.where(platform, np.minimum(source, target), source)
    )
    np.testing.assert_array_equal(
        back_target, np.where(platform, np.maximum(source, target), target)
    )
    # Distinct ties have distinct keys; platform ties in either direction share one.
    normalised = set(
        zip(back_layer.tolist(), back_source.tolist(), back_target.tolist(), strict=True)
    )
    assert len(set(keys.tolist())) == len(normalised)


def test_encode_takes_a_layer_scalar_or_array() -> None:
    table = TieTable(10)
    one = table.encode(Layer.TRIANGULAR, [1, 2], [3, 4])
    np.testing.assert_array_equal(one, [(1 * 10 + 1) * 10 + 3, (1 * 10 + 2) * 10 + 4])
    np.testing.assert_array_equal(table.encode(np.array([1, 1]), [1, 2], [3, 4]), one)
    np.testing.assert_array_equal(
        table.encode(Layer.PLATFORM, [7], [2]), table.encode(Layer.PLATFORM, [2], [7])
    )
    assert table.encode(Layer.BILATERAL, [7], [2])[0] != table.encode(Layer.BILATERAL, [2], [7])[0]


# ---------------------------------------------------------------------------
# Formation and reinforcement
# ---------------------------------------------------------------------------
def test_reinforce_forms_a_tie_with_strength_equal_to_the_amount() -> None:
    table = TieTable(5)
    rows = table.reinforce(Layer.BILATERAL, [0, 2], [1, 3], step=3, amount=0.3)
    np.testing.assert_array_equal(rows, [0, 1])
    assert table.size == 2
    np.testing.assert_allclose(table.strength[:2], [0.3, 0.3])
    np.testing.assert_array_equal(table.born[:2], [3, 3])
    np.testing.assert_array_equal(table.last_action[:2], [3, 3])
    np.testing.assert_array_equal(table.actions[:2], [1, 1])
    assert table.alive[:2].all()
    layer, source, target = table.endpoints(rows)
    np.testing.assert_array_equal(layer, [Layer.BILATERAL, Layer.BILATERAL])
    np.testing.assert_array_equal(source, [0, 2])
    np.testing.assert_array_equal(target, [1, 3])
    np.testing.assert_allclose(table.strength_of(table.key[:2]), [0.3, 0.3])


def test_per_pair_amounts_and_repeats_within_a_batch() -> None:
    table = TieTable(5)
    table.reinforce(Layer.TRIANGULAR, [0, 1], [4, 4], step=0, amount=np.array([0.2, 0.7]))
    np.testing.assert_allclose(table.strength[:2], [0.2, 0.7])
    # The same pair twice in one batch: formed once, then strengthened.
    rows = table.reinforce(Layer.BILATERAL, [2, 2], [3, 3], step=1, amount=0.5)
    assert rows[0] == rows[1] == 2 and table.size == 3
    assert table.strength[2] == pytest.approx(0.75) and table.actions[2] == 2


def test_repeated_reinforcement_approaches_one_monotonically() -> None:
    table = TieTable(3)
    strengths = []
    for step in range(60):
        (row,) = table.reinforce(Layer.BILATERAL, [0], [1], step=step, amount=0.3)
        assert row == 0
        strengths.append(table.strength[row])
    strengths = np.array(strengths)
    assert np.all(np.diff(strengths) >= 0)
    assert np.all(np.diff(strengths[:20]) > 0)
    assert np.all(strengths <= 1.0)
    # 1 - 0.7**k after k actions.
    np.testing.assert_allclose(strengths[:10], 1 - 0.7 ** np.arange(1, 11))
    assert strengths[-1] == pytest.approx(1.0, abs=1e-8)
    assert table.actions[0] == 60 and table.born[0] == 0 and table.last_action[0] == 59
    assert table.size == 1


def test_full_reinforcement_reaches_one_and_stays() -> None:
    table = TieTable(3)
    table.reinforce(Layer.ODA, [2], [0], step=0, amount=1.0)
    table.reinforce(Layer.ODA, [2], [0], step=1, amount=1.0)
    assert table.strength[0] == 1.0


def test_platform_ties_are_undirected() -> None:
    assert not DIRECTED[Layer.PLATFORM]
    table = TieTable(4)
    first = table.reinforce(Layer.PLATFORM, [3], [1], step=0, amount=0.5)
    second = table.reinforce(Layer.PLATFORM, [1], [3], step=1, amount=0.5)
    assert first[0] == second[0] == 0
    assert table.size == 1
    # Stored with source < target.
    _, source, target = table.endpoints(np.array([0]))
    assert (source[0], target[0]) == (1, 3)
    assert table.strength[0] == pytest.approx(0.75)
    assert table.actions[0] == 2
    assert strength(table, Layer.PLATFORM, 3, 1) == strength(table, Layer.PLATFORM, 1, 3) == 0.75


@pytest.mark.parametrize("layer", [Layer.BILATERAL, Layer.TRIANGULAR, Layer.ODA])
def test_other_layers_are_directed(layer: Layer) -> None:
    assert DIRECTED[layer]
    table = TieTable(4)
    first = table.reinforce(layer, [3], [1], step=0, amount=0.5)
    second = table.reinforce(layer, [1], [3], step=0, amount=0.4)
    assert first[0] != second[0]
    assert table.size == 2
    _, source, target = table.endpoints(np.array([0, 1]))
    assert (source[0], target[0]) == (3, 1)
    assert (source[1], target[1]) == (1, 3)
    assert strength(table, layer, 3, 1) == 0.5 and strength(table, layer, 1, 3) == 0.4


def test_layers_are_separate() -> None:
    table = TieTable(4)
    table.reinforce(Layer.BILATERAL, [0], [1], step=0, amount=0.5)
    table.reinforce(Layer.PLATFORM, [0], [1], step=0, amount=0.2)
    assert table.size == 2
    np.testing.assert_array_equal(table.alive_rows(Layer.PLATFORM), [1])
    np.testing.assert_array_equal(table.alive_rows(Layer.BILATERAL), [0])
    assert len(table.alive_rows(Layer.ODA)) == 0
    np.testing.assert_array_equal(table.alive_rows(), [0, 1])
    assert strength(table, Layer.TRIANGULAR, 0, 1) == 0.0


# ---------------------------------------------------------------------------
# Decay, dissolution, new spells
# ---------------------------------------------------------------------------
def test_decay_weakens_only_idle_ties() -> None:
    table = TieTable(4)
    table.reinforce(Layer.BILATERAL, [0, 1], [1, 2], step=0, amount=0.5)
    table.reinforce(Layer.BILATERAL, [0], [1], step=1, amount=0.5)  # 0 -> 1 active at step 1
    before, dissolved = table.decay(step=1, decay_rate=0.1, threshold=0.05)
    assert (before, dissolved) == (2, 0)
    assert table.strength[0] == pytest.approx(0.75)  # untouched
    assert table.strength[1] == pytest.approx(0.45)  # 0.5 * 0.9
    assert table.alive[:2].all()


def test_ties_dissolve_below_the_threshold_and_form_again_as_a_new_row() -> None:
    table = TieTable(4)
    table.reinforce(Layer.BILATERAL, [0], [1], step=0, amount=0.3)
    table.reinforce(Layer.BILATERAL, [2], [3], step=0, amount=0.9)
    assert table.decay(step=0, decay_rate=0.5, threshold=0.1) == (2, 0)
    assert table.decay(step=1, decay_rate=0.5, threshold=0.1) == (2, 0)  # 0.15, 0.45
    assert table.decay(step=2, decay_rate=0.5, threshold=0.1) == (2, 1)  # 0.075 dissolves
    assert not table.alive[0] and table.alive[1]
    assert table.strength[0] == pytest.approx(0.075)
    np.testing.assert_array_equal(table.alive_rows(), [1])
    assert strength(table, Layer.BILATERAL, 0, 1) == 0.0  # a dissolved tie has no strength
    # Dissolved ties are not decayed or dissolved again.
    assert table.decay(step=3, decay_rate=0.5, threshold=0.1) == (1, 0)
    assert table.strength[0] == pytest.approx(0.075)

    (row,) = table.reinforce(Layer.BILATERAL, [0], [1], step=5, amount=0.4)
    assert row == 2 and table.size == 3
    assert table.alive[2] and table.born[2] == 5 and table.last_action[2] == 5
    assert table.strength[2] == pytest.approx(0.4)  # starts afresh, not from 0.075
    assert table.actions[2] == 1
    assert strength(table, Layer.BILATERAL, 0, 1) == pytest.approx(0.4)
    frame = table.frame()
    assert list(frame.columns) == [
        "layer",
        "source",
        "target",
        "strength",
        "born",
        "last_action",
        "actions",
    ]
    assert list(frame.source) == [2, 0] and list(frame.target) == [3, 1]
    assert list(frame.born) == [0, 5]
    assert list(frame.layer.astype(str)) == ["bilateral"] * 2
    assert list(frame.layer.cat.categories) == list(LAYER_NAMES.values())
    # Both spells as rows, the old one included on request.
    spells = table.frame(np.arange(table.size))
    assert list(spells.born) == [0, 0, 5] and list(spells.source) == [0, 2, 0]


def test_compaction_keeps_alive_ties_strengths_and_lookups() -> None:
    n = 60
    table = TieTable(n, initial_capacity=8)
    rng = np.random.default_rng(4)
    source, target = rng.integers(0, n, 500), rng.integers(0, n, 500)
    layer = rng.integers(0, 4, 500)
    keys = np.unique(table.encode(layer, source, target))
    amounts = rng.uniform(0.05, 0.9, len(keys))
    table.reinforce_keys(keys, 0, amounts)
    table.decay(step=1, decay_rate=0.0, threshold=0.3)  # about a third dissolve
    alive = table.alive_rows()
    expected = dict(zip(table.key[alive].tolist(), table.strength[alive].tolist(), strict=True))
    frame_before = table.frame().sort_values(["layer", "source", "target"]).reset_index(drop=True)
    assert 0 < len(expected) < len(keys)
    table.compact()
    assert table.size == len(expected)
    assert table.alive[: table.size].all()
    np.testing.assert_array_equal(table.alive_rows(), np.arange(table.size))
    assert (
        dict(
            zip(
                table.key[: table.size].tolist(), table.strength[: table.size].tolist(), strict=True
            )
        )
        == expected
    )
    np.testing.assert_array_equal(
        table.strength_of(keys), [expected.get(k, 0.0) for k in keys.tolist()]
    )
    frame_after = table.frame().sort_values(["layer", "source", "target"]).reset_index(drop=True)
    assert frame_after.equals(frame_before)
    # A later reinforce finds the compacted rows, and forms dissolved ties as new rows.
    survivor = next(iter(expected))
    dissolved = next(k for k in keys.tolist() if k not in expected)
    rows = table.reinforce_keys(np.array([survivor, dissolved]), 2, 0.5)
    assert rows[0] < len(expected) and rows[1] == len(expected)
    assert table.strength[rows[0]] == pytest.approx(
        expected[survivor] + 0.5 * (1 - expected[survivor])
    )
    assert table.strength[rows[1]] == 0.5


def test_decay_compacts_when_dissolved_ties_pile_up() -> None:
    n = 100
    table = TieTable(n, initial_capacity=16)
    first = np.arange(3000)
    table.reinforce_keys(first, 0, 0.2)  # 3000 weak ties
    strong = np.arange(3000, 3100)
    table.reinforce_keys(strong, 0, 0.9)
    before, dissolved = table.decay(step=1, decay_rate=0.5, threshold=0.15)
    assert (before, dissolved) == (3100, 3000)
    # 3000 dissolved rows outnumber max(100 alive, 1024): dropped.
    assert table.size == 100
    np.testing.assert_allclose(table.strength_of(strong), 0.45)
    np.testing.assert_array_equal(table.strength_of(first[:50]), 0.0)
    np.testing.assert_array_equal(np.sort(table.key[: table.size]), strong)


def test_decay_does_not_compact_a_few_dissolved_ties() -> None:
    table = TieTable(10)
    table.reinforce(Layer.BILATERAL, [0, 1, 2], [1, 2, 3], step=0, amount=[0.05, 0.5, 0.5])
    table.decay(step=1, decay_rate=0.0, threshold=0.1)
    assert table.size == 3 and not table.alive[0]


def test_growth_beyond_the_initial_capacity_keeps_data_intact() -> None:
    table = TieTable(50, initial_capacity=2)
    initial_slots = len(table.table_keys)
    table.reinforce(Layer.ODA, [40], [0], step=0, amount=0.05)
    table.decay(step=1, decay_rate=0.0, threshold=0.1)  # row 0 dissolves before any growth
    expected = []
    for k in range(1, 37):
        layer = Layer(k % 4)
        (row,) = table.reinforce(layer, [k], [k + 1], step=k, amount=k / 100)
        assert row == k
        expected.append((k, int(layer), k, k + 1, k / 100))
    assert table.size == 37
    assert len(table.key) >= 37
    for name in ("key", "strength", "born", "last_action", "actions", "alive"):
        assert len(getattr(table, name)) == len(table.key)
    # The hash table grew and stays at most half full.
    assert len(table.table_keys) > initial_slots
    assert 2 * (table.table_keys != -1).sum() <= len(table.table_keys)
    assert not table.alive[0]
    layer0, source0, target0 = table.endpoints(np.array([0]))
    assert (source0[0], target0[0], layer0[0]) == (40, 0, Layer.ODA)
    for row, layer, source, target, amount in expected:
        got_layer, got_source, got_target = table.endpoints(np.array([row]))
        assert (got_layer[0], got_source[0], got_target[0]) == (layer, source, target)
        assert table.strength[row] == pytest.approx(amount)
        assert table.born[row] == row and table.last_action[row] == row
        assert table.alive[row] and table.actions[row] == 1
        assert strength(table, Layer(layer), source, target) == pytest.approx(amount)
    # The index still finds the old rows after growth.
    (row,) = table.reinforce(Layer.BILATERAL, [4], [5], step=40, amount=0.5)
    assert row == 4 and table.actions[4] == 2


def test_many_ties_in_one_batch() -> None:
    table = TieTable(1000, initial_capacity=4)
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 4 * 1000 * 1000, 20_000))
    rng.shuffle(keys)
    rows = table.reinforce_keys(keys, 0, 0.5)
    np.testing.assert_array_equal(rows, np.arange(len(keys)))
    np.testing.assert_array_equal(table.strength_of(keys), 0.5)
    assert 2 * table.size <= len(table.table_keys)


def test_strength_kernel_reads_zero_for_absent_and_dissolved_ties() -> None:
    table = TieTable(6)
    table.reinforce(Layer.BILATERAL, [0, 1], [1, 2], step=0, amount=[0.05, 0.6])
    table.decay(step=1, decay_rate=0.0, threshold=0.1)
    query = table.encode(Layer.BILATERAL, [0, 1, 2], [1, 2, 3])
    out = np.full(3, np.nan)
    tie_kernels.strengths(
        query, table.table_keys, table.table_rows, table.strength, table.alive, out
    )
    np.testing.assert_allclose(out, [0.0, 0.6, 0.0])


# ---------------------------------------------------------------------------
# State machine: random reinforce / decay / compact sequences against a dictionary model
# ---------------------------------------------------------------------------
N_ACTORS = 5


class TieMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.table = TieTable(N_ACTORS, initial_capacity=2)
        self.step = 0
        self.model: dict[tuple[int, int, int], list[float]] = {}  # key -> [strength, last]

    @staticmethod
    def key(layer: Layer, source: int, target: int) -> tuple[int, int, int]:
        if not DIRECTED[layer]:
            source, target = min(source, target), max(source, target)
        return int(layer), source, target

    @rule(
        layer=st.sampled_from(list(Layer)),
        pairs=st.lists(
            st.tuples(st.integers(0, N_ACTORS - 1), st.integers(0, N_ACTORS - 1)),
            min_size=1,
            max_size=4,
        ),
        amount=st.floats(0.01, 1.0),
    )
    def reinforce(self, layer: Layer, pairs: list[tuple[int, int]], amount: float) -> None:
        source = [a for a, _ in pairs]
        target = [b for _, b in pairs]
        size_before = self.table.size
        rows = self.table.reinforce(layer, source, target, self.step, amount)
        assert len(rows) == len(pairs)
        new = 0
        for (a, b), row in zip(pairs, rows, strict=True):
            key = self.key(layer, a, b)
            if key not in self.model:
                self.model[key] = [0.0, self.step]
                new += 1
                assert row >= size_before  # a missing or dissolved tie forms a new row
            entry = self.model[key]
            entry[0] += amount * (1.0 - entry[0])
            entry[1] = self.step
            stored = tuple(int(x[0]) for x in self.table.endpoints(np.array([row])))
            assert stored == key
        assert self.table.size == size_before + new

    @rule(decay_rate=st.floats(0.0, 1.0), threshold=st.floats(0.001, 0.5))
    def decay(self, decay_rate: float, threshold: float) -> None:
        alive_before = len(self.model)
        dead = []
        for key, entry in self.model.items():
            if entry[1] < self.step:
                entry[0] *= 1.0 - decay_rate
            if entry[0] < threshold:
                dead.append(key)
        for key in dead:
            del self.model[key]
        assert self.table.decay(self.step, decay_rate, threshold) == (alive_before, len(dead))

    @rule()
    def compact(self) -> None:
        self.table.compact()
        assert self.table.size == len(self.model)

    @rule()
    def next_step(self) -> None:
        self.step += 1

    @invariant()
    def alive_ties_match_the_model(self) -> None:
        table = self.table
        rows = table.alive_rows()
        assert len(rows) == len(self.model)
        strengths = table.strength[rows]
        assert np.all((strengths > 0.0) & (strengths <= 1.0))
        layer, source, target = table.endpoints(rows)
        seen = set()
        for row, triple in zip(rows, zip(layer, source, target, strict=True), strict=True):
            key = tuple(int(x) for x in triple)
            seen.add(key)
            assert table.strength[row] == pytest.approx(self.model[key][0], rel=1e-9)
            assert table.last_action[row] == self.model[key][1]
        assert seen == set(self.model)
        # Lookups agree with the model, for every possible tie.
        every = [(lay, a, b) for lay in Layer for a in range(N_ACTORS) for b in range(N_ACTORS)]
        keys = table.encode(
            np.array([int(t[0]) for t in every]),
            np.array([t[1] for t in every]),
            np.array([t[2] for t in every]),
        )
        expected = [self.model.get(self.key(*t), [0.0])[0] for t in every]
        np.testing.assert_allclose(table.strength_of(keys), expected, rtol=1e-9)
        # Platform ties are stored with source <= target.
        platform = layer == Layer.PLATFORM
        assert np.all(source[platform] <= target[platform])
        assert 2 * table.size <= len(table.table_keys)


TieMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
test_tie_table_state_machine = TieMachine.TestCase
