"""Compare two scenarios run with the same seed: headline figures side by side.

    python experiments/compare_scenarios.py                       # baseline vs a 50 % ODA cut
    python experiments/compare_scenarios.py --cut 0.3 --seed 7

Every difference comes from the model's rules: the runs share their seed, so they draw the
same numbers until the cut first changes a decision.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sscsim import SSCModel
from sscsim.world import load_world

ROWS: dict[str, str] = {
    "oda_budget_usd": "northern ODA budget, USD bn (sum)",
    "funding_northern_triangular_usd": "northern triangular co-funding, USD mn (sum)",
    "funding_northern_trust_funds_usd": "northern trust-fund contributions, USD mn (sum)",
    "funding_southern_funds_usd": "Southern SSC funds spent, USD mn (sum)",
    "funding_platform_funds_usd": "platform trust funds spent, USD mn (sum)",
    "actions_bilateral": "bilateral actions (sum)",
    "actions_triangular": "triangular actions (sum)",
    "actions_platform": "platform actions (sum)",
    "unfunded_requests": "requests that found no funding (sum)",
    "platform_events": "platform events (sum)",
    "interregional_ties": "Asia-Pacific to LAC ties alive (end)",
    "ties_alive": "ties alive, all layers (end)",
    "mean_capacity": "mean capacity (end)",
    "mean_capacity_sids": "mean capacity of SIDS (end)",
    "sids_capacity_gap": "SIDS capacity gap (end)",
    "capacity_gini": "capacity Gini (end)",
}
SCALE = {"oda_budget_usd": 1e9}
SCALE |= {k: 1e6 for k in ROWS if k.startswith("funding_")}


def headline(timeseries: pd.DataFrame, start_year: int) -> dict[str, float]:
    after = timeseries[timeseries["time"] > start_year]
    figures = {}
    for column in ROWS:
        if "(end)" in ROWS[column]:
            figures[column] = float(timeseries[column].iloc[-1])
        else:
            figures[column] = float(after[column].sum()) / SCALE.get(column, 1.0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cut", type=float, default=0.5, help="ODA cut depth (default 0.5)")
    parser.add_argument("--start", type=int, default=2026, help="first year of the cut")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    world = load_world()
    runs = {
        "baseline": SSCModel(rng=args.seed, world=world),
        f"ODA cut {args.cut:.0%} from {args.start}": SSCModel(
            rng=args.seed,
            world=world,
            scenario_name="oda_cut",
            oda_cut_depth=args.cut,
            oda_cut_start_year=args.start,
        ),
    }
    table = pd.DataFrame(
        {name: headline(model.run().timeseries_frame(), args.start) for name, model in runs.items()}
    )
    table.index = [ROWS[k] for k in table.index]
    table["change %"] = 100 * (table.iloc[:, 1] / table.iloc[:, 0] - 1)
    print(f"seed {args.seed}; sums over {args.start}-2040")
    print(table.to_string(float_format=lambda v: f"{v:,.3f}"))


if __name__ == "__main__":
    main()
