"""Process unit tests: each step of docs/ODD.md on a small hand-built state (tests/tiny_state.py),
without world tables or a model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tiny_state as tiny

from sscsim.config import Eligibility
from sscsim.processes.budgets import allocate_budgets, southern_budget_inflow
from sscsim.processes.diffusion import (
    LearningTies,
    channel_changes,
    diffuse_knowledge,
    peer_learning_ties,
)
from sscsim.processes.domestic import capacity_potential, domestic_dynamics
from sscsim.processes.eligibility import update_eligibility
from sscsim.processes.events import Event, apply_event, hold_platform_events
from sscsim.processes.initialisation import add_agreement_ties, agreement_pairs
from sscsim.processes.matching import match_requests, start_actions
from sscsim.processes.requests import Requests, state_offers_and_requests
from sscsim.processes.ties_and_platforms import update_ties_and_platforms
from sscsim.state.clock import Clock
from sscsim.state.ledgers import Ledgers, Repayments
from sscsim.state.modalities import MODALITY
from sscsim.state.roster import (
    ASIA_PACIFIC,
    CAPACITY_SPREAD_SD,
    LAC,
    Kind,
    documented_strengths,
    initial_capacity,
    load_sector_strengths,
)
from sscsim.state.tallies import CAPACITY_CHANNELS, StepTallies
from sscsim.state.ties import Layer, TieTable


# --- 1. budgets ----------------------------------------------------------------------------
def test_budgets_fill_funds_by_the_stated_rule_and_pay_platform_contributions():
    roster = tiny.roster()
    countries = tiny.countries(roster, ssc_budget=0.0)
    north, platforms, network = (
        tiny.north(roster),
        tiny.platforms(roster, fund=0.0),
        tiny.network(roster),
    )
    repayments = Repayments()
    repayments.add(debtor=0, creditor=1, amount=800.0, instalments=2)
    tallies, config = StepTallies(roster.n_actors), tiny.config()
    allocate_budgets(
        Clock(2025, 4, 8), countries, north, platforms, network, repayments, tallies, config
    )

    inflow = southern_budget_inflow(countries.base_budget, countries.gdp, countries.initial_gdp, 4)
    np.testing.assert_allclose(inflow, 1e6)
    contribution = inflow * config.funding.member_contribution_share
    expected = inflow - contribution + np.array([0.0, 400.0, 0.0, 0.0])
    np.testing.assert_allclose(countries.ssc_budget, expected)
    # Every Southern member contributes to the one platform; the northern partner's trust-fund
    # money goes to no fund (the platform's northern weight is 0).
    assert platforms.fund[0] == pytest.approx(contribution.sum())
    assert tallies.repayments == pytest.approx(400.0)
    assert tallies.southern_contributions == pytest.approx(contribution.sum())
    # ODA: GNI x ODA/GNI / 4 a quarter, split; the bilateral part reaches the eligible recipients.
    total = 1e12 * 0.5 / 100 / 4
    assert north.budgets.total.sum() == pytest.approx(total)
    # Only country programmable aid is allocated to recipients (was: all bilateral ODA).
    assert countries.oda_received.sum() == pytest.approx(config.funding.cpa_share_of_oda * total)
    assert tallies.oda_bilateral == pytest.approx(north.budgets.country_programmable.sum())
    np.testing.assert_array_equal(north.triangular_pool, north.budgets.triangular)


def test_budgets_account_for_all_oda_and_keep_co_funding_for_the_year():
    """Each step: ODA = CPA allocated + the rest (non-CPA) + triangular pools + trust funds;
    pools carry over within a year and what is left is returned at its end."""
    roster = tiny.roster(n_north=2)
    countries = tiny.countries(roster)
    north, platforms, network = tiny.north(roster), tiny.platforms(roster), tiny.network(roster)
    north.policy.triangular_line[:] = [4e6, np.nan]  # the second partner: the floor
    config = tiny.config(funding={"triangular_budget_scale": 0.5})
    clock = Clock(2025, 4, 8)
    pools_added, returned, spent = 0.0, 0.0, 0.0
    for step in range(6):
        tallies = StepTallies(roster.n_actors)
        before = north.triangular_pool.copy()
        allocate_budgets(clock, countries, north, platforms, network, Repayments(), tallies, config)
        total = north.budgets.total.sum()
        accounted = (
            tallies.oda_bilateral
            + tallies.oda_non_programmable
            + tallies.northern_triangular_pools
            + tallies.northern_trust_funds
        )
        assert accounted == pytest.approx(total, rel=1e-12)
        assert tallies.northern_triangular_pools == pytest.approx((4e6 + 1e-5 * 5e9) * 0.5 / 4)
        if clock.quarter == 1 and step > 0:
            assert tallies.northern_triangular_returned == pytest.approx(before.sum())
        else:
            np.testing.assert_allclose(north.triangular_pool, before + north.budgets.triangular)
        pools_added += tallies.northern_triangular_pools
        returned += tallies.northern_triangular_returned
        north.triangular_pool[0] -= 1e5  # a triangular action co-funded
        spent += 1e5
        clock.advance()
    assert pools_added == pytest.approx(returned + spent + north.triangular_pool.sum())


def test_budgets_follow_each_partners_own_path():
    roster = tiny.roster(n_north=2)
    countries = tiny.countries(roster)
    north, platforms, network = tiny.north(roster), tiny.platforms(roster), tiny.network(roster)
    north.path_years = np.array([2025, 2026])
    north.path_multipliers = np.array([[1.0, 0.5], [0.9, 0.9]])
    config = tiny.config(scenario={"oda_cut_depth": 0.5, "oda_cut_start_year": 2026})
    clock = Clock(2025, 4, 8)
    for _ in range(4):
        clock.advance()  # 2026 Q1: both paths and the uniform cut apply
    tallies = StepTallies(roster.n_actors)
    allocate_budgets(clock, countries, north, platforms, network, Repayments(), tallies, config)
    np.testing.assert_allclose(north.partner_multiplier, [0.25, 0.45])
    np.testing.assert_allclose(north.budgets.total, 1e12 * 0.5 / 100 / 4 * np.array([0.25, 0.45]))
    assert north.oda_multiplier == pytest.approx(0.35)


def test_budgets_cap_carried_over_money_and_reinforce_oda_ties():
    roster = tiny.roster()
    countries = tiny.countries(roster, ssc_budget=1e12)  # far above the carry-over cap
    north, platforms, network = tiny.north(roster), tiny.platforms(roster), tiny.network(roster)
    north.portfolio_donor, north.portfolio_recipient = np.array([0, 0]), np.array([1, 3])
    config = tiny.config(funding={"budget_carryover_years": 1.0})
    tallies = StepTallies(roster.n_actors)
    allocate_budgets(
        Clock(2025, 4, 8), countries, north, platforms, network, Repayments(), tallies, config
    )
    inflow = southern_budget_inflow(countries.base_budget, countries.gdp, countries.initial_gdp, 4)
    np.testing.assert_allclose(countries.ssc_budget, 4 * inflow)
    # What exceeds the cap goes back to the treasuries, as a reported flow: nothing vanishes.
    contribution = inflow * config.funding.member_contribution_share
    assert tallies.southern_returned == pytest.approx(
        (1e12 + inflow - contribution - 4 * inflow).sum()
    )
    network.refresh()
    oda = network.alive.layer == Layer.ODA
    assert sorted(zip(network.alive.source[oda], network.alive.target[oda], strict=True)) == [
        (4, 1),
        (4, 3),
    ]


def test_countries_in_no_platform_pay_no_contribution():
    roster = tiny.roster()
    countries = tiny.countries(roster, ssc_budget=0.0)
    members = [[True, True, False, False, False]]  # countries 2 and 3 belong to no platform
    platforms = tiny.platforms(roster, members=members, fund=0.0)
    tallies, config = StepTallies(roster.n_actors), tiny.config()
    allocate_budgets(
        Clock(2025, 4, 8), countries, tiny.north(roster), platforms, tiny.network(roster),
        Repayments(), tallies, config,
    )  # fmt: skip
    share = config.funding.member_contribution_share
    np.testing.assert_allclose(countries.ssc_budget, [1e6 * (1 - share)] * 2 + [1e6] * 2)
    assert platforms.fund[0] == pytest.approx(2e6 * share) == tallies.southern_contributions
    assert tallies.southern_inflow == pytest.approx(4e6)


# --- 2. offers and requests ----------------------------------------------------------------
def test_requests_skip_sectors_already_served_and_champions_offer_more():
    roster = tiny.roster(kind=[Kind.CHAMPION, Kind.MIC, Kind.MIC, Kind.SIDS])
    countries = tiny.countries(
        roster,
        capacity=[[0.9, 0.8], [0.95, 0.85], [0.1, 0.3], [0.2, 0.05]],
        institutional=[1.0] * 4,
    )
    countries.served[2, 0] = 1  # a running action serves country 2 in its weakest sector
    config = tiny.config(
        matching={
            "request_intensity": 40.0,  # 40 x 40 initiatives a year: requests in every step
            "max_running_per_sector": 1,
            "request_sectors": 1,
            "offer_sectors": 1,
            "offer_quantile": 0.0,
        }
    )
    tallies = StepTallies(roster.n_actors)
    requests = state_offers_and_requests(
        countries, tallies, config.matching, 4, np.random.default_rng(1)
    )
    stated = sorted(zip(requests.recipient.tolist(), requests.sector.tolist(), strict=True))
    assert stated == [(0, 1), (1, 1), (3, 1)]  # one each (room for one), none where served
    assert tallies.requests == 3
    # The champion offers in both sectors where it is above the quantile; others in one.
    assert countries.offers[0].sum() == 2
    assert countries.offers[1].sum() == 1


def test_requests_follow_engagement_on_average():
    roster = tiny.roster()
    countries = tiny.countries(roster, institutional=[1.0] * 4)
    countries.engagement[:] = [0.0, 10.0, 20.0, 40.0]
    config = tiny.config(matching={"request_intensity": 1.0, "max_running_per_sector": 10**6})
    rng, counts = np.random.default_rng(7), np.zeros(4)
    for _ in range(400):
        requests = state_offers_and_requests(
            countries, StepTallies(roster.n_actors), config.matching, 4, rng
        )
        counts += np.bincount(requests.recipient, minlength=4)
    np.testing.assert_allclose(counts / 400, [0.0, 2.5, 5.0, 10.0], rtol=0.1)


def test_no_agency_capacity_and_no_floor_means_no_requests():
    roster = tiny.roster()
    countries = tiny.countries(roster, institutional=[0.0] * 4)
    config = tiny.config(matching={"request_intensity": 5.0, "request_agency_floor": 0.0})
    requests = state_offers_and_requests(
        countries, StepTallies(roster.n_actors), config.matching, 4, np.random.default_rng(2)
    )
    assert len(requests.recipient) == 0


# --- 3. matching --------------------------------------------------------------------------
def _matching_case(ssc_budget: float):
    roster = tiny.roster(n_north=1)
    countries = tiny.countries(
        roster, capacity=[[0.9, 0.9], [0.1, 0.1], [0.2, 0.2], [0.15, 0.15]], ssc_budget=ssc_budget
    )
    countries.offers[:] = False
    countries.offers[0, 0] = True  # one provider, in sector 0
    north, platforms, network = (
        tiny.north(roster),
        tiny.platforms(roster, fund=0.0),
        tiny.network(roster),
    )
    north.triangular_pool[:] = 0.0  # no co-funding: only the provider's fund can pay
    config = tiny.config(funding={"refundable_share": 0.0})
    tallies, ledgers = StepTallies(roster.n_actors), Ledgers()
    requests = Requests(np.array([1]), np.array([0]))
    started = match_requests(
        requests,
        roster,
        countries,
        north,
        platforms,
        network,
        tallies,
        config,
        np.random.default_rng(3),
    )
    start_actions(
        started, Clock(2025, 4, 8), roster, countries, platforms, network, ledgers, tallies, config
    )
    return countries, network, ledgers, tallies, started


def test_a_funded_request_starts_a_bilateral_action_paid_by_the_provider():
    countries, network, ledgers, tallies, started = _matching_case(ssc_budget=1e7)
    assert started.provider.tolist() == [0] and started.recipient.tolist() == [1]
    assert started.modality.tolist() == [MODALITY["bilateral"].code]
    cost = float(started.cost[0])
    assert countries.ssc_budget[0] == pytest.approx(1e7 - cost)
    assert tallies.southern_funds == pytest.approx(cost)
    assert tallies.actions[MODALITY["bilateral"].code] == 1
    assert ledgers.modality_totals.sum() == 1 and len(ledgers.running) == 1
    assert countries.served[1, 0] == 1
    network.refresh()
    assert list(
        zip(network.alive.layer, network.alive.source, network.alive.target, strict=True)
    ) == [(Layer.BILATERAL, 0, 1)]
    frame = ledgers.actions.frame(np.array(["A", "B", "C", "D", "N"]), tiny.SECTORS, ["P0"])
    assert frame.loc[0, ["provider", "recipient", "modality", "period"]].tolist() == [
        "A",
        "B",
        "bilateral",
        1,
    ]


def test_a_request_lapses_when_no_fund_can_pay():
    countries, _network, ledgers, tallies, started = _matching_case(ssc_budget=0.0)
    assert len(started.provider) == 0
    assert tallies.unfunded == 1
    assert len(ledgers.running) == 0 and countries.ssc_budget[0] == 0.0


# --- 4. events ----------------------------------------------------------------------------
def test_an_event_is_paid_ties_all_pairs_and_teaches_from_the_most_capable():
    roster = tiny.roster()
    countries = tiny.countries(roster, capacity=[[0.3, 0.1], [0.9, 0.2], [0.5, 0.3], [0.4, 0.4]])
    platforms, network, ledgers = (
        tiny.platforms(roster, fund=500_000.0),
        tiny.network(roster),
        Ledgers(),
    )
    tallies, config = StepTallies(roster.n_actors), tiny.config()
    event = Event(
        0,
        host=1,
        participants=np.array([0, 1, 2, 3]),
        sector=0,
        from_fund=60_000.0,
        host_share=40_000.0,
    )
    learning = apply_event(
        event,
        Clock(2025, 4, 8),
        roster,
        countries,
        platforms,
        network,
        ledgers,
        tallies,
        config,
        tiny.SECTORS,
    )
    assert platforms.fund[0] == pytest.approx(440_000.0)
    assert countries.ssc_budget[1] == pytest.approx(1e6 - 40_000.0)
    assert tallies.platform_funds == 60_000.0 and tallies.southern_funds == 40_000.0
    network.refresh()
    assert len(network.alive.rows) == 6 and (network.alive.layer == Layer.PLATFORM).all()
    # Interregional pairs (Asia-Pacific 0, 1 with LAC 2, 3) are reinforced more.
    strength = network.ties.strength_of(network.ties.encode(Layer.PLATFORM, [0, 0], [1, 2]))
    assert strength[1] > strength[0]
    assert learning.teacher.tolist() == [1, 1, 1] and learning.learner.tolist() == [0, 2, 3]
    assert (learning.sector == 0).all()
    frame = ledgers.events.frame()
    assert frame.loc[0, ["platform", "host", "participants", "interregional_pairs"]].tolist() == [
        "P0",
        "S01",
        4,
        4,
    ]
    assert frame.loc[0, "cost_usd"] == 100_000.0
    assert tallies.actions_by_country[:4].tolist() == [1, 1, 1, 1]


def test_events_take_effect_in_the_order_platforms_decide():
    roster = tiny.roster()
    countries, platforms = tiny.countries(roster), tiny.platforms(roster)
    network, ledgers, tallies = tiny.network(roster), Ledgers(), StepTallies(roster.n_actors)
    seen_funds = []

    class Convener:
        def __init__(self, event):
            self.event = event

        def convene(self):
            seen_funds.append(float(platforms.fund[0]))
            return self.event

    event = Event(0, -1, np.array([0, 2]), 1, 100.0, 0.0)
    learning = hold_platform_events(
        [Convener(event), Convener(None), Convener(event)], Clock(2025, 4, 8), roster, countries,
        platforms, network, ledgers, tallies, tiny.config(), tiny.SECTORS,
    )  # fmt: skip
    assert seen_funds == [1e6, 1e6 - 100.0, 1e6 - 100.0]
    assert len(learning) == 2 and tallies.events == 2 and len(ledgers.events) == 2


# --- 5. diffusion -------------------------------------------------------------------------
def test_running_actions_teach_in_their_sector_and_capacity_views_stay_current():
    roster = tiny.roster()
    countries = tiny.countries(roster, capacity=[[0.9, 0.9], [0.1, 0.1], [0.5, 0.5], [0.5, 0.5]])
    network, ledgers, tallies = tiny.network(roster), Ledgers(), StepTallies(roster.n_actors)
    key = network.ties.encode(Layer.BILATERAL, np.array([0]), np.array([1]))
    network.ties.reinforce_keys(key, 0, 0.5)
    ledgers.running.start(
        provider=np.array([0]),
        recipient=np.array([1]),
        sector=np.array([0]),
        end=np.array([3]),
        tie_key=key,
    )
    view = countries.capacity[1]  # what CountryAgent.capacity returns
    config = tiny.config(diffusion={"tie_learning_rate": 0.0, "adoption_probability": 0.0})
    diffuse_knowledge(
        [],
        Clock(2025, 4, 8),
        countries,
        ledgers.running,
        network,
        tallies,
        config,
        np.random.default_rng(4),
    )
    assert countries.capacity[1, 0] > 0.1  # learned in the action's sector
    assert countries.capacity[1, 1] == 0.1  # not in the other
    assert countries.capacity[2, 0] == 0.5
    assert view[0] == countries.capacity[1, 0]  # the view is the current capacity
    assert tallies.learning_ties == 1
    # The running action kept its tie alive and stronger.
    assert network.ties.strength_of(key)[0] > 0.5


def test_peer_learning_runs_both_ways_along_southern_ties_only():
    # Peer ties teach in the sectors of their joint actions (formerly every sector).
    roster = tiny.roster()
    network = tiny.network(roster)
    rows = network.ties.reinforce(Layer.BILATERAL, [0], [2], 0, 0.5)
    network.ties.add_sectors(rows, 1)
    oda = network.ties.reinforce(Layer.ODA, [4], [1], 0, 0.5)
    network.ties.add_sectors(oda, 0)
    network.refresh()
    peers = peer_learning_ties(network, roster.n_south, rate=0.1, n_sectors=2)
    assert peers.teacher.tolist() == [0] and peers.learner.tolist() == [2]
    assert peers.sector.tolist() == [1] and peers.channel == "peers"
    assert peers.reciprocal.tolist() == [True] and len(peers) == 2
    assert peers.weight[0] == pytest.approx(0.05)
    assert len(peer_learning_ties(network, roster.n_south, rate=0.0, n_sectors=2)) == 0


def test_peer_ties_teach_only_the_sectors_of_their_actions_and_events():
    roster = tiny.roster()
    countries = tiny.countries(roster, capacity=[[0.9, 0.9], [0.1, 0.1], [0.9, 0.9], [0.1, 0.1]])
    network, ledgers = tiny.network(roster), Ledgers()
    # A tie with no joint action yet (a standing agreement) teaches nothing.
    agreement = network.ties.encode(Layer.BILATERAL, np.array([2]), np.array([3]))
    network.ties.reinforce_keys(agreement, -1, 0.5)
    # A running action in sector 0 records its sector on its tie.
    key = network.ties.encode(Layer.BILATERAL, np.array([0]), np.array([1]))
    network.ties.reinforce_keys(key, 0, 0.5)
    ledgers.running.start(
        provider=np.array([0]), recipient=np.array([1]), sector=np.array([0]),
        end=np.array([1]), tie_key=key,
    )  # fmt: skip
    network.refresh()
    config = tiny.config(diffusion={"learning_rate": 0.0, "adoption_probability": 0.0})
    args = (Clock(2025, 4, 8), countries, ledgers.running, network)
    diffuse_knowledge([], *args, StepTallies(roster.n_actors), config, np.random.default_rng(1))
    row = network.ties.reinforce_keys(key, 0, 0.0)  # look the row up (amount 0: unchanged)
    assert network.ties.sectors[row].tolist() == [0b01]
    assert countries.capacity[1, 0] > 0.1  # peer learning in the action's sector
    assert countries.capacity[1, 1] == 0.1  # not in the other
    np.testing.assert_array_equal(countries.capacity[3], [0.1, 0.1])  # the agreement: nothing
    # The step's change is all peer learning (learning_rate 0, no events, no pilots).
    tallies = StepTallies(roster.n_actors)
    before = countries.capacity.copy()
    diffuse_knowledge([], *args, tallies, config, np.random.default_rng(1))
    gain = dict(zip(CAPACITY_CHANNELS, tallies.capacity_gain, strict=True))
    assert gain["peers"] == pytest.approx((countries.capacity - before).mean())
    assert gain["peers"] > 0
    assert gain["actions"] == 0.0 and gain["events"] == 0.0


def test_an_event_records_its_theme_on_the_platform_ties():
    roster = tiny.roster()
    countries, platforms, network = (
        tiny.countries(roster),
        tiny.platforms(roster),
        tiny.network(roster),
    )
    event = Event(0, -1, np.array([0, 1, 2]), sector=1, from_fund=1e5, host_share=0.0)
    learning = apply_event(
        event, Clock(2025, 4, 8), roster, countries, platforms, network, Ledgers(),
        StepTallies(roster.n_actors), tiny.config(), tiny.SECTORS,
    )  # fmt: skip
    assert learning.channel == "events"
    network.refresh()
    assert (network.ties.sectors[network.alive.rows] == 0b10).all()
    assert len(network.alive.rows) == 3


def test_the_channels_add_up_to_the_change_of_capacity():
    roster = tiny.roster()
    rng = np.random.default_rng(7)
    countries = tiny.countries(roster, capacity=rng.uniform(0.1, 0.9, (4, 2)).tolist())
    countries.initial_capacity[:] = rng.uniform(0.1, 0.9, (4, 2))  # some above, some below
    countries.gni_per_capita *= 1.5  # income growth: potential has risen
    countries.oda_received[:] = [0.0, 1e9, 0.0, 5e8]
    network, ledgers = tiny.network(roster), Ledgers()
    keys = network.ties.encode(Layer.BILATERAL, np.array([0, 2, 1]), np.array([1, 3, 3]))
    network.ties.reinforce_keys(keys, 0, 0.6)
    ledgers.running.start(
        provider=np.array([0, 2, 1]), recipient=np.array([1, 3, 3]), sector=np.array([0, 1, 1]),
        end=np.array([4, 4, 4]), tie_key=keys,
    )  # fmt: skip
    network.refresh()
    # Strong learning, so that the cap at the best teacher binds in some cells.
    config = tiny.config(
        diffusion={"learning_rate": 0.9, "tie_learning_rate": 0.5, "adoption_probability": 1.0,
                   "adoption_gap": 0.0},
    )  # fmt: skip
    event = LearningTies(np.array([2, 2]), np.array([1, 3]), np.array([1, 1]), np.array([0.9, 0.9]))
    tallies = StepTallies(roster.n_actors)
    tallies.actions_by_country[:4] = 1
    before = countries.capacity.copy()
    diffuse_knowledge(
        [event], Clock(2025, 4, 8), countries, ledgers.running, network, tallies, config, rng
    )  # fmt: skip
    learned = countries.capacity.copy()
    domestic_dynamics(countries, roster, tallies, 4, config)
    gain = dict(zip(CAPACITY_CHANNELS, tallies.capacity_gain, strict=True))
    total = (countries.capacity - before).mean()
    assert sum(gain.values()) == pytest.approx(total, abs=1e-12)
    # Diffusion and adoption add up to step 5's change, the domestic channels to step 6's.
    step5 = sum(gain[c] for c in ("actions", "events", "peers", "adoption"))
    assert step5 == pytest.approx((learned - before).mean(), abs=1e-12)
    for channel in ("actions", "events", "peers", "oda", "potential_growth"):
        assert gain[channel] > 0, channel
    assert gain["depreciation"] < 0
    assert gain["own_investment"] >= 0


def test_separate_channels_are_attributed_the_capped_change_in_proportion():
    capacity = np.array([[0.9], [0.1]])
    absorptive = np.ones(2)
    one = LearningTies(np.array([0]), np.array([1]), np.array([0]), np.array([0.75]))
    two = LearningTies(np.array([0]), np.array([1]), np.array([0]), np.array([0.5]))
    # Raw gains 0.6 and 0.4 add to 1.0, capped at the teacher's 0.9: the change 0.8 is shared
    # 0.48 / 0.32 (proportionally), which adds up; separate runs would give 0.6 + 0.4.
    learned = np.array([[0.9], [0.9]])
    np.testing.assert_allclose(channel_changes(capacity, learned, [one, two], absorptive),
                               [0.48, 0.32])  # fmt: skip


# --- 6. domestic dynamics ---------------------------------------------------------------------
def test_capacity_relaxes_toward_potential_and_agency_learning_is_capped():
    roster = tiny.roster()
    countries = tiny.countries(roster)
    countries.capacity[0] += 0.1  # above potential: depreciates
    countries.capacity[1] -= 0.1  # below: own investment closes the gap
    tallies = StepTallies(roster.n_actors)
    tallies.actions_by_country[:4] = [0, 1, 4, 40]
    config = tiny.config(
        funding={"oda_capacity_effect": 0.0},
        domestic={"institutional_learning": 0.01, "institutional_learning_max_actions": 4},
    )
    before = countries.institutional.copy()
    gdp = countries.gdp.copy()
    potential = capacity_potential(countries, roster, config.domestic.agency_potential_effect)
    gap_before = np.abs(countries.capacity - potential)
    domestic_dynamics(countries, roster, tallies, 4, config)
    assert (np.abs(countries.capacity[:2] - potential[:2]) < gap_before[:2]).all()
    gain = countries.institutional - before
    assert gain[0] < 0  # no action: decays
    assert gain[2] == pytest.approx(gain[3])  # 40 actions count as 4
    assert gain[2] > gain[1] > 0
    np.testing.assert_allclose(countries.gdp, gdp * 1.03**0.25)


def test_professionalisation_without_cooperation_leaves_capacity_unchanged():
    # No actions, no events; alive ties from standing agreements (no joint action yet) and ODA.
    def run(rate: float) -> tuple[np.ndarray, np.ndarray]:
        roster = tiny.roster()
        countries = tiny.countries(roster)
        countries.capacity[0] += 0.05
        countries.oda_received[:] = 1e8
        network = tiny.network(roster, agreements=[(0, 2)])
        network.ties.reinforce(Layer.BILATERAL, [0], [2], -1, 0.5)
        network.refresh()
        config = tiny.config(scenario={"professionalisation_rate": rate})
        running = Ledgers().running
        for period in range(12):
            clock = Clock(2025, 4, 12)
            clock.period = period
            tallies = StepTallies(roster.n_actors)
            diffuse_knowledge([], clock, countries, running, network, tallies, config,
                              np.random.default_rng(period))  # fmt: skip
            domestic_dynamics(countries, roster, tallies, 4, config)
        return countries.capacity.copy(), countries.institutional.copy()

    capacity_without, agency_without = run(0.0)
    capacity_with, agency_with = run(0.5)
    assert (agency_with > agency_without).all()  # professionalisation raises the agency...
    np.testing.assert_array_equal(capacity_with, capacity_without)  # ...not capacity by itself


def test_a_direct_agency_effect_on_potential_is_explicit_and_off_by_default():
    roster = tiny.roster()
    countries = tiny.countries(roster)
    countries.institutional += 0.2
    assert tiny.config().domestic.agency_potential_effect == 0.0
    np.testing.assert_array_equal(
        capacity_potential(countries, roster, 0.0), countries.initial_capacity
    )
    raised = capacity_potential(countries, roster, 0.3)
    np.testing.assert_allclose(raised, countries.initial_capacity + 0.06)


# --- 7. ties and platforms ---------------------------------------------------------------------
def test_idle_ties_decay_and_dissolve_and_ending_actions_retire():
    roster = tiny.roster()
    countries, platforms, network = (
        tiny.countries(roster),
        tiny.platforms(roster),
        tiny.network(roster),
    )
    ledgers, tallies = Ledgers(), StepTallies(roster.n_actors)
    ties = network.ties
    ties.reinforce(Layer.BILATERAL, [0], [2], 0, 0.105)  # interregional, dissolves after decay
    ties.reinforce(Layer.BILATERAL, [0], [1], 0, 0.9)  # survives
    key = ties.encode(Layer.BILATERAL, np.array([0]), np.array([1]))
    ledgers.running.start(
        provider=np.array([0]),
        recipient=np.array([1]),
        sector=np.array([1]),
        end=np.array([2]),
        tie_key=key,
    )
    countries.served[1, 1] = 1
    config = tiny.config(
        ties={"decay_rate": 0.1, "dissolve_threshold": 0.1}, output={"tie_snapshot_every": 1}
    )
    clock = Clock(2025, 4, 8, period=1)  # the second step; both ties were last active in the first
    update_ties_and_platforms(
        clock, roster, countries, platforms, network, ledgers, tallies, config
    )
    assert (tallies.ties_before, tallies.ties_dissolved, tallies.interregional_dissolved) == (
        2,
        1,
        1,
    )
    assert len(network.alive.rows) == 1 and network.degree[:2].tolist() == [1, 1]
    assert len(ledgers.running) == 0 and countries.served[1, 1] == 0  # ended at step 2
    snapshot = ledgers.tie_snapshots[-1]
    assert snapshot["period"].tolist() == [2] and snapshot["strength"].iloc[0] == pytest.approx(
        0.81
    )


def test_platforms_fall_dormant_without_funds_or_events_and_coordinators_rotate():
    roster = tiny.roster()
    countries, platforms, network = (
        tiny.countries(roster),
        tiny.platforms(roster, fund=0.0),
        tiny.network(roster),
    )
    platforms.events_held[0] = 3
    platforms.last_event[0] = 0
    config = tiny.config(platforms={"dormancy_quarters": 2})
    for period in range(4):
        clock = Clock(2025, 4, 8, period=period)
        update_ties_and_platforms(
            clock,
            roster,
            countries,
            platforms,
            network,
            Ledgers(),
            StepTallies(roster.n_actors),
            config,
        )
    assert not platforms.active[0]
    term = round(platforms.specs[0].coordinator_term_years * 4)
    assert platforms.coordinator_position[0] == 4 // term


# --- 8. eligibility ---------------------------------------------------------------------------
@pytest.mark.parametrize("criterion", [Eligibility.income, Eligibility.vulnerability])
def test_eligibility_graduates_high_income_unless_vulnerable(criterion):
    roster = tiny.roster(sids=[False, False, False, True])
    countries = tiny.countries(roster, capacity=[[0.5, 0.5]] * 4)
    countries.gni_per_capita[:] = [2_000.0, 20_000.0, 8_000.0, 30_000.0]  # LM, H, UM, H (SIDS)
    north, platforms = tiny.north(roster), tiny.platforms(roster)
    config = tiny.config(
        scenario={"eligibility": criterion}, domestic={"vulnerability_threshold": 0.5}
    )
    update_eligibility(0.0, roster, countries, north, platforms, config, np.random.default_rng(5))
    assert countries.income_level.tolist() == [1, 3, 2, 3]
    expected = [True, False, True, criterion == Eligibility.vulnerability]
    assert countries.eligible.tolist() == expected
    assert set(north.portfolio_recipient.tolist()) <= set(np.flatnonzero(expected).tolist())
    assert (countries.oda_base[~countries.eligible] == 0).all()


# --- initialisation: documented strengths and agreements ---------------------------------------
def _named_roster(codes: list[str]):
    roster = tiny.roster()
    return dataclasses.replace(roster, iso3=np.array([*codes, "N00"]))


def test_documented_strengths_appear_in_initial_capacity():
    # Cuba, Brazil and Colombia (LAC), Fiji (Asia-Pacific, SIDS) at equal income.
    roster = _named_roster(["CUB", "BRA", "COL", "FJI"])
    roster = dataclasses.replace(
        roster,
        region=np.array([LAC, LAC, LAC, ASIA_PACIFIC, 5]),
        sids=np.array([False, False, False, True, False]),
    )
    sectors = [
        "health",
        "agriculture_food_security",
        "msme_green_transition",
        "disaster_risk_climate",
    ]
    offsets = documented_strengths(roster, sectors)
    table = load_sector_strengths()
    assert table["source"].str.len().min() > 0  # every strength has a source
    np.testing.assert_allclose(offsets[0], [0.25 + 0.05, 0.05, 0.0, -0.05])  # Cuba in health
    np.testing.assert_allclose(offsets[1], [0.05, 0.2 + 0.05, 0.0, -0.05])  # Brazil: EMBRAPA
    np.testing.assert_allclose(offsets[2], [0.05, 0.1 + 0.05, 0.2, -0.05])  # Colombia: MSMEs
    np.testing.assert_allclose(offsets[3], [0.0, 0.0, 0.0, -0.1])  # a SIDS: disaster risk gap
    capacity, _ = initial_capacity(roster, sectors, np.random.default_rng(0))
    assert capacity[0].argmax() == 0 and capacity[1].argmax() == 1 and capacity[2].argmax() == 2
    assert capacity[3].argmin() == 3
    # The random part is small beside the documented strengths.
    assert CAPACITY_SPREAD_SD <= 0.06


def test_standing_agreements_start_as_alive_ties_of_documented_strength():
    roster = _named_roster(["CHL", "MEX", "THA", "ARG"])
    config = tiny.config(world={"partnerships": ["CHL:MEX", "THA:ARG", "THA:XXX"]})
    pairs = agreement_pairs(roster, config)
    assert pairs == [(0, 1), (2, 3)]  # an economy not in the roster is skipped
    ties = TieTable(roster.n_actors)
    add_agreement_ties(ties, roster, pairs, config)
    network = tiny.network(roster, agreements=pairs)
    network.ties = ties
    network.refresh()
    assert network.alive.layer.tolist() == [Layer.BILATERAL] * 2
    assert list(zip(network.alive.source, network.alive.target, strict=True)) == [(0, 1), (2, 3)]
    strength = ties.strength[network.alive.rows]
    # Chile-Mexico Joint Cooperation Fund: 150 initiatives in 15 years, 10 reinforcements a year.
    assert strength[0] == pytest.approx(1.0 - (1.0 - config.ties.reinforcement) ** 10)
    assert strength[1] == pytest.approx(config.world.partnership_trust)  # no record: the floor
    assert (ties.sectors[network.alive.rows] == 0).all()  # they teach nothing yet
    assert (ties.born[network.alive.rows] == -1).all()


def test_the_troika_sets_the_agenda_and_rotation_changes_it():
    from sscsim.processes.events import agenda, choose_theme

    roster = tiny.roster()
    countries = tiny.countries(roster, capacity=[[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])
    platforms = tiny.platforms(roster)
    platforms.themes[0] = np.array([0, 1], dtype=np.int64)
    platforms.rotation[0] = np.array([0, 1, 2, 3], dtype=np.int64)
    # Troika (3, 0, 1): weakest together in sector 1.
    assert agenda(platforms, 0, countries.capacity).tolist() == [1, 0]
    assert choose_theme(platforms, 0, countries.capacity) == 1
    platforms.coordinator_position[0] = 2  # troika (1, 2, 3): weakest in sector 0
    assert agenda(platforms, 0, countries.capacity).tolist() == [0, 1]
    platforms.themes[0] = np.zeros(0, dtype=np.int64)  # no themes: every sector is on the agenda
    assert sorted(agenda(platforms, 0, countries.capacity).tolist()) == [0, 1]
