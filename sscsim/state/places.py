"""Where every actor is: its capital's coordinates, the languages it speaks and its land
neighbours, as per-actor arrays for the kernels (never n x n matrices: a synthetic world has
up to 10^6 actors).

Built once from the world's geography table (`sscsim.world.load_geography`). An actor of a
synthetic world is placed at its economy (column ``country``): same capital, languages and
neighbours. A world without a geography table, or an actor whose economy has no row or no
coordinates, has unknown coordinates (NaN); the matching and the regional projects then fall
back to the region rule (`funding.interregional_cost_multiplier`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

# A language bit mask is an int64; bit 63 is the sign, so at most 63 languages get a bit.
MAX_LANGUAGES = 63


@dataclass(frozen=True)
class Places:
    """Per-actor geography.

    latitude, longitude : float64 (n_actors,), radians of the capital; NaN where unknown.
    languages : int64 (n_actors,), bit k set if the actor speaks ``vocabulary[k]``.
    economy : int64 (n_actors,), row of the actor's economy in the neighbour lists, -1 if none.
    neighbour_indptr : int64 (n_economies + 1,), neighbour_rows : int64, the economies sharing
        a land border with each economy, compressed rows, increasing within an economy.
    vocabulary : the ISO 639-1 codes of the bits.
    known : whether the world had a geography table.
    """

    latitude: np.ndarray
    longitude: np.ndarray
    languages: np.ndarray
    economy: np.ndarray
    neighbour_indptr: np.ndarray
    neighbour_rows: np.ndarray
    vocabulary: tuple[str, ...]
    known: bool


def unknown_places(n_actors: int) -> Places:
    """Places of a world without geography: no coordinates, languages nor neighbours."""
    return Places(
        latitude=np.full(n_actors, np.nan),
        longitude=np.full(n_actors, np.nan),
        languages=np.zeros(n_actors, dtype=np.int64),
        economy=np.full(n_actors, -1, dtype=np.int64),
        neighbour_indptr=np.zeros(1, dtype=np.int64),
        neighbour_rows=np.zeros(0, dtype=np.int64),
        vocabulary=(),
        known=False,
    )


def build_places(
    geography: pd.DataFrame | None, country: np.ndarray, n_south: int | None = None
) -> Places:
    """The per-actor arrays from a geography table (`sscsim.world.load_geography`).

    Parameters
    ----------
    geography : the table, or None (then `unknown_places`).
    country : str (n_actors,), the ISO3 code of each actor's economy (its own code in the
        real world, column ``country`` in a synthetic one).
    n_south : the languages that get a bit are those spoken by at least two of the first
        `n_south` actors (the Southern ones, the only ones matched; default all), the most
        widely spoken first (ties by code), at most `MAX_LANGUAGES`; the others can never be
        shared and get none.
    """
    n_actors = len(country)
    if geography is None:
        return unknown_places(n_actors)
    row_of = {code: k for k, code in enumerate(geography["iso3"].astype(str))}
    economy = np.array([row_of.get(str(code), -1) for code in country], dtype=np.int64)
    found = economy >= 0
    latitude = np.full(n_actors, np.nan)
    longitude = np.full(n_actors, np.nan)
    latitude[found] = np.radians(geography["latitude"].to_numpy(np.float64)[economy[found]])
    longitude[found] = np.radians(geography["longitude"].to_numpy(np.float64)[economy[found]])

    spoken = list(geography["languages"])
    matched = economy[: n_actors if n_south is None else n_south]
    counts = Counter(language for row in matched[matched >= 0].tolist() for language in spoken[row])
    shared = sorted((code for code, count in counts.items() if count >= 2),
                    key=lambda code: (-counts[code], code))  # fmt: skip
    vocabulary = tuple(shared[:MAX_LANGUAGES])
    bit = {code: k for k, code in enumerate(vocabulary)}
    economy_mask = np.array(
        [sum(1 << bit[code] for code in languages if code in bit) for languages in spoken],
        dtype=np.int64,
    )
    languages = np.where(found, economy_mask[np.maximum(economy, 0)], 0).astype(np.int64)

    # Contiguity is symmetric: a pair borders if either lists the other.
    pairs = {
        (a, row_of[code])
        for a, neighbours in enumerate(geography["neighbours"])
        for code in neighbours
        if code in row_of
    }
    pairs |= {(b, a) for a, b in pairs}
    ordered = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    indptr = np.zeros(len(geography) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ordered[:, 0], minlength=len(geography)), out=indptr[1:])
    return Places(
        latitude=latitude,
        longitude=longitude,
        languages=languages,
        economy=economy,
        neighbour_indptr=indptr,
        neighbour_rows=ordered[:, 1].copy(),
        vocabulary=vocabulary,
        known=True,
    )
