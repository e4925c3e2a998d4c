"""The channels of capacity change on the real world (short runs): they add up to the change of
mean capacity, and professionalisation acts only through cooperation."""

from __future__ import annotations

import numpy as np
import pytest

from sscsim.config import SSCConfig
from sscsim.model import SSCModel
from sscsim.state.tallies import CAPACITY_CHANNELS


def test_channel_columns_add_up_to_the_change_of_mean_capacity():
    model = SSCModel(rng=3, steps=6).run()
    series = model.timeseries_frame()
    columns = [f"capacity_gain_{channel}" for channel in CAPACITY_CHANNELS]
    assert (series[columns].iloc[0] == 0).all()  # the initial state: no change yet
    np.testing.assert_allclose(
        series[columns].sum(axis=1).iloc[1:], series["mean_capacity"].diff().iloc[1:], atol=1e-12
    )
    by_channel = model.summary()["capacity_change_by_channel"]
    assert by_channel["total"] == pytest.approx(
        series["mean_capacity"].iloc[-1] - series["mean_capacity"].iloc[0], abs=1e-12
    )
    assert by_channel["change"]["actions"] > 0 and by_channel["change"]["peers"] > 0
    assert by_channel["change"]["depreciation"] < 0
    positive = [s for s in by_channel["share_of_gross_gain"].values() if s is not None and s > 0]
    assert sum(positive) == pytest.approx(1.0)


def test_with_cooperation_switched_off_professionalisation_leaves_capacity_unchanged():
    def run(rate: float) -> tuple[float, float]:
        config = SSCConfig()
        config.steps = 8
        config.matching.request_intensity = 0.0  # no requests, so no actions
        for spec in config.platforms.specs.values():
            spec.events_per_year = 0.0  # no events
            spec.project_calls_per_year = 0  # no regional projects of platform funds
        config.funds.pgtf_enabled = False
        config.funds.joint_funds = []
        config.scenario.professionalisation_rate = rate
        series = SSCModel(rng=1, config=config).run().timeseries_frame()
        assert series["actions_total"].sum() == 0 and series["platform_events"].sum() == 0
        return series["mean_capacity"].iloc[-1], series["mean_institutional_capacity"].iloc[-1]

    capacity_without, agency_without = run(0.0)
    capacity_with, agency_with = run(0.5)
    assert agency_with > agency_without
    assert capacity_with == capacity_without


def test_the_initial_network_holds_the_documented_agreements():
    model = SSCModel(rng=1, steps=1)
    network, index = model.state.network, model.roster.index()
    keys = network.ties.encode(0, [index["CHL"], index["THA"]], [index["MEX"], index["ARG"]])
    strength = network.ties.strength_of(keys)
    assert strength[0] > 0.9 and strength[1] == pytest.approx(0.5)
    assert len(network.alive.rows) == len(model.config.world.partnerships)
