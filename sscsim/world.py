"""World tables: the economies and their platform memberships.

Loads and validates the packaged tables ``sscsim/data/countries.csv`` and
``sscsim/data/memberships.csv`` (built by ``scripts/build_world_tables.py``;
sources and rules in ``sscsim/data/SOURCES.md``) or user-supplied tables of the
same shape, in two stages:

- form: each table on its own (header, types, allowed values, duplicates, the rules
  between columns of a row);
- meaning (:func:`load_world`): the two tables describe a world the model can
  simulate (Southern countries and northern partners apart, the GDP and population
  the model sizes them by, platforms with members).

Every failure raises :class:`WorldDataError` naming the file, the data row
(counted from 1) and its CSV line, the column and the value, or for a rule about
several rows their ISO3 codes and lines. Each stage reports all its problems at once.
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
from typing import Any

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


MAX_LISTED = 20  # rows named in one message, and problems in one error; the rest are counted


class WorldDataError(ValueError):
    """A world table is missing, unreadable, holds an invalid value or describes a world the
    model cannot simulate.

    ``problems`` lists every problem found, each naming its file; the message is the problem
    itself when there is one, else a list of them (the first :data:`MAX_LISTED`).
    """

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            shown = self.problems[:MAX_LISTED]
            more = len(self.problems) - len(shown)
            message = f"{len(self.problems)} problems in the world tables:\n" + "\n".join(
                f"  - {problem}" for problem in shown
            )
            if more:
                message += f"\n  - ... and {more} more"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[WorldDataError], tuple[list[str]]]:
        # Keep the list of problems when the error crosses processes (parallel sweeps).
        return (type(self), (self.problems,))


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

    def at(self, i: int, code: str) -> str:
        """``CODE at row N (line L)``: a row named by its code, for rules about several rows."""
        return f"{code} at {self.ref(i)}"

    def where(self, i: int, column: str | None = None) -> str:
        """``<path> row N (line L), column 'c'`` for data row index ``i``."""
        text = f"{self.name} {self.ref(i)}"
        return text if column is None else f"{text}, column {column!r}"


def _listing(items: list[str], sep: str = ", ") -> str:
    """``items`` joined, the first :data:`MAX_LISTED` of them, and a count of the rest."""
    shown = items[:MAX_LISTED]
    more = len(items) - len(shown)
    return sep.join(shown) + (f"{sep}and {more} more" if more else "")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


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

    problems: list[str] = []
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(f"{name}: column {col!r} appears twice in the header")
        seen.add(col)
    missing = [col for col in required if col not in seen]
    if missing:
        problems.append(
            f"{name}: missing required column(s) {', '.join(repr(c) for c in missing)}"
            f" (header: {', '.join(header)})"
        )
    table = _Table(name, header, rows, lines)
    for i, cells in enumerate(rows):
        if len(cells) != len(header):
            problems.append(
                f"{table.where(i)}: {len(cells)} fields, but the header has {len(header)}"
            )
    if problems:
        raise WorldDataError(problems)
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


def _parse_column(
    table: _Table, column: str, parser: Callable[[str], object], problems: list[str]
) -> list[object]:
    """Parse every cell of ``column``; a bad cell adds a problem and gives ``None``."""
    j = table.header.index(column)
    out: list[object] = []
    for i, cells in enumerate(table.rows):
        value = cells[j]
        try:
            out.append(parser(value))
        except ValueError as exc:
            problems.append(f"{table.where(i, column)}: {value!r} {exc}")
            out.append(None)
    return out


def _duplicates(table: _Table, key: tuple[str, ...]) -> list[str]:
    """One problem naming every row whose ``key`` repeats an earlier row's (none if unique)."""
    idx = [table.header.index(c) for c in key]
    first: dict[tuple[str, ...], int] = {}
    repeats: list[str] = []
    for i, cells in enumerate(table.rows):
        k = tuple(cells[j] for j in idx)
        if k in first:
            what = repr(k[0]) + "".join(
                f" in {c} {v!r}" for c, v in zip(key[1:], k[1:], strict=True)
            )
            repeats.append(f"{what} at {table.ref(i)} duplicates {table.ref(first[k])}")
        else:
            first[k] = i
    if not repeats:
        return []
    key_text = " and ".join(repr(c) for c in key)
    return [
        f"{table.name}, column {key[0]!r}: {_count(len(repeats), 'row repeats', 'rows repeat')}"
        f" the {key_text} of an earlier row: {_listing(repeats, '; ')}"
    ]


def _str_series(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype=str)


# ---------------------------------------------------------------------------
# The two tables, parsed in file order (for messages that name rows and lines)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Parsed:
    """A table checked for form: its rows and each column's parsed values, in file order."""

    table: _Table
    values: dict[str, list[Any]]

    def frame(self, columns: tuple[str, ...], sort_by: list[str]) -> pd.DataFrame:
        data: dict[str, object] = {}
        for col in columns:
            if col in BOOL_COLUMNS:
                data[col] = np.array(self.values[col], dtype=bool)
            elif col in FLOAT_COLUMNS:
                data[col] = np.array(self.values[col], dtype=np.float64)
            elif col in YEAR_COLUMNS:
                data[col] = pd.array(self.values[col], dtype="Int64")
            else:
                data[col] = _str_series(self.values[col])
        for col in self.table.header:
            if col not in data:  # extra columns, kept as text
                j = self.table.header.index(col)
                data[col] = _str_series([cells[j] for cells in self.table.rows])
        return pd.DataFrame(data).sort_values(sort_by, kind="stable", ignore_index=True)


def _parse_countries(path: Path | Traversable) -> _Parsed:
    """Read a countries table and check its form; raise every problem of a stage at once."""
    table = _read_csv(path, COUNTRY_COLUMNS)
    if not table.rows:
        raise WorldDataError(f"{table.name}: the table has a header but no data rows")
    problems: list[str] = []
    if "country" in table.header:
        # The model takes a countries frame with this column for a synthetic world's actors.
        problems.append(
            f"{table.name}: column 'country' is reserved (it holds the economy of each actor of"
            " a synthetic world); rename or drop it"
        )
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
    values = {col: _parse_column(table, col, parsers[col], problems) for col in COUNTRY_COLUMNS}
    if problems:
        raise WorldDataError(problems)
    problems = _duplicates(table, ("iso3",)) + _countries_row_problems(table, values)
    if problems:
        raise WorldDataError(problems)
    return _Parsed(table, values)


def _countries_row_problems(table: _Table, values: dict[str, list[Any]]) -> list[str]:
    """Rules between the columns of a row: ODA fields for DAC members only; value-year pairs."""
    raw = {col: table.header.index(col) for col in COUNTRY_COLUMNS}
    problems: list[str] = []
    for i, cells in enumerate(table.rows):
        dac = values["dac_member"][i]
        for col in ODA_COLUMNS:
            value = cells[raw[col]]
            if dac and col == "oda_gni_pct" and value == "":
                problems.append(
                    f"{table.where(i, col)}: {value!r} is empty, but dac_member is true "
                    "(every DAC member needs an ODA/GNI ratio)"
                )
            if not dac and value != "":
                problems.append(
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
                problems.append(f"{table.where(i, year)}: '' is empty, but {amount} is given")
            if has_year and not has_amount:
                problems.append(
                    f"{table.where(i, year)}: {cells[raw[year]]!r} is given, but {amount} is empty"
                )
    return problems


def _parse_memberships(path: Path | Traversable) -> _Parsed:
    """Read a membership table and check its form; raise every problem of a stage at once."""
    table = _read_csv(path, MEMBERSHIP_COLUMNS)
    problems: list[str] = []
    values = {
        "iso3": _parse_column(table, "iso3", _iso3, problems),
        "platform": _parse_column(table, "platform", _platform, problems),
        "role": _parse_column(table, "role", _one_of(MEMBERSHIP_ROLES), problems),
    }
    if problems:
        raise WorldDataError(problems)
    problems = _duplicates(table, ("iso3", "platform"))
    if problems:
        raise WorldDataError(problems)
    return _Parsed(table, values)


def _unknown_members(memberships: _Parsed, known: set[str], countries: str) -> list[str]:
    """One problem naming every membership row whose economy is not in ``known``."""
    table = memberships.table
    unknown = [
        f"{code!r} at {table.ref(i)}"
        for i, code in enumerate(memberships.values["iso3"])
        if code not in known
    ]
    if not unknown:
        return []
    return [
        f"{table.name}, column 'iso3': "
        f"{_count(len(unknown), 'row names an economy', 'rows name economies')}"
        f" not in {countries}: {_listing(unknown)}"
    ]


# ---------------------------------------------------------------------------
# Meaning: a world the model can simulate
# ---------------------------------------------------------------------------
def _world_problems(countries: _Parsed, memberships: _Parsed) -> list[str]:
    """Every rule the two tables must meet together for the model to run on them.

    The model's roster makes an actor of each Southern economy with
    GDP or population (a missing GDP is imputed from the income group's median GDP per capita
    among Southern economies with both; one with neither is left out) and of each DAC member.
    A world without DAC members runs (no ODA); one without a Southern country does not.
    """
    table, v = countries.table, countries.values
    codes = v["iso3"]
    rows = range(len(codes))
    southern = [i for i in rows if v["southern"][i]]
    dac = [i for i in rows if v["dac_member"][i]]
    gdp, population = v["gdp_usd"], v["population"]

    def given(x: float) -> bool:
        return not math.isnan(x)

    problems: list[str] = []
    both = [i for i in southern if v["dac_member"][i]]
    if both:
        problems.append(
            f"{table.name}, columns 'southern' and 'dac_member': "
            f"{_count(len(both), 'economy is', 'economies are')} both Southern and a DAC member"
            " (an economy is either a Southern country or a northern partner, not both): "
            + _listing([table.at(i, codes[i]) for i in both])
        )

    unusable: list[str] = []
    for i in southern:
        reasons = [
            f"{col} is 0" for col, x in (("gdp_usd", gdp), ("population", population)) if x[i] == 0
        ]
        if given(gdp[i]) and not given(population[i]):
            reasons.append("gdp_usd is given but population is empty")
        if reasons:
            unusable.append(f"{table.at(i, codes[i])} ({', '.join(reasons)})")
    if unusable:
        problems.append(
            f"{table.name}: "
            f"{_count(len(unusable), 'Southern economy has', 'Southern economies have')}"
            " no usable GDP or population (the model needs gdp_usd > 0 and population > 0;"
            " with population only, GDP is imputed; with neither, the economy is left out): "
            + _listing(unusable, "; ")
        )
    sized = [i for i in southern if gdp[i] > 0 and population[i] > 0]
    if not southern:
        problems.append(
            f"{table.name}, column 'southern': no Southern economy (no row has southern true);"
            " the model needs at least one Southern country"
        )
    elif not sized and not unusable:
        problems.append(
            f"{table.name}: no Southern economy has both gdp_usd and population, so none can be"
            " simulated (a missing GDP is imputed from Southern economies that have both);"
            f" {_count(len(southern), 'Southern row', 'Southern rows')}: "
            + _listing([table.at(i, codes[i]) for i in southern])
        )

    no_gdp = [
        f"{table.at(i, codes[i])} (gdp_usd is {'0' if gdp[i] == 0 else 'empty'})"
        for i in dac
        if not gdp[i] > 0
    ]
    if no_gdp:
        problems.append(
            f"{table.name}: {_count(len(no_gdp), 'DAC member has', 'DAC members have')} no GDP"
            " (a northern partner's ODA budget is gdp_usd x oda_gni_pct; it needs"
            " gdp_usd > 0): " + _listing(no_gdp, "; ")
        )

    problems += _unknown_members(memberships, set(codes), f"the countries table {table.name}")
    problems += _platforms_without_members(countries, memberships)
    return problems


def _platforms_without_members(countries: _Parsed, memberships: _Parsed) -> list[str]:
    """One problem naming every platform none of whose (known) members the model simulates."""
    v = countries.values
    why_not: dict[str, str] = {}  # economies that are not actors, and why
    for i, code in enumerate(v["iso3"]):
        if v["southern"][i] or v["dac_member"][i]:
            if v["southern"][i] and math.isnan(v["gdp_usd"][i]) and math.isnan(v["population"][i]):
                why_not[code] = "Southern without GDP and population: left out"
        else:
            why_not[code] = "neither Southern nor a DAC member"
    known = set(v["iso3"])
    table, m = memberships.table, memberships.values
    rows_of: dict[str, list[int]] = {}
    for i, platform in enumerate(m["platform"]):
        rows_of.setdefault(platform, []).append(i)
    empty: list[str] = []
    for platform, rows in rows_of.items():
        members = [i for i in rows if m["iso3"][i] in known]  # unknown codes: reported apart
        if members and all(m["iso3"][i] in why_not for i in members):
            by_reason: dict[str, list[str]] = {}
            for i in members:
                by_reason.setdefault(why_not[m["iso3"][i]], []).append(table.at(i, m["iso3"][i]))
            named = [f"{_listing(where)} ({reason})" for reason, where in by_reason.items()]
            empty.append(f"{platform!r}: {'; '.join(named)}")
    if not empty:
        return []
    return [
        f"{table.name}, column 'platform': "
        f"{_count(len(empty), 'platform has', 'platforms have')} no member that the model"
        " simulates (a Southern economy with GDP or population, or a DAC member): "
        + _listing(empty, " | ")
    ]


# ---------------------------------------------------------------------------
# Public loaders
# ---------------------------------------------------------------------------
def load_countries(path: str | Path | Traversable | None = None) -> pd.DataFrame:
    """Load a countries table and check its form (the table on its own).

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
        If the file is unreadable, empty, lacks a column, has the reserved column
        ``country``, repeats an ISO3 code or holds a bad value (every bad value listed).
        Whether the economies make a world the model can simulate is checked by
        :func:`load_world`.
    """
    parsed = _parse_countries(_as_path(path, DEFAULT_COUNTRIES))
    return parsed.frame(COUNTRY_COLUMNS, ["iso3"])


def load_memberships(
    path: str | Path | Traversable | None = None,
    countries: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Load a platform-membership table and check its form.

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
        a duplicate ``(iso3, platform)`` or an iso3 unknown to ``countries``
        (every such row listed).
    """
    parsed = _parse_memberships(_as_path(path, DEFAULT_MEMBERSHIPS))
    if countries is not None:
        problems = _unknown_members(
            parsed, set(countries["iso3"].astype(str)), "the countries table given"
        )
        if problems:
            raise WorldDataError(problems)
    return parsed.frame(MEMBERSHIP_COLUMNS, ["platform", "iso3"])


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
    """Load both tables (packaged ones by default), check each one's form and their meaning.

    Form: as :func:`load_countries` and :func:`load_memberships`, the problems of both files
    reported together. Meaning, once the form is right (all problems reported together):

    - no economy is both Southern and a DAC member;
    - at least one Southern economy, and at least one with both GDP and population;
    - every Southern economy has ``gdp_usd > 0`` and ``population > 0``, or population only
      (GDP imputed), or neither (left out of the model); never GDP without population;
    - every DAC member has ``gdp_usd > 0`` (and, by form, an ODA/GNI ratio);
    - every membership names an economy of the countries table;
    - every platform of the membership table has a member that the model simulates.

    A world without DAC members is allowed: it runs, with no ODA.

    Raises
    ------
    WorldDataError
        Listing every problem found, each naming its file, rows (ISO3 codes) and lines.
    """
    problems: list[str] = []
    parsed: list[_Parsed] = []
    for path, default, parse in (
        (countries_path, DEFAULT_COUNTRIES, _parse_countries),
        (memberships_path, DEFAULT_MEMBERSHIPS, _parse_memberships),
    ):
        try:
            parsed.append(parse(_as_path(path, default)))
        except WorldDataError as error:
            problems += error.problems
    if problems:
        raise WorldDataError(problems)
    countries, memberships = parsed
    problems = _world_problems(countries, memberships)
    if problems:
        raise WorldDataError(problems)
    return WorldTables(
        countries=countries.frame(COUNTRY_COLUMNS, ["iso3"]),
        memberships=memberships.frame(MEMBERSHIP_COLUMNS, ["platform", "iso3"]),
    )
