"""sscsim as an EMA Workbench model (sscsim.ema): the design runs, its outcomes are sscsim's own
runs of the same points, bad names fail when given, and the executors agree."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from ema_workbench import (
    ArrayOutcome,
    CategoricalParameter,
    IntegerParameter,
    RealParameter,
    Sample,
    ScalarOutcome,
    SequentialEvaluator,
    load_results,
)
from ema_workbench.em_framework.points import experiment_generator
from hydra.errors import ConfigCompositionException

from sscsim.cli import compose_config
from sscsim.config import ConfigError, OdaPath, flat_parameter_paths
from sscsim.ema import (
    SSCSimEvaluator,
    SSCSimModel,
    SSCSimReplicatorModel,
    override_value,
)
from sscsim.model import SSCModel

ROOT = Path(__file__).resolve().parents[1]
STEPS = 8


@pytest.fixture(scope="module")
def design() -> ModuleType:
    """experiments/ema_design.py, the example, as a module."""
    spec = importlib.util.spec_from_file_location(
        "ema_design", ROOT / "experiments" / "ema_design.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sscsim_run(overrides: list[str]) -> SSCModel:
    """The run `python -m sscsim OVERRIDES` makes, without EMA."""
    return SSCModel(config=compose_config(overrides)).run()


def test_the_design_is_what_sscsim_runs_for_its_points(design, tmp_path):
    (experiments, outcomes), evaluator = design.run_design(
        tmp_path, scenarios=2, policies=2, seeds=(1, 2), steps=STEPS, executor="serial"
    )
    assert len(experiments) == 4 and not evaluator.failures
    assert outcomes["mean_capacity"].shape == (4, 2, STEPS + 1)

    # What was saved is what was returned, to the last bit (the reruns below start from it).
    saved_experiments, saved = load_results(str(tmp_path / "design.tar.gz"))
    parameters = [c for c in saved_experiments if c not in ("scenario", "policy", "model")]
    assert set(design.LEVERS) < set(parameters)
    for name in parameters:
        np.testing.assert_array_equal(saved_experiments[name], experiments[name])
    for name, values in outcomes.items():
        np.testing.assert_array_equal(saved[name], values)

    paths = flat_parameter_paths()
    for row in (0, 3):
        point = saved_experiments.iloc[row]
        overrides = [f"steps={STEPS}", *(f"{paths[n]}={float(point[n])!r}" for n in parameters)]
        runs = [sscsim_run([*overrides, f"seed={seed}"]) for seed in (1, 2)]
        summaries = [run.summary() for run in runs]
        assert saved["triangular_share"][row] == np.mean(
            [s["modality_shares"]["triangular"] for s in summaries]
        )
        assert saved["mean_capacity_end"][row] == np.mean(
            [s["mean_capacity"]["end"] for s in summaries]
        )
        assert saved["triangular_actions"][row] == np.mean(
            [s["actions"]["triangular"] for s in summaries]
        )
        for seed, run in enumerate(runs):
            series = run.timeseries_frame()
            np.testing.assert_array_equal(
                saved["mean_capacity"][row, seed], series["mean_capacity"]
            )


def test_the_design_script_prints_its_summary_and_where_it_wrote(design, tmp_path, capsys):
    arguments = "--scenarios 2 --policies 1 --seeds 1 --steps 4 --executor serial --out"
    status = design.main([*arguments.split(), str(tmp_path)])
    printed = capsys.readouterr().out
    assert status == 0
    assert "= 2 experiments, each with seeds [1]: 2 runs of 4 quarters, 0 failed" in printed
    assert str(tmp_path / "design.tar.gz") in printed
    assert (tmp_path / "design.json").is_file()


def small_model() -> SSCSimReplicatorModel:
    """Two seeds, an uncertainty, a lever choosing a scenario preset, a figure and a series."""
    model = SSCSimReplicatorModel("sscsim", steps=STEPS, replications=[1, 2])
    model.uncertainties = [RealParameter("oda_cut_depth", 0.0, 0.5)]
    model.levers = [
        CategoricalParameter("preset", ["baseline", "sids_priority"], variable_name="scenario")
    ]
    model.outcomes = [
        ScalarOutcome(
            "triangular_share", variable_name="modality_shares.triangular", function=np.mean
        ),
        ArrayOutcome("mean_capacity"),
    ]
    return model


SCENARIOS = [Sample(oda_cut_depth=0.1), Sample(oda_cut_depth=0.4)]
POLICIES = [Sample(preset="baseline"), Sample(preset="sids_priority")]


def run(model, executor: str, **options):
    with SSCSimEvaluator(model, executor=executor, **options) as evaluator:
        results = evaluator.perform_experiments(scenarios=SCENARIOS, policies=POLICIES)
    return results, evaluator


def assert_same_results(left, right) -> None:
    (left_experiments, left_outcomes), (right_experiments, right_outcomes) = left, right
    for column in ("oda_cut_depth", "preset"):
        assert list(left_experiments[column]) == list(right_experiments[column])
    assert left_outcomes.keys() == right_outcomes.keys()
    for name in left_outcomes:
        np.testing.assert_array_equal(left_outcomes[name], right_outcomes[name])


def test_seeds_share_a_composition_equal_to_composing_each_run():
    model = small_model()
    for experiment in experiment_generator([model], SCENARIOS, POLICIES):
        runs = model.runs(experiment)
        assert [overrides[-1] for overrides, _ in runs] == ["seed=1", "seed=2"]
        for overrides, config in runs:
            assert config == compose_config(list(overrides))


def test_the_local_executor_gives_what_the_serial_one_gives():
    model = small_model()
    serial, _ = run(model, "serial")
    local, evaluator = run(model, "local", workers=2)
    assert not evaluator.failures
    assert_same_results(serial, local)


def test_emas_own_evaluator_gives_what_the_batched_one_gives():
    model = small_model()
    batched, _ = run(model, "serial")
    with SequentialEvaluator(model) as evaluator:
        own = evaluator.perform_experiments(scenarios=SCENARIOS, policies=POLICIES)
    assert_same_results(batched, own)


def test_a_sampled_seed_is_the_seed_of_the_run():
    model = SSCSimModel("sscsim", steps=STEPS)
    model.uncertainties = [IntegerParameter("seed", 1, 1000)]
    model.outcomes = [ScalarOutcome("triangular_actions", variable_name="actions.triangular")]
    with SSCSimEvaluator(model, executor="serial") as evaluator:
        _, outcomes = evaluator.perform_experiments(scenarios=[Sample(seed=7), Sample(seed=8)])
    assert outcomes["triangular_actions"][0] != outcomes["triangular_actions"][1]
    for row, seed in enumerate((7, 8)):
        expected = sscsim_run([f"steps={STEPS}", f"seed={seed}"]).summary()["actions"]
        assert outcomes["triangular_actions"][row] == expected["triangular"]


def test_a_failed_run_masks_its_experiment_and_the_others_go_on(monkeypatch):
    original = SSCModel.run

    def breaks_at_a_deep_cut(self, *args, **kwargs):
        if self.config.scenario.oda_cut_depth == 0.4:
            raise RuntimeError("a run that breaks")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SSCModel, "run", breaks_at_a_deep_cut)
    (experiments, outcomes), evaluator = run(small_model(), "serial")
    broken = (experiments["oda_cut_depth"] == 0.4).to_numpy()
    assert broken.sum() == 2  # one scenario, two policies
    assert np.ma.getmaskarray(outcomes["triangular_share"]).tolist() == broken.tolist()
    assert not np.isnan(outcomes["triangular_share"][~broken]).any()
    assert len(evaluator.failures) == 4  # two experiments, two seeds each
    assert all("scenario.oda_cut_depth=0.4" in f.overrides for f in evaluator.failures)
    assert all("a run that breaks" in f.error for f in evaluator.failures)


# --- names and values refused when given --------------------------------------------------------


@pytest.fixture(scope="module")
def model() -> SSCSimModel:
    return SSCSimModel("sscsim", steps=STEPS)


def refused(model, kind: str, entries) -> str:
    before = list(getattr(model, kind))
    with pytest.raises(ConfigError) as error:
        setattr(model, kind, entries)
    assert list(getattr(model, kind)) == before, "a refused entry was kept"
    return str(error.value)


def test_an_unknown_parameter_is_refused_with_the_name_it_resembles(model):
    message = refused(model, "uncertainties", [RealParameter("oda_cut_dept", 0.0, 0.5)])
    assert "uncertainty 'oda_cut_dept'" in message and "did you mean oda_cut_depth" in message
    message = refused(
        model, "levers", [RealParameter("cut", 0.0, 0.5, variable_name="scenario.oda_cut")]
    )
    assert "lever 'cut' (variable_name 'scenario.oda_cut')" in message


def test_a_range_outside_the_valid_one_or_a_whole_number_field_is_refused(model):
    message = refused(model, "uncertainties", [RealParameter("oda_cut_depth", 0.0, 1.5)])
    assert "range [0.0, 1.5] leaves the valid range of scenario.oda_cut_depth, [0, 1]" in message
    message = refused(model, "uncertainties", [RealParameter("seed", 1.0, 9.0)])
    assert "seed takes whole numbers: use IntegerParameter" in message


def test_a_preset_must_exist_and_a_parameter_cannot_take_emas_column_names(model):
    message = refused(
        model,
        "levers",
        [CategoricalParameter("preset", ["oda_cut", "no_such"], variable_name="scenario")],
    )
    assert "'no_such' is not a preset of scenario" in message and "oda_cut" in message
    message = refused(model, "levers", [CategoricalParameter("scenario", ["oda_cut", "baseline"])])
    assert "EMA's experiments table has a column of that name" in message


def test_a_parameter_set_twice_is_refused(model):
    model.uncertainties = [RealParameter("oda_cut_depth", 0.0, 0.5)]
    try:
        message = refused(
            model,
            "levers",
            [RealParameter("cut", 0.0, 0.5, variable_name="scenario.oda_cut_depth")],
        )
    finally:
        model.uncertainties.clear()
    assert (
        "scenario.oda_cut_depth is set by uncertainty 'oda_cut_depth' and by lever 'cut'" in message
    )


def test_an_unknown_outcome_is_refused_with_what_it_resembles(model):
    message = refused(
        model,
        "outcomes",
        [ScalarOutcome("triangular_share", variable_name="modality_shares.triangle")],
    )
    assert (
        "not a numeric figure of the run's summary; did you mean modality_shares.triangular"
        in message
    )
    message = refused(
        model, "outcomes", [ArrayOutcome("mean_capacity", variable_name="mean_capcity")]
    )
    assert (
        "'mean_capcity' is not a column of the time series; did you mean mean_capacity" in message
    )


def test_replicated_scalar_outcomes_need_a_function_and_seeds_are_parameters():
    model = SSCSimReplicatorModel("sscsim", steps=STEPS, replications=3)
    assert [dict(r) for r in model.replications] == [{"seed": 1}, {"seed": 2}, {"seed": 3}]
    message = refused(
        model, "outcomes", [ScalarOutcome("mean_capacity_end", variable_name="mean_capacity.end")]
    )
    assert "with replications a ScalarOutcome needs a function" in message
    with pytest.raises(ConfigError, match=r"'sed' is not a parameter of sscsim\.config"):
        model.replications = [{"sed": 1}]
    model.replications = np.array([4, 5])  # EMA's examples draw seeds with numpy
    assert [dict(r) for r in model.replications] == [{"seed": 4}, {"seed": 5}]
    message = refused(model, "uncertainties", [IntegerParameter("seed", 1, 9)])
    assert "seed is set by uncertainty 'seed' and by the replications' 'seed'" in message


def test_bad_base_overrides_fail_at_construction():
    with pytest.raises(ConfigError, match="steps"):
        SSCSimModel("sscsim", steps=-1)
    with pytest.raises(ConfigCompositionException, match="no_such"):
        SSCSimModel("sscsim", base_overrides=["scenario.no_such=1"])


def test_a_lever_named_as_a_model_attribute_is_refused(model):
    """EMA sets such a lever on the model (`name`, the world's name here) instead of passing
    it on to the run."""
    clashes = set(flat_parameter_paths()) & set(dir(model))
    assert clashes, "no parameter shares a name with a model attribute: test another way"
    for name in clashes:
        message = refused(model, "levers", [CategoricalParameter(name, ["a", "b"])])
        assert f"lever {name!r}: EMA would set the model's attribute" in message


def test_an_invalid_point_stops_the_design_before_any_run(monkeypatch):
    runs = []
    monkeypatch.setattr(SSCModel, "run", lambda self, *a, **k: runs.append(self))
    model = SSCSimModel("sscsim", steps=STEPS)
    model.uncertainties = [IntegerParameter("end_year", 2020, 2030)]
    model.outcomes = [ScalarOutcome("triangular_actions", variable_name="actions.triangular")]
    with (
        SSCSimEvaluator(model, executor="serial") as evaluator,
        pytest.raises(ConfigError) as error,
    ):
        evaluator.perform_experiments(scenarios=[Sample(end_year=2030), Sample(end_year=2020)])
    assert "end_year=2020" in str(error.value) and "must not be before start_year" in str(
        error.value
    )
    assert "end_year=2030" not in str(error.value)
    assert runs == []


def test_time_series_need_one_horizon(monkeypatch):
    model = SSCSimModel("sscsim")
    model.uncertainties = [IntegerParameter("steps", 4, 8)]
    model.outcomes = [ArrayOutcome("mean_capacity")]
    with (
        SSCSimEvaluator(model, executor="serial") as evaluator,
        pytest.raises(ConfigError, match="one horizon"),
    ):
        evaluator.perform_experiments(scenarios=[Sample(steps=4), Sample(steps=8)])


@pytest.mark.parametrize(
    "values",
    [
        {"scenario.oda_cut_depth": 1 / 3},
        {"scenario.oda_cut_depth": np.float64(0.1) * 3},
        {"funding.triangular_budget_scale": 1e-5},
        {"seed": np.int64(12)},
        {"scenario.champions_enabled": np.False_},
        {"scenario.oda_path_years": [2025, 2027],
         "scenario.oda_path_multipliers": np.array([0.5, 0.125])},
        {"scenario.scenario_name": "a cut, 'deep'"},
        {"scenario.scenario_name": "true"},
        {"scenario.scenario_name": "2026"},
        {"scenario.oda_path": OdaPath.announced},
    ],
)  # fmt: skip
def test_a_value_reaches_the_config_exactly(values):
    config = compose_config([f"{path}={override_value(value)}" for path, value in values.items()])
    for path, value in values.items():
        read = config
        for part in path.split("."):
            read = getattr(read, part)
        expected = value.tolist() if hasattr(value, "tolist") else value
        assert read == expected and type(read) is type(expected), path


@pytest.mark.slurm
@pytest.mark.usefixtures("slurm_cluster")
def test_slurm_gives_what_the_serial_executor_gives(tmp_path):
    model = small_model()
    serial, _ = run(model, "serial")
    cluster, evaluator = run(model, "slurm", slurm={"folder": str(tmp_path), "timeout_min": 10})
    assert not evaluator.failures
    assert list(tmp_path.glob("journal/*.outcome")), "the runs did not go through Slurm"
    assert_same_results(serial, cluster)
