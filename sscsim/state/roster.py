"""Who takes part: the actor roster built from the world tables, and its initial state.

Actor rows 0..n_south-1 are Southern countries, rows n_south.. are northern partners (OECD DAC
members). Fixed attributes (codes, region, flags, kinds) live here as arrays; the model owns the
state that changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path

import numpy as np
import pandas as pd

from sscsim.state.places import Places, build_places, unknown_places
from sscsim.world import REGIONS, WorldTables, southern_mask

log = logging.getLogger(__name__)


class Kind(IntEnum):
    """Kinds of actors. A Southern country has exactly one kind, by precedence:
    champion (if champions are enabled), then SIDS, then middle-income, else other."""

    MIC = 0
    SIDS = 1
    CHAMPION = 2
    OTHER = 3  # low- or high-income Southern countries that are none of the above
    NORTH = 4


KIND_NAMES: dict[int, str] = {kind.value: kind.name.lower() for kind in Kind}
SOUTHERN_KINDS: tuple[Kind, ...] = (Kind.MIC, Kind.SIDS, Kind.CHAMPION, Kind.OTHER)

REGION_INDEX: dict[str, int] = {name: k for k, name in enumerate(REGIONS)}
ASIA_PACIFIC = REGION_INDEX["asia_pacific"]
LAC = REGION_INDEX["lac"]

# World Bank FY2026 thresholds on GNI per capita (Atlas method), USD.
INCOME_THRESHOLDS: tuple[float, float, float] = (1_135.0, 4_495.0, 13_935.0)
INCOME_CODES: tuple[str, ...] = ("L", "LM", "UM", "H")

# Documented country-sector strengths (docs/ODD.md section 5): offsets to initial capacity by
# country (ISO3), region or SIDS status and sector, each with its evidence and source.
SECTOR_STRENGTHS = Path(__file__).resolve().parent.parent / "data" / "sector_strengths.csv"
# The random part of initial capacity, by country and sector (an assumption: heterogeneity the
# documented strengths do not cover).
CAPACITY_SPREAD_SD = 0.06


@dataclass(frozen=True)
class Roster:
    """Fixed attributes of every actor, as arrays indexed by actor row."""

    iso3: np.ndarray  # str (n_actors,): ISO3 code, or the actor code in a synthetic world
    name: np.ndarray  # str (n_actors,)
    region: np.ndarray  # int64 (n_actors,), index into world.REGIONS
    income_level: np.ndarray  # int64 (n_actors,), 0=L .. 3=H at the start
    sids: np.ndarray  # bool (n_actors,)
    ldc: np.ndarray  # bool (n_actors,)
    kind: np.ndarray  # int64 (n_actors,), a Kind
    gdp_usd: np.ndarray  # float64 (n_actors,), latest year
    population: np.ndarray  # float64 (n_actors,)
    gdp_imputed: np.ndarray  # bool (n_actors,)
    oda_gni_pct: np.ndarray  # float64 (n_actors,), northern partners only (0 elsewhere)
    n_south: int
    excluded: tuple[str, ...]  # Southern economies left out for lack of GDP and population
    # Capitals, languages and land neighbours (`sscsim.state.places`); None: no geography.
    places: Places | None = None

    @property
    def n_actors(self) -> int:
        return len(self.iso3)

    @property
    def n_north(self) -> int:
        return self.n_actors - self.n_south

    def geography(self) -> Places:
        """The actors' places; all unknown if the world has no geography."""
        return self.places if self.places is not None else unknown_places(self.n_actors)

    def index(self) -> dict[str, int]:
        """Actor row of each ISO3 code."""
        return {code: k for k, code in enumerate(self.iso3)}


def income_level_from_gdp_per_capita(gdp_per_capita: np.ndarray) -> np.ndarray:
    """World Bank income level (0=L .. 3=H) of a GNI-per-capita proxy, by the FY2026 thresholds."""
    return np.searchsorted(np.asarray(INCOME_THRESHOLDS), gdp_per_capita, side="left").astype(
        np.int64
    )


def build_roster(
    world: WorldTables,
    champions: list[str],
    champions_enabled: bool,
    rule: str | Enum = "g77",
) -> Roster:
    """Select the actors and fix their attributes.

    Southern countries are the rows Southern by `rule` (`world.south`: ``"g77"``, the
    column ``southern``, or ``"non_dac"``, the column ``southern_non_dac``; see
    `sscsim.world.SOUTH_COLUMNS`); northern partners the DAC members. A
    Southern economy without GDP but with population gets the median GDP per capita of its income
    group (flag ``gdp_imputed``); one with neither is left out and listed in ``excluded``.
    Unclassified economies (income group empty) get the level their GDP per capita implies.
    """
    countries = world.countries
    south = countries[southern_mask(countries, rule)].copy()
    north = countries[countries["dac_member"]].copy()

    per_capita = south["gdp_usd"] / south["population"]
    group_median = per_capita.groupby(south["income_group"]).median()
    missing_gdp = south["gdp_usd"].isna() & south["population"].notna()
    median = south["income_group"].map(group_median).fillna(per_capita.median())
    south.loc[missing_gdp, "gdp_usd"] = (median * south["population"])[missing_gdp]
    excluded = tuple(sorted(south.loc[south["gdp_usd"].isna(), "iso3"]))
    if excluded:
        log.debug("left out for lack of GDP and population: %s", ", ".join(excluded))
    south = south[south["gdp_usd"].notna()]
    imputed = missing_gdp.loc[south.index].to_numpy()

    north = north[north["gdp_usd"].notna()]
    table = pd.concat([south, north], ignore_index=True)
    n_south = len(south)

    codes = {code: k for k, code in enumerate(INCOME_CODES)}
    level = table["income_group"].map(codes).fillna(-1).to_numpy(dtype=np.int64)
    proxy = income_level_from_gdp_per_capita(
        (table["gdp_usd"] / table["population"]).to_numpy(dtype=np.float64)
    )
    level = np.where(level < 0, proxy, level)

    sids = table["sids"].to_numpy(dtype=bool)
    iso3 = table["iso3"].to_numpy(dtype=str)
    # Actors of a synthetic world carry the code of the economy they belong to in `country`.
    country = table["country"].to_numpy(dtype=str) if "country" in table else iso3
    is_champion = (
        np.isin(country, list(champions)) if champions_enabled else np.zeros(len(table), bool)
    )
    kind = np.full(len(table), Kind.OTHER, dtype=np.int64)
    kind[:n_south][(level[:n_south] == 1) | (level[:n_south] == 2)] = Kind.MIC
    kind[:n_south][sids[:n_south]] = Kind.SIDS
    kind[:n_south][is_champion[:n_south]] = Kind.CHAMPION
    kind[n_south:] = Kind.NORTH

    return Roster(
        iso3=iso3,
        name=table["name"].to_numpy(dtype=str),
        region=table["region"].map(REGION_INDEX).to_numpy(dtype=np.int64),
        income_level=level,
        sids=sids,
        ldc=table["ldc"].to_numpy(dtype=bool),
        kind=kind,
        gdp_usd=table["gdp_usd"].to_numpy(dtype=np.float64),
        population=table["population"].fillna(0.0).to_numpy(dtype=np.float64),
        gdp_imputed=np.concatenate([imputed, np.zeros(len(north), dtype=bool)]),
        oda_gni_pct=table["oda_gni_pct"].fillna(0.0).to_numpy(dtype=np.float64),
        n_south=n_south,
        excluded=excluded,
        places=build_places(world.geography, country, n_south),
    )


def capacity_level(gdp_per_capita: np.ndarray, sids: np.ndarray) -> np.ndarray:
    """Typical capacity of an economy, in [0, 1], from its GDP per capita (USD).

    Linear in log GDP per capita: 500 USD -> 0.15, 50,000 USD -> 0.75; SIDS 20 % lower.
    """
    level = 0.15 + 0.6 * (np.log10(np.maximum(gdp_per_capita, 1.0)) - np.log10(500.0)) / 2.0
    return np.where(sids, 0.8 * level, level)


@functools.cache
def load_sector_strengths(path: Path | str = SECTOR_STRENGTHS) -> pd.DataFrame:
    """The documented strengths: columns group (an ISO3 code, a region of `world.REGIONS` or
    ``sids``), sector, offset (capacity units, signed), evidence, source."""
    table = pd.read_csv(path)
    missing = {"group", "sector", "offset", "evidence", "source"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    if table["source"].isna().any() or (table["source"].str.strip() == "").any():
        raise ValueError(f"{path}: every strength needs a source")
    return table


def documented_strengths(
    roster: Roster, sectors: Sequence[str], table: pd.DataFrame | None = None
) -> np.ndarray:
    """Offsets to initial capacity from the documented strengths, float64 (n_south,
    n_sectors): the sum of the table's rows that apply to each country (its ISO3 code, its
    region, ``sids``) in each configured sector. Rows of sectors not configured, or of economies
    not in the roster (e.g. the actors of a synthetic world, whose codes are not ISO3), apply to
    no one."""
    table = load_sector_strengths() if table is None else table
    n = roster.n_south
    offsets = np.zeros((n, len(sectors)))
    column = {name: k for k, name in enumerate(sectors)}
    codes = roster.iso3[:n]
    for group, sector, offset in zip(table["group"], table["sector"], table["offset"], strict=True):
        if sector not in column:
            continue
        if group == "sids":
            rows = roster.sids[:n]
        elif group in REGION_INDEX:
            rows = roster.region[:n] == REGION_INDEX[group]
        elif len(group) == 3 and group.isupper():
            rows = codes == group
        else:
            raise ValueError(f"sector strengths: unknown group {group!r}")
        offsets[rows, column[sector]] += float(offset)
    return offsets


def initial_capacity(
    roster: Roster, sectors: Sequence[str], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Initial sector capacities (n_south, len(sectors)) and agency capacities (n_south,), in
    [0, 1].

    Capacity rises with log GDP per capita (500 USD -> 0.15, 50,000 USD -> 0.75; SIDS 20 % lower,
    "little to offer at first"), plus the documented strengths of `documented_strengths` (the
    packaged table `data/sector_strengths.csv`: country flagships such as Cuba in health, a LAC
    profile from SEGIB's sector record, the SIDS' exposure to disaster and climate risk), plus
    a random country-and-sector part (sd `CAPACITY_SPREAD_SD`, an assumption). The cooperation
    agency's capacity rises with the size of the economy (log GDP) and is higher for champions.
    """
    n = roster.n_south
    gdp = roster.gdp_usd[:n]
    per_capita = gdp / np.maximum(roster.population[:n], 1.0)
    base = capacity_level(per_capita, roster.sids[:n])
    spread = rng.normal(0.0, CAPACITY_SPREAD_SD, size=(n, len(sectors)))
    documented = documented_strengths(roster, sectors)
    capacity = np.clip(base[:, None] + documented + spread, 0.02, 0.95)

    size = np.clip((np.log10(np.maximum(gdp, 1.0)) - 8.0) / 5.0, 0.0, 1.0)
    institutional = 0.1 + 0.5 * size + rng.uniform(0.0, 0.1, size=n)
    institutional = np.where(roster.kind[:n] == Kind.CHAMPION, institutional + 0.25, institutional)
    return capacity, np.clip(institutional, 0.05, 0.95)


def interregional(roster: Roster, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Whether each pair of actors joins Asia-Pacific and Latin America & the Caribbean
    (Southern countries only), bool like `first`."""
    first, second = np.asarray(first), np.asarray(second)
    a, b = roster.region[first], roster.region[second]
    southern = (first < roster.n_south) & (second < roster.n_south)
    return southern & (((a == ASIA_PACIFIC) & (b == LAC)) | ((a == LAC) & (b == ASIA_PACIFIC)))
