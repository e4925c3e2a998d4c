"""World tables: the economies and their platform memberships.

Loads and validates the packaged tables ``sscsim/data/countries.csv`` and
``sscsim/data/memberships.csv`` (built by ``scripts/build_world_tables.py``;
sources and rules in ``sscsim/data/SOURCES.md``) or user-supplied tables of the
same shape. Every validation failure raises :class:`WorldDataError` naming the
file, the data row (counted from 1) and its CSV line, the column and the value.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "BOOL_COLUMNS",
    "COUNTRY_COLUMNS",
    "DEFAULT_COUNTRIES",
    "DEFAULT_MEMBERSHIPS",
    "INCOME_GROUPS",
    "MEMBERSHIP_COLUMNS",
    "MEMBERSHIP_ROLES",
    "REGIONS",
    "WorldDataError",
    "WorldTables",
    "load_countries",
    "load_memberships",
    "load_world",
]

DEFAULT_COUNTRIES: Traversable = files("sscsim") / "data" / "countries.csv"
DEFAULT_MEMBERSHIPS: Traversable = files("sscsim") / "data" / "memberships.csv"

REGIONS: tuple[str, ...] = (
    "asia_pacific",
    "lac",
    "africa",
    "middle_east",
    "europe_central_asia",
    "north_america",
)
INCOME_GROUPS: tuple[str, ...] = ("L", "LM", "UM", "H")
MEMBERSHIP_ROLES: tuple[str, ...] = (
    "member",
    "associate",
    "initiator",
    "co_chair",
    "host",
    "coordinator",
)

COUNTRY_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name",
    "region",
    "wb_region",
    "income_group",
    "sids",
    "ldc",
    "gdp_usd",
    "gdp_year",
    "population",
    "population_year",
    "dac_member",
    "oda_gni_pct",
    "oda_gni_year",
    "oda_gni_source",
    "southern",
)
MEMBERSHIP_COLUMNS: tuple[str, ...] = ("iso3", "platform", "role")

STR_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name",
    "region",
    "wb_region",
    "income_group",
    "oda_gni_source",
)
BOOL_COLUMNS: tuple[str, ...] = ("sids", "ldc", "dac_member", "southern")
FLOAT_COLUMNS: tuple[str, ...] = ("gdp_usd", "population", "oda_gni_pct")
YEAR_COLUMNS: tuple[str, ...] = ("gdp_year", "population_year", "oda_gni_year")
ODA_COLUMNS: tuple[str, ...] = ("oda_gni_pct", "oda_gni_year", "oda_gni_source")
ODA_GNI_PCT_RANGE: tuple[float, float] = (0.0, 5.0)

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_ISO3 = re.compile(r"[A-Z]{3}")
_PLATFORM = re.compile(r"[A-Z0-9][A-Z0-9_-]*")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")

PathLike = str | Path | Traversable


class WorldDataError(ValueError):
    """A world table is missing, unreadable or holds an invalid value."""


# ---------------------------------------------------------------------------
# Reading and locating
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Table:
    """A CSV file read as stripped strings, with the line of each data row."""

    name: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def ref(self, i: int) -> str:
        """``row N (line L)`` for data row index ``i`` (counted from 0)."""
        return f"row {i + 1} (line {self.lines[i]})"

    def where(self, i: int, column: str | None = None) -> str:
        """``<path> row N (line L), column 'c'`` for data row index ``i``."""
        text = f"{self.name} {self.ref(i)}"
        return text if column is None else f"{text}, column {column!r}"


def _as_path(path: PathLike | None, default: Traversable) -> Path | Traversable:
    if path is None:
        return default
    if isinstance(path, str):
        return Path(path)
    return path


def _read_csv(path: Path | Traversable, required: tuple[str, ...]) -> _Table:
    """Read ``path`` as a UTF-8 CSV; check the header holds ``required``."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise WorldDataError(f"{name}: cannot read the file ({reason})") from exc
    if not raw.strip():
        raise WorldDataError(f"{name}: the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorldDataError(
            f"{name}: not a UTF-8 CSV text file (undecodable byte at offset {exc.start})"
        ) from exc
    if "\x00" in text:
        raise WorldDataError(f"{name}: not a CSV text file (it contains NUL bytes)")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    last_line = 0
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue  # blank line
            cells = [cell.strip() for cell in record]
            if header is None:
                header = cells
                continue
            rows.append(cells)
            lines.append(start)
    except csv.Error as exc:
        raise WorldDataError(f"{name} line {reader.line_num}: not valid CSV ({exc})") from exc
    if header is None:
        raise WorldDataError(f"{name}: the file is empty")

    seen: set[str] = set()
    for col in header:
        if col in seen:
            raise WorldDataError(f"{name}: column {col!r} appears twice in the header")
        seen.add(col)
    missing = [col for col in required if col not in seen]
    if missing:
        raise WorldDataError(
            f"{name}: missing required column(s) {', '.join(repr(c) for c in missing)}"
            f" (header: {', '.join(header)})"
        )
    table = _Table(name, header, rows, lines)
    for i, cells in enumerate(rows):
        if len(cells) != len(header):
            raise WorldDataError(
                f"{table.where(i)}: {len(cells)} fields, but the header has {len(header)}"
            )
    return table


# ---------------------------------------------------------------------------
# Cell parsers: each returns the parsed value or raises ValueError(reason)
# ---------------------------------------------------------------------------
def _parse_bool(value: str) -> bool:
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("is not a boolean (true/false, True/False or 1/0)")


def _parse_nonneg(value: str) -> float:
    if value == "":
        return math.nan
    if not _NUMBER.fullmatch(value):
        raise ValueError("is not a number (or empty)")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    if number < 0:
        raise ValueError("is negative; it must be >= 0 or empty")
    return number


def _parse_year(value: str) -> int | None:
    if value == "":
        return None
    if not _INTEGER.fullmatch(value):
        raise ValueError("is not an integer year (or empty)")
    return int(value)


def _parse_pct(value: str) -> float:
    if value == "":
        return math.nan
    if not _NUMBER.fullmatch(value):
        raise ValueError("is not a number (or empty)")
    number = float(value)
    low, high = ODA_GNI_PCT_RANGE
    if not low <= number <= high:
        raise ValueError(f"is outside [{low:g}, {high:g}]")
    return number


def _one_of(allowed: Iterable[str], *, empty: bool = False) -> Callable[[str], str]:
    allowed = tuple(allowed)
    text = ", ".join(allowed) + (" or empty" if empty else "")

    def check(value: str) -> str:
        if value in allowed or (empty and value == ""):
            return value
        raise ValueError(f"is not one of {text}")

    return check


def _iso3(value: str) -> str:
    if not _ISO3.fullmatch(value):
        raise ValueError("is not an ISO3 code (3 uppercase letters)")
    return value


def _non_empty(value: str) -> str:
    if value == "":
        raise ValueError("is empty")
    return value


def _platform(value: str) -> str:
    if not _PLATFORM.fullmatch(value):
        raise ValueError("is not a platform code (uppercase letters, digits, '_' or '-')")
    return value


def _parse_column(table: _Table, column: str, parser: Callable[[str], object]) -> list[object]:
    j = table.header.index(column)
    out: list[object] = []
    for i, cells in enumerate(table.rows):
        value = cells[j]
        try:
            out.append(parser(value))
        except ValueError as exc:
            raise WorldDataError(f"{table.where(i, column)}: {value!r} {exc}") from None
    return out


def _check_unique(table: _Table, key: tuple[str, ...]) -> None:
    idx = [table.header.index(c) for c in key]
    first: dict[tuple[str, ...], int] = {}
    for i, cells in enumerate(table.rows):
        k = tuple(cells[j] for j in idx)
        if k in first:
            what = repr(k[0]) + "".join(
                f" in {c} {v!r}" for c, v in zip(key[1:], k[1:], strict=True)
            )
            raise WorldDataError(
                f"{table.where(i, key[0])}: {what} duplicates {table.ref(first[k])}"
            )
        first[k] = i


def _str_series(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype=str)


# ---------------------------------------------------------------------------
# Public loaders
# ---------------------------------------------------------------------------
def load_countries(path: str | Path | Traversable | None = None) -> pd.DataFrame:
    """Load and validate a countries table.

    Parameters
    ----------
    path
        CSV file; ``None`` for the packaged ``sscsim/data/countries.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per economy sorted by ``iso3`` with a ``RangeIndex`` and the
        columns of :data:`COUNTRY_COLUMNS` (extra columns follow, as strings).
        Text columns are ``str`` (missing = ``""``), booleans ``bool``,
        ``gdp_usd``/``population``/``oda_gni_pct`` ``float64`` (missing = NaN),
        years nullable ``Int64``.

    Raises
    ------
    WorldDataError
        If the file is unreadable, empty, lacks a column or holds a bad value.
    """
    table = _read_csv(_as_path(path, DEFAULT_COUNTRIES), COUNTRY_COLUMNS)
    if not table.rows:
        raise WorldDataError(f"{table.name}: the table has a header but no data rows")

    parsers: dict[str, Callable[[str], object]] = {
        "iso3": _iso3,
        "name": _non_empty,
        "region": _one_of(REGIONS),
        "wb_region": str,
        "income_group": _one_of(INCOME_GROUPS, empty=True),
        "oda_gni_source": str,
        "oda_gni_pct": _parse_pct,
        "gdp_usd": _parse_nonneg,
        "population": _parse_nonneg,
    }
    parsers.update(dict.fromkeys(BOOL_COLUMNS, _parse_bool))
    parsers.update(dict.fromkeys(YEAR_COLUMNS, _parse_year))
    values = {col: _parse_column(table, col, parsers[col]) for col in COUNTRY_COLUMNS}
    _check_unique(table, ("iso3",))
    _check_countries_rows(table, values)

    data: dict[str, object] = {}
    for col in COUNTRY_COLUMNS:
        if col in BOOL_COLUMNS:
            data[col] = np.array(values[col], dtype=bool)
        elif col in FLOAT_COLUMNS:
            data[col] = np.array(values[col], dtype=np.float64)
        elif col in YEAR_COLUMNS:
            data[col] = pd.array(values[col], dtype="Int64")
        else:
            data[col] = _str_series(values[col])
    for col in table.header:
        if col not in data:
            j = table.header.index(col)
            data[col] = _str_series([cells[j] for cells in table.rows])
    df = pd.DataFrame(data)
    return df.sort_values("iso3", kind="stable", ignore_index=True)


def _check_countries_rows(table: _Table, values: dict[str, list[object]]) -> None:
    """Cross-column rules: ODA fields for DAC members only; value-year pairs."""
    raw = {col: table.header.index(col) for col in COUNTRY_COLUMNS}
    for i, cells in enumerate(table.rows):
        dac = values["dac_member"][i]
        for col in ODA_COLUMNS:
            value = cells[raw[col]]
            if dac and col == "oda_gni_pct" and value == "":
                raise WorldDataError(
                    f"{table.where(i, col)}: {value!r} is empty, but dac_member is true "
                    "(every DAC member needs an ODA/GNI ratio)"
                )
            if not dac and value != "":
                raise WorldDataError(
                    f"{table.where(i, col)}: {value!r} must be empty when dac_member is false"
                )
        for amount, year in (
            ("gdp_usd", "gdp_year"),
            ("population", "population_year"),
            ("oda_gni_pct", "oda_gni_year"),
        ):
            has_amount = cells[raw[amount]] != ""
            has_year = cells[raw[year]] != ""
            if has_amount and not has_year:
                raise WorldDataError(f"{table.where(i, year)}: '' is empty, but {amount} is given")
            if has_year and not has_amount:
                raise WorldDataError(
                    f"{table.where(i, year)}: {cells[raw[year]]!r} is given, but {amount} is empty"
                )


def load_memberships(
    path: str | Path | Traversable | None = None,
    countries: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Load and validate a platform-membership table.

    Parameters
    ----------
    path
        CSV file; ``None`` for the packaged ``sscsim/data/memberships.csv``.
    countries
        If given, every ``iso3`` must be one of ``countries["iso3"]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, platform, role`` (``str``), sorted by platform then
        iso3, with a ``RangeIndex``. A header-only file gives an empty frame.

    Raises
    ------
    WorldDataError
        On an unreadable or empty file, a missing column, a bad code or role,
        a duplicate ``(iso3, platform)`` or an iso3 unknown to ``countries``.
    """
    table = _read_csv(_as_path(path, DEFAULT_MEMBERSHIPS), MEMBERSHIP_COLUMNS)
    values = {
        "iso3": _parse_column(table, "iso3", _iso3),
        "platform": _parse_column(table, "platform", _platform),
        "role": _parse_column(table, "role", _one_of(MEMBERSHIP_ROLES)),
    }
    _check_unique(table, ("iso3", "platform"))
    if countries is not None:
        known = set(countries["iso3"].astype(str))
        for i, iso3 in enumerate(values["iso3"]):
            if iso3 not in known:
                raise WorldDataError(
                    f"{table.where(i, 'iso3')}: {iso3!r} is not in the countries table"
                )
    df = pd.DataFrame({col: _str_series(values[col]) for col in MEMBERSHIP_COLUMNS})
    return df.sort_values(["platform", "iso3"], kind="stable", ignore_index=True)


@dataclass(frozen=True, eq=False)
class WorldTables:
    """The validated world: economies and platform memberships.

    Attributes
    ----------
    countries
        As returned by :func:`load_countries`.
    memberships
        As returned by :func:`load_memberships`.
    """

    countries: pd.DataFrame
    memberships: pd.DataFrame

    def platforms(self) -> list[str]:
        """Sorted platform codes."""
        return sorted({str(p) for p in self.memberships["platform"]})

    def members(self, platform: str, roles: tuple[str, ...] | None = None) -> list[str]:
        """Sorted iso3 codes of a platform's members.

        Parameters
        ----------
        platform
            Platform code, e.g. ``"FEALAC"``.
        roles
            Keep only these roles (e.g. ``("member",)``); ``None`` keeps all.

        Raises
        ------
        KeyError
            If ``platform`` is not in the table.
        ValueError
            If a role is not one of :data:`MEMBERSHIP_ROLES`.
        """
        m = self.memberships
        mask = m["platform"] == platform
        if not mask.any():
            raise KeyError(f"unknown platform {platform!r}; known: {', '.join(self.platforms())}")
        if roles is not None:
            if isinstance(roles, str):
                roles = (roles,)
            bad = [r for r in roles if r not in MEMBERSHIP_ROLES]
            if bad:
                raise ValueError(f"unknown role(s) {bad}; allowed: {', '.join(MEMBERSHIP_ROLES)}")
            mask &= m["role"].isin(list(roles))
        return sorted(str(x) for x in m.loc[mask, "iso3"])


def load_world(
    countries_path: str | Path | Traversable | None = None,
    memberships_path: str | Path | Traversable | None = None,
) -> WorldTables:
    """Load both tables (packaged ones by default) and cross-check them.

    Raises
    ------
    WorldDataError
        As :func:`load_countries` and :func:`load_memberships`.
    """
    countries = load_countries(countries_path)
    memberships = load_memberships(memberships_path, countries=countries)
    return WorldTables(countries=countries, memberships=memberships)
