"""Who is Southern: the default rule (the Group of 77 and China plus Mexico and Turkiye) and the
switch `world.south` back to the wide South of earlier versions."""

from __future__ import annotations

import pytest

from sscsim.config import South, SSCConfig, config_from_parameters
from sscsim.model import SSCModel
from sscsim.state.roster import build_roster
from sscsim.synthetic import synthetic_world
from sscsim.world import SOUTH_COLUMNS, WorldTables, south_column, southern_mask

# The wide South (every economy neither DAC, EU nor high-income European or North American)
# with GDP or population: the Southern actors of earlier versions.
WIDE_WITHOUT_DATA = {"AIA", "BES", "COK", "MSR", "NIU", "TWN"}


def test_the_rule_is_an_enum_with_g77_by_default() -> None:
    assert SSCConfig().world.south is South.g77
    assert [member.name for member in South] == list(SOUTH_COLUMNS) == ["g77", "non_dac"]
    assert all(member.name == member.value for member in South)
    assert south_column(South.non_dac) == south_column("non_dac") == "southern_non_dac"
    assert config_from_parameters(south="non_dac").world.south is South.non_dac
    with pytest.raises(ValueError, match="unknown rule"):
        south_column("oecd")


def test_roster_by_each_rule(world: WorldTables) -> None:
    countries = world.countries
    default = build_roster(world, [], False)
    assert default.n_south == 138 and default.excluded == ()
    south = set(default.iso3[: default.n_south])
    assert south == set(countries.loc[countries["southern"], "iso3"])
    assert {"MEX", "TUR", "CHN", "PSE", "CHL", "QAT"} <= south
    assert not south & {"HKG", "MAC", "TWN", "PRI", "ABW", "CUW", "NCL", "ISR", "KAZ"}

    wide = build_roster(world, [], False, "non_dac")
    old = set(countries.loc[countries["southern_non_dac"], "iso3"])
    assert set(wide.iso3[: wide.n_south]) == old - WIDE_WITHOUT_DATA
    assert set(wide.excluded) == WIDE_WITHOUT_DATA
    assert wide.n_south == 169 and wide.n_north == default.n_north == 31


@pytest.mark.parametrize("rule", ["g77", "non_dac"])
def test_model_runs_under_each_rule(rule: str) -> None:
    model = SSCModel(rng=1, steps=4, south=rule).run()
    assert model.period == 4
    assert model.n_south == {"g77": 138, "non_dac": 169}[rule]
    codes = set(model.roster.iso3[: model.n_south])
    assert ("HKG" in codes) is (rule == "non_dac")
    assert {"MEX", "TUR", "IDN", "COL", "THA"} <= codes


def test_default_model_is_the_g77_model() -> None:
    default = SSCModel(rng=1, steps=1)
    assert default.config.world.south is South.g77
    assert default.n_south == 138


def test_synthetic_worlds_draw_from_the_chosen_south(world: WorldTables) -> None:
    for rule in ("g77", "non_dac"):
        synthetic = synthetic_world(400, seed=3, base=world, south=rule)
        actors = synthetic.countries
        mask = southern_mask(actors, rule)
        assert (mask | actors["dac_member"]).all()
        roster = build_roster(synthetic, [], False, rule)
        assert roster.n_actors == 400
    g77 = synthetic_world(400, seed=3, base=world).countries
    assert not set(g77["country"]) & {"HKG", "MAC", "TWN", "ISR", "PRI"}
    model = SSCModel(rng=1, steps=2, synthetic_actors=200, south="non_dac").run()
    assert model.roster.n_actors == 200 and model.period == 2


def test_champions_and_partnerships_are_southern_under_either_rule(world: WorldTables) -> None:
    for rule in ("g77", "non_dac"):
        config_from_parameters(south=rule).validate(world)
    with pytest.raises(ValueError, match="'HKG' is not a Southern country"):
        config_from_parameters(champions=["HKG"]).validate(world)
    config_from_parameters(champions=["HKG"], south="non_dac").validate(world)
