"""A counter-based random generator for kernels that draw as they go (splitmix64).

Kernels receive their generator as a one-element uint64 state array seeded from the model's
`numpy.random.Generator`, so every draw still flows from the model's seed, no global state is
touched, and the compiled kernel and its pure-Python twin (`.py_func`, run with numpy uint64
scalars, under `np.errstate(over="ignore")`) draw the same numbers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
SHIFT_30 = np.uint64(30)
SHIFT_27 = np.uint64(27)
SHIFT_31 = np.uint64(31)
SHIFT_11 = np.uint64(11)
TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0


def new_state(rng: np.random.Generator) -> np.ndarray:
    """A fresh kernel generator state drawn from the model's generator."""
    return rng.integers(0, 2**63, size=1, dtype=np.int64).astype(np.uint64)


@njit(cache=True)
def uniform(state: np.ndarray) -> float:
    """Next float in [0, 1); advances `state` (uint64, shape (1,))."""
    z = state[0] + GOLDEN
    state[0] = z
    z = (z ^ (z >> SHIFT_30)) * MIX_1
    z = (z ^ (z >> SHIFT_27)) * MIX_2
    z = z ^ (z >> SHIFT_31)
    return float(z >> SHIFT_11) * TWO_TO_MINUS_53


@njit(cache=True)
def below(state: np.ndarray, n: int) -> int:
    """Next integer in [0, n), n >= 1."""
    k = int(uniform(state) * n)
    return k if k < n else n - 1
