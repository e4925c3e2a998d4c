"""How engaged each Southern country is in South-South cooperation: initiatives it takes part in
a year, the scale of its SSC fund and of its demand (docs/ODD.md, section 7.1).

For the 19 Latin American countries of SEGIB's record the engagement is their mean participation
in SEGIB initiatives over the calibration years 2015-2019 (docs/validation.md: calibration data;
2021-2024 are held out). Elsewhere it is predicted from GDP by a log-log least-squares fit on
those 19 (larger economies run larger programmes, less than proportionally), and champions
outside SEGIB's record invest `champion_budget_multiplier` times as much.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sscsim.state.roster import Kind, Roster

DATA = Path(__file__).resolve().parent.parent / "data" / "segib_participation.csv"
CALIBRATION_YEARS: tuple[int, ...] = (2015, 2016, 2017, 2018, 2019)


def load_segib(path: Path | str | None = None) -> pd.DataFrame:
    """SEGIB initiatives per country and year: index ISO3, columns `y2007` .. `y2024`."""
    return pd.read_csv(path or DATA, index_col="iso3")


def engagement(
    roster: Roster, segib: pd.DataFrame, champion_multiplier: float
) -> tuple[np.ndarray, np.ndarray]:
    """Initiatives a year each Southern country takes part in, float64 (n_south,), and whether it
    comes from SEGIB's record (bool (n_south,)); see the module docstring."""
    n = roster.n_south
    codes = roster.iso3[:n]
    observed = segib[[f"y{year}" for year in CALIBRATION_YEARS]].mean(axis=1)
    known = np.isin(codes, observed.index)
    gdp = roster.gdp_usd[:n]
    slope, intercept = gdp_fit(observed, pd.Series(gdp, index=codes))
    predicted = np.exp(intercept + slope * np.log(gdp))
    value = np.where(known, observed.reindex(codes).to_numpy(dtype=np.float64), predicted)
    champion = (roster.kind[:n] == Kind.CHAMPION) & ~known
    return np.where(champion, champion_multiplier * value, value), known


def gdp_fit(observed: pd.Series, gdp: pd.Series) -> tuple[float, float]:
    """Least-squares (slope, intercept) of log engagement on log GDP over the countries of
    `observed` that have a GDP; (0, log mean) if fewer than two do."""
    both = observed.index.intersection(gdp.index)
    if len(both) < 2:
        return 0.0, float(np.log(max(observed.mean(), 1e-9)))
    x = np.log(gdp.loc[both].to_numpy(dtype=np.float64))
    y = np.log(np.maximum(observed.loc[both].to_numpy(dtype=np.float64), 1e-9))
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)
