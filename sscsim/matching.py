"""Offers, requests and partner choice (steps 2 and 3), as array rules.

The documents ask for a directory of cooperation sources (who offers what) and the
identification of offers and requests: each Southern country requests in its weakest sectors
and offers in its strongest. Partner choice weighs complementarity, similarity of context,
trust, platform co-membership and cost.
"""

from __future__ import annotations

import numpy as np

from sscsim.config import MatchingParams


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


def similarity_matrix(region: np.ndarray, income_level: np.ndarray, sids: np.ndarray) -> np.ndarray:
    """Similarity of context in [0, 1], float (n, n): the mean of same region, same income
    group and same SIDS status ("similar historical realities and similar challenges")."""
    same_region = region[:, None] == region[None, :]
    same_income = income_level[:, None] == income_level[None, :]
    same_sids = sids[:, None] == sids[None, :]
    return (same_region.astype(float) + same_income + same_sids) / 3.0


def cost_factor_matrix(
    region: np.ndarray,
    is_champion: np.ndarray,
    interregional_multiplier: float,
    champion_discount: float,
) -> np.ndarray:
    """Cost of an action between two countries relative to a same-region one, float (n, n).

    Across regions the cost is `interregional_multiplier` times higher; a champion at either end
    cuts that extra cost by `champion_discount` (its programmes broker interregional ties).
    """
    interregional = region[:, None] != region[None, :]
    champion = is_champion[:, None] | is_champion[None, :]
    extra = (interregional_multiplier - 1.0) * (1.0 - champion_discount * champion)
    return 1.0 + extra * interregional


def provider_scores(
    gap: np.ndarray,
    similarity: np.ndarray,
    trust: np.ndarray,
    comembership: np.ndarray,
    cost_factor: np.ndarray,
    params: MatchingParams,
) -> np.ndarray:
    """Attractiveness of each candidate provider to a recipient (arrays over candidates).

    gap : capacity difference in the requested sector, in (0, 1]; similarity, trust in [0, 1];
    comembership : shared active platforms; cost_factor : relative cost, >= 1.
    """
    return (
        params.weight_complementarity * gap
        + params.weight_similarity * similarity
        + params.weight_trust * trust
        + params.weight_comembership * np.minimum(comembership, 2) / 2.0
        - params.weight_cost * (cost_factor - 1.0)
    )


def softmax_choice(scores: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Index drawn with probability proportional to exp(score / temperature)."""
    z = (scores - scores.max()) / temperature
    weight = np.exp(z)
    return int(rng.choice(len(scores), p=weight / weight.sum()))
