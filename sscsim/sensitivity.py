"""Global sensitivity analysis with SALib: Sobol indices and Morris elementary effects of the key
parameters (named, with ranges, in a plan: sscsim/conf/sensitivity/) on the model's outputs.
Needs the `sensitivity` extra (`pip install "sscsim[sensitivity]"`).

    python -m sscsim.sensitivity run                      # sample, evaluate (all cores), analyse
    python -m sscsim.sensitivity run --config morris --workers 2      # a packaged plan by name
    python -m sscsim.sensitivity run --config my_plan.yaml            # or a plan file of one's own
    python -m sscsim.sensitivity sample --out DIR         # on a cluster: sample once,
    python -m sscsim.sensitivity evaluate --out DIR --part K --parts P   # a job a part,
    python -m sscsim.sensitivity analyze --out DIR        # then analyse

Outputs in the folder (default results/sensitivity/<method> under the current folder):
samples.parquet, outputs.parquet (one row per sample: its number, the parameters and the
outputs), indices.csv (each index with its 95 % confidence interval) and indices.png. Parts are
written atomically; evaluating skips parts already done, so a stopped analysis resumes.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from sscsim.extras import MissingExtraError, require
from sscsim.results import write_parquet

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLANS_DIR = Path(__file__).resolve().parent / "conf" / "sensitivity"
DEFAULT_CONFIG = PLANS_DIR / "default.yaml"
METHODS = ("sobol", "morris")
PURPOSE = "python -m sscsim.sensitivity"


def plan_path(value: str | Path) -> Path:
    """A plan file: `value` itself if it names a file, else the packaged plan of that name
    ("default", "morris"), so that the packaged plans need no path from any folder."""
    path = Path(value)
    packaged = PLANS_DIR / f"{path.stem}.yaml"
    if not path.is_file() and path.parent == Path(".") and packaged.is_file():
        return packaged
    return path


@dataclass
class Plan:
    """What to vary, how, and what to measure."""

    method: str
    samples: int
    seeds: list[int]
    steps: int | None
    parameters: dict[str, tuple[float, float]]
    outputs: list[str]

    @classmethod
    def load(cls, path: Path) -> Plan:
        from sscsim.config import ConfigError, flat_parameter_paths

        data = yaml.safe_load(Path(path).read_text())
        problems = []
        method = data.get("method", "sobol")
        if method not in METHODS:
            problems.append(f"{path}: method = {method!r}: not one of {', '.join(METHODS)}")
        known = flat_parameter_paths()
        parameters = {}
        for name, bounds in (data.get("parameters") or {}).items():
            if name not in known:
                problems.append(f"{path}: parameters.{name}: not a parameter of sscsim.config")
            elif not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] < bounds[1]):
                problems.append(
                    f"{path}: parameters.{name} = {bounds!r}: needs [low, high], low < high"
                )
            else:
                parameters[name] = (float(bounds[0]), float(bounds[1]))
        if len(parameters) < 2:
            problems.append(f"{path}: parameters: at least two are needed")
        outputs = list(data.get("outputs") or [])
        unknown = sorted(set(outputs) - set(OUTPUTS))
        if unknown:
            problems.append(f"{path}: outputs {unknown}: not among {', '.join(OUTPUTS)}")
        if problems:
            raise ConfigError(problems)
        return cls(method, int(data.get("samples", 32)), list(data.get("seeds", [1])),
                   data.get("steps"), parameters, outputs)  # fmt: skip

    @property
    def problem(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.parameters),
            "names": list(self.parameters),
            "bounds": [list(b) for b in self.parameters.values()],
        }


def _interregional_tie_survival(timeseries: pd.DataFrame, summary: dict) -> float:
    return float(timeseries["interregional_tie_survival"].iloc[1:].mean())


OUTPUTS = {
    "interregional_tie_survival": _interregional_tie_survival,
    "interregional_ties_end": lambda ts, s: float(s["interregional_ties_end"]),
    "interregional_actions": lambda ts, s: float(s["interregional_actions"]),
    "sids_capacity_gap_end": lambda ts, s: float(s["sids_capacity_gap"]["end"]),
    "mean_capacity_end": lambda ts, s: float(s["mean_capacity"]["end"]),
    "triangular_share": lambda ts, s: float(s["modality_shares"]["triangular"] or 0.0),
}


def sample(plan: Plan, seed: int = 0) -> pd.DataFrame:
    """The parameter samples of the plan's method, one row each."""
    if plan.method == "sobol":
        sobol = require("SALib.sample.sobol", PURPOSE)
        values = sobol.sample(plan.problem, plan.samples, calc_second_order=False, seed=seed)
    else:
        morris = require("SALib.sample.morris", PURPOSE)
        values = morris.sample(plan.problem, plan.samples, num_levels=4, seed=seed)
    frame = pd.DataFrame(values, columns=list(plan.parameters))
    frame.insert(0, "sample", np.arange(len(frame)))
    return frame


def measure_outputs(outputs: list[str], model: Any) -> list[float]:
    """The named outputs of a finished run (in the worker: only numbers travel back)."""
    timeseries, summary = model.timeseries_frame(), model.summary()
    return [OUTPUTS[name](timeseries, summary) for name in outputs]


def evaluate(
    plan: Plan, samples: pd.DataFrame, workers: int, executor: str | None = None
) -> pd.DataFrame:
    """The plan's outputs for every sample, averaged over the plan's seeds: every (sample, seed)
    run through the batched evaluator (`sscsim.batch.evaluate`: `workers` persistent processes,
    with progress). A run that fails leaves NaN for its sample's outputs, and is reported."""
    from sscsim.batch import evaluate as evaluate_runs
    from sscsim.config import config_from_parameters

    extra: dict[str, Any] = {"steps": plan.steps} if plan.steps is not None else {}
    rows = samples[list(plan.parameters)].to_dict("records")
    configs = [
        config_from_parameters(**row, seed=seed, **extra) for row in rows for seed in plan.seeds
    ]
    chosen = executor or ("local" if workers > 1 else "serial")
    results = evaluate_runs(configs, partial(measure_outputs, plan.outputs), executor=chosen,
                            workers=workers, description=f"{plan.method} runs")  # fmt: skip
    failed = [r for r in results if not r.ok]
    for result in failed[:5]:
        print(f"sscsim.sensitivity: a run failed: {result.error}", file=sys.stderr)
    if failed:
        print(f"sscsim.sensitivity: {len(failed)} of {len(results)} runs failed; their samples' "
              "outputs are NaN", file=sys.stderr)  # fmt: skip
    values = np.array(
        [r.value if r.ok else [np.nan] * len(plan.outputs) for r in results], dtype=float
    ).reshape(len(rows), len(plan.seeds), len(plan.outputs))
    means = values.mean(axis=1)
    return pd.concat([samples, pd.DataFrame(means, columns=plan.outputs)], axis=1)


def analyze(plan: Plan, outputs: pd.DataFrame) -> pd.DataFrame:
    """One row per (output, parameter): the indices and their 95 % confidence half-widths."""
    x = outputs[list(plan.parameters)].to_numpy()
    rows = []
    for name in plan.outputs:
        y = outputs[name].to_numpy(dtype=float)
        if np.nanstd(y) == 0:
            continue  # a constant output has no sensitivity to apportion
        y = np.nan_to_num(y, nan=np.nanmean(y))
        if plan.method == "sobol":
            sobol = require("SALib.analyze.sobol", PURPOSE)
            result = sobol.analyze(plan.problem, y, calc_second_order=False, seed=0)
            columns = {"S1": "S1", "S1_conf": "S1_conf", "ST": "ST", "ST_conf": "ST_conf"}
        else:
            morris = require("SALib.analyze.morris", PURPOSE)
            result = morris.analyze(plan.problem, x, y, seed=0)
            columns = {"mu_star": "mu_star", "mu_star_conf": "mu_star_conf", "sigma": "sigma"}
        for k, parameter in enumerate(plan.parameters):
            indices = {label: float(result[key][k]) for label, key in columns.items()}
            rows.append({"output": name, "parameter": parameter, **indices})
    return pd.DataFrame(rows)


INDEX_LABELS: dict[str, str] = {
    "ST": "total order (ST)",
    "S1": "first order (S1)",
    "mu_star": "mean absolute elementary effect (mu*)",
}
PANELS_PER_ROW = 3


def indices_figure(plan: Plan, indices: pd.DataFrame) -> Figure:
    """The indices as horizontal bars with their 95 % confidence intervals, one panel per
    output (three a row), parameters by their labels (`sscsim.labels.parameter_label`).

    `indices`: the table of `analyze` (columns output, parameter and the method's indices);
    only `plan.method`, `plan.samples` and `plan.seeds` are read, so a plan rebuilt by hand
    redraws a published table (docs/figures/sensitivity_sobol.csv).
    """
    from sscsim.labels import measure, parameter_label, seeds_text
    from sscsim.plots import OKABE_ITO, add_caption, add_legend, styled_figure

    value, error = ("ST", "ST_conf") if plan.method == "sobol" else ("mu_star", "mu_star_conf")
    outputs = list(dict.fromkeys(indices["output"]))
    columns = min(len(outputs), PANELS_PER_ROW)
    rows = -(-len(outputs) // columns)
    with styled_figure(figsize=(2.6 * columns + 1.8, 0.35 * indices["parameter"].nunique() * rows
                                + 1.2 * rows)) as fig:  # fmt: skip
        grid = fig.subplots(rows, columns, sharey=True, sharex=plan.method == "sobol",
                            squeeze=False)  # fmt: skip
        for ax, name in zip(grid.flat, outputs, strict=False):
            chosen = indices[indices["output"] == name]
            positions = np.arange(len(chosen))
            ax.barh(positions, chosen[value], xerr=chosen[error], color=OKABE_ITO[0],
                    alpha=0.85, label=INDEX_LABELS[value])  # fmt: skip
            if plan.method == "sobol":
                ax.barh(positions, chosen["S1"], xerr=chosen["S1_conf"], color=OKABE_ITO[1],
                        alpha=0.85, height=0.4, label=INDEX_LABELS["S1"])  # fmt: skip
            ax.set_yticks(positions, [parameter_label(p) for p in chosen["parameter"]])
            ax.set_title(textwrap.fill(measure(name).name, 30), fontsize=9)
        grid.flat[0].invert_yaxis()  # the plan's first parameter on top (the axes share y)
        for ax in list(grid.flat)[len(outputs) :]:
            ax.set_visible(False)
        method = "Sobol (Saltelli sampling)" if plan.method == "sobol" else "Morris"
        fig.suptitle(f"{method} sensitivity indices")
        add_legend(fig, grid.flat[0], title="index")
        runs = "base samples" if plan.method == "sobol" else "trajectories"
        add_caption(fig, f"{plan.samples} {runs}; outputs averaged over {seeds_text(plan.seeds)};"
                         " bars: 95 % bootstrap confidence intervals")  # fmt: skip
    return fig


def figure(plan: Plan, indices: pd.DataFrame, target: Path) -> Path:
    """`indices_figure` saved to `target` (its suffix gives the format); returns `target`."""
    from sscsim.plots import save_as

    return save_as(indices_figure(plan, indices), target)


def main(argv: list[str] | None = None) -> int:
    from sscsim.config import ConfigError

    parser = argparse.ArgumentParser(
        prog="python -m sscsim.sensitivity", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", choices=("run", "sample", "evaluate", "analyze"))
    parser.add_argument(
        "--config",
        type=plan_path,
        default=DEFAULT_CONFIG,
        help="a plan file, or the name of a packaged plan (default, morris); default: default",
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--part", type=int, default=0)
    parser.add_argument("--parts", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        if args.command != "evaluate":
            require("SALib", PURPOSE)  # before any work, not after the runs
        plan = Plan.load(args.config)
    except (ConfigError, MissingExtraError, FileNotFoundError) as error:
        print(f"sscsim.sensitivity: {error}", file=sys.stderr)
        return 2
    out = args.out or Path("results/sensitivity") / plan.method
    out.mkdir(parents=True, exist_ok=True)
    if args.command in ("run", "sample"):
        write_parquet(sample(plan), out / "samples.parquet")
    if args.command in ("run", "evaluate"):
        samples = pd.read_parquet(out / "samples.parquet")
        parts = [args.part] if args.command == "evaluate" else range(args.parts)
        for part in parts:
            target = out / f"outputs_part{part:03d}_of{args.parts:03d}.parquet"
            if target.exists():
                continue
            chunk = samples.iloc[part :: args.parts].reset_index(drop=True)
            write_parquet(evaluate(plan, chunk, args.workers), target)
            print(f"{target}: {len(chunk)} samples")
    if args.command in ("run", "analyze"):
        parts = sorted(out.glob(f"outputs_part*_of{args.parts:03d}.parquet"))
        if len(parts) < args.parts:
            print(f"sscsim.sensitivity: {len(parts)} of {args.parts} parts done", file=sys.stderr)
            return 1
        outputs = pd.concat([pd.read_parquet(p) for p in parts])
        # Restore the sample order: the indices need the rows as SALib drew them.
        outputs = outputs.sort_values("sample").reset_index(drop=True)
        write_parquet(outputs, out / "outputs.parquet")
        indices = analyze(plan, outputs)
        indices.to_csv(out / "indices.csv", index=False)
        figure(plan, indices, out / "indices.png")
        print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"written: {out / 'indices.csv'}, {out / 'indices.png'}")
    if args.command == "sample":
        print(f"written: {out / 'samples.parquet'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
