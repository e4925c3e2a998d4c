"""Matching requests to providers and funding them (step 3), one request after another.

For each request (recipient, sector), in the order given: candidate providers are those offering
the sector (all of them, or a uniform sample of `candidates` of them in large worlds), at least
`min_gap` ahead of the recipient and with a delivery slot left. The recipient scores them
(complementarity, similarity of context, trust, shared platforms, cost) and draws one by softmax.
The funding found decides the modality: the provider's national fund (bilateral), a northern
partner's co-funding (triangular) or a shared platform's trust fund (platform), drawn in
proportion to their appeal among those that can pay. A request whose first `attempts` providers
cannot be funded lapses. Budgets, pools, funds and slots are updated in place as actions start.

Everything is arrays: a run's random draws come from the kernel generator state (seeded from the
model's generator); pair attributes (similarity, cost, trust, shared platforms) are computed for
each candidate rather than held in n x n matrices.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sscsim.kernels.hashing import find
from sscsim.kernels.random import below, uniform

BILATERAL, TRIANGULAR, PLATFORM = 0, 1, 2

# Positions in the `real` parameter array.
MIN_GAP = 0
W_COMPLEMENTARITY = 1
W_SIMILARITY = 2
W_TRUST = 3
W_COMEMBERSHIP = 4
W_COST = 5
TEMPERATURE = 6
TRIANGULAR_APPEAL = 7
PLATFORM_APPEAL = 8
SIDS_PRIORITY = 9
ACTION_COST = 10
MULTILATERAL_DISCOUNT = 11
INTERREGIONAL_MULTIPLIER = 12
CHAMPION_DISCOUNT = 13
COFUNDING_SHARE = 14
REFUNDABLE_SHARE = 15
AGREEMENT_TRUST = 16
N_REAL = 17
# Positions in the `integer` parameter array.
MIN_DURATION = 0
MAX_DURATION = 1
CANDIDATES = 2
FUNDER_CANDIDATES = 3
ATTEMPTS = 4
N_INTEGER = 5

# Tie layers as in sscsim.state.ties.Layer.
_BILATERAL_LAYER, _TRIANGULAR_LAYER, _PLATFORM_LAYER = 0, 1, 2


@njit(cache=True)
def popcount(x: int) -> int:
    """Number of set bits of a non-negative int64."""
    count = 0
    while x:
        x &= x - 1
        count += 1
    return count


@njit(cache=True)
def cost_factor(
    region_a: int, region_b: int, champion: bool, multiplier: float, champion_discount: float
) -> float:
    """Cost of an action relative to a same-region one: `multiplier` across regions, its extra
    cut by `champion_discount` when a champion is at either end."""
    if region_a == region_b:
        return 1.0
    discount = champion_discount if champion else 0.0
    return 1.0 + (multiplier - 1.0) * (1.0 - discount)


@njit(cache=True)
def trust_between(
    a: int,
    b: int,
    n_actors: int,
    table_keys: np.ndarray,
    table_rows: np.ndarray,
    strength: np.ndarray,
    alive: np.ndarray,
    agreement_keys: np.ndarray,
    agreement_rows: np.ndarray,
    agreement_trust: float,
) -> float:
    """The strongest alive bilateral, triangular or platform tie between a and b (either
    direction), at least the trust floor of a standing partnership agreement."""
    best = 0.0
    low, high = min(a, b), max(a, b)
    for layer in (_BILATERAL_LAYER, _TRIANGULAR_LAYER):
        for source, target in ((a, b), (b, a)):
            row = find(table_keys, table_rows, (layer * n_actors + source) * n_actors + target)
            if row >= 0 and alive[row] and strength[row] > best:
                best = strength[row]
    row = find(table_keys, table_rows, (_PLATFORM_LAYER * n_actors + low) * n_actors + high)
    if row >= 0 and alive[row] and strength[row] > best:
        best = strength[row]
    if find(agreement_keys, agreement_rows, low * n_actors + high) >= 0 and agreement_trust > best:
        best = agreement_trust
    return best


@njit(cache=True)
def provider_score(
    recipient: int,
    provider: int,
    sector: int,
    capacity: np.ndarray,
    region: np.ndarray,
    income_level: np.ndarray,
    sids: np.ndarray,
    champion: np.ndarray,
    platform_mask: np.ndarray,
    active_platforms: int,
    trust: float,
    real: np.ndarray,
) -> float:
    """How attractive `provider` is to `recipient` for a request in `sector`:

    w_complementarity x capacity gap + w_similarity x similarity of context (same region, same
    income group, same SIDS status: a third each) + w_trust x trust + w_comembership x
    min(shared active platforms, 2) / 2 - w_cost x (relative cost - 1).
    """
    gap = capacity[provider, sector] - capacity[recipient, sector]
    similarity = (
        (region[provider] == region[recipient])
        + (income_level[provider] == income_level[recipient])
        + (sids[provider] == sids[recipient])
    ) / 3.0
    shared = popcount(platform_mask[recipient] & platform_mask[provider] & active_platforms)
    factor = cost_factor(
        region[recipient], region[provider], champion[recipient] or champion[provider],
        real[INTERREGIONAL_MULTIPLIER], real[CHAMPION_DISCOUNT],
    )  # fmt: skip
    return (
        real[W_COMPLEMENTARITY] * gap
        + real[W_SIMILARITY] * similarity
        + real[W_TRUST] * trust
        + real[W_COMEMBERSHIP] * min(shared, 2) / 2.0
        - real[W_COST] * (factor - 1.0)
    )


@njit(cache=True)
def _softmax_pick(
    scores: np.ndarray, valid: np.ndarray, count: int, temperature: float, u: float
) -> int:
    top = -np.inf
    for k in range(count):
        if valid[k] and scores[k] > top:
            top = scores[k]
    total = 0.0
    for k in range(count):
        if valid[k]:
            total += np.exp((scores[k] - top) / temperature)
    target = u * total
    running = 0.0
    last = -1
    for k in range(count):
        if valid[k]:
            running += np.exp((scores[k] - top) / temperature)
            last = k
            if running > target:
                return k
    return last


@njit(cache=True)
def match_requests(
    request_recipient: np.ndarray,
    request_sector: np.ndarray,
    capacity: np.ndarray,
    region: np.ndarray,
    income_level: np.ndarray,
    sids: np.ndarray,
    champion: np.ndarray,
    platform_mask: np.ndarray,
    offer_indptr: np.ndarray,
    offer_rows: np.ndarray,
    slots: np.ndarray,
    ssc_budget: np.ndarray,
    n_actors: int,
    table_keys: np.ndarray,
    table_rows: np.ndarray,
    strength: np.ndarray,
    alive: np.ndarray,
    agreement_keys: np.ndarray,
    agreement_rows: np.ndarray,
    active_platforms: int,
    platform_fund: np.ndarray,
    platform_reserve: np.ndarray,
    northern_pool: np.ndarray,
    real: np.ndarray,
    integer: np.ndarray,
    state: np.ndarray,
    out_request: np.ndarray,
    out_provider: np.ndarray,
    out_modality: np.ndarray,
    out_funder: np.ndarray,
    out_platform: np.ndarray,
    out_cost: np.ndarray,
    out_duration: np.ndarray,
    out_refundable: np.ndarray,
    out_organisation: np.ndarray,
) -> tuple[int, int]:
    """Match and fund every request; returns (actions started, requests that lapsed).

    Parameters
    ----------
    request_recipient, request_sector : int64 (n_requests,), in processing order.
    capacity : float64 (n_south, n_sectors). region, income_level : int64 (n_south,).
    sids, champion : bool (n_south,).
    platform_mask : int64 (n_actors,), bit p set for members of platform p (northern rows after
        the Southern ones).
    offer_indptr, offer_rows : CSR of the providers offering each sector.
    slots : int64 (n_south,), new actions each provider can still start (updated).
    ssc_budget : float64 (n_south,), USD (updated).
    n_actors, table_keys, table_rows, strength, alive : the tie table (sscsim.state.ties.TieTable).
    agreement_keys, agreement_rows : hash table of standing agreements (key low * n + high).
    active_platforms : int64 bit mask of the platforms active this step.
    platform_fund : float64 (n_platforms,), USD (updated); platform_reserve : kept for events.
    northern_pool : float64 (n_north,), triangular co-funding left this step, USD (updated).
    real, integer : parameters at the positions named in this module.
    state : uint64 (1,), the kernel generator (advanced).
    out_* : arrays of n_requests entries; the first `actions` are written: the request index,
        provider row, modality (0 bilateral, 1 triangular, 2 platform), funder actor row or -1,
        platform index (the funding platform, or the first shared platform whose organisation runs
        the action) or -1, cost (USD), duration (steps), refundable, run through a shared
        platform's organisation.
    """
    n_south = capacity.shape[0]
    n_north = northern_pool.shape[0]
    n_platforms = platform_fund.shape[0]
    sample = integer[CANDIDATES]
    funder_sample = integer[FUNDER_CANDIDATES]
    candidates = np.empty(sample, dtype=np.int64)
    scores = np.empty(sample)
    valid = np.empty(sample, dtype=np.bool_)
    funders = np.empty(funder_sample, dtype=np.int64)
    funder_weight = np.empty(funder_sample)
    actions = 0
    lapsed = 0
    for q in range(request_recipient.shape[0]):
        recipient = request_recipient[q]
        sector = request_sector[q]
        start, stop = offer_indptr[sector], offer_indptr[sector + 1]
        pool = stop - start
        # Candidates: every provider of the sector, or a uniform sample of them.
        count = 0
        if pool <= sample:
            for k in range(pool):
                candidates[count] = offer_rows[start + k]
                count += 1
        else:
            for _ in range(sample):
                candidates[count] = offer_rows[start + below(state, pool)]
                count += 1
        eligible = 0
        for k in range(count):
            provider = candidates[k]
            gap = capacity[provider, sector] - capacity[recipient, sector]
            valid[k] = provider != recipient and slots[provider] > 0 and gap >= real[MIN_GAP]
            if not valid[k]:
                continue
            eligible += 1
            trust = trust_between(
                recipient, provider, n_actors, table_keys, table_rows, strength, alive,
                agreement_keys, agreement_rows, real[AGREEMENT_TRUST],
            )  # fmt: skip
            scores[k] = provider_score(
                recipient, provider, sector, capacity, region, income_level, sids, champion,
                platform_mask, active_platforms, trust, real,
            )  # fmt: skip
        funded = False
        for _attempt in range(integer[ATTEMPTS]):
            if eligible == 0:
                break
            k = _softmax_pick(scores, valid, count, real[TEMPERATURE], uniform(state))
            provider = candidates[k]
            # Funding: the options and their appeal.
            span = integer[MAX_DURATION] - integer[MIN_DURATION] + 1
            duration = integer[MIN_DURATION] + below(state, span)
            shared_mask = platform_mask[recipient] & platform_mask[provider] & active_platforms
            organisation = shared_mask != 0
            factor = cost_factor(
                region[recipient], region[provider], champion[recipient] or champion[provider],
                real[INTERREGIONAL_MULTIPLIER], real[CHAMPION_DISCOUNT],
            )  # fmt: skip
            cost = real[ACTION_COST] * duration * factor
            if organisation:
                cost *= 1.0 - real[MULTILATERAL_DISCOUNT]
            appeal_bilateral = 1.0 if ssc_budget[provider] >= cost else 0.0
            provider_part = cost * (1.0 - real[COFUNDING_SHARE])
            northern_part = cost - provider_part
            funder = -1
            # Triangular needs northern money: none when the co-funding share is zero.
            if ssc_budget[provider] >= provider_part and n_north > 0 and northern_part > 0.0:
                considered = 0
                total = 0.0
                for j in range(min(n_north, funder_sample)):
                    f = j if n_north <= funder_sample else below(state, n_north)
                    if northern_pool[f] >= northern_part:
                        affine = (platform_mask[n_south + f] & platform_mask[recipient]) != 0
                        funders[considered] = f
                        funder_weight[considered] = northern_pool[f] * (2.0 if affine else 1.0)
                        total += funder_weight[considered]
                        considered += 1
                if considered:
                    target = uniform(state) * total
                    running = 0.0
                    funder = funders[considered - 1]
                    for j in range(considered):
                        running += funder_weight[j]
                        if running > target:
                            funder = funders[j]
                            break
            appeal_triangular = real[TRIANGULAR_APPEAL] if funder >= 0 else 0.0
            platform = -1
            best = 0.0
            if organisation:
                for p in range(n_platforms):
                    if (shared_mask >> p) & 1:
                        available = platform_fund[p] - platform_reserve[p]
                        if available >= cost and available > best:
                            best = available
                            platform = p
            appeal_platform = 0.0
            if platform >= 0:
                priority = 1.0 + (real[SIDS_PRIORITY] if sids[recipient] else 0.0)
                appeal_platform = real[PLATFORM_APPEAL] * priority
            total_appeal = appeal_bilateral + appeal_triangular + appeal_platform
            if total_appeal <= 0.0:
                valid[k] = False
                eligible -= 1
                continue
            draw = uniform(state) * total_appeal
            if draw < appeal_bilateral:
                modality = BILATERAL
            elif draw < appeal_bilateral + appeal_triangular:
                modality = TRIANGULAR
            else:
                modality = PLATFORM
            refundable = False
            if modality == BILATERAL:
                if income_level[recipient] >= 1:
                    refundable = uniform(state) < real[REFUNDABLE_SHARE]
                ssc_budget[provider] -= cost
            elif modality == TRIANGULAR:
                northern_pool[funder] -= northern_part
                ssc_budget[provider] -= provider_part
            else:
                platform_fund[platform] -= cost
            slots[provider] -= 1
            out_request[actions] = q
            out_provider[actions] = provider
            out_modality[actions] = modality
            out_funder[actions] = n_south + funder if modality == TRIANGULAR else -1
            if modality != PLATFORM:  # the organisation it runs through, if any
                platform = -1
                for p in range(n_platforms):
                    if (shared_mask >> p) & 1:
                        platform = p
                        break
            out_platform[actions] = platform
            out_cost[actions] = cost
            out_duration[actions] = duration
            out_refundable[actions] = refundable
            out_organisation[actions] = organisation
            actions += 1
            funded = True
            break
        if not funded:
            lapsed += 1
    return actions, lapsed
