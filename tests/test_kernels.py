"""The compiled kernels: diffusion (CSR by learner; serial, and its parallel twin), the kernel
generator, the hash table; and the diffusion wrappers (`diffusion_step`, `adopt_practices`)."""

from __future__ import annotations

from dataclasses import dataclass
from unittest import mock

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.config import DiffusionParams
from sscsim.kernels import diffuse, diffuse_reference, hashing
from sscsim.kernels import diffusion as diffusion_kernels
from sscsim.kernels.diffusion import (
    ALL_SECTORS,
    count_adoption_candidates,
    diffuse_parallel,
    learning_csr,
    learning_csr_parallel,
)
from sscsim.kernels.random import below, new_state, uniform
from sscsim.processes import diffusion as diffusion_process
from sscsim.processes.diffusion import (
    PARALLEL_MIN_TIES,
    LearningTies,
    adopt_practices,
    diffusion_step,
    runs_parallel,
)

unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)


# ---------------------------------------------------------------------------
# Random worlds of learning ties, some teaching every sector, some both ways
# ---------------------------------------------------------------------------
@dataclass
class World:
    capacity: np.ndarray
    teacher: np.ndarray
    learner: np.ndarray
    sector: np.ndarray  # a column, or ALL_SECTORS
    weight: np.ndarray
    absorptive: np.ndarray
    reciprocal: np.ndarray  # bool: the tie also teaches learner -> teacher

    def directed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(teacher, learner, sector, weight) with each reciprocal tie as two directed ones, in
        the order `learning_csr` takes them: a tie, then its reverse."""
        both = self.reciprocal.astype(np.int64) + 1
        teacher = np.repeat(self.teacher, both)
        learner = np.repeat(self.learner, both)
        reverse = np.zeros(len(teacher), dtype=bool)
        reverse[np.cumsum(both)[self.reciprocal] - 1] = True
        teacher[reverse], learner[reverse] = learner[reverse], teacher[reverse].copy()
        return teacher, learner, np.repeat(self.sector, both), np.repeat(self.weight, both)

    def edge_list(self) -> tuple[np.ndarray, ...]:
        """Arguments of `diffuse_reference`."""
        teacher, learner, sector, weight = self.directed()
        return (self.capacity, teacher, learner, sector, weight, self.absorptive)

    def csr(self, build=learning_csr) -> tuple[np.ndarray, ...]:
        """(indptr, teacher, sector, weight) grouped by learner."""
        return build(
            self.teacher,
            self.learner,
            self.sector,
            self.weight,
            self.reciprocal,
            self.capacity.shape[0],
        )

    def ties(self) -> LearningTies:
        return LearningTies(self.teacher, self.learner, self.sector, self.weight, self.reciprocal)


@st.composite
def worlds(draw, max_weight: float = 1.0, max_actors: int = 30) -> World:
    n = draw(st.integers(1, max_actors))
    n_sectors = draw(st.integers(1, 8))
    n_ties = draw(st.integers(0, 200))
    index = st.integers(0, n - 1)
    return World(
        capacity=draw(arrays(np.float64, (n, n_sectors), elements=unit)),
        teacher=draw(arrays(np.int64, n_ties, elements=index)),
        learner=draw(arrays(np.int64, n_ties, elements=index)),
        sector=draw(arrays(np.int64, n_ties, elements=st.integers(ALL_SECTORS, n_sectors - 1))),
        weight=draw(arrays(np.float64, n_ties, elements=st.floats(0.0, max_weight))),
        absorptive=draw(arrays(np.float64, n, elements=unit)),
        reciprocal=draw(arrays(bool, n_ties)),
    )


def run_csr(world: World, kernel=diffuse, **options) -> tuple[np.ndarray, np.ndarray]:
    out = np.full_like(world.capacity, np.nan)
    ceiling = np.full_like(world.capacity, np.nan)
    indptr, teacher, sector, weight = world.csr()
    kernel(
        world.capacity, indptr, teacher, sector, weight, world.absorptive, out, ceiling, **options
    )
    return out, ceiling


def best_teacher(world: World) -> np.ndarray:
    """Best capacity among all teachers of each (learner, sector); -inf where there is none."""
    n_sectors = world.capacity.shape[1]
    best = np.full_like(world.capacity, -np.inf)
    for t, k, s, _ in zip(*world.directed(), strict=True):
        columns = range(n_sectors) if s == ALL_SECTORS else [s]
        for c in columns:
            best[k, c] = max(best[k, c], world.capacity[t, c])
    return best


# ---------------------------------------------------------------------------
# learning_csr: a stable counting sort by learner
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("build", [learning_csr, learning_csr_parallel])
@settings(max_examples=100, deadline=None)
@given(world=worlds())
def test_learning_csr_is_a_stable_counting_sort(build, world: World) -> None:
    n = world.capacity.shape[0]
    indptr, teacher, sector, weight = world.csr(build)
    assert indptr.dtype == teacher.dtype == sector.dtype == np.int64
    directed_teacher, learner, directed_sector, directed_weight = world.directed()
    order = np.argsort(learner, kind="stable")
    np.testing.assert_array_equal(teacher, directed_teacher[order])
    np.testing.assert_array_equal(sector, directed_sector[order])
    np.testing.assert_array_equal(weight, directed_weight[order])
    counts = np.bincount(learner, minlength=n)
    np.testing.assert_array_equal(indptr, np.concatenate([[0], np.cumsum(counts)]))
    assert len(teacher) == len(world.teacher) + world.reciprocal.sum()
    # The pure-Python twin agrees.
    for got, expected in zip(
        build.py_func(
            world.teacher, world.learner, world.sector, world.weight, world.reciprocal, n
        ),
        (indptr, teacher, sector, weight),
        strict=True,
    ):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("build", [learning_csr, learning_csr_parallel])
@pytest.mark.parametrize("n", [4095, 4096, 4097, 13_000])
def test_learning_csr_across_several_buckets_of_learners(n: int, build) -> None:
    rng = np.random.default_rng(n)
    n_ties = 3 * n
    world = World(
        capacity=rng.random((n, 3)),
        teacher=rng.integers(0, n, n_ties),
        learner=np.where(rng.random(n_ties) < 0.2, n - 1, rng.integers(0, n, n_ties)),
        sector=rng.integers(ALL_SECTORS, 3, n_ties),
        weight=rng.random(n_ties) * 0.2,
        absorptive=rng.random(n),
        reciprocal=rng.random(n_ties) < 0.4,
    )
    indptr, teacher, sector, weight = world.csr(build)
    directed_teacher, learner, directed_sector, directed_weight = world.directed()
    order = np.argsort(learner, kind="stable")
    np.testing.assert_array_equal(indptr[1:], np.cumsum(np.bincount(learner, minlength=n)))
    np.testing.assert_array_equal(teacher, directed_teacher[order])
    np.testing.assert_array_equal(sector, directed_sector[order])
    np.testing.assert_array_equal(weight, directed_weight[order])
    out, ceiling = run_csr(world)
    expected, expected_ceiling = diffuse_reference(*world.edge_list())
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ceiling, expected_ceiling)


def test_learning_csr_example_and_empty() -> None:
    indptr, teacher, sector, weight = learning_csr(
        np.array([0, 2, 1, 3, 0], dtype=np.int64),  # teacher
        np.array([3, 1, 3, 0, 1], dtype=np.int64),  # learner
        np.array([0, 1, 2, -1, 1], dtype=np.int64),
        np.array([0.1, 0.2, 0.3, 0.4, 0.5]),
        np.array([False, True, False, False, False]),  # 2 <-> 1
        4,
    )
    # Learner 0: tie 3; learner 1: ties 1 and 4; learner 2: tie 1 reversed; learner 3: 0 and 2.
    np.testing.assert_array_equal(indptr, [0, 1, 3, 4, 6])
    np.testing.assert_array_equal(teacher, [3, 2, 0, 1, 0, 1])
    np.testing.assert_array_equal(sector, [-1, 1, 1, 1, 0, 2])
    np.testing.assert_array_equal(weight, [0.4, 0.2, 0.5, 0.2, 0.1, 0.3])
    empty = np.zeros(0, dtype=np.int64)
    indptr, teacher, _, _ = learning_csr(empty, empty, empty, np.zeros(0), np.zeros(0, bool), 4)
    assert len(teacher) == 0
    np.testing.assert_array_equal(indptr, [0, 0, 0, 0, 0])


# ---------------------------------------------------------------------------
# Compiled kernels (serial, parallel) == plain numpy reference == pure Python; threads, chunks
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", [diffuse, diffuse_parallel])
@settings(max_examples=100, deadline=None)
@given(world=worlds())
def test_compiled_kernel_matches_numpy_reference(kernel, world: World) -> None:
    out, ceiling = run_csr(world, kernel=kernel)
    expected_out, expected_ceiling = diffuse_reference(*world.edge_list())
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ceiling, expected_ceiling)


@pytest.mark.parametrize("kernel", [diffuse, diffuse_parallel])
@settings(max_examples=40, deadline=None)
@given(world=worlds())
def test_compiled_kernel_matches_pure_python(kernel, world: World) -> None:
    out, ceiling = run_csr(world, kernel=kernel)
    py_out, py_ceiling = run_csr(world, kernel=kernel.py_func)
    np.testing.assert_allclose(out, py_out, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(ceiling, py_ceiling)


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(1, 40))
def test_serial_and_parallel_kernels_are_bit_identical(world: World, chunks: int) -> None:
    csr = world.csr()
    for got, expected in zip(world.csr(learning_csr_parallel), csr, strict=True):
        np.testing.assert_array_equal(got, expected)
    out, ceiling = run_csr(world)
    parallel_out, parallel_ceiling = run_csr(world, kernel=diffuse_parallel, chunks=chunks)
    np.testing.assert_array_equal(parallel_out, out)
    np.testing.assert_array_equal(parallel_ceiling, ceiling)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiled kernels only")
@pytest.mark.parametrize(
    ("serial", "parallel"), [(diffuse, diffuse_parallel), (learning_csr, learning_csr_parallel)]
)
def test_a_parallel_twin_is_the_same_body_compiled_apart(serial, parallel) -> None:
    assert parallel.targetoptions.get("parallel") is True
    assert not serial.targetoptions.get("parallel")
    assert parallel.py_func.__code__ is serial.py_func.__code__
    assert parallel.__name__ == f"{serial.__name__}_parallel"
    # numba's disk cache keys a compilation by name and bytecode, not by its options: the twins
    # must have cache files of their own, or one would load the other's machine code.
    assert parallel._cache._impl.filename_base != serial._cache._impl.filename_base


@settings(max_examples=30, deadline=None)
@given(worlds(), st.integers(1, 40), st.integers(0, 50))
def test_chunks_and_prefetching_do_not_change_the_result(world, chunks, distance) -> None:
    out, ceiling = run_csr(world)
    other_out, other_ceiling = run_csr(world, chunks=chunks, prefetch_distance=distance)
    np.testing.assert_array_equal(other_out, out)
    np.testing.assert_array_equal(other_ceiling, ceiling)


@pytest.fixture
def restore_threads():
    threads = numba.get_num_threads()
    yield
    numba.set_num_threads(threads)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads")
def test_one_and_two_threads_give_the_same_result(restore_threads) -> None:
    rng = np.random.default_rng(11)
    n, n_sectors, n_ties = 500, 6, 6000
    world = World(
        capacity=rng.random((n, n_sectors)),
        teacher=rng.integers(0, n, n_ties),
        learner=rng.integers(0, n, n_ties),
        sector=rng.integers(ALL_SECTORS, n_sectors, n_ties),
        weight=rng.random(n_ties) * 0.3,
        absorptive=rng.random(n),
        reciprocal=rng.random(n_ties) < 0.5,
    )
    results = [run_csr(world)]  # the serial kernel
    for threads in (1, 2, 1):
        numba.set_num_threads(threads)
        assert numba.get_num_threads() == threads
        results.append(run_csr(world, kernel=diffuse_parallel, chunks=7))
        csr = world.csr(learning_csr_parallel)
        for got, expected in zip(csr, world.csr(), strict=True):
            np.testing.assert_array_equal(got, expected)
    for out, ceiling in results[1:]:
        np.testing.assert_array_equal(out, results[0][0])
        np.testing.assert_array_equal(ceiling, results[0][1])
    np.testing.assert_allclose(results[0][0], diffuse_reference(*world.edge_list())[0], rtol=1e-12)


# ---------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(worlds())
def test_learners_move_toward_but_never_past_their_best_teacher(world: World) -> None:
    before = world.capacity.copy()
    out, ceiling = run_csr(world)
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
    out, _ = run_csr(world)
    assert np.all((out >= 0.0) & (out <= 1.0))


@settings(max_examples=50, deadline=None)
@given(worlds(max_weight=50.0))
def test_large_weights_are_capped_at_the_best_teacher(world: World) -> None:
    out, _ = run_csr(world)
    best = best_teacher(world)
    assert np.all((out >= 0.0) & (out <= 1.0))
    assert np.all(out <= np.maximum(best, world.capacity))


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_kernel_does_not_modify_its_inputs(world: World) -> None:
    indptr, teacher, sector, weight = world.csr()
    inputs = (world.capacity, indptr, teacher, sector, weight, world.absorptive)
    copies = [a.copy() for a in inputs]
    out, ceiling = np.empty_like(world.capacity), np.empty_like(world.capacity)
    diffuse(*inputs, out, ceiling)
    for original, after in zip(copies, inputs, strict=True):
        np.testing.assert_array_equal(original, after)


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_an_all_sector_tie_is_one_tie_per_sector(world: World) -> None:
    n_sectors = world.capacity.shape[1]
    teacher, learner, sector, weight = world.directed()
    every = sector == ALL_SECTORS
    expanded = World(
        capacity=world.capacity,
        teacher=np.concatenate([teacher[~every], np.repeat(teacher[every], n_sectors)]),
        learner=np.concatenate([learner[~every], np.repeat(learner[every], n_sectors)]),
        sector=np.concatenate([sector[~every], np.tile(np.arange(n_sectors), int(every.sum()))]),
        weight=np.concatenate([weight[~every], np.repeat(weight[every], n_sectors)]),
        absorptive=world.absorptive,
        reciprocal=np.zeros(len(teacher) + (n_sectors - 1) * int(every.sum()), dtype=bool),
    )
    out, ceiling = run_csr(world)
    expanded_out, expanded_ceiling = run_csr(expanded)
    np.testing.assert_allclose(out, expanded_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ceiling, expanded_ceiling)


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_a_reciprocal_tie_is_two_directed_ties(world: World) -> None:
    teacher, learner, sector, weight = world.directed()
    directed = World(
        world.capacity, teacher, learner, sector, weight, world.absorptive,
        np.zeros(len(teacher), dtype=bool),
    )  # fmt: skip
    for got, expected in zip(run_csr(world), run_csr(directed), strict=True):
        np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------------------
# Hand-computed examples
# ---------------------------------------------------------------------------
def csr_diffuse(capacity, teacher, learner, sector, weight, absorptive, reciprocal=None):
    world = World(
        np.asarray(capacity, dtype=np.float64),
        np.asarray(teacher, dtype=np.int64),
        np.asarray(learner, dtype=np.int64),
        np.asarray(sector, dtype=np.int64),
        np.asarray(weight, dtype=np.float64),
        np.asarray(absorptive, dtype=np.float64),
        np.zeros(len(teacher), bool) if reciprocal is None else np.asarray(reciprocal, bool),
    )
    return run_csr(world)


def test_a_hand_computed_two_actor_step() -> None:
    out, ceiling = csr_diffuse(
        capacity=[[0.2, 0.9], [0.8, 0.5]],
        teacher=[1, 0, 0],
        learner=[0, 1, 1],
        sector=[0, 1, 0],
        weight=[0.5, 0.25, 1.0],
        absorptive=[0.6, 1.0],
    )
    # 0 learns sector 0 from 1: 0.2 + 0.5 * 0.6 * (0.8 - 0.2) = 0.38.
    # 1 learns sector 1 from 0: 0.5 + 0.25 * 1.0 * (0.9 - 0.5) = 0.6.
    # The third tie has 0 teaching sector 0 to 1, who is ahead (0.8 > 0.2): nothing.
    np.testing.assert_allclose(out, [[0.38, 0.9], [0.8, 0.6]], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(ceiling, [[0.8, 0.9], [0.8, 0.9]])


def test_an_all_sector_tie_teaches_every_column_where_the_teacher_is_ahead() -> None:
    out, ceiling = csr_diffuse(
        capacity=[[0.2, 0.9, 0.4], [0.6, 0.5, 0.4]],
        teacher=[1],
        learner=[0],
        sector=[ALL_SECTORS],
        weight=[0.5],
        absorptive=[0.5, 1.0],
    )
    # Sector 0: 0.2 + 0.25 * 0.4 = 0.3; sector 1: teacher behind; sector 2: level.
    np.testing.assert_allclose(out, [[0.3, 0.9, 0.4], [0.6, 0.5, 0.4]], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(ceiling, [[0.6, 0.9, 0.4], [0.6, 0.5, 0.4]])


def test_gains_of_several_ties_add_up_but_stop_at_the_teacher() -> None:
    # Two ties of weight 0.25, one of them to all sectors: 0.2 + 2 * 0.25 * 0.6 = 0.5.
    args = {"capacity": [[0.2], [0.8]], "teacher": [1, 1], "learner": [0, 0]}
    out, _ = csr_diffuse(**args, sector=[0, ALL_SECTORS], weight=[0.25, 0.25], absorptive=[1, 1])
    assert out[0, 0] == pytest.approx(0.5, abs=1e-15)
    # Two ties of weight 0.8 would add 0.96 and overshoot: capped at the teacher's 0.8.
    out, _ = csr_diffuse(**args, sector=[0, 0], weight=[0.8, 0.8], absorptive=[1, 1])
    assert out[0, 0] == 0.8
    assert out[1, 0] == 0.8


def test_a_reciprocal_tie_teaches_whoever_is_behind_in_each_sector() -> None:
    out, ceiling = csr_diffuse(
        capacity=[[0.2, 0.9], [0.6, 0.5]],
        teacher=[0],
        learner=[1],
        sector=[ALL_SECTORS],
        weight=[0.5],
        absorptive=[1.0, 0.5],
        reciprocal=[True],
    )
    # 1 learns sector 1 from 0: 0.5 + 0.25 * 0.4; 0 learns sector 0 from 1: 0.2 + 0.5 * 0.4.
    np.testing.assert_allclose(out, [[0.4, 0.9], [0.6, 0.6]], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(ceiling, [[0.6, 0.9], [0.6, 0.9]])


def test_the_cap_is_the_best_teacher_not_the_last() -> None:
    # Teachers at 0.9 and 0.5 in sector 0: gains 0.9 * 0.9 + 0.9 * 0.5 = 1.26 overshoot; cap 0.9.
    out, ceiling = csr_diffuse(
        capacity=[[0.0], [0.9], [0.5]],
        teacher=[1, 2],
        learner=[0, 0],
        sector=[0, 0],
        weight=[0.9, 0.9],
        absorptive=[1.0, 1.0, 1.0],
    )
    assert out[0, 0] == 0.9 and ceiling[0, 0] == 0.9


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
    empty_new, empty_ceiling = diffusion_step(CAPACITY, LearningTies.empty(), ABSORPTIVE)
    np.testing.assert_array_equal(empty_new, CAPACITY)
    np.testing.assert_array_equal(empty_ceiling, CAPACITY)


def test_diffusion_step_accepts_all_sector_ties() -> None:
    new, _ = diffusion_step(CAPACITY, _ties([1], [0], [ALL_SECTORS], [0.5]), ABSORPTIVE)
    expected = CAPACITY.copy()
    expected[0, 0] = 0.1 + 0.25 * 0.6
    expected[0, 2] = 0.3 + 0.25 * 0.6
    np.testing.assert_allclose(new, expected, rtol=0, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_diffusion_step_equals_the_reference(world: World) -> None:
    before = world.capacity.copy()
    new, ceiling = diffusion_step(world.capacity, world.ties(), world.absorptive)
    expected, expected_ceiling = diffuse_reference(*world.edge_list())
    np.testing.assert_allclose(new, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ceiling, expected_ceiling)
    np.testing.assert_array_equal(world.capacity, before)
    # Into a buffer of the caller's.
    buffer = np.full_like(world.capacity, np.nan)
    into, _ = diffusion_step(world.capacity, world.ties(), world.absorptive, out_capacity=buffer)
    assert into is buffer
    np.testing.assert_array_equal(buffer, new)
    # The parallel kernels, as for a large world, give the very same numbers.
    with mock.patch.object(diffusion_process, "PARALLEL_MIN_TIES", 0):
        parallel_new, parallel_ceiling = diffusion_step(
            world.capacity, world.ties(), world.absorptive
        )
    np.testing.assert_array_equal(parallel_new, new)
    np.testing.assert_array_equal(parallel_ceiling, ceiling)


def test_runs_parallel_from_the_threshold_and_only_with_threads(restore_threads) -> None:
    assert PARALLEL_MIN_TIES > 10_000  # a country-sized world (about 7,000 ties) runs serial
    numba.set_num_threads(1)  # as NUMBA_NUM_THREADS=1 would
    assert not runs_parallel(PARALLEL_MIN_TIES) and not runs_parallel(100 * PARALLEL_MIN_TIES)
    if numba.config.NUMBA_NUM_THREADS >= 2:
        numba.set_num_threads(2)
        assert runs_parallel(PARALLEL_MIN_TIES) and not runs_parallel(PARALLEL_MIN_TIES - 1)


@pytest.mark.parametrize("threshold", [0, 10**9])
def test_diffusion_step_calls_the_kernels_its_size_calls_for(threshold, monkeypatch) -> None:
    spies = {}
    for name in ("learning_csr", "learning_csr_parallel", "diffuse", "diffuse_parallel"):
        spies[name] = mock.Mock(side_effect=getattr(diffusion_process, name))
        monkeypatch.setattr(diffusion_process, name, spies[name])
    monkeypatch.setattr(diffusion_process, "PARALLEL_MIN_TIES", threshold)
    diffusion_step(CAPACITY, _ties([1], [0], [0], [0.5]), ABSORPTIVE)
    used = {name for name, spy in spies.items() if spy.called}
    if threshold == 0 and numba.get_num_threads() > 1:
        assert used == {"learning_csr_parallel", "diffuse_parallel"}
    else:
        assert used == {"learning_csr", "diffuse"}


@pytest.mark.parametrize(
    "ties",
    [
        _ties([2], [0], [0], [0.5]),  # teacher beyond the last actor
        _ties([0], [2], [0], [0.5]),  # learner beyond the last actor
        _ties([0], [1], [3], [0.5]),  # sector beyond the last column
        _ties([-1], [1], [0], [0.5]),  # negative teacher
        _ties([0], [-1], [0], [0.5]),  # negative learner
        _ties([0], [1], [ALL_SECTORS - 1], [0.5]),  # below ALL_SECTORS
    ],
    ids=["teacher", "learner", "sector", "neg-teacher", "neg-learner", "sector-below-all"],
)
def test_diffusion_step_rejects_out_of_range_indices(ties: LearningTies) -> None:
    with pytest.raises(ValueError, match="outside the capacity matrix"):
        diffusion_step(CAPACITY, ties, ABSORPTIVE)


@pytest.mark.parametrize(
    ("ties", "name"),
    [
        (
            LearningTies(*(np.array(a) for a in ([0, 1], [1, 0], [0, 0], [0.5, 0.5], [True]))),
            "reciprocal",
        ),
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


def test_learning_ties_concatenate_and_count_reciprocal_ties_twice() -> None:
    one_way = _ties([1], [0], [0], [0.5])
    np.testing.assert_array_equal(one_way.reciprocal, [False])
    both_ways = LearningTies(
        *(np.array(a) for a in ([0, 1], [1, 0], [-1, 2], [0.1, 0.2], [True, False]))
    )
    joined = LearningTies.concatenate([one_way, both_ways])
    np.testing.assert_array_equal(joined.teacher, [1, 0, 1])
    np.testing.assert_array_equal(joined.sector, [0, -1, 2])
    np.testing.assert_array_equal(joined.reciprocal, [False, True, False])
    assert joined.teacher.dtype == np.int64 and joined.weight.dtype == np.float64
    assert joined.reciprocal.dtype == np.bool_
    assert len(joined) == 4  # the reciprocal tie teaches twice
    empty = LearningTies.concatenate([])
    assert len(empty) == len(empty.teacher) == len(empty.weight) == 0
    assert len(LearningTies.empty()) == 0


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


def adopt(capacity, ceiling, absorptive, params, rng):
    """adopt_practices on a copy: (capacity after pilots, pilot mask)."""
    capacity = capacity.copy()
    pilot = adopt_practices(capacity, ceiling, absorptive, params, rng)
    return capacity, pilot


@settings(max_examples=100, deadline=None)
@given(adoption_cases())
def test_adoption_only_where_the_gap_is_wide_and_never_above_the_ceiling(case) -> None:
    capacity, ceiling, absorptive, params, seed = case
    ceiling_before = ceiling.copy()
    out, pilot = adopt(capacity, ceiling, absorptive, params, np.random.default_rng(seed))
    np.testing.assert_array_equal(ceiling, ceiling_before)
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
def test_adoption_kernel_equals_its_pure_python_twin(case) -> None:
    capacity, ceiling, absorptive, params, seed = case
    gap = params.adoption_gap
    count = count_adoption_candidates(capacity, ceiling, gap)
    assert count == count_adoption_candidates.py_func(capacity, ceiling, gap)
    assert count == int((ceiling - capacity >= gap).sum())
    draws = np.random.default_rng(seed).random(count)
    results = []
    for function in (diffusion_kernels.adopt, diffusion_kernels.adopt.py_func):
        out = capacity.copy()
        pilot = np.empty(capacity.shape, dtype=np.bool_)
        pilots = function(
            out, ceiling, absorptive, draws, params.adoption_probability, gap,
            params.adoption_share, pilot,
        )  # fmt: skip
        assert pilots == pilot.sum()
        results.append((out, pilot))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_adoption_updates_capacity_in_place() -> None:
    capacity = np.array([[0.1, 0.5], [0.3, 0.6]])
    ceiling = np.array([[0.5, 0.55], [0.3, 0.9]])
    params = DiffusionParams(adoption_probability=1.0, adoption_gap=0.1, adoption_share=0.25)
    pilot = adopt_practices(capacity, ceiling, np.ones(2), params, np.random.default_rng(0))
    np.testing.assert_array_equal(pilot, [[True, False], [False, True]])
    np.testing.assert_allclose(capacity, [[0.2, 0.5], [0.3, 0.675]], rtol=0, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(adoption_cases())
def test_adoption_probability_zero_changes_nothing(case) -> None:
    capacity, ceiling, absorptive, params, seed = case
    params.adoption_probability = 0.0
    out, pilot = adopt(capacity, ceiling, absorptive, params, np.random.default_rng(seed))
    np.testing.assert_array_equal(out, capacity)
    assert not pilot.any()


def test_one_draw_per_candidate_in_row_order() -> None:
    capacity = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.9]])
    ceiling = np.array([[0.5, 0.5, 0.3], [0.05, 0.6, 0.95]])
    absorptive = np.array([1.0, 0.5])
    params = DiffusionParams(adoption_probability=0.6, adoption_gap=0.1, adoption_share=1.0)
    pilot = adopt(capacity, ceiling, absorptive, params, np.random.default_rng(4))[1]
    # Candidates (0, 0), (0, 2) and (1, 1), with chances 0.6, 0.6 and 0.3.
    draws = np.random.default_rng(4).random(3)
    expected = np.zeros_like(pilot)
    expected[[0, 0, 1], [0, 2, 1]] = draws < np.array([0.6, 0.6, 0.3])
    np.testing.assert_array_equal(pilot, expected)


def test_adoption_is_reproducible_and_its_rate_follows_the_probability() -> None:
    capacity = np.zeros((2000, 5))
    ceiling = np.ones((2000, 5))
    absorptive = np.full(2000, 0.5)
    params = DiffusionParams(adoption_probability=0.4, adoption_gap=0.1, adoption_share=0.5)
    first = adopt(capacity, ceiling, absorptive, params, np.random.default_rng(3))
    second = adopt(capacity, ceiling, absorptive, params, np.random.default_rng(3))
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1].mean() == pytest.approx(0.2, abs=0.02)  # 0.4 x absorptive 0.5


# ---------------------------------------------------------------------------
# The kernel generator (splitmix64)
# ---------------------------------------------------------------------------
def state_of(seed: int) -> np.ndarray:
    return np.array([seed], dtype=np.uint64)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_uniform_compiled_equals_its_pure_python_twin(seed: int) -> None:
    compiled, python = state_of(seed), state_of(seed)
    expected = [uniform(compiled) for _ in range(50)]
    with np.errstate(over="ignore"):
        drawn = [uniform.py_func(python) for _ in range(50)]
    assert drawn == expected
    np.testing.assert_array_equal(python, compiled)
    assert compiled.dtype == np.uint64


def test_uniform_known_values() -> None:
    # splitmix64 from state 0: first output 0xE220A8397B1DCDAF, scaled by 2**-53 after >> 11.
    state = state_of(0)
    assert uniform(state) == (0xE220A8397B1DCDAF >> 11) / 2.0**53
    assert int(state[0]) == 0x9E3779B97F4A7C15


def test_uniform_values_are_in_the_unit_interval_with_mean_one_half() -> None:
    state = new_state(np.random.default_rng(5))
    draws = np.array([uniform(state) for _ in range(100_000)])
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert abs(draws.mean() - 0.5) < 0.01
    assert abs(draws.var() - 1 / 12) < 0.01
    # Deciles are about equally full.
    counts = np.bincount((draws * 10).astype(np.int64), minlength=10)
    assert np.all(np.abs(counts - 10_000) < 600)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(1, 1000))
def test_below_is_in_range_and_matches_its_twin(seed: int, n: int) -> None:
    compiled, python = state_of(seed), state_of(seed)
    drawn = [below(compiled, n) for _ in range(200)]
    assert all(0 <= k < n for k in drawn)
    with np.errstate(over="ignore"):
        assert [below.py_func(python, n) for _ in range(200)] == drawn
    assert below(compiled, 1) == 0


def test_below_covers_its_range() -> None:
    state = state_of(42)
    counts = np.bincount([below(state, 7) for _ in range(7000)], minlength=7)
    assert len(counts) == 7 and np.all(np.abs(counts - 1000) < 150)


def test_new_state_is_drawn_from_the_generator() -> None:
    first = new_state(np.random.default_rng(9))
    assert first.dtype == np.uint64 and first.shape == (1,)
    np.testing.assert_array_equal(first, new_state(np.random.default_rng(9)))
    assert first[0] != new_state(np.random.default_rng(10))[0]
    rng = np.random.default_rng(9)
    assert new_state(rng)[0] != new_state(rng)[0]  # the model's generator advances


# ---------------------------------------------------------------------------
# The hash table
# ---------------------------------------------------------------------------
def test_empty_table_sizes_are_powers_of_two() -> None:
    for slots, size in ((0, 16), (5, 16), (16, 16), (17, 32), (1000, 1024), (1025, 2048)):
        keys, rows = hashing.empty_table(slots)
        assert len(keys) == len(rows) == size
        assert np.all(keys == hashing.EMPTY)
        assert keys.dtype == rows.dtype == np.int64


def test_store_find_and_overwrite() -> None:
    keys, rows = hashing.empty_table(16)
    assert hashing.find(keys, rows, 5) == -1
    hashing.store(keys, rows, 5, 0)
    hashing.store(keys, rows, 21, 1)  # the same home slot as 5 in 16 slots: probes on
    hashing.store(keys, rows, 15, 2)  # the last slot
    hashing.store(keys, rows, 31, 3)  # home slot 15 taken: wraps to the start
    assert [hashing.find(keys, rows, k) for k in (5, 21, 15, 31, 37)] == [0, 1, 2, 3, -1]
    hashing.store(keys, rows, 21, 9)  # overwrite
    assert hashing.find(keys, rows, 21) == 9
    assert (keys != hashing.EMPTY).sum() == 4
    assert hashing.slot_of(keys, 31) == 0
    out = np.empty(3, dtype=np.int64)
    hashing.find_many(keys, rows, np.array([15, 4, 5], dtype=np.int64), out)
    np.testing.assert_array_equal(out, [2, -1, 0])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 600), st.sampled_from([2**31, 2**40, 2**62]))
def test_many_random_keys_against_a_dict(seed: int, count: int, high: int) -> None:
    rng = np.random.default_rng(seed)
    keys, rows = hashing.empty_table(2 * count)
    model: dict[int, int] = {}
    inserted = rng.integers(0, high, size=count)
    for row, key in enumerate(inserted):
        hashing.store(keys, rows, key, row)
        model[int(key)] = row
    assert (keys != hashing.EMPTY).sum() == len(model)
    absent = rng.integers(0, high, size=count)
    queries = np.concatenate([inserted, absent]).astype(np.int64)
    out = np.empty(len(queries), dtype=np.int64)
    hashing.find_many(keys, rows, queries, out)
    np.testing.assert_array_equal(out, [model.get(int(k), -1) for k in queries])
    assert [hashing.find.py_func(keys, rows, int(k)) for k in queries[:50]] == list(out[:50])


def test_build_maps_each_entry_to_its_row_the_last_duplicate_winning() -> None:
    entries = np.array([7, 123456789012, 0, 7, 2**31 - 1], dtype=np.int64)
    keys, rows = hashing.empty_table(2 * len(entries))
    hashing.build(keys, rows, entries)
    found = np.empty(len(entries), dtype=np.int64)
    hashing.find_many(keys, rows, entries, found)
    np.testing.assert_array_equal(found, [3, 1, 2, 3, 4])
    assert (keys != hashing.EMPTY).sum() == 4
