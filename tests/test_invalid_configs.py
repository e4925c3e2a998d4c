"""Invalid configurations generated from the schema's metadata, valid ones drawn from its ranges,
the edge values of types, the checks against a world, and the documents derived from the schema."""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import re
import typing
from enum import Enum
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sscsim import config as schema
from sscsim.config import (
    ConfigError,
    PlatformSpec,
    SSCConfig,
    config_from_parameters,
    config_problems,
    flat_parameter_paths,
    odd_with_parameters,
    parameter,
    parameter_table_markdown,
    parameters,
    slider_bounds,
    world_problems,
)
from sscsim.runner import run_and_save

ROOT = Path(__file__).resolve().parent.parent
SPEC = "FEALAC"  # the platform whose spec stands for `platforms.specs.*`


# ---------------------------------------------------------------------------
# Setting a value by dotted path
# ---------------------------------------------------------------------------
def concrete(path: str) -> str:
    return path.replace("platforms.specs.*.", f"platforms.specs.{SPEC}.")


def _parent(config: SSCConfig, path: str) -> tuple[object, str]:
    *parents, leaf = path.split(".")
    target: object = config
    for name in parents:
        target = target[name] if isinstance(target, dict) else getattr(target, name)
    return target, leaf


def assign(config: SSCConfig, path: str, value: object) -> None:
    """Set `path` (``a.b``, ``a.b[1]``, ``platforms.specs.X.c``) to `value`."""
    index = None
    match = re.fullmatch(r"(.*)\[(\d+)\]", path)
    if match:
        path, index = match[1], int(match[2])
    target, leaf = _parent(config, path)
    if index is None:
        if isinstance(target, dict):
            target[leaf] = value
        else:
            setattr(target, leaf, value)
    else:
        getattr(target, leaf)[index] = value


def value_at(config: SSCConfig, path: str) -> object:
    target, leaf = _parent(config, path)
    return target[leaf] if isinstance(target, dict) else getattr(target, leaf)


# ---------------------------------------------------------------------------
# The generator: invalid values of each field, from its declaration
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class Case:
    """Values to set, and the fragments the error must contain (one per expected problem)."""

    id: str
    changes: list[tuple[str, object]]
    expected: list[str]


def _bare(hint):
    hint, optional = schema._optional(hint)
    return hint, optional


def _scalar_invalid(hint, declared: schema.Param, optional: bool) -> list[object]:
    """Values of the wrong type or out of range for a scalar of type `hint`."""
    bad: list[object] = []
    if hint in (int, float):
        step = 1 if hint is int else 0.5
        if declared.low is not None:
            bad.append(declared.low if declared.low_open else declared.low - step)
        if declared.high is not None:
            bad.append(declared.high if declared.high_open else declared.high + step)
        if hint is float:
            bad += [math.nan, math.inf, -math.inf]
        else:
            bad.append(1.5)
        bad += ["1", True]
    elif hint is bool:
        bad += [2, "yes", 0.0]
    elif hint is str:
        bad += [3, b"x"]
        if declared.form is not None:
            bad += ["idn", "ID1"]
    elif isinstance(hint, type) and issubclass(hint, Enum):
        bad += ["wealth", 1]
    if not optional:
        bad.append(None)
    return bad


def single_field_cases() -> list[Case]:
    cases = []
    for leaf in parameters():
        if leaf.path == "platforms.specs":
            continue  # a mapping of sections: cases below
        path = concrete(leaf.path)
        hint, optional = _bare(leaf.hint)
        if typing.get_origin(hint) is list:
            element = typing.get_args(hint)[0]
            good = {int: 2030, float: 1.0, str: "health"}[element]
            if leaf.param.form is not None:
                good = {
                    schema.ISO3: "IDN",
                    schema.ISO3_PAIR: "THA:COL",
                    schema.ISO3_REGION: "THA:lac",
                }[leaf.param.form]
            for bad in _scalar_invalid(element, leaf.param, optional=False):
                cases.append(
                    Case(f"{path}[1]={bad!r}", [(path, [good, bad])], [f"{path}[1] = {bad!r}"])
                )
            for bad in ("IDN", 5):
                cases.append(Case(f"{path}={bad!r}", [(path, bad)], [f"{path} = {bad!r}"]))
            continue
        for bad in _scalar_invalid(hint, leaf.param, optional):
            cases.append(Case(f"{path}={bad!r}", [(path, bad)], [f"{path} = {bad!r}"]))
    return cases


def cross_field_cases() -> list[Case]:
    specs_events = "platforms.specs.APEC.events_per_year"
    themeless = ("platforms.specs", {"ASEAN": PlatformSpec()})  # no themes to check
    return [
        Case(
            "northern-shares",
            [("funding.cpa_share_of_oda", 0.7), ("funding.trust_fund_share_of_oda", 0.4)],
            ["funding.cpa_share_of_oda + funding.trust_fund_share_of_oda = 0.7 + 0.4"],
        ),
        Case(
            "durations",
            [("matching.min_duration_quarters", 5), ("matching.max_duration_quarters", 3)],
            ["matching.max_duration_quarters = 3"],
        ),
        Case(
            "reinforcement-threshold",
            [("ties.reinforcement", 0.2), ("ties.dissolve_threshold", 0.2)],
            ["ties.reinforcement = 0.2"],
        ),
        Case(
            "oda-path-pairs",
            [("scenario.oda_path_years", [2028, 2030]), ("scenario.oda_path_multipliers", [0.8])],
            ["scenario.oda_path_years has 2 entries but scenario.oda_path_multipliers has 1"],
        ),
        Case(
            "oda-path-increase",
            [("scenario.oda_path_years", [2030, 2030]), ("scenario.oda_path_multipliers", [1, 1])],
            ["scenario.oda_path_years = [2030, 2030]"],
        ),
        Case("events-per-step", [(specs_events, 5.0)], [f"{specs_events} = 5.0"]),
        Case("events-per-step-spy", [("steps_per_year", 2)], [f"{specs_events} = 4.0"]),
        Case(
            "vulnerability-weights",
            [("funding.vulnerability_weight_sids", 0.5)],
            ["funding.vulnerability_weight_sids + funding.vulnerability_weight_ldc"],
        ),
        Case("years", [("end_year", 2020)], ["end_year = 2020"]),
        Case("no-sectors", [("world.sectors", []), themeless], ["world.sectors = []"]),
        Case(
            "sector-twice",
            [("world.sectors", ["health", "health"]), themeless],
            ["world.sectors = ['health', 'health']: lists 'health' more than once"],
        ),
        Case(
            "theme-outside-sectors",
            [("platforms.specs.PIF.themes", ["moon"])],
            ["platforms.specs.PIF.themes: 'moon'"],
        ),
        Case(
            "partnership-one-country",
            [("world.partnerships", ["THA:THA"])],
            ["world.partnerships[0] = 'THA:THA'"],
        ),
        Case("no-platforms", [("platforms.specs", {})], ["platforms.specs = {}"]),
        Case("platform-none", [("platforms.specs.EDP", None)], ["platforms.specs.EDP = None"]),
        Case("platform-not-a-spec", [("platforms.specs.EDP", 3)], ["platforms.specs.EDP = 3"]),
        Case("specs-not-a-mapping", [("platforms.specs", ["EDP"])], ["platforms.specs = ['EDP']"]),
        Case(
            "too-many-platforms",
            [("platforms.specs", {f"P{k}": PlatformSpec() for k in range(63)})],
            ["platforms.specs: 63 platforms"],
        ),
        Case("section-not-a-section", [("funding", 3)], ["funding = 3"]),
    ]


def several_at_once_cases(singles: list[Case], n: int = 60) -> list[Case]:
    """Three to six bad values in different fields at once (a seeded draw)."""
    by_field: dict[str, Case] = {}
    for case in singles:
        by_field.setdefault(re.sub(r"\[\d+\]$", "", case.changes[0][0]), case)
    fields = sorted(by_field)
    draw = random.Random(20250101)
    cases = []
    for k in range(n):
        chosen = [by_field[name] for name in draw.sample(fields, draw.randint(3, 6))]
        changes = [change for case in chosen for change in case.changes]
        expected = [fragment for case in chosen for fragment in case.expected]
        cases.append(Case(f"several-{k}", changes, expected))
    return cases


SINGLE = single_field_cases()
CASES = SINGLE + cross_field_cases() + several_at_once_cases(SINGLE)


def build(case: Case) -> SSCConfig:
    config = SSCConfig()
    for path, value in case.changes:
        assign(config, path, copy.deepcopy(value))
    return config


def test_the_generator_builds_at_least_300_distinct_invalid_configurations() -> None:
    assert len(CASES) >= 300
    assert len({case.id for case in CASES}) == len(CASES)
    fields = {re.sub(r"\[\d+\]$", "", path) for case in SINGLE for path, _ in case.changes}
    leaves = {concrete(leaf.path) for leaf in parameters()} - {"platforms.specs"}
    assert fields == leaves  # every declared field has invalid values


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_invalid_configuration_is_reported_completely(case: Case) -> None:
    config = build(case)
    with pytest.raises(ConfigError) as caught:
        config.validate()
    message = str(caught.value)
    for fragment in case.expected:
        assert fragment in message, (fragment, message)
    # One problem per bad value: none hidden by another, none spurious.
    assert len(caught.value.problems) == len(case.expected), message


def test_run_and_save_refuses_every_one_before_creating_the_run_folder(tmp_path: Path) -> None:
    for k, case in enumerate(CASES):
        run_dir = tmp_path / f"run{k}"
        with pytest.raises(ConfigError) as caught:
            run_and_save(build(case), run_dir)
        assert all(fragment in str(caught.value) for fragment in case.expected), case.id
        assert not run_dir.exists(), case.id
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Valid configurations: the defaults and every value inside the declared ranges
# ---------------------------------------------------------------------------
def test_every_default_config_validates() -> None:
    assert SSCConfig().validate().n_steps == 64
    assert config_problems(SSCConfig()) == []
    for leaf in parameters():
        if "*" not in leaf.path:
            assert value_at(SSCConfig(), leaf.path) == leaf.default, leaf.path
    for spec in schema.default_platforms().values():
        config = SSCConfig()
        config.platforms.specs = {"ONE": spec}
        assert config_problems(config) == []


def test_the_new_rule_constants_equal_the_literals_they_replace() -> None:
    config = SSCConfig()
    assert config.ties.running_action_reinforcement_share == 0.25
    assert config.diffusion.agency_efficiency_floor == 0.5
    assert config.matching.request_agency_floor == 0.5
    assert config.matching.champion_extra_offer_sectors == 1
    assert config.domestic.institutional_learning_max_actions == 4
    assert config.funding.oda_capacity_share_cap == 0.2
    funding = config.funding
    assert (
        funding.vulnerability_weight_sids,
        funding.vulnerability_weight_ldc,
        funding.vulnerability_weight_capacity,
    ) == (0.4, 0.3, 0.3)


NUMERIC = [
    leaf
    for leaf in parameters()
    if _bare(leaf.hint)[0] in (int, float)
    or typing.get_args(_bare(leaf.hint)[0])[:1] in ((int,), (float,))
]


def _in_range(leaf: schema.Parameter, data: st.DataObject) -> object:
    hint = _bare(leaf.hint)[0]
    hint = typing.get_args(hint)[0] if typing.get_origin(hint) is list else hint
    declared = leaf.param
    low = declared.low if declared.low is not None else -(10**6)
    high = declared.high if declared.high is not None else low + 10**6
    if hint is int:
        return data.draw(st.integers(math.ceil(low + declared.low_open), math.floor(high)))
    return data.draw(
        st.floats(low, high, exclude_min=declared.low_open, exclude_max=declared.high_open)
    )


def _repair_partners(config: SSCConfig, path: str, value) -> None:
    """Move the fields a rule joins to `path` so that the rule holds (the rules of the schema,
    restated)."""
    funding, matching, ties = config.funding, config.matching, config.ties
    weights = ("vulnerability_weight_sids", "vulnerability_weight_ldc")
    weights += ("vulnerability_weight_capacity",)
    section, _, name = path.partition(".")
    if section == "funding" and name in weights:
        for other in weights:
            if other != name:
                setattr(funding, other, (1 - value) / 2)
    elif path == "funding.cpa_share_of_oda":
        funding.trust_fund_share_of_oda = min(funding.trust_fund_share_of_oda, 1 - value)
    elif path == "funding.trust_fund_share_of_oda":
        funding.cpa_share_of_oda = min(funding.cpa_share_of_oda, 1 - value)
    elif path == "matching.min_duration_quarters":
        matching.max_duration_quarters = max(matching.max_duration_quarters, value)
    elif path == "matching.max_duration_quarters":
        matching.min_duration_quarters = min(matching.min_duration_quarters, value)
    elif path == "funds.min_participants":
        config.funds.max_participants = max(config.funds.max_participants, value)
    elif path == "funds.max_participants":
        config.funds.min_participants = min(config.funds.min_participants, value)
    elif path == "ties.reinforcement":
        ties.dissolve_threshold = value / 2
    elif path == "ties.dissolve_threshold":
        ties.reinforcement = (1 + value) / 2
    elif path == "start_year":
        config.end_year = max(config.end_year, value)
    elif path == "end_year":
        config.start_year = min(config.start_year, value)
    elif path == "steps_per_year":
        for spec in config.platforms.specs.values():
            spec.events_per_year = min(spec.events_per_year, value)
    elif path == f"platforms.specs.{SPEC}.events_per_year":
        config.steps_per_year = max(config.steps_per_year, math.ceil(value))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(NUMERIC), st.data())
def test_every_value_inside_the_declared_range_validates(leaf, data) -> None:
    config = SSCConfig()
    path = concrete(leaf.path)
    value = _in_range(leaf, data)
    if typing.get_origin(_bare(leaf.hint)[0]) is list:
        if path == "scenario.oda_path_years":
            config.scenario.oda_path_multipliers = [1.0, 1.0]
            value = [value, value + 1]
        else:
            config.scenario.oda_path_years = [2030]
            value = [value]
    assign(config, path, value)
    _repair_partners(config, path, value)
    assert config_problems(config) == []


# ---------------------------------------------------------------------------
# Edge values of types
# ---------------------------------------------------------------------------
def problems(**parameters) -> list[str]:
    return config_problems(config_from_parameters(**parameters))


def test_a_boolean_given_as_2_is_refused() -> None:
    assert problems(champions_enabled=2) == [
        "scenario.champions_enabled = 2: must be true or false"
    ]
    assert problems(record_actions=np.bool_(False)) == []


def test_numpy_integers_and_floats_are_accepted_where_the_field_is_int_or_float() -> None:
    assert (
        problems(
            seed=np.int64(3),
            request_sectors=np.int32(2),
            action_cost_usd=np.float32(50_000.0),
            refundable_share=np.float64(0.2),
            initial_ties_per_actor=np.int16(3),
        )
        == []
    )
    assert problems(refundable_share=np.float64(1.5)) == [
        "funding.refundable_share = 1.5: must be in [0, 1]"
    ]
    assert problems(request_sectors=np.float64(2.0)) == [
        "matching.request_sectors = 2.0: must be a whole number"
    ]


def test_seed_true_is_refused() -> None:
    assert problems(seed=True) == ["seed = True: must be a whole number"]
    assert problems(seed=np.bool_(True)) == ["seed = True: must be a whole number"]


def test_an_int_where_a_float_is_expected_is_accepted() -> None:
    config = config_from_parameters(refundable_share=1, action_cost_usd=60_000)
    assert config.validate() is config


def test_platform_specs_emptied_by_an_override_are_refused() -> None:
    # The model cannot run without a platform (its event step convenes platform agents).
    assert problems(**{"platforms.specs": {}}) == [
        "platforms.specs = {}: must hold at least one platform"
    ]


def test_a_platform_spec_set_to_none_is_refused_with_how_to_drop_it() -> None:
    config = SSCConfig()
    config.platforms.specs["EDP"] = None
    config.funding.refundable_share = math.nan  # and another problem is not hidden
    assert config_problems(config) == [
        "funding.refundable_share = nan: must be finite",
        "platforms.specs.EDP = None: must be a PlatformSpec section (leave EDP out of"
        " platforms.specs to drop it)",
    ]


def test_a_wrong_type_does_not_hide_a_range_problem_elsewhere() -> None:
    found = problems(
        start_year="2025", refundable_share=1.5, min_duration_quarters=math.nan, decay_rate=-1
    )
    assert found == [
        "start_year = '2025': must be a whole number",
        "funding.refundable_share = 1.5: must be in [0, 1]",
        "matching.min_duration_quarters = nan: must be a whole number",
        "ties.decay_rate = -1: must be in [0, 1]",
    ]


# ---------------------------------------------------------------------------
# Against a world
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world():
    from sscsim.world import load_world

    return load_world()


def test_the_defaults_fit_the_packaged_world(world) -> None:
    assert world_problems(SSCConfig(), world) == []
    assert SSCConfig().validate(world).n_steps == 64


def test_codes_that_do_not_name_the_world_are_reported(world) -> None:
    config = config_from_parameters(
        champions=["IDN", "DEU", "XYZ"], partnerships=["THA:QQQ"], edp_members=["IDN", "ZZZ"]
    )
    config.platforms.specs["MERCOSUR"] = PlatformSpec()
    with pytest.raises(ConfigError) as caught:
        config.validate(world)
    assert caught.value.problems[:4] == [
        "world.champions[1]: 'DEU' is not a Southern country",
        "world.champions[2]: 'XYZ' is not an ISO3 code of the world table",
        "world.partnerships[0]: 'QQQ' (in 'THA:QQQ') is not a Southern country of the world table",
        "world.edp_members[1]: 'ZZZ' is not an ISO3 code of the world table",
    ]
    assert caught.value.problems[4].startswith(
        "platforms.specs.MERCOSUR: no rows for 'MERCOSUR' in the world's membership table"
    )
    assert len(caught.value.problems) == 5


def test_edp_needs_no_rows_when_its_members_are_listed(world) -> None:
    config = config_from_parameters(edp_members=["IDN", "COL"])
    no_edp = dataclasses.replace(
        world, memberships=world.memberships[world.memberships["platform"] != "EDP"]
    )
    assert world_problems(config, no_edp) == []
    assert world_problems(SSCConfig(), no_edp)[0].startswith("platforms.specs.EDP: no rows")


def test_a_synthetic_world_is_checked_by_economy(world) -> None:
    from sscsim.synthetic import synthetic_world

    synthetic = synthetic_world(300, 0, world)
    actors = synthetic.countries
    southern = actors.loc[actors["southern"], "country"].iloc[0]
    northern = actors.loc[~actors["southern"], "country"].iloc[0]
    config = config_from_parameters(champions=[southern, northern], partnerships=[])
    config.platforms.specs = {code: PlatformSpec() for code in synthetic.platforms()}
    assert world_problems(config, synthetic) == [
        f"world.champions[1]: {northern!r} is not a Southern country"
    ]


def test_world_checks_wait_for_well_formed_codes(world) -> None:
    assert problems(champions=["idn"]) == config_problems(
        config_from_parameters(champions=["idn"]), world
    )


# ---------------------------------------------------------------------------
# The schema as data: declarations, Hydra, the ODD's table and the app's sliders
# ---------------------------------------------------------------------------
def test_every_leaf_of_every_section_is_declared() -> None:
    declared = {leaf.path for leaf in parameters()}
    assert set(flat_parameter_paths().values()) <= declared
    spec_fields = {f"platforms.specs.*.{item.name}" for item in dataclasses.fields(PlatformSpec)}
    assert spec_fields <= declared
    for leaf in parameters():
        assert leaf.param.doc, leaf.path
        if leaf.param.explore is not None:
            low, high = leaf.param.explore
            assert low < high
            assert leaf.param.contains(low) and leaf.param.contains(high), leaf.path


def test_omegaconf_accepts_the_schema() -> None:
    structured = OmegaConf.structured(SSCConfig)
    assert OmegaConf.to_object(structured) == SSCConfig()
    overrides = OmegaConf.from_dotlist(["eligibility=vulnerability", "refundable_share=1"])
    merged = OmegaConf.merge(structured, {"scenario": {"eligibility": "vulnerability"}})
    config = OmegaConf.to_object(merged).validate()
    assert config.scenario.eligibility is schema.Eligibility.vulnerability
    assert overrides  # flat dotlists are the CLI's business; sections merge by name


def test_the_parameter_table_has_a_row_per_parameter() -> None:
    table = parameter_table_markdown()
    lines = table.splitlines()
    assert lines[0] == "| parameter | default | unit | range | meaning | source |"
    assert len(lines) == 2 + len(parameters())
    row = next(line for line in lines if line.startswith("| `funding.refundable_share` |"))
    assert "| 0.1 | probability | [0, 1] |" in row
    row = next(line for line in lines if line.startswith("| `scenario.fealac_fund_multiplier` |"))
    assert ">= 0; explored [0, 5]" in row
    assert parameter_table_markdown(["ties"]).count("\n") == 2 + 6
    with pytest.raises(KeyError):
        parameter_table_markdown(["ties.no_such"])


def test_docs_odd_is_up_to_date_with_the_schema() -> None:
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert odd_with_parameters(text) == text, (
        "docs/ODD.md is out of date: python -m sscsim.config --write-odd docs/ODD.md"
    )
    shown = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))
    missing = {leaf.path for leaf in parameters()} - shown
    assert not missing, f"parameters in no table of docs/ODD.md: {sorted(missing)}"


def test_the_odd_markers_are_replaced_and_select_parameters() -> None:
    text = "a\n<!-- parameters:begin ties.decay_rate -->\nold\n<!-- parameters:end -->\nb\n"
    updated = odd_with_parameters(text)
    assert updated.startswith("a\n<!-- parameters:begin ties.decay_rate -->\n| parameter |")
    assert "`ties.decay_rate`" in updated and "`ties.reinforcement`" not in updated
    assert updated.endswith("|\n<!-- parameters:end -->\nb\n")
    assert odd_with_parameters(updated) == updated
    with pytest.raises(ValueError):
        odd_with_parameters("no markers")


def test_the_command_line_writes_and_checks_the_odd(tmp_path: Path, capsys) -> None:
    odd = tmp_path / "ODD.md"
    odd.write_text("x\n<!-- parameters:begin -->\n<!-- parameters:end -->\n")
    assert schema.main(["--check-odd", str(odd)]) == 1
    assert schema.main(["--write-odd", str(odd)]) == 0
    assert schema.main(["--check-odd", str(odd)]) == 0
    assert "`seed`" in odd.read_text()
    capsys.readouterr()


def test_slider_bounds_come_from_the_explore_or_the_valid_range() -> None:
    assert slider_bounds("fealac_fund_multiplier") == (0.0, 5.0)
    assert slider_bounds("scenario.oda_cut_depth") == (0.0, 0.9)
    assert slider_bounds("partnership_trust") == (0, 1)
    with pytest.raises(ValueError, match="unbounded"):
        slider_bounds("action_cost_usd")
    with pytest.raises(KeyError):
        parameter("no_such_parameter")


def test_the_app_levers_use_the_schema() -> None:
    pytest.importorskip("solara")
    from sscsim.app_comparison import LEVERS

    for name, lever in LEVERS.items():
        declared = parameter(name)
        assert declared.param.label and lever.label == declared.param.label, name
        if lever.low is not None:
            assert (lever.low, lever.high) == slider_bounds(name), name
            if declared.param.explore is not None:
                assert slider_bounds(name) == declared.param.explore
