"""Golden regression: digests of every output table of a fixed set of runs.

A change to what the model computes shows up as a changed digest, named by table and column.
The digests are regenerated only on purpose (`python scripts/regenerate_golden.py`), with the
reason in the CHANGELOG; `tests/test_golden.py` compares the current code against them.

Each column is digested twice:
- exactly: SHA-256 of its values in a canonical form (integers as int64, floats as float64
  bytes, text joined by a separator); equal digests mean equal columns to the bit.
- for floating-point columns, also by statistics (count, NaNs, sum, a position-weighted sum,
  sum of squares, min, max). Where a processor or a library rounds a sum differently the exact
  digest differs; the column still passes if every statistic agrees within `RELATIVE_TOLERANCE`
  (relative, with `ABSOLUTE_TOLERANCE` as a floor near zero). A position-weighted sum catches
  values that moved between rows, which a plain sum would not.
The summary's numeric figures (provenance and wall time aside) are compared with the same tolerance.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Case:
    """One golden run: a scenario preset, a seed, and a horizon (None: the full 2025-2040)."""

    scenario: str
    seed: int
    steps: int | None
    world: str = "real"
    extra: tuple[str, ...] = ()  # further Hydra overrides

    @property
    def name(self) -> str:
        horizon = "full" if self.steps is None else f"{self.steps}q"
        return f"{self.world}_{self.scenario}_seed{self.seed}_{horizon}"

    def overrides(self) -> list[str]:
        """Hydra overrides composing this case from the shipped configs."""
        items = [f"world={self.world}", f"scenario={self.scenario}", f"seed={self.seed}"]
        if self.steps is not None:
            items.append(f"steps={self.steps}")
        return [*items, "output.figures=false", *self.extra]


SCENARIOS: tuple[str, ...] = (
    "baseline",
    "oda_cut",
    "no_champions",
    "strong_fealac_fund",
    "vulnerability_criterion",
    "professionalised_agencies",
)
CASES: tuple[Case, ...] = (
    *(
        Case(scenario, seed, steps)
        for scenario in SCENARIOS
        for seed in (1, 42)
        for steps in (8, None)
    ),
    # A small synthetic world: initial random ties, sampled candidates, no partnership table.
    Case("baseline", 3, 6, world="synthetic", extra=("world.synthetic_actors=1500",)),
)


def _canonical_bytes(values: pd.Series) -> bytes:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=np.uint8).tobytes()
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy(dtype=np.int64).tobytes()
    if pd.api.types.is_float_dtype(values.dtype):
        array = values.to_numpy(dtype=np.float64).copy()
        array[np.isnan(array)] = np.nan  # one NaN pattern
        return array.tobytes()
    text = ["\x00<NA>" if pd.isna(v) else str(v) for v in values.tolist()]
    return "\x1f".join(text).encode("utf-8")


def float_statistics(values: pd.Series) -> dict[str, float]:
    """Order-sensitive statistics of a float column, comparable within a tolerance."""
    array = values.to_numpy(dtype=np.float64)
    finite = np.where(np.isfinite(array), array, 0.0)
    n = len(array)
    position = (np.arange(n) + 1.0) / max(n, 1)
    return {
        "nan": float(np.isnan(array).sum()),
        "sum": float(finite.sum()),
        "weighted_sum": float((finite * position).sum()),
        "sum_of_squares": float((finite * finite).sum()),
        "min": float(np.min(finite)) if n else 0.0,
        "max": float(np.max(finite)) if n else 0.0,
    }


def table_digest(frame: pd.DataFrame) -> dict[str, Any]:
    """Rows, and per column: dtype, SHA-256 of the values, and float statistics."""
    columns: dict[str, Any] = {}
    for name in frame.columns:
        values = frame[name]
        entry: dict[str, Any] = {
            "dtype": str(values.dtype),
            "sha256": hashlib.sha256(_canonical_bytes(values)).hexdigest(),
        }
        if pd.api.types.is_float_dtype(values.dtype):
            entry["statistics"] = float_statistics(values)
        columns[str(name)] = entry
    return {"rows": len(frame), "columns": columns}


def summary_figures(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The summary's leaves by dotted key, without the run's provenance (times, versions)."""
    figures: dict[str, Any] = {}
    for key, value in summary.items():
        path = f"{prefix}{key}"
        if path == "run":
            continue
        if isinstance(value, dict):
            figures |= summary_figures(value, prefix=f"{path}.")
        elif isinstance(value, list):
            figures[path] = [str(v) for v in value]
        else:
            figures[path] = value
    return figures


def digest_run(tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> dict[str, Any]:
    """The golden record of one run: every table's digest and the summary's figures."""
    return {
        "tables": {name: table_digest(frame) for name, frame in tables.items()},
        "summary": summary_figures(summary),
    }


def _close(expected: float, actual: float) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    return math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> Iterator[str]:
    """Each difference between two golden records, naming the table and column (or figure)."""
    for table, want in expected["tables"].items():
        got = actual["tables"].get(table)
        if got is None:
            yield f"table {table}: missing"
            continue
        if got["rows"] != want["rows"]:
            yield f"table {table}: {got['rows']} rows, expected {want['rows']}"
        for column in sorted(set(want["columns"]) | set(got["columns"])):
            was, now = want["columns"].get(column), got["columns"].get(column)
            where = f"table {table}, column {column}"
            if was is None:
                yield f"{where}: new column"
            elif now is None:
                yield f"{where}: column missing"
            elif was["dtype"] != now["dtype"]:
                yield f"{where}: dtype {now['dtype']}, expected {was['dtype']}"
            elif was["sha256"] != now["sha256"]:
                if "statistics" not in was:
                    yield f"{where}: values changed"
                    continue
                for statistic, value in was["statistics"].items():
                    if not _close(value, now["statistics"][statistic]):
                        yield (
                            f"{where}: {statistic} {now['statistics'][statistic]!r},"
                            f" expected {value!r}"
                        )
    for table in set(actual["tables"]) - set(expected["tables"]):
        yield f"table {table}: new table"
    for key in sorted(set(expected["summary"]) | set(actual["summary"])):
        if key not in actual["summary"] or key not in expected["summary"]:
            yield f"summary {key}: present in only one of the records"
            continue
        want, got = expected["summary"][key], actual["summary"][key]
        numbers = (int, float)
        if isinstance(want, numbers) and isinstance(got, numbers) and not isinstance(want, bool):
            if not _close(float(want), float(got)):
                yield f"summary {key}: {got!r}, expected {want!r}"
        elif want != got:
            yield f"summary {key}: {got!r}, expected {want!r}"


def digest_case(case: Case) -> dict[str, Any]:
    """Run a golden case from the shipped configs and return its golden record."""
    from sscsim.cli import compose_config
    from sscsim.model import SSCModel
    from sscsim.results import run_tables

    model = SSCModel(config=compose_config(case.overrides())).run()
    return digest_run(run_tables(model), model.summary())
