"""Persistence of partnerships (sscsim.persistence): the Kaplan-Meier estimator against hand
computations and a textbook example, spells and repeat rates from hand-made action logs, the
Asia-Pacific-LAC selection, and the run folder's table, summary block, figure and sweep columns."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscsim import persistence
from sscsim.persistence import Calendar, kaplan_meier

PACKAGE = Path(__file__).resolve().parent.parent / "sscsim"


# --- Kaplan-Meier -----------------------------------------------------------------------------
def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    curve = kaplan_meier([1, 2, 2, 3], [True, True, True, True], times=[1, 2, 3])
    assert curve.survival.tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert curve.at_risk.tolist() == [4, 3, 1]
    assert curve.events.tolist() == [1, 2, 1]
    assert math.isnan(curve.low[2]) and math.isnan(curve.variance[2])  # undefined at S = 0


def test_kaplan_meier_with_censoring_by_hand():
    # 1, 2+, 3, 3, 4+ : S(1) = 4/5; censored at 2; S(3) = 4/5 * 1/3; censored at 4.
    curve = kaplan_meier([1, 2, 3, 3, 4], [True, False, True, True, False], times=[1, 2, 3, 4, 5])
    s1, s3 = 0.8, 0.8 / 3
    assert curve.survival.tolist() == pytest.approx([s1, s1, s3, s3, s3])
    assert curve.at_risk.tolist() == [5, 4, 3, 1, 0]
    assert curve.censored.tolist() == [0, 1, 0, 1, 0]
    greenwood_1 = 1 / (5 * 4)
    greenwood_3 = greenwood_1 + 2 / (3 * 1)
    assert curve.variance[0] == pytest.approx(s1**2 * greenwood_1)
    assert curve.variance[2] == pytest.approx(s3**2 * greenwood_3)
    # log-log interval: S ** exp(-+ z se(log S) / |log S|)
    spread = 1.959963984540054 * math.sqrt(greenwood_3) / abs(math.log(s3))
    assert curve.low[2] == pytest.approx(s3 ** math.exp(spread))
    assert curve.high[2] == pytest.approx(s3 ** math.exp(-spread))
    assert curve.at(0.5) == (1.0, 1.0, 1.0)
    assert curve.at(3.7)[0] == pytest.approx(s3)
    assert curve.median()[0] == 3.0


# Freireich et al. (1963), 6-MP arm of the leukaemia remission trial (Gehan 1965): weeks in
# remission, 0 = censored. The estimates, Greenwood standard errors and log-log intervals are
# those printed by Stata's `sts list` (and R's survfit(conf.type = "log-log")) for these data.
SIX_MP_WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
SIX_MP_PUBLISHED = {  # week: (S, standard error, low, high)
    6: (0.8571, 0.0764, 0.6197, 0.9516),
    7: (0.8067, 0.0869, 0.5631, 0.9228),
    10: (0.7529, 0.0963, 0.5032, 0.8894),
    13: (0.6902, 0.1068, 0.4316, 0.8491),
    16: (0.6275, 0.1141, 0.3675, 0.8049),
    22: (0.5378, 0.1282, 0.2678, 0.7468),
    23: (0.4482, 0.1346, 0.1881, 0.6801),
}


def test_kaplan_meier_reproduces_the_six_mp_textbook_example():
    curve = kaplan_meier(SIX_MP_WEEKS, np.array(SIX_MP_RELAPSE, dtype=bool))
    table = curve.frame().set_index("time")
    for week, (survival, error, low, high) in SIX_MP_PUBLISHED.items():
        row = table.loc[float(week)]
        assert row["survival"] == pytest.approx(survival, abs=5e-5)
        assert math.sqrt(row["variance"]) == pytest.approx(error, abs=5e-5)
        assert row["low"] == pytest.approx(low, abs=5e-5)
        assert row["high"] == pytest.approx(high, abs=5e-5)
    assert table.loc[6.0, "at_risk"] == 21 and table.loc[6.0, "events"] == 3
    # Median 23 weeks, 95 % interval from 13 weeks, upper limit not reached (as R reports).
    assert curve.median() == (23.0, 13.0, None)


def test_kaplan_meier_refuses_bad_input():
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError):
        kaplan_meier([-1.0], [True])
    with pytest.raises(ValueError):
        kaplan_meier([1.0, 2.0], [True, True], times=[2, 1])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 20), st.booleans()), min_size=1, max_size=60),
)
def test_survival_is_a_non_increasing_share_inside_its_interval(spells):
    durations = [d for d, _ in spells]
    observed = [e for _, e in spells]
    curve = kaplan_meier(durations, observed, times=np.arange(1, 22))
    assert np.all((curve.survival >= 0) & (curve.survival <= 1))
    assert np.all(np.diff(curve.survival) <= 1e-15)
    assert np.all(np.diff(curve.at_risk) <= 0)
    defined = ~np.isnan(curve.low)
    assert np.array_equal(defined, curve.survival > 0)
    assert np.all(curve.low[defined] <= curve.survival[defined] + 1e-12)
    assert np.all(curve.survival[defined] <= curve.high[defined] + 1e-12)
    assert np.all((curve.low[defined] >= 0) & (curve.high[defined] <= 1))
    assert curve.events.sum() == sum(observed)
    # Against the product-limit definition, computed the plain way.
    for k, t in enumerate(curve.time):
        product = 1.0
        for u in sorted(set(durations)):
            if u <= t:
                n = sum(d >= u for d in durations)
                events = sum(d == u and e for d, e in spells)
                product *= 1 - events / n
        assert curve.survival[k] == pytest.approx(product, abs=1e-12)


# --- spells and repeat rates from a hand-made action log --------------------------------------
CALENDAR = Calendar(start_year=2025, steps_per_year=4, last_period=16)  # 2025-2028
REGIONS = {"A": "asia_pacific", "B": "lac", "C": "lac", "D": "africa", "E": "asia_pacific"}


def hand_actions() -> pd.DataFrame:
    rows = [  # provider, recipient, period, duration (quarters), modality
        ("A", "B", 1, 2, "bilateral"),  # 2025
        ("B", "A", 9, 4, "triangular"),  # 2027: same pair, a year's gap
        ("A", "C", 3, 8, "bilateral"),  # 2025 Q3 to 2027 Q2: three years
        ("C", "D", 14, 12, "platform"),  # 2028 Q2 on, beyond the run: cut at its end
        ("D", "E", 4, 1, "bilateral"),  # 2025 Q4
        ("E", "D", 5, 1, "bilateral"),  # 2026 Q1: the next year, one spell
    ]
    frame = pd.DataFrame(
        rows, columns=["provider", "recipient", "period", "duration_quarters", "modality"]
    )
    frame["year"] = CALENDAR.year_of(frame["period"].to_numpy())
    frame["quarter"] = (frame["period"] - 1) % 4 + 1
    return frame


def hand_spells(gap_years: int) -> pd.DataFrame:
    pairs = persistence.partner_pairs(hand_actions())
    activity = persistence.active_years(pairs, CALENDAR)
    return persistence.spells(activity, CALENDAR, gap_years).set_index(
        ["country_a", "country_b", "spell"]
    )


def test_calendar_maps_periods_to_years():
    assert CALENDAR.year_of(np.array([1, 4, 5, 16])).tolist() == [2025, 2025, 2026, 2028]
    assert (CALENDAR.first_year, CALENDAR.last_year, CALENDAR.years) == (2025, 2028, 4)
    assert Calendar(2025, 4, 10).last_year == 2027  # a partial last year counts


def test_pairs_are_unordered_and_years_follow_execution():
    pairs = persistence.partner_pairs(hand_actions())
    assert set(zip(pairs["country_a"], pairs["country_b"], strict=True)) == {
        ("A", "B"),
        ("A", "C"),
        ("C", "D"),
        ("D", "E"),
    }
    activity = persistence.active_years(pairs, CALENDAR)
    years = activity.groupby(["country_a", "country_b"])["year"].apply(list).to_dict()
    assert years == {
        ("A", "B"): [2025, 2027],
        ("A", "C"): [2025, 2026, 2027],
        ("C", "D"): [2028],
        ("D", "E"): [2025, 2026],
    }


def test_spells_end_at_the_first_inactive_year_and_are_censored_at_the_end():
    table = hand_spells(gap_years=0)
    expected = {  # (first, last, duration, ended)
        ("A", "B", 1): (2025, 2025, 1, True),
        ("A", "B", 2): (2027, 2027, 1, True),  # inactive in 2028, the last year: ended
        ("A", "C", 1): (2025, 2027, 3, True),  # a multi-year action
        ("C", "D", 1): (2028, 2028, 1, False),  # active in the last year: censored
        ("D", "E", 1): (2025, 2026, 2, True),  # two actions in consecutive years
    }
    assert len(table) == len(expected)
    for key, (first, last, duration, ended) in expected.items():
        row = table.loc[key]
        assert (row["first_year"], row["last_year"], row["duration_years"]) == (
            first,
            last,
            duration,
        )
        assert bool(row["ended"]) is ended


def test_a_gap_tolerance_joins_spells_and_needs_follow_up_to_end_them():
    table = hand_spells(gap_years=1)
    ab = table.loc[("A", "B", 1)]
    assert (ab["first_year"], ab["last_year"], ab["duration_years"], ab["active_years"]) == (
        2025,
        2027,
        3,
        2,
    )
    assert not ab["ended"]  # 2028 is within the tolerated gap: censored
    assert ("A", "B", 2) not in table.index
    assert not table.loc[("A", "C", 1), "ended"]  # last active 2027, one year of follow-up
    assert table.loc[("D", "E", 1), "ended"]  # last active 2026; 2027 and 2028 inactive
    with pytest.raises(ValueError):
        persistence.spells(
            persistence.active_years(persistence.partner_pairs(hand_actions()), CALENDAR),
            CALENDAR,
            -1,
        )


def test_repeat_rates_between_windows_and_year_on_year():
    activity = persistence.active_years(persistence.partner_pairs(hand_actions()), CALENDAR)
    # 2025-2026: AB, AC, DE; 2027-2028: AB, AC, CD -> 2 of 3 again.
    rates = persistence.repeat_rates(activity, [(2025, 2026), (2027, 2028)])
    assert rates[["base", "repeated"]].iloc[0].tolist() == [3, 2]
    assert rates["rate"].iloc[0] == pytest.approx(2 / 3)
    yearly = persistence.repeat_rates(activity, persistence.consecutive_windows(2025, 2028, 1))
    # 2025 {AB, AC, DE} -> 2026 {AC, DE}: 2 of 3; 2026 {AC, DE} -> 2027 {AB, AC}: 1 of 2;
    # 2027 {AB, AC} -> 2028 {CD}: 0 of 2.
    assert yearly["base"].tolist() == [3, 2, 2]
    assert yearly["repeated"].tolist() == [2, 1, 0]
    assert persistence.pooled_rate(yearly) == pytest.approx(3 / 7)
    assert persistence.consecutive_windows(2025, 2040, 5) == [
        (2025, 2029),
        (2030, 2034),
        (2035, 2039),
    ]


def test_asia_pacific_lac_selection_and_the_summary_block():
    result = persistence.analyse(
        hand_actions(), REGIONS, CALENDAR, windows=[(2025, 2026), (2027, 2028)]
    )
    table = result.partnerships.set_index(["country_a", "country_b"])
    assert table["interregional"].to_dict() == {
        ("A", "B"): True,
        ("A", "C"): True,
        ("C", "D"): False,
        ("D", "E"): False,
    }
    assert table.loc[("A", "B"), "spells"] == 2
    assert table.loc[("A", "B"), ["actions_bilateral", "actions_triangular"]].tolist() == [1, 1]
    assert table.loc[("C", "D"), "active_at_end"]
    block = result.summary()
    everyone, across = block["all"], block["asia_pacific_lac"]
    assert (everyone["pairs"], everyone["spells"], everyone["spells_ended"]) == (4, 5, 4)
    assert (across["pairs"], across["spells"]) == (2, 3)
    # AP-LAC spells: AB 1y ended, AB 1y ended, AC 3y ended -> S(1) = 1/3, S(3) = 0.
    assert across["survival_1y"]["estimate"] == pytest.approx(1 / 3)
    assert across["survival_3y"]["estimate"] == 0.0 and across["survival_3y"]["low"] is None
    assert across["survival_5y"] == {"estimate": None, "low": None, "high": None, "at_risk": 0}
    assert across["median_years"] == 1.0 and across["median_reached"]
    assert across["repeat_rate_5y"] == pytest.approx(1.0)  # AB and AC again in 2027-2028
    assert across["reactivated_share"] == pytest.approx(0.5)
    assert everyone["reactivated_share"] == pytest.approx(0.25)


def test_participants_of_multi_country_projects_give_every_pair():
    actions = hand_actions()
    participants = pd.DataFrame({"action": [0, 0, 0], "country": ["A", "B", "C"]})
    pairs = persistence.partner_pairs(actions, participants)
    first = pairs[pairs["action"] == 0]
    assert set(zip(first["country_a"], first["country_b"], strict=True)) == {
        ("A", "B"),
        ("A", "C"),
        ("B", "C"),
    }
    assert (pairs["action"] != 0).sum() == len(actions) - 1  # the others: provider-recipient
    assert (first["period"] == 1).all() and (first["duration_quarters"] == 2).all()


def test_an_empty_log_gives_empty_tables_and_an_empty_block():
    empty = hand_actions().iloc[0:0]
    result = persistence.analyse(empty, REGIONS, CALENDAR)
    assert result.partnerships.empty
    assert list(result.partnerships.columns) == list(persistence.PARTNERSHIP_COLUMNS)
    block = result.summary()["all"]
    assert block["pairs"] == 0 and block["median_years"] is None and not block["median_reached"]
    assert block["repeat_rate_5y"] is None and block["reactivated_share"] is None


def test_only_the_outputs_import_the_module():
    allowed = {"results.py", "plots.py", "analyze.py", "persistence.py"}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if "sscsim.persistence" in names:
                assert path.name in allowed and path.parent == PACKAGE, path


# --- a short real run ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from sscsim import SSCModel
    from sscsim.plots import run_figures
    from sscsim.results import write_run

    model = SSCModel(rng=1, steps=16).run()
    folder = tmp_path_factory.mktemp("sweep") / "seed=1"
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("- seed=1\n")
    summary = write_run(model, folder, "seed: 1\n", 0.0, figures=run_figures)
    return model, folder, summary


def test_the_run_folder_holds_the_partnership_table(run_folder):
    model, folder, summary = run_folder
    table = pd.read_parquet(folder / "partnerships.parquet")
    assert list(table.columns) == list(persistence.PARTNERSHIP_COLUMNS)
    actions = model.actions_frame()
    participants = model.participants_frame()
    # Regional projects: every pair of their participants; other actions: provider-recipient.
    regional = actions["action"].isin(participants["action"])
    assert (actions.loc[regional, "modality"] == "platform").all()
    pair_actions = {
        tuple(sorted(p))
        for p in zip(
            actions.loc[~regional, "provider"], actions.loc[~regional, "recipient"], strict=True
        )
    }
    for _, group in participants.groupby("action"):
        countries = sorted(set(group["country"].astype(str)))
        pair_actions |= {(a, b) for i, a in enumerate(countries) for b in countries[i + 1 :]}
    assert len(table) == len(pair_actions)
    assert table["actions"].sum() >= len(actions)  # a project counts for each of its pairs
    assert (table["country_a"] < table["country_b"]).all()
    # A bilateral pair's AP-LAC flag agrees with the action log's `interregional`.
    bilateral = actions[~regional]
    logged = (
        bilateral.assign(
            country_a=np.minimum(
                bilateral["provider"].astype(str), bilateral["recipient"].astype(str)
            ),
            country_b=np.maximum(
                bilateral["provider"].astype(str), bilateral["recipient"].astype(str)
            ),
        )
        .groupby(["country_a", "country_b"])["interregional"]
        .any()
    )
    flags = table.set_index(["country_a", "country_b"])["interregional"]
    assert (flags.loc[logged.index] | ~logged).all() and (flags.loc[logged.index] >= logged).all()
    assert table["first_year"].min() == 2025 and table["last_year"].max() == 2028
    assert "partnerships.parquet" in summary["run"]["files"]
    assert (folder / "partnership_survival.png").stat().st_size > 10_000


def test_the_summary_leads_with_persistence(run_folder):
    model, folder, _ = run_folder
    summary = json.loads((folder / "summary.json").read_text())
    keys = list(summary)
    assert keys.index("persistence") < keys.index("interregional_ties_end")
    block = summary["persistence"]
    assert (block["first_year"], block["last_year"], block["gap_years"]) == (2025, 2028, 0)
    for group in persistence.GROUPS:
        figures = block[group]
        for t in (1, 3):
            entry = figures[f"survival_{t}y"]
            assert entry["low"] <= entry["estimate"] <= entry["high"]
        assert figures["survival_5y"]["estimate"] is None  # beyond a 4-year run
    assert block["all"]["pairs"] > block["asia_pacific_lac"]["pairs"] > 0
    # Read back from the folder's tables, the analysis is the same as from the model.
    tables = {
        n: pd.read_parquet(folder / f"{n}.parquet")
        for n in ("actions", "agents", "timeseries", "action_participants")
    }
    again = persistence.analyse_tables(tables)
    assert json.loads(json.dumps(again.summary())) == block
    pd.testing.assert_frame_equal(
        again.partnerships, pd.read_parquet(folder / "partnerships.parquet")
    )
    assert "persistence" not in model.summary()  # the model's own summary is unchanged


def test_the_sweep_summary_carries_the_headline(run_folder):
    from sscsim.analyze import aggregate

    _, folder, summary = run_folder
    table, _ = aggregate(folder.parent)
    row = table.iloc[0]
    block = summary["persistence"]
    assert row["persistence.all.median_years"] == block["all"]["median_years"]
    assert row["persistence.asia_pacific_lac.survival_1y.estimate"] == pytest.approx(
        block["asia_pacific_lac"]["survival_1y"]["estimate"]
    )
    assert "persistence.all.repeat_rate_yearly" in table
