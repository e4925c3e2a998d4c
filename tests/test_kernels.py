"""The diffusion kernel (compiled, plain-numpy reference, pure Python) and its wrappers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.config import DiffusionParams
from sscsim.diffusion import LearningTies, adopt_practices, diffusion_step
from sscsim.kernels import diffuse, diffuse_reference

unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)


@dataclass
class World:
    capacity: np.ndarray
    teacher: np.ndarray
    learner: np.ndarray
    sector: np.ndarray
    weight: np.ndarray
    absorptive: np.ndarray

    def args(self) -> tuple[np.ndarray, ...]:
        return (
            self.capacity,
            self.teacher,
            self.learner,
            self.sector,
            self.weight,
            self.absorptive,
        )


@st.composite
def worlds(draw, max_weight: float = 1.0) -> World:
    n = draw(st.integers(1, 30))
    n_sectors = draw(st.integers(1, 8))
    n_ties = draw(st.integers(0, 200))
    index = st.integers(0, n - 1)
    return World(
        capacity=draw(arrays(np.float64, (n, n_sectors), elements=unit)),
        teacher=draw(arrays(np.int64, n_ties, elements=index)),
        learner=draw(arrays(np.int64, n_ties, elements=index)),
        sector=draw(arrays(np.int64, n_ties, elements=st.integers(0, n_sectors - 1))),
        weight=draw(arrays(np.float64, n_ties, elements=st.floats(0.0, max_weight))),
        absorptive=draw(arrays(np.float64, n, elements=unit)),
    )


def run_compiled(world: World, kernel=diffuse) -> tuple[np.ndarray, np.ndarray]:
    out = np.full_like(world.capacity, np.nan)
    ceiling = np.full_like(world.capacity, np.nan)
    kernel(*world.args(), out, ceiling)
    return out, ceiling


def best_teacher(world: World) -> np.ndarray:
    """Best capacity among all teachers of each (learner, sector); -inf where there is none."""
    best = np.full_like(world.capacity, -np.inf)
    for t, k, s in zip(world.teacher, world.learner, world.sector, strict=True):
        best[k, s] = max(best[k, s], world.capacity[t, s])
    return best


# ---------------------------------------------------------------------------
# Compiled kernel == plain numpy == pure Python
# ---------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(worlds())
def test_compiled_kernel_matches_numpy_reference(world: World) -> None:
    out, ceiling = run_compiled(world)
    expected_out, expected_ceiling = diffuse_reference(*world.args())
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ceiling, expected_ceiling)


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_compiled_kernel_matches_pure_python(world: World) -> None:
    out, ceiling = run_compiled(world)
    py_out, py_ceiling = run_compiled(world, kernel=diffuse.py_func)
    np.testing.assert_allclose(out, py_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ceiling, py_ceiling)


# ---------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(worlds())
def test_learners_move_toward_but_never_past_their_best_teacher(world: World) -> None:
    before = world.capacity.copy()
    out, ceiling = run_compiled(world)
    best = best_teacher(world)
    ahead = best > before
    # Never below the input.
    assert np.all(out >= before)
    # Never above the best teacher where one is ahead.
    assert np.all(out[ahead] <= best[ahead])
    # Unchanged where no teacher is ahead (no tie at all, or only teachers behind or level).
    np.testing.assert_array_equal(out[~ahead], before[~ahead])
    # The ceiling is the best teacher where one is ahead, else the own capacity.
    np.testing.assert_array_equal(ceiling, np.where(ahead, best, before))


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_capacities_stay_in_unit_interval(world: World) -> None:
    assert np.all(world.weight[:, None] * world.absorptive[None, :] <= 1.0)
    out, _ = run_compiled(world)
    assert np.all((out >= 0.0) & (out <= 1.0))


@settings(max_examples=50, deadline=None)
@given(worlds(max_weight=50.0))
def test_large_weights_are_capped_at_the_best_teacher(world: World) -> None:
    out, _ = run_compiled(world)
    best = best_teacher(world)
    assert np.all((out >= 0.0) & (out <= 1.0))
    assert np.all(out <= np.maximum(best, world.capacity))


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_kernel_does_not_modify_its_inputs(world: World) -> None:
    copies = [a.copy() for a in world.args()]
    run_compiled(world)
    for original, after in zip(copies, world.args(), strict=True):
        np.testing.assert_array_equal(original, after)


def test_a_hand_computed_two_actor_step() -> None:
    capacity = np.array([[0.2, 0.9], [0.8, 0.5]])
    teacher = np.array([1, 0, 0], dtype=np.int64)
    learner = np.array([0, 1, 1], dtype=np.int64)
    sector = np.array([0, 1, 0], dtype=np.int64)
    weight = np.array([0.5, 0.25, 1.0])
    absorptive = np.array([0.6, 1.0])
    out = np.empty((2, 2))
    ceiling = np.empty((2, 2))
    diffuse(capacity, teacher, learner, sector, weight, absorptive, out, ceiling)
    # 0 learns sector 0 from 1: 0.2 + 0.5 * 0.6 * (0.8 - 0.2) = 0.38.
    # 1 learns sector 1 from 0: 0.5 + 0.25 * 1.0 * (0.9 - 0.5) = 0.6.
    # The third tie has 0 teaching sector 0 to 1, who is ahead (0.8 > 0.2): nothing.
    np.testing.assert_allclose(out, [[0.38, 0.9], [0.8, 0.6]], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(ceiling, [[0.8, 0.9], [0.8, 0.9]])


def test_gains_of_several_ties_add_up_but_stop_at_the_teacher() -> None:
    capacity = np.array([[0.2], [0.8]])
    learner = np.zeros(2, dtype=np.int64)
    teacher = np.ones(2, dtype=np.int64)
    sector = np.zeros(2, dtype=np.int64)
    absorptive = np.array([1.0, 1.0])
    out = np.empty((2, 1))
    ceiling = np.empty((2, 1))
    # Two ties of weight 0.25: 0.2 + 2 * 0.25 * 0.6 = 0.5.
    diffuse(capacity, teacher, learner, sector, np.array([0.25, 0.25]), absorptive, out, ceiling)
    assert out[0, 0] == pytest.approx(0.5, abs=1e-15)
    # Two ties of weight 0.8 would add 0.96 and overshoot: capped at the teacher's 0.8.
    diffuse(capacity, teacher, learner, sector, np.array([0.8, 0.8]), absorptive, out, ceiling)
    assert out[0, 0] == 0.8
    assert out[1, 0] == 0.8


# ---------------------------------------------------------------------------
# diffusion_step: validation before the kernel
# ---------------------------------------------------------------------------
def _ties(teacher, learner, sector, weight) -> LearningTies:
    return LearningTies(
        np.asarray(teacher, dtype=np.int64),
        np.asarray(learner, dtype=np.int64),
        np.asarray(sector, dtype=np.int64),
        np.asarray(weight, dtype=np.float64),
    )


CAPACITY = np.array([[0.1, 0.5, 0.3], [0.7, 0.2, 0.9]])
ABSORPTIVE = np.array([0.5, 1.0])


def test_diffusion_step_runs_the_kernel() -> None:
    new, ceiling = diffusion_step(CAPACITY, _ties([1], [0], [0], [0.5]), ABSORPTIVE)
    expected = CAPACITY.copy()
    expected[0, 0] = 0.1 + 0.5 * 0.5 * 0.6
    np.testing.assert_allclose(new, expected, rtol=0, atol=1e-15)
    assert ceiling[0, 0] == 0.7
    empty_new, _ = diffusion_step(CAPACITY, LearningTies.empty(), ABSORPTIVE)
    np.testing.assert_array_equal(empty_new, CAPACITY)


@pytest.mark.parametrize(
    "ties",
    [
        _ties([2], [0], [0], [0.5]),  # teacher beyond the last actor
        _ties([0], [2], [0], [0.5]),  # learner beyond the last actor
        _ties([0], [1], [3], [0.5]),  # sector beyond the last column
        _ties([-1], [1], [0], [0.5]),  # negative teacher
        _ties([0], [-1], [0], [0.5]),  # negative learner
        _ties([0], [1], [-1], [0.5]),  # negative sector
    ],
    ids=["teacher", "learner", "sector", "neg-teacher", "neg-learner", "neg-sector"],
)
def test_diffusion_step_rejects_out_of_range_indices(ties: LearningTies) -> None:
    with pytest.raises(ValueError, match="outside the capacity matrix"):
        diffusion_step(CAPACITY, ties, ABSORPTIVE)


@pytest.mark.parametrize(
    ("ties", "name"),
    [
        (_ties([0, 1], [1, 0], [0, 0], [0.5]), "weight"),
        (_ties([0, 1], [1, 0], [0], [0.5, 0.5]), "sector"),
        (_ties([0, 1], [1], [0, 0], [0.5, 0.5]), "learner"),
    ],
)
def test_diffusion_step_rejects_mismatched_tie_arrays(ties: LearningTies, name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} has shape"):
        diffusion_step(CAPACITY, ties, ABSORPTIVE)


@pytest.mark.parametrize("length", [1, 3, 5])
def test_diffusion_step_rejects_absorptive_of_the_wrong_length(length: int) -> None:
    with pytest.raises(ValueError, match="absorptive"):
        diffusion_step(CAPACITY, _ties([1], [0], [0], [0.5]), np.ones(length))


# ---------------------------------------------------------------------------
# adopt_practices
# ---------------------------------------------------------------------------
@st.composite
def adoption_cases(draw):
    n = draw(st.integers(1, 20))
    n_sectors = draw(st.integers(1, 8))
    capacity = draw(arrays(np.float64, (n, n_sectors), elements=unit))
    ahead = draw(arrays(np.float64, (n, n_sectors), elements=unit))
    ceiling = capacity + ahead * (1.0 - capacity)
    absorptive = draw(arrays(np.float64, n, elements=unit))
    params = DiffusionParams(
        adoption_probability=draw(unit),
        adoption_gap=draw(unit),
        adoption_share=draw(unit),
    )
    return capacity, ceiling, absorptive, params, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=100, deadline=None)
@given(adoption_cases())
def test_adoption_only_where_the_gap_is_wide_and_never_above_the_ceiling(case) -> None:
    capacity, ceiling, absorptive, params, seed = case
    before = capacity.copy()
    out, pilot = adopt_practices(capacity, ceiling, absorptive, params, np.random.default_rng(seed))
    np.testing.assert_array_equal(capacity, before)
    remaining = ceiling - capacity
    assert pilot.dtype == bool and pilot.shape == capacity.shape
    assert np.all(remaining[pilot] >= params.adoption_gap)
    assert np.all(out >= capacity)
    assert np.all(out <= ceiling)
    np.testing.assert_array_equal(out[~pilot], capacity[~pilot])
    np.testing.assert_allclose(
        out[pilot], capacity[pilot] + params.adoption_share * remaining[pilot], rtol=1e-12
    )
    # A country with no absorptive capacity never pilots.
    assert not pilot[absorptive == 0.0].any()


@settings(max_examples=50, deadline=None)
@given(adoption_cases())
def test_adoption_probability_zero_changes_nothing(case) -> None:
    capacity, ceiling, absorptive, params, seed = case
    params.adoption_probability = 0.0
    out, pilot = adopt_practices(capacity, ceiling, absorptive, params, np.random.default_rng(seed))
    np.testing.assert_array_equal(out, capacity)
    assert not pilot.any()


def test_certain_adoption_pilots_exactly_the_wide_gaps() -> None:
    capacity = np.array([[0.1, 0.5], [0.3, 0.6]])
    ceiling = np.array([[0.5, 0.55], [0.3, 0.9]])
    params = DiffusionParams(adoption_probability=1.0, adoption_gap=0.1, adoption_share=0.25)
    out, pilot = adopt_practices(capacity, ceiling, np.ones(2), params, np.random.default_rng(0))
    np.testing.assert_array_equal(pilot, [[True, False], [False, True]])
    np.testing.assert_allclose(out, [[0.2, 0.5], [0.3, 0.675]], rtol=0, atol=1e-15)
