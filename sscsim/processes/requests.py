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
    weakest: np.ndarray, served: np.ndarray, most: int, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Requests stated this step: (recipient rows, sectors), a country's requests together.

    `counts[i, j]` requests (int (n, k), drawn by the caller) in country i's weak sector
    weakest[i, j], cut so that with the running actions that serve it there (`served`,
    (n, n_sectors)) at most `most` would serve it.
    """
    rows = np.arange(weakest.shape[0])[:, None]
    room = np.maximum(most - served[rows, weakest], 0)
    wanted = np.minimum(counts, room)
    recipient, column = np.nonzero(wanted)
    repeat = wanted[recipient, column]
    recipient, column = np.repeat(recipient, repeat), np.repeat(column, repeat)
    return recipient.astype(np.int64), weakest[recipient, column].astype(np.int64)


def state_offers_and_requests(
    countries: Countries,
    tallies: StepTallies,
    params: MatchingParams,
    steps_per_year: int,
    rng: np.random.Generator,
) -> Requests:
    """Step 2. Each country offers in its strongest sectors (champions in more) and requests in
    its weakest ones: on average `request_intensity` x its engagement a year, more with a stronger
    agency, none where `max_running_per_sector` actions already serve it; requests are then taken
    in a random order. Sets `countries.offers` and `countries.weakest`; returns the requests."""
    offer_sectors = np.full(countries.n, params.offer_sectors)
    offer_sectors[countries.is_champion] += params.champion_extra_offer_sectors
    countries.offers = offer_matrix(countries.capacity, offer_sectors, params.offer_quantile)
    countries.weakest = weakest_sectors(countries.capacity, params.request_sectors)
    floor = params.request_agency_floor
    agency = floor + (1.0 - floor) * countries.institutional
    rate = params.request_intensity * countries.engagement * agency / steps_per_year
    per_sector = rate[:, None] / countries.weakest.shape[1]
    counts = rng.poisson(np.broadcast_to(per_sector, countries.weakest.shape))
    recipient, sector = request_draws(
        countries.weakest, countries.served, params.max_running_per_sector, counts
    )
    order = rng.permutation(len(recipient))
    tallies.requests = len(recipient)
    return Requests(recipient[order], sector[order])
