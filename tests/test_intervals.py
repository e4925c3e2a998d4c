"""Confidence intervals over few seeds: Student's t quantiles, with and without scipy."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from sscsim import intervals
from sscsim.analyze import confidence_band
from sscsim.extras import MissingExtraError

# Two-sided 95 % quantiles t(0.975, df) as printed in statistical tables (e.g. NIST/SEMATECH
# e-Handbook of Statistical Methods, section 1.3.6.7.2), to the table's 3 decimals.
PRINTED_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 19: 2.093, 100: 1.984}


@pytest.mark.parametrize(("df", "printed"), sorted(PRINTED_975.items()))
def test_the_exact_quantile_matches_the_printed_table(df, printed):
    assert intervals.exact_t_quantile(0.975, df) == pytest.approx(printed, abs=5e-4)


def test_the_exact_quantile_matches_scipy_to_double_precision():
    stats = pytest.importorskip("scipy.stats")
    for df in (*range(1, 80), 150, 999):
        for probability in (0.5, 0.9, 0.95, 0.975, 0.995, 0.9995):
            expected = stats.t.ppf(probability, df)
            assert intervals.exact_t_quantile(probability, df) == pytest.approx(
                expected, rel=1e-11, abs=1e-12
            ), (df, probability)


def test_without_scipy_the_exact_quantile_is_used(monkeypatch):
    def missing(module, purpose):
        raise MissingExtraError(f"{purpose} needs scipy")

    monkeypatch.setattr(intervals, "require", missing)
    intervals.t_quantile.cache_clear()
    try:
        assert intervals.t_quantile(0.975, 2) == intervals.exact_t_quantile(0.975, 2)
    finally:
        intervals.t_quantile.cache_clear()


@pytest.mark.parametrize(
    ("probability", "df"), [(0.4, 3), (1.0, 3), (0.975, 0), (0.975, 2.5)], ids=str
)
def test_bad_arguments_are_named(probability, df):
    with pytest.raises(ValueError, match="must be"):
        intervals.exact_t_quantile(probability, df)


def seeds_frame(values_by_seed: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"seed": range(1, len(values_by_seed) + 1), "time": 2025.0, "metric": values_by_seed}
    )


def test_with_three_seeds_the_t_interval_is_wider_than_the_normal_one():
    values = [1.0, 2.0, 4.0]
    band = confidence_band(seeds_frame(values), [], "metric").iloc[0]
    half = band["high"] - band["mean"]
    standard_error = np.std(values, ddof=1) / np.sqrt(3)
    normal = NormalDist().inv_cdf(0.975) * standard_error  # the 1.96 of the normal approximation
    assert half == pytest.approx(intervals.exact_t_quantile(0.975, 2) * standard_error)
    assert half > 2 * normal  # t(0.975, 2) = 4.30: more than twice 1.96
    assert band["low"] == pytest.approx(band["mean"] - half)


def test_with_many_seeds_the_t_interval_approaches_the_normal_one():
    values = list(np.random.default_rng(0).normal(size=400))
    band = confidence_band(seeds_frame(values), [], "metric").iloc[0]
    normal = NormalDist().inv_cdf(0.975) * np.std(values, ddof=1) / np.sqrt(400)
    assert band["high"] - band["mean"] == pytest.approx(normal, rel=0.01)


def test_one_seed_gives_no_interval():
    band = confidence_band(seeds_frame([3.0]), [], "metric").iloc[0]
    assert band["mean"] == 3.0 and np.isnan(band["low"]) and np.isnan(band["high"])
