"""Regional projects (step 3b, `sscsim.processes.regional`): the rules of each fund on hand-built
states (tests/tiny_state.py), the PGTF's rules as a property over random configurations, and,
over whole runs, participants, FEALAC's both-regions rule and the directory of sources against
the flows (money is conserved)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tiny_state as tiny
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscsim.config import PlatformKind, PlatformSpec
from sscsim.model import SSCModel
from sscsim.processes.regional import (
    choose_countries,
    joint_fund_call,
    pay_into_funds,
    pgtf_call,
    run_regional_projects,
)
from sscsim.state.clock import Clock
from sscsim.state.funds import FundKind, FundState, account_balances
from sscsim.state.ledgers import Ledgers
from sscsim.state.roster import ASIA_PACIFIC, LAC
from sscsim.state.tallies import StepTallies

AP, LA = ASIA_PACIFIC, LAC


def world(regions: list[int], capacity: list[float], budget: float = 1e6):
    """A roster of Southern countries in `regions`, capacity in the first sector as given."""
    roster = tiny.roster(region=regions, sids=[False] * len(regions))
    capacity_matrix = [[c, 0.5] for c in capacity]
    countries = tiny.countries(roster, capacity=capacity_matrix, ssc_budget=budget)
    countries.offers[:, 0] = np.asarray(capacity) >= max(capacity)
    return roster, countries


def test_the_lead_offers_the_sector_and_participants_are_behind_it_by_the_gap():
    roster, countries = world([AP] * 6, [0.9, 0.5, 0.4, 0.88, 0.2, 0.3])
    rng = np.random.default_rng(0)
    for _ in range(50):
        lead, participants = choose_countries(
            np.ones(6, dtype=bool), 0, countries.capacity, countries.institutional,
            countries.offers, roster.sids[:6], roster.region[:6], 4, 3, 0.05, 0.0, rng,
        )  # fmt: skip
        assert lead == 0
        assert 3 <= len(participants) <= 4 and lead not in participants
        assert 3 not in participants  # 0.88 is not 0.05 behind the lead's 0.9
        assert (countries.capacity[participants, 0] <= 0.9 - 0.05).all()


def test_a_required_region_is_met_by_a_participant_or_the_project_is_not_formed():
    # Every Asia-Pacific country but the lead: without the rule, LAC would rarely be drawn.
    regions = [AP] * 7 + [LA]
    roster, countries = world(regions, [0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.85])
    rng = np.random.default_rng(1)
    for _ in range(30):
        lead, participants = choose_countries(
            np.ones(8, dtype=bool), 0, countries.capacity, countries.institutional,
            countries.offers, roster.sids[:8], roster.region[:8], 3, 3, 0.05, 0.0, rng,
            required_regions=(AP, LA),
        )  # fmt: skip
        assert 7 in participants and lead == 0
    # The only LAC country is too close to the lead to learn: the rule cannot be met.
    countries.capacity[7, 0] = 0.89
    assert (
        choose_countries(
            np.ones(8, dtype=bool),
            0,
            countries.capacity,
            countries.institutional,
            countries.offers,
            roster.sids[:8],
            roster.region[:8],
            3,
            3,
            0.05,
            0.0,
            rng,
            required_regions=(AP, LA),
        )
        is None
    )


def test_fewer_eligible_countries_than_three_participants_form_no_project():
    roster, countries = world([AP] * 3, [0.9, 0.2, 0.3])
    chosen = choose_countries(
        np.ones(3, dtype=bool), 0, countries.capacity, countries.institutional, countries.offers,
        roster.sids[:3], roster.region[:3], 6, 3, 0.05, 0.0, np.random.default_rng(0),
    )  # fmt: skip
    assert chosen is None


def pgtf_state(n: int, budget: float, config):
    roster, countries = world([AP, LA] * (n // 2), list(np.linspace(0.9, 0.1, n)), budget)
    funds = FundState.empty(0, roster.n_actors)
    funds.codes, funds.names, funds.managers = ["PGTF"], ["PGTF"], ["UNOSSC"]
    funds.kind = np.array([FundKind.PGTF])
    funds.founders = np.full((1, 2), -1)
    funds.balance = np.array([200_000.0])
    funds.endowment = np.array([7e6])
    funds.arrears = np.zeros((1, 2))
    return roster, countries, tiny.north(roster), funds


def test_pgtf_projects_keep_to_its_rules_and_spend_the_cofinancing():
    config = tiny.config()
    roster, countries, north, funds = pgtf_state(8, 1e5, config)
    before = countries.ssc_budget.sum()
    projects = pgtf_call(0, roster, countries, north, funds, config, tiny.SECTORS,
                         np.random.default_rng(0))  # fmt: skip
    assert projects
    for project in projects:
        assert project.grant <= 35_000.0
        assert len(project.countries) >= 4  # a lead and three participants: >= 3 countries
        assert project.cofinancing.sum() + project.northern_cofinancing >= project.grant
        assert project.fee == pytest.approx(0.07 * project.grant)
        assert project.manager == "UNOSSC"
    spent = sum(p.cofinancing.sum() for p in projects)
    assert before - countries.ssc_budget.sum() == pytest.approx(spent)
    assert funds.balance[0] == pytest.approx(200_000.0 - len(projects) * 35_000 * 1.07)


def test_a_pgtf_project_without_cofinancing_is_not_funded():
    config = tiny.config()
    roster, countries, north, funds = pgtf_state(8, 0.0, config)  # empty SSC funds
    north.triangular_pool[:] = 0.0  # and no partner
    projects = pgtf_call(0, roster, countries, north, funds, config, tiny.SECTORS,
                         np.random.default_rng(0))  # fmt: skip
    assert projects == [] and funds.balance[0] == 200_000.0
    # A partner's pool co-finances instead.
    north.triangular_pool[:] = 1e6
    projects = pgtf_call(0, roster, countries, north, funds, config, tiny.SECTORS,
                         np.random.default_rng(0))  # fmt: skip
    assert projects and all(p.northern_cofinancing >= p.grant for p in projects)
    assert north.triangular_pool[0] == pytest.approx(1e6 - sum(p.grant for p in projects))


def joint_state(budget: float):
    roster, countries = world([LA] * 6, [0.9, 0.8, 0.3, 0.2, 0.4, 0.1], budget)
    funds = FundState.empty(0, roster.n_actors)
    funds.codes, funds.names, funds.managers = ["S00-S01"], ["joint"], ["S00-S01 joint commission"]
    funds.organisations.append("S00-S01 joint commission")
    funds.organisation_balance = np.zeros(len(funds.organisations))
    funds.kind = np.array([FundKind.JOINT])
    funds.founders = np.array([[0, 1]])
    funds.balance = np.zeros(1)
    funds.endowment = np.zeros(1)
    funds.arrears = np.zeros((1, 2))
    return roster, countries, funds


def test_joint_fund_governments_pay_in_from_their_ssc_funds_and_arrears_wait():
    config = tiny.config(funds={"joint_fund_contribution_usd": 1e6})
    roster, countries, funds = joint_state(1e6)
    countries.ssc_budget[1] = 4e5  # the second government can pay only part of its share
    ledgers, tallies = Ledgers(), StepTallies(roster.n_actors)
    pay_into_funds(Clock(2025, 4, 8), countries, funds, ledgers, tallies, config)
    assert funds.balance[0] == pytest.approx(1.4e6)
    assert countries.ssc_budget[0] == 0.0 and countries.ssc_budget[1] == 0.0
    np.testing.assert_allclose(funds.arrears[0], [0.0, 6e5])
    assert tallies.joint_fund_contributions == pytest.approx(1.4e6)
    flows = ledgers.sources.flows
    assert flows["transfers_out"][[0, 1]].sum() == pytest.approx(flows["transfers_in"].sum())


def test_joint_fund_projects_are_led_by_a_government_with_the_other_and_third_countries():
    config = tiny.config()
    roster, countries, funds = joint_state(1e6)
    funds.balance[0] = 5e6
    projects = joint_fund_call(0, roster, countries, funds, config, tiny.SECTORS,
                               np.random.default_rng(3))  # fmt: skip
    assert projects
    for project in projects:
        assert project.lead in (0, 1)
        assert {0, 1} <= set(project.countries.tolist())
        assert len(project.participants) >= 3 and project.fee == 0.0


def test_a_platform_call_funds_projects_ties_every_pair_and_the_lead_teaches():
    regions = [AP, AP, AP, LA, LA, LA]
    roster, countries = world(regions, [0.9, 0.5, 0.4, 0.3, 0.2, 0.35])
    spec = PlatformSpec(
        kind=PlatformKind.interregional, events_per_year=0.0, projects_per_call=1,
        project_calls_per_year=4, project_regions=["asia_pacific", "lac"],
        project_managers=["ECLAC", "ESCAP"],
    )  # fmt: skip
    platforms = tiny.platforms(roster, specs=[spec], fund=2e6)
    platforms.themes = [np.array([0])]  # the sector where the lead is ahead
    funds = FundState.empty(1, roster.n_actors + 1)
    funds.organisations += ["ECLAC", "ESCAP"]
    funds.organisation_balance = np.zeros(len(funds.organisations))
    network, ledgers, tallies = tiny.network(roster), Ledgers(), StepTallies(roster.n_actors)
    config = tiny.config(funds={"min_participants": 3, "max_participants": 3})
    opening = account_balances(countries, tiny.north(roster), platforms, funds)
    ledgers.sources = ledgers.sources.opening(opening)
    run_regional_projects(
        Clock(2025, 4, 8), roster, countries, tiny.north(roster), platforms, funds, network,
        ledgers, tallies, config, tiny.SECTORS, np.random.default_rng(0),
    )  # fmt: skip
    assert tallies.regional_projects == 1
    log = ledgers.actions.frame(roster.iso3, tiny.SECTORS, platforms.codes, [], funds.organisations)
    people = ledgers.participants.frame(roster.iso3)
    assert log.loc[0, "organisation"] == "ECLAC" and log.loc[0, "recipient"] == ""
    assert (people["action"] == log.loc[0, "action"]).all()
    assert (people["role"] == "lead").sum() == 1 and (people["role"] == "participant").sum() == 3
    rows = np.flatnonzero(np.isin(roster.iso3, people["country"].to_numpy()))
    assert {AP, LA} <= set(roster.region[rows].tolist())
    # Every pair of its four countries has a platform tie; the lead teaches three participants.
    assert len(network.ties.frame()) == 6
    assert (network.ties.frame()["layer"] == "platform").all()
    running = ledgers.running
    assert len(running) == 3 and (running.provider == 0).all()
    assert (countries.served[running.recipient, 0] == 1).all()
    # The fund paid grant and fee; the fee is the manager's, not lost.
    grant = log.loc[0, "cost_usd"]
    assert platforms.fund[0] == pytest.approx(2e6 - 1.07 * grant)
    assert funds.organisation_balance[funds.organisations.index("ECLAC")] == pytest.approx(
        0.07 * grant
    )
    balances = account_balances(countries, tiny.north(roster), platforms, funds)
    np.testing.assert_allclose(ledgers.sources.expected_balance(), balances, atol=1e-6)


# ---------------------------------------------------------------------------
# Whole runs
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run() -> SSCModel:
    return SSCModel(rng=1, steps=16, progress=False).run()


def projects_with_regions(model: SSCModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    actions, people = model.actions_frame(), model.participants_frame()
    region = pd.Series(model.state.roster.region, index=model.state.roster.iso3)
    people = people.assign(region=region.loc[people["country"].to_numpy()].to_numpy())
    return actions[actions["modality"] == "platform"], people


def test_every_regional_project_has_a_lead_and_three_participants_or_more(run):
    projects, people = projects_with_regions(run)
    assert len(projects) > 0
    counts = people.groupby("action")["role"].value_counts().unstack(fill_value=0)
    assert set(counts.index) == set(projects["action"])
    assert (counts["lead"] == 1).all() and (counts["participant"] >= 3).all()
    lead = people[people["role"] == "lead"].set_index("action")["country"]
    assert (lead.loc[projects["action"]].to_numpy() == projects["provider"].to_numpy()).all()
    assert (projects["organisation"] != "").all() and (projects["fund"] != "").all()


def test_fealac_projects_include_members_of_both_regions(run):
    projects, people = projects_with_regions(run)
    fealac = projects.loc[projects["fund"] == "FUND:FEALAC", "action"]
    assert len(fealac) > 0
    regions = people[people["action"].isin(fealac)].groupby("action")["region"].agg(set)
    assert all({ASIA_PACIFIC, LAC} <= found for found in regions)


def test_the_directory_conserves_money_and_its_totals_equal_the_flows(run):
    sources = run.sources_frame()
    expected = (
        sources["balance_start_usd"] + sources["inflows_usd"] + sources["transfers_in_usd"]
        - sources["spent_usd"] - sources["fees_usd"] - sources["transfers_out_usd"]
        - sources["returned_usd"]
    )  # fmt: skip
    np.testing.assert_allclose(expected, sources["balance_end_usd"], rtol=1e-9, atol=1e-3)
    series = run.timeseries_frame()
    kind = sources.set_index("source")["kind"]
    by_kind = sources.groupby("kind")
    assert sources["fees_usd"].sum() == pytest.approx(series["funding_management_fees_usd"].sum())
    assert by_kind["transfers_in_usd"].sum()["organisation"] == pytest.approx(
        sources["fees_usd"].sum()
    )
    assert by_kind["inflows_usd"].sum()["pgtf"] == pytest.approx(
        series["funding_pgtf_income_usd"].sum()
    )
    assert by_kind["transfers_in_usd"].sum()["joint_fund"] == pytest.approx(
        series["funding_joint_fund_contributions_usd"].sum()
    )
    grants = by_kind["spent_usd"].sum()
    assert grants["pgtf"] + grants["joint_fund"] == pytest.approx(
        series["funding_regional_funds_usd"].sum()
    )
    platform = grants["platform_trust_fund"] + by_kind["fees_usd"].sum()["platform_trust_fund"]
    assert platform == pytest.approx(series["funding_platform_funds_usd"].sum())
    assert grants["southern_ssc_fund"] == pytest.approx(series["funding_southern_funds_usd"].sum())
    assert grants["northern_triangular_line"] == pytest.approx(
        series["funding_northern_triangular_usd"].sum()
    )
    projects = run.actions_frame().query("modality == 'platform'")["fund"].value_counts()
    funded = sources.set_index("source")["projects_funded"]
    assert (funded.loc[projects.index] == projects).all()
    assert set(kind.loc[projects.index]) <= {"platform_trust_fund", "pgtf", "joint_fund"}


def test_a_run_folder_holds_the_participants_and_the_directory(run, tmp_path):
    from sscsim.results import write_run

    write_run(run, tmp_path, "seed: 1\n", 1.0)
    participants = pd.read_parquet(tmp_path / "action_participants.parquet")
    actions = pd.read_parquet(tmp_path / "actions.parquet")
    assert set(participants["action"]) <= set(actions["action"])
    assert len(pd.read_parquet(tmp_path / "sources.parquet")) == len(run.sources_frame())
    assert "PGTF" in (tmp_path / "sources.md").read_text()


# ---------------------------------------------------------------------------
# The PGTF's rules, over random valid configurations and seeds
# ---------------------------------------------------------------------------
pgtf_configs = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "pgtf_endowment_usd": st.floats(1e6, 5e7),
        "pgtf_return_rate": st.floats(0.0, 0.1),
        "pgtf_max_grant_usd": st.floats(5_000.0, 100_000.0),
        "pgtf_cofinancing_ratio": st.floats(1.0, 3.0),
        "pgtf_call_quarter": st.integers(1, 4),
        "min_participants": st.integers(3, 5),
        "ssc_budget_per_initiative_usd": st.floats(1_000.0, 60_000.0),
    }
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pgtf_configs)
def test_every_pgtf_project_keeps_to_the_rules(parameters) -> None:
    seed = parameters.pop("seed")
    minimum = parameters["min_participants"]
    parameters["max_participants"] = minimum + 2
    model = SSCModel(rng=seed, steps=8, progress=False, **parameters).run()
    actions, people = model.actions_frame(), model.participants_frame()
    pgtf = actions[actions["fund"] == "PGTF"]
    sources = model.sources_frame().set_index("source")
    grant = parameters["pgtf_max_grant_usd"]
    row = sources.loc["PGTF"]
    assert row["projects_funded"] == len(pgtf)
    if len(pgtf):
        # At most the cap a project (each requests it), and co-financing at least the grant.
        assert row["spent_usd"] / len(pgtf) <= grant * (1 + 1e-9)
        cofinancing = pgtf["cost_usd"] - row["spent_usd"] / len(pgtf)
        assert (cofinancing >= parameters["pgtf_cofinancing_ratio"] * grant * (1 - 1e-9)).all()
        # One call a year: all of a year's projects in one step, in the call's quarter.
        assert (pgtf.groupby("year")["period"].nunique() == 1).all()
        assert (pgtf["quarter"] == parameters["pgtf_call_quarter"]).all()
        # At least three developing (Southern) countries.
        sizes = people[people["action"].isin(pgtf["action"])].groupby("action").size()
        assert (sizes >= max(3, minimum + 1)).all()
        southern = set(model.state.roster.iso3[: model.state.roster.n_south])
        assert set(people[people["action"].isin(pgtf["action"])]["country"]) <= southern
    # Spending never exceeds the income: the endowment is kept whole.
    income = parameters["pgtf_endowment_usd"] * parameters["pgtf_return_rate"] / 4 * 8
    assert row["inflows_usd"] == pytest.approx(income)
    assert row["balance_end_usd"] >= -1e-6 and row["endowment_usd"] == pytest.approx(
        parameters["pgtf_endowment_usd"]
    )
