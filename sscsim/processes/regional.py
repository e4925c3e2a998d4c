"""Step 3b, regional projects: funds run calls and finance projects of three or more countries.

A project has a sector, a lead (provider) country, `funds.min_participants` or more
participating Southern countries, a cost, a duration, a funder (the fund) and a managing
organisation. Three kinds of fund run calls (docs/ODD.md, section 7.5b):

- a platform's trust fund, `project_calls_per_year` calls a year, among its Southern members,
  in its themes; a rule such as FEALAC's (`project_regions`: every project includes members
  from Asia-Pacific and from LAC) is a condition on each project, not a split of seats; its
  managers (`project_managers`, in turn; else UNDP, or FAO in `funds.fao_sectors`) charge a fee;
- the Perez-Guerrero Trust Fund (G-77, managed by UNOSSC): one call a year paid from the
  endowment's income; at most `pgtf_max_grant_usd` a project, at least three developing
  countries, co-financing at least equal to the grant, spent from the participants' SSC funds
  (or else a northern partner's pool) -- a project without it is not funded;
- bilateral joint funds (Chile-Mexico): both governments pay in each year from their SSC funds;
  one call a year for projects led by one of them with the other and third countries.

Participants are drawn among the fund's eligible countries by need in the project's sector and
agency capacity (`choose_countries`). The lead teaches every participant in the sector for the
project's duration (as running actions, step 5) and every pair of countries in it gets its
platform tie reinforced. Every flow is written to the source accounts (`state.funds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sscsim.config import SSCConfig
from sscsim.kernels import matching as kernel
from sscsim.processes.events import agenda
from sscsim.state.clock import Clock
from sscsim.state.countries import Countries
from sscsim.state.funds import FAO, UNDP, FundKind, FundState
from sscsim.state.ledgers import Ledgers
from sscsim.state.modalities import MODALITY
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import PlatformState, event_reserves
from sscsim.state.roster import ASIA_PACIFIC, LAC, REGION_INDEX, Roster
from sscsim.state.tallies import StepTallies
from sscsim.state.ties import Layer, Network

LEAD, PARTICIPANT = 0, 1


@dataclass(frozen=True)
class Project:
    """A regional project approved by a call."""

    sector: int
    lead: int  # country row
    participants: np.ndarray  # int64 country rows, sorted, without the lead
    duration: int  # steps
    grant: float  # USD paid by the fund
    fee: float  # USD paid by the fund to the managing organisation
    cofinancing: np.ndarray  # float64 USD from each country (lead first, then participants)
    northern_cofinancing: float  # USD from a northern partner's pool
    northern_partner: int  # partner index, -1 if none
    manager: str

    @property
    def countries(self) -> np.ndarray:
        return np.concatenate([[self.lead], self.participants]).astype(np.int64)


def is_call_step(calls_per_year: int, step: int, steps_per_year: int) -> bool:
    """Calls spread evenly over the year, as events are (one a year: the last quarter)."""
    per_step = calls_per_year / steps_per_year
    return int(np.floor((step + 1) * per_step + 1e-9)) > int(np.floor(step * per_step + 1e-9))


def choose_countries(
    eligible: np.ndarray,
    sector: int,
    capacity: np.ndarray,
    institutional: np.ndarray,
    offers: np.ndarray,
    sids: np.ndarray,
    region: np.ndarray,
    size: int,
    min_participants: int,
    min_gap: float,
    sids_priority: float,
    rng: np.random.Generator,
    leads: np.ndarray | None = None,
    required: np.ndarray | None = None,
    required_regions: tuple[int, ...] = (),
) -> tuple[int, np.ndarray] | None:
    """The lead and participants of a project in `sector`, or None if the fund's rules cannot
    be met.

    Lead: drawn among `leads` (default: the eligible countries that offer the sector, else the
    eligible ones in the top quarter of capacity in it) with weight institutional + 0.1 (an
    agency able to apply and run the project). Participants: `required` rows first (a joint
    fund's other government), then, for each of `required_regions` that no chosen country
    covers yet, one from that region, then the rest up to `size`; each drawn without
    replacement among eligible countries at least `min_gap` behind the lead in the sector, with
    weight need x agency = (capacity_lead - capacity_i) x (institutional_i + 0.1) x (1 +
    sids_priority x SIDS_i). Fewer than `min_participants` participants: no project.
    """
    rows = np.flatnonzero(eligible)
    if leads is None:
        leads = rows[offers[rows, sector]]
        if not len(leads) and len(rows):
            top = np.quantile(capacity[rows, sector], 0.75)
            leads = rows[capacity[rows, sector] >= top]
    if not len(leads):
        return None
    weight = institutional[leads] + 0.1
    lead = int(rng.choice(leads, p=weight / weight.sum()))
    chosen = [int(r) for r in (required if required is not None else ()) if r != lead]
    pool = rows[(rows != lead) & (capacity[rows, sector] <= capacity[lead, sector] - min_gap)]
    pool = pool[~np.isin(pool, chosen)]
    need = (capacity[lead, sector] - capacity[pool, sector]) * (institutional[pool] + 0.1)
    need = need * (1.0 + sids_priority * sids[pool])
    taken = np.zeros(len(pool), dtype=bool)
    for wanted in required_regions:
        if region[lead] == wanted or any(region[c] == wanted for c in chosen):
            continue
        candidates = np.flatnonzero((region[pool] == wanted) & ~taken & (need > 0))
        if not len(candidates):
            return None  # the fund's rule cannot be met
        pick = rng.choice(candidates, p=need[candidates] / need[candidates].sum())
        taken[pick] = True
    rest = np.flatnonzero(~taken & (need > 0))
    seats = min(size - len(chosen) - int(taken.sum()), len(rest))
    if seats > 0:
        picks = rng.choice(rest, size=seats, replace=False, p=need[rest] / need[rest].sum())
        taken[picks] = True
    participants = np.sort(np.concatenate([chosen, pool[taken]]).astype(np.int64))
    if len(participants) < min_participants:
        return None
    return lead, participants


def project_cost_factor(everyone: np.ndarray, roster: Roster, config: SSCConfig) -> float:
    """Distance cost factor of a project of the countries `everyone` (lead first): the rule of
    partner choice (`kernels.matching.cost_factor`, no champion discount) at the mean distance
    between their capitals over all pairs; with a capital of unknown coordinates,
    interregional_cost_multiplier if the countries span regions, else 1."""
    funding = config.funding
    places = roster.geography()
    rows = np.asarray(everyone, dtype=np.int64)
    distance = kernel.mean_distance_km(rows, places.latitude, places.longitude)
    same_region = len(np.unique(roster.region[rows])) == 1
    return float(
        kernel.cost_factor(
            distance,
            same_region,
            False,
            funding.cost_per_1000_km,
            funding.max_cost_factor,
            funding.interregional_cost_multiplier,
            0.0,
        )
    )


def project_cost(
    duration: int, n_participants: int, factor: float, managed: bool, config: SSCConfig
) -> float:
    """Cost of a platform or joint-fund project, USD: action_cost_usd x duration x (1 +
    participant_cost_share x (participants - 1)) x the distance cost `factor`
    (`project_cost_factor`), less multilateral_cost_discount when an organisation manages it."""
    funding = config.funding
    cost = funding.action_cost_usd * duration
    cost *= 1.0 + config.funds.participant_cost_share * (n_participants - 1)
    cost *= factor
    if managed:
        cost *= 1.0 - funding.multilateral_cost_discount
    return cost


def platform_manager(platforms: PlatformState, p: int, sector: int, funds: FundState,
                     config: SSCConfig, sectors: list[str]) -> str:  # fmt: skip
    """The platform's managers in turn; without any, FAO in its sectors and UNDP elsewhere."""
    managers = platforms.specs[p].project_managers
    if managers:
        return managers[int(funds.platform_projects[p]) % len(managers)]
    return FAO if sectors[sector] in config.funds.fao_sectors else UNDP


def project_duration(config: SSCConfig, rng: np.random.Generator) -> int:
    matching = config.matching
    return int(rng.integers(matching.min_duration_quarters, matching.max_duration_quarters + 1))


def participant_count(config: SSCConfig, rng: np.random.Generator) -> int:
    funds = config.funds
    return int(rng.integers(funds.min_participants, funds.max_participants + 1))


def draw_countries(
    eligible: np.ndarray,
    sector: int,
    roster: Roster,
    countries: Countries,
    config: SSCConfig,
    rng: np.random.Generator,
    leads: np.ndarray | None = None,
    required: np.ndarray | None = None,
    required_regions: tuple[int, ...] = (),
) -> tuple[int, np.ndarray] | None:
    """`choose_countries` with what every fund's call shares: the countries' state, a number of
    participants drawn for the project (`participant_count`), the configured minimum, gap and
    SIDS priority; `leads`, `required` and `required_regions` are the call's own rules."""
    n = countries.n
    return choose_countries(
        eligible,
        sector,
        countries.capacity,
        countries.institutional,
        countries.offers,
        roster.sids[:n],
        roster.region[:n],
        participant_count(config, rng),
        config.funds.min_participants,
        config.matching.min_capacity_gap,
        config.scenario.sids_priority,
        rng,
        leads=leads,
        required=required,
        required_regions=required_regions,
    )


def platform_call(
    p: int,
    clock: Clock,
    roster: Roster,
    countries: Countries,
    platforms: PlatformState,
    funds: FundState,
    config: SSCConfig,
    sectors: list[str],
    rng: np.random.Generator,
) -> list[Project]:
    """One call of platform p's trust fund: up to `projects_per_call` projects in the sectors of
    its agenda in turn (the troika's priorities, `processes.events.agenda`), while the fund can
    pay grant and fee beyond the reserve for its next event."""
    spec, n = platforms.specs[p], countries.n
    eligible = platforms.members[p, :n].copy()
    required = tuple(REGION_INDEX[r] for r in spec.project_regions)
    available = platforms.fund[p] - event_reserves(platforms)[p]
    projects: list[Project] = []
    order = agenda(platforms, p, countries.capacity)
    for k in range(spec.projects_per_call):
        sector = int(order[k % len(order)])
        chosen = draw_countries(
            eligible, sector, roster, countries, config, rng, required_regions=required
        )
        if chosen is None:
            continue
        lead, participants = chosen
        everyone = np.concatenate([[lead], participants])
        duration = project_duration(config, rng)
        factor = project_cost_factor(everyone, roster, config)
        cost = project_cost(duration, len(participants), factor, True, config)
        fee = cost * config.funds.management_fee_share
        if available < cost + fee:
            break
        available -= cost + fee
        manager = platform_manager(platforms, p, sector, funds, config, sectors)
        funds.platform_projects[p] += 1
        projects.append(
            Project(
                sector,
                lead,
                participants,
                duration,
                cost,
                fee,
                np.zeros(len(everyone)),
                0.0,
                -1,
                manager,
            )
        )
    return projects


def pgtf_call(
    k: int,
    roster: Roster,
    countries: Countries,
    north: NorthernPartners,
    funds: FundState,
    config: SSCConfig,
    sectors: list[str],
    rng: np.random.Generator,
) -> list[Project]:
    """The PGTF's yearly call: projects of the full grant while its income pays grant and fee.

    Applicants are any Southern countries, in sectors drawn uniformly; a project needs at least
    three developing countries (and `funds.min_participants` besides its lead) and co-financing
    of `pgtf_cofinancing_ratio` x grant (at least the grant), spent from its countries' SSC funds
    in proportion to their balances, or if they have too little the rest from the northern
    partner with the largest co-funding pool left; without it the project is not funded (and the
    call goes on with the next one).
    """
    params, n = config.funds, countries.n
    grant = params.pgtf_max_grant_usd
    fee = grant * params.management_fee_share
    eligible = np.ones(n, dtype=bool)
    projects: list[Project] = []
    # Applications: as many as the income could pay, each checked against the rules.
    for _ in range(int(funds.balance[k] // (grant + fee))):
        if funds.balance[k] < grant + fee:
            break
        sector = int(rng.integers(len(sectors)))
        chosen = draw_countries(eligible, sector, roster, countries, config, rng)
        if chosen is None:
            continue
        lead, participants = chosen
        everyone = np.concatenate([[lead], participants]).astype(np.int64)
        required = grant * params.pgtf_cofinancing_ratio
        held = countries.ssc_budget[everyone]
        from_south = min(required, float(held.sum()))
        rest = required - from_south
        partner = -1
        if rest > 1e-9:
            if not north.n or north.triangular_pool.max() < rest:
                continue  # no co-financing: not funded
            partner = int(np.argmax(north.triangular_pool))
            north.triangular_pool[partner] -= rest
        share = held / held.sum() if held.sum() > 0 else np.zeros(len(everyone))
        cofinancing = share * from_south
        countries.ssc_budget[everyone] -= cofinancing
        funds.balance[k] -= grant + fee
        projects.append(
            Project(
                sector,
                lead,
                participants,
                params.pgtf_duration_quarters,
                grant,
                fee,
                cofinancing,
                max(rest, 0.0) if partner >= 0 else 0.0,
                partner,
                funds.managers[k],
            )
        )
    return projects


def joint_fund_call(
    k: int,
    roster: Roster,
    countries: Countries,
    funds: FundState,
    config: SSCConfig,
    sectors: list[str],
    rng: np.random.Generator,
) -> list[Project]:
    """A joint fund's yearly call: projects led by one of its two governments with the other
    and third countries of their regions, in sectors drawn uniformly, while the fund can pay;
    managed by the two agencies' joint commission (no fee)."""
    n, founders = countries.n, funds.founders[k]
    regions = np.unique(roster.region[founders])
    eligible = np.isin(roster.region[:n], regions)
    projects: list[Project] = []
    for _ in range(config.funds.joint_fund_projects_per_call):
        sector = int(rng.integers(len(sectors)))
        chosen = draw_countries(
            eligible, sector, roster, countries, config, rng, leads=founders, required=founders
        )
        if chosen is None:
            continue
        lead, participants = chosen
        everyone = np.concatenate([[lead], participants])
        duration = project_duration(config, rng)
        factor = project_cost_factor(everyone, roster, config)
        cost = project_cost(duration, len(participants), factor, False, config)
        if funds.balance[k] < cost:
            break
        funds.balance[k] -= cost
        projects.append(
            Project(
                sector,
                lead,
                participants,
                duration,
                cost,
                0.0,
                np.zeros(len(everyone)),
                0.0,
                -1,
                funds.managers[k],
            )
        )
    return projects


def pay_into_funds(
    clock: Clock, countries: Countries, funds: FundState, ledgers: Ledgers,
    tallies: StepTallies, config: SSCConfig,
) -> None:  # fmt: skip
    """The PGTF's endowment income each step; joint-fund contributions due in each year's first
    step, paid from the governments' SSC funds as far as they hold (arrears later)."""
    params, sources = config.funds, ledgers.sources
    for k in range(funds.n_funds):
        account = funds.account(k)
        if funds.kind[k] == FundKind.PGTF:
            income = funds.endowment[k] * params.pgtf_return_rate / clock.steps_per_year
            funds.balance[k] += income
            sources.add("inflows", account, income)
            tallies.pgtf_income += income
            continue
        if clock.quarter == 1:
            funds.arrears[k] += params.joint_fund_contribution_usd
        for j, government in enumerate(funds.founders[k]):
            paid = min(funds.arrears[k, j], max(float(countries.ssc_budget[government]), 0.0))
            if paid <= 0:
                continue
            countries.ssc_budget[government] -= paid
            funds.arrears[k, j] -= paid
            funds.balance[k] += paid
            sources.add("transfers_out", government, paid)
            sources.add("transfers_in", account, paid)
            tallies.joint_fund_contributions += paid


def start_projects(
    projects: list[Project],
    fund_account: int,
    fund_label: int,
    platform: int,
    clock: Clock,
    roster: Roster,
    countries: Countries,
    platforms: PlatformState,
    funds: FundState,
    network: Network,
    ledgers: Ledgers,
    tallies: StepTallies,
    config: SSCConfig,
) -> None:
    """Bookkeeping of approved projects: flows (grant, fee to the manager, co-financing), ties of
    every pair, the lead teaching each participant for the duration (running actions), served
    needs, platform participation, experience, the action log and the participants."""
    sources, ties = ledgers.sources, network.ties
    code = MODALITY["platform"].code
    for project in projects:
        everyone = project.countries
        # Money: the fund pays grant and fee; the manager receives the fee.
        sources.add("spent", fund_account, project.grant)
        sources.add("fees", fund_account, project.fee)
        sources.count(fund_account)
        manager = funds.organisations.index(project.manager)
        funds.organisation_balance[manager] += project.fee
        sources.add("transfers_in", funds.organisation_account(project.manager), project.fee)
        sources.add("spent", everyone, project.cofinancing)
        tallies.southern_funds += float(project.cofinancing.sum())
        if project.northern_partner >= 0:
            sources.add(
                "spent", roster.n_south + project.northern_partner, project.northern_cofinancing
            )
            tallies.northern_triangular += project.northern_cofinancing
        if platform >= 0:
            tallies.platform_funds += project.grant + project.fee
            platforms.last_participation[platform, everyone] = clock.period
        else:
            tallies.regional_funds += project.grant
        tallies.management_fees += project.fee
        tallies.actions[code] += 1
        ledgers.modality_totals[code] += 1
        tallies.regional_projects += 1
        if fund_label < funds.n_funds and funds.kind[fund_label] == FundKind.PGTF:
            tallies.pgtf_projects += 1
        partner = -1
        if project.northern_partner >= 0:
            partner = roster.n_south + project.northern_partner
        # Ties and learning.
        first, second = np.triu_indices(len(everyone), k=1)
        pair_keys = ties.encode(Layer.PLATFORM, everyone[first], everyone[second])
        ties.reinforce_keys(pair_keys, clock.period, config.ties.reinforcement)
        learners = project.participants
        ledgers.running.start(
            provider=np.full(len(learners), project.lead),
            recipient=learners,
            sector=np.full(len(learners), project.sector),
            end=np.full(len(learners), clock.period + project.duration),
            tie_key=ties.encode(Layer.PLATFORM, np.full(len(learners), project.lead), learners),
        )
        np.add.at(countries.served, (learners, np.full(len(learners), project.sector)), 1)
        np.add.at(tallies.actions_by_country, everyone, 1)
        regions = roster.region[everyone]
        across = bool((regions == ASIA_PACIFIC).any() and (regions == LAC).any())
        tallies.interregional_actions += int(across)
        if config.output.record_actions:
            ids = ledgers.actions.record(
                period=np.array([clock.stamp]),
                year=np.array([clock.calendar_year]),
                quarter=np.array([clock.quarter]),
                provider=np.array([project.lead]),
                recipient=np.array([-1]),
                funder=np.array([partner]),
                platform=np.array([platform]),
                fund=np.array([fund_label]),
                manager=np.array([manager]),
                modality=np.array([code]),
                sector=np.array([project.sector]),
                cost=np.array(
                    [project.grant + project.cofinancing.sum() + project.northern_cofinancing]
                ),
                duration=np.array([project.duration]),
                organisation=np.array([True]),
                refundable=np.array([False]),
                interregional=np.array([across]),
            )
            roles = np.full(len(everyone), PARTICIPANT, dtype=np.int64)
            roles[0] = LEAD
            ledgers.participants.record(np.full(len(everyone), ids[0]), everyone, roles)


def run_regional_projects(
    clock: Clock,
    roster: Roster,
    countries: Countries,
    north: NorthernPartners,
    platforms: PlatformState,
    funds: FundState,
    network: Network,
    ledgers: Ledgers,
    tallies: StepTallies,
    config: SSCConfig,
    sectors: list[str],
    rng: np.random.Generator,
) -> None:
    """Step 3b. Money into the PGTF and the joint funds; then the calls due this step: active
    platforms' trust funds (in `platforms.specs` order), the PGTF, the joint funds; each approved
    project takes effect (`start_projects`) before the next call. Updates the state in place."""
    pay_into_funds(clock, countries, funds, ledgers, tallies, config)
    common = (clock, roster, countries, platforms, funds, network, ledgers, tallies, config)
    spy, n_actors = clock.steps_per_year, roster.n_actors
    labels = len(funds.codes)  # fund labels of the log: the funds, then the platform funds
    for p, spec in enumerate(platforms.specs):
        if not platforms.active[p] or not is_call_step(
            spec.project_calls_per_year, clock.period, spy
        ):
            continue
        funds.platform_calls[p] += 1
        projects = platform_call(
            p, clock, roster, countries, platforms, funds, config, sectors, rng
        )
        for project in projects:
            platforms.fund[p] -= project.grant + project.fee
        start_projects(projects, n_actors + p, labels + p, p, *common)
    for k in range(funds.n_funds):
        if funds.kind[k] == FundKind.PGTF:
            if clock.quarter != min(config.funds.pgtf_call_quarter, spy):
                continue
            projects = pgtf_call(k, roster, countries, north, funds, config, sectors, rng)
        else:
            if clock.quarter != min(config.funds.joint_fund_call_quarter, spy):
                continue
            projects = joint_fund_call(k, roster, countries, funds, config, sectors, rng)
        start_projects(projects, funds.account(k), k, -1, *common)


def fund_labels(funds: FundState, platforms: PlatformState) -> list[str]:
    """Labels of the action log's `fund` column: the funds' codes, then the platform funds'."""
    return [*funds.codes, *(f"FUND:{code}" for code in platforms.codes)]
