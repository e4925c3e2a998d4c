"""Figures and numbers of docs/validation.md: the baseline against the facts of MODEL.md.

    python experiments/validation.py          # writes docs/figures/validation_*.png and prints

Every figure is drawn with `sscsim.plots` from model runs made here: 10 seeds of the baseline and of
the observed ODA path (`scenario=oda_observed`), 2025-2040.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sscsim import SSCModel
from sscsim.plots import save, styled_figure
from sscsim.state.modalities import SEGIB_2023_SHARES
from sscsim.world import load_world

FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"
SEEDS = range(1, 11)
# OECD DAC: ODA in USD bn (2023 final-preliminary, 2024 preliminary) and the June 2025 projection
# of a further 9 to 17 % fall in 2025.
OBSERVED_ODA = {2023: 223.7, 2024: 212.1}
PROJECTED_2025 = (212.1 * (1 - 0.17), 212.1 * (1 - 0.09))


def main() -> None:
    world = load_world()
    runs = {
        scenario: [SSCModel(rng=seed, world=world, **parameters).run() for seed in SEEDS]
        for scenario, parameters in {
            "baseline": {},
            "oda_observed": {"oda_path_years": [2025], "oda_path_multipliers": [0.87]},
        }.items()
    }
    FIGURES.mkdir(parents=True, exist_ok=True)

    shares = pd.DataFrame([model.summary()["modality_shares"] for model in runs["baseline"]])
    print("modality shares over 10 seeds (mean, sd):")
    print(
        pd.DataFrame({"mean": shares.mean(), "sd": shares.std(), "SEGIB 2023": SEGIB_2023_SHARES})
    )
    with styled_figure() as figure:
        axes = figure.subplots()
        x = np.arange(3)
        axes.bar(
            x - 0.2, [SEGIB_2023_SHARES[m] for m in shares], 0.4, label="SEGIB 2023 (Ibero-America)"
        )
        axes.bar(
            x + 0.2, shares.mean(), 0.4, yerr=1.96 * shares.std(), label="model, 10 seeds (95 %)"
        )
        axes.set_xticks(x, list(shares.columns))
        axes.set(ylabel="share of actions", title="Modality shares: baseline against SEGIB 2023")
        axes.legend()
        save(figure, FIGURES / "validation_modalities.png")

    yearly = {}
    for scenario, models in runs.items():
        frames = [m.timeseries_frame().iloc[1:] for m in models]
        totals = pd.concat(
            [f.groupby("year")["oda_budget_usd"].sum() / 1e9 for f in frames], axis=1
        )
        yearly[scenario] = totals.mean(axis=1)
    print(
        "model ODA, USD bn a year:",
        {k: v.loc[[2025, 2026]].round(1).to_dict() for k, v in yearly.items()},
    )
    with styled_figure() as figure:
        axes = figure.subplots()
        axes.plot(
            list(OBSERVED_ODA), list(OBSERVED_ODA.values()), "ko-", label="OECD DAC, observed"
        )
        axes.fill_between([2025], *[[v] for v in PROJECTED_2025], color="k", alpha=0.2)
        axes.errorbar(
            [2025],
            [np.mean(PROJECTED_2025)],
            yerr=[[np.mean(PROJECTED_2025) - PROJECTED_2025[0]]],
            fmt="none",
            ecolor="k",
            capsize=6,
            label="OECD projection 2025 (-9 to -17 %)",
        )
        for scenario, series in yearly.items():
            axes.plot(series.index, series.values, marker=".", label=f"model: {scenario}")
        axes.set(xlabel="year", ylabel="USD bn a year", title="DAC ODA: observed and modelled")
        axes.legend()
        save(figure, FIGURES / "validation_oda.png")

    baseline = runs["baseline"]
    pilots = pd.concat([m.timeseries_frame()["pilots"] for m in baseline], axis=1).mean(axis=1)
    learning = pd.concat([m.timeseries_frame()["actions_total"] for m in baseline], axis=1).mean(
        axis=1
    )
    print(
        "pilots per quarter (mean):",
        round(pilots.iloc[1:].mean(), 1),
        "new actions per quarter:",
        round(learning.iloc[1:].mean(), 1),
    )
    low_income_asia = [
        code
        for code, region, level in zip(
            baseline[0].roster.iso3,
            baseline[0].roster.region,
            baseline[0].roster.income_level,
            strict=False,
        )
        if region == 0 and level == 0
    ]
    print("low-income Asia-Pacific economies at the start:", low_income_asia)
    print(f"written: {FIGURES / 'validation_modalities.png'}, {FIGURES / 'validation_oda.png'}")


if __name__ == "__main__":
    main()
