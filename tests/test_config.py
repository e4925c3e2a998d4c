"""The typed configuration: flat parameters, validation, and the Gini coefficient."""

from __future__ import annotations

import dataclasses
from enum import Enum
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sscsim.config import (
    SECTIONS,
    ConfigError,
    Eligibility,
    SSCConfig,
    config_from_parameters,
    flat_parameter_paths,
)
from sscsim.reporters import gini

PATHS = flat_parameter_paths()


def resolve(config: SSCConfig, path: str):
    return reduce(getattr, path.split("."), config)


# ---------------------------------------------------------------------------
# Flat parameters
# ---------------------------------------------------------------------------
def test_every_leaf_has_one_unique_flat_name() -> None:
    config = SSCConfig()
    leaves: list[str] = []
    for top in dataclasses.fields(SSCConfig):
        if top.name in SECTIONS:
            leaves += [leaf.name for leaf in dataclasses.fields(getattr(config, top.name))]
        else:
            leaves.append(top.name)
    assert len(leaves) == len(set(leaves)), "a parameter name is used in two sections"
    assert sorted(PATHS) == sorted(leaves)
    assert PATHS["oda_cut_depth"] == "scenario.oda_cut_depth"
    assert PATHS["action_cost_usd"] == "funding.action_cost_usd"
    assert PATHS["seed"] == "seed"
    for path in PATHS.values():
        resolve(config, path)  # every path exists


@pytest.mark.parametrize("name", sorted(PATHS))
def test_config_from_parameters_sets_each_flat_name(name: str) -> None:
    path = PATHS[name]
    default = resolve(SSCConfig(), path)
    if isinstance(default, Enum):
        other = next(member for member in type(default) if member != default)
        value, expected = other.value, other
    else:
        value = expected = object()
    config = config_from_parameters(**{name: value})
    assert resolve(config, path) is expected
    # Nothing else changed.
    config_default = SSCConfig()
    for other_name, other_path in PATHS.items():
        if other_name != name:
            assert resolve(config, other_path) == resolve(config_default, other_path), other_name


def test_config_from_parameters_copies_its_base_and_takes_dotted_names() -> None:
    base = SSCConfig()
    config = config_from_parameters(
        base, oda_cut_depth=0.5, **{"funding.action_cost_usd": 1.0}, eligibility="VULNERABILITY"
    )
    assert config.scenario.oda_cut_depth == 0.5
    assert config.funding.action_cost_usd == 1.0
    assert config.scenario.eligibility is Eligibility.vulnerability
    assert base.scenario.oda_cut_depth == 0.0
    assert base.funding.action_cost_usd == 10_000.0
    assert base.scenario.eligibility is Eligibility.income
    assert config.world is not base.world


def test_unknown_names_raise_one_error_naming_each() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_parameters(
            oda_cut_dept=0.5, **{"scenario.no_such_field": 1, "nosection.x": 2}, seed=3
        )
    message = str(caught.value)
    assert len(caught.value.problems) == 3
    for name in ("oda_cut_dept", "scenario.no_such_field", "nosection.x"):
        assert name in message
    assert "seed" not in message


def test_a_bad_enum_value_is_reported_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"eligibility = 'wealth': not one of income"):
        config_from_parameters(eligibility="wealth")


# ---------------------------------------------------------------------------
# validate()
# ---------------------------------------------------------------------------
def test_the_defaults_validate() -> None:
    config = SSCConfig()
    assert config.validate() is config
    assert config_from_parameters().validate().n_steps == 64


def problems_of(**parameters) -> list[str]:
    config = config_from_parameters(**parameters)
    with pytest.raises(ConfigError) as caught:
        config.validate()
    assert str(caught.value).startswith("invalid configuration:")
    for problem in caught.value.problems:
        assert f"  - {problem}" in str(caught.value)
    return caught.value.problems


def test_a_share_above_one_is_rejected_with_path_and_value() -> None:
    problems = problems_of(oda_cut_depth=1.5)
    assert any("scenario.oda_cut_depth" in p and "1.5" in p for p in problems), problems


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("learning_rate", "diffusion.learning_rate"),
        ("refundable_share", "funding.refundable_share"),
        ("decay_rate", "ties.decay_rate"),
        ("champion_host_share", "platforms.champion_host_share"),
    ],
)
def test_other_shares_are_checked(name: str, path: str) -> None:
    problems = problems_of(**{name: 1.01})
    assert any(path in p and "1.01" in p for p in problems), problems


def test_a_negative_cost_is_rejected() -> None:
    problems = problems_of(action_cost_usd=-5)
    assert any("funding.action_cost_usd" in p and "-5" in p for p in problems), problems


@pytest.mark.parametrize("value", [0, float("nan"), float("inf"), "60000"])
def test_a_cost_must_be_a_finite_positive_number(value) -> None:
    problems = problems_of(action_cost_usd=value)
    assert any("funding.action_cost_usd" in p for p in problems), problems


def test_mismatched_oda_path_lists_are_rejected() -> None:
    problems = problems_of(oda_path_years=[2028, 2030], oda_path_multipliers=[0.8])
    assert any(
        "scenario.oda_path_years" in p and "scenario.oda_path_multipliers" in p for p in problems
    ), problems


def test_a_theme_outside_the_sectors_is_rejected() -> None:
    config = SSCConfig()
    config.platforms.specs["APEC"].themes.append("space_exploration")
    with pytest.raises(ConfigError, match=r"platforms\.specs\.APEC\.themes: 'space_exploration'"):
        config.validate()
    # Dropping a sector that a platform uses as a theme is caught too.
    config = SSCConfig()
    config.world.sectors.remove("health")
    with pytest.raises(ConfigError) as caught:
        config.validate()
    assert {p.split(".")[2] for p in caught.value.problems} == {"CARICOM", "PIF"}


def test_max_duration_below_min_duration_is_rejected() -> None:
    problems = problems_of(min_duration_quarters=4, max_duration_quarters=2)
    assert any("matching.max_duration_quarters = 2" in p for p in problems), problems
    assert len(problems) == 1


@pytest.mark.parametrize("code", ["idn", "INDO", "ID", "I1N", 360])
def test_a_malformed_champion_code_is_rejected(code) -> None:
    problems = problems_of(champions=["COL", code])
    if isinstance(code, str):
        expected = f"world.champions[1] = {code!r}: must be an ISO3 code (three capital letters)"
    else:
        expected = f"world.champions[1] = {code!r}: must be text"
    assert problems == [expected]


def test_one_error_lists_every_problem() -> None:
    config = config_from_parameters(
        oda_cut_depth=1.5,
        action_cost_usd=-5,
        oda_path_years=[2030],
        oda_path_multipliers=[],
        min_duration_quarters=3,
        max_duration_quarters=1,
        champions=["idn"],
    )
    config.platforms.specs["PIF"].themes = ["moon"]
    with pytest.raises(ConfigError) as caught:
        config.validate()
    message = str(caught.value)
    for fragment in (
        "scenario.oda_cut_depth = 1.5",
        "funding.action_cost_usd = -5",
        "scenario.oda_path_multipliers",
        "matching.max_duration_quarters = 1",
        "world.champions[0] = 'idn'",
        "platforms.specs.PIF.themes: 'moon'",
    ):
        assert fragment in message
    assert len(caught.value.problems) >= 6
    assert message.count("\n  - ") == len(caught.value.problems)


# ---------------------------------------------------------------------------
# metrics.gini
# ---------------------------------------------------------------------------
def test_gini_of_equal_values_is_zero() -> None:
    assert gini(np.full(7, 3.2)) == pytest.approx(0.0, abs=1e-12)
    assert gini(np.zeros(4)) == 0.0
    assert gini(np.array([])) == 0.0
    assert gini(np.array([5.0])) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 100])
def test_gini_of_one_non_zero_value(n: int) -> None:
    values = np.zeros(n)
    values[n // 2] = 4.0
    assert gini(values) == pytest.approx((n - 1) / n)


def test_gini_example() -> None:
    # Mean absolute difference 1.25 / (2 * mean 2.5) = 0.25.
    assert gini(np.array([4.0, 1.0, 3.0, 2.0])) == pytest.approx(0.25)


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 40), elements=st.just(0.0) | st.floats(1e-6, 1e6)),
    st.floats(1e-3, 1e3),
    st.randoms(use_true_random=False),
)
def test_gini_is_scale_and_order_invariant_and_in_unit_interval(values, scale, random) -> None:
    g = gini(values)
    assert 0.0 <= g + 1e-12 and g <= 1.0
    if values.sum() > 0:
        assert gini(values * scale) == pytest.approx(g, abs=1e-9)
        shuffled = values.copy()
        random.shuffle(shuffled)
        assert gini(shuffled) == pytest.approx(g, abs=1e-12)
        # The definition by mean absolute difference.
        mad = np.abs(values[:, None] - values[None, :]).mean()
        assert g == pytest.approx(mad / (2 * values.mean()), abs=1e-9)


@pytest.mark.parametrize(
    "parameters",
    [{"start_year": "2025"}, {"min_duration_quarters": "2"}, {"end_year": float("nan")}],
    ids=["start_year-str", "min_duration-str", "end_year-nan"],
)
def test_validate_reports_wrongly_typed_years_and_durations(parameters) -> None:
    with pytest.raises(ConfigError):
        config_from_parameters(**parameters).validate()


# ---------------------------------------------------------------------------
# Fields of the scale-ready model
# ---------------------------------------------------------------------------
def test_scale_fields_have_their_documented_defaults() -> None:
    config = SSCConfig()
    assert config.world.synthetic_actors is None
    assert config.world.synthetic_seed == 0
    assert config.world.initial_ties_per_actor == 0.0
    assert config.matching.candidate_sample >= 1
    assert config.matching.funder_sample >= 1
    assert config.matching.provider_attempts >= 1
    assert 0.0 <= config.diffusion.tie_learning_rate <= 1.0
    assert config.output.panel_every == 1
    assert config.output.record_actions is True
    for name, path in (
        ("synthetic_actors", "world.synthetic_actors"),
        ("initial_ties_per_actor", "world.initial_ties_per_actor"),
        ("candidate_sample", "matching.candidate_sample"),
        ("tie_learning_rate", "diffusion.tie_learning_rate"),
        ("panel_every", "output.panel_every"),
        ("record_actions", "output.record_actions"),
    ):
        assert PATHS[name] == path


def test_valid_scale_settings_validate() -> None:
    config = config_from_parameters(
        synthetic_actors=5000,
        synthetic_seed=3,
        initial_ties_per_actor=10,
        candidate_sample=1,
        funder_sample=1,
        provider_attempts=1,
        panel_every=4,
        record_actions=False,
    )
    assert config.validate() is config


@pytest.mark.parametrize(
    ("parameters", "fragment"),
    [
        ({"synthetic_actors": 1}, "world.synthetic_actors = 1"),
        ({"synthetic_actors": 2.5}, "world.synthetic_actors = 2.5"),
        ({"initial_ties_per_actor": -1.0}, "world.initial_ties_per_actor = -1.0"),
        ({"candidate_sample": 0}, "matching.candidate_sample = 0"),
        ({"funder_sample": 0}, "matching.funder_sample = 0"),
        ({"provider_attempts": 0}, "matching.provider_attempts = 0"),
        ({"panel_every": 0}, "output.panel_every = 0"),
        ({"panel_every": "4"}, "output.panel_every = '4'"),
        ({"record_actions": "yes"}, "output.record_actions = 'yes'"),
        ({"tie_learning_rate": 1.5}, "diffusion.tie_learning_rate"),
        ({"tie_learning_rate": -0.1}, "diffusion.tie_learning_rate"),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_invalid_scale_settings_are_reported(parameters, fragment: str) -> None:
    problems = problems_of(**parameters)
    assert any(fragment in p for p in problems), problems


def test_provider_priorities_name_southern_providers_and_regions(world) -> None:
    from sscsim.config import world_problems

    config = SSCConfig()
    config.world.provider_priorities = ["THA:asia_pacific", "FRA:lac"]
    assert world_problems(config, world) == [
        "world.provider_priorities[1]: 'FRA' (in 'FRA:lac') is not a Southern country of the"
        " world table"
    ]
    config.world.provider_priorities = ["THA:antarctica"]
    with pytest.raises(ConfigError, match="provider_priorities"):
        config.validate()


def test_the_southern_region_names_of_the_schema_are_the_worlds() -> None:
    from sscsim.config import SOUTHERN_REGION_NAMES
    from sscsim.world import REGIONS

    assert set(SOUTHERN_REGION_NAMES) == set(REGIONS) - {"north_america"}
