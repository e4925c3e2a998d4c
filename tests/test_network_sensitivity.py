"""Network exports and the sensitivity analysis, end to end on small runs."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import yaml

from sscsim.config import ConfigError, config_from_parameters
from sscsim.network import export_run, interregional_subgraph, snapshot_graph
from sscsim.runner import run_and_save
from sscsim.sensitivity import Plan
from sscsim.sensitivity import main as sensitivity_main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    run_and_save(config_from_parameters(steps=8, seed=2, figures=False), folder, progress=False)
    return folder


def test_graphml_and_gexf_carry_nodes_and_ties(run_dir):
    paths = export_run(run_dir)
    assert {p.suffix for p in paths} == {".graphml", ".gexf"}
    ties = pd.read_parquet(run_dir / "ties.parquet")
    last = ties[ties["period"] == ties["period"].max()]
    graph = nx.read_graphml(paths[0])
    assert graph.number_of_edges() == len(last)
    assert (
        graph.nodes["IDN"]["kind"] == "champion" and graph.nodes["IDN"]["region"] == "asia_pacific"
    )
    layers = {data["layer"] for _, _, data in graph.edges(data=True)}
    assert layers <= {"bilateral", "triangular", "platform", "oda"} and "oda" in layers
    assert nx.read_gexf(paths[1]).number_of_nodes() == graph.number_of_nodes()


def test_interregional_layer_joins_asia_pacific_and_lac_only(run_dir):
    ties = pd.read_parquet(run_dir / "ties.parquet")
    agents = pd.read_parquet(run_dir / "agents.parquet")
    nodes = agents[agents["period"] == agents["period"].max()].set_index("iso3")
    graph = interregional_subgraph(snapshot_graph(ties, nodes[["kind", "region"]]))
    assert graph.number_of_edges() > 0
    for u, v in graph.edges():
        assert {graph.nodes[u]["region"], graph.nodes[v]["region"]} == {"asia_pacific", "lac"}


def write_plan(tmp_path: Path, **changes) -> Path:
    plan = {
        "method": "sobol",
        "samples": 4,
        "seeds": [1],
        "steps": 4,
        "parameters": {
            "oda_cut_depth": [0.0, 0.5],
            "sids_priority": [0.0, 1.0],
            "decay_rate": [0.02, 0.08],
        },
        "outputs": ["sids_capacity_gap_end", "triangular_share"],
    } | changes
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


def test_plan_errors_name_the_bad_entry(tmp_path):
    with pytest.raises(ConfigError, match=r"parameters\.no_such_parameter"):
        Plan.load(
            write_plan(tmp_path, parameters={"no_such_parameter": [0, 1], "decay_rate": [0.0, 0.1]})
        )
    with pytest.raises(ConfigError, match=r"parameters.decay_rate = \[0.1, 0.0\]"):
        Plan.load(
            write_plan(tmp_path, parameters={"sids_priority": [0, 1], "decay_rate": [0.1, 0.0]})
        )
    with pytest.raises(ConfigError, match="method = 'anova'"):
        Plan.load(write_plan(tmp_path, method="anova"))


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_indices_with_confidence_intervals(tmp_path, method):
    plan = write_plan(tmp_path, method=method, samples=4)
    out = tmp_path / method
    assert (
        sensitivity_main(["run", "--config", str(plan), "--out", str(out), "--workers", "1"]) == 0
    )
    indices = pd.read_csv(out / "indices.csv")
    columns = (
        ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    )
    assert set(columns) <= set(indices.columns)
    assert set(indices["parameter"]) == {"oda_cut_depth", "sids_priority", "decay_rate"}
    assert (indices[columns[1]] >= 0).all()
    outputs = pd.read_parquet(out / "outputs.parquet")
    runs = 4 * (3 + 2) if method == "sobol" else 4 * (3 + 1)
    assert len(outputs) == runs and outputs["triangular_share"].between(0, 1).all()
    assert (out / "indices.png").stat().st_size > 5_000
