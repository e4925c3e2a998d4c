"""Interactive app (Mesa SolaraViz): the network between regions, capacity, actions and funding
charts, and sliders for the main levers.

    make app        # or: .venv/bin/solara run sscsim/app.py

Then open http://localhost:8765. Changing a lever rebuilds the model with that value; Step and the
play button advance it a quarter at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sscsim import reporters
from sscsim.config import parameter, slider_bounds
from sscsim.model import SSCModel
from sscsim.plots import region_circle
from sscsim.state.modalities import MODALITIES
from sscsim.world import REGIONS


def lever(name: str, step: float | None = None) -> dict:
    """A SolaraViz control for a flat parameter: its default, label and (for a slider, given a
    `step`) its range, all from the schema (`sscsim.config`)."""
    declared = parameter(name)
    control = {"value": declared.default, "label": declared.param.label or name}
    if step is None:
        return {"type": "Checkbox", **control}
    low, high = slider_bounds(name)
    kind = "SliderInt" if isinstance(declared.default, int) else "SliderFloat"
    return {"type": kind, **control, "min": low, "max": high, "step": step}


LEVERS: dict[str, dict] = {
    "oda_cut_depth": lever("oda_cut_depth", 0.05),
    "oda_cut_start_year": lever("oda_cut_start_year", 1),
    "champions_enabled": lever("champions_enabled"),
    "interregional_platforms_enabled": lever("interregional_platforms_enabled"),
    "fealac_fund_multiplier": lever("fealac_fund_multiplier", 0.5),
    "sids_priority": lever("sids_priority", 0.25),
    "professionalisation_rate": lever("professionalisation_rate", 0.05),
}


@solara.component
def RegionNetwork(model: SSCModel) -> None:
    """The alive bilateral, triangular and platform ties, countries on a circle by region."""
    update_counter.get()  # draw again after every step
    n = model.n_south
    network = model.state.network
    snapshot = network.ties.frame(network.alive.rows)
    snapshot.insert(0, "period", model.period)
    ties = reporters.ties_frame([snapshot], model.roster.iso3)
    agents = pd.DataFrame(
        {
            "period": model.period,
            "iso3": model.roster.iso3[:n],
            "region": np.asarray(REGIONS)[model.roster.region[:n]],
        }
    )
    # A pyplot-free Figure: safe in the server's threads whatever the backend.
    solara.FigureMatplotlib(region_circle(ties, agents, period=model.period), format="png")


def build_page() -> solara.Element:
    """The app's page: a baseline model with the levers as its parameters."""
    model = SSCModel(rng=42)
    components = [
        (RegionNetwork, 0),
        make_plot_component(["mean_capacity_mic", "mean_capacity_sids", "mean_capacity_champion"]),
        make_plot_component([f"actions_{modality.name}" for modality in MODALITIES]),
        make_plot_component(
            [
                "funding_southern_funds_usd",
                "funding_northern_triangular_usd",
                "funding_platform_funds_usd",
            ]
        ),
        make_plot_component(["interregional_ties", "sids_capacity_gap"]),
    ]
    return SolaraViz(model, components=components, model_params=dict(LEVERS), name="sscsim")


page = build_page()
