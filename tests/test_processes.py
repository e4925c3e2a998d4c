"""Process unit tests: each step of docs/ODD.md on a small hand-built state (tests/tiny_state.py),
without world tables or a model."""

from __future__ import annotations

import numpy as np
import pytest
import tiny_state as tiny

from sscsim.config import Eligibility
from sscsim.processes.budgets import allocate_budgets, southern_budget_inflow
from sscsim.processes.diffusion import diffuse_knowledge, peer_learning_ties
from sscsim.processes.domestic import capacity_potential, domestic_dynamics
from sscsim.processes.eligibility import update_eligibility
from sscsim.processes.events import Event, apply_event, hold_platform_events
from sscsim.processes.matching import match_requests, start_actions
from sscsim.processes.requests import Requests, state_offers_and_requests
from sscsim.processes.ties_and_platforms import update_ties_and_platforms
from sscsim.state.clock import Clock
from sscsim.state.ledgers import Ledgers, Repayments
from sscsim.state.modalities import MODALITY
from sscsim.state.roster import Kind
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer


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

    inflow = southern_budget_inflow(countries.gdp, countries.is_champion, 4, config.funding)
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
    assert countries.oda_received.sum() == pytest.approx(north.budgets.bilateral.sum())
    np.testing.assert_array_equal(north.triangular_pool, north.budgets.triangular)


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
    inflow = southern_budget_inflow(countries.gdp, countries.is_champion, 4, config.funding)
    np.testing.assert_allclose(countries.ssc_budget, 4 * inflow)
    network.refresh()
    oda = network.alive.layer == Layer.ODA
    assert sorted(zip(network.alive.source[oda], network.alive.target[oda], strict=True)) == [
        (4, 1),
        (4, 3),
    ]


# --- 2. offers and requests ----------------------------------------------------------------
def test_requests_skip_served_sectors_and_champions_offer_more():
    roster = tiny.roster(kind=[Kind.CHAMPION, Kind.MIC, Kind.MIC, Kind.SIDS])
    countries = tiny.countries(
        roster,
        capacity=[[0.9, 0.8], [0.95, 0.85], [0.1, 0.3], [0.2, 0.05]],
        institutional=[1.0] * 4,
    )
    countries.served[2, 0] = 1  # a running action serves country 2 in its weakest sector
    config = tiny.config(
        matching={
            "request_rate": 1.0,
            "request_sectors": 1,
            "offer_sectors": 1,
            "offer_quantile": 0.0,
        }
    )
    tallies = StepTallies(roster.n_actors)
    requests = state_offers_and_requests(
        countries, tallies, config.matching, np.random.default_rng(1)
    )
    stated = sorted(zip(requests.recipient.tolist(), requests.sector.tolist(), strict=True))
    assert stated == [(0, 1), (1, 1), (3, 1)]  # all but the served one
    assert tallies.requests == 3
    # The champion offers in both sectors where it is above the quantile; others in one.
    assert countries.offers[0].sum() == 2
    assert countries.offers[1].sum() == 1


def test_no_agency_capacity_and_no_floor_means_no_requests():
    roster = tiny.roster()
    countries = tiny.countries(roster, institutional=[0.0] * 4)
    config = tiny.config(matching={"request_rate": 1.0, "request_agency_floor": 0.0})
    requests = state_offers_and_requests(
        countries, StepTallies(roster.n_actors), config.matching, np.random.default_rng(2)
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
    roster = tiny.roster()
    network = tiny.network(roster)
    network.ties.reinforce(Layer.BILATERAL, [0], [2], 0, 0.5)
    network.ties.reinforce(Layer.ODA, [4], [1], 0, 0.5)
    network.refresh()
    peers = peer_learning_ties(network, roster.n_south, rate=0.1)
    assert peers.teacher.tolist() == [0] and peers.learner.tolist() == [2]
    assert peers.reciprocal.tolist() == [True] and len(peers) == 2
    assert peers.weight[0] == pytest.approx(0.05)
    assert len(peer_learning_ties(network, roster.n_south, rate=0.0)) == 0


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
