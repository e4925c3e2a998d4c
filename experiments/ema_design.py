"""A small exploratory design with EMA Workbench: uncertainties x levers x seeds, run through
sscsim's batched evaluator, saved with EMA's `save_results`. Needs the `ema` extra.

    python experiments/ema_design.py                          # 8 scenarios x 2 policies x 2 seeds
    python experiments/ema_design.py --steps 16 --executor serial
    python experiments/ema_design.py --executor slurm         # on a Slurm cluster

The parameters and their ranges are those of the default sensitivity plan
(sscsim/conf/sensitivity/default.yaml): the policy choices among them are the levers, the rest
the uncertainties. Scenarios and policies are Latin hypercube samples (`--design-seed`); every
experiment runs once per seed. Outputs in --out (default results/ema): design.tar.gz (EMA's
`load_results` reads it back) and design.json (the design, failed runs, package versions).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ema_workbench import ArrayOutcome, RealParameter, ScalarOutcome, save_results

from sscsim.ema import EXECUTORS, SSCSimEvaluator, SSCSimReplicatorModel
from sscsim.results import atomic_path, git_commit, package_versions, write_json
from sscsim.sensitivity import DEFAULT_CONFIG, Plan

# Parameters of the plan that a cooperation policy chooses; the others are uncertainties.
LEVERS: tuple[str, ...] = ("sids_priority", "professionalisation_rate", "fealac_fund_multiplier")
# Headline figures, each the mean over the seeds, and two time series kept seed by seed.
FIGURES: dict[str, str] = {
    "triangular_share": "modality_shares.triangular",
    "triangular_actions": "actions.triangular",
    "mean_capacity_end": "mean_capacity.end",
    "interregional_ties_end": "interregional_ties_end",
}
SERIES: tuple[str, ...] = ("mean_capacity", "actions_triangular")


def build_model(steps: int | None, seeds: Sequence[int]) -> SSCSimReplicatorModel:
    """The sscsim model of the design: the plan's parameters as uncertainties and levers."""
    plan = Plan.load(DEFAULT_CONFIG)
    model = SSCSimReplicatorModel("sscsim", steps=steps, replications=list(seeds))
    ranges = {name: RealParameter(name, low, high) for name, (low, high) in plan.parameters.items()}
    model.uncertainties = [p for name, p in ranges.items() if name not in LEVERS]
    model.levers = [ranges[name] for name in LEVERS]
    model.outcomes = [
        *(ScalarOutcome(n, variable_name=v, function=np.mean) for n, v in FIGURES.items()),
        *(ArrayOutcome(column) for column in SERIES),
    ]
    return model


def run_design(
    out: Path,
    scenarios: int = 8,
    policies: int = 2,
    seeds: Sequence[int] = (1, 2),
    steps: int | None = 8,
    executor: str = "local",
    workers: int | None = None,
    design_seed: int = 0,
) -> tuple[tuple[pd.DataFrame, dict[str, np.ndarray]], SSCSimEvaluator]:
    """Run the design and save it in `out`; return EMA's results and the evaluator."""
    model = build_model(steps, seeds)
    sampling = {"rng": np.random.default_rng(design_seed)}
    with SSCSimEvaluator(model, executor=executor, workers=workers) as evaluator:
        results = evaluator.perform_experiments(
            scenarios=scenarios,
            policies=policies,
            uncertainty_sampling_kwargs=sampling,
            lever_sampling_kwargs=sampling,
        )
    with atomic_path(out / "design.tar.gz") as temporary:
        save_results(results, str(temporary))
    write_json(_description(model, evaluator, design_seed), out / "design.json")
    return results, evaluator


def _description(
    model: SSCSimReplicatorModel, evaluator: SSCSimEvaluator, design_seed: int
) -> dict[str, Any]:
    """What design.json records: enough to run the same design again."""
    import ema_workbench

    def ranges(parameters: Any) -> dict[str, list[float]]:
        return {p.name: [p.lower_bound, p.upper_bound] for p in parameters}

    return {
        "base_overrides": list(model.base_overrides),
        "uncertainties": ranges(model.uncertainties),
        "levers": ranges(model.levers),
        "replications": [dict(r) for r in model.replications],
        "outcomes": {o.name: list(o.variable_name) for o in model.outcomes},
        "design_seed": design_seed,
        "executor": evaluator.executor,
        "failures": [dataclasses.asdict(failure) for failure in evaluator.failures],
        "versions": package_versions() | {"ema_workbench": ema_workbench.__version__},
        "commit": git_commit(),
    }


def summary_table(results: tuple[pd.DataFrame, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Each headline figure's mean over the scenarios, by policy (a row each, its levers)."""
    experiments, outcomes = results
    table = experiments[["policy", *LEVERS]].copy()
    for name in FIGURES:
        table[name] = outcomes[name]
    return table.groupby(["policy", *LEVERS], observed=True).mean().reset_index()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=8, help="uncertainty samples")
    parser.add_argument("--policies", type=int, default=2, help="lever samples")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="replications")
    parser.add_argument("--steps", type=int, default=8, help="quarters a run (default 8)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local")
    parser.add_argument("--workers", type=int, default=None, help="local: processes")
    parser.add_argument("--design-seed", type=int, default=0, help="seed of the sampling")
    parser.add_argument("--out", type=Path, default=Path("results/ema"))
    args = parser.parse_args(argv)
    results, evaluator = run_design(
        args.out,
        args.scenarios,
        args.policies,
        args.seeds,
        args.steps,
        args.executor,
        args.workers,
        args.design_seed,
    )
    experiments, _ = results
    runs = len(experiments) * len(args.seeds)
    print(f"{args.scenarios} scenarios x {args.policies} policies = {len(experiments)} "
          f"experiments, each with seeds {args.seeds}: {runs} runs of {args.steps} quarters, "
          f"{len(evaluator.failures)} failed")  # fmt: skip
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(summary_table(results).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"results in {args.out / 'design.tar.gz'} and {args.out / 'design.json'}")
    return 1 if evaluator.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
