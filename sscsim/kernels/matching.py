"""Matching requests to providers and funding them (step 3), one request after another.

For each request (recipient, sector), in the order given: candidate providers are those offering
the sector (all of them, or a uniform sample of `candidates` of them in large worlds), at least
`min_gap` ahead of the recipient and with a delivery slot left. The recipient scores them
(complementarity, similarity of context, trust, shared platforms, cost) and draws one by softmax.
Similarity counts the same region, income group and SIDS status, a land border and a shared
language; the cost grows with the great-circle distance between the capitals (`cost_factor`).
The funding found decides the modality: the provider's national fund (bilateral) or a northern
partner's co-funding (triangular), drawn in proportion to their appeal among those that can pay.
Platform trust funds finance regional projects of three or more countries instead, in their own
process (`sscsim.processes.regional`); the code PLATFORM is theirs and is never written here.
A request whose first `attempts` providers cannot be funded lapses. Budgets, pools and slots are
updated in place as actions start.

Everything is arrays: a run's random draws come from the kernel generator state (seeded from the
model's generator); pair attributes (similarity, distance, cost, trust, shared platforms) are
computed for each candidate from per-actor arrays (coordinates, language masks, neighbour lists)
rather than held in n x n matrices.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sscsim.kernels.hashing import find
from sscsim.kernels.random import below, uniform

# Modality codes; PLATFORM (regional projects) is written by `sscsim.processes.regional`.
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
SIDS_PRIORITY = 8
ACTION_COST = 9
MULTILATERAL_DISCOUNT = 10
INTERREGIONAL_MULTIPLIER = 11
CHAMPION_DISCOUNT = 12
COFUNDING_SHARE = 13
REFUNDABLE_SHARE = 14
AGREEMENT_TRUST = 15
W_FUNDER_COMEMBERSHIP = 16
W_FUNDER_REGION = 17
W_FUNDER_PIVOT = 18
W_FUNDER_FAMILIARITY = 19
FUNDER_POOL_EXPONENT = 20
COST_PER_1000_KM = 21
MAX_COST_FACTOR = 22
W_CONTIGUITY = 23
W_LANGUAGE = 24
W_PRIORITY = 25
N_REAL = 26
# Positions in the `integer` parameter array.
MIN_DURATION = 0
MAX_DURATION = 1
CANDIDATES = 2
FUNDER_CANDIDATES = 3
ATTEMPTS = 4
N_INTEGER = 5

# Tie layers as in sscsim.state.ties.Layer.
_BILATERAL_LAYER, _TRIANGULAR_LAYER, _PLATFORM_LAYER, _ODA_LAYER = 0, 1, 2, 3

EARTH_RADIUS_KM = 6371.0088  # as sscsim.geography.EARTH_RADIUS_KM (kernels import no package code)


@njit(cache=True)
def popcount(x: int) -> int:
    """Number of set bits of a non-negative int64."""
    count = 0
    while x:
        x &= x - 1
        count += 1
    return count


@njit(cache=True)
def distance_km(
    latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float
) -> float:
    """Great-circle (haversine) distance in km between two points given in radians, on a sphere
    of radius `EARTH_RADIUS_KM` (as `sscsim.geography.distance_km`); NaN if any is NaN."""
    if (
        np.isnan(latitude_a) or np.isnan(longitude_a)
        or np.isnan(latitude_b) or np.isnan(longitude_b)
    ):  # fmt: skip
        return np.nan
    half_phi = np.sin((latitude_b - latitude_a) / 2.0)
    half_lambda = np.sin((longitude_b - longitude_a) / 2.0)
    h = half_phi * half_phi + np.cos(latitude_a) * np.cos(latitude_b) * half_lambda * half_lambda
    h = min(max(h, 0.0), 1.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


@njit(cache=True)
def cost_factor(
    distance: float,
    same_region: bool,
    champion: bool,
    per_1000_km: float,
    cap: float,
    multiplier: float,
    champion_discount: float,
) -> float:
    """Cost of an action relative to one between neighbours (factor >= 1).

    The extra cost is `per_1000_km` per 1,000 km of `distance` (km between the capitals), at
    most `cap` - 1; without a distance (NaN: a capital without coordinates, a world without
    geography) it is the region rule: 0 within a region, `multiplier` - 1 across regions.
    A champion at either end cuts the extra by `champion_discount` (share).
    """
    if np.isnan(distance):
        if same_region:
            return 1.0
        extra = multiplier - 1.0
    else:
        extra = min(per_1000_km * distance / 1000.0, cap - 1.0)
    discount = champion_discount if champion else 0.0
    return 1.0 + extra * (1.0 - discount)


@njit(cache=True)
def pair_cost_factor(
    a: int,
    b: int,
    region: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    champion: bool,
    real: np.ndarray,
) -> float:
    """`cost_factor` of actors a and b (rows of `region`, `latitude`, `longitude`)."""
    distance = distance_km(latitude[a], longitude[a], latitude[b], longitude[b])
    return cost_factor(
        distance, region[a] == region[b], champion, real[COST_PER_1000_KM],
        real[MAX_COST_FACTOR], real[INTERREGIONAL_MULTIPLIER], real[CHAMPION_DISCOUNT],
    )  # fmt: skip


@njit(cache=True)
def mean_distance_km(rows: np.ndarray, latitude: np.ndarray, longitude: np.ndarray) -> float:
    """Mean great-circle distance (km) over the pairs of `rows` (int64 actor rows); NaN if a
    capital is unknown, 0 for fewer than two rows."""
    total = 0.0
    pairs = 0
    for x in range(rows.shape[0]):
        for y in range(x + 1, rows.shape[0]):
            a, b = rows[x], rows[y]
            total += distance_km(latitude[a], longitude[a], latitude[b], longitude[b])
            pairs += 1
    return total / pairs if pairs else 0.0


@njit(cache=True)
def contiguous(
    a: int, b: int, economy: np.ndarray, neighbour_indptr: np.ndarray, neighbour_rows: np.ndarray
) -> bool:
    """Whether the economies of actors a and b share a land border (False for one economy, or
    an actor without one). economy : int64 (n_actors,), -1 if none; neighbour_indptr,
    neighbour_rows : compressed rows over economies, increasing within an economy."""
    economy_a, economy_b = economy[a], economy[b]
    if economy_a < 0 or economy_b < 0 or economy_a == economy_b:
        return False
    start, stop = neighbour_indptr[economy_a], neighbour_indptr[economy_a + 1]
    if stop == start:
        return False
    at = start + np.searchsorted(neighbour_rows[start:stop], economy_b)
    return at < stop and neighbour_rows[at] == economy_b


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
    priority: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    languages: np.ndarray,
    economy: np.ndarray,
    neighbour_indptr: np.ndarray,
    neighbour_rows: np.ndarray,
    platform_mask: np.ndarray,
    active_platforms: int,
    trust: float,
    real: np.ndarray,
) -> float:
    """How attractive `provider` is to `recipient` for a request in `sector`:

    w_complementarity x capacity gap + w_similarity x similarity of context + w_trust x trust
    + w_comembership x min(shared active platforms, 2) / 2 - w_cost x (relative cost - 1).

    Similarity of context, in [0, 1]: ([same region] + [same income group] + [same SIDS status]
    + w_contiguity x [land border] + w_language x [a shared language]) / (3 + w_contiguity +
    w_language). Relative cost: `pair_cost_factor`. latitude, longitude : float64 (n_south,)
    radians; languages : int64 (n_south,) bit masks; economy, neighbour_indptr,
    neighbour_rows : as in `contiguous`. priority : int64 (n_south,), bit r set where a provider
    gives priority to recipients of region r (its own documented priorities), adding `W_PRIORITY`.
    """
    gap = capacity[provider, sector] - capacity[recipient, sector]
    w_contiguity, w_language = real[W_CONTIGUITY], real[W_LANGUAGE]
    border = contiguous(recipient, provider, economy, neighbour_indptr, neighbour_rows)
    speaks = (languages[recipient] & languages[provider]) != 0
    similarity = (
        (region[provider] == region[recipient])
        + (income_level[provider] == income_level[recipient])
        + (sids[provider] == sids[recipient])
        + w_contiguity * border
        + w_language * speaks
    ) / (3.0 + w_contiguity + w_language)
    shared = popcount(platform_mask[recipient] & platform_mask[provider] & active_platforms)
    factor = pair_cost_factor(
        recipient, provider, region, latitude, longitude,
        champion[recipient] or champion[provider], real,
    )  # fmt: skip
    return (
        real[W_COMPLEMENTARITY] * gap
        + real[W_SIMILARITY] * similarity
        + real[W_TRUST] * trust
        + real[W_COMEMBERSHIP] * min(shared, 2) / 2.0
        - real[W_COST] * (factor - 1.0)
        + real[W_PRIORITY] * ((priority[provider] >> region[recipient]) & 1)
    )


@njit(cache=True)
def funder_weight(
    partner: int,
    provider: int,
    recipient: int,
    pool: float,
    n_south: int,
    region: np.ndarray,
    platform_mask: np.ndarray,
    region_share: np.ndarray,
    pivot_indptr: np.ndarray,
    pivot_rows: np.ndarray,
    n_actors: int,
    table_keys: np.ndarray,
    table_rows: np.ndarray,
    strength: np.ndarray,
    alive: np.ndarray,
    real: np.ndarray,
) -> float:
    """How likely northern partner `partner` is to co-fund `provider` (the pivot) teaching
    `recipient`, given the co-funding `pool` it has left (USD):

    pool ** pool_exponent
      x (1 + w_comembership x [the partner shares a platform with the recipient])
      x (1 + w_region x the partner's share of its triangular work in the recipient's region)
      x (1 + w_pivot x [the provider is one of the partner's preferred pivots])
      x (1 + w_familiarity x strength of the partner's alive ODA tie to the recipient)

    region_share : float64 (n_north, n_regions); pivot_indptr, pivot_rows : the partner's
    preferred pivots, compressed rows, increasing within a partner.
    """
    weight = pool ** real[FUNDER_POOL_EXPONENT]
    if (platform_mask[n_south + partner] & platform_mask[recipient]) != 0:
        weight *= 1.0 + real[W_FUNDER_COMEMBERSHIP]
    if region[recipient] < region_share.shape[1]:
        weight *= 1.0 + real[W_FUNDER_REGION] * region_share[partner, region[recipient]]
    start, stop = pivot_indptr[partner], pivot_indptr[partner + 1]
    if stop > start:
        at = start + np.searchsorted(pivot_rows[start:stop], provider)
        if at < stop and pivot_rows[at] == provider:
            weight *= 1.0 + real[W_FUNDER_PIVOT]
    key = (_ODA_LAYER * n_actors + n_south + partner) * n_actors + recipient
    row = find(table_keys, table_rows, key)
    if row >= 0 and alive[row]:
        weight *= 1.0 + real[W_FUNDER_FAMILIARITY] * strength[row]
    return weight


@njit(cache=True)
def choose_funder(
    provider: int,
    recipient: int,
    northern_part: float,
    n_south: int,
    region: np.ndarray,
    platform_mask: np.ndarray,
    northern_pool: np.ndarray,
    region_share: np.ndarray,
    pivot_indptr: np.ndarray,
    pivot_rows: np.ndarray,
    n_actors: int,
    table_keys: np.ndarray,
    table_rows: np.ndarray,
    strength: np.ndarray,
    alive: np.ndarray,
    real: np.ndarray,
    funder_sample: int,
    funders: np.ndarray,
    weights: np.ndarray,
    state: np.ndarray,
) -> int:
    """The northern partner (index) that co-funds a triangular action, or -1 if none can.

    The partners considered: all, in order, if there are at most `funder_sample`, else
    `funder_sample` drawn uniformly with replacement. Those whose pool covers `northern_part`
    are drawn in proportion to `funder_weight` (one uniform). `funders`, `weights` : scratch
    arrays of at least `funder_sample` entries.
    """
    n_north = northern_pool.shape[0]
    considered = 0
    total = 0.0
    for j in range(min(n_north, funder_sample)):
        f = j if n_north <= funder_sample else below(state, n_north)
        if northern_pool[f] >= northern_part:
            w = funder_weight(
                f, provider, recipient, northern_pool[f], n_south, region, platform_mask,
                region_share, pivot_indptr, pivot_rows, n_actors, table_keys, table_rows,
                strength, alive, real,
            )  # fmt: skip
            if w > 0.0:
                funders[considered] = f
                weights[considered] = w
                total += w
                considered += 1
    if considered == 0:
        return -1
    target = uniform(state) * total
    running = 0.0
    for j in range(considered):
        running += weights[j]
        if running > target:
            return funders[j]
    return funders[considered - 1]


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
    priority: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    languages: np.ndarray,
    economy: np.ndarray,
    neighbour_indptr: np.ndarray,
    neighbour_rows: np.ndarray,
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
    northern_pool: np.ndarray,
    funder_region_share: np.ndarray,
    pivot_indptr: np.ndarray,
    pivot_rows: np.ndarray,
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
) -> tuple[int, int, int]:
    """Match and fund every request; returns (actions started, requests that lapsed for want of
    funding with a provider at hand, requests that found no eligible provider).

    Parameters
    ----------
    request_recipient, request_sector : int64 (n_requests,), in processing order.
    capacity : float64 (n_south, n_sectors). region, income_level : int64 (n_south,).
    sids, champion : bool (n_south,).
    latitude, longitude : float64 (n_south,), radians of the capitals, NaN where unknown.
    languages : int64 (n_south,), bit masks of the languages spoken.
    economy : int64 (n_south,), row of each actor's economy in the neighbour lists (-1: none);
        neighbour_indptr, neighbour_rows : the economies' land neighbours, compressed rows
        (`contiguous`).
    platform_mask : int64 (n_actors,), bit p set for members of platform p (northern rows after
        the Southern ones).
    offer_indptr, offer_rows : CSR of the providers offering each sector.
    slots : int64 (n_south,), new actions each provider can still start (updated).
    ssc_budget : float64 (n_south,), USD (updated).
    n_actors, table_keys, table_rows, strength, alive : the tie table (sscsim.state.ties.TieTable).
    agreement_keys, agreement_rows : hash table of standing agreements (key low * n + high).
    active_platforms : int64 bit mask of the platforms active this step.
    northern_pool : float64 (n_north,), triangular co-funding left this step, USD (updated).
    funder_region_share : float64 (n_north, n_regions), each partner's share of its triangular
        work by Southern region; pivot_indptr (n_north + 1,), pivot_rows : int64, each
        partner's preferred pivots (Southern rows, increasing within a partner). Funder choice:
        `choose_funder`.
    real, integer : parameters at the positions named in this module.
    state : uint64 (1,), the kernel generator (advanced).
    out_* : arrays of n_requests entries; the first `actions` are written: the request index,
        provider row, modality (0 bilateral, 1 triangular), funder actor row or -1,
        platform index (the first shared active platform whose organisation runs the action) or
        -1, cost (USD), duration (steps), refundable, run through a shared
        platform's organisation.
    """
    n_south = capacity.shape[0]
    n_north = northern_pool.shape[0]
    sample = integer[CANDIDATES]
    funder_sample = integer[FUNDER_CANDIDATES]
    candidates = np.empty(sample, dtype=np.int64)
    scores = np.empty(sample)
    valid = np.empty(sample, dtype=np.bool_)
    funders = np.empty(funder_sample, dtype=np.int64)
    funder_weight_scratch = np.empty(funder_sample)
    actions = 0
    lapsed = 0
    unmatched = 0
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
                priority, latitude, longitude, languages, economy, neighbour_indptr, neighbour_rows,
                platform_mask, active_platforms, trust, real,
            )  # fmt: skip
        funded = False
        had_provider = eligible > 0
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
            factor = pair_cost_factor(
                recipient, provider, region, latitude, longitude,
                champion[recipient] or champion[provider], real,
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
                funder = choose_funder(
                    provider, recipient, northern_part, n_south, region, platform_mask,
                    northern_pool, funder_region_share, pivot_indptr, pivot_rows, n_actors,
                    table_keys, table_rows, strength, alive, real, funder_sample, funders,
                    funder_weight_scratch, state,
                )  # fmt: skip
            appeal_triangular = real[TRIANGULAR_APPEAL] if funder >= 0 else 0.0
            total_appeal = appeal_bilateral + appeal_triangular
            if total_appeal <= 0.0:
                valid[k] = False
                eligible -= 1
                continue
            draw = uniform(state) * total_appeal
            modality = BILATERAL if draw < appeal_bilateral else TRIANGULAR
            refundable = False
            if modality == BILATERAL:
                if income_level[recipient] >= 1:
                    refundable = uniform(state) < real[REFUNDABLE_SHARE]
                ssc_budget[provider] -= cost
            else:
                northern_pool[funder] -= northern_part
                ssc_budget[provider] -= provider_part
            slots[provider] -= 1
            out_request[actions] = q
            out_provider[actions] = provider
            out_modality[actions] = modality
            out_funder[actions] = n_south + funder if modality == TRIANGULAR else -1
            platform = -1  # the organisation it runs through, if any: the lowest shared bit
            if organisation:
                platform = 0
                while not (shared_mask >> platform) & 1:
                    platform += 1
            out_platform[actions] = platform
            out_cost[actions] = cost
            out_duration[actions] = duration
            out_refundable[actions] = refundable
            out_organisation[actions] = organisation
            actions += 1
            funded = True
            break
        if not funded:
            if had_provider:
                lapsed += 1
            else:
                unmatched += 1
    return actions, lapsed, unmatched
