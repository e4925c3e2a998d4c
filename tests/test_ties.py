"""The multilayer tie table: formation, reinforcement, decay, dissolution and spells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sscsim.ties import DIRECTED, Layer, TieTable


def test_reinforce_forms_a_tie_with_strength_equal_to_the_amount() -> None:
    table = TieTable(5)
    rows = table.reinforce(Layer.BILATERAL, [0, 2], [1, 3], step=3, amount=0.3)
    np.testing.assert_array_equal(rows, [0, 1])
    assert table.size == 2
    np.testing.assert_allclose(table.strength[:2], [0.3, 0.3])
    np.testing.assert_array_equal(table.born[:2], [3, 3])
    np.testing.assert_array_equal(table.last_action[:2], [3, 3])
    np.testing.assert_array_equal(table.actions[:2], [1, 1])
    np.testing.assert_array_equal(table.died[:2], [-1, -1])
    assert table.alive[:2].all()
    np.testing.assert_array_equal(table.source[:2], [0, 2])
    np.testing.assert_array_equal(table.target[:2], [1, 3])
    assert (table.layer[:2] == Layer.BILATERAL).all()


def test_per_pair_amounts() -> None:
    table = TieTable(5)
    table.reinforce(Layer.TRIANGULAR, [0, 1], [4, 4], step=0, amount=np.array([0.2, 0.7]))
    np.testing.assert_allclose(table.strength[:2], [0.2, 0.7])


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
    assert (table.source[0], table.target[0]) == (1, 3)
    assert table.strength[0] == pytest.approx(0.75)
    assert table.actions[0] == 2


@pytest.mark.parametrize("layer", [Layer.BILATERAL, Layer.TRIANGULAR, Layer.ODA])
def test_other_layers_are_directed(layer: Layer) -> None:
    table = TieTable(4)
    first = table.reinforce(layer, [3], [1], step=0, amount=0.5)
    second = table.reinforce(layer, [1], [3], step=0, amount=0.5)
    assert first[0] != second[0]
    assert table.size == 2
    assert (table.source[0], table.target[0]) == (3, 1)
    assert (table.source[1], table.target[1]) == (1, 3)
    np.testing.assert_allclose(table.strength[:2], [0.5, 0.5])


def test_layers_are_separate() -> None:
    table = TieTable(4)
    table.reinforce(Layer.BILATERAL, [0], [1], step=0, amount=0.5)
    table.reinforce(Layer.PLATFORM, [0], [1], step=0, amount=0.2)
    assert table.size == 2
    np.testing.assert_array_equal(table.alive_rows(Layer.PLATFORM), [1])
    np.testing.assert_array_equal(table.alive_rows(Layer.BILATERAL), [0])
    np.testing.assert_array_equal(table.alive_rows(), [0, 1])


def test_decay_weakens_only_idle_ties() -> None:
    table = TieTable(4)
    table.reinforce(Layer.BILATERAL, [0, 1], [1, 2], step=0, amount=0.5)
    table.reinforce(Layer.BILATERAL, [0], [1], step=1, amount=0.5)  # 0 -> 1 active at step 1
    before, dissolved = table.decay(step=1, decay_rate=0.1, threshold=0.05)
    assert (before, dissolved) == (2, 0)
    assert table.strength[0] == pytest.approx(0.75)  # untouched
    assert table.strength[1] == pytest.approx(0.45)  # 0.5 * 0.9
    assert table.alive[:2].all()


def test_ties_dissolve_below_the_threshold_and_form_again_as_a_new_spell() -> None:
    table = TieTable(4)
    table.reinforce(Layer.BILATERAL, [0], [1], step=0, amount=0.3)
    table.reinforce(Layer.BILATERAL, [2], [3], step=0, amount=0.9)
    assert table.decay(step=0, decay_rate=0.5, threshold=0.1) == (2, 0)
    assert table.decay(step=1, decay_rate=0.5, threshold=0.1) == (2, 0)  # 0.15, 0.45
    assert table.decay(step=2, decay_rate=0.5, threshold=0.1) == (2, 1)  # 0.075 dies
    assert not table.alive[0] and table.died[0] == 2
    assert table.alive[1] and table.died[1] == -1
    assert table.strength[0] == pytest.approx(0.075)
    np.testing.assert_array_equal(table.alive_rows(), [1])
    # Dead ties are not decayed or dissolved again.
    assert table.decay(step=3, decay_rate=0.5, threshold=0.1) == (1, 0)
    assert table.died[0] == 2 and table.strength[0] == pytest.approx(0.075)

    (row,) = table.reinforce(Layer.BILATERAL, [0], [1], step=5, amount=0.4)
    assert row == 2 and table.size == 3
    assert table.alive[2] and table.born[2] == 5 and table.died[2] == -1
    assert table.strength[2] == pytest.approx(0.4)  # starts afresh, not from 0.075
    assert table.actions[2] == 1
    frame = table.frame()
    spells = frame[(frame.source == 0) & (frame.target == 1)]
    assert list(spells.born) == [0, 5]
    assert list(spells.died) == [2, -1]
    assert list(spells.alive) == [False, True]
    assert list(frame.layer.astype(str)) == ["bilateral"] * 3


def test_growth_beyond_the_initial_capacity_keeps_data_intact() -> None:
    table = TieTable(50, initial_capacity=2)
    table.reinforce(Layer.ODA, [40], [0], step=0, amount=0.05)
    table.decay(step=1, decay_rate=0.0, threshold=0.1)  # row 0 dies before any growth
    expected = []
    for k in range(1, 37):
        layer = Layer(k % 4)
        (row,) = table.reinforce(layer, [k], [k + 1], step=k, amount=k / 100)
        assert row == k
        expected.append((k, int(layer), k, k + 1, k / 100))
    assert table.size == 37
    assert len(table.layer) >= 37
    for name in ("layer", "source", "target", "strength", "born", "last_action", "died", "alive"):
        assert len(getattr(table, name)) == len(table.layer)
    assert not table.alive[0] and table.died[0] == 1
    assert (table.source[0], table.target[0], table.layer[0]) == (40, 0, Layer.ODA)
    for row, layer, source, target, strength in expected:
        assert table.layer[row] == layer
        assert table.source[row] == source and table.target[row] == target
        assert table.strength[row] == pytest.approx(strength)
        assert table.born[row] == row and table.last_action[row] == row
        assert table.alive[row] and table.died[row] == -1 and table.actions[row] == 1
    # Rows past the size are blank.
    assert not table.alive[37:].any() and (table.died[37:] == -1).all()
    # The index still finds the old rows after growth.
    (row,) = table.reinforce(Layer.BILATERAL, [4], [5], step=40, amount=0.5)
    assert row == 4 and table.actions[4] == 2


def test_strength_matrix_is_symmetric_max_over_chosen_layers() -> None:
    table = TieTable(6)
    table.reinforce(Layer.BILATERAL, [0], [1], step=0, amount=0.2)
    table.reinforce(Layer.BILATERAL, [1], [0], step=0, amount=0.6)
    table.reinforce(Layer.PLATFORM, [1], [0], step=0, amount=0.4)
    table.reinforce(Layer.TRIANGULAR, [2], [3], step=0, amount=0.9)
    table.reinforce(Layer.ODA, [4], [2], step=0, amount=0.8)
    table.reinforce(Layer.BILATERAL, [2], [5], step=0, amount=0.7)  # 5 is outside n=5
    table.reinforce(Layer.BILATERAL, [3], [4], step=0, amount=0.05)
    table.decay(step=1, decay_rate=0.0, threshold=0.1)  # 3 -> 4 dissolves
    matrix = table.strength_matrix((Layer.BILATERAL, Layer.PLATFORM, Layer.TRIANGULAR), n=5)
    expected = np.zeros((5, 5))
    expected[0, 1] = expected[1, 0] = 0.6
    expected[2, 3] = expected[3, 2] = 0.9
    np.testing.assert_allclose(matrix, expected)
    only_platform = table.strength_matrix((Layer.PLATFORM,), n=5)
    assert only_platform[0, 1] == only_platform[1, 0] == pytest.approx(0.4)
    assert only_platform.sum() == pytest.approx(0.8)


@st.composite
def tie_batches(draw):
    n = draw(st.integers(2, 8))
    pair = st.tuples(st.sampled_from(list(Layer)), st.integers(0, n - 1), st.integers(0, n - 1))
    ties = draw(st.lists(st.tuples(pair, st.floats(0.01, 1.0)), max_size=60))
    return n, ties


@settings(max_examples=60, deadline=None)
@given(tie_batches())
def test_strength_matrix_matches_a_loop(batch) -> None:
    n, ties = batch
    table = TieTable(n, initial_capacity=4)
    for (layer, source, target), amount in ties:
        table.reinforce(layer, [source], [target], step=0, amount=amount)
    layers = (Layer.BILATERAL, Layer.PLATFORM)
    matrix = table.strength_matrix(layers, n)
    expected = np.zeros((n, n))
    for row in range(table.size):
        if table.layer[row] in layers:
            a, b = table.source[row], table.target[row]
            expected[a, b] = expected[b, a] = max(expected[a, b], table.strength[row])
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_allclose(matrix, expected)
    assert np.all((matrix >= 0) & (matrix <= 1))
    per_layer = [table.strength_matrix((layer,), n) for layer in layers]
    np.testing.assert_allclose(matrix, np.maximum(*per_layer))


# ---------------------------------------------------------------------------
# State machine: random reinforce / decay sequences against a dictionary model
# ---------------------------------------------------------------------------
N_ACTORS = 5


class TieMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.table = TieTable(N_ACTORS, initial_capacity=2)
        self.step = 0
        self.model: dict[tuple[int, int, int], list[float]] = {}  # key -> [strength, last]
        self.spells = 0

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
        rows = self.table.reinforce(layer, source, target, self.step, amount)
        assert len(rows) == len(pairs)
        for (a, b), row in zip(pairs, rows, strict=True):
            key = self.key(layer, a, b)
            if key not in self.model:
                self.model[key] = [0.0, self.step]
                self.spells += 1
            entry = self.model[key]
            entry[0] += amount * (1.0 - entry[0])
            entry[1] = self.step
            stored = (int(self.table.layer[row]), self.table.source[row], self.table.target[row])
            assert stored == key

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
    def next_step(self) -> None:
        self.step += 1

    @invariant()
    def alive_ties_match_the_model(self) -> None:
        table = self.table
        rows = table.alive_rows()
        assert len(rows) == len(self.model)
        strengths = table.strength[rows]
        assert np.all((strengths > 0.0) & (strengths <= 1.0))
        assert np.all(table.died[rows] == -1)
        for row in rows:
            key = (int(table.layer[row]), int(table.source[row]), int(table.target[row]))
            assert table.strength[row] == pytest.approx(self.model[key][0], rel=1e-9)
            assert table.last_action[row] == self.model[key][1]
        dead = np.flatnonzero(~table.alive[: table.size])
        assert np.all((table.died[dead] >= table.born[dead]) & (table.died[dead] <= self.step))
        assert table.size == self.spells
        # Platform ties are stored with source <= target.
        platform = table.layer[: table.size] == Layer.PLATFORM
        assert np.all(table.source[: table.size][platform] <= table.target[: table.size][platform])


TieMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
test_tie_table_state_machine = TieMachine.TestCase
