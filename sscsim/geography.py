"""Geography of the world's economies: great-circle distance, land contiguity and shared
language, as (n, n) matrices over a list of ISO3 codes.

Pure functions of the geography table (`sscsim.world.load_geography`; the packaged one is
GeoNames data, see sscsim/data/SOURCES.md). Nothing here reads the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "EARTH_RADIUS_KM",
    "contiguity_matrix",
    "distance_km",
    "distance_matrix",
    "shared_language_matrix",
]

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), km


def distance_km(
    lat1: np.ndarray | float,
    lon1: np.ndarray | float,
    lat2: np.ndarray | float,
    lon2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle (haversine) distance in km between points given in decimal degrees.

    Vectorised: the arguments broadcast against each other (numpy rules); NaN in, NaN out.
    On a sphere of radius :data:`EARTH_RADIUS_KM`; within about 0.5 % of the ellipsoidal
    distance.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _rows(codes: Sequence[str], geography: pd.DataFrame) -> pd.DataFrame:
    """The geography rows of `codes`, in that order; a KeyError names codes without a row."""
    table = geography.set_index("iso3")
    missing = [code for code in codes if code not in table.index]
    if missing:
        raise KeyError(f"no geography row for {', '.join(map(str, missing))}")
    return table.loc[list(codes)]


def distance_matrix(codes: Sequence[str], geography: pd.DataFrame) -> np.ndarray:
    """Distances between the capitals of `codes`, km, float64 (n, n), zero diagonal.

    NaN in the rows and columns of an economy whose capital has no coordinates (the packaged
    table: Bonaire, Sint Eustatius and Saba; Palau).
    """
    rows = _rows(codes, geography)
    lat = rows["latitude"].to_numpy(dtype=np.float64)
    lon = rows["longitude"].to_numpy(dtype=np.float64)
    out = distance_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    np.fill_diagonal(out, np.where(np.isnan(lat), np.nan, 0.0))
    return out


def contiguity_matrix(codes: Sequence[str], geography: pd.DataFrame) -> np.ndarray:
    """Whether each pair of `codes` shares a land border, bool (n, n), symmetric, False diagonal.

    A pair is contiguous if either lists the other among its neighbours.
    """
    rows = _rows(codes, geography)
    position = {code: k for k, code in enumerate(codes)}
    out = np.zeros((len(codes), len(codes)), dtype=bool)
    for k, neighbours in enumerate(rows["neighbours"]):
        for other in neighbours:
            j = position.get(other)
            if j is not None:
                out[k, j] = out[j, k] = True
    np.fill_diagonal(out, False)
    return out


def shared_language_matrix(codes: Sequence[str], geography: pd.DataFrame) -> np.ndarray:
    """Whether each pair of `codes` has a language in common, bool (n, n), symmetric.

    Any shared ISO 639-1 code of the `languages` column; the diagonal is True for an economy
    with a language, False for one without.
    """
    rows = _rows(codes, geography)
    vocabulary = sorted({language for languages in rows["languages"] for language in languages})
    index = {language: k for k, language in enumerate(vocabulary)}
    speaks = np.zeros((len(codes), len(vocabulary)), dtype=np.int64)
    for k, languages in enumerate(rows["languages"]):
        speaks[k, [index[language] for language in languages]] = 1
    return (speaks @ speaks.T) > 0
