"""A run's report: `report.html`, one self-contained page that summarises a run folder.

    python -m sscsim.report results/runs/<run>     # (re)write the report of a finished run

The page holds the headline figures (actions by modality, capacity, the SIDS capacity gap, the
persistence of partnerships, the channels that moved capacity), the modality shares beside
SEGIB's (`sscsim.state.modalities.SEGIB_2023_SHARES`), the run's figures, the directory of
cooperation sources and the run's provenance (scenario, seed, versions, commit, command, the
resolved configuration). Raster and SVG figures are embedded as base64 data, so the page can be
mailed or archived alone; figures in other formats (PDF) are linked by their name in the folder.
Every piece of text is escaped. `sscsim.results.write_run` writes the report just before the
summary, so a complete run folder holds it and the summary lists it.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sscsim.results import write_text
from sscsim.state.funds import FLOWS
from sscsim.state.modalities import MODALITIES, SEGIB_2023_SHARES, SEGIB_2023_SOURCE

REPORT_FILE = "report.html"
# Figures embedded in the page, by file suffix; any other figure is linked.
EMBEDDED_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
FIGURE_SUFFIXES: tuple[str, ...] = (*EMBEDDED_TYPES, ".pdf")
PERSISTENCE_GROUPS: dict[str, str] = {
    "all": "all partner pairs",
    "asia_pacific_lac": "Asia-Pacific to LAC pairs",
}
SOURCE_KINDS: dict[str, str] = {
    "southern_ssc_fund": "national SSC funds of Southern countries",
    "northern_triangular_line": "northern triangular co-funding lines",
    "platform_trust_fund": "platform trust funds",
    "pgtf": "Perez-Guerrero Trust Fund",
    "joint_fund": "bilateral joint funds",
    "organisation": "organisations managing projects",
}
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #eee; padding: 0.2rem 0.6rem; text-align: left;
         vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 0.7rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption, .note { color: #666; font-size: 0.85rem; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; font-size: 0.8rem; }
"""


# --- formatting --------------------------------------------------------------------------------
def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def _share(value: float | None) -> str:
    """A share in 0-1 as a percentage with one decimal; a dash where undefined."""
    return "—" if value is None or math.isnan(value) else f"{100 * value:.1f} %"


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _usd(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.0f}"


def _years(value: float | None) -> str:
    return "not reached" if value is None or math.isnan(value) else f"{value:g} years"


def _cell(value: Any, number: bool = False) -> str:
    text = html.escape(str(value))
    return f'<td class="number">{text}</td>' if number else f"<td>{text}</td>"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], numbers: int = 0) -> str:
    """An HTML table of escaped text; the last `numbers` columns are right-aligned figures; an
    empty `header` gives a table of label and value rows without a head."""
    rows = [tuple(row) for row in rows]
    width = len(header) or max((len(row) for row in rows), default=0)
    first_number = width - numbers
    body = "".join(
        "<tr>" + "".join(_cell(v, number=k >= first_number) for k, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    thead = f"<thead><tr>{head}</tr></thead>" if header else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


# --- sections ----------------------------------------------------------------------------------
def headline_section(summary: dict[str, Any]) -> str:
    """Actions by modality, capacity and the SIDS capacity gap at start and end, the persistence
    of partnerships and the channels of capacity change, from a run's summary (summary.json)."""
    actions = summary["actions"]
    parts = ["<h2>Headline figures</h2>"]
    parts.append(
        _table(
            ["modality", "actions"],
            [("all", f"{actions['total']:,}")]
            + [(m.label, f"{actions.get(m.name, 0):,}") for m in MODALITIES],
            numbers=1,
        )
    )
    capacity, gap = summary["mean_capacity"], summary["sids_capacity_gap"]
    parts.append(
        _table(
            ["figure (capacity 0-1)", "start", "end"],
            [
                ("mean capacity", _number(capacity["start"]), _number(capacity["end"])),
                (
                    "SIDS capacity gap (non-SIDS minus SIDS)",
                    _number(gap["start"]),
                    _number(gap["end"]),
                ),
            ],
            numbers=2,
        )
    )
    if "interregional_ties_end" in summary:
        parts.append(
            f'<p class="note">Asia-Pacific to LAC ties alive at the end: '
            f"{summary['interregional_ties_end']:,}.</p>"
        )
    parts.append(persistence_section(summary.get("persistence")))
    parts.append(channels_section(summary.get("capacity_change_by_channel")))
    return "\n".join(parts)


def persistence_section(block: dict[str, Any] | None) -> str:
    """The persistence of partnerships (summary's `persistence`): pairs, the Kaplan-Meier median
    spell and S(3) with their 95 % intervals, the repeat-collaboration rates."""
    if not block:
        return '<p class="note">No persistence of partnerships in this summary.</p>'
    rows = []
    for group, label in PERSISTENCE_GROUPS.items():
        figures = block.get(group)
        if not figures:
            continue
        median = _years(figures["median_years"])
        if figures["median_years"] is not None:
            median += f" ({_years(figures['median_low'])} to {_years(figures['median_high'])})"
        three = figures.get("survival_3y") or {}
        survival = _share(three.get("estimate"))
        if not _missing(three.get("low")) and not _missing(three.get("high")):
            survival += f" ({_share(three['low'])} to {_share(three['high'])})"
        rows.append(
            (
                label,
                f"{figures['pairs']:,}",
                f"{figures['spells']:,}",
                median,
                survival,
                _share(figures.get("repeat_rate_5y")),
                _share(figures.get("repeat_rate_yearly")),
            )
        )
    table = _table(
        [
            "partnerships",
            "pairs",
            "spells",
            "median spell (95 %)",
            "spells lasting over 3 years, S(3) (95 %)",
            "repeat, next 5 years",
            "repeat, next year",
        ],
        rows,
        numbers=6,
    )
    note = (
        f'<p class="note">Kaplan-Meier survival of partnership spells in '
        f"{block['first_year']}-{block['last_year']} (spells may skip {block['gap_years']}"
        " inactive years), right-censored at the run's last year; a dash: not observable in"
        " a run this short.</p>"
    )
    return "<h3>Persistence of partnerships</h3>" + table + note


def channels_section(block: dict[str, Any] | None) -> str:
    """The change of mean capacity over the run by channel (summary's
    `capacity_change_by_channel`), largest first."""
    if not block:
        return ""
    shares = block["share_of_gross_gain"]
    order = sorted(block["change"].items(), key=lambda item: -abs(item[1]))
    rows = [(channel, _number(change, 4), _share(shares.get(channel))) for channel, change in order]
    rows.append(("all channels", _number(block["total"], 4), ""))
    table = _table(["channel", "change of mean capacity", "share of the gross gain"], rows, 2)
    return "<h3>What moved capacity</h3>" + table


def modality_section(summary: dict[str, Any]) -> str:
    """The run's shares of actions by modality beside SEGIB's 2023 shares, with bars."""
    shares = summary["modality_shares"]
    rows = []
    for m in MODALITIES:
        run, target = shares.get(m.name), SEGIB_2023_SHARES[m.name]
        gap, width = ("—", 0.0) if run is None else (f"{100 * (run - target):+.1f}", 12 * run)
        bars = (
            f'<span class="bar" style="width:{width:.2f}rem;background:{m.colour}"></span><br>'
            f'<span class="bar" style="width:{12 * target:.2f}rem;background:#bbb"></span>'
        )
        rows.append(
            f"<tr>{_cell(m.label)}{_cell(_share(run), True)}{_cell(_share(target), True)}"
            f"{_cell(gap, True)}<td>{bars}</td></tr>"
        )
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in ("modality", "this run", "SEGIB 2023", "gap (points)", "run / SEGIB")
    )
    return (
        "<h2>Modality shares beside SEGIB's</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">Shares of all actions started in the run. Target:'
        f" {html.escape(SEGIB_2023_SOURCE)}.</p>"
    )


def figure_html(path: Path) -> str:
    """A figure of the folder: embedded as base64 data (PNG, JPEG, GIF, WebP, SVG), otherwise
    (PDF) a link by its name, relative to the report."""
    path = Path(path)
    caption = html.escape(path.stem.replace("_", " "))
    mime = EMBEDDED_TYPES.get(path.suffix.lower())
    if mime is None:
        name = html.escape(path.name, quote=True)
        return f'<p><a href="{name}">{caption} ({html.escape(path.suffix.lstrip("."))})</a></p>'
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{caption}" src="data:{mime};base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def figures_section(figures: Sequence[Path]) -> str:
    if not figures:
        return '<h2>Figures</h2><p class="note">No figures were drawn for this run.</p>'
    return "<h2>Figures</h2>" + "\n".join(figure_html(path) for path in figures)


def sources_section(sources: pd.DataFrame) -> str:
    """The directory of cooperation sources (sources.parquet): totals by kind of source, then
    every source that is not a national SSC fund with its rules and its money, USD."""
    if sources.empty:
        return '<h2>Directory of cooperation sources</h2><p class="note">No sources.</p>'
    inflow = sources["inflows_usd"] + sources["transfers_in_usd"]
    frame = sources.assign(budget_usd=inflow)
    by_kind = frame.groupby("kind", sort=False).agg(
        sources=("source", "size"),
        budget=("budget_usd", "sum"),
        spent=("spent_usd", "sum"),
        fees=("fees_usd", "sum"),
        balance=("balance_end_usd", "sum"),
        projects=("projects_funded", "sum"),
    )
    totals = _table(
        [
            "kind of source",
            "sources",
            "budget (inflows and transfers in)",
            "spent",
            "fees",
            "balance at end",
            "actions and projects funded",
        ],
        [
            (
                SOURCE_KINDS.get(str(kind), str(kind)),
                f"{row.sources:,}",
                _usd(row.budget),
                _usd(row.spent),
                _usd(row.fees),
                _usd(row.balance),
                f"{row.projects:,}",
            )
            for kind, row in by_kind.iterrows()
        ],
        numbers=6,
    )
    shown = frame[frame["kind"] != "southern_ssc_fund"]
    detail = _table(
        [
            "source",
            "name",
            "manager",
            "who may apply",
            "max grant",
            "calls a year",
            "min countries",
            "budget",
            "spent",
            "fees",
            "balance at end",
            "projects",
        ],
        [
            (
                row.source,
                row.name,
                row.manager,
                row.who_may_apply,
                _usd(row.max_grant_usd),
                "" if _missing(row.calls_per_year) else f"{row.calls_per_year:g}",
                row.min_countries,
                _usd(row.budget_usd),
                _usd(row.spent_usd),
                _usd(row.fees_usd),
                _usd(row.balance_end_usd),
                row.projects_funded,
            )
            for row in shown.itertuples(index=False)
        ],
        numbers=5,
    )
    flows = ", ".join(FLOWS)
    return (
        "<h2>Directory of cooperation sources</h2>"
        f"{totals}"
        f"<details><summary>Every source but the national SSC funds ({len(shown)})</summary>"
        f"{detail}</details>"
        f'<p class="note">USD over the run. Flows of every source ({html.escape(flows)}),'
        " with the national SSC funds, are in sources.parquet; sources.md is its readable"
        " twin.</p>"
    )


def provenance_section(run: dict[str, Any], config_yaml: str) -> str:
    """Scenario, seed, steps, wall time, commit, command and versions (summary's `run`), the
    folder's files and the resolved configuration."""
    rows = [
        ("scenario", run.get("scenario", "")),
        ("seed", run.get("seed", "")),
        ("steps (quarters)", run.get("steps", "")),
        ("wall time (s)", run.get("wall_time_seconds", "")),
        ("commit", run.get("commit") or "unknown (not a git checkout)"),
        ("command", run.get("command", "")),
    ]
    versions = run.get("versions", {})
    files = ", ".join(run.get("files", []))
    return (
        "<h2>Provenance</h2>"
        + _table([], rows)
        + _table(["package", "version"], sorted(versions.items()))
        + f'<p class="note">Files: {html.escape(files)}.</p>'
        + "<details><summary>Configuration (config.yaml)</summary>"
        + f"<pre>{html.escape(config_yaml)}</pre></details>"
    )


# --- the page ----------------------------------------------------------------------------------
def report_html(
    summary: dict[str, Any], sources: pd.DataFrame, figures: Sequence[Path], config_yaml: str
) -> str:
    """The report page of a run: `summary` as in summary.json (with its `run` block),
    `sources` the directory of cooperation sources, `figures` the paths of its figures."""
    run = summary.get("run", {})
    title = f"sscsim run: {run.get('scenario', 'scenario')}, seed {run.get('seed', '?')}"
    period = (
        f"{summary['first_year']} to {summary['end_time']:g} ({summary['periods']} quarters),"
        f" {summary['countries']} Southern countries, {summary['northern_partners']} northern"
        f" partners, {len(summary.get('platforms', []))} platforms"
    )
    body = "\n".join(
        [
            f"<h1>{html.escape(title)}</h1>",
            f'<p class="note">{html.escape(period)}.</p>',
            headline_section(summary),
            modality_section(summary),
            figures_section(figures),
            sources_section(sources),
            provenance_section(run, config_yaml),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_report(
    run_dir: Path,
    summary: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    figures: Sequence[Path],
) -> Path:
    """Write `report.html` into `run_dir` atomically and return its path; `tables` are the
    run's tables (its `sources` shown), the configuration is read from the folder's config.yaml.

    The signature is `write_run`'s `report` hook: called after the figures and before the
    summary is written."""
    run_dir = Path(run_dir)
    config_file = run_dir / "config.yaml"
    config_yaml = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    target = run_dir / REPORT_FILE
    write_text(report_html(summary, tables["sources"], figures, config_yaml), target)
    return target


def report_folder(run_dir: Path) -> Path:
    """Write the report of a finished run folder from its files: summary.json, sources.parquet,
    config.yaml and the figures that the summary lists.

    Raises FileNotFoundError naming the folder when it holds no summary.json (an incomplete
    run)."""
    run_dir = Path(run_dir)
    summary_file = run_dir / "summary.json"
    if not summary_file.exists():
        raise FileNotFoundError(f"{run_dir} holds no summary.json: not a complete run folder")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    names = summary.get("run", {}).get("files", [])
    figures = [run_dir / n for n in names if Path(n).suffix.lower() in FIGURE_SUFFIXES]
    sources = pd.read_parquet(run_dir / "sources.parquet")
    return write_report(run_dir, summary, {"sources": sources}, [p for p in figures if p.exists()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sscsim.report", description=__doc__.splitlines()[0]
    )
    parser.add_argument("run_dir", type=Path, help="a finished run folder (with summary.json)")
    args = parser.parse_args(argv)
    try:
        target = report_folder(args.run_dir)
    except FileNotFoundError as error:
        print(f"sscsim.report: {error}", file=sys.stderr)
        return 2
    print(f"sscsim.report: wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
