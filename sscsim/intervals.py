"""Confidence intervals of a mean over a few seeds, from Student's t distribution.

A sweep runs each combination of values with a handful of seeds; the mean over n seeds has a
95 % interval of ``t(0.975, n - 1) * sd / sqrt(n)`` on either side, where t(0.975, 2) = 4.30
for 3 seeds: the normal 1.96 would claim more than twice the precision the seeds give.

The quantile comes from `scipy.stats.t` when scipy is importable (it is only in the `bench`
and `sensitivity` extras), else from the exact closed form of Student's distribution for whole
degrees of freedom (Abramowitz and Stegun 26.7.3-4), inverted by bisection; the two agree to
about 1e-12 (tests/test_intervals.py).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from sscsim.extras import MissingExtraError, require

LEVEL = 0.95  # the confidence level of every interval the figures draw


def _central_probability(theta: float, df: int) -> float:
    """P(|T| < t) for Student's T with `df` whole degrees of freedom, with
    theta = atan(t / sqrt(df)) in [0, pi/2): the series of Abramowitz and Stegun 26.7.3
    (odd df) and 26.7.4 (even df)."""
    cos, sin = math.cos(theta), math.sin(theta)
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for k in range(2, df - 1, 2):  # (1 * 3 ... (k-1)) / (2 * 4 ... k) cos^k
            term *= (k - 1) / k * cos * cos
            total += term
        return sin * total
    if df == 1:
        return 2.0 * theta / math.pi
    term, total = cos, cos
    for k in range(3, df - 1, 2):  # (2 * 4 ... (k-1)) / (3 * 5 ... k) cos^k
        term *= (k - 1) / k * cos * cos
        total += term
    return 2.0 / math.pi * (theta + sin * total)


def exact_t_quantile(probability: float, df: int) -> float:
    """The `probability` quantile (0.5 <= probability < 1) of Student's t distribution with
    `df` >= 1 whole degrees of freedom, without scipy: bisection on the closed-form CDF to
    double precision."""
    if not 0.5 <= probability < 1.0:
        raise ValueError(f"t quantile: probability = {probability!r}: must be in [0.5, 1)")
    if int(df) != df or df < 1:
        raise ValueError(f"t quantile: df = {df!r}: must be a whole number >= 1")
    central = 2.0 * probability - 1.0  # P(|T| < t) for the upper quantile t
    low, high = 0.0, math.pi / 2
    for _ in range(200):  # the bracket halves each time: far below double precision
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if _central_probability(middle, int(df)) < central:
            low = middle
        else:
            high = middle
    return math.sqrt(df) * math.tan(0.5 * (low + high))


@functools.cache
def t_quantile(probability: float, df: int) -> float:
    """The `probability` quantile of Student's t with `df` degrees of freedom: scipy's if
    scipy is importable, else `exact_t_quantile`."""
    try:
        stats = require("scipy.stats", "t intervals")
    except MissingExtraError:
        return exact_t_quantile(probability, df)
    if df < 1:
        raise ValueError(f"t quantile: df = {df!r}: must be >= 1")
    return float(stats.t.ppf(probability, df))


def t_half_width(std: pd.Series, count: pd.Series, level: float = LEVEL) -> pd.Series:
    """Half-width of the `level` confidence interval of a mean, element by element:
    t((1 + level) / 2, n - 1) * sd / sqrt(n) for n = `count` >= 2 values of standard deviation
    `std` (ddof 1), in the values' units; NaN where n < 2 (one seed gives no interval)."""
    counts = count.to_numpy(dtype=np.int64)
    quantile = np.array(
        [t_quantile((1.0 + level) / 2.0, int(n) - 1) if n >= 2 else np.nan for n in counts]
    )
    half = quantile * std.to_numpy(dtype=float) / np.sqrt(np.maximum(counts, 1))
    return pd.Series(half, index=std.index)
