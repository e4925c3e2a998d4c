"""The model as a whole: the Python API, Mesa tooling, reproducibility and mechanisms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from sscsim import ConfigError, SSCModel
from sscsim.agents import CountryAgent, NorthernPartner, PlatformAgent
from sscsim.results import run_tables
from sscsim.state.roster import Kind


def test_defaults_build_the_real_world(world):
    model = SSCModel(rng=1, world=world)
    assert model.n_steps == 64  # quarters of 2025 to 2040
    assert (
        len(model.agents_by_type[CountryAgent]) == model.n_south == 138
    )  # G77 and China, MEX, TUR
    assert len(model.agents_by_type[NorthernPartner]) == 31
    assert len(model.agents_by_type[PlatformAgent]) == 10
    kinds = {agent.iso3: agent.kind for agent in model.agents_by_type[CountryAgent]}
    assert kinds["IDN"] == Kind.CHAMPION and kinds["COL"] == Kind.CHAMPION
    assert kinds["FJI"] == Kind.SIDS and kinds["JAM"] == Kind.SIDS
    assert kinds["MEX"] == Kind.MIC and kinds["VNM"] == Kind.MIC
    # Agents are views on the model's arrays.
    agent = model.agents_by_type[CountryAgent][5]
    agent.capacity[0] = 0.123
    assert model.state.countries.capacity[5, 0] == 0.123


def test_step_and_run(world):
    model = SSCModel(rng=2, world=world, steps=6)
    model.step()
    assert model.period == 1
    model.run()
    assert model.period == 6 and not model.running
    timeseries = model.timeseries_frame()
    assert len(timeseries) == 7  # the initial state and six quarters
    assert timeseries["actions_total"].iloc[1:].sum() > 0
    agents = model.agents_frame()
    assert len(agents) == 7 * model.n_south
    assert {"iso3", "period", "capacity_health", "ssc_budget_usd", "degree"} <= set(agents)


def test_same_seed_same_outputs_other_seed_differs(world):
    def tables(seed: int) -> dict[str, pd.DataFrame]:
        return run_tables(SSCModel(rng=seed, world=world, steps=12).run())

    first, again, other = tables(7), tables(7), tables(8)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["actions"].equals(other["actions"])
    assert not first["timeseries"].equals(other["timeseries"])


def test_seed_keyword_and_config_seed(world):
    by_rng = SSCModel(rng=5, world=world, steps=3).run().timeseries_frame()
    by_seed = SSCModel(seed=5, world=world, steps=3).run().timeseries_frame()
    by_config = SSCModel(world=world, steps=3, **{"seed": 5}).run().timeseries_frame()
    pd.testing.assert_frame_equal(by_rng, by_seed)
    pd.testing.assert_frame_equal(by_rng, by_config)


def test_invalid_parameters_fail_before_any_work(world):
    with pytest.raises(ConfigError, match=r"funding.refundable_share = 1.5"):
        SSCModel(rng=1, world=world, refundable_share=1.5)
    with pytest.raises(ConfigError, match=r"action_cost_usd = -10"):
        SSCModel(rng=1, world=world, action_cost_usd=-10.0)
    with pytest.raises(ConfigError, match=r"'XYZ' is not an ISO3 code of the world table"):
        SSCModel(rng=1, world=world, champions=["IDN", "XYZ"])
    with pytest.raises(ConfigError, match=r"'DEU' is not a Southern country"):
        SSCModel(rng=1, world=world, champions=["DEU"])
    with pytest.raises(ConfigError, match=r"no_such_parameter"):
        SSCModel(rng=1, world=world, no_such_parameter=3)


def test_mesa_batch_run(world):
    results = batch_run(
        SSCModel,
        parameters={"steps": 4, "oda_cut_depth": [0.0, 0.5]},
        rng=[1],
        max_steps=10,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2  # one row per run: the country panel is not a DataCollector table
    assert set(frame["oda_cut_depth"]) == {0.0, 0.5}
    assert (frame["Step"] == 4).all()
    assert frame["triangular_share"].between(0, 1).all()


def test_money_is_conserved_in_platform_funds(world):
    model = SSCModel(rng=3, world=world, steps=8)
    spent = 0.0
    for _ in range(8):
        before = model.state.platforms.fund.sum()
        model.step()
        change = model.state.platforms.fund.sum() - before
        assert change == pytest.approx(
            model.tallies.platform_inflows - model.tallies.platform_funds, rel=1e-9, abs=1e-3
        )
        spent += model.tallies.platform_funds
    assert model.state.platforms.fund.min() >= 0.0
    assert spent > 0


def test_capacities_stay_in_range_and_budgets_non_negative(world):
    model = SSCModel(rng=4, world=world, steps=16).run()
    assert (
        model.state.countries.capacity.min() >= 0.0 and model.state.countries.capacity.max() <= 1.0
    )
    assert (
        model.state.countries.institutional.min() >= 0.0
        and model.state.countries.institutional.max() <= 1.0
    )
    assert model.state.countries.ssc_budget.min() >= -1e-6
    assert model.state.north.triangular_pool.min() >= -1e-6


def test_oda_cut_acts_through_northern_funding(world):
    """A 50 % cut from 2026 lowers northern co-funding and triangular actions (same seed)."""

    def run(depth: float) -> pd.DataFrame:
        model = SSCModel(rng=11, world=world, oda_cut_depth=depth, oda_cut_start_year=2026)
        return model.run().timeseries_frame()

    baseline, cut = run(0.0), run(0.5)
    before = baseline["time"] <= 2026
    after = baseline["time"] > 2026
    # Identical until the cut starts: the same seed, the same draws.
    pd.testing.assert_frame_equal(baseline[before], cut[before])
    assert cut.loc[after, "oda_budget_usd"].sum() == pytest.approx(
        0.5 * baseline.loc[after, "oda_budget_usd"].sum(), rel=1e-9
    )
    assert (
        cut.loc[after, "funding_northern_triangular_usd"].sum()
        < 0.7 * baseline.loc[after, "funding_northern_triangular_usd"].sum()
    )
    assert (
        cut.loc[after, "actions_triangular"].sum()
        < 0.8 * baseline.loc[after, "actions_triangular"].sum()
    )


def test_no_champions_scenario_switches_off_the_edp_network(world):
    model = SSCModel(rng=1, world=world, steps=8, champions_enabled=False).run()
    assert not (model.state.countries.kind == Kind.CHAMPION).any()
    edp = model.state.platforms.index("EDP")
    assert not model.state.platforms.enabled[edp]
    assert (model.events_frame()["platform"] != "EDP").all()


def test_no_interregional_platforms(world):
    model = SSCModel(rng=1, world=world, steps=8, interregional_platforms_enabled=False).run()
    events = model.events_frame()
    assert not set(events["platform"]) & {"FEALAC", "APEC", "EDP"}
    assert not set(model.actions_frame()["platform"]) & {"FEALAC", "APEC", "EDP"}


def test_actions_log_is_consistent(world):
    model = SSCModel(rng=9, world=world, steps=12).run()
    actions = model.actions_frame()
    codes = set(model.roster.iso3[: model.n_south])
    # Regional projects (the platform modality) have no single recipient: see their participants.
    regional = actions["modality"] == "platform"
    assert set(actions["provider"]) <= codes and set(actions.loc[~regional, "recipient"]) <= codes
    assert (actions.loc[regional, "recipient"] == "").all()
    assert (actions["provider"] != actions["recipient"]).all()
    assert (actions["cost_usd"] > 0).all()
    triangular = actions["modality"] == "triangular"
    assert (actions.loc[triangular, "funder"] != "").all()
    assert (actions.loc[~triangular & ~regional, "funder"] == "").all()
    assert (actions.loc[regional, "fund"] != "").all()
    assert (actions.loc[regional, "organisation"] != "").all()
    assert (actions["action"].to_numpy() == np.arange(len(actions))).all()
    assert not actions.loc[actions["refundable"], "modality"].ne("bilateral").any()
    per_step = actions.groupby("period").size()
    timeseries = model.timeseries_frame().set_index("period")
    assert (timeseries.loc[per_step.index, "actions_total"] == per_step).all()


def test_ties_snapshots_by_layer(world):
    model = SSCModel(rng=3, world=world, steps=8).run()
    ties = model.ties_frame()
    assert set(ties["layer"].astype(str)) >= {"bilateral", "triangular", "platform", "oda"}
    assert set(ties["period"]) == {4, 8}
    assert ((ties["strength"] > 0) & (ties["strength"] <= 1)).all()
    platform = ties[ties["layer"] == "platform"]
    assert (platform["source"] < platform["target"]).all() or len(platform) == 0


def test_sids_priority_raises_sids_share_of_oda(world):
    def sids_share(priority: float) -> float:
        model = SSCModel(rng=2, world=world, steps=2, sids_priority=priority).run()
        sids = model.roster.sids[: model.n_south]
        return (
            model.state.countries.oda_received[sids].sum()
            / model.state.countries.oda_received.sum()
        )

    assert sids_share(1.0) > 1.3 * sids_share(0.0)


def test_vulnerability_criterion_keeps_vulnerable_high_income_eligible(world):
    strict = SSCModel(rng=1, world=world, steps=1)
    vulnerable = SSCModel(rng=1, world=world, steps=1, eligibility="vulnerability")
    high_income_sids = (strict.state.countries.income_level == 3) & strict.roster.sids[
        : strict.n_south
    ]
    assert high_income_sids.any()
    assert not strict.state.countries.eligible[high_income_sids].any()
    above = (
        vulnerable.state.countries.vulnerability
        >= vulnerable.config.domestic.vulnerability_threshold
    )
    assert vulnerable.state.countries.eligible[high_income_sids & above].all()
    # ATG BHS BRB GUY KNA NRU SGP SYC TTO: the high-income SIDS of the default South (G77 members)
    assert high_income_sids[above].sum() >= 9
    assert np.all(vulnerable.state.countries.eligible >= strict.state.countries.eligible)


def test_a_platform_convenes_by_returning_an_event_that_changes_nothing_yet(world):
    model = SSCModel(rng=3, world=world, steps=4)
    model.step()  # the second quarter is under way: FEALAC (two events a year) meets
    platforms = model.state.platforms
    platforms.fund[:] = 1e9
    fund, budget = platforms.fund.copy(), model.state.countries.ssc_budget.copy()
    fealac = next(a for a in model.agents_by_type[PlatformAgent] if a.code == "FEALAC")
    event = fealac.convene()
    assert event is not None and event.platform == platforms.index("FEALAC")
    assert len(event.participants) >= 2 and event.sector in platforms.themes[event.platform]
    assert event.from_fund + event.host_share == platforms.specs[event.platform].event_cost_usd
    np.testing.assert_array_equal(platforms.fund, fund)  # paid only when step 4 applies it
    np.testing.assert_array_equal(model.state.countries.ssc_budget, budget)
    platforms.active[event.platform] = False
    assert fealac.convene() is None  # a dormant platform holds no event


def test_an_agents_capacity_view_stays_current_over_steps(world):
    model = SSCModel(rng=4, world=world, steps=3)
    agent = model.country_agents[7]
    view = agent.capacity
    for _ in range(3):
        model.step()
        np.testing.assert_array_equal(view, model.state.countries.capacity[agent.row])
    assert not np.array_equal(view, model.state.countries.initial_capacity[agent.row])


def test_every_dollar_of_oda_is_accounted_for_each_step(world):
    """ODA = country programmable aid allocated + the non-CPA rest + triangular pools + trust
    funds, each step; and what entered the pools was spent, returned or is still there."""
    model = SSCModel(rng=5, world=world, steps=6, **{"scenario.oda_path": "announced"})
    added = spent = returned = 0.0
    for _ in range(6):
        model.step()
        t = model.tallies
        parts = t.oda_bilateral + t.oda_non_programmable + t.northern_triangular_pools
        parts += t.northern_trust_funds
        assert parts == pytest.approx(model.state.north.budgets.total.sum(), rel=1e-12)
        added += t.northern_triangular_pools
        spent += t.northern_triangular
        returned += t.northern_triangular_returned
    assert spent > 0
    left = model.state.north.triangular_pool.sum()
    assert added == pytest.approx(spent + returned + left, rel=1e-9)
