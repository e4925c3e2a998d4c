"""Tests of the packaged world tables, their build script and their loader."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscsim.world import (
    COUNTRY_COLUMNS,
    DEFAULT_COUNTRIES,
    DEFAULT_MEMBERSHIPS,
    INCOME_GROUPS,
    MEMBERSHIP_ROLES,
    REGIONS,
    WorldDataError,
    WorldTables,
    load_countries,
    load_memberships,
    load_world,
)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
BUILD_SCRIPT = REPO / "scripts" / "build_world_tables.py"
DAC = set(
    "AUS AUT BEL CAN CZE DNK EST FIN FRA DEU GRC HUN ISL IRL ITA JPN KOR LTU LUX NLD NZL NOR "
    "POL PRT SVK SVN ESP SWE CHE GBR USA".split()
)
OECD_DAC_ODA_2024_BN = 212.1

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"source data folder {SHARED_DATA} not found"
)


@pytest.fixture(scope="module")
def world() -> WorldTables:
    return load_world()


@pytest.fixture(scope="module")
def countries(world: WorldTables) -> pd.DataFrame:
    return world.countries.set_index("iso3")


# ---------------------------------------------------------------------------
# Shipped tables
# ---------------------------------------------------------------------------
def test_shipped_tables_load_with_proper_dtypes(world: WorldTables) -> None:
    c = world.countries
    assert list(c.columns) == list(COUNTRY_COLUMNS)
    assert isinstance(c.index, pd.RangeIndex)
    assert c["iso3"].is_monotonic_increasing and c["iso3"].is_unique
    for col in ("sids", "ldc", "dac_member", "southern"):
        assert c[col].dtype == bool
    for col in ("gdp_usd", "population", "oda_gni_pct"):
        assert c[col].dtype == "float64"
    assert set(c["region"]) == set(REGIONS)
    assert set(c["income_group"]) <= {*INCOME_GROUPS, ""}
    assert len(c) == 223  # 218 WB economies + AIA BES COK MSR NIU
    m = world.memberships
    assert list(m.columns) == ["iso3", "platform", "role"]
    assert isinstance(m.index, pd.RangeIndex)
    assert list(m.itertuples(index=False)) == sorted(
        m.itertuples(index=False), key=lambda r: (r.platform, r.iso3)
    )
    assert set(m["role"]) <= set(MEMBERSHIP_ROLES)
    assert set(m["iso3"]) <= set(c["iso3"])


def test_default_paths_point_to_packaged_files() -> None:
    assert DEFAULT_COUNTRIES.name == "countries.csv" and DEFAULT_COUNTRIES.is_file()
    assert DEFAULT_MEMBERSHIPS.name == "memberships.csv" and DEFAULT_MEMBERSHIPS.is_file()


@pytest.mark.parametrize(
    ("platform", "role", "count"),
    [
        ("FEALAC", "member", 36),
        ("APEC", "member", 21),
        ("ESCAP", "member", 53),
        ("ESCAP", "associate", 9),
        ("ECLAC", "member", 46),
        ("CELAC", "member", 33),
        ("CARICOM", "member", 15),
        ("ASEAN", "member", 11),
        ("PIF", "member", 18),
        ("SAARC", "member", 8),
    ],
)
def test_platform_counts(world: WorldTables, platform: str, role: str, count: int) -> None:
    assert len(world.members(platform, (role,))) == count


def test_platform_details(world: WorldTables, countries: pd.DataFrame) -> None:
    assert world.platforms() == sorted(
        ["APEC", "ASEAN", "CARICOM", "CELAC", "ECLAC", "EDP", "ESCAP", "FEALAC", "PIF", "SAARC"]
    )
    fealac = world.members("FEALAC")
    regions = countries.loc[fealac, "region"].value_counts().to_dict()
    assert regions == {"lac": 20, "asia_pacific": 16}
    assert {"MEX", "CHL", "PER", "TWN", "HKG"} <= set(world.members("APEC"))
    assert "TLS" in world.members("ASEAN")
    assert len(world.members("ESCAP")) == 62
    assert {"HKG", "MAC", "COK", "NIU"} <= set(world.members("ESCAP", ("associate",)))
    assert "MSR" in world.members("CARICOM")
    assert set(world.members("SAARC")) == {"AFG", "BGD", "BTN", "IND", "MDV", "NPL", "PAK", "LKA"}


def test_edp_modelling_default(world: WorldTables) -> None:
    m = world.memberships
    edp = dict(zip(*(m.loc[m["platform"] == "EDP", c] for c in ("iso3", "role")), strict=True))
    assert edp == {
        "IDN": "initiator",
        "TUR": "co_chair",
        "COL": "host",
        **dict.fromkeys(["THA", "MEX", "BRA", "CHL", "MYS", "IND"], "member"),
    }
    assert world.members("EDP", ("initiator", "co_chair")) == ["IDN", "TUR"]


def test_members_helper_errors(world: WorldTables) -> None:
    with pytest.raises(KeyError, match="NOPE"):
        world.members("NOPE")
    with pytest.raises(ValueError, match="chair"):
        world.members("EDP", ("chair",))


def test_sids_flag(countries: pd.DataFrame) -> None:
    sids = set(countries.index[countries["sids"]])
    assert len(sids) == 53
    m49_file = SHARED_DATA / "un_m49_country_codes.csv"
    if m49_file.is_file():
        m49 = pd.read_csv(m49_file, dtype=str, keep_default_na=False)
        flagged = m49.loc[m49["Small Island Developing States (SIDS)"] != "", "ISO3166-1-Alpha-3"]
        assert sids == set(flagged)
    assert {"COK", "NIU", "MSR", "FJI", "JAM", "SGP"} <= sids
    assert "BHR" not in sids  # on the UN-OHRLLS list, not on M49's


def test_dac_members(countries: pd.DataFrame) -> None:
    assert set(countries.index[countries["dac_member"]]) == DAC
    dac = countries.loc[sorted(DAC)]
    assert dac["oda_gni_pct"].notna().all()
    assert countries.loc[~countries["dac_member"], "oda_gni_pct"].isna().all()
    assert set(dac["oda_gni_source"]) <= {"oecd_2024", "oecd_2023", "dac_average"}
    assert countries.at["ISL", "oda_gni_source"] == "dac_average"
    assert countries.at["ISL", "oda_gni_pct"] == pytest.approx(0.33)
    assert countries.at["NOR", "oda_gni_pct"] == pytest.approx(1.02)
    assert countries.at["USA", "oda_gni_source"] == "oecd_2023"
    assert not countries.loc[sorted(DAC), "southern"].any()


def test_income_groups_fy2026(countries: pd.DataFrame) -> None:
    ap_low = countries.index[
        (countries["region"] == "asia_pacific") & (countries["income_group"] == "L")
    ]
    assert sorted(ap_low) == ["AFG", "PRK"]
    expected = {
        "IDN": "UM",
        "COL": "UM",
        "THA": "UM",
        "IND": "LM",
        "HTI": "LM",
        "TUR": "UM",
        "CHL": "H",
        "RUS": "H",
        "VEN": "",
        "ETH": "",
    }
    assert {k: countries.at[k, "income_group"] for k in expected} == expected
    assert countries.at["AFG", "wb_region"] == "Middle East, North Africa, Afghanistan & Pakistan"
    assert countries.at["AFG", "region"] == countries.at["PAK", "region"] == "asia_pacific"
    assert countries.at["COK", "region"] == "asia_pacific"
    assert countries.at["MSR", "region"] == "lac"
    assert countries.at["COK", "wb_region"] == ""


def test_ldc(countries: pd.DataFrame) -> None:
    assert int(countries["ldc"].sum()) == 44
    assert not countries.at["STP", "ldc"]
    assert countries.at["TLS", "ldc"] and countries.at["HTI", "ldc"]


def test_southern_rule(countries: pd.DataFrame) -> None:
    excluded = set(countries.index[~countries["southern"]])
    eu_not_dac = {"BGR", "CYP", "HRV", "LVA", "MLT", "ROU"}
    rich_north = {"AND", "BMU", "CHI", "FRO", "GIB", "GRL", "IMN", "LIE", "MCO", "RUS", "SMR"}
    assert excluded == DAC | eu_not_dac | rich_north
    assert countries.loc[["IDN", "TUR", "CHN", "BRA", "SAU", "SGP", "COK"], "southern"].all()


def test_gdp_and_population(countries: pd.DataFrame) -> None:
    no_gdp = set(countries.index[countries["gdp_usd"].isna()])
    assert no_gdp == {"AIA", "BES", "COK", "GIB", "MSR", "NIU", "PRK", "TWN", "VGB"}
    no_pop = set(countries.index[countries["population"].isna()])
    assert no_pop == {"AIA", "BES", "COK", "MSR", "NIU", "TWN"}
    assert (countries["gdp_year"].isna() == countries["gdp_usd"].isna()).all()
    assert countries["population_year"].dropna().eq(2024).all()
    assert countries.at["USA", "gdp_year"] == 2023
    assert 2.5e13 < countries.at["USA", "gdp_usd"] < 3.0e13
    assert 2.7e8 < countries.at["IDN", "population"] < 2.9e8


def test_dac_oda_volume_close_to_oecd_total(countries: pd.DataFrame) -> None:
    dac = countries[countries["dac_member"]]
    total_bn = float((dac["gdp_usd"] * dac["oda_gni_pct"] / 100).sum()) / 1e9
    print(f"DAC ODA implied by gdp_usd x oda_gni_pct: {total_bn:.1f} bn USD (OECD 2024: 212.1)")
    assert abs(total_bn / OECD_DAC_ODA_2024_BN - 1) < 0.20, total_bn


# ---------------------------------------------------------------------------
# Build script
# ---------------------------------------------------------------------------
def test_build_reproduces_shipped_files(tmp_path: Path) -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"source data folder {SHARED_DATA} not found; cannot rebuild the tables")
    proc = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--source", str(SHARED_DATA), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    shipped = Path(str(DEFAULT_COUNTRIES)).parent
    for name in ("countries.csv", "memberships.csv", "SOURCES.md"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name
        assert b"\r" not in (tmp_path / name).read_bytes()


# ---------------------------------------------------------------------------
# Loader errors
# ---------------------------------------------------------------------------
def _shipped_rows(path: object) -> list[list[str]]:
    text = Path(str(path)).read_text(encoding="utf-8")
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _countries_with(tmp_path: Path, iso3: str, column: str, value: str) -> tuple[Path, int]:
    """Shipped countries.csv with one cell changed; returns the path and the data row."""
    rows = _shipped_rows(DEFAULT_COUNTRIES)
    j = rows[0].index(column)
    i = next(k for k, r in enumerate(rows) if r[0] == iso3)
    rows[i][j] = value
    return _write(tmp_path / "countries.csv", rows), i


def _assert_error(exc: pytest.ExceptionInfo[WorldDataError], *parts: str) -> None:
    msg = str(exc.value)
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


@pytest.mark.parametrize(
    ("iso3", "column", "value", "reason"),
    [
        ("IDN", "income_group", "XX", "is not one of L, LM, UM, H or empty"),
        ("BRA", "gdp_usd", "-5", "negative"),
        ("BRA", "population", "lots", "not a number"),
        ("FJI", "sids", "maybe", "not a boolean"),
        ("FJI", "ldc", "yes", "not a boolean"),
        ("COL", "region", "latam", "is not one of asia_pacific"),
        ("COL", "gdp_year", "20x3", "not an integer"),
        ("NOR", "oda_gni_pct", "7.5", "outside [0, 5]"),
        ("NOR", "oda_gni_pct", "", "dac_member is true"),
        ("IDN", "oda_gni_pct", "0.1", "must be empty when dac_member is false"),
        ("IDN", "iso3", "idn", "3 uppercase letters"),
        ("IDN", "gdp_usd", "inf", "not a number"),
    ],
)
def test_countries_bad_value(
    tmp_path: Path, iso3: str, column: str, value: str, reason: str
) -> None:
    path, i = _countries_with(tmp_path, iso3, column, value)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    _assert_error(
        exc, str(path), f"row {i} (line {i + 1})", f"column '{column}'", repr(value), reason
    )


def test_countries_error_message_format(tmp_path: Path) -> None:
    rows = _shipped_rows(DEFAULT_COUNTRIES)
    rows[12][rows[0].index("income_group")] = "XX"
    path = _write(tmp_path / "countries.csv", rows)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    assert str(exc.value) == (
        f"{path} row 12 (line 13), column 'income_group': 'XX' is not one of L, LM, UM, H or empty"
    )


def test_countries_duplicate_iso3_names_both_rows(tmp_path: Path) -> None:
    rows = _shipped_rows(DEFAULT_COUNTRIES)
    rows[5] = list(rows[2])
    path = _write(tmp_path / "countries.csv", rows)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    _assert_error(exc, "row 5 (line 6)", "row 2 (line 3)", "column 'iso3'", repr(rows[2][0]))


def test_countries_missing_columns_named(tmp_path: Path) -> None:
    rows = _shipped_rows(DEFAULT_COUNTRIES)
    drop = {rows[0].index("sids"), rows[0].index("southern")}
    rows = [[v for j, v in enumerate(r) if j not in drop] for r in rows]
    path = _write(tmp_path / "countries.csv", rows)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    _assert_error(exc, str(path), "'sids'", "'southern'", "missing")


def test_countries_line_numbers_count_multiline_cells(tmp_path: Path) -> None:
    rows = _shipped_rows(DEFAULT_COUNTRIES)
    rows[1][1] = "Aruba\n(two lines)"
    rows[3][rows[0].index("ldc")] = "nope"
    path = _write(tmp_path / "countries.csv", rows)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    _assert_error(exc, "row 3 (line 5)", "'nope'")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a"),
        (b'{"iso3": "IDN"}\n', "missing required column"),
        (",".join(COUNTRY_COLUMNS).encode() + b"\n", "no data rows"),
    ],
)
def test_countries_unusable_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "countries.csv"
    path.write_bytes(content)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    _assert_error(exc, str(path), reason)


def test_countries_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(WorldDataError, match=r"nope\.csv"):
        load_countries(path)
    with pytest.raises(WorldDataError, match="cannot read"):
        load_countries(tmp_path)  # a directory


def test_countries_wrong_field_count(tmp_path: Path) -> None:
    rows = _shipped_rows(DEFAULT_COUNTRIES)
    rows[4] = rows[4][:-1]
    path = _write(tmp_path / "countries.csv", rows)
    with pytest.raises(WorldDataError) as exc:
        load_countries(path)
    _assert_error(exc, "row 4 (line 5)", "15 fields", "16")


def _memberships_with(tmp_path: Path, extra: list[str]) -> tuple[Path, int]:
    rows = _shipped_rows(DEFAULT_MEMBERSHIPS)
    rows.append(extra)
    return _write(tmp_path / "memberships.csv", rows), len(rows) - 1


def test_memberships_unknown_iso3(tmp_path: Path, world: WorldTables) -> None:
    path, i = _memberships_with(tmp_path, ["XYZ", "EDP", "member"])
    with pytest.raises(WorldDataError) as exc:
        load_memberships(path, countries=world.countries)
    _assert_error(exc, str(path), f"row {i} (line {i + 1})", "column 'iso3'", "'XYZ'")
    assert len(load_memberships(path)) == len(world.memberships) + 1  # no countries, no check


def test_memberships_bad_role(tmp_path: Path) -> None:
    path, i = _memberships_with(tmp_path, ["PER", "EDP", "chair"])
    with pytest.raises(WorldDataError) as exc:
        load_memberships(path)
    _assert_error(exc, f"row {i} (line {i + 1})", "column 'role'", "'chair'", "co_chair")


def test_memberships_duplicate(tmp_path: Path) -> None:
    path, i = _memberships_with(tmp_path, ["IDN", "EDP", "member"])
    with pytest.raises(WorldDataError) as exc:
        load_memberships(path)
    j = next(k for k, r in enumerate(_shipped_rows(DEFAULT_MEMBERSHIPS)) if r[:2] == ["IDN", "EDP"])
    _assert_error(exc, f"row {i} (line {i + 1})", f"row {j} (line {j + 1})", "'IDN'", "'EDP'")


def test_memberships_missing_column_and_header_only(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", [["iso3", "platform"], ["IDN", "EDP"]])
    with pytest.raises(WorldDataError, match="'role'"):
        load_memberships(path)
    path = _write(tmp_path / "m.csv", [["iso3", "platform", "role"]])
    empty = load_memberships(path)
    assert empty.empty and list(empty.columns) == ["iso3", "platform", "role"]


def test_load_world_cross_checks(tmp_path: Path) -> None:
    path, i = _memberships_with(tmp_path, ["TKL", "PIF", "associate"])  # Tokelau: not a row
    with pytest.raises(WorldDataError) as exc:
        load_world(memberships_path=path)
    _assert_error(exc, str(path), "not in the countries table", f"'TKL' at row {i} (line {i + 1})")


# ---------------------------------------------------------------------------
# Parsing properties
# ---------------------------------------------------------------------------
_BOOL_SPELLINGS = {True: ["true", "True", "TRUE", "1"], False: ["false", "False", "FALSE", "0"]}


@st.composite
def _row(draw: st.DrawFn, iso3: str) -> tuple[dict[str, str], dict[str, object]]:
    flags = {c: draw(st.booleans()) for c in ("sids", "ldc", "dac_member", "southern")}
    gdp = draw(st.none() | st.floats(0, 1e14, allow_nan=False))
    pop = draw(st.none() | st.integers(0, 2_000_000_000))
    pct = draw(st.floats(0, 5, allow_nan=False)) if flags["dac_member"] else None
    gdp_fmt = draw(st.sampled_from(["{:.0f}", "{!r}", "{:.6e}", "{:.2f}"]))
    raw = {
        "iso3": iso3,
        "name": f"Economy {iso3}",
        "region": draw(st.sampled_from(REGIONS)),
        "wb_region": "",
        "income_group": draw(st.sampled_from([*INCOME_GROUPS, ""])),
        **{c: draw(st.sampled_from(_BOOL_SPELLINGS[v])) for c, v in flags.items()},
        "gdp_usd": "" if gdp is None else gdp_fmt.format(gdp),
        "gdp_year": "" if gdp is None else "2023",
        "population": "" if pop is None else str(pop),
        "population_year": "" if pop is None else "2024",
        "oda_gni_pct": "" if pct is None else repr(pct),
        "oda_gni_year": "" if pct is None else "2024",
        "oda_gni_source": "" if pct is None else "oecd_2024",
    }
    expected = {
        **flags,
        "gdp_usd": math.nan if gdp is None else float(raw["gdp_usd"]),
        "population": math.nan if pop is None else float(pop),
        "oda_gni_pct": math.nan if pct is None else pct,
    }
    return raw, expected


@st.composite
def _table(draw: st.DrawFn) -> list[tuple[dict[str, str], dict[str, object]]]:
    letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
    codes = draw(st.lists(letters, min_size=1, max_size=8, unique=True))
    return [draw(_row(code)) for code in codes]


@settings(max_examples=60, deadline=None)
@given(_table())
def test_parsing_round_trip(table: list[tuple[dict[str, str], dict[str, object]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "countries.csv"
        rows = [list(COUNTRY_COLUMNS)] + [[raw[c] for c in COUNTRY_COLUMNS] for raw, _ in table]
        _write(path, rows)
        df = load_countries(path).set_index("iso3")
    assert list(df.index) == sorted(raw["iso3"] for raw, _ in table)
    for raw, expected in table:
        got = df.loc[raw["iso3"]]
        for col, value in expected.items():
            if isinstance(value, bool):
                assert bool(got[col]) is value
            elif math.isnan(value):
                assert math.isnan(got[col])
            else:
                assert got[col] == value


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r\n"),
        min_size=1,
        max_size=6,
    ).filter(lambda s: s.strip().lower() not in {"true", "false", "1", "0"})
)
def test_non_boolean_spellings_rejected(value: str) -> None:
    rows = _shipped_rows(DEFAULT_COUNTRIES)[:3]
    rows[2][rows[0].index("sids")] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / "countries.csv", rows)
        with pytest.raises(WorldDataError, match="column 'sids'"):
            load_countries(path)
