"""The model's cooperation among the 19 Latin American countries of SEGIB's record, beside the
record's held-out years (docs/validation.md, "Held-out patterns").

    python experiments/segib_comparison.py --seeds 5

For each country: initiatives it takes part in that are in execution in a year (provider,
recipient or participant of a regional project), the model's mean over 2025-2028 against
SEGIB's mean over 2021-2024; the Spearman rank correlation between the two; and the number of
distinct initiatives in execution a year that involve at least one of the 19, against SEGIB's
833 (2022) and 914 (2023). Prints Markdown.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import stats

from sscsim import SSCModel
from sscsim.state.engagement import load_segib
from sscsim.world import load_world

YEARS = range(2025, 2029)
HELD_OUT = [f"y{year}" for year in range(2021, 2025)]


def in_execution(model: SSCModel) -> tuple[pd.DataFrame, pd.Series]:
    """(action, country, year) rows of participation in actions in execution, and the number of
    distinct actions in execution each year that involve a SEGIB country."""
    actions = model.actions_frame()
    participants = model.participants_frame()
    start = 2025 + (actions["period"] - 1) // 4
    end = 2025 + (actions["period"] + actions["duration_quarters"] - 2) // 4
    pairs = pd.concat(
        [
            actions[["action", "provider"]].rename(columns={"provider": "country"}),
            actions[["action", "recipient"]].rename(columns={"recipient": "country"}),
            participants[["action", "country"]],
        ]
    )
    pairs = pairs[pairs["country"].astype(str) != ""].drop_duplicates()
    span = pd.DataFrame({"action": actions["action"], "start": start, "end": end})
    rows = []
    for year in YEARS:
        running = span[(span["start"] <= year) & (span["end"] >= year)]["action"]
        chosen = pairs[pairs["action"].isin(running)].assign(year=year)
        rows.append(chosen)
    return pd.concat(rows), span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    segib = load_segib()
    codes = list(segib.index)
    world = load_world()
    per_country, totals = [], []
    for seed in range(1, args.seeds + 1):
        model = SSCModel(rng=seed, world=world).run()
        rows, _ = in_execution(model)
        rows = rows[rows["country"].isin(codes)]
        counts = rows.groupby(["year", "country"]).size().unstack(fill_value=0)
        per_country.append(counts.reindex(columns=codes, fill_value=0).mean(axis=0))
        totals.append(rows.groupby("year")["action"].nunique().mean())
    model_mean = pd.concat(per_country, axis=1).mean(axis=1)
    observed = segib[HELD_OUT].mean(axis=1)
    rho, p_value = stats.spearmanr(model_mean, observed)
    table = pd.DataFrame({"model 2025-2028": model_mean, "SEGIB 2021-2024": observed})
    table = table.sort_values("SEGIB 2021-2024", ascending=False)
    print(f"Seeds 1-{args.seeds}. Initiatives in execution a year involving the 19:")
    print(
        f"model {np.mean(totals):.0f} (seed range {min(totals):.0f}-{max(totals):.0f});"
        " SEGIB 833 (2022), 914 (2023)."
    )
    print(f"Spearman rank correlation by country: {rho:.2f} (p = {p_value:.3f}).")
    print("Leaders: model", ", ".join(model_mean.sort_values(ascending=False).index[:5]))
    print("         SEGIB", ", ".join(observed.sort_values(ascending=False).index[:5]))
    print()
    print("| country | model 2025-2028 | SEGIB 2021-2024 |")
    print("|---|---|---|")
    for code, row in table.iterrows():
        print(f"| {code} | {row.iloc[0]:.0f} | {row.iloc[1]:.0f} |")


if __name__ == "__main__":
    main()
