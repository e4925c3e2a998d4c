"""Synthetic worlds of N actors (`sscsim.synthetic`) and a model run on one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sscsim.model import SSCModel
from sscsim.state.ties import Layer
from sscsim.synthetic import initial_ties, synthetic_world
from sscsim.world import WorldTables

N = 600


@pytest.fixture(scope="module")
def synthetic(world: WorldTables) -> WorldTables:
    return synthetic_world(N, seed=4, base=world)


def economies_of(world: WorldTables) -> pd.DataFrame:
    countries = world.countries
    usable = (countries["southern"] | countries["dac_member"]) & countries["gdp_usd"].notna()
    return countries[usable & countries["population"].notna()].set_index("iso3")


# ---------------------------------------------------------------------------
# synthetic_world
# ---------------------------------------------------------------------------
def test_the_same_size_and_seed_give_the_same_world(world, synthetic) -> None:
    again = synthetic_world(N, seed=4, base=world)
    pd.testing.assert_frame_equal(again.countries, synthetic.countries)
    pd.testing.assert_frame_equal(again.memberships, synthetic.memberships)
    other = synthetic_world(N, seed=5, base=world)
    assert list(other.countries["country"]) != list(synthetic.countries["country"])


def test_n_actors_with_unique_codes_of_their_economy(world, synthetic) -> None:
    actors = synthetic.countries
    assert len(actors) == N
    assert actors["iso3"].is_unique
    assert "country" in actors
    economies = economies_of(world)
    assert set(actors["country"]) <= set(economies.index)
    # Code = the economy's ISO3 code and a number counting that economy's actors from 0.
    assert all(
        code.startswith(country) and len(code) == 10
        for code, country in zip(actors["iso3"], actors["country"], strict=True)
    )
    number = actors["iso3"].str[3:].astype(int)
    for _, group in number.groupby(actors["country"]):
        assert sorted(group) == list(range(len(group)))
    # Economies are drawn uniformly: many of them appear.
    assert actors["country"].nunique() > 0.6 * min(N, len(economies))


def test_actors_inherit_their_economys_attributes(world, synthetic) -> None:
    actors = synthetic.countries
    economy = economies_of(world).loc[actors["country"]].reset_index()
    for column in ("region", "income_group", "sids", "ldc", "southern", "dac_member"):
        left, right = actors[column].to_numpy(), economy[column].to_numpy()
        same = (left == right) | (pd.isna(left) & pd.isna(right))
        assert same.all(), column
    # Every actor keeps its economy's GDP per capita.
    np.testing.assert_allclose(
        (actors["gdp_usd"] / actors["population"]).to_numpy(),
        (economy["gdp_usd"] / economy["population"]).to_numpy(),
        rtol=1e-12,
    )


def test_each_actor_replicates_its_economys_gdp_and_population(world, synthetic) -> None:
    # The working-tree rule (sscsim/synthetic.py): an actor is a replica of its economy, so money
    # totals grow with N (earlier: the economy's totals were shared among its actors).
    actors = synthetic.countries
    economy = economies_of(world).loc[actors["country"]]
    np.testing.assert_allclose(actors["gdp_usd"].to_numpy(), economy["gdp_usd"].to_numpy())
    np.testing.assert_allclose(actors["population"].to_numpy(), economy["population"].to_numpy())


def test_memberships_are_inherited_from_the_economy(world, synthetic) -> None:
    table = world.memberships
    by_economy = {
        code: set(zip(group["platform"], group["role"], strict=True))
        for code, group in table.groupby("iso3")
    }
    inherited = {
        code: set(zip(group["platform"], group["role"], strict=True))
        for code, group in synthetic.memberships.groupby("iso3")
    }
    assert set(synthetic.memberships["iso3"]) <= set(synthetic.countries["iso3"])
    for code, country in zip(
        synthetic.countries["iso3"], synthetic.countries["country"], strict=True
    ):
        assert inherited.get(code, set()) == by_economy.get(country, set()), code
    assert len(synthetic.memberships) > 0
    assert list(synthetic.memberships.columns) == ["iso3", "platform", "role"]


def test_too_small_a_world_is_rejected(world) -> None:
    with pytest.raises(ValueError, match="at least 2 actors"):
        synthetic_world(1, base=world)


# ---------------------------------------------------------------------------
# initial_ties
# ---------------------------------------------------------------------------
def region_array(n_south: int, n_north: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    south = rng.choice(5, size=n_south, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    return np.concatenate([south, np.full(n_north, 5)])


def test_initial_ties_count_layers_and_ends() -> None:
    n_south, n_north, per_actor = 4000, 400, 10.0
    region = region_array(n_south, n_north)
    layer, source, target, strength = initial_ties(
        region, n_south, per_actor, np.random.default_rng(1)
    )
    n_actors = n_south + n_north
    # `ties_per_actor` x n_actors ties, less the few that would join an actor to itself.
    assert 0.98 * per_actor * n_actors <= len(layer) <= per_actor * n_actors
    assert len(source) == len(target) == len(strength) == len(layer)
    assert np.all(source != target)
    assert np.all((strength >= 0.2) & (strength <= 0.8))
    shares = np.bincount(layer, minlength=4) / len(layer)
    np.testing.assert_allclose(shares, [0.45, 0.10, 0.35, 0.10], atol=0.01)
    # ODA ties run from a northern actor to a Southern one; the rest join Southern actors.
    oda = layer == Layer.ODA
    assert np.all((source[oda] >= n_south) & (source[oda] < n_actors))
    assert np.all(target[oda] < n_south)
    assert np.all(source[~oda] < n_south) and np.all(target[~oda] < n_south)


def test_seventy_percent_of_southern_partners_share_the_region() -> None:
    n_south = 5000
    region = region_array(n_south, 300, seed=2)
    layer, source, target, _ = initial_ties(region, n_south, 8.0, np.random.default_rng(3))
    southern = layer != Layer.ODA
    same = (region[source[southern]] == region[target[southern]]).mean()
    # 70 % drawn in the region, plus the 30 % drawn anywhere that land in it by chance.
    p = np.bincount(region[:n_south]) / n_south
    expected = 0.7 + 0.3 * (p**2).sum()
    assert same == pytest.approx(expected, abs=0.02)


def test_initial_ties_are_reproducible_and_empty_when_asked_for_none() -> None:
    region = region_array(300, 30)
    first = initial_ties(region, 300, 4.0, np.random.default_rng(7))
    second = initial_ties(region, 300, 4.0, np.random.default_rng(7))
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    for arrays in (
        initial_ties(region, 300, 0.0, np.random.default_rng(7)),
        initial_ties(region, 1, 4.0, np.random.default_rng(7)),
    ):
        assert all(len(a) == 0 for a in arrays)


def test_without_northern_actors_there_are_no_oda_ties() -> None:
    region = region_array(500, 0)
    layer, source, target, _ = initial_ties(region, 500, 6.0, np.random.default_rng(0))
    assert len(layer) > 0
    assert not (layer == Layer.ODA).any()
    assert np.all(source < 500) and np.all(target < 500)


# ---------------------------------------------------------------------------
# A model on a synthetic world
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic_model() -> tuple[SSCModel, int]:
    model = SSCModel(
        rng=1, synthetic_actors=2000, initial_ties_per_actor=10, partnerships=[], steps=3
    )
    ties_at_start = len(model.state.network.ties.alive_rows())
    model.run()
    return model, ties_at_start


def test_a_synthetic_model_starts_with_about_ten_ties_per_actor(synthetic_model) -> None:
    model, ties_at_start = synthetic_model
    assert model.roster.n_actors == 2000
    # Duplicate draws merge into one tie and self-ties are dropped: a little under 10 x N.
    assert 9.0 <= ties_at_start / model.roster.n_actors <= 10.0
    assert model.config.world.synthetic_actors == 2000


def test_a_synthetic_model_runs_and_starts_actions(synthetic_model) -> None:
    model, _ = synthetic_model
    assert model.period == 3 and not model.running
    actions = model.actions_frame()
    assert len(actions) > 0
    assert set(actions["provider"]) <= set(model.roster.iso3)
    assert actions["cost_usd"].gt(0).all()
    assert set(actions["modality"]) <= {"bilateral", "triangular", "platform"}
    assert len(model.timeseries_frame()) == 4  # the start and three steps
    assert np.all((model.state.countries.capacity >= 0) & (model.state.countries.capacity <= 1))
    assert len(model.state.network.ties.alive_rows()) > 0
