"""Ledgers: the actions running (they teach and keep their tie alive each step), the log of
every action started (the database of SSC actions the documents ask for), the log of platform
events, refundable cooperation being repaid, and the tie snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sscsim.state.modalities import NAME_OF_CODE

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

        def names(index: np.ndarray, labels: Sequence[str] | np.ndarray) -> pd.Series:
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
                "modality": names(self.column("modality"), NAME_OF_CODE),
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


@dataclass
class Repayments:
    """Refundable cooperation still being repaid: one entry per refundable action (arrays)."""

    debtor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    creditor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    instalment: np.ndarray = field(default_factory=lambda: np.zeros(0))
    remaining: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, debtor: int, creditor: int, amount: float, instalments: int) -> None:
        """A loan of `amount` USD repaid in `instalments` equal parts, one a step."""
        self.add_many(np.array([debtor]), np.array([creditor]), np.array([amount]), instalments)

    def add_many(
        self, debtor: np.ndarray, creditor: np.ndarray, amount: np.ndarray, instalments: int
    ) -> None:
        """`add` for arrays of loans."""
        self.debtor = np.concatenate([self.debtor, np.asarray(debtor, dtype=np.int64)])
        self.creditor = np.concatenate([self.creditor, np.asarray(creditor, dtype=np.int64)])
        self.instalment = np.concatenate(
            [self.instalment, np.asarray(amount, dtype=np.float64) / instalments]
        )
        self.remaining = np.concatenate(
            [self.remaining, np.full(len(debtor), instalments, dtype=np.int64)]
        )

    def collect(self, n_countries: int) -> np.ndarray:
        """Pay this step's instalments; return what each creditor receives (USD, n_countries).

        Repayments come from the debtor's treasury, not its SSC fund, and flow back into the
        creditor's SSC fund.
        """
        received = np.bincount(self.creditor, weights=self.instalment, minlength=n_countries)
        self.remaining = self.remaining - 1
        keep = self.remaining > 0
        self.debtor, self.creditor = self.debtor[keep], self.creditor[keep]
        self.instalment, self.remaining = self.instalment[keep], self.remaining[keep]
        return received.astype(np.float64)

    @property
    def outstanding(self) -> float:
        return float(np.dot(self.instalment, self.remaining))


EVENT_COLUMNS: dict[str, str] = {
    "period": "int64",
    "year": "int64",
    "quarter": "int64",
    "platform": "string",
    "host": "string",
    "coordinator": "string",
    "participants": "int64",
    "interregional_pairs": "int64",
    "sector": "string",
    "cost_usd": "float64",
}


@dataclass
class EventLog:
    """Every platform event held: one record a row (see `EVENT_COLUMNS`)."""

    records: list[dict[str, Any]] = field(default_factory=list)

    def record(self, **row: Any) -> None:
        self.records.append(row)

    def __len__(self) -> int:
        return len(self.records)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self.records, columns=list(EVENT_COLUMNS))
        return frame.astype(EVENT_COLUMNS)


@dataclass
class Ledgers:
    """What a run accumulates: running actions, the action and event logs, repayments due and
    the tie snapshots (frames of actor rows, see `TieTable.frame`)."""

    running: RunningActions = field(default_factory=RunningActions)
    actions: ActionLog = field(default_factory=ActionLog)
    events: EventLog = field(default_factory=EventLog)
    repayments: Repayments = field(default_factory=Repayments)
    tie_snapshots: list[pd.DataFrame] = field(default_factory=list)
    # Actions started in the run so far, by modality code.
    modality_totals: np.ndarray = field(
        default_factory=lambda: np.zeros(len(NAME_OF_CODE), dtype=np.int64)
    )
