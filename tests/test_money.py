"""Money is conserved, read from a run's outputs alone: every fund's balance moves by its
inflows less its spending, step by step, for random valid configurations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscsim import SSCModel


def _outputs(model: SSCModel):
    return model.timeseries_frame(), model.agents_frame()


def check_southern_funds(series, agents) -> None:
    """Sum of the SSC fund balances: + inflow + repayments - platform contributions - joint-fund
    contributions - returned - spent (actions, event hosting, co-financing)."""
    balance = agents.groupby("period")["ssc_budget_usd"].sum().to_numpy()
    steps = series.iloc[1:]
    change = (
        steps["funding_southern_inflow_usd"]
        + steps["funding_repayments_usd"]
        - steps["funding_southern_contributions_usd"]
        - steps["funding_joint_fund_contributions_usd"]
        - steps["funding_southern_returned_usd"]
        - steps["funding_southern_funds_usd"]
    ).to_numpy()
    np.testing.assert_allclose(np.diff(balance), change, rtol=1e-9, atol=1e-3)


def check_platform_funds(series) -> None:
    """Sum of the platform fund balances: + trust funds + contributions + top-up - spent (event
    costs, regional projects' grants and management fees)."""
    balance = series["platform_fund_balance_usd"].to_numpy()
    steps = series.iloc[1:]
    inflow = (
        steps["funding_northern_trust_funds_usd"]
        + steps["funding_southern_contributions_usd"]
        + steps["funding_platform_top_up_usd"]
    )
    np.testing.assert_allclose(steps["funding_platform_inflows_usd"], inflow, rtol=1e-9, atol=1e-3)
    change = (inflow - steps["funding_platform_funds_usd"]).to_numpy()
    np.testing.assert_allclose(np.diff(balance), change, rtol=1e-9, atol=1e-3)


def test_money_is_conserved_in_the_baseline(world):
    series, agents = _outputs(SSCModel(rng=5, world=world, steps=12).run())
    check_southern_funds(series, agents)
    check_platform_funds(series)
    # The funds bind: most of the inflow is spent.
    assert (
        series["funding_southern_funds_usd"].sum()
        > 0.5 * series["funding_southern_inflow_usd"].sum()
    )


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**31),
    cut=st.floats(0.0, 0.9),
    fealac=st.floats(0.0, 4.0),
    budget=st.floats(1_000.0, 60_000.0),
    carryover=st.floats(0.25, 3.0),
    refundable=st.floats(0.0, 0.5),
    champions=st.booleans(),
)
def test_money_is_conserved_for_random_valid_configurations(
    world, seed, cut, fealac, budget, carryover, refundable, champions
):
    model = SSCModel(
        rng=seed,
        world=world,
        steps=8,
        oda_cut_depth=cut,
        oda_cut_start_year=2025,
        fealac_fund_multiplier=fealac,
        ssc_budget_per_initiative_usd=budget,
        budget_carryover_years=carryover,
        refundable_share=refundable,
        champions_enabled=champions,
    ).run()
    series, agents = _outputs(model)
    check_southern_funds(series, agents)
    check_platform_funds(series)


def test_a_smaller_budget_makes_more_requests_lapse_for_want_of_money(world):
    def lapsed(budget: float) -> float:
        series = SSCModel(rng=2, world=world, steps=12, ssc_budget_per_initiative_usd=budget).run()
        frame = series.timeseries_frame()
        return frame["unfunded_requests"].sum() / frame["requests"].sum()

    assert lapsed(5_000.0) > lapsed(15_000.0) + 0.05 > lapsed(60_000.0) + 0.1
    assert pytest.approx(0.0, abs=0.2) == lapsed(200_000.0)
