"""sscsim as an EMA Workbench model: exploratory modelling under deep uncertainty with EMA's own
uncertainties, levers and outcomes, run through sscsim's batched evaluator (`sscsim.batch`).
Needs the `ema` extra (`pip install "sscsim[ema]"`).

    import numpy as np
    from ema_workbench import ArrayOutcome, RealParameter, ScalarOutcome
    from sscsim.ema import SSCSimEvaluator, SSCSimReplicatorModel

    model = SSCSimReplicatorModel("sscsim", base_overrides=["scenario=oda_cut"], steps=16,
                                  replications=[1, 2])
    model.uncertainties = [RealParameter("oda_cut_depth", 0.0, 0.5)]
    model.levers = [RealParameter("sids_priority", 0.0, 1.0)]
    model.outcomes = [
        ScalarOutcome("triangular_share", variable_name="modality_shares.triangular",
                      function=np.mean),
        ArrayOutcome("mean_capacity"),
    ]
    with SSCSimEvaluator(model, executor="local") as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=8, policies=2)

What the names mean:

- An uncertainty, lever or constant sets the sscsim parameter its `variable_name` names
  (EMA's default: its own name): a flat name known to `sscsim.config.flat_parameter_paths`
  (`oda_cut_depth`) or a dotted path (`scenario.oda_cut_depth`). A `CategoricalParameter` may
  also name a config group (`scenario`, `world`) and choose among its packaged presets:
  `CategoricalParameter("preset", ["oda_cut", "sids_priority"], variable_name="scenario")`
  (a parameter cannot be named `scenario`, `policy` or `model`: EMA's experiments table has
  columns of those names). An unknown name, a range outside the parameter's valid range, or a
  parameter set twice is refused when it is assigned, naming the parameter.
- A `ScalarOutcome` reads a figure of the run's summary (summary.json) by its dotted path
  (`modality_shares.triangular`, `actions.triangular`, `mean_capacity.end`,
  `persistence.all.survival_1y.estimate`); a null figure (a share of no actions) reads as NaN.
  An `ArrayOutcome` or `TimeSeriesOutcome` reads a column of the time series
  (`mean_capacity`, `triangular_share`), one value per recorded step (steps + 1, the initial
  state first).
- Every experiment is the run that `python -m sscsim OVERRIDES` would make: the model's
  `base_overrides`, then `steps=`, then one override per parameter of the experiment (later
  overrides win), composed by `sscsim.cli.compose_config`. `model.overrides(point)` gives them.

Seeds. `SSCSimReplicatorModel` is EMA's ReplicatorModel: each experiment runs once per
replication (`replications=[1, 2, 3]` seeds, or `replications=3` for seeds 1 to 3, numbered as
the packaged experiments number theirs), and every outcome gains a replications axis, as in EMA: a
`ScalarOutcome` needs a `function` that reduces the seeds' values to one number (e.g.
`np.mean`), an `ArrayOutcome` keeps one row per seed (`ema_workbench.process_replications`
averages them). `SSCSimModel` is EMA's Model: one run per experiment, with the base config's
seed, or with `seed` among its uncertainties when the seed is to be sampled like any other.

Both models also run under EMA's own evaluators (SequentialEvaluator, MultiprocessingEvaluator),
a run at a time in the evaluator's processes; `SSCSimEvaluator` composes every experiment first
(an invalid point stops the design before any run, every such point named) and hands them all to
`sscsim.batch.evaluate`: serial, persistent local workers, or Slurm job arrays. A run that fails
leaves its experiment's outcomes masked (EMA's convention for a failed experiment), is logged,
and is listed in `evaluator.failures`; the other experiments are unaffected.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sscsim.extras import require

require("ema_workbench", "sscsim.ema (EMA Workbench models)")  # names the extra if missing

from ema_workbench.em_framework.evaluators import BaseEvaluator  # noqa: E402
from ema_workbench.em_framework.model import (  # noqa: E402
    AbstractModel,
    Replicator,
    SingleReplication,
)
from ema_workbench.em_framework.outcomes import ArrayOutcome, Outcome, ScalarOutcome  # noqa: E402
from ema_workbench.em_framework.parameters import (  # noqa: E402
    CategoricalParameter,
    Constant,
    IntegerParameter,
    ParameterMapDescriptor,
    RealParameter,
)
from ema_workbench.em_framework.points import ExperimentReplication, Sample  # noqa: E402
from ema_workbench.em_framework.util import NamedObjectMapDescriptor  # noqa: E402
from ema_workbench.util import get_module_logger  # noqa: E402

from sscsim.batch import EXECUTORS  # noqa: E402
from sscsim.config import ConfigError, flat_parameter_paths, parameter  # noqa: E402

if TYPE_CHECKING:
    from sscsim.config import SSCConfig
    from sscsim.model import SSCModel

_logger = get_module_logger(__name__)

GROUPS: tuple[str, ...] = ("world", "scenario")  # config groups a categorical parameter chooses
# The config fields that set the horizon: time-series outcomes need one horizon throughout.
HORIZON: tuple[str, ...] = ("steps", "start_year", "end_year", "steps_per_year")
# Columns of EMA's experiments table beside the parameters: no parameter may take these names.
RESERVED: tuple[str, ...] = ("scenario", "policy", "model")
PERSISTENCE = "persistence."  # figures under this prefix need the persistence analysis
_PLAIN_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-./]*")  # text Hydra reads back as this text
_HYDRA_WORDS = frozenset({"true", "false", "null", "inf", "nan"})  # ... but for these


# --- where a name points -------------------------------------------------------------------------


@functools.cache
def presets(group: str) -> tuple[str, ...]:
    """The packaged presets of a config group (`scenario`: baseline, oda_cut, ...)."""
    from sscsim.cli import CONFIG_DIR

    return tuple(sorted(path.stem for path in (Path(CONFIG_DIR) / group).glob("*.yaml")))


def target(name: str) -> str | None:
    """The dotted config path (or config group) that an EMA variable name sets, None if the name
    is neither a parameter of `sscsim.config` nor a config group."""
    if name in GROUPS:
        return name
    if "*" in name:  # the schema's pattern for every platform, not a path of one
        return None
    try:
        return parameter(name).path
    except KeyError:
        return None


def _close(name: str, known: Iterable[str]) -> str:
    """`; did you mean ...?` with the known names closest to `name`, or nothing."""
    matches = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(matches)}?" if matches else ""


def _known_names() -> list[str]:
    paths = flat_parameter_paths()
    return [*paths, *paths.values(), *GROUPS]


def override_value(value: Any) -> str:
    """A value as Hydra's override grammar reads it back exactly: `true`, `null`, `0.1` (the
    shortest repr that round-trips), `[2025,2027]`, `'a quoted text'`, an Enum by name."""
    if isinstance(value, Enum):
        return value.name
    if hasattr(value, "tolist"):  # numpy scalars and arrays, as Python numbers and lists
        value = value.tolist()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(override_value(item) for item in value) + "]"
    text = str(value)
    if _PLAIN_TEXT.fullmatch(text) and text.lower() not in _HYDRA_WORDS:
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- what a run yields ---------------------------------------------------------------------------


def flat_figures(summary: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """The leaves of a run's summary by dotted path (`modality_shares.triangular`, ...)."""
    for key, value in summary.items():
        if isinstance(value, Mapping):
            yield from flat_figures(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _is_figure(value: Any) -> bool:
    """A leaf an outcome can read: a number, or null (a share of no actions, a median not
    reached); text and lists are not."""
    return value is None or _is_number(value)


def _whole(value: Any) -> int | None:
    """`value` as an int if it is a whole number (numpy's included, truth values not)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return int(value)
    return None


def _is_number(value: Any) -> bool:
    """A real number, numpy's included, that is not a truth value."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@functools.lru_cache(maxsize=16)
def summary_figures(base_overrides: tuple[str, ...]) -> frozenset[str]:
    """The dotted paths of the numeric figures in the summary of a run of `base_overrides`,
    read from a run of no steps (its summary has the same figures as a full one's)."""
    from sscsim.cli import compose_config
    from sscsim.config import config_from_parameters
    from sscsim.model import SSCModel
    from sscsim.results import run_summary

    config = config_from_parameters(compose_config(list(base_overrides)), steps=0)
    summary = run_summary(SSCModel(config=config))
    return frozenset(path for path, value in flat_figures(summary) if _is_figure(value))


def series_columns() -> tuple[str, ...]:
    """The columns of a run's time series (`SSCModel.timeseries_frame`)."""
    from sscsim.reporters import model_reporters

    return tuple(model_reporters())


@dataclass(frozen=True)
class Readout:
    """What the outcomes of a finished run read: summary `figures` by dotted path (floats, NaN
    for null) and time-series `series` by column (float arrays of shape (steps + 1,)).

    The `measure` of `sscsim.batch.evaluate`: it runs in the worker, after `model.run()`, and
    is picklable (a frozen dataclass of this module)."""

    figures: tuple[str, ...] = ()
    series: tuple[str, ...] = ()

    def __call__(self, model: SSCModel) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.figures:
            from sscsim.results import run_summary

            needs_persistence = any(path.startswith(PERSISTENCE) for path in self.figures)
            summary = run_summary(model) if needs_persistence else model.summary()
            figures = dict(flat_figures(summary))
            for path in self.figures:
                value = figures[path]
                values[path] = math.nan if value is None else float(value)
        if self.series:
            frame = model.timeseries_frame()
            for column in self.series:
                values[column] = frame[column].to_numpy(dtype=float)
        return values

    def __or__(self, other: Readout) -> Readout:
        return Readout(
            tuple(dict.fromkeys(self.figures + other.figures)),
            tuple(dict.fromkeys(self.series + other.series)),
        )


# --- the models ---------------------------------------------------------------------------------


def _entries(values: Any) -> list[Any]:
    """What EMA's descriptors accept, as a list: one named object or an iterable of them."""
    return [values] if hasattr(values, "name") and not isinstance(values, Mapping) else [*values]


class _CheckedParameters(ParameterMapDescriptor):
    """EMA's descriptor of a model's uncertainties or levers, refusing what sscsim cannot set."""

    def __set__(self, instance: _SSCSimModel, values: Any) -> None:
        instance._admit(self.name, _entries(values))
        super().__set__(instance, values)


class _CheckedObjects(NamedObjectMapDescriptor):
    """EMA's descriptor of a model's constants or outcomes, refusing what sscsim cannot set or
    read."""

    def __set__(self, instance: _SSCSimModel, values: Any) -> None:
        instance._admit(self.name, _entries(values))
        super().__set__(instance, values)


class _SSCSimModel(AbstractModel):
    """What the two models share: the base configuration, the checks of EMA's parameters and
    outcomes against sscsim, the overrides of a point and the run of one."""

    uncertainties = _CheckedParameters()
    levers = _CheckedParameters()
    constants = _CheckedObjects(Constant)
    outcomes = _CheckedObjects(Outcome)
    replicated = False  # whether outcomes gain a replications axis (EMA's Replicator)

    def __init__(self, name: str, base_overrides: Sequence[str] = (), steps: int | None = None):
        """`name`: a Python identifier (EMA's rule). `base_overrides`: overrides of
        `python -m sscsim` that every experiment starts from (`["scenario=oda_cut"]`); `steps`:
        the horizon in quarters (None: the configured one, 2025-2040). Both are checked here,
        by composing the base configuration (`ConfigError`, Hydra's errors)."""
        super().__init__(name)
        if isinstance(base_overrides, str):
            raise TypeError(f"base_overrides = {base_overrides!r}: a list of overrides, not a text")
        from sscsim.cli import compose_config

        extra = [] if steps is None else [f"steps={override_value(steps)}"]
        self.base_overrides: tuple[str, ...] = (*base_overrides, *extra)
        compose_config(list(self.base_overrides))  # a bad override fails here, not in a run

    # --- checks ---------------------------------------------------------------------------
    def _replication_entries(self) -> list[Any]:
        """EMA's replications (dicts of parameters, numbered by `id`); none: one run each."""
        return []

    def _interface(self) -> dict[str, list[Any]]:
        """The model's uncertainties, levers, constants and outcomes, as lists."""
        kinds = ("uncertainties", "levers", "constants", "outcomes")
        return {kind: list(getattr(self, kind)) for kind in kinds}

    def _admit(self, kind: str, entries: list[Any]) -> None:
        """Raise ConfigError naming every problem of the interface with `entries` added to
        `kind` (uncertainties, levers, constants or outcomes); add nothing otherwise."""
        interface = self._interface()
        # by name, as EMA's maps extend: a new entry replaces its namesake
        interface[kind] = list({e.name: e for e in interface[kind] + entries}.values())
        problems = self._problems(**interface, replications=self._replication_entries())
        if problems:
            raise ConfigError(problems)

    def check(self) -> None:
        """Raise ConfigError naming every problem of the model as it stands (evaluators call it
        before running anything)."""
        problems = self._problems(**self._interface(), replications=self._replication_entries())
        if not self.outcomes:
            problems.append(
                f"model {self.name!r}: no outcomes: give it ScalarOutcome(s) or ArrayOutcome(s)"
            )
        if problems:
            raise ConfigError(problems)

    def _problems(
        self,
        uncertainties: list[Any],
        levers: list[Any],
        constants: list[Any],
        outcomes: list[Any],
        replications: Sequence[Mapping[str, Any]],
    ) -> list[str]:
        """Every problem of an interface: what each entry sets or reads, and what is set twice."""
        problems: list[str] = []
        setters: dict[str, list[str]] = {}  # config path -> who sets it
        for kind, entries in (("uncertainty", uncertainties), ("lever", levers),
                              ("constant", constants)):  # fmt: skip
            for entry in entries:
                problems += self._entry_problems(kind, entry, setters)
        for number, replication in enumerate(replications, start=1):
            for key, value in replication.items():
                path = target(key)
                if path is None:
                    hint = _close(key, _known_names())
                    problems.append(f"replication {number} ({key}={value!r}): {key!r} is not a "
                                    f"parameter of sscsim.config{hint}")  # fmt: skip
                elif number == 1:
                    setters.setdefault(path, []).append(f"the replications' {key!r}")
        for path, labels in setters.items():
            if len(labels) > 1:
                problems.append(f"{path} is set by {' and by '.join(labels)}: set it once")
        return problems + self._outcome_problems(outcomes)

    def _entry_problems(self, kind: str, entry: Any, setters: dict[str, list[str]]) -> list[str]:
        """What is wrong with an uncertainty, lever or constant; notes what it sets in
        `setters`."""
        problems: list[str] = []
        for variable in entry.variable_name:
            label = f"{kind} {entry.name!r}"
            if variable != entry.name:
                label += f" (variable_name {variable!r})"
            path = target(variable)
            if path is not None:
                setters.setdefault(path, []).append(label)
            problems += _setting_problems(label, entry, variable, path)
        if entry.name in RESERVED:
            problems.append(f"{kind} {entry.name!r}: EMA's experiments table has a column of "
                            f"that name ({', '.join(RESERVED)}); name it otherwise, with "
                            "variable_name the sscsim parameter or config group")  # fmt: skip
        if kind == "lever" and hasattr(self, entry.name):
            problems.append(f"lever {entry.name!r}: EMA would set the model's attribute of that "
                            "name instead (AbstractModel.model_init); name it otherwise, with "
                            "variable_name the sscsim parameter")  # fmt: skip
        if kind == "constant" and list(entry.variable_name) != [entry.name]:
            problems.append(f"constant {entry.name!r}: name it by the sscsim parameter it sets "
                            "(EMA's ReplicatorModel passes constants by name, not by "
                            "variable_name)")  # fmt: skip
        return problems

    def _outcome_problems(self, outcomes: list[Any]) -> list[str]:
        """What each outcome reads that a run does not have, and what is read two ways."""
        problems: list[str] = []
        read_as: dict[str, set[str]] = {}  # variable -> "figure", "series"
        for outcome in outcomes:
            label = f"outcome {outcome.name!r}"
            known: Collection[str]
            if isinstance(outcome, ArrayOutcome):
                known, reads, what = series_columns(), "series", "a column of the time series"
            elif isinstance(outcome, ScalarOutcome):
                known, reads = summary_figures(self.base_overrides), "figure"
                what = "a numeric figure of the run's summary"
                if self.replicated and outcome.function is None:
                    problems.append(f"{label}: with replications a ScalarOutcome needs a "
                                    "function that reduces the seeds' values to one number "
                                    "(e.g. function=np.mean), or use ArrayOutcome for one value "
                                    "a seed")  # fmt: skip
            else:
                problems.append(f"{label}: a {type(outcome).__name__}; sscsim outcomes are "
                                "ScalarOutcome (summary figures) or ArrayOutcome (time "
                                "series)")  # fmt: skip
                continue
            for variable in outcome.variable_name:
                read_as.setdefault(variable, set()).add(reads)
                if variable not in known:
                    problems.append(f"{label}: {variable!r} is not {what}"
                                    f"{_close(variable, known)}")  # fmt: skip
        problems += [f"{variable!r} is read both as a summary figure and as a time series: "
                     "EMA hands an outcome its values by variable name, so read one of them"
                     for variable, reads in read_as.items() if len(reads) > 1]  # fmt: skip
        return problems

    # --- points and runs ------------------------------------------------------------------
    def overrides(self, point: Mapping[str, Any]) -> list[str]:
        """The overrides of `python -m sscsim` that run `point` (variable name -> value, as in
        EMA's ExperimentReplication): the base overrides, then one per variable."""
        settings = []
        for variable, value in point.items():
            path = target(variable)
            if path is None:
                raise ConfigError(
                    [
                        f"{variable!r}: not a parameter of sscsim.config"
                        f"{_close(variable, _known_names())}"
                    ]
                )
            settings.append(f"{path}={override_value(value)}")
        return [*self.base_overrides, *settings]

    def readout(self) -> Readout:
        """What this model's outcomes read from a run."""
        figures: list[str] = []
        series: list[str] = []
        for outcome in self.outcomes:
            into = series if isinstance(outcome, ArrayOutcome) else figures
            into.extend(v for v in outcome.variable_name if v not in into)
        return Readout(tuple(figures), tuple(series))

    def points(self, experiment: Any) -> list[ExperimentReplication]:
        """The runs of an EMA Experiment, one per replication: its scenario, policy and the
        model's constants, by variable name, as EMA's own run_model passes them."""
        scenario, policy = experiment.scenario.copy(), experiment.policy.copy()
        constants = Sample(**{c.name: c.value for c in self.constants})
        # EMA's own translation from parameter names to variable names (defaults, categories)
        self._transform(scenario, self.uncertainties)
        self._transform(policy, self.levers)
        replications = self._replication_entries()
        for number, replication in enumerate(replications):
            replication.id = number  # as EMA's Replicator.run_model numbers them
        return [
            ExperimentReplication(scenario, policy, constants, r) for r in replications or [None]
        ]

    def runs(self, experiment: Any) -> list[tuple[tuple[str, ...], SSCConfig]]:
        """The runs of an EMA Experiment: each replication's overrides and configuration.

        The configuration is `compose_config` of the overrides. Replications that change only
        the seed share one composition, each taking a copy with its own seed (what composing
        `seed=N` gives: tested), since composing takes about 0.1 s and a design may have
        many seeds. Raises ConfigError naming the overrides of a point the schema refuses."""
        from sscsim.config import config_from_parameters

        runs = []
        shared: SSCConfig | None = None
        replications = self._replication_entries() or [None]
        for point, replication in zip(self.points(experiment), replications, strict=True):
            overrides = tuple(self.overrides(point))
            if replication is None or set(replication) != {"seed"}:
                runs.append((overrides, composed(overrides)))
                continue
            if shared is None:
                common = {k: v for k, v in point.items() if k not in replication}
                shared = composed(tuple(self.overrides(common)))
            seed = replication["seed"]
            seed = seed.tolist() if hasattr(seed, "tolist") else seed  # numpy's, as Python's
            runs.append((overrides, config_from_parameters(shared, seed=seed).validate()))
        return runs

    def outcomes_of(self, values: list[dict[str, Any]]) -> dict[str, Any]:
        """The outcomes of an experiment from its runs' readouts (one per replication), each
        processed by its Outcome (EMA's `function`, its checks)."""
        raise NotImplementedError

    def run_experiment(self, experiment: Mapping[str, Any]) -> dict[str, Any]:
        """Run one point in this process (EMA's own evaluators call this)."""
        from sscsim.cli import compose_config
        from sscsim.model import SSCModel

        model = SSCModel(config=compose_config(self.overrides(experiment))).run()
        return self.readout()(model)


class SSCSimModel(SingleReplication, _SSCSimModel):
    """sscsim as EMA's Model: one run per experiment, with the base config's seed (or `seed`
    among the uncertainties). Outcomes: a number per ScalarOutcome, an array of shape
    (steps + 1,) per ArrayOutcome."""

    def outcomes_of(self, values: list[dict[str, Any]]) -> dict[str, Any]:
        (outputs,) = values
        self.outcomes_output = outputs  # EMA's setter processes each outcome
        return dict(self.outcomes_output)


class SSCSimReplicatorModel(Replicator, _SSCSimModel):
    """sscsim as EMA's ReplicatorModel: each experiment runs once per replication (a seed).
    Outcomes gain a replications axis: an ArrayOutcome of shape (replications, steps + 1); a
    ScalarOutcome's `function` reduces the replications' values to one number."""

    replicated = True

    def __init__(
        self,
        name: str,
        base_overrides: Sequence[str] = (),
        steps: int | None = None,
        replications: int | Sequence[int] | Sequence[Mapping[str, Any]] | None = None,
    ):
        """`replications`: seeds (`[1, 2, 3]`), a count n (seeds 1 to n), or EMA's list of
        dicts of parameters per replication (`[{"seed": 1}, ...]`); also settable later as
        `model.replications`, as in EMA."""
        super().__init__(name, base_overrides, steps)
        if replications is not None:
            self.replications = replications

    def _replication_entries(self) -> list[Any]:
        return list(getattr(self, "_replications", []))

    @Replicator.replications.setter
    def replications(self, replications: int | Sequence[Any]) -> None:
        entries = replication_entries(replications)
        problems = self._problems(**self._interface(), replications=entries)
        if problems:
            raise ConfigError(problems)
        Replicator.replications.fset(self, entries)

    def check(self) -> None:
        if not self._replication_entries():
            message = f"model {self.name!r}: no replications: set model.replications (seeds)"
            raise ConfigError([message])
        super().check()

    def outcomes_of(self, values: list[dict[str, Any]]) -> dict[str, Any]:
        outputs = {variable: [value[variable] for value in values] for variable in values[0]}
        self.outcomes_output = outputs  # EMA's setter processes each outcome
        return dict(self.outcomes_output)


def replication_entries(replications: int | Sequence[Any]) -> list[dict[str, Any]]:
    """EMA's replications (a dict of parameters each) from seeds, a count or dicts."""
    if hasattr(replications, "tolist"):  # a numpy array of seeds, or a numpy count
        replications = replications.tolist()
    count = _whole(replications)
    if count is not None:
        if count < 1:
            raise ConfigError([f"replications = {count}: at least 1"])
        return [{"seed": seed} for seed in range(1, count + 1)]
    if not isinstance(replications, Sequence) or isinstance(replications, str):
        raise TypeError(f"replications = {replications!r}: seeds, a count or dicts")
    entries = []
    for entry in replications:
        if isinstance(entry, Mapping):
            entries.append(dict(entry))
        elif (seed := _whole(entry)) is not None:
            entries.append({"seed": seed})
        else:
            raise TypeError(f"replications: {entry!r} is neither a seed nor a dict of parameters")
    if not entries:
        raise ConfigError(["replications = []: at least one"])
    return entries


def _setting_problems(label: str, entry: Any, variable: str, path: str | None) -> list[str]:
    """What is wrong with `entry` setting `variable` (resolved to `path`)."""
    if path is None:
        return [
            f"{label}: {variable!r} is not a parameter of sscsim.config (a flat name such as "
            "oda_cut_depth, a dotted path such as scenario.oda_cut_depth, or a config group: "
            f"{', '.join(GROUPS)}){_close(variable, _known_names())}"
        ]
    if isinstance(entry, CategoricalParameter):
        values = [category.value for category in entry.categories]
    elif isinstance(entry, Constant):
        values = [entry.value]
    else:
        values = [entry.lower_bound, entry.upper_bound]
    if path in GROUPS:
        if not isinstance(entry, CategoricalParameter | Constant):
            return [
                f"{label}: chooses a preset of config group {path!r}: make it a "
                "CategoricalParameter of preset names"
            ]
        unknown = [v for v in values if v not in presets(path)]
        return [
            f"{label}: {v!r} is not a preset of {path} ({', '.join(presets(path))})"
            for v in unknown
        ]
    declared = parameter(path)
    problems = []
    if isinstance(entry, RealParameter) and _integral(declared.hint):
        problems.append(f"{label}: {path} takes whole numbers: use IntegerParameter")
    given = [v for v in values if _is_number(v)]
    if isinstance(entry, RealParameter | IntegerParameter):
        outside = [v for v in given if not declared.param.contains(v)]
        if outside:
            problems.append(
                f"{label}: range [{entry.lower_bound}, {entry.upper_bound}] leaves "
                f"the valid range of {path}, {declared.param.range_text()}"
            )
    else:
        problems += [
            f"{label}: {v!r} is outside the valid range of {path}, {declared.param.range_text()}"
            for v in given
            if not declared.param.contains(v)
        ]
    return problems


def composed(overrides: tuple[str, ...]) -> SSCConfig:
    """`sscsim.cli.compose_config(overrides)`, its errors (the schema's, Hydra's for a value of
    the wrong type) as a ConfigError that names the overrides."""
    from sscsim.cli import compose_config

    try:
        return compose_config(list(overrides))
    except ConfigError as error:
        raise ConfigError([f"{' '.join(overrides)}: {p}" for p in error.problems]) from error
    except Exception as error:  # Hydra's own, e.g. a text for a number
        raise ConfigError([f"{' '.join(overrides)}: {error}"]) from error


def _integral(hint: Any) -> bool:
    """Whether a field's annotation takes integers only (int, int | None)."""
    return hint is int or hint == (int | None)


# --- the evaluator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A run that failed: its experiment (EMA's experiment_id), model, overrides and error."""

    experiment_id: int
    model: str
    overrides: tuple[str, ...]
    error: str


class SSCSimEvaluator(BaseEvaluator):
    """An EMA evaluator that runs the experiments of sscsim models through
    `sscsim.batch.evaluate`:

        with SSCSimEvaluator(model, executor="local", workers=4) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=8, policies=2)

    executor: "serial" (this process), "local" (persistent worker processes, `workers` of them,
    default every core) or "slurm" (submitit job arrays; options in `slurm`, the fields of
    `sscsim.slurm.SlurmOptions`: folder, partition, timeout_min, mem_gb, ...). `progress`: show
    progress (None: when a terminal).

    Every experiment is composed before any run: an invalid point (a value the schema refuses)
    stops the design with ConfigError naming each. A run that fails masks its experiment's
    outcomes and is kept in `failures` (and logged); the others go on.
    """

    def __init__(
        self,
        msis: AbstractModel | list[AbstractModel],
        executor: str = "local",
        workers: int | None = None,
        slurm: dict[str, Any] | None = None,
        progress: bool | None = None,
    ):
        super().__init__(msis)
        if executor not in EXECUTORS:
            raise ValueError(f"executor = {executor!r}: not one of {', '.join(EXECUTORS)}")
        for model in self._msis:
            if not isinstance(model, _SSCSimModel):
                raise TypeError(
                    f"model {model.name!r} is a {type(model).__name__}: "
                    "SSCSimEvaluator runs SSCSimModel and SSCSimReplicatorModel"
                )
        self.executor = executor
        self.workers = workers
        self.slurm = slurm
        self.progress = progress
        self.failures: list[Failure] = []

    def initialize(self) -> None:
        """Nothing to start: `sscsim.batch.evaluate` starts and stops its workers per design."""

    def finalize(self) -> None:
        """Nothing to stop (see `initialize`)."""

    def evaluate_experiments(
        self, experiments: Iterable[Any], callback: Callable[..., None], **kwargs: Any
    ) -> None:
        """Compose every run of `experiments`, evaluate them all in one batch, and hand each
        experiment's outcomes to EMA's `callback` (empty for a failed experiment: masked)."""
        if kwargs:
            raise TypeError(f"SSCSimEvaluator takes no arguments {sorted(kwargs)}")
        from sscsim.batch import evaluate

        models: dict[str, _SSCSimModel] = {model.name: model for model in self._msis}
        for model in models.values():
            model.check()
        jobs: list[tuple[Any, list[tuple[str, ...]]]] = []
        configs: list[SSCConfig] = []
        problems: list[str] = []
        for experiment in experiments:
            try:
                planned = models[experiment.model_name].runs(experiment)
            except ConfigError as error:
                problems += [f"experiment {experiment.experiment_id}: {p}" for p in error.problems]
                continue
            jobs.append((experiment, [overrides for overrides, _ in planned]))
            configs += [config for _, config in planned]
        if problems:
            raise ConfigError(problems)
        _check_horizons(models, jobs, configs)
        readout = functools.reduce(Readout.__or__, (m.readout() for m in models.values()))
        results = evaluate(configs, readout, executor=self.executor, workers=self.workers,
                           slurm=self.slurm, progress=self.progress,
                           description="EMA experiment runs")  # fmt: skip
        position = 0
        for experiment, runs in jobs:
            done = results[position : position + len(runs)]
            position += len(runs)
            failed = [(o, r) for o, r in zip(runs, done, strict=True) if not r.ok]
            for overrides, result in failed:
                failure = Failure(
                    experiment.experiment_id, experiment.model_name, overrides, result.error
                )
                self.failures.append(failure)
                _logger.warning(
                    f"experiment {failure.experiment_id} failed "
                    f"({' '.join(overrides)}): {result.error}"
                )
            if failed:
                callback(experiment, {})
            else:
                model = models[experiment.model_name]
                callback(experiment, model.outcomes_of([r.value or {} for r in done]))


def _check_horizons(
    models: Mapping[str, _SSCSimModel],
    jobs: list[tuple[Any, list[tuple[str, ...]]]],
    configs: list[SSCConfig],
) -> None:
    """Raise ConfigError if a model with time-series outcomes has runs of different lengths:
    EMA stores an ArrayOutcome as one array of a single shape."""
    lengths: dict[str, set[int]] = {}
    position = 0
    for experiment, runs in jobs:
        for config in configs[position : position + len(runs)]:
            lengths.setdefault(experiment.model_name, set()).add(config.n_steps)
        position += len(runs)
    for name, steps in lengths.items():
        if len(steps) > 1 and models[name].readout().series:
            raise ConfigError(
                [
                    f"model {name!r}: runs of {sorted(steps)} steps; its time-series "
                    "outcomes need one horizon (do not vary "
                    f"{', '.join(HORIZON)})"
                ]
            )


__all__ = [
    "EXECUTORS",
    "GROUPS",
    "Failure",
    "Readout",
    "SSCSimEvaluator",
    "SSCSimModel",
    "SSCSimReplicatorModel",
    "flat_figures",
    "override_value",
    "presets",
    "replication_entries",
    "summary_figures",
    "target",
]
