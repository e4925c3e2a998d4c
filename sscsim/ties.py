"""The multilayer cooperation network: every tie of every layer as parallel arrays.

A tie is (layer, source, target) between actor rows (Southern countries first, then northern
partners). Bilateral, triangular and ODA ties are directed (provider or funder first); platform
ties are undirected and stored with source < target. Each tie has a strength in (0, 1] that grows
with each joint action and decays without one; below a threshold it dissolves, and the record of
its birth and death is kept, since tie persistence is how sustained cooperation is measured.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd


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


class TieTable:
    """Ties as growable arrays, with a dictionary from (layer, source, target) to a row.

    Dissolved ties keep their row (``alive`` False, ``died`` set); a tie formed again between
    the same actors gets a new row, so each row is one spell of cooperation.
    """

    def __init__(self, n_actors: int, initial_capacity: int = 1024):
        self.n_actors = n_actors
        self.size = 0
        self.layer = np.zeros(initial_capacity, dtype=np.int8)
        self.source = np.zeros(initial_capacity, dtype=np.int64)
        self.target = np.zeros(initial_capacity, dtype=np.int64)
        self.strength = np.zeros(initial_capacity, dtype=np.float64)
        self.born = np.zeros(initial_capacity, dtype=np.int64)
        self.last_action = np.zeros(initial_capacity, dtype=np.int64)
        self.died = np.full(initial_capacity, -1, dtype=np.int64)
        self.alive = np.zeros(initial_capacity, dtype=bool)
        self.actions = np.zeros(initial_capacity, dtype=np.int64)
        self._row: dict[tuple[int, int, int], int] = {}

    def _grow(self) -> None:
        capacity = 2 * len(self.layer)
        for name in ("layer", "source", "target", "strength", "born", "last_action", "actions"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)
        died = np.full(capacity, -1, dtype=np.int64)
        died[: self.size] = self.died[: self.size]
        self.died = died
        alive = np.zeros(capacity, dtype=bool)
        alive[: self.size] = self.alive[: self.size]
        self.alive = alive

    @staticmethod
    def _key(layer: Layer, source: int, target: int) -> tuple[int, int, int]:
        if not DIRECTED[layer] and source > target:
            source, target = target, source
        return int(layer), int(source), int(target)

    def reinforce(
        self,
        layer: Layer,
        source: np.ndarray | list[int],
        target: np.ndarray | list[int],
        step: int,
        amount: float | np.ndarray,
    ) -> np.ndarray:
        """Record a joint action on each (source, target) pair; form missing ties.

        Strength moves toward 1 by ``amount`` of the remaining distance (a new tie starts at
        ``amount``). Returns the rows touched.
        """
        source = np.asarray(source, dtype=np.int64)
        target = np.asarray(target, dtype=np.int64)
        amounts = np.broadcast_to(np.asarray(amount, dtype=np.float64), source.shape)
        rows = np.empty(source.shape[0], dtype=np.int64)
        for k in range(source.shape[0]):
            key = self._key(layer, source[k], target[k])
            row = self._row.get(key)
            if row is None or not self.alive[row]:
                if self.size == len(self.layer):
                    self._grow()
                row = self.size
                self.size += 1
                self._row[key] = row
                self.layer[row], self.source[row], self.target[row] = key
                self.strength[row] = 0.0
                self.born[row] = step
                self.alive[row] = True
            self.strength[row] += amounts[k] * (1.0 - self.strength[row])
            self.last_action[row] = step
            self.actions[row] += 1
            rows[k] = row
        return rows

    def decay(self, step: int, decay_rate: float, threshold: float) -> tuple[int, int]:
        """Weaken ties without a joint action this step; dissolve those below ``threshold``.

        Returns (ties alive before, ties dissolved).
        """
        n = self.size
        alive = self.alive[:n]
        idle = alive & (self.last_action[:n] < step)
        self.strength[:n][idle] *= 1.0 - decay_rate
        dissolving = alive & (self.strength[:n] < threshold)
        self.alive[:n][dissolving] = False
        self.died[:n][dissolving] = step
        return int(alive.sum() + dissolving.sum()), int(dissolving.sum())

    def alive_rows(self, layer: Layer | None = None) -> np.ndarray:
        """Rows of the ties alive now, optionally of one layer."""
        mask = self.alive[: self.size]
        if layer is not None:
            mask = mask & (self.layer[: self.size] == layer)
        return np.flatnonzero(mask)

    def strength_matrix(self, layers: tuple[Layer, ...], n: int) -> np.ndarray:
        """Dense (n, n) symmetric matrix of the strongest alive tie between actors below row n."""
        rows = self.alive_rows()
        rows = rows[np.isin(self.layer[rows], [int(layer) for layer in layers])]
        source, target = self.source[rows], self.target[rows]
        inside = (source < n) & (target < n)
        rows, source, target = rows[inside], source[inside], target[inside]
        matrix = np.zeros((n, n))
        np.maximum.at(matrix, (source, target), self.strength[rows])
        np.maximum.at(matrix, (target, source), self.strength[rows])
        return matrix

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The ties (all spells, or the given rows) as a table."""
        if rows is None:
            rows = np.arange(self.size)
        return pd.DataFrame(
            {
                "layer": pd.Categorical.from_codes(
                    self.layer[rows].astype(np.int64), categories=list(LAYER_NAMES.values())
                ),
                "source": self.source[rows],
                "target": self.target[rows],
                "strength": self.strength[rows],
                "born": self.born[rows],
                "last_action": self.last_action[rows],
                "actions": self.actions[rows],
                "alive": self.alive[rows],
                "died": self.died[rows],
            }
        )
