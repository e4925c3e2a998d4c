"""Synthetic worlds of N actors with the real world's structure, for decentralised cooperation
(cities, agencies, universities, firms) and for measuring how the model scales.

Each actor is a replica of a real economy drawn uniformly from those with data (Southern
countries and DAC members): it inherits the economy's region, income group, SIDS and LDC flags,
GDP, population and platform memberships, so that each actor's budgets, costs and choices are on
the same scale as a country's and a step does per actor the work it does in the real world.
Money totals (ODA, SSC funds) therefore grow with N. Actors of a champion economy are champions.
Seeded and reproducible: the same N and seed give the same world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sscsim.state.ties import Layer
from sscsim.world import WorldTables, load_world


def synthetic_world(n_actors: int, seed: int = 0, base: WorldTables | None = None) -> WorldTables:
    """A world of `n_actors` actors resampled from `base` (default: the packaged real world).

    Actor codes are the economy's ISO3 code and a number (``IDN0000042``); the column `country`
    holds the economy's ISO3 code.
    """
    if n_actors < 2:
        raise ValueError(f"synthetic world: n_actors = {n_actors}: needs at least 2 actors")
    base = base if base is not None else load_world()
    economies = base.countries[
        (base.countries["southern"] | base.countries["dac_member"])
        & base.countries["gdp_usd"].notna()
        & base.countries["population"].notna()
    ].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    economy = np.sort(rng.integers(0, len(economies), size=n_actors))
    counts = np.bincount(economy, minlength=len(economies))
    number = np.arange(n_actors) - np.repeat(np.cumsum(counts) - counts, counts)

    actors = economies.iloc[economy].reset_index(drop=True)
    actors["country"] = actors["iso3"].to_numpy()
    actors["iso3"] = [f"{code}{k:07d}" for code, k in zip(actors["country"], number, strict=True)]
    actors["name"] = actors["name"] + " actor " + pd.Series(number).astype(str)

    memberships = base.memberships.merge(
        actors[["iso3", "country"]].rename(columns={"iso3": "actor"}),
        left_on="iso3",
        right_on="country",
    )
    memberships = memberships[["actor", "platform", "role"]].rename(columns={"actor": "iso3"})
    memberships = memberships.sort_values(["platform", "iso3"], kind="stable").reset_index(
        drop=True
    )
    return WorldTables(countries=actors, memberships=memberships)


def initial_ties(
    region: np.ndarray,
    n_south: int,
    ties_per_actor: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random ties present at the start of a synthetic run: (layer, source, target, strength).

    `ties_per_actor` x n_actors ties (each actor is an end of twice that many on average): 70 % of a
    Southern actor's partners come from its own region. Layers: 45 % bilateral, 10 % triangular
    (between Southern actors), 35 % platform, 10 % ODA (a northern actor to a Southern one).
    Strengths are uniform in [0.2, 0.8].
    """
    n_actors = len(region)
    n_ties = round(ties_per_actor * n_actors)
    if n_ties == 0 or n_south < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    layer = rng.choice(
        np.array([Layer.BILATERAL, Layer.TRIANGULAR, Layer.PLATFORM, Layer.ODA], dtype=np.int64),
        size=n_ties,
        p=[0.45, 0.10, 0.35, 0.10],
    )
    if n_actors == n_south:
        layer[layer == Layer.ODA] = Layer.BILATERAL
    source = rng.integers(0, n_south, size=n_ties)
    # Partners in the same region: a uniform draw among the Southern actors of that region.
    order = np.argsort(region[:n_south], kind="stable")
    starts = np.searchsorted(region[order], np.arange(region.max() + 2))
    same = rng.random(n_ties) < 0.7
    lo, hi = starts[region[source]], starts[region[source] + 1]
    in_region = order[lo + (rng.random(n_ties) * (hi - lo)).astype(np.int64)]
    anywhere = rng.integers(0, n_south, size=n_ties)
    target = np.where(same, in_region, anywhere)
    oda = layer == Layer.ODA
    if oda.any():
        source[oda] = rng.integers(n_south, n_actors, size=int(oda.sum()))
    keep = source != target
    strength = rng.uniform(0.2, 0.8, size=n_ties)
    return layer[keep], source[keep], target[keep], strength[keep]
