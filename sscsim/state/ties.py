"""The multilayer cooperation network: every alive tie of every layer as parallel arrays.

A tie is (layer, source, target) between actor rows (Southern countries first, then northern
partners), encoded as one int64 key and found through a hash table (`sscsim.kernels.hashing`), so
that forming, strengthening and looking up ties costs the same at ten ties as at ten million.
Bilateral, triangular and ODA ties are directed (provider or funder first); platform ties are
undirected and stored with source < target. Each tie has a strength in (0, 1] that grows with each
joint action and decays without one; below a threshold it dissolves. Dissolved ties are dropped
from the arrays when they outnumber the alive ones (a tie formed again later is a new spell).

Memory: 41 bytes a tie row in the arrays, plus the hash table (16 bytes a slot, at least two
slots a row, rounded up to a power of two): 73 to about 105 bytes a tie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

import numpy as np
import pandas as pd

from sscsim.kernels import hashing
from sscsim.kernels import ties as tie_kernels


class Layer(IntEnum):
    """The four layers of the network."""

    BILATERAL = 0
    TRIANGULAR = 1
    PLATFORM = 2
    ODA = 3


LAYER_NAMES: dict[int, str] = {layer.value: layer.name.lower() for layer in Layer}
DIRECTED: dict[Layer, bool] = {
    Layer.BILATERAL: True,
    Layer.TRIANGULAR: True,
    Layer.PLATFORM: False,
    Layer.ODA: True,
}
_ARRAYS: dict[str, type] = {
    "key": np.int64,
    "strength": np.float64,
    "born": np.int64,
    "last_action": np.int64,
    "actions": np.int64,
    "alive": np.bool_,
}


class TieTable:
    """Ties as growable arrays (rows) with a hash table from tie key to row."""

    # The row arrays of `_ARRAYS`, set by name in `__init__` and `reserve`.
    key: np.ndarray
    strength: np.ndarray
    born: np.ndarray
    last_action: np.ndarray
    actions: np.ndarray
    alive: np.ndarray

    def __init__(self, n_actors: int, initial_capacity: int = 1024):
        self.n_actors = int(n_actors)
        self.size = 0
        for name, dtype in _ARRAYS.items():
            setattr(self, name, np.zeros(initial_capacity, dtype=dtype))
        self.table_keys, self.table_rows = hashing.empty_table(2 * initial_capacity)
        self.dissolved_keys = np.zeros(0, dtype=np.int64)

    # --- keys ------------------------------------------------------------------------------
    def encode(
        self,
        layer: Layer | np.ndarray,
        source: np.ndarray | list[int],
        target: np.ndarray | list[int],
    ) -> np.ndarray:
        """Tie keys of (layer, source, target); undirected layers are normalised."""
        layer = np.asarray(layer, dtype=np.int64)
        source = np.asarray(source, dtype=np.int64)
        target = np.asarray(target, dtype=np.int64)
        undirected = layer == Layer.PLATFORM
        low, high = np.minimum(source, target), np.maximum(source, target)
        source = np.where(undirected, low, source)
        target = np.where(undirected, high, target)
        n = self.n_actors
        return (layer * n + source) * n + target

    def decode(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(layer, source, target) of tie keys."""
        n = self.n_actors
        target = keys % n
        rest = keys // n
        return rest // n, rest % n, target

    # --- capacity ------------------------------------------------------------------------------
    def reserve(self, extra: int) -> None:
        """Make room for `extra` more rows, and keep the hash table at most half full."""
        needed = self.size + extra
        if needed > len(self.key):
            capacity = max(needed, 2 * len(self.key))
            for name in _ARRAYS:
                old = getattr(self, name)
                new = np.zeros(capacity, dtype=old.dtype)
                new[: self.size] = old[: self.size]
                setattr(self, name, new)
        if 2 * needed > len(self.table_keys):
            self._rebuild_hash(2 * needed)

    def _rebuild_hash(self, slots: int) -> None:
        self.table_keys, self.table_rows = hashing.empty_table(max(slots, 2 * self.size))
        hashing.build(self.table_keys, self.table_rows, self.key[: self.size])

    # --- dynamics ------------------------------------------------------------------------------
    def reinforce(
        self,
        layer: Layer,
        source: np.ndarray | list[int],
        target: np.ndarray | list[int],
        step: int,
        amount: float | np.ndarray,
    ) -> np.ndarray:
        """Record a joint action on each (source, target) pair, in order; form missing ties.

        Strength moves toward 1 by `amount` of the remaining distance (a new tie starts at
        `amount`). Returns the rows touched.
        """
        return self.reinforce_keys(self.encode(layer, source, target), step, amount)

    def reinforce_keys(self, keys: np.ndarray, step: int, amount: float | np.ndarray) -> np.ndarray:
        """`reinforce` for tie keys."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        amounts = np.ascontiguousarray(np.broadcast_to(amount, keys.shape), dtype=np.float64)
        self.reserve(len(keys))
        rows = np.empty(len(keys), dtype=np.int64)
        self.size = tie_kernels.reinforce(
            keys,
            amounts,
            step,
            self.table_keys,
            self.table_rows,
            self.size,
            self.key,
            self.strength,
            self.born,
            self.last_action,
            self.actions,
            self.alive,
            rows,
        )
        return rows

    def decay(self, step: int, decay_rate: float, threshold: float) -> tuple[int, int]:
        """Weaken ties without a joint action this step; dissolve those below `threshold`.

        Returns (ties alive before, ties dissolved); the keys of the dissolved ties are kept in
        `dissolved_keys` until the next decay.
        """
        n = self.size
        alive = self.alive[:n]
        before = int(alive.sum())
        idle = alive & (self.last_action[:n] < step)
        self.strength[:n][idle] *= 1.0 - decay_rate
        dissolving = alive & (self.strength[:n] < threshold)
        self.alive[:n][dissolving] = False
        self.dissolved_keys = self.key[:n][dissolving]
        dissolved = len(self.dissolved_keys)
        if n - (before - dissolved) > max(before - dissolved, 1024):
            self.compact()
        return before, dissolved

    def compact(self) -> None:
        """Drop dissolved ties and rebuild the hash table (rows change)."""
        keep = np.flatnonzero(self.alive[: self.size])
        for name in _ARRAYS:
            array = getattr(self, name)
            array[: len(keep)] = array[keep]
        self.size = len(keep)
        self._rebuild_hash(2 * max(self.size, len(self.key) // 2))

    # --- views ------------------------------------------------------------------------------
    def strength_of(self, keys: np.ndarray) -> np.ndarray:
        """Strength of the alive tie of each key, 0 where there is none."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        out = np.empty(len(keys))
        tie_kernels.strengths(
            keys, self.table_keys, self.table_rows, self.strength, self.alive, out
        )
        return out

    def alive_rows(self, layer: Layer | None = None) -> np.ndarray:
        """Rows of the ties alive now, optionally of one layer."""
        rows = np.flatnonzero(self.alive[: self.size])
        if layer is not None:
            rows = rows[self.decode(self.key[rows])[0] == layer]
        return rows

    def endpoints(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(layer, source, target) of the given rows."""
        return self.decode(self.key[rows])

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The ties (all alive, or the given rows) as a table of actor rows."""
        if rows is None:
            rows = self.alive_rows()
        layer, source, target = self.endpoints(rows)
        return pd.DataFrame(
            {
                "layer": pd.Categorical.from_codes(layer, categories=list(LAYER_NAMES.values())),
                "source": source,
                "target": target,
                "strength": self.strength[rows],
                "born": self.born[rows],
                "last_action": self.last_action[rows],
                "actions": self.actions[rows],
            }
        )


class AliveTies(NamedTuple):
    """The ties alive after a step's decay, as parallel arrays over ties."""

    rows: np.ndarray  # int64: rows of the tie table
    layer: np.ndarray  # int64: a Layer
    source: np.ndarray  # int64: actor row
    target: np.ndarray  # int64: actor row


@dataclass
class Network:
    """The multilayer network: the tie table, standing partnership agreements, and the alive
    ties and degrees as of the last refresh (once a step, after the decay)."""

    ties: TieTable
    agreement_keys: np.ndarray  # int64 hash table of agreements, keyed low x n_actors + high
    agreement_rows: np.ndarray
    alive: AliveTies = field(init=False)
    degree: np.ndarray = field(init=False)  # int64 (n_actors,): alive ties of each actor

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Take the alive ties and each actor's degree from the table."""
        rows = self.ties.alive_rows()
        layer, source, target = self.ties.endpoints(rows)
        self.alive = AliveTies(rows, layer, source, target)
        n = self.ties.n_actors
        self.degree = np.bincount(source, minlength=n) + np.bincount(target, minlength=n)


def agreement_table(pairs: list[tuple[int, int]], n_actors: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash table (keys, rows) of standing agreements between actor rows, keyed
    low x n_actors + high."""
    keys = [min(a, b) * n_actors + max(a, b) for a, b in pairs]
    table_keys, table_rows = hashing.empty_table(2 * len(keys) + 16)
    hashing.build(table_keys, table_rows, np.asarray(keys, dtype=np.int64))
    return table_keys, table_rows
