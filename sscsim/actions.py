"""Cooperation actions: those running (they teach and keep their tie alive each step) and the
log of every action started — the database of SSC actions the documents ask for."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MODALITIES: tuple[str, ...] = ("bilateral", "triangular", "platform")
CHANNELS: tuple[str, ...] = ("direct", "regional_organisation")


@dataclass
class RunningActions:
    """Actions under way, as arrays over actions."""

    provider: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    recipient: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tie_key: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.provider)

    def start(self, **columns: np.ndarray) -> None:
        """Append actions (one array per field, equal lengths)."""
        for name, values in columns.items():
            setattr(self, name, np.concatenate([getattr(self, name), values.astype(np.int64)]))

    def retire(self, step: int) -> np.ndarray:
        """Drop the actions that end at `step`; return a mask of those dropped (before dropping)."""
        ending = self.end <= step
        if ending.any():
            for name in ("provider", "recipient", "sector", "end", "tie_key"):
                setattr(self, name, getattr(self, name)[~ending])
        return ending


@dataclass
class ActionLog:
    """Every action started, stored as arrays per step and turned into a table on demand."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def record(self, **columns: np.ndarray) -> None:
        self.parts.append(columns)

    def __len__(self) -> int:
        return sum(len(part["provider"]) for part in self.parts)

    def column(self, name: str) -> np.ndarray:
        if not self.parts:
            return np.zeros(0)
        return np.concatenate([part[name] for part in self.parts])

    def frame(self, codes: np.ndarray, sectors: list[str], platforms: list[str]) -> pd.DataFrame:
        """The log as a table: actor rows become codes, indices become names."""
        if not self.parts:
            return empty_actions_frame()

        def names(index: np.ndarray, labels: list[str] | np.ndarray) -> pd.Series:
            labels = np.asarray([*labels, ""], dtype=object)
            return pd.Series(labels[np.where(index < 0, len(labels) - 1, index)], dtype="string")

        codes_with_none = np.append(codes, "")
        frame = pd.DataFrame(
            {
                "period": self.column("period").astype(np.int64),
                "year": self.column("year").astype(np.int64),
                "quarter": self.column("quarter").astype(np.int64),
                "provider": pd.Series(codes[self.column("provider")], dtype="string"),
                "recipient": pd.Series(codes[self.column("recipient")], dtype="string"),
                "funder": pd.Series(codes_with_none[self.column("funder")], dtype="string"),
                "platform": names(self.column("platform"), platforms),
                "modality": names(self.column("modality"), MODALITIES),
                "sector": names(self.column("sector"), sectors),
                "cost_usd": self.column("cost").astype(np.float64),
                "duration_quarters": self.column("duration").astype(np.int64),
                "channel": names(self.column("organisation").astype(np.int64), CHANNELS),
                "refundable": self.column("refundable").astype(bool),
                "interregional": self.column("interregional").astype(bool),
            }
        )
        return frame


ACTION_COLUMNS: dict[str, str] = {
    "period": "int64",
    "year": "int64",
    "quarter": "int64",
    "provider": "string",
    "recipient": "string",
    "funder": "string",
    "platform": "string",
    "modality": "string",
    "sector": "string",
    "cost_usd": "float64",
    "duration_quarters": "int64",
    "channel": "string",
    "refundable": "bool",
    "interregional": "bool",
}


def empty_actions_frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in ACTION_COLUMNS.items()})
