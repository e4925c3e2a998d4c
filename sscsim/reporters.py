"""What is measured (step 9): named reporters over the state, the country panel, output tables
and the run's summary.

Every reporter is a plain function of a `ModelState` (`sscsim.state`), so it can be tested on a
state built by hand. `build_datacollector` registers them with Mesa's DataCollector, which calls
them on `model.state` after every step (and once for the initial state).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from sscsim.state.modalities import MODALITIES, MODALITY, SEGIB_2023_SHARES, SEGIB_2023_SOURCE
from sscsim.state.platforms import active_members
from sscsim.state.roster import KIND_NAMES, SOUTHERN_KINDS, Kind, interregional
from sscsim.state.tallies import FUNDING_SOURCES
from sscsim.state.ties import LAYER_NAMES, Layer
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.state import ModelState

SOUTHERN_REGIONS: tuple[str, ...] = tuple(r for r in REGIONS if r != "north_america")
Reporter = Callable[["ModelState"], Any]


# --- inequality ------------------------------------------------------------------------------
def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: equal, towards 1: concentrated)."""
    values = np.sort(np.asarray(values, dtype=np.float64))
    n = len(values)
    if n == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * values).sum()) / (n * values.sum()) - (n + 1) / n)


# --- time --------------------------------------------------------------------------------------
def time(state: ModelState) -> float:
    """Fractional year at the end of the last step (the start year for the initial state)."""
    return state.clock.time


def year(state: ModelState) -> int:
    """Calendar year of the last step."""
    return state.clock.last_year


def quarter(state: ModelState) -> int:
    """Sub-period of the last step within its year (1..steps_per_year; 0: initial state)."""
    return state.clock.last_quarter


def period(state: ModelState) -> int:
    """Completed steps."""
    return state.clock.period


# --- capacities --------------------------------------------------------------------------------
def mean_capacity_of_kind(state: ModelState, kind: Kind) -> float:
    rows = state.countries.kind == kind
    return float(state.countries.capacity[rows].mean()) if rows.any() else float("nan")


def mean_capacity_of_region(state: ModelState, region: str) -> float:
    rows = state.roster.region[: state.countries.n] == REGIONS.index(region)
    return float(state.countries.capacity[rows].mean()) if rows.any() else float("nan")


def mean_capacity(state: ModelState) -> float:
    return float(state.countries.capacity.mean())


def capacity_gini(state: ModelState) -> float:
    """Gini coefficient of the countries' mean capacities."""
    return gini(state.countries.capacity.mean(axis=1))


def sids_capacity_gap(state: ModelState) -> float:
    """Mean capacity of non-SIDS Southern countries minus that of SIDS."""
    sids = state.roster.sids[: state.countries.n]
    by_country = state.countries.capacity.mean(axis=1)
    return float(by_country[~sids].mean() - by_country[sids].mean())


def mean_institutional_capacity(state: ModelState) -> float:
    return float(state.countries.institutional.mean())


# --- actions -----------------------------------------------------------------------------------
def actions_of(state: ModelState, modality: str) -> int:
    """New actions of one modality this step."""
    return int(state.tallies.actions[MODALITY[modality].code])


def actions_total(state: ModelState) -> int:
    return int(state.tallies.actions.sum())


def triangular_share(state: ModelState) -> float:
    total = actions_total(state)
    return actions_of(state, "triangular") / total if total else float("nan")


def requests(state: ModelState) -> int:
    return state.tallies.requests


def unfunded_requests(state: ModelState) -> int:
    """Requests that lapsed this step for want of funding."""
    return state.tallies.unfunded


def pilots(state: ModelState) -> int:
    return state.tallies.pilots


def interregional_actions(state: ModelState) -> int:
    """New actions between Asia-Pacific and LAC countries this step."""
    return state.tallies.interregional_actions


# --- the network -------------------------------------------------------------------------------
def interregional_ties(state: ModelState) -> int:
    """Alive bilateral, triangular and platform ties between Asia-Pacific and LAC countries."""
    alive = state.network.alive
    return int(
        (interregional(state.roster, alive.source, alive.target) & (alive.layer != Layer.ODA)).sum()
    )


def ties_alive(state: ModelState) -> int:
    return len(state.network.alive.rows)


def ties_of_layer(state: ModelState, layer: Layer) -> int:
    return int((state.network.alive.layer == layer).sum())


def tie_survival(state: ModelState) -> float:
    """Share of the ties alive at the start of the step that survived it."""
    before = state.tallies.ties_before
    return 1.0 - state.tallies.ties_dissolved / before if before else float("nan")


def interregional_tie_survival(state: ModelState) -> float:
    """Share of the Asia-Pacific to LAC ties alive before this step's decay that survived it
    (decay only removes ties: those alive before are the survivors and the dissolved)."""
    survivors = interregional_ties(state)
    before = survivors + state.tallies.interregional_dissolved
    return survivors / before if before else float("nan")


# --- money -------------------------------------------------------------------------------------
def funding_of(state: ModelState, source: str) -> float:
    """USD spent or moved this step by one of `FUNDING_SOURCES`."""
    return state.tallies.funding(source)


def oda_budget(state: ModelState) -> float:
    """Northern ODA this step, USD (0 before the first step)."""
    return float(state.north.budgets.total.sum())


def oda_multiplier(state: ModelState) -> float:
    return float(state.north.oda_multiplier)


def donors_at_target(state: ModelState) -> int:
    """Northern partners whose ODA is at or above 0.7 % of GNI on the scenario's path."""
    ratio = state.north.oda_gni_pct * oda_multiplier(state)
    return int((ratio >= 0.7 - 1e-9).sum())


def eligible_recipients(state: ModelState) -> int:
    return int(state.countries.eligible.sum())


# --- platforms ---------------------------------------------------------------------------------
def platform_events(state: ModelState) -> int:
    return state.tallies.events


def platforms_active(state: ModelState) -> int:
    return int(state.platforms.active.sum())


def platform_active_members(state: ModelState) -> int:
    """Southern members that took part in a platform's events or projects within the activity
    window, summed over platforms."""
    window = state.config.platforms.activity_window_quarters
    # ``period`` steps are complete; the last one is period - 1.
    members = active_members(state.platforms, state.clock.period - 1, window, state.countries.n)
    return int(members.sum())


def platform_fund_balance(state: ModelState) -> float:
    return float(state.platforms.fund.sum())


def platform_fund_of(state: ModelState, code: str) -> float:
    """Fund balance of one platform (NaN if the configuration has no such platform)."""
    if code not in state.platforms.codes:
        return float("nan")
    return float(state.platforms.fund[state.platforms.index(code)])


# --- the DataCollector -------------------------------------------------------------------------
def on_state(reporter: Reporter, model: Any) -> Any:
    """Call a reporter on a model's state (Mesa's DataCollector passes the model)."""
    return reporter(model.state)


def model_reporters() -> dict[str, Reporter]:
    """The time series' columns and their reporters, in column order."""
    columns: dict[str, Reporter] = {
        "period": period,
        "time": time,
        "year": year,
        "quarter": quarter,
        "mean_capacity": mean_capacity,
    }
    for kind in SOUTHERN_KINDS:
        columns[f"mean_capacity_{KIND_NAMES[kind]}"] = functools.partial(
            mean_capacity_of_kind, kind=kind
        )
    for region in SOUTHERN_REGIONS:
        columns[f"mean_capacity_{region}"] = functools.partial(
            mean_capacity_of_region, region=region
        )
    columns |= {
        "capacity_gini": capacity_gini,
        "sids_capacity_gap": sids_capacity_gap,
        "mean_institutional_capacity": mean_institutional_capacity,
        "requests": requests,
        "unfunded_requests": unfunded_requests,
    }
    for modality in MODALITIES:
        columns[f"actions_{modality.name}"] = functools.partial(actions_of, modality=modality.name)
    columns |= {
        "actions_total": actions_total,
        "triangular_share": triangular_share,
        "pilots": pilots,
        "ties_alive": ties_alive,
    }
    for layer in Layer:
        columns[f"ties_{LAYER_NAMES[layer]}"] = functools.partial(ties_of_layer, layer=layer)
    columns |= {
        "interregional_ties": interregional_ties,
        "interregional_actions": interregional_actions,
        "tie_survival": tie_survival,
        "interregional_tie_survival": interregional_tie_survival,
        "oda_multiplier": oda_multiplier,
        "oda_budget_usd": oda_budget,
        "donors_at_target": donors_at_target,
    }
    for source in FUNDING_SOURCES:
        columns[f"funding_{source}_usd"] = functools.partial(funding_of, source=source)
    columns |= {
        "platform_events": platform_events,
        "platforms_active": platforms_active,
        "platform_active_members": platform_active_members,
        "platform_fund_balance_usd": platform_fund_balance,
        "fealac_fund_balance_usd": functools.partial(platform_fund_of, code="FEALAC"),
        "eligible_recipients": eligible_recipients,
    }
    return columns


def build_datacollector() -> mesa.DataCollector:
    """The model's DataCollector: model metrics per step (the country panel is `Panel`)."""
    # Mesa calls a functools.partial with the model (other callables without arguments).
    reporters = {name: functools.partial(on_state, r) for name, r in model_reporters().items()}
    return mesa.DataCollector(model_reporters=reporters)


# --- the country panel -------------------------------------------------------------------------
class Panel:
    """The country panel: arrays recorded at chosen steps, turned into a table on demand.

    Recording copies a few arrays (no per-agent Python calls), so it costs the same per country
    at any scale; `output.panel_every` thins it for large worlds.
    """

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def record(self, state: ModelState) -> None:
        countries = state.countries
        self.records.append(
            {
                "period": state.clock.period,
                "capacity": countries.capacity.copy(),
                "institutional_capacity": countries.institutional.copy(),
                "ssc_budget_usd": countries.ssc_budget.copy(),
                "oda_received_usd": countries.oda_received.copy(),
                "eligible": countries.eligible.copy(),
                "income_level": countries.income_level.copy(),
                "kind": countries.kind.copy(),
                "degree": state.network.degree[: countries.n].copy(),
            }
        )

    def frame(self, state: ModelState) -> pd.DataFrame:
        n = state.countries.n
        roster = state.roster
        if not self.records:
            return pd.DataFrame()
        periods = len(self.records)
        stack = {name: np.concatenate([r[name] for r in self.records]) for name in self.records[0]
                 if name not in ("period", "capacity")}  # fmt: skip
        capacity = np.concatenate([r["capacity"] for r in self.records])
        kind_names = np.array([KIND_NAMES[k] for k in sorted(KIND_NAMES)])
        frame = pd.DataFrame(
            {
                "period": np.repeat([r["period"] for r in self.records], n).astype(np.int64),
                "iso3": pd.Series(np.tile(roster.iso3[:n], periods), dtype="string"),
                "kind": pd.Series(kind_names[stack["kind"]], dtype="string"),
                "region": pd.Series(
                    np.tile(np.asarray(REGIONS)[roster.region[:n]], periods), dtype="string"
                ),
                "income_group": pd.Series(
                    np.asarray(["L", "LM", "UM", "H"])[stack["income_level"]], dtype="string"
                ),
                "mean_capacity": capacity.mean(axis=1),
            }
        )
        for k, sector in enumerate(state.sectors):
            frame[f"capacity_{sector}"] = capacity[:, k]
        for name in ("institutional_capacity", "ssc_budget_usd", "oda_received_usd"):
            frame[name] = stack[name].astype(np.float64)
        frame["eligible"] = stack["eligible"].astype(bool)
        frame["degree"] = stack["degree"].astype(np.int64)
        clock = state.clock
        frame["time"] = clock.start_year + frame["period"] / clock.steps_per_year
        return frame


# --- output tables -----------------------------------------------------------------------------
def ties_frame(snapshots: list[pd.DataFrame], iso3: np.ndarray) -> pd.DataFrame:
    """Tie snapshots with the codes of both ends; step stamps as output periods (from 1)."""
    if not snapshots:
        frame = pd.DataFrame(columns=["period", "layer", "source", "target", "strength"])
    else:
        frame = pd.concat(snapshots, ignore_index=True)
    frame["source"] = iso3[frame["source"].to_numpy(dtype=np.int64)]
    frame["target"] = iso3[frame["target"].to_numpy(dtype=np.int64)]
    # Internal step stamps count from 0; outputs count periods from 1, as the time series does.
    for column in ("born", "last_action"):
        if column in frame:
            frame[column] = frame[column] + 1
    return frame


def summary(state: ModelState, series: pd.DataFrame) -> dict[str, Any]:
    """Headline figures: modality shares beside SEGIB's targets, totals and end-of-run metrics,
    from the state and its time series (`SSCModel.timeseries_frame`)."""
    totals = {m.name: int(state.ledgers.modality_totals[m.code]) for m in MODALITIES}
    n_actions = sum(totals.values())
    shares = {m: (totals[m] / n_actions if n_actions else None) for m in SEGIB_2023_SHARES}
    last = series.iloc[-1]
    first = series.iloc[0]
    config = state.config
    return {
        "modality_shares": shares,
        "modality_targets": {"source": SEGIB_2023_SOURCE, **SEGIB_2023_SHARES},
        "modality_gap_points": {
            m: (round(100 * (share - SEGIB_2023_SHARES[m]), 2) if share is not None else None)
            for m, share in shares.items()
        },
        "actions": {"total": n_actions, **totals},
        "periods": int(state.clock.period),
        "first_year": config.start_year,
        "end_time": float(last["time"]),
        "countries": int(state.countries.n),
        "northern_partners": int(state.roster.n_north),
        "platforms": list(state.platforms.codes),
        "excluded_for_lack_of_data": list(state.roster.excluded),
        "mean_capacity": {
            "start": float(first["mean_capacity"]),
            "end": float(last["mean_capacity"]),
        },
        "sids_capacity_gap": {
            "start": float(first["sids_capacity_gap"]),
            "end": float(last["sids_capacity_gap"]),
        },
        "interregional_ties_end": int(last["interregional_ties"]),
        "ties_alive_end": int(last["ties_alive"]),
        "funding_usd_total": {
            column.removeprefix("funding_").removesuffix("_usd"): float(series[column].sum())
            for column in series.columns
            if column.startswith("funding_")
        },
        "platform_events_total": int(series["platform_events"].sum()),
        "pilots_total": int(series["pilots"].sum()),
        "interregional_actions": int(series["interregional_actions"].sum()),
    }
