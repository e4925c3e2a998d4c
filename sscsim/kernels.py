"""Array kernels of the hot loops: numpy and numba only, nothing of Mesa or Hydra.

Each compiled kernel writes into caller-supplied output arrays and has a plain-numpy reference
of the same rule (`*_reference`); tests check the two agree, and `.py_func` of each kernel is its
pure-Python twin. Compilation happens on first call and is cached on disk (`cache=True`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def diffuse(
    capacity: np.ndarray,
    teacher: np.ndarray,
    learner: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    absorptive: np.ndarray,
    out_capacity: np.ndarray,
    out_ceiling: np.ndarray,
) -> None:
    """One step of knowledge diffusion along learning ties.

    Along each tie the learner's capacity in the tie's sector moves toward the teacher's by
    ``weight * absorptive[learner] * gap``; only a teacher ahead of the learner teaches. Gains from
    several teachers add up but never carry a learner past the best of its teachers.

    Parameters
    ----------
    capacity : float64 (n_actors, n_sectors), values in [0, 1]; read only.
    teacher, learner : int64 (n_ties,), actor rows.
    sector : int64 (n_ties,), column of `capacity` the tie teaches.
    weight : float64 (n_ties,) >= 0, share of the gap closed per step at full absorption
        (learning rate x tie strength x skill-use rate x provider efficiency).
    absorptive : float64 (n_actors,), in [0, 1], the learner's absorptive capacity.
    out_capacity : float64 (n_actors, n_sectors), written: capacity after the step.
    out_ceiling : float64 (n_actors, n_sectors), written: the best capacity among each learner's
        teachers in the step, or its own capacity where none was ahead.
    """
    n_actors, n_sectors = capacity.shape
    for i in range(n_actors):
        for s in range(n_sectors):
            out_capacity[i, s] = 0.0
            out_ceiling[i, s] = capacity[i, s]
    for e in range(teacher.shape[0]):
        t = teacher[e]
        k = learner[e]
        s = sector[e]
        gap = capacity[t, s] - capacity[k, s]
        if gap > 0.0:
            out_capacity[k, s] += weight[e] * absorptive[k] * gap
            if capacity[t, s] > out_ceiling[k, s]:
                out_ceiling[k, s] = capacity[t, s]
    for i in range(n_actors):
        for s in range(n_sectors):
            updated = capacity[i, s] + out_capacity[i, s]
            if updated > out_ceiling[i, s]:
                updated = out_ceiling[i, s]
            out_capacity[i, s] = updated


def diffuse_reference(
    capacity: np.ndarray,
    teacher: np.ndarray,
    learner: np.ndarray,
    sector: np.ndarray,
    weight: np.ndarray,
    absorptive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain-numpy statement of `diffuse`; returns (new capacity, ceiling)."""
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
