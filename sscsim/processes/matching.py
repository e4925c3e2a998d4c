"""Step 3, matching: requests are matched to providers and funded, and the actions start.

Partner choice and funding are the compiled kernel `sscsim.kernels.matching` (complementarity,
similarity of context, trust, platform co-membership and cost; land border, shared language and
distance are read from the actors' places, `sscsim.state.places`, as per-actor arrays; the
funding found decides the modality: the provider's fund or northern co-funding; platform
trust funds finance regional projects in `sscsim.processes.regional`). This module prepares
its inputs (`offer_lists`, `matching_parameters`), calls it (`match_requests`), and does the
bookkeeping of the actions it started (`start_actions`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sscsim.config import SSCConfig
from sscsim.kernels import matching as kernel
from sscsim.kernels.random import new_state
from sscsim.processes.requests import Requests
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.ledgers import Ledgers
from sscsim.state.modalities import MODALITIES, MODALITY, tie_layers
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import PlatformState
from sscsim.state.roster import Roster, interregional
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer, Network


class StartedActions(NamedTuple):
    """The actions the matching started this step, arrays over actions."""

    provider: np.ndarray  # int64 country row
    recipient: np.ndarray  # int64 country row
    sector: np.ndarray  # int64
    modality: np.ndarray  # int64 modality code (`sscsim.state.modalities`)
    funder: np.ndarray  # int64 actor row of the northern co-funder, -1 if none
    platform: np.ndarray  # int64 index of the shared platform it runs through, -1 if none
    cost: np.ndarray  # float64 USD
    duration: np.ndarray  # int64 steps
    refundable: np.ndarray  # bool
    organisation: np.ndarray  # bool: run through a regional or multilateral organisation


def offer_lists(offers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The directory of cooperation sources: the providers of each sector in compressed rows.

    Returns (indptr (n_sectors + 1,), rows): the providers of sector s are
    ``rows[indptr[s]:indptr[s + 1]]``, in increasing order.
    """
    sector, provider = np.nonzero(offers.T)
    indptr = np.zeros(offers.shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(sector, minlength=offers.shape[1]), out=indptr[1:])
    return indptr, provider.astype(np.int64)


def matching_parameters(config: SSCConfig, geography: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The matching kernel's parameter arrays (real, integer) from the configuration; without
    `geography` (a world without a geography table) land border and language weigh nothing in
    similarity, the former rule."""
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
    real[kernel.SIDS_PRIORITY] = config.scenario.sids_priority
    real[kernel.ACTION_COST] = funding.action_cost_usd
    real[kernel.MULTILATERAL_DISCOUNT] = funding.multilateral_cost_discount
    real[kernel.INTERREGIONAL_MULTIPLIER] = funding.interregional_cost_multiplier
    real[kernel.CHAMPION_DISCOUNT] = funding.champion_interregional_discount
    real[kernel.COFUNDING_SHARE] = funding.triangular_cofunding_share
    real[kernel.REFUNDABLE_SHARE] = funding.refundable_share
    real[kernel.AGREEMENT_TRUST] = config.world.partnership_trust
    real[kernel.W_FUNDER_COMEMBERSHIP] = params.funder_weight_comembership
    real[kernel.W_FUNDER_REGION] = params.funder_weight_region
    real[kernel.W_FUNDER_PIVOT] = params.funder_weight_pivot
    real[kernel.W_FUNDER_FAMILIARITY] = params.funder_weight_familiarity
    real[kernel.FUNDER_POOL_EXPONENT] = params.funder_pool_exponent
    real[kernel.COST_PER_1000_KM] = funding.cost_per_1000_km
    real[kernel.MAX_COST_FACTOR] = funding.max_cost_factor
    real[kernel.W_CONTIGUITY] = params.similarity_weight_contiguity if geography else 0.0
    real[kernel.W_LANGUAGE] = params.similarity_weight_language if geography else 0.0
    real[kernel.W_PRIORITY] = params.weight_priority
    integer = np.zeros(kernel.N_INTEGER, dtype=np.int64)
    integer[kernel.MIN_DURATION] = params.min_duration_quarters
    integer[kernel.MAX_DURATION] = params.max_duration_quarters
    integer[kernel.CANDIDATES] = params.candidate_sample
    integer[kernel.FUNDER_CANDIDATES] = params.funder_sample
    integer[kernel.ATTEMPTS] = params.provider_attempts
    return real, integer


def match_requests(
    requests: Requests,
    roster: Roster,
    countries: Countries,
    north: NorthernPartners,
    platforms: PlatformState,
    network: Network,
    tallies: StepTallies,
    config: SSCConfig,
    rng: np.random.Generator,
) -> StartedActions:
    """Step 3, partner choice and funding: the kernel picks a provider for each request (in
    order) and finds its funding, drawing from the funds as it goes; returns the actions it
    started. Funds (`countries.ssc_budget`, `north.triangular_pool`) are debited in place;
    `tallies.unfunded` counts the requests that lapsed for want of money with a provider at
    hand, `tallies.unmatched` those that found no eligible provider."""
    n = countries.n
    size = len(requests.recipient)
    out = {
        "provider": np.empty(size, dtype=np.int64),
        "modality": np.empty(size, dtype=np.int64),
        "funder": np.empty(size, dtype=np.int64),
        "platform": np.empty(size, dtype=np.int64),
        "cost": np.empty(size),
        "duration": np.empty(size, dtype=np.int64),
        "refundable": np.empty(size, dtype=np.bool_),
        "organisation": np.empty(size, dtype=np.bool_),
    }
    request = np.empty(size, dtype=np.int64)
    offer_indptr, offer_rows = offer_lists(countries.offers)
    per_step = config.matching.slots_per_initiative * countries.engagement / config.steps_per_year
    slots = np.maximum(np.ceil(per_step * countries.institutional), 1).astype(np.int64)
    places = roster.geography()
    real, integer = matching_parameters(config, places.known)
    ties = network.ties
    started, lapsed, unmatched = kernel.match_requests(
        requests.recipient,
        requests.sector,
        countries.capacity,
        roster.region[:n],
        countries.income_level,
        roster.sids[:n],
        countries.is_champion,
        countries.priority_regions,
        places.latitude[:n],
        places.longitude[:n],
        places.languages[:n],
        places.economy[:n],
        places.neighbour_indptr,
        places.neighbour_rows,
        platforms.member_bits,
        offer_indptr,
        offer_rows,
        slots,
        countries.ssc_budget,
        ties.n_actors,
        ties.table_keys,
        ties.table_rows,
        ties.strength,
        ties.alive,
        network.agreement_keys,
        network.agreement_rows,
        platforms.active_mask(),
        north.triangular_pool,
        north.policy.region_share,
        north.policy.pivot_indptr,
        north.policy.pivot_rows,
        real,
        integer,
        new_state(rng),
        request,
        *out.values(),
    )
    tallies.unfunded = lapsed
    tallies.unmatched = unmatched
    chosen = request[:started]
    return StartedActions(
        recipient=requests.recipient[chosen],
        sector=requests.sector[chosen],
        **{name: values[:started] for name, values in out.items()},
    )


def start_actions(
    started: StartedActions,
    clock: Clock,
    roster: Roster,
    countries: Countries,
    platforms: PlatformState,
    network: Network,
    ledgers: Ledgers,
    tallies: StepTallies,
    config: SSCConfig,
) -> None:
    """Step 3, bookkeeping: spending by source, counts by modality, repayments due, the ties of
    provider, recipient and co-funder, running actions, platform participation, the log."""
    funding = config.funding
    provider, recipient, sector = started.provider, started.recipient, started.sector
    modality, cost = started.modality, started.cost
    bilateral, triangular, platform = (
        modality == MODALITY[name].code for name in ("bilateral", "triangular", "platform")
    )
    provider_part = cost * (1.0 - funding.triangular_cofunding_share)
    tallies.southern_funds += float(cost[bilateral].sum() + provider_part[triangular].sum())
    tallies.northern_triangular += float((cost - provider_part)[triangular].sum())
    tallies.platform_funds += float(cost[platform].sum())
    sources = ledgers.sources  # the accounts of the directory of sources
    sources.add("spent", provider[bilateral], cost[bilateral])
    sources.add("spent", provider[triangular], provider_part[triangular])
    sources.add("spent", started.funder[triangular], (cost - provider_part)[triangular])
    sources.count(np.concatenate([provider[bilateral], started.funder[triangular]]))
    by_modality = np.bincount(modality, minlength=len(MODALITIES))
    tallies.actions += by_modality
    ledgers.modality_totals += by_modality

    refundable = started.refundable
    instalments = max(1, round(funding.repayment_years * clock.steps_per_year))
    ledgers.repayments.add_many(
        recipient[refundable], provider[refundable], cost[refundable], instalments
    )

    ties = network.ties
    tie_key = ties.encode(tie_layers(modality), provider, recipient)
    funder = started.funder[triangular]
    funder_keys = ties.encode(
        Layer.TRIANGULAR,
        np.concatenate([funder, funder]),
        np.concatenate([provider[triangular], recipient[triangular]]),
    )
    ties.reinforce_keys(funder_keys, clock.period, config.ties.reinforcement)
    ties.reinforce_keys(tie_key, clock.period, config.ties.reinforcement)
    ledgers.running.start(
        provider=provider,
        recipient=recipient,
        sector=sector,
        end=clock.period + started.duration,
        tie_key=tie_key,
    )
    np.add.at(countries.served, (recipient, sector), 1)
    funded_by_platform = started.platform[platform]
    platforms.last_participation[funded_by_platform, provider[platform]] = clock.period
    platforms.last_participation[funded_by_platform, recipient[platform]] = clock.period
    np.add.at(tallies.actions_by_country, provider, 1)
    np.add.at(tallies.actions_by_country, recipient, 1)
    across = interregional(roster, provider, recipient)
    if config.output.record_actions:
        count = len(provider)
        ledgers.actions.record(
            period=np.full(count, clock.stamp),
            year=np.full(count, clock.calendar_year),
            quarter=np.full(count, clock.quarter),
            provider=provider,
            recipient=recipient,
            funder=started.funder,
            platform=started.platform,
            modality=modality,
            sector=sector,
            cost=cost,
            duration=started.duration,
            organisation=started.organisation,
            refundable=refundable,
            interregional=across,
        )
    tallies.interregional_actions = int(across.sum())
