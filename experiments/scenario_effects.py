"""Effects of ODA scenarios against the baseline, over several seeds, with 95 % intervals.

    python experiments/scenario_effects.py                 # 10 seeds: 50 % cut, oda_announced
    python experiments/scenario_effects.py --seeds 3 --out results/effects

Each seed runs the baseline and every scenario (2025-2040); a scenario's effect on a figure is
its paired difference from the baseline of the same seed, reported as the mean over seeds with a
95 % interval from the t distribution. The figures follow the money (funding by source), the
actions it buys (by modality), who lapses, persistence of partnerships, capacities and SIDS:
the mechanism of an effect is read from which of them move.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sscsim import SSCModel
from sscsim.intervals import t_quantile
from sscsim.results import run_summary
from sscsim.world import load_world

SCENARIOS: dict[str, dict[str, object]] = {
    "oda_cut_50": {"scenario_name": "oda_cut", "oda_cut_depth": 0.5, "oda_cut_start_year": 2026},
    "oda_announced": {"scenario_name": "oda_announced", "oda_path": "announced"},
}
# Sums over 2026-2040 (money in USD million), or values at the end.
SUMS: dict[str, str] = {
    "oda_budget_usd": "northern ODA, bn USD",
    "funding_oda_bilateral_usd": "country programmable ODA to recipients, M USD",
    "funding_northern_triangular_usd": "northern triangular co-funding spent, M USD",
    "funding_northern_trust_funds_usd": "northern trust-fund contributions, M USD",
    "funding_southern_funds_usd": "Southern SSC funds spent, M USD",
    "funding_platform_funds_usd": "platform trust funds spent, M USD",
    "actions_bilateral": "bilateral actions",
    "actions_triangular": "triangular actions",
    "actions_platform": "regional projects",
    "actions_total": "all actions",
    "unfunded_requests": "requests lapsed for want of money",
    "platform_events": "platform events",
}
ENDS: dict[str, str] = {
    "mean_capacity": "mean capacity (2040)",
    "mean_capacity_sids": "mean capacity of SIDS (2040)",
    "sids_capacity_gap": "SIDS capacity gap (2040)",
    "interregional_ties": "Asia-Pacific-LAC ties alive (2040)",
}
PERSISTENCE: dict[str, str] = {
    "all.survival_3y": "partnerships lasting over 3 years, S(3)",
    "asia_pacific_lac.survival_3y": "AP-LAC partnerships lasting over 3 years, S(3)",
    "all.repeat_rate_5y": "repeat collaboration, next 5-year window",
    "asia_pacific_lac.pairs": "AP-LAC partner pairs",
}


def figures(model: SSCModel) -> dict[str, float]:
    series = model.timeseries_frame()
    after = series[series["time"] > 2026]
    out: dict[str, float] = {}
    for column in SUMS:
        scale = 1e9 if column == "oda_budget_usd" else 1e6 if column.startswith("funding_") else 1
        out[SUMS[column]] = float(after[column].sum()) / scale
    for column, label in ENDS.items():
        out[label] = float(series[column].iloc[-1])
    block = run_summary(model)["persistence"]
    for key, label in PERSISTENCE.items():
        group, name = key.split(".")
        value = block[group][name]
        out[label] = float(value["estimate"] if isinstance(value, dict) else value)
    return out


def effects(table: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Paired differences from the baseline: mean, 95 % t interval and relative change."""
    base = table[table["scenario"] == "baseline"].set_index("seed").drop(columns="scenario")
    other = table[table["scenario"] == scenario].set_index("seed").drop(columns="scenario")
    difference = other - base
    n = len(difference)
    half = t_quantile(0.975, n - 1) * difference.std(ddof=1) / np.sqrt(n)
    mean = difference.mean()
    return pd.DataFrame(
        {
            "baseline": base.mean(),
            scenario: other.mean(),
            "difference": mean,
            "95% low": mean - half,
            "95% high": mean + half,
            "change %": 100 * mean / base.mean().replace(0, np.nan),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("results/effects"))
    args = parser.parse_args()
    world = load_world()
    rows = []
    for seed in range(1, args.seeds + 1):
        for scenario, parameters in {"baseline": {}, **SCENARIOS}.items():
            model = SSCModel(rng=seed, world=world, **parameters).run()  # type: ignore[arg-type]
            rows.append({"scenario": scenario, "seed": seed, **figures(model)})
        print(f"seed {seed} done", flush=True)
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "runs.csv", index=False)
    for scenario in SCENARIOS:
        result = effects(table, scenario)
        result.to_csv(args.out / f"{scenario}.csv")
        print(f"\n{scenario} vs baseline, {args.seeds} seeds, sums over 2026-2040")
        print(result.to_string(float_format=lambda v: f"{v:,.3f}"))
    print(f"written: {args.out / 'runs.csv'} and <scenario>.csv for {', '.join(SCENARIOS)}")


if __name__ == "__main__":
    main()
