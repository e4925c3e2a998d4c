"""Funds of regional projects and the accounts of every source of cooperation money.

`FundState` holds the funds that are not a country's or a platform's: the Perez-Guerrero Trust
Fund (an endowment whose income pays its calls) and the bilateral joint funds (two governments
pay in each year), with the international organisations that manage projects and the fees they
receive. `SourceAccounts` keeps the cumulative flows of every source over the run, one row an
account, so that the directory of cooperation sources (`directory_frame`) can state each
source's budget and use and money can be checked to be conserved:

    balance_end = balance_start + inflows + transfers_in - spent - fees - transfers_out - returned

Account rows: actor rows first (a Southern country's row is its national SSC fund, a northern
partner's row its triangular co-funding line), then the platforms' trust funds, then the funds of
`FundState`, then the organisations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import pandas as pd

from sscsim.config import SSCConfig
from sscsim.state.countries import Countries
from sscsim.state.north import NorthernPartners
from sscsim.state.platforms import PlatformState
from sscsim.state.roster import Roster

FLOWS: tuple[str, ...] = (
    "inflows",  # new money: budgets, contributions, investment income
    "transfers_in",  # from another account: joint-fund contributions, management fees received
    "spent",  # on actions, projects (grants and co-financing) and events
    "fees",  # management fees paid to an organisation
    "transfers_out",  # to another account: contributions to a joint fund
    "returned",  # back to the treasury: lapsed co-funding, SSC money above the carry-over cap
)
UNDP, FAO, UNOSSC = "UNDP", "FAO", "UNOSSC"


class FundKind(IntEnum):
    PGTF = 0
    JOINT = 1


@dataclass
class SourceAccounts:
    """Cumulative flows of every account over the run, USD (arrays over accounts, grown on
    demand so that hand-built states need not size them)."""

    balance_start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    flows: dict[str, np.ndarray] = field(
        default_factory=lambda: {name: np.zeros(0) for name in FLOWS}
    )
    projects: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def opening(cls, balances: np.ndarray) -> SourceAccounts:
        accounts = cls()
        accounts._grow(len(balances))
        accounts.balance_start = np.asarray(balances, dtype=np.float64).copy()
        return accounts

    def __len__(self) -> int:
        return len(self.projects)

    def _grow(self, size: int) -> None:
        extra = size - len(self)
        if extra <= 0:
            return
        self.balance_start = np.concatenate([self.balance_start, np.zeros(extra)])
        for name in FLOWS:
            self.flows[name] = np.concatenate([self.flows[name], np.zeros(extra)])
        self.projects = np.concatenate([self.projects, np.zeros(extra, dtype=np.int64)])

    def add(self, flow: str, rows: np.ndarray | int, amounts: np.ndarray | float) -> None:
        """Add USD `amounts` to one flow of the accounts `rows` (repeated rows add up)."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if not len(rows):
            return
        self._grow(int(rows.max()) + 1)
        amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), rows.shape)
        np.add.at(self.flows[flow], rows, amounts)

    def count(self, rows: np.ndarray | int) -> None:
        """One more project (or action) funded by each of `rows`."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if len(rows):
            self._grow(int(rows.max()) + 1)
            np.add.at(self.projects, rows, 1)

    def expected_balance(self) -> np.ndarray:
        """What each balance must be if no money appeared or disappeared."""
        f = self.flows
        return (
            self.balance_start
            + f["inflows"]
            + f["transfers_in"]
            - f["spent"]
            - f["fees"]
            - f["transfers_out"]
            - f["returned"]
        )

    @contextmanager
    def across_budgets(
        self, countries: Countries, north: NorthernPartners, platforms: PlatformState
    ) -> Iterator[None]:
        """Record what step 1 (budgets) pays into and takes out of the funds, by the change of
        their balances across it: a Southern fund's rise is its net inflow (new money less
        platform contributions, plus repayments) and a fall money above the carry-over cap
        returned to the treasury; a northern line's unspent pool lapses (returned) and its new
        pool is its inflow; a platform fund's rise is the contributions it received."""
        n_south, n_north = countries.n, north.n
        south_before = countries.ssc_budget.copy()
        pool_before = north.triangular_pool.copy()
        fund_before = platforms.fund.copy()
        yield
        south = countries.ssc_budget - south_before
        rows = np.arange(n_south)
        self.add("inflows", rows, np.maximum(south, 0.0))
        self.add("returned", rows, np.maximum(-south, 0.0))
        rows = n_south + np.arange(n_north)
        self.add("returned", rows, pool_before)
        self.add("inflows", rows, north.triangular_pool)
        platform = platforms.fund - fund_before
        rows = n_south + n_north + np.arange(platforms.n_platforms)
        self.add("inflows", rows, np.maximum(platform, 0.0))
        self.add("spent", rows, np.maximum(-platform, 0.0))


@dataclass
class FundState:
    """The PGTF and the joint funds (arrays over funds), and the organisations (arrays over
    organisations). Account rows: fund k is `first_account + k`, organisation m is
    `first_account + n_funds + m`."""

    codes: list[str]  # "PGTF", "CHL-MEX"
    names: list[str]
    kind: np.ndarray  # int64 (n_funds,): a FundKind
    founders: np.ndarray  # int64 (n_funds, 2): country rows of a joint fund's governments, -1
    managers: list[str]  # the organisation that manages each fund's projects
    balance: np.ndarray  # float64 (n_funds,), USD available for projects
    endowment: np.ndarray  # float64 (n_funds,), USD kept whole (PGTF)
    arrears: np.ndarray  # float64 (n_funds, 2), contributions due and not yet paid, USD
    organisations: list[str]
    organisation_balance: np.ndarray  # float64 (n_organisations,): fees received, USD
    platform_calls: np.ndarray  # int64 (n_platforms,): calls each platform fund has run
    platform_projects: np.ndarray  # int64 (n_platforms,): projects each has funded
    first_account: int = 0

    @property
    def n_funds(self) -> int:
        return len(self.codes)

    def account(self, k: int) -> int:
        return self.first_account + k

    def organisation_account(self, name: str) -> int:
        return self.first_account + self.n_funds + self.organisations.index(name)

    @classmethod
    def empty(cls, n_platforms: int = 0, first_account: int = 0) -> FundState:
        return cls(
            codes=[],
            names=[],
            kind=np.zeros(0, dtype=np.int64),
            founders=np.zeros((0, 2), dtype=np.int64),
            managers=[],
            balance=np.zeros(0),
            endowment=np.zeros(0),
            arrears=np.zeros((0, 2)),
            organisations=[UNDP, FAO, UNOSSC],
            organisation_balance=np.zeros(3),
            platform_calls=np.zeros(n_platforms, dtype=np.int64),
            platform_projects=np.zeros(n_platforms, dtype=np.int64),
            first_account=first_account,
        )


def joint_fund_code(first: str, second: str) -> str:
    return f"{first}-{second}"


def build_funds(roster: Roster, platforms: PlatformState, config: SSCConfig) -> FundState:
    """The PGTF (if enabled) and the joint funds of the configuration whose two governments are
    both in the world; the organisations named as managers."""
    funds = config.funds
    state = FundState.empty(platforms.n_platforms, roster.n_actors + platforms.n_platforms)
    codes, names, kinds, founders, managers, endowment = [], [], [], [], [], []
    if funds.pgtf_enabled:
        codes.append("PGTF")
        names.append("Perez-Guerrero Trust Fund for South-South Cooperation (G-77)")
        kinds.append(FundKind.PGTF)
        founders.append((-1, -1))
        managers.append(UNOSSC)
        endowment.append(funds.pgtf_endowment_usd)
    index = roster.index()
    for pair in funds.joint_funds:
        first, second = pair.split(":")
        if first in index and second in index and max(index[first], index[second]) < roster.n_south:
            code = joint_fund_code(first, second)
            codes.append(code)
            names.append(f"{first}-{second} Joint Cooperation Fund")
            kinds.append(FundKind.JOINT)
            founders.append((index[first], index[second]))
            managers.append(f"{code} joint commission")  # the two national agencies
            endowment.append(0.0)
    organisations = list(state.organisations)
    for name in [m for spec in platforms.specs for m in spec.project_managers] + managers:
        if name not in organisations:
            organisations.append(name)
    n = len(codes)
    state.codes, state.names, state.managers = codes, names, managers
    state.kind = np.array(kinds, dtype=np.int64)
    state.founders = np.array(founders, dtype=np.int64).reshape(n, 2)
    state.balance = np.zeros(n)
    state.endowment = np.array(endowment, dtype=np.float64)
    state.arrears = np.zeros((n, 2))
    state.organisations = organisations
    state.organisation_balance = np.zeros(len(organisations))
    return state


def account_balances(
    countries: Countries, north: NorthernPartners, platforms: PlatformState, funds: FundState
) -> np.ndarray:
    """Every account's balance now, USD, in account-row order."""
    return np.concatenate(
        [
            countries.ssc_budget,
            north.triangular_pool,
            platforms.fund,
            funds.balance,
            funds.organisation_balance,
        ]
    )


DIRECTORY_COLUMNS: dict[str, str] = {
    "source": "string",
    "kind": "string",
    "name": "string",
    "manager": "string",
    "who_may_apply": "string",
    "max_grant_usd": "float64",
    "min_cofinancing_ratio": "float64",
    "calls_per_year": "float64",
    "min_countries": "int64",
    "endowment_usd": "float64",
    "balance_start_usd": "float64",
    **{f"{flow}_usd": "float64" for flow in FLOWS},
    "balance_end_usd": "float64",
    "projects_funded": "int64",
}


def directory_frame(
    roster: Roster,
    countries: Countries,
    north: NorthernPartners,
    platforms: PlatformState,
    funds: FundState,
    accounts: SourceAccounts,
    config: SSCConfig,
) -> pd.DataFrame:
    """The directory of cooperation sources: one row per fund with its rules, its budget over
    the run (inflows and transfers in), its use (spending, fees, transfers out, projects) and
    its balances (see `DIRECTORY_COLUMNS`). `calls_per_year` is NaN for funds that pay as
    requests come (national SSC funds, northern lines)."""
    balances = account_balances(countries, north, platforms, funds)
    accounts._grow(len(balances))
    nan, min_countries = float("nan"), config.funds.min_participants + 1
    share = config.funding.triangular_cofunding_share
    rows: list[dict[str, object]] = []
    for i in range(roster.n_south):
        code = str(roster.iso3[i])
        rows.append(dict(source=f"SSC:{code}", kind="southern_ssc_fund", name=f"{code} SSC fund",
                         manager=f"{code} cooperation agency",
                         who_may_apply="Southern recipients of its bilateral actions; it pays"
                         " the provider's part of its triangular actions and co-finances"
                         " regional projects", max_grant_usd=nan, min_cofinancing_ratio=0.0,
                         calls_per_year=nan, min_countries=2))  # fmt: skip
    for k in range(north.n):
        code = str(roster.iso3[roster.n_south + k])
        rows.append(dict(source=f"TRC:{code}", kind="northern_triangular_line",
                         name=f"{code} triangular co-funding", manager=code,
                         who_may_apply="Southern providers of triangular actions (the pool"
                         " lapses each quarter)", max_grant_usd=nan,
                         min_cofinancing_ratio=(1.0 - share) / share if share > 0 else nan,
                         calls_per_year=nan, min_countries=2))  # fmt: skip
    for p, spec in enumerate(platforms.specs):
        regions = " and ".join(spec.project_regions)
        rows.append(dict(source=f"FUND:{platforms.codes[p]}", kind="platform_trust_fund",
                         name=f"{spec.name or platforms.codes[p]} trust fund",
                         manager=", ".join(spec.project_managers) or f"{UNDP} or {FAO}",
                         who_may_apply="its Southern members"
                         + (f"; every project includes {regions}" if regions else ""),
                         max_grant_usd=nan, min_cofinancing_ratio=0.0,
                         calls_per_year=float(spec.project_calls_per_year),
                         min_countries=min_countries))  # fmt: skip
    params = config.funds
    for k, code in enumerate(funds.codes):
        if funds.kind[k] == FundKind.PGTF:
            rule = dict(kind="pgtf", who_may_apply="developing countries (G-77); at least three"
                        " in each project", max_grant_usd=params.pgtf_max_grant_usd,
                        min_cofinancing_ratio=params.pgtf_cofinancing_ratio,
                        min_countries=max(3, min_countries))  # fmt: skip
        else:
            rule = dict(kind="joint_fund", who_may_apply="the two governments, with third"
                        " countries of their regions", max_grant_usd=nan,
                        min_cofinancing_ratio=0.0, min_countries=min_countries)  # fmt: skip
        rows.append(dict(source=code, name=funds.names[k], manager=funds.managers[k],
                         calls_per_year=1.0, **rule))  # fmt: skip
    for name in funds.organisations:
        rows.append(dict(source=f"ORG:{name}", kind="organisation", name=name, manager=name,
                         who_may_apply="manages projects for funds; receives their fees",
                         max_grant_usd=nan, min_cofinancing_ratio=nan, calls_per_year=nan,
                         min_countries=0))  # fmt: skip
    frame = pd.DataFrame.from_records(rows)
    frame["endowment_usd"] = 0.0
    first = funds.first_account
    frame.loc[frame.index[first : first + funds.n_funds], "endowment_usd"] = funds.endowment
    size = len(frame)
    frame["balance_start_usd"] = accounts.balance_start[:size]
    for flow in FLOWS:
        frame[f"{flow}_usd"] = accounts.flows[flow][:size]
    frame["balance_end_usd"] = balances
    frame["projects_funded"] = accounts.projects[:size]
    return frame[list(DIRECTORY_COLUMNS)].astype(DIRECTORY_COLUMNS)


def directory_markdown(frame: pd.DataFrame) -> str:
    """A readable twin of the directory: the funds that are not national SSC funds, in USD."""
    shown = frame[frame["kind"] != "southern_ssc_fund"]
    lines = [
        "# Directory of cooperation sources",
        "",
        "National SSC funds of the Southern countries are in `sources.parquet` (kind"
        " `southern_ssc_fund`).",
        "",
        "| source | kind | manager | who may apply | max grant | calls a year | inflows | spent"
        " | fees | balance at end | projects |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in shown.itertuples():
        inflows = row.inflows_usd + row.transfers_in_usd
        lines.append(
            f"| {row.source} | {row.kind} | {row.manager} | {row.who_may_apply} |"
            f" {_usd(row.max_grant_usd)} | {_usd(row.calls_per_year)} | {_usd(inflows)} |"
            f" {_usd(row.spent_usd)} | {_usd(row.fees_usd)} | {_usd(row.balance_end_usd)} |"
            f" {row.projects_funded} |"
        )
    return "\n".join(lines) + "\n"


def _usd(value: float) -> str:
    return "" if np.isnan(value) else f"{value:,.0f}"
