"""Offers and requests (step 2), as array rules; matching itself is the kernel
`sscsim.kernels.matching` (step 3).

The documents ask for a directory of cooperation sources (who offers what) and for the
identification of offers and requests: each Southern country requests in its weakest sectors and
offers in its strongest.
"""

from __future__ import annotations

import numpy as np

from sscsim.config import SSCConfig
from sscsim.kernels import matching as kernel


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


def offer_lists(offers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The directory of cooperation sources: the providers of each sector in compressed rows.

    Returns (indptr (n_sectors + 1,), rows): the providers of sector s are
    ``rows[indptr[s]:indptr[s + 1]]``, in increasing order.
    """
    sector, provider = np.nonzero(offers.T)
    indptr = np.zeros(offers.shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(sector, minlength=offers.shape[1]), out=indptr[1:])
    return indptr, provider.astype(np.int64)


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


def matching_parameters(config: SSCConfig) -> tuple[np.ndarray, np.ndarray]:
    """The matching kernel's parameter arrays (real, integer) from the configuration."""
    params, funding = config.matching, config.funding
    real = np.zeros(kernel.N_REAL)
    real[kernel.MIN_GAP] = params.min_capacity_gap
    real[kernel.W_COMPLEMENTARITY] = params.weight_complementarity
    real[kernel.W_SIMILARITY] = params.weight_similarity
    real[kernel.W_TRUST] = params.weight_trust
    real[kernel.W_COMEMBERSHIP] = params.weight_comembership
    real[kernel.W_COST] = params.weight_cost
    real[kernel.TEMPERATURE] = params.choice_temperature
    real[kernel.TRIANGULAR_APPEAL] = params.triangular_appeal
    real[kernel.PLATFORM_APPEAL] = params.platform_appeal
    real[kernel.SIDS_PRIORITY] = config.scenario.sids_priority
    real[kernel.ACTION_COST] = funding.action_cost_usd
    real[kernel.MULTILATERAL_DISCOUNT] = funding.multilateral_cost_discount
    real[kernel.INTERREGIONAL_MULTIPLIER] = funding.interregional_cost_multiplier
    real[kernel.CHAMPION_DISCOUNT] = funding.champion_interregional_discount
    real[kernel.COFUNDING_SHARE] = funding.triangular_cofunding_share
    real[kernel.REFUNDABLE_SHARE] = funding.refundable_share
    real[kernel.AGREEMENT_TRUST] = config.world.partnership_trust
    integer = np.zeros(kernel.N_INTEGER, dtype=np.int64)
    integer[kernel.MIN_DURATION] = params.min_duration_quarters
    integer[kernel.MAX_DURATION] = params.max_duration_quarters
    integer[kernel.CANDIDATES] = params.candidate_sample
    integer[kernel.FUNDER_CANDIDATES] = params.funder_sample
    integer[kernel.ATTEMPTS] = params.provider_attempts
    return real, integer
