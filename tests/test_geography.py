"""The geography table (GeoNames capitals, languages, land neighbours), its loader and the
distance, contiguity and shared-language helpers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sscsim.geography import (
    contiguity_matrix,
    distance_km,
    distance_matrix,
    shared_language_matrix,
)
from sscsim.synthetic import synthetic_world
from sscsim.world import (
    DEFAULT_GEOGRAPHY,
    GEOGRAPHY_COLUMNS,
    WorldDataError,
    WorldTables,
    load_geography,
    load_world,
)


@pytest.fixture(scope="module")
def geography(world: WorldTables) -> pd.DataFrame:
    assert world.geography is not None
    return world.geography


def test_packaged_table(world: WorldTables, geography: pd.DataFrame) -> None:
    assert list(geography.columns) == list(GEOGRAPHY_COLUMNS)
    assert geography["iso3"].is_monotonic_increasing and geography["iso3"].is_unique
    # every economy of countries.csv but the Channel Islands (not in GeoNames)
    assert set(world.countries["iso3"]) - set(geography["iso3"]) == {"CHI"}
    g = geography.set_index("iso3")
    assert set(g.index[g["latitude"].isna()]) == {"BES", "PLW"}  # documented in SOURCES.md
    assert g.at["COL", "capital"] == "Bogota"
    assert g.at["COL", "languages"] == ("es",)
    assert g.at["THA", "neighbours"] == ("KHM", "LAO", "MMR", "MYS")
    assert g["latitude"].dropna().between(-90, 90).all()
    assert g["longitude"].dropna().between(-180, 180).all()


def test_distance_km_known_pairs() -> None:
    bogota, bangkok = (4.60971, -74.08175), (13.75398, 100.50144)
    lima, quito = (-12.04318, -77.02824), (-0.22985, -78.52495)
    assert distance_km(*bogota, *bangkok) == pytest.approx(17_900, rel=0.02)
    assert distance_km(*lima, *quito) == pytest.approx(1_300, rel=0.02)
    assert distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(np.pi * 6371.0088)
    many = distance_km(np.array([0.0, 10.0]), 0.0, np.array([[0.0], [1.0]]), 0.0)
    assert many.shape == (2, 2) and many[0, 0] == 0.0


def test_distance_matrix(geography: pd.DataFrame) -> None:
    codes = ["COL", "THA", "PER", "ECU", "PLW"]
    d = distance_matrix(codes, geography)
    assert d.shape == (5, 5) and d.dtype == np.float64
    assert d[0, 1] == pytest.approx(17_900, rel=0.02)  # Bogota - Bangkok
    assert d[2, 3] == pytest.approx(1_300, rel=0.02)  # Lima - Quito
    finite = d[:4, :4]
    assert np.allclose(finite, finite.T) and np.all(np.diag(finite) == 0)
    assert np.isnan(d[4]).all() and np.isnan(d[:, 4]).all()  # Palau: no capital coordinates
    with pytest.raises(KeyError, match="CHI"):
        distance_matrix(["COL", "CHI"], geography)


def test_contiguity(geography: pd.DataFrame) -> None:
    codes = ["COL", "PER", "THA", "LAO", "MEX", "FJI"]
    c = contiguity_matrix(codes, geography)
    assert c.dtype == bool and (c == c.T).all() and not c.diagonal().any()
    assert c[0, 1] and c[2, 3]  # COL-PER, THA-LAO
    assert not c[0, 2] and not c[4].any() and not c[5].any()  # MEX's neighbours are not listed
    everyone = list(geography["iso3"])
    full = contiguity_matrix(everyone, geography)
    assert (full == full.T).all()


def test_shared_language(geography: pd.DataFrame) -> None:
    latin = ["MEX", "COL", "PER", "ARG", "CHL", "CUB", "GTM", "BOL", "ECU", "URY"]
    s = shared_language_matrix(latin, geography)
    assert s.all()  # Spanish
    pair = shared_language_matrix(["MEX", "THA"], geography)
    assert not pair[0, 1] and pair[0, 0] and pair[1, 1]
    assert shared_language_matrix(["BRA", "AGO"], geography)[0, 1]  # Portuguese


def test_synthetic_world_keeps_the_economies_geography(world: WorldTables) -> None:
    assert synthetic_world(20, base=world).geography is world.geography


def test_user_tables_may_omit_it(tmp_path: Path) -> None:
    from sscsim.world import DEFAULT_COUNTRIES

    countries = tmp_path / "countries.csv"
    countries.write_bytes(DEFAULT_COUNTRIES.read_bytes())
    assert load_world(countries).geography is None
    assert load_world(countries, geography_path=str(DEFAULT_GEOGRAPHY)).geography is not None


def _rows() -> list[list[str]]:
    text = DEFAULT_GEOGRAPHY.read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


@pytest.mark.parametrize(
    ("iso3", "column", "value", "reason"),
    [
        ("COL", "latitude", "95.0", "outside [-90, 90]"),
        ("COL", "longitude", "-181", "outside [-180, 180]"),
        ("COL", "latitude", "north", "not a number"),
        ("COL", "latitude", "", "the other coordinate is given"),
        ("COL", "languages", "spa", "ISO 639-1"),
        ("COL", "languages", "es;es", "twice"),
        ("COL", "neighbours", "PER;br", "ISO3 codes"),
        ("COL", "neighbours", "PER;COL", "its own neighbour"),
        ("COL", "neighbours", "PER;ZZZ", "not economies of the countries table"),
        ("COL", "iso3", "ZZZ", "not an economy of the countries table"),
        ("COL", "iso3", "col", "3 uppercase letters"),
        ("COL", "iso3", "PER", "repeat"),
    ],
)
def test_loader_errors(tmp_path: Path, iso3: str, column: str, value: str, reason: str) -> None:
    rows = _rows()
    j = rows[0].index(column)
    i = next(k for k, r in enumerate(rows) if r[0] == iso3)
    rows[i][j] = value
    path = _write(tmp_path / "geography.csv", rows)
    with pytest.raises(WorldDataError) as exc:
        load_world(geography_path=path)
    message = str(exc.value)
    assert str(path) in message and reason in message
    if column != "iso3" or reason != "repeat":
        assert f"row {i} (line {i + 1}), column {column!r}" in message
        assert repr(value) in message or value == ""


def test_loader_missing_column(tmp_path: Path) -> None:
    rows = [r[:-1] for r in _rows()]
    path = _write(tmp_path / "geography.csv", rows)
    with pytest.raises(WorldDataError, match=r"missing required column.*'neighbours'"):
        load_geography(path)
