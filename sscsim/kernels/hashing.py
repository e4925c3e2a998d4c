"""An open-addressing hash table from non-negative int64 keys to int64 rows, in two arrays.

`keys` holds -1 in empty slots; the table's size is a power of two, kept at most half full by the
caller (`ties.TieTable`), and probed linearly. The hash is a modulus by a prime below 2**31, so the
compiled kernels and their pure-Python twins agree without overflow.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = -1
PRIME = 2_147_483_629


def empty_table(slots: int) -> tuple[np.ndarray, np.ndarray]:
    """A table of `slots` slots (rounded up to a power of two)."""
    size = 1 << max(4, int(np.ceil(np.log2(max(slots, 16)))))
    return np.full(size, EMPTY, dtype=np.int64), np.zeros(size, dtype=np.int64)


@njit(cache=True)
def slot_of(keys: np.ndarray, key: int) -> int:
    """The slot holding `key`, or the empty slot where it would go."""
    mask = keys.shape[0] - 1
    slot = (key % PRIME) & mask
    while keys[slot] != EMPTY and keys[slot] != key:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def find(keys: np.ndarray, rows: np.ndarray, key: int) -> int:
    """The row stored for `key`, or -1."""
    slot = slot_of(keys, key)
    return rows[slot] if keys[slot] == key else -1


@njit(cache=True)
def find_many(keys: np.ndarray, rows: np.ndarray, queries: np.ndarray, out: np.ndarray) -> None:
    """`out[k]` = the row of `queries[k]`, or -1 where absent."""
    for k in range(queries.shape[0]):
        out[k] = find(keys, rows, queries[k])


@njit(cache=True)
def store(keys: np.ndarray, rows: np.ndarray, key: int, row: int) -> None:
    """Map `key` to `row` (inserting or overwriting)."""
    slot = slot_of(keys, key)
    keys[slot] = key
    rows[slot] = row


@njit(cache=True)
def build(keys: np.ndarray, rows: np.ndarray, entries: np.ndarray) -> None:
    """Fill an empty table with `entries[row]` -> row for every row."""
    for row in range(entries.shape[0]):
        store(keys, rows, entries[row], row)
