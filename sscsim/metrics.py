"""What is measured: Mesa DataCollector reporters (named functions) and output tables."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from sscsim.actors import KIND_NAMES, SOUTHERN_KINDS, Kind
from sscsim.platforms import active_members
from sscsim.ties import LAYER_NAMES, Layer
from sscsim.world import REGIONS

if TYPE_CHECKING:
    from sscsim.agents import CountryAgent
    from sscsim.model import SSCModel

# SEGIB, South-South Cooperation in Ibero-America, data for 2023: 914 initiatives.
SEGIB_2023_SHARES: dict[str, float] = {"bilateral": 0.766, "triangular": 0.148, "platform": 0.086}
SOUTHERN_REGIONS: tuple[str, ...] = tuple(r for r in REGIONS if r != "north_america")


# --- inequality ------------------------------------------------------------------------------
def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: equal, towards 1: concentrated)."""
    values = np.sort(np.asarray(values, dtype=np.float64))
    n = len(values)
    if n == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * values).sum()) / (n * values.sum()) - (n + 1) / n)


# --- model reporters -------------------------------------------------------------------------
def time(model: SSCModel) -> float:
    """Fractional year at the end of the last step (the start year for the initial state)."""
    return model.config.start_year + model.period / model.steps_per_year


def year(model: SSCModel) -> int:
    """Calendar year of the last step."""
    return model.config.start_year + max(model.period - 1, 0) // model.steps_per_year


def quarter(model: SSCModel) -> int:
    """Sub-period of the last step within its year (1..steps_per_year; 0: initial state)."""
    return (model.period - 1) % model.steps_per_year + 1 if model.period else 0


def period(model: SSCModel) -> int:
    return model.period


def mean_capacity_of_kind(model: SSCModel, kind: Kind) -> float:
    rows = model.kind[: model.n_south] == kind
    return float(model.capacity[rows].mean()) if rows.any() else float("nan")


def mean_capacity_of_region(model: SSCModel, region: str) -> float:
    rows = model.roster.region[: model.n_south] == REGIONS.index(region)
    return float(model.capacity[rows].mean()) if rows.any() else float("nan")


def mean_capacity(model: SSCModel) -> float:
    return float(model.capacity.mean())


def capacity_gini(model: SSCModel) -> float:
    return gini(model.capacity.mean(axis=1))


def sids_capacity_gap(model: SSCModel) -> float:
    """Mean capacity of non-SIDS Southern countries minus that of SIDS."""
    sids = model.roster.sids[: model.n_south]
    by_country = model.capacity.mean(axis=1)
    return float(by_country[~sids].mean() - by_country[sids].mean())


def mean_institutional_capacity(model: SSCModel) -> float:
    return float(model.institutional.mean())


def actions_of(model: SSCModel, modality: str) -> int:
    return model.count[modality]


def actions_total(model: SSCModel) -> int:
    return sum(model.count[m] for m in SEGIB_2023_SHARES)


def triangular_share(model: SSCModel) -> float:
    total = actions_total(model)
    return model.count["triangular"] / total if total else float("nan")


def requests(model: SSCModel) -> int:
    return model.count["requests"]


def unfunded_requests(model: SSCModel) -> int:
    return model.count["unfunded"]


def pilots(model: SSCModel) -> int:
    return model.count["pilots"]


def _alive_southern_ties(model: SSCModel) -> np.ndarray:
    rows = model.ties.alive_rows()
    layer = model.ties.layer[rows]
    return rows[layer != Layer.ODA]


def interregional_ties(model: SSCModel) -> int:
    """Alive bilateral, triangular and platform ties between Asia-Pacific and LAC countries."""
    rows = _alive_southern_ties(model)
    source, target = model.ties.source[rows], model.ties.target[rows]
    return int(model.interregional_pair[source, target].sum())


def ties_alive(model: SSCModel) -> int:
    return len(model.ties.alive_rows())


def ties_of_layer(model: SSCModel, layer: Layer) -> int:
    return len(model.ties.alive_rows(layer))


def tie_survival(model: SSCModel) -> float:
    """Share of the ties alive at the start of the step that survived it."""
    before = model.count["ties_before"]
    return 1.0 - model.count["ties_dissolved"] / before if before else float("nan")


def funding_of(model: SSCModel, source: str) -> float:
    return model.flow[source]


def oda_budget(model: SSCModel) -> float:
    budgets = getattr(model, "oda_budget", None)
    return float(budgets.total.sum()) if budgets is not None else 0.0


def donors_at_target(model: SSCModel) -> int:
    """Northern partners whose ODA is at or above 0.7 % of GNI on the scenario's path."""
    n = model.n_south
    ratio = model.roster.oda_gni_pct[n:] * oda_multiplier(model)
    return int((ratio >= 0.7 - 1e-9).sum())


def oda_multiplier(model: SSCModel) -> float:
    return float(getattr(model, "oda_multiplier", 1.0))


def platform_events(model: SSCModel) -> int:
    return model.count["events"]


def platforms_active(model: SSCModel) -> int:
    return int(model.platforms.active.sum())


def platform_active_members(model: SSCModel) -> int:
    window = model.config.platforms.activity_window_quarters
    # ``period`` steps are complete; the last one is period - 1.
    members = active_members(model.platforms, model.period - 1, window, model.n_south)
    return int(members.sum())


def platform_fund_balance(model: SSCModel) -> float:
    return float(model.platforms.fund.sum())


def platform_fund_of(model: SSCModel, code: str) -> float:
    """Fund balance of one platform (NaN if the configuration has no such platform)."""
    if code not in model.platforms.codes:
        return float("nan")
    return float(model.platforms.fund[model.platforms.index(code)])


def eligible_recipients(model: SSCModel) -> int:
    return int(model.eligible.sum())


# --- agent reporters -------------------------------------------------------------------------
def agent_iso3(agent: CountryAgent) -> str:
    return agent.iso3


def agent_kind(agent: CountryAgent) -> str:
    return agent.kind_name


def agent_region(agent: CountryAgent) -> str:
    return agent.region


def agent_capacity_in(agent: CountryAgent, sector: int) -> float:
    return float(agent.model.capacity[agent.row, sector])


def agent_mean_capacity(agent: CountryAgent) -> float:
    return agent.mean_capacity


def agent_institutional_capacity(agent: CountryAgent) -> float:
    return agent.institutional_capacity


def agent_ssc_budget(agent: CountryAgent) -> float:
    return agent.ssc_budget


def agent_oda_received(agent: CountryAgent) -> float:
    return float(agent.model.oda_received[agent.row])


def agent_eligible(agent: CountryAgent) -> bool:
    return bool(agent.model.eligible[agent.row])


def agent_income_group(agent: CountryAgent) -> str:
    return ("L", "LM", "UM", "H")[int(agent.model.income_level[agent.row])]


def agent_degree(agent: CountryAgent) -> int:
    return int(agent.model.degree[agent.row])


def build_datacollector(sectors: list[str]) -> mesa.DataCollector:
    """The model's DataCollector: model metrics per step and the country panel."""
    model_reporters: dict[str, Any] = {
        "period": period,
        "time": time,
        "year": year,
        "quarter": quarter,
        "mean_capacity": mean_capacity,
    }
    for kind in SOUTHERN_KINDS:
        model_reporters[f"mean_capacity_{KIND_NAMES[kind]}"] = functools.partial(
            mean_capacity_of_kind, kind=kind
        )
    for region in SOUTHERN_REGIONS:
        model_reporters[f"mean_capacity_{region}"] = functools.partial(
            mean_capacity_of_region, region=region
        )
    model_reporters |= {
        "capacity_gini": capacity_gini,
        "sids_capacity_gap": sids_capacity_gap,
        "mean_institutional_capacity": mean_institutional_capacity,
        "requests": requests,
        "unfunded_requests": unfunded_requests,
    }
    for modality in SEGIB_2023_SHARES:
        model_reporters[f"actions_{modality}"] = functools.partial(actions_of, modality=modality)
    model_reporters |= {
        "actions_total": actions_total,
        "triangular_share": triangular_share,
        "pilots": pilots,
        "ties_alive": ties_alive,
    }
    for layer in Layer:
        model_reporters[f"ties_{LAYER_NAMES[layer]}"] = functools.partial(
            ties_of_layer, layer=layer
        )
    model_reporters |= {
        "interregional_ties": interregional_ties,
        "tie_survival": tie_survival,
        "oda_multiplier": oda_multiplier,
        "oda_budget_usd": oda_budget,
        "donors_at_target": donors_at_target,
    }
    for source in (
        "southern_funds",
        "northern_triangular",
        "platform_funds",
        "oda_bilateral",
        "northern_trust_funds",
        "southern_contributions",
        "repayments",
    ):
        model_reporters[f"funding_{source}_usd"] = functools.partial(funding_of, source=source)
    model_reporters |= {
        "platform_events": platform_events,
        "platforms_active": platforms_active,
        "platform_active_members": platform_active_members,
        "platform_fund_balance_usd": platform_fund_balance,
        "fealac_fund_balance_usd": functools.partial(platform_fund_of, code="FEALAC"),
        "eligible_recipients": eligible_recipients,
    }

    country_reporters: dict[str, Any] = {
        "iso3": agent_iso3,
        "kind": agent_kind,
        "region": agent_region,
        "income_group": agent_income_group,
        "mean_capacity": agent_mean_capacity,
    }
    for k, sector in enumerate(sectors):
        country_reporters[f"capacity_{sector}"] = functools.partial(agent_capacity_in, sector=k)
    country_reporters |= {
        "institutional_capacity": agent_institutional_capacity,
        "ssc_budget_usd": agent_ssc_budget,
        "oda_received_usd": agent_oda_received,
        "eligible": agent_eligible,
        "degree": agent_degree,
    }
    from sscsim.agents import CountryAgent

    return mesa.DataCollector(
        model_reporters=model_reporters,
        agenttype_reporters={CountryAgent: country_reporters},
    )


# --- output tables ---------------------------------------------------------------------------
ACTION_COLUMNS: dict[str, str] = {
    "period": "int64",
    "year": "int64",
    "quarter": "int64",
    "provider": "string",
    "recipient": "string",
    "funder": "string",
    "platform": "string",
    "modality": "string",
    "sector": "string",
    "cost_usd": "float64",
    "duration_quarters": "int64",
    "channel": "string",
    "refundable": "bool",
    "interregional": "bool",
}

EVENT_COLUMNS: dict[str, str] = {
    "period": "int64",
    "year": "int64",
    "quarter": "int64",
    "platform": "string",
    "host": "string",
    "coordinator": "string",
    "participants": "int64",
    "interregional_pairs": "int64",
    "sector": "string",
    "cost_usd": "float64",
}


def _typed_frame(records: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return frame.astype(columns)


def actions_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return _typed_frame(records, ACTION_COLUMNS)


def events_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return _typed_frame(records, EVENT_COLUMNS)


def ties_frame(snapshots: list[pd.DataFrame], iso3: np.ndarray) -> pd.DataFrame:
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
    return frame.drop(columns=["alive", "died"], errors="ignore")


def timeseries_frame(model: SSCModel) -> pd.DataFrame:
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return frame


def agents_frame(model: SSCModel) -> pd.DataFrame:
    from sscsim.agents import CountryAgent

    frame = model.datacollector.get_agenttype_vars_dataframe(CountryAgent).reset_index()
    frame = frame.rename(columns={"Step": "period", "AgentID": "agent_id"})
    frame["time"] = model.config.start_year + frame["period"] / model.steps_per_year
    return frame


def summary(model: SSCModel) -> dict[str, Any]:
    """Headline figures: modality shares beside SEGIB's targets, totals and end-of-run metrics."""
    totals = model.modality_totals
    n_actions = sum(totals.values())
    shares = {m: (totals[m] / n_actions if n_actions else None) for m in SEGIB_2023_SHARES}
    series = timeseries_frame(model)
    last = series.iloc[-1]
    first = series.iloc[0]
    return {
        "modality_shares": shares,
        "modality_targets": {
            "source": "SEGIB, South-South Cooperation in Ibero-America, 2023 (914 initiatives)",
            **SEGIB_2023_SHARES,
        },
        "modality_gap_points": {
            m: (
                round(100 * (shares[m] - SEGIB_2023_SHARES[m]), 2)
                if shares[m] is not None
                else None
            )
            for m in SEGIB_2023_SHARES
        },
        "actions": {"total": n_actions, **totals},
        "periods": int(model.period),
        "first_year": model.config.start_year,
        "end_time": float(last["time"]),
        "countries": int(model.n_south),
        "northern_partners": int(model.roster.n_north),
        "platforms": list(model.platforms.codes),
        "excluded_for_lack_of_data": list(model.roster.excluded),
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
        "interregional_actions": int(
            sum(1 for action in model.action_log if action["interregional"])
        ),
    }
