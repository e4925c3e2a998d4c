"""Engagement: SEGIB's record packaged as the build script writes it, and the rule that turns it
into each country's scale of cooperation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sscsim.state.engagement import CALIBRATION_YEARS, DATA, engagement, gdp_fit, load_segib
from sscsim.state.roster import Kind, build_roster

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data"


def test_the_packaged_table_is_what_the_build_script_writes():
    if not (SOURCE / "segib_country_year_2007_2024.csv").exists():
        pytest.skip("the shared data folder is not beside the repository")
    spec = importlib.util.spec_from_file_location(
        "build", ROOT / "scripts" / "build_segib_table.py"
    )
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.build(SOURCE / "segib_country_year_2007_2024.csv") == DATA.read_text()


def test_segib_countries_take_their_calibration_mean_and_others_the_gdp_fit(world):
    roster = build_roster(world, ["IDN", "COL"], True)
    segib = load_segib()
    value, known = engagement(roster, segib, champion_multiplier=2.0)
    codes = list(roster.iso3[: roster.n_south])
    mean = segib[[f"y{year}" for year in CALIBRATION_YEARS]].mean(axis=1)
    assert known.sum() == 19
    assert value[codes.index("MEX")] == pytest.approx(mean["MEX"])
    # Colombia is a champion but in SEGIB's record: its data already show it, no multiplier.
    assert value[codes.index("COL")] == pytest.approx(mean["COL"])
    slope, intercept = gdp_fit(mean, pd.Series(roster.gdp_usd[: roster.n_south], index=codes))
    for code, multiplier in (("KEN", 1.0), ("IDN", 2.0)):
        k = codes.index(code)
        expected = multiplier * np.exp(intercept + slope * np.log(roster.gdp_usd[k]))
        assert value[k] == pytest.approx(expected)
    assert roster.kind[codes.index("IDN")] == Kind.CHAMPION


def test_the_gdp_fit_recovers_a_power_law():
    gdp = pd.Series([1e9, 1e10, 1e11, 1e12], index=list("ABCD"))
    observed = 3.0 * gdp**0.25
    slope, intercept = gdp_fit(observed, gdp)
    assert slope == pytest.approx(0.25) and np.exp(intercept) == pytest.approx(3.0)
