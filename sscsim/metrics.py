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


def interregional_ties(model: SSCModel) -> int:
    """Alive bilateral, triangular and platform ties between Asia-Pacific and LAC countries."""
    _rows, layer, source, target = model.alive_ties
    return int((model.interregional(source, target) & (layer != Layer.ODA)).sum())


def interregional_actions(model: SSCModel) -> int:
    """New actions between Asia-Pacific and LAC countries this step."""
    return model.count["interregional_actions"]


def ties_alive(model: SSCModel) -> int:
    return len(model.alive_ties[0])


def ties_of_layer(model: SSCModel, layer: Layer) -> int:
    return int((model.alive_ties[1] == layer).sum())


def tie_survival(model: SSCModel) -> float:
    """Share of the ties alive at the start of the step that survived it."""
    before = model.count["ties_before"]
    return 1.0 - model.count["ties_dissolved"] / before if before else float("nan")


def interregional_tie_survival(model: SSCModel) -> float:
    """Share of the Asia-Pacific to LAC ties alive before this step's decay that survived it
    (decay only removes ties: those alive before are the survivors and the dissolved)."""
    survivors = interregional_ties(model)
    before = survivors + model.count["interregional_dissolved"]
    return survivors / before if before else float("nan")


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


def build_datacollector() -> mesa.DataCollector:
    """The model's DataCollector: model metrics per step (the country panel is `Panel`)."""
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
        "interregional_actions": interregional_actions,
        "tie_survival": tie_survival,
        "interregional_tie_survival": interregional_tie_survival,
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

    return mesa.DataCollector(model_reporters=model_reporters)


class Panel:
    """The country panel: arrays recorded at chosen steps, turned into a table on demand.

    Recording copies a few arrays (no per-agent Python calls), so it costs the same per country
    at any scale; `output.panel_every` thins it for large worlds.
    """

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def record(self, model: SSCModel) -> None:
        n = model.n_south
        self.records.append(
            {
                "period": model.period,
                "capacity": model.capacity.copy(),
                "institutional_capacity": model.institutional.copy(),
                "ssc_budget_usd": model.ssc_budget.copy(),
                "oda_received_usd": model.oda_received.copy(),
                "eligible": model.eligible.copy(),
                "income_level": model.income_level.copy(),
                "kind": model.kind[:n].copy(),
                "degree": model.degree[:n].copy(),
            }
        )

    def frame(self, model: SSCModel) -> pd.DataFrame:
        n = model.n_south
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
                "iso3": pd.Series(np.tile(model.roster.iso3[:n], periods), dtype="string"),
                "kind": pd.Series(kind_names[stack["kind"]], dtype="string"),
                "region": pd.Series(
                    np.tile(np.asarray(REGIONS)[model.roster.region[:n]], periods), dtype="string"
                ),
                "income_group": pd.Series(
                    np.asarray(["L", "LM", "UM", "H"])[stack["income_level"]], dtype="string"
                ),
                "mean_capacity": capacity.mean(axis=1),
            }
        )
        for k, sector in enumerate(model.sectors):
            frame[f"capacity_{sector}"] = capacity[:, k]
        for name in ("institutional_capacity", "ssc_budget_usd", "oda_received_usd"):
            frame[name] = stack[name].astype(np.float64)
        frame["eligible"] = stack["eligible"].astype(bool)
        frame["degree"] = stack["degree"].astype(np.int64)
        frame["time"] = model.config.start_year + frame["period"] / model.steps_per_year
        return frame


# --- output tables ---------------------------------------------------------------------------
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
    return frame


def timeseries_frame(model: SSCModel) -> pd.DataFrame:
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
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
        "interregional_actions": int(series["interregional_actions"].sum()),
    }
