"""Reinforcement of ties through the hash table of `sscsim.kernels.hashing`."""

from __future__ import annotations

import numpy as np
from numba import njit

from sscsim.kernels.hashing import find, store


@njit(cache=True)
def reinforce(
    query: np.ndarray,
    amount: np.ndarray,
    step: int,
    table_keys: np.ndarray,
    table_rows: np.ndarray,
    size: int,
    key: np.ndarray,
    strength: np.ndarray,
    born: np.ndarray,
    last_action: np.ndarray,
    actions: np.ndarray,
    alive: np.ndarray,
    out_rows: np.ndarray,
) -> int:
    """Record one joint action per query key, in order; form ties that are missing or dissolved.

    A tie's strength moves toward 1 by `amount` of the remaining distance (a new tie starts at
    `amount`). Arrays of the tie table must have room for `size + len(query)` rows and the hash
    table must stay at most half full (the caller grows both). Returns the new size.

    query : int64 (m,) tie keys; amount : float64 (m,) in [0, 1]; out_rows : int64 (m,), written.
    """
    for k in range(query.shape[0]):
        row = find(table_keys, table_rows, query[k])
        if row < 0 or not alive[row]:
            row = size
            size += 1
            key[row] = query[k]
            strength[row] = 0.0
            born[row] = step
            actions[row] = 0
            alive[row] = True
            store(table_keys, table_rows, query[k], row)
        strength[row] += amount[k] * (1.0 - strength[row])
        last_action[row] = step
        actions[row] += 1
        out_rows[k] = row
    return size


@njit(cache=True)
def strengths(
    query: np.ndarray,
    table_keys: np.ndarray,
    table_rows: np.ndarray,
    strength: np.ndarray,
    alive: np.ndarray,
    out: np.ndarray,
) -> None:
    """`out[k]` = the strength of the alive tie `query[k]`, or 0 where there is none."""
    for k in range(query.shape[0]):
        row = find(table_keys, table_rows, query[k])
        out[k] = strength[row] if row >= 0 and alive[row] else 0.0
