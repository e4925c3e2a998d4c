"""Persistence of partnerships, measured as researchers measure it: partner-pair histories,
Kaplan-Meier survival of partnership spells and repeat collaboration between periods.

A **partnership** is an unordered pair of Southern countries that take part together in at least
one cooperation action: provider and recipient of an action of any modality, or, given a table
of the participants of multi-country projects (`action`, `country`), every pair of participants.
A pair is **active** in a calendar year if an action between them is in execution during some
step of that year: from its start period to start + `duration_quarters` - 1, cut at the run's
last step, each period mapped to its calendar year by the run's `start_year` and
`steps_per_year`. A **spell** is a run of active years, allowing gaps of at most `gap_years`
inactive years inside it (default 0: consecutive years). Its duration is first to last active
year inclusive, in years. A spell **ends** (an event) when its last active year is followed by
`gap_years` + 1 observed inactive years; otherwise (active, or within a tolerated gap, at the
run's last year) it is **right-censored**. The action log starts with the run, so no spell is
left-censored; spells of one pair are treated as independent.

**Survival**: the Kaplan-Meier estimate S(t) = P(a spell lasts more than t years), with
Greenwood's variance and a 95 % log-log ("exponential Greenwood") confidence interval, as in
Stata's `sts list` and R's `survfit(conf.type="log-log")`; the median is the first t with
S(t) <= 0.5 (None: not reached), its interval from the first t at which the lower bound to the
first t at which the upper bound falls to 0.5 (Brookmeyer and Crowley; None: not reached).

**Repeat collaboration**: of the pairs active in window A (any year of it), the share active
again in window B; by default consecutive 5-year windows (whole windows within the run:
2025-2029, 2030-2034, 2035-2039 for 2025-2040) and year on year, pooled over consecutive
windows (repeated pairs over base pairs). **Re-activation**: the share of partnerships with more
than one spell.

Everything is reported for all pairs and for Asia-Pacific-LAC pairs (one country in each region).
This is an output module: it reads output tables (or a model's), and only the outputs (results,
plots, analyze) import it. docs/ODD.md section 7.11 defines the outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sscsim.state.modalities import MODALITY_NAMES
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.model import SSCModel

CONFIDENCE_Z = 1.959963984540054  # two-sided 95 %
SURVIVAL_HORIZONS: tuple[int, ...] = (1, 3, 5)  # years, reported in the summary
WINDOW_YEARS = 5
ASIA_PACIFIC, LAC = "asia_pacific", "lac"
GROUPS: tuple[str, ...] = ("all", "asia_pacific_lac")

PAIR_COLUMNS: dict[str, str] = {
    "action": "int64",
    "country_a": "string",
    "country_b": "string",
    "period": "int64",
    "duration_quarters": "int64",
    "modality": "string",
}
SPELL_COLUMNS: dict[str, str] = {
    "country_a": "string",
    "country_b": "string",
    "spell": "int64",
    "first_year": "int64",
    "last_year": "int64",
    "duration_years": "int64",
    "active_years": "int64",
    "ended": "bool",
}
PARTNERSHIP_COLUMNS: dict[str, str] = {
    "country_a": "string",
    "country_b": "string",
    "region_a": "string",
    "region_b": "string",
    "interregional": "bool",
    "first_year": "int64",
    "last_year": "int64",
    "active_years": "int64",
    "spells": "int64",
    "active_at_end": "bool",
    "actions": "int64",
    **{f"actions_{name}": "int64" for name in MODALITY_NAMES},
}


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


# --- the calendar of a run ------------------------------------------------------------------
@dataclass(frozen=True)
class Calendar:
    """Maps a run's periods (steps counted from 1) to calendar years."""

    start_year: int  # calendar year of period 1
    steps_per_year: int  # 4: quarters
    last_period: int  # completed steps of the run (>= 0)

    def year_of(self, periods: np.ndarray | int) -> np.ndarray:
        """Calendar year of each period (counting from 1), int64 like `periods`."""
        periods = np.asarray(periods, dtype=np.int64)
        return self.start_year + (periods - 1) // self.steps_per_year

    @property
    def first_year(self) -> int:
        return self.start_year

    @property
    def last_year(self) -> int:
        """Calendar year of the last step (which may be a partial year); start_year if none."""
        return int(self.year_of(max(self.last_period, 1)))

    @property
    def years(self) -> int:
        """Calendar years observed (with at least one step)."""
        return self.last_year - self.first_year + 1

    @classmethod
    def of_model(cls, model: SSCModel) -> Calendar:
        config = model.config
        return cls(int(config.start_year), int(config.steps_per_year), int(model.period))

    @classmethod
    def of_timeseries(cls, timeseries: pd.DataFrame) -> Calendar:
        """From a run's time series (`period`, `time` = start_year + period / steps_per_year)."""
        first = timeseries.loc[timeseries["period"].idxmin()]
        last = timeseries.loc[timeseries["period"].idxmax()]
        periods = int(last["period"]) - int(first["period"])
        elapsed = float(last["time"]) - float(first["time"])
        steps_per_year = round(periods / elapsed) if periods and elapsed > 0 else 4
        start_year = round(float(first["time"]) - int(first["period"]) / steps_per_year)
        return cls(start_year, steps_per_year, int(last["period"]))


# --- partner pairs and their activity -------------------------------------------------------
def partner_pairs(actions: pd.DataFrame, participants: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per action and partner pair: `action`, `country_a` < `country_b` (codes),
    `period`, `duration_quarters`, `modality`.

    `actions` is an action log (`SSCModel.actions_frame()`, `actions.parquet`); an action's id is
    its `action` column if present, else its row position. Without `participants`, each action
    gives the pair provider-recipient. With `participants` (columns `action`, `country`: every
    country taking part in a multi-country project), each action listed there gives every pair of
    its distinct participants instead; actions not listed keep provider-recipient.
    """
    if actions.empty:
        return _empty(PAIR_COLUMNS)
    ids = (
        actions["action"].to_numpy(dtype=np.int64)
        if "action" in actions
        else np.arange(len(actions), dtype=np.int64)
    )
    first = actions["provider"].astype(str).to_numpy()
    second = actions["recipient"].astype(str).to_numpy()
    action_ids, side_a, side_b = [ids], [first], [second]
    if participants is not None and len(participants):
        listed = participants.drop_duplicates(["action", "country"])
        multi_a: list[str] = []
        multi_b: list[str] = []
        multi_id: list[int] = []
        for action, group in listed.groupby("action", sort=True):
            for a, b in combinations(sorted(group["country"].astype(str)), 2):
                multi_id.append(int(action))
                multi_a.append(a)
                multi_b.append(b)
        keep = ~np.isin(ids, listed["action"].to_numpy(dtype=np.int64))
        action_ids = [ids[keep], np.asarray(multi_id, dtype=np.int64)]
        side_a = [first[keep], np.asarray(multi_a, dtype=object)]
        side_b = [second[keep], np.asarray(multi_b, dtype=object)]
    action_id = np.concatenate(action_ids)
    a, b = np.concatenate(side_a).astype(str), np.concatenate(side_b).astype(str)
    swap = a > b
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    row = pd.Series(np.arange(len(actions)), index=ids)
    source = actions.iloc[row.loc[action_id].to_numpy()]
    pairs = pd.DataFrame(
        {
            "action": action_id,
            "country_a": pd.Series(a, dtype="string"),
            "country_b": pd.Series(b, dtype="string"),
            "period": source["period"].to_numpy(dtype=np.int64),
            "duration_quarters": source["duration_quarters"].to_numpy(dtype=np.int64),
            "modality": pd.Series(source["modality"].astype(str).to_numpy(), dtype="string"),
        }
    )
    pairs = pairs[pairs["country_a"] != pairs["country_b"]]
    return pairs.sort_values(["country_a", "country_b", "action"], kind="stable").reset_index(
        drop=True
    )


def active_years(pairs: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """The years in which each pair is active (`country_a`, `country_b`, `year`), one row per
    pair and year, sorted: an action runs from `period` to `period + duration_quarters - 1`,
    cut at the run's last period."""
    if pairs.empty:
        return pd.DataFrame(
            {
                "country_a": pd.Series(dtype="string"),
                "country_b": pd.Series(dtype="string"),
                "year": pd.Series(dtype="int64"),
            }
        )
    start = pairs["period"].to_numpy(dtype=np.int64)
    end = start + np.maximum(pairs["duration_quarters"].to_numpy(dtype=np.int64), 1) - 1
    end = np.minimum(end, max(calendar.last_period, 1))
    first, last = calendar.year_of(start), calendar.year_of(np.maximum(end, start))
    span = last - first + 1
    rows = np.repeat(np.arange(len(pairs)), span)
    offset = np.arange(int(span.sum())) - np.repeat(np.cumsum(span) - span, span)
    frame = pd.DataFrame(
        {
            "country_a": pairs["country_a"].to_numpy()[rows],
            "country_b": pairs["country_b"].to_numpy()[rows],
            "year": np.repeat(first, span) + offset,
        }
    ).astype({"country_a": "string", "country_b": "string", "year": "int64"})
    frame = frame.drop_duplicates().sort_values(["country_a", "country_b", "year"])
    return frame.reset_index(drop=True)


def spells(activity: pd.DataFrame, calendar: Calendar, gap_years: int = 0) -> pd.DataFrame:
    """Partnership spells from the active years (`active_years`): `country_a`, `country_b`,
    `spell` (from 1 within the pair), `first_year`, `last_year` (active years),
    `duration_years` (last - first + 1), `active_years`, `ended` (False: right-censored).

    A spell goes on across at most `gap_years` consecutive inactive years; it ended if its last
    active year is followed by `gap_years` + 1 inactive years within the run."""
    if gap_years < 0:
        raise ValueError(f"gap_years = {gap_years!r}: must be an integer >= 0")
    if activity.empty:
        return _empty(SPELL_COLUMNS)
    a = activity["country_a"].to_numpy()
    b = activity["country_b"].to_numpy()
    year = activity["year"].to_numpy(dtype=np.int64)
    new_pair = np.ones(len(year), dtype=bool)
    new_pair[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    starts = new_pair.copy()
    starts[1:] |= (year[1:] - year[:-1]) > gap_years + 1
    spell_id = np.cumsum(starts) - 1
    pair_start = np.maximum.accumulate(np.where(new_pair, np.arange(len(year)), 0))
    index_in_pair = np.cumsum(starts) - np.cumsum(starts)[pair_start] + 1
    frame = pd.DataFrame({"spell_id": spell_id, "year": year, "number": index_in_pair})
    grouped = frame.groupby("spell_id", sort=True)
    first_row = grouped["year"].idxmin().to_numpy()
    first_year = grouped["year"].min().to_numpy()
    last_year = grouped["year"].max().to_numpy()
    result = pd.DataFrame(
        {
            "country_a": pd.Series(a[first_row], dtype="string"),
            "country_b": pd.Series(b[first_row], dtype="string"),
            "spell": grouped["number"].first().to_numpy(dtype=np.int64),
            "first_year": first_year.astype(np.int64),
            "last_year": last_year.astype(np.int64),
            "duration_years": (last_year - first_year + 1).astype(np.int64),
            "active_years": grouped["year"].size().to_numpy(dtype=np.int64),
            "ended": last_year + gap_years + 1 <= calendar.last_year,
        }
    )
    return result


# --- Kaplan-Meier -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan-Meier curve on a grid of times (arrays of equal length).

    `survival[k]` = S(time[k]) = P(duration > time[k]); `at_risk[k]` spells with duration >=
    time[k]; `events[k]` and `censored[k]` at exactly time[k]; `variance` Greenwood's (NaN where
    S = 0); `low`, `high` the 95 % log-log interval (equal to S where S = 1, NaN where S = 0).
    """

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    variance: np.ndarray
    low: np.ndarray
    high: np.ndarray
    subjects: int = 0

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": self.time,
                "at_risk": self.at_risk,
                "events": self.events,
                "censored": self.censored,
                "survival": self.survival,
                "variance": self.variance,
                "low": self.low,
                "high": self.high,
            }
        )

    def at(self, t: float) -> tuple[float, float, float]:
        """(S, low, high) at time `t`: the values at the last grid time <= t (1 before any)."""
        k = int(np.searchsorted(self.time, t, side="right")) - 1
        if k < 0:
            return 1.0, 1.0, 1.0
        return float(self.survival[k]), float(self.low[k]), float(self.high[k])

    def median(self) -> tuple[float | None, float | None, float | None]:
        """(median, low, high): the first time with S <= 0.5, and the first times with the lower
        and with the upper bound <= 0.5 (Brookmeyer-Crowley); None where not reached."""

        def first(values: np.ndarray) -> float | None:
            below = np.flatnonzero(np.nan_to_num(values, nan=0.0) <= 0.5)
            return float(self.time[below[0]]) if len(below) else None

        return first(self.survival), first(self.low), first(self.high)


def kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    observed: Sequence[bool] | np.ndarray,
    times: Sequence[float] | np.ndarray | None = None,
) -> SurvivalCurve:
    """Kaplan-Meier estimate of survival from `durations` (>= 0) and `observed` (True: the end was
    observed, an event; False: right-censored at that duration), on `times` (default: every
    distinct duration, sorted). Censoring at t counts as after the events at t."""
    durations = np.asarray(durations, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape or durations.ndim != 1:
        raise ValueError("durations and observed must be 1-d arrays of equal length")
    if np.any(~np.isfinite(durations)) or np.any(durations < 0):
        raise ValueError("durations must be finite and >= 0")
    grid = np.unique(durations) if times is None else np.asarray(times, dtype=np.float64)
    if np.any(np.diff(grid) <= 0):
        raise ValueError("times must be increasing")
    # Counts by sorting (O(n log n)): at risk at t = durations >= t; events and censored at t.
    everyone = np.sort(durations)
    ended = np.sort(durations[observed])
    lost = np.sort(durations[~observed])

    def at_risk_at(t: np.ndarray) -> np.ndarray:
        return len(everyone) - np.searchsorted(everyone, t, side="left")

    def count_at(values: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(values, t, side="right") - np.searchsorted(values, t, side="left")

    distinct = np.unique(durations)
    at_risk_d = at_risk_at(distinct)
    events_d = count_at(ended, distinct)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = 1.0 - events_d / at_risk_d
        greenwood_terms = events_d / (at_risk_d * (at_risk_d - events_d))
    survival_d = np.cumprod(factor)
    greenwood_d = np.cumsum(greenwood_terms)  # inf from the time S reaches 0
    # The curve on the grid: the value at the last distinct duration <= t.
    k = np.searchsorted(distinct, grid, side="right") - 1
    before = k < 0
    ks = np.maximum(k, 0)
    survival = np.where(before, 1.0, survival_d[ks] if len(distinct) else 1.0)
    greenwood = np.where(before, 0.0, greenwood_d[ks] if len(distinct) else 0.0)
    at_risk = at_risk_at(grid)
    events = count_at(ended, grid)
    censored = count_at(lost, grid)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(survival > 0, survival**2 * greenwood, np.nan)
        log_s = np.log(survival)
        spread = CONFIDENCE_Z * np.sqrt(greenwood) / np.abs(log_s)
        low = survival ** np.exp(spread)
        high = survival ** np.exp(-spread)
    whole = survival >= 1.0
    low = np.where(whole, 1.0, np.where(survival > 0, low, np.nan))
    high = np.where(whole, 1.0, np.where(survival > 0, high, np.nan))
    return SurvivalCurve(
        time=grid,
        at_risk=at_risk.astype(np.int64),
        events=events.astype(np.int64),
        censored=censored.astype(np.int64),
        survival=survival,
        variance=variance,
        low=low,
        high=high,
        subjects=len(durations),
    )


def spell_survival(spell_table: pd.DataFrame, calendar: Calendar) -> SurvivalCurve:
    """Kaplan-Meier survival of spells (duration in years) at t = 1 .. the run's years."""
    times = np.arange(1, calendar.years + 1)
    return kaplan_meier(
        spell_table["duration_years"].to_numpy(dtype=np.float64),
        spell_table["ended"].to_numpy(dtype=bool),
        times,
    )


# --- repeat collaboration -------------------------------------------------------------------
def consecutive_windows(first_year: int, last_year: int, length: int) -> list[tuple[int, int]]:
    """Whole windows of `length` years from `first_year` within `last_year`, as (first, last)."""
    if length < 1:
        raise ValueError(f"length = {length!r}: must be an integer >= 1")
    starts = range(first_year, last_year - length + 2, length)
    return [(start, start + length - 1) for start in starts]


def _pairs_in(activity: pd.DataFrame, window: tuple[int, int]) -> set[tuple[str, str]]:
    inside = activity[(activity["year"] >= window[0]) & (activity["year"] <= window[1])]
    return set(zip(inside["country_a"].astype(str), inside["country_b"].astype(str), strict=True))


def repeat_rates(activity: pd.DataFrame, windows: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """For each window A and the next window B: `base` pairs active in A, `repeated` of them
    active in B, `rate` = repeated / base (NaN without base pairs)."""
    rows = []
    for window_a, window_b in pairwise(windows):
        base = _pairs_in(activity, window_a)
        repeated = len(base & _pairs_in(activity, window_b))
        rows.append(
            {
                "window_a": f"{window_a[0]}-{window_a[1]}",
                "window_b": f"{window_b[0]}-{window_b[1]}",
                "base": len(base),
                "repeated": repeated,
                "rate": repeated / len(base) if base else float("nan"),
            }
        )
    columns = ["window_a", "window_b", "base", "repeated", "rate"]
    return pd.DataFrame(rows, columns=columns)


def pooled_rate(rates: pd.DataFrame) -> float | None:
    """Repeated pairs over base pairs, summed over the window pairs (None without base pairs)."""
    base = int(rates["base"].sum()) if len(rates) else 0
    return float(rates["repeated"].sum()) / base if base else None


# --- the whole analysis -------------------------------------------------------------------------
def _interregional(region_a: pd.Series, region_b: pd.Series) -> np.ndarray:
    a, b = region_a.astype(str).to_numpy(), region_b.astype(str).to_numpy()
    return ((a == ASIA_PACIFIC) & (b == LAC)) | ((a == LAC) & (b == ASIA_PACIFIC))


def interregional_pairs(frame: pd.DataFrame, regions: dict[str, str]) -> np.ndarray:
    """Whether each row's pair (`country_a`, `country_b`) joins Asia-Pacific and LAC, bool."""
    region_a = frame["country_a"].astype(str).map(regions)
    region_b = frame["country_b"].astype(str).map(regions)
    return _interregional(region_a, region_b)


@dataclass
class Persistence:
    """The persistence analysis of one run (see the module's docstring)."""

    calendar: Calendar
    gap_years: int
    pairs: pd.DataFrame  # partner_pairs
    activity: pd.DataFrame  # active_years
    spells: pd.DataFrame  # spells, with `interregional`
    partnerships: pd.DataFrame  # one row per pair (PARTNERSHIP_COLUMNS)
    curves: dict[str, SurvivalCurve] = field(default_factory=dict)  # by group
    windows: list[tuple[int, int]] = field(default_factory=list)

    def group(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """Rows of a pair-level frame (with `interregional`) in a group ("all" or AP-LAC)."""
        return frame if name == "all" else frame[frame["interregional"].to_numpy(dtype=bool)]

    def summary(self) -> dict[str, Any]:
        """The `persistence` block of summary.json."""
        block: dict[str, Any] = {
            "gap_years": self.gap_years,
            "first_year": self.calendar.first_year,
            "last_year": self.calendar.last_year,
        }
        for name in GROUPS:
            block[name] = self._group_summary(name)
        return block

    def _group_summary(self, name: str) -> dict[str, Any]:
        spell_table = self.group(self.spells, name)
        partnerships = self.group(self.partnerships, name)
        activity = self.group(self.activity, name)
        curve = self.curves[name]
        median, median_low, median_high = curve.median()
        out: dict[str, Any] = {
            "pairs": len(partnerships),
            "spells": len(spell_table),
            "spells_ended": int(spell_table["ended"].sum()),
            "median_years": median,
            "median_reached": median is not None,
            "median_low": median_low,
            "median_high": median_high,
        }
        for t in SURVIVAL_HORIZONS:
            entry: dict[str, Any] = {"estimate": None, "low": None, "high": None, "at_risk": 0}
            if len(spell_table) and t <= self.calendar.years:
                estimate, low, high = curve.at(t)
                entry = {
                    "estimate": estimate,
                    "low": None if np.isnan(low) else low,
                    "high": None if np.isnan(high) else high,
                    "at_risk": int(curve.at_risk[t - 1]),
                }
            out[f"survival_{t}y"] = entry
        five_year = repeat_rates(activity, self.windows)
        yearly = repeat_rates(
            activity, consecutive_windows(self.calendar.first_year, self.calendar.last_year, 1)
        )
        out["repeat_rate_5y"] = pooled_rate(five_year)
        out["repeat_rate_5y_windows"] = {
            f"{row.window_a}_to_{row.window_b}": (None if np.isnan(row.rate) else float(row.rate))
            for row in five_year.itertuples(index=False)
        }
        out["repeat_rate_yearly"] = pooled_rate(yearly)
        out["reactivated_share"] = (
            float((partnerships["spells"] > 1).mean()) if len(partnerships) else None
        )
        return out


def analyse(
    actions: pd.DataFrame,
    regions: dict[str, str],
    calendar: Calendar,
    participants: pd.DataFrame | None = None,
    gap_years: int = 0,
    windows: Sequence[tuple[int, int]] | None = None,
) -> Persistence:
    """The persistence analysis of an action log.

    `regions` maps country codes to region names (world.REGIONS); `windows` are the periods of
    the repeat-collaboration rate, compared each with the next (default: consecutive whole
    5-year windows of the run)."""
    pairs = partner_pairs(actions, participants)
    activity = active_years(pairs, calendar)
    activity = activity.assign(interregional=interregional_pairs(activity, regions))
    spell_table = spells(activity, calendar, gap_years)
    spell_table = spell_table.assign(interregional=interregional_pairs(spell_table, regions))
    table = partnerships_table(pairs, activity, spell_table, regions, calendar)
    chosen = (
        list(windows)
        if windows is not None
        else consecutive_windows(calendar.first_year, calendar.last_year, WINDOW_YEARS)
    )
    result = Persistence(calendar, gap_years, pairs, activity, spell_table, table, windows=chosen)
    for name in GROUPS:
        result.curves[name] = spell_survival(result.group(spell_table, name), calendar)
    return result


def partnerships_table(
    pairs: pd.DataFrame,
    activity: pd.DataFrame,
    spell_table: pd.DataFrame,
    regions: dict[str, str],
    calendar: Calendar,
) -> pd.DataFrame:
    """One row per partnership (PARTNERSHIP_COLUMNS), sorted by `country_a`, `country_b`."""
    if pairs.empty:
        return _empty(PARTNERSHIP_COLUMNS)
    keys = ["country_a", "country_b"]
    counts = pairs.groupby(keys, sort=True).agg(actions=("action", "size"))
    by_modality = pd.crosstab(
        [pairs["country_a"], pairs["country_b"]], pairs["modality"].astype(str)
    )
    for name in MODALITY_NAMES:
        counts[f"actions_{name}"] = by_modality[name] if name in by_modality else 0
    years = activity.groupby(keys, sort=True)["year"].agg(["min", "max", "size"])
    years.columns = ["first_year", "last_year", "active_years"]
    spell_counts = spell_table.groupby(keys, sort=True).size().rename("spells")
    table = years.join(spell_counts).join(counts).reset_index()
    table.insert(2, "region_a", table["country_a"].astype(str).map(regions))
    table.insert(3, "region_b", table["country_b"].astype(str).map(regions))
    table.insert(4, "interregional", _interregional(table["region_a"], table["region_b"]))
    table["active_at_end"] = table["last_year"] == calendar.last_year
    table = table[list(PARTNERSHIP_COLUMNS)]
    return table.astype(PARTNERSHIP_COLUMNS).reset_index(drop=True)


def regions_of_agents(agents: pd.DataFrame) -> dict[str, str]:
    """Country code -> region, from a run's country panel (`agents.parquet`: `iso3`, `region`)."""
    unique = agents[["iso3", "region"]].drop_duplicates("iso3")
    return dict(zip(unique["iso3"].astype(str), unique["region"].astype(str), strict=True))


def regions_of_model(model: SSCModel) -> dict[str, str]:
    """Country code -> region of the model's Southern countries (its roster)."""
    roster = model.state.roster
    n = roster.n_south
    return {
        str(code): REGIONS[int(r)]
        for code, r in zip(roster.iso3[:n], roster.region[:n], strict=True)
    }


def analyse_model(model: SSCModel, **options: Any) -> Persistence:
    """`analyse` on a model's action log, roster and calendar (options as for `analyse`)."""
    return analyse(
        model.actions_frame(),
        regions_of_model(model),
        Calendar.of_model(model),
        participants=model.participants_frame(),
        **options,
    )


def analyse_tables(tables: dict[str, pd.DataFrame], **options: Any) -> Persistence:
    """`analyse` on a run's tables (`actions`, `agents`, `timeseries`), e.g. read from its
    folder; options as for `analyse`."""
    return analyse(
        tables["actions"],
        regions_of_agents(tables["agents"]),
        Calendar.of_timeseries(tables["timeseries"]),
        participants=tables.get("action_participants"),
        **options,
    )
