"""The cooperation network as a graph: networkx graphs from tie snapshots, exports to GraphML and
GEXF (for Gephi and networkx users), and the measures the notebooks use (centrality, the
Asia-Pacific to LAC layer).

    python -m sscsim.network results/runs/<run>            # graphs of the last snapshot
    python -m sscsim.network results/runs/<run> --period 32 --layers bilateral triangular
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx
import pandas as pd

from sscsim.results import atomic_path

NODE_COLUMNS: tuple[str, ...] = ("iso3", "kind", "region", "income_group", "mean_capacity")


def country_attributes(agents: pd.DataFrame, period: int | None = None) -> pd.DataFrame:
    """Node attributes by ISO3 code from the agent panel, at `period` (default: the last)."""
    period = int(agents["period"].max()) if period is None else period
    rows = agents[agents["period"] == agents.loc[agents["period"] <= period, "period"].max()]
    return rows[list(NODE_COLUMNS)].set_index("iso3")


def snapshot_graph(
    ties: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    period: int | None = None,
    layers: tuple[str, ...] | None = None,
) -> nx.MultiDiGraph:
    """The ties of one snapshot as a directed multigraph (one edge per tie and layer).

    Edges carry `layer`, `strength`, `born`, `last_action`, `actions`; nodes carry the attributes
    of `nodes` (e.g. `country_attributes`), and `north` for northern partners (not in `nodes`).
    Platform ties are undirected in the model and appear once, from the lower to the higher code.
    """
    period = int(ties["period"].max()) if period is None else period
    chosen = ties[ties["period"] == period]
    if layers is not None:
        chosen = chosen[chosen["layer"].astype(str).isin(layers)]
    graph = nx.MultiDiGraph(period=period)
    if nodes is not None:
        for code, attributes in nodes.iterrows():
            graph.add_node(code, **{k: _plain(v) for k, v in attributes.items()}, north=False)
    for row in chosen.itertuples(index=False):
        for end in (row.source, row.target):
            if end not in graph:
                graph.add_node(end, north=True)
        graph.add_edge(
            row.source,
            row.target,
            layer=str(row.layer),
            strength=float(row.strength),
            born=int(row.born),
            last_action=int(row.last_action),
            actions=int(row.actions),
        )
    return graph


def _plain(value: object) -> object:
    """GraphML and GEXF take str, int, float and bool attributes."""
    if pd.isna(value):
        return ""
    if hasattr(value, "item"):
        return value.item()
    return value


def strength_graph(graph: nx.MultiDiGraph) -> nx.Graph:
    """An undirected simple graph whose edge weight is the strongest tie between two actors."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for source, target, data in graph.edges(data=True):
        weight = data["strength"]
        if not simple.has_edge(source, target) or simple[source][target]["weight"] < weight:
            simple.add_edge(source, target, weight=weight)
    return simple


def interregional_subgraph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The Asia-Pacific to LAC ties only (both ends Southern, one in each region)."""
    region = nx.get_node_attributes(graph, "region")
    keep = [
        (u, v, k)
        for u, v, k in graph.edges(keys=True)
        if {region.get(u), region.get(v)} == {"asia_pacific", "lac"}
    ]
    return graph.edge_subgraph(keep).copy()


def write_graph(graph: nx.MultiDiGraph, target: Path) -> Path:
    """Write `graph` as GraphML (.graphml) or GEXF (.gexf), atomically."""
    target = Path(target)
    writers = {".graphml": nx.write_graphml, ".gexf": nx.write_gexf}
    if target.suffix not in writers:
        raise ValueError(f"{target}: the format is chosen by the suffix, .graphml or .gexf")
    with atomic_path(target) as temporary:
        writers[target.suffix](graph, str(temporary))
    return target


def export_run(
    run_dir: Path, period: int | None = None, layers: tuple[str, ...] | None = None
) -> list[Path]:
    """GraphML and GEXF files of a run folder's tie snapshot, beside its tables."""
    run_dir = Path(run_dir)
    ties = pd.read_parquet(run_dir / "ties.parquet")
    agents = pd.read_parquet(run_dir / "agents.parquet")
    graph = snapshot_graph(ties, country_attributes(agents, period), period, layers)
    stem = f"network_period{graph.graph['period']}"
    return [write_graph(graph, run_dir / f"{stem}.{suffix}") for suffix in ("graphml", "gexf")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sscsim.network", description="Export a run's ties as GraphML and GEXF."
    )
    parser.add_argument("run_dir", type=Path)
    parser.add_argument(
        "--period", type=int, default=None, help="a snapshot period (default: last)"
    )
    parser.add_argument(
        "--layers",
        nargs="+",
        default=None,
        help="bilateral, triangular, platform, oda (default: all)",
    )
    args = parser.parse_args(argv)
    if not (args.run_dir / "ties.parquet").exists():
        print(f"sscsim.network: {args.run_dir} holds no ties.parquet", file=sys.stderr)
        return 2
    for path in export_run(args.run_dir, args.period, tuple(args.layers) if args.layers else None):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
