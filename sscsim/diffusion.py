"""Knowledge diffusion and adoption (step 5): validates the arrays, draws the random numbers
from the model's generator, and calls the compiled kernel of `sscsim.kernels`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sscsim.config import DiffusionParams
from sscsim.kernels.diffusion import ALL_SECTORS, diffuse, group_by_learner


@dataclass
class LearningTies:
    """This step's learning ties: teacher -> learner in a sector (or ALL_SECTORS), with a weight
    (share of the gap closed per step at full absorption)."""

    teacher: np.ndarray  # int64 (n,)
    learner: np.ndarray  # int64 (n,)
    sector: np.ndarray  # int64 (n,)
    weight: np.ndarray  # float64 (n,)

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
        )


def absorptive_capacity(institutional: np.ndarray, params: DiffusionParams) -> np.ndarray:
    """Share of what is taught that a country can absorb: a floor plus its agency's capacity."""
    return params.absorptive_floor + (1.0 - params.absorptive_floor) * institutional


def diffusion_step(
    capacity: np.ndarray,
    ties: LearningTies,
    absorptive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one step of diffusion along `ties`; returns (new capacity, ceiling).

    Raises ValueError on arrays of the wrong shape or out-of-range indices, before the kernel.
    """
    n, n_sectors = capacity.shape
    for name in ("teacher", "learner", "sector", "weight"):
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
    capacity = np.ascontiguousarray(capacity, dtype=np.float64)
    indptr = np.empty(n + 1, dtype=np.int64)
    order = group_by_learner(ties.learner, n, indptr)
    new_capacity = np.empty(capacity.shape)
    ceiling = np.empty(capacity.shape)
    diffuse(
        capacity,
        indptr,
        ties.teacher[order],
        ties.sector[order],
        ties.weight[order],
        np.ascontiguousarray(absorptive, dtype=np.float64),
        new_capacity,
        ceiling,
    )
    return new_capacity, ceiling


def adopt_practices(
    capacity: np.ndarray,
    ceiling: np.ndarray,
    absorptive: np.ndarray,
    params: DiffusionParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Discrete adoption: countries pilot practices they saw elsewhere.

    Where a country learned this step from a teacher still at least `adoption_gap` ahead, it
    adapts and pilots that practice with probability `adoption_probability` x absorptive
    capacity; a pilot closes `adoption_share` of the remaining gap at once (the pilots of a
    green-entrepreneurship training or an MSME ESG assessment tool after a study tour).
    Returns (capacity after pilots, bool mask of pilots).
    """
    remaining = ceiling - capacity
    draws = rng.random(capacity.shape)
    pilot = (remaining >= params.adoption_gap) & (
        draws < params.adoption_probability * absorptive[:, None]
    )
    return np.where(pilot, capacity + params.adoption_share * remaining, capacity), pilot
