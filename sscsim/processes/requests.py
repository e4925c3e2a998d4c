"""Step 2, offers and requests: each Southern country offers in its strongest sectors and
requests in its weakest ones.

The documents ask for a directory of cooperation sources (who offers what) and for the
identification of offers and requests. The rules are array functions (`weakest_sectors`,
`offer_matrix`, `request_draws`); `state_offers_and_requests` is the step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sscsim.config import MatchingParams
from sscsim.state.countries import Countries
from sscsim.state.tallies import StepTallies


class Requests(NamedTuple):
    """This step's requests, in the order the matching takes them."""

    recipient: np.ndarray  # int64: country row
    sector: np.ndarray  # int64: sector column


def weakest_sectors(capacity: np.ndarray, k: int) -> np.ndarray:
    """Sector columns of each row's k lowest capacities, int64 (n, k)."""
    k = min(k, capacity.shape[1])
    return np.argsort(capacity, axis=1, kind="stable")[:, :k]


def offer_matrix(capacity: np.ndarray, offer_sectors: np.ndarray, quantile: float) -> np.ndarray:
    """Which country offers which sector, bool (n, n_sectors).

    A country offers in its `offer_sectors[i]` strongest sectors where its capacity is above the
    given quantile of all Southern capacities in that sector.
    """
    n, n_sectors = capacity.shape
    order = np.argsort(-capacity, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(n_sectors)[None, :]
    strongest = rank < offer_sectors[:, None]
    above = capacity > np.quantile(capacity, quantile, axis=0)[None, :]
    return strongest & above


def request_draws(
    weakest: np.ndarray, chance: np.ndarray, served: np.ndarray, draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Requests stated this step: (recipient rows, sectors).

    Country i requests its weak sector weakest[i, j] when `draws[i, j] < chance[i]` and no
    running action already serves it there (`served`, counts of running actions (n, n_sectors)).
    """
    rows = np.arange(weakest.shape[0])[:, None]
    wanted = (draws < chance[:, None]) & (served[rows, weakest] == 0)
    recipient, column = np.nonzero(wanted)
    return recipient.astype(np.int64), weakest[recipient, column].astype(np.int64)


def state_offers_and_requests(
    countries: Countries, tallies: StepTallies, params: MatchingParams, rng: np.random.Generator
) -> Requests:
    """Step 2. Each country offers in its strongest sectors (champions in more) and requests in
    its weakest ones that no running action serves, with a chance that rises with its agency's
    capacity; requests are then taken in a random order. Sets `countries.offers` and
    `countries.weakest`; returns the requests."""
    offer_sectors = np.full(countries.n, params.offer_sectors)
    offer_sectors[countries.is_champion] += params.champion_extra_offer_sectors
    countries.offers = offer_matrix(countries.capacity, offer_sectors, params.offer_quantile)
    countries.weakest = weakest_sectors(countries.capacity, params.request_sectors)
    floor = params.request_agency_floor
    chance = params.request_rate * (floor + (1.0 - floor) * countries.institutional)
    recipient, sector = request_draws(
        countries.weakest, chance, countries.served, rng.random(countries.weakest.shape)
    )
    order = rng.permutation(len(recipient))
    tallies.requests = len(recipient)
    return Requests(recipient[order], sector[order])
