"""Corrupted world tables: each is refused on load with a message that names the file and the bad
value or rows, and a run on it stops before any work and leaves no run folder behind.

The corruptions are generated from the packaged tables (read once): broken form (columns, types,
values, CSV) and broken meaning (economies both Southern and DAC members, no Southern economy,
missing or zero GDP and population, platforms without a simulated member, unknown member codes,
duplicates). A last group checks the variations the model does run on are still accepted.
"""

from __future__ import annotations

import copy
import csv
import io
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sscsim.config import config_from_parameters
from sscsim.runner import run_and_save
from sscsim.synthetic import synthetic_world
from sscsim.world import (
    COUNTRY_COLUMNS,
    DEFAULT_COUNTRIES,
    DEFAULT_MEMBERSHIPS,
    MAX_LISTED,
    MEMBERSHIP_COLUMNS,
    WorldDataError,
    load_world,
)


def _read(path: object) -> list[list[str]]:
    text = Path(str(path)).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


# The packaged tables, read once. No cell spans lines, so data row k is list index k, line k + 1.
BASE_COUNTRIES = _read(DEFAULT_COUNTRIES)
BASE_MEMBERSHIPS = _read(DEFAULT_MEMBERSHIPS)
HEADER = BASE_COUNTRIES[0]
ROW = {r[0]: k for k, r in enumerate(BASE_COUNTRIES) if k}  # iso3 -> data row


def ref(iso3: str) -> str:
    """How a message names a countries row: ``row N (line L)``."""
    return f"row {ROW[iso3]} (line {ROW[iso3] + 1})"


def at(iso3: str) -> str:
    """How a message names a countries row in a rule about several rows."""
    return f"{iso3} at {ref(iso3)}"


@dataclass
class World:
    """Editable copies of the two tables (rows of cells, header first), or raw file bytes."""

    countries: list[list[str]]
    memberships: list[list[str]]
    countries_bytes: bytes | None = None
    memberships_bytes: bytes | None = None

    def set(self, iso3: str, /, **cells: str) -> World:
        row = self.countries[ROW[iso3]]
        for column, value in cells.items():
            row[HEADER.index(column)] = value
        return self

    def set_where(self, keep: Callable[[dict[str, str]], bool], **cells: str) -> World:
        for row in self.countries[1:]:
            if keep(dict(zip(HEADER, row, strict=True))):
                for column, value in cells.items():
                    row[HEADER.index(column)] = value
        return self

    def drop_column(self, table: str, column: str) -> World:
        rows = getattr(self, table)
        j = rows[0].index(column)
        setattr(self, table, [r[:j] + r[j + 1 :] for r in rows])
        return self

    def write(self, folder: Path) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = folder / "countries.csv", folder / "memberships.csv"
        for path, rows, raw in zip(
            paths,
            (self.countries, self.memberships),
            (self.countries_bytes, self.memberships_bytes),
            strict=True,
        ):
            path.write_bytes(raw if raw is not None else _csv_bytes(rows))
        return paths

    def contents(self) -> tuple[bytes, ...]:
        return tuple(
            raw if raw is not None else _csv_bytes(rows)
            for rows, raw in (
                (self.countries, self.countries_bytes),
                (self.memberships, self.memberships_bytes),
            )
        )


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def base() -> World:
    return World(copy.deepcopy(BASE_COUNTRIES), copy.deepcopy(BASE_MEMBERSHIPS))


@dataclass(frozen=True)
class Corruption:
    """A corrupted world, the file its error must name and fragments of the message."""

    name: str
    world: World
    files: tuple[str, ...]  # "countries" and/or "memberships"
    expect: tuple[str, ...]


def _southern(row: dict[str, str]) -> bool:
    return row["southern"] == "true"


def _dac(row: dict[str, str]) -> bool:
    return row["dac_member"] == "true"


def _membership_row(platform: str, iso3: str) -> int:
    return next(k for k, r in enumerate(BASE_MEMBERSHIPS) if r[:2] == [iso3, platform])


def _next_membership_row() -> str:
    k = len(BASE_MEMBERSHIPS)
    return f"row {k} (line {k + 1})"


def member_at(platform: str, iso3: str, k: int | None = None) -> str:
    """How a message names a membership row (``k``: an appended row's index)."""
    k = _membership_row(platform, iso3) if k is None else k
    return f"{iso3} at row {k} (line {k + 1})"


def corruptions() -> Iterator[Corruption]:
    """The corrupted worlds, each different from every other."""
    c, m = ("countries",), ("memberships",)

    # --- form: the countries table -------------------------------------------------------
    for column in COUNTRY_COLUMNS:
        yield Corruption(
            f"countries-without-{column}",
            base().drop_column("countries", column),
            c,
            ("missing required column", repr(column)),
        )
    cells = [
        ("FJI", "sids", "yes", "not a boolean"),
        ("HTI", "ldc", "maybe", "not a boolean"),
        ("NOR", "dac_member", "Y", "not a boolean"),
        ("IDN", "southern", "T", "not a boolean"),
        ("BRA", "gdp_usd", "abc", "not a number"),
        ("BRA", "gdp_usd", "nan", "not a number"),
        ("BRA", "gdp_usd", "inf", "not a number"),
        ("BRA", "gdp_usd", "-1", "negative"),
        ("IND", "population", "NaN", "not a number"),
        ("IND", "population", "1,000", "not a number"),
        ("IND", "population", "-5", "negative"),
        ("COL", "gdp_year", "2023.5", "not an integer year"),
        ("COL", "population_year", "last", "not an integer year"),
        ("NOR", "oda_gni_pct", "7.5", "outside [0, 5]"),
        ("NOR", "oda_gni_pct", "-0.1", "outside [0, 5]"),
        ("NOR", "oda_gni_pct", "high", "not a number"),
        ("THA", "region", "latam", "is not one of asia_pacific"),
        ("THA", "income_group", "XX", "is not one of L, LM, UM, H or empty"),
        ("IDN", "iso3", "idn", "3 uppercase letters"),
        ("IDN", "iso3", "ID", "3 uppercase letters"),
        ("TUR", "name", "", "is empty"),
    ]
    for iso3, column, value, reason in cells:
        yield Corruption(
            f"countries-{iso3}-{column}={value!r}",
            base().set(iso3, **{column: value}),
            c,
            (f"{ref(iso3)}, column {column!r}: {value!r}", reason),
        )
    yield Corruption(
        "oda-for-a-non-dac-member",
        base().set("IDN", oda_gni_pct="0.1", oda_gni_year="2024"),
        c,
        (f"{ref('IDN')}, column 'oda_gni_pct'", "must be empty when dac_member is false"),
    )
    yield Corruption(
        "dac-member-without-oda-ratio",
        base().set("NOR", oda_gni_pct="", oda_gni_year=""),
        c,
        (f"{ref('NOR')}, column 'oda_gni_pct'", "dac_member is true"),
    )
    yield Corruption(
        "gdp-without-year",
        base().set("BRA", gdp_year=""),
        c,
        (f"{ref('BRA')}, column 'gdp_year'", "but gdp_usd is given"),
    )
    yield Corruption(
        "population-year-without-population",
        base().set("BRA", population=""),
        c,
        (f"{ref('BRA')}, column 'population_year'", "but population is empty"),
    )
    short = base()
    short.countries[ROW["KEN"]] = short.countries[ROW["KEN"]][:-1]
    yield Corruption("countries-short-row", short, c, (ref("KEN"), "15 fields", "has 16"))
    twice = base()
    twice.countries = [[*r, r[1]] for r in twice.countries]
    yield Corruption("countries-name-column-twice", twice, c, ("'name' appears twice",))
    reserved = base()
    reserved.countries = [[*r, r[0]] for r in reserved.countries]
    reserved.countries[0][-1] = "country"
    yield Corruption("countries-reserved-country-column", reserved, c, ("'country' is reserved",))
    for name, raw, reason in [
        ("countries-empty-file", b"", "the file is empty"),
        ("countries-header-only", ",".join(HEADER).encode() + b"\n", "no data rows"),
        ("countries-latin-1", _csv_bytes(BASE_COUNTRIES).replace(b"Cura\xc3\xa7ao", b"Cura\xe7ao"),
         "not a UTF-8"),
        ("countries-nul-bytes", b"\x00" + _csv_bytes(BASE_COUNTRIES), "NUL bytes"),
        ("countries-bad-quoting", _csv_bytes(BASE_COUNTRIES) + b'ZZZ,"Zed"land,africa\n',
         "not valid CSV"),
    ]:  # fmt: skip
        world = base()
        world.countries_bytes = raw
        yield Corruption(name, world, c, (reason,))
    dup = base()
    dup.countries[ROW["KEN"]] = list(dup.countries[ROW["GHA"]])
    dup.countries[ROW["PER"]] = list(dup.countries[ROW["CHL"]])
    yield Corruption(
        "duplicate-iso3-codes",
        dup,
        c,
        (
            "2 rows repeat the 'iso3'",
            f"'GHA' at {ref('KEN')} duplicates {ref('GHA')}",
            f"'CHL' at {ref('PER')} duplicates {ref('CHL')}",
        ),
    )
    yield Corruption(
        "several-bad-cells",
        base().set("FJI", sids="yes").set("BRA", gdp_usd="abc"),
        c,
        ("2 problems", f"{ref('FJI')}, column 'sids'", f"{ref('BRA')}, column 'gdp_usd'"),
    )

    # --- form: the membership table -------------------------------------------------------
    for column in MEMBERSHIP_COLUMNS:
        yield Corruption(
            f"memberships-without-{column}",
            base().drop_column("memberships", column),
            m,
            ("missing required column", repr(column)),
        )
    for cells_, column, reason in [
        (["PER", "EDP", "chair"], "role", "is not one of member"),
        (["PER", "fo o", "member"], "platform", "not a platform code"),
        (["PER", "edp", "member"], "platform", "not a platform code"),
        (["per", "EDP", "member"], "iso3", "3 uppercase letters"),
    ]:
        world = base()
        world.memberships.append(cells_)
        value = cells_[MEMBERSHIP_COLUMNS.index(column)]
        yield Corruption(
            f"membership-{column}={value!r}",
            world,
            m,
            (f"{_next_membership_row()}, column {column!r}: {value!r}", reason),
        )
    k = _membership_row("EDP", "IDN")
    for role in ("initiator", "member"):
        world = base()
        world.memberships.append(["IDN", "EDP", role])
        yield Corruption(
            f"duplicate-membership-as-{role}",
            world,
            m,
            (f"'IDN' in platform 'EDP' at {_next_membership_row()} duplicates row {k}",),
        )
    short = base()
    short.memberships.append(["PER", "EDP"])
    yield Corruption("memberships-short-row", short, m, (_next_membership_row(), "2 fields"))
    world = base()
    world.memberships_bytes = b""
    yield Corruption("memberships-empty-file", world, m, ("the file is empty",))

    # --- meaning ------------------------------------------------------------------------------
    both = "both Southern and a DAC member"
    yield Corruption(
        "dac-member-flagged-southern",
        base().set("NOR", southern="true"),
        c,
        (both, at("NOR")),
    )
    yield Corruption(
        "southern-economy-flagged-dac",
        base().set(
            "IDN", dac_member="true", oda_gni_pct="0.1", oda_gni_year="2024", oda_gni_source="x"
        ),
        c,
        (both, at("IDN")),
    )
    yield Corruption(
        "two-economies-both-southern-and-dac",
        base().set("NOR", southern="true").set("JPN", southern="true"),
        c,
        ("2 economies are " + both, at("NOR"), at("JPN")),
    )
    yield Corruption(  # and no platform has a Southern member left
        "empty-south",
        base().set_where(_southern, southern="false"),
        c + m,
        ("no Southern economy (no row has southern true)", "'SAARC': AFG at"),
    )
    yield Corruption(
        "no-southern-gdp",
        base().set_where(_southern, gdp_usd="", gdp_year=""),
        c,
        ("no Southern economy has both gdp_usd and population", at("ABW")),
    )
    yield Corruption(
        "no-southern-gdp-or-population",
        base().set_where(_southern, gdp_usd="", gdp_year="", population="", population_year=""),
        c + m,
        ("no Southern economy has both gdp_usd and population", at("ALB"), "and 155 more"),
    )
    no_usable = "no usable GDP or population"
    yield Corruption(
        "southern-gdp-zero", base().set("BRA", gdp_usd="0"), c, (no_usable, at("BRA"), "is 0")
    )
    yield Corruption(
        "southern-population-zero",
        base().set("IND", population="0"),
        c,
        (no_usable, at("IND"), "population is 0"),
    )
    yield Corruption(
        "southern-gdp-without-population",
        base().set("BRA", population="", population_year="").set("KEN", gdp_usd="0.0"),
        c,
        ("2 Southern economies", at("BRA"), "population is empty", at("KEN"), "gdp_usd is 0"),
    )
    yield Corruption(
        "dac-member-without-gdp",
        base().set("NOR", gdp_usd="", gdp_year=""),
        c,
        ("DAC member has no GDP", at("NOR"), "gdp_usd is empty"),
    )
    yield Corruption(
        "dac-members-with-zero-gdp",
        base().set_where(_dac, gdp_usd="0"),
        c,
        ("31 DAC members have no GDP", at("AUS"), "gdp_usd is 0", "and 11 more"),
    )
    world = base()
    world.memberships.append(["RUS", "FOO", "member"])
    yield Corruption(
        "platform-of-a-non-actor",
        world,
        m,
        (
            "no member that the model simulates",
            f"'FOO': {member_at('FOO', 'RUS', len(BASE_MEMBERSHIPS))} (neither Southern nor",
        ),
    )
    world = base()
    world.memberships = [r for r in world.memberships if r[1] != "SAARC"]
    world.memberships.append(["AIA", "SAARC", "member"])
    yield Corruption(
        "platform-of-an-economy-left-out",
        world,
        m,
        (f"'SAARC': {member_at('SAARC', 'AIA', len(BASE_MEMBERSHIPS) - 8)}", "left out"),
    )
    saarc = {r[0] for r in BASE_MEMBERSHIPS if r[1] == "SAARC"}
    yield Corruption(
        "platform-whose-members-are-not-southern",
        base().set_where(lambda r: r["iso3"] in saarc, southern="false"),
        m,
        (
            "1 platform has no member",
            f"'SAARC': {member_at('SAARC', 'AFG')}",
            member_at("SAARC", "LKA"),
        ),
    )
    world = base()
    world.memberships.append(["XYZ", "EDP", "member"])
    yield Corruption(
        "membership-of-an-unknown-economy",
        world,
        m + c,
        ("not in the countries table", f"'XYZ' at {_next_membership_row()}"),
    )
    world = base()
    for code in ("TKL", "XKK", "QQQ"):
        world.memberships.append([code, "PIF", "associate"])
    yield Corruption(
        "memberships-of-three-unknown-economies",
        world,
        m,
        ("3 rows name economies not in the countries table", "'TKL'", "'XKK'", "'QQQ'"),
    )
    world = base()
    k = _membership_row("EDP", "IDN")
    world.memberships[k][0] = "IDX"
    yield Corruption("membership-code-misspelt", world, m, (f"'IDX' at row {k} (line {k + 1})",))
    world = base().set("FJI", sids="yes")
    world.memberships.append(["PER", "EDP", "chair"])
    yield Corruption(
        "problems-in-both-files",
        world,
        c + m,
        ("2 problems", f"{ref('FJI')}, column 'sids'", "column 'role': 'chair'"),
    )
    yield Corruption(
        "meaning-problems-together",
        base().set("NOR", southern="true").set("BRA", gdp_usd="0").set("SWE", gdp_usd="0"),
        c,
        ("3 problems", at("NOR"), at("BRA"), at("SWE")),
    )


CORRUPTIONS = list(corruptions())


def test_at_least_fifty_distinct_corruptions() -> None:
    assert len(CORRUPTIONS) >= 50
    assert len({case.name for case in CORRUPTIONS}) == len(CORRUPTIONS)
    contents = {case.world.contents() for case in CORRUPTIONS}
    assert base().contents() not in contents
    assert len(contents) == len(CORRUPTIONS)


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[case.name for case in CORRUPTIONS])
def test_corrupted_world_is_refused_before_any_work(case: Corruption, tmp_path: Path) -> None:
    countries, memberships = case.world.write(tmp_path / "tables")
    with pytest.raises(WorldDataError) as exc:
        load_world(countries, memberships)
    message = str(exc.value)
    paths = {"countries": countries, "memberships": memberships}
    for part in (*(str(paths[f]) for f in case.files), *case.expect):
        assert part in message, f"{part!r} not in {message!r}"
    assert all(any(str(paths[f]) in p for f in case.files) for p in exc.value.problems)

    run_dir = tmp_path / "run"
    config = config_from_parameters(
        countries_path=str(countries), memberships_path=str(memberships), steps=2
    )
    with pytest.raises(WorldDataError):
        run_and_save(config, run_dir)
    assert not run_dir.exists()


def test_every_problem_is_listed_and_the_message_stays_short(tmp_path: Path) -> None:
    world = base().set_where(lambda row: True, sids="yes")
    countries, memberships = world.write(tmp_path)
    with pytest.raises(WorldDataError) as exc:
        load_world(countries, memberships)
    n = len(BASE_COUNTRIES) - 1
    assert len(exc.value.problems) == n
    message = str(exc.value)
    assert message.startswith(f"{n} problems in the world tables:")
    assert message.count("\n  - ") == MAX_LISTED + 1
    assert f"and {n - MAX_LISTED} more" in message
    copied = pickle.loads(pickle.dumps(exc.value))
    assert copied.problems == exc.value.problems and str(copied) == message


# ---------------------------------------------------------------------------
# Worlds the model runs on: still accepted
# ---------------------------------------------------------------------------
def _no_dac(world: World) -> World:
    return world.set_where(
        _dac, dac_member="false", oda_gni_pct="", oda_gni_year="", oda_gni_source=""
    )


ACCEPTED = {
    "no-northern-partner": lambda: _no_dac(base()),
    "southern-population-only": lambda: base().set("BRA", gdp_usd="", gdp_year=""),
    "southern-without-gdp-and-population": lambda: base().set(
        "BRA", gdp_usd="", gdp_year="", population="", population_year=""
    ),
    "dac-member-without-population": lambda: base().set("NOR", population="", population_year=""),
    "zero-oda-ratio": lambda: base().set_where(_dac, oda_gni_pct="0"),
    "platform-of-dac-members-only": lambda: World(
        copy.deepcopy(BASE_COUNTRIES), [*BASE_MEMBERSHIPS, ["NOR", "FOO", "member"]]
    ),
    "no-memberships": lambda: World(copy.deepcopy(BASE_COUNTRIES), BASE_MEMBERSHIPS[:1]),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_worlds_the_model_runs_on_are_accepted(name: str, tmp_path: Path) -> None:
    countries, memberships = ACCEPTED[name]().write(tmp_path)
    world = load_world(countries, memberships)
    assert world.countries["southern"].any()


def test_model_runs_without_a_northern_partner(tmp_path: Path) -> None:
    from sscsim.model import SSCModel

    countries, memberships = _no_dac(base()).write(tmp_path)
    model = SSCModel(
        rng=1, steps=2, countries_path=str(countries), memberships_path=str(memberships)
    ).run()
    assert model.roster.n_north == 0 and model.n_south == 169
    assert model.summary()["northern_partners"] == 0 and model.period == 2
    synthetic = synthetic_world(50, base=load_world(countries, memberships))
    assert not synthetic.countries["dac_member"].any()
