"""Knowledge diffusion and adoption (step 5): validates the arrays, draws the random numbers
from the model's generator, and calls the compiled kernel of `sscsim.kernels`: the serial
kernels for country-sized worlds, their parallel twins from `PARALLEL_MIN_TIES` learning ties."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from sscsim.config import DiffusionParams
from sscsim.kernels.diffusion import (
    ALL_SECTORS,
    adopt,
    count_adoption_candidates,
    diffuse,
    diffuse_parallel,
    learning_csr,
    learning_csr_parallel,
)

# Directed learning ties in a step from which the parallel kernels run: below, starting the
# threads costs more than they save, and far more when another process holds a core (the step
# waits for a thread the scheduler has not run). Measured with `python -m sscsim.bench` (the
# "threads" entry); the numbers are in docs/performance.md.
PARALLEL_MIN_TIES = 3_000_000


def runs_parallel(n_ties: int) -> bool:
    """Whether a step over `n_ties` directed learning ties uses the parallel kernels: from
    `PARALLEL_MIN_TIES` on, when numba has more than one thread (`NUMBA_NUM_THREADS`,
    `numba.set_num_threads`)."""
    return n_ties >= PARALLEL_MIN_TIES and numba.get_num_threads() > 1


@dataclass
class LearningTies:
    """This step's learning ties: teacher -> learner in a sector (or ALL_SECTORS), with a weight
    (share of the gap closed per step at full absorption); `reciprocal` ties teach both ways."""

    teacher: np.ndarray  # int64 (n,)
    learner: np.ndarray  # int64 (n,)
    sector: np.ndarray  # int64 (n,)
    weight: np.ndarray  # float64 (n,)
    reciprocal: np.ndarray | None = None  # bool (n,); None: none is

    def __post_init__(self) -> None:
        if self.reciprocal is None:
            self.reciprocal = np.zeros(len(self.teacher), dtype=np.bool_)

    @classmethod
    def empty(cls) -> LearningTies:
        empty_index = np.zeros(0, dtype=np.int64)
        return cls(empty_index, empty_index, empty_index, np.zeros(0))

    @classmethod
    def concatenate(cls, parts: list[LearningTies]) -> LearningTies:
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.teacher for p in parts]).astype(np.int64),
            np.concatenate([p.learner for p in parts]).astype(np.int64),
            np.concatenate([p.sector for p in parts]).astype(np.int64),
            np.concatenate([p.weight for p in parts]).astype(np.float64),
            np.concatenate([p.reciprocal for p in parts]).astype(np.bool_),
        )

    def __len__(self) -> int:
        return len(self.teacher) + int(self.reciprocal.sum())


def absorptive_capacity(institutional: np.ndarray, params: DiffusionParams) -> np.ndarray:
    """Share of what is taught that a country can absorb: a floor plus its agency's capacity."""
    return params.absorptive_floor + (1.0 - params.absorptive_floor) * institutional


def diffusion_step(
    capacity: np.ndarray,
    ties: LearningTies,
    absorptive: np.ndarray,
    out_capacity: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one step of diffusion along `ties`; returns (new capacity, ceiling).

    Writes the new capacity into `out_capacity` if given (it may be cache-line aligned, see
    `kernels.memory`). Runs the parallel kernels only for large steps (`runs_parallel`); both
    give the same result. Raises ValueError on arrays of the wrong shape or out-of-range
    indices, before the kernel.
    """
    n, n_sectors = capacity.shape
    for name in ("teacher", "learner", "sector", "weight", "reciprocal"):
        if getattr(ties, name).shape != ties.teacher.shape:
            raise ValueError(f"learning ties: {name} has shape {getattr(ties, name).shape}")
    if absorptive.shape != (n,):
        raise ValueError(f"absorptive has shape {absorptive.shape}, expected ({n},)")
    if len(ties.teacher) and (
        ties.teacher.max() >= n
        or ties.learner.max() >= n
        or ties.sector.max() >= n_sectors
        or min(ties.teacher.min(), ties.learner.min()) < 0
        or ties.sector.min() < ALL_SECTORS
    ):
        raise ValueError("learning ties: an index is outside the capacity matrix")
    if runs_parallel(len(ties)):
        build, kernel, chunks = (
            learning_csr_parallel,
            diffuse_parallel,
            256 * numba.get_num_threads(),
        )
    else:
        build, kernel, chunks = learning_csr, diffuse, 1
    indptr, teacher, sector, weight = build(
        ties.teacher, ties.learner, ties.sector, ties.weight, ties.reciprocal, n
    )
    new_capacity = out_capacity if out_capacity is not None else np.empty(capacity.shape)
    ceiling = np.empty(capacity.shape)
    kernel(
        np.ascontiguousarray(capacity, dtype=np.float64),
        indptr,
        teacher,
        sector,
        weight,
        np.ascontiguousarray(absorptive, dtype=np.float64),
        new_capacity,
        ceiling,
        chunks,
    )
    return new_capacity, ceiling


def adopt_practices(
    capacity: np.ndarray,
    ceiling: np.ndarray,
    absorptive: np.ndarray,
    params: DiffusionParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Discrete adoption, in place: countries pilot practices they saw elsewhere.

    Where a country learned this step from a teacher still at least `adoption_gap` ahead, it
    adapts and pilots that practice with probability `adoption_probability` x absorptive
    capacity; a pilot closes `adoption_share` of the remaining gap at once (the pilots of a
    green-entrepreneurship training or an MSME ESG assessment tool after a study tour). One
    uniform draw is made for each such (country, sector), in row-major order (kernel `adopt`).
    Returns the bool mask of pilots; `capacity` is updated in place.
    """
    candidates = count_adoption_candidates(capacity, ceiling, params.adoption_gap)
    pilot = np.empty(capacity.shape, dtype=np.bool_)
    adopt(
        capacity,
        ceiling,
        absorptive,
        rng.random(candidates),
        params.adoption_probability,
        params.adoption_gap,
        params.adoption_share,
        pilot,
    )
    return pilot
