"""Knowledge diffusion along learning ties, in compressed rows by learner (CSR).

The rule: along each learning tie (teacher -> learner, in one sector or in all), the learner's
capacity moves toward the teacher's by ``weight * absorptive[learner] * gap`` where the teacher is
ahead (gap > 0); gains from several teachers add up but never carry a learner past the best of its
teachers in the step. Ties grouped by learner let each thread own whole learner rows, so the
kernel runs in parallel without atomics (`parallel=True`; measured in `sscsim.bench`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

ALL_SECTORS = -1  # a tie that teaches every sector


@njit(cache=True)
def group_by_learner(learner: np.ndarray, n_actors: int, out_indptr: np.ndarray) -> np.ndarray:
    """Counting sort of ties by learner, O(ties + actors).

    learner : int64 (n_ties,). out_indptr : int64 (n_actors + 1,), written: ties of learner i are
    ``order[out_indptr[i]:out_indptr[i + 1]]``. Returns `order`, int64 (n_ties,), stable.
    """
    for i in range(n_actors + 1):
        out_indptr[i] = 0
    for e in range(learner.shape[0]):
        out_indptr[learner[e] + 1] += 1
    for i in range(n_actors):
        out_indptr[i + 1] += out_indptr[i]
    cursor = out_indptr[:-1].copy()
    order = np.empty(learner.shape[0], dtype=np.int64)
    for e in range(learner.shape[0]):
        order[cursor[learner[e]]] = e
        cursor[learner[e]] += 1
    return order


@njit(cache=True, parallel=True)
def diffuse(
    capacity: np.ndarray,
    indptr: np.ndarray,
    teacher: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    absorptive: np.ndarray,
    out_capacity: np.ndarray,
    out_ceiling: np.ndarray,
) -> None:
    """One step of knowledge diffusion.

    Parameters
    ----------
    capacity : float64 (n_actors, n_sectors), values in [0, 1]; read only.
    indptr : int64 (n_actors + 1,); the learning ties of learner i are entries
        ``indptr[i]:indptr[i + 1]`` of the three arrays below (CSR by learner).
    teacher : int64 (n_ties,), actor rows.
    sector : int64 (n_ties,), the column the tie teaches, or ALL_SECTORS (-1) for every column.
    weight : float64 (n_ties,) >= 0, share of the gap closed per step at full absorption.
    absorptive : float64 (n_actors,), in [0, 1], each learner's absorptive capacity.
    out_capacity : float64 (n_actors, n_sectors), written: capacity after the step.
    out_ceiling : float64 (n_actors, n_sectors), written: the best capacity among each
        learner's teachers in the step, or its own capacity where none was ahead.
    """
    n_actors, n_sectors = capacity.shape
    for i in prange(n_actors):
        for s in range(n_sectors):
            out_capacity[i, s] = 0.0
            out_ceiling[i, s] = capacity[i, s]
        for e in range(indptr[i], indptr[i + 1]):
            t = teacher[e]
            rate = weight[e] * absorptive[i]
            if sector[e] == ALL_SECTORS:
                for s in range(n_sectors):
                    gap = capacity[t, s] - capacity[i, s]
                    if gap > 0.0:
                        out_capacity[i, s] += rate * gap
                        if capacity[t, s] > out_ceiling[i, s]:
                            out_ceiling[i, s] = capacity[t, s]
            else:
                s = sector[e]
                gap = capacity[t, s] - capacity[i, s]
                if gap > 0.0:
                    out_capacity[i, s] += rate * gap
                    if capacity[t, s] > out_ceiling[i, s]:
                        out_ceiling[i, s] = capacity[t, s]
        for s in range(n_sectors):
            updated = capacity[i, s] + out_capacity[i, s]
            out_capacity[i, s] = min(updated, out_ceiling[i, s])


def diffuse_reference(
    capacity: np.ndarray,
    teacher: np.ndarray,
    learner: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    absorptive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain-numpy statement of the same rule over an edge list; returns (capacity, ceiling)."""
    n_sectors = capacity.shape[1]
    every = sector == ALL_SECTORS
    # Expand every all-sector tie into one tie per sector.
    teacher = np.concatenate([teacher[~every], np.repeat(teacher[every], n_sectors)])
    learner_all = np.repeat(learner[every], n_sectors)
    learner = np.concatenate([learner[~every], learner_all])
    sector = np.concatenate([sector[~every], np.tile(np.arange(n_sectors), every.sum())])
    weight = np.concatenate([weight[~every], np.repeat(weight[every], n_sectors)])
    gap = capacity[teacher, sector] - capacity[learner, sector]
    ahead = gap > 0
    gain = np.zeros_like(capacity)
    np.add.at(
        gain,
        (learner[ahead], sector[ahead]),
        weight[ahead] * absorptive[learner[ahead]] * gap[ahead],
    )
    ceiling = capacity.copy()
    np.maximum.at(ceiling, (learner[ahead], sector[ahead]), capacity[teacher[ahead], sector[ahead]])
    return np.minimum(capacity + gain, ceiling), ceiling
