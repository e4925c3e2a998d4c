"""Build sscsim's packaged donor tables from the project's shared data.

Writes two tables beside the world tables (provenance in ``sscsim/data/DONORS.md``):

- ``sscsim/data/donors.csv``: one row per OECD DAC member country (31): its triangular budget line
  (USD a year at 2024 ODA; blank where no volume is documented), its preferred Southern regions
  (weights; blank where none is documented) and its preferred pivotal Southern partners (ISO3
  codes; blank where none is documented), each with the basis of the value.
- ``sscsim/data/oda_announced.csv``: the announced ODA path, one row per member, year (2025 to
  2029) and end of the OECD's projected 2025 fall (`low` -9 %, `midpoint` -13 %, `high` -17 %):
  the multiplier of the member's ODA relative to its reference ODA/GNI ratio, from 1 January of
  that year, and its basis.

Every number comes from ``oda_announced_cuts.csv``, ``oecd_dac_oda_by_member.csv`` and
``cooperation_facts.md`` in the shared data folder (default ``../shared/data`` beside the
repository root), or is a stated assumption named in the basis column. Deterministic; standard
library only.

    python scripts/build_donor_table.py [--source DIR] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "sscsim" / "data"

SOUTHERN_REGIONS = ("asia_pacific", "lac", "africa", "middle_east", "europe_central_asia")
YEARS = (2025, 2026, 2027, 2028, 2029)
PROJECTIONS = ("low", "midpoint", "high")

# Assumptions (named in the tables' basis columns and in DONORS.md).
EUR_USD_2024 = 1.08  # approximate 2024 average euro reference rate
JICA_TRIANGULAR_USD = 20e6  # "tens of millions": the lower end, an assumption
# The model's northern part of a typical within-region triangular action: 60,000 USD a quarter
# x 4 quarters (mean of 2 to 6) x 0.7 co-funding share (sscsim.config defaults).
TYPICAL_NORTHERN_PART_USD = 60_000 * 4 * 0.7
JICA_PIVOTS = ("THA", "IDN", "MYS", "SGP", "CHL", "BRA", "MEX", "ARG")
SPAIN_PIVOTS = ("CHL",)  # Chile-Spain Mixed Fund: 20 triangular projects since 2009


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _fact(text: str, pattern: str) -> re.Match[str]:
    """A fact of cooperation_facts.md, by regular expression; fail loudly if it is not there."""
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"cooperation_facts.md: no match for {pattern!r}; update the script")
    return match


def _row(cuts: list[dict[str, str]], donor: str, measure: str, year: str) -> dict[str, str]:
    for row in cuts:
        if (row["donor_iso3"], row["measure"], row["year"]) == (donor, measure, year):
            return row
    raise SystemExit(f"oda_announced_cuts.csv: no row {donor} {measure} {year}")


def _number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"oda_announced_cuts.csv: no match for {pattern!r} in {text!r}")
    return float(match.group(1))


def donor_rows(members: list[dict[str, str]], facts: str) -> list[dict[str, str]]:
    """The donors table: triangular budget lines, preferred regions and pivots."""
    giz = _fact(
        facts, r"Triangular Cooperation with LAC \| ([\d.]+) M EUR committed (\d{4})-(\d{4})"
    )
    giz_eur, first, last = float(giz.group(1)), int(giz.group(2)), int(giz.group(3))
    giz_usd = giz_eur * 1e6 / (last - first + 1) * EUR_USD_2024
    jica = _fact(
        facts,
        r"FY2015: \d+ triangular experts, ([\d,]+) participants"
        r" \((\d+) from Latin America, (\d+) South-East Asia\)",
    )
    total, latin, south_east = (int(jica.group(k).replace(",", "")) for k in (1, 2, 3))
    rest = (total - latin - south_east) / 3  # split equally over the other Southern regions
    spain = _fact(facts, r"(\d+) initiatives in 2020-21, (\d+) % of them triangular")
    spain_per_year = int(spain.group(1)) * int(spain.group(2)) / 100 / 2
    koica = _fact(facts, r"Asia ([\d.]+) %, Africa ([\d.]+) %, Latin America ([\d.]+) %")
    asia, africa, latin_k = (float(koica.group(k)) for k in (1, 2, 3))
    other_k = (100 - asia - africa - latin_k) / 2  # Middle East, Europe & Central Asia

    policies = {
        "JPN": {
            "triangular_usd_a_year": f"{JICA_TRIANGULAR_USD:.0f}",
            "triangular_basis": "assumption: JICA third-country training and triangular experts"
            f" ({total:,} participants, FY2015) are of the order of tens of millions of USD a"
            " year; the lower end, 20 M USD, is taken",
            "weights": (south_east, latin, rest, rest, rest),
            "region_basis": f"JICA third-country training participants FY2015: {south_east}"
            f" South-East Asia, {latin} Latin America; the other {total - latin - south_east:,}"
            " split equally over Africa, Middle East, Europe & Central Asia (assumption)",
            "pivots": JICA_PIVOTS,
            "pivots_basis": "JICA partnership programmes with pivotal countries (Thailand,"
            " Indonesia, Malaysia, Singapore, Chile, Brazil, Mexico, Argentina)",
        },
        "DEU": {
            "triangular_usd_a_year": f"{giz_usd:.0f}",
            "triangular_basis": f"GIZ Regional Fund for Triangular Cooperation with LAC:"
            f" {giz_eur} M EUR committed {first}-{last}, over {last - first + 1} years, at"
            f" {EUR_USD_2024} USD/EUR (assumption); Germany's other triangular work is not counted",
            "weights": (0.0, 1.0, 0.0, 0.0, 0.0),
            "region_basis": "the GIZ fund works with Latin America and the Caribbean",
            "pivots": (),
            "pivots_basis": "none documented (the fund's 34 projects in 19 countries are not"
            " listed in the shared data)",
        },
        "ESP": {
            "triangular_usd_a_year": f"{spain_per_year * TYPICAL_NORTHERN_PART_USD:.0f}",
            "triangular_basis": f"SEGIB: {spain.group(1)} Spanish initiatives in 2020-21,"
            f" {spain.group(2)} % triangular (always as second provider): {spain_per_year:g} a"
            f" year x {TYPICAL_NORTHERN_PART_USD:,.0f} USD, the model's northern part of a"
            " typical within-region action (assumption)",
            "weights": (0.0, 1.0, 0.0, 0.0, 0.0),
            "region_basis": "SEGIB Ibero-American cooperation: Latin America (assumption: Spain's"
            " triangular work is Ibero-American)",
            "pivots": SPAIN_PIVOTS,
            "pivots_basis": "Chile-Spain Mixed Fund (20 triangular projects since 2009, AGCID);"
            " other Latin American pivots not documented",
        },
        "KOR": {
            "triangular_usd_a_year": "",
            "triangular_basis": "no volume documented: the floor share of ODA applies",
            "weights": (asia, latin_k, africa, other_k, other_k),
            "region_basis": f"KOICA spending by region 2021: Asia {asia} %, Africa {africa} %,"
            f" Latin America {latin_k} %; the rest split equally over Middle East and Europe &"
            " Central Asia (assumption)",
            "pivots": (),
            "pivots_basis": "none documented",
        },
    }
    rows = []
    for member in sorted(members, key=lambda m: m["iso3"]):
        code = member["iso3"]
        policy = policies.get(code)
        row = {"iso3": code, "name": member["name"]}
        if policy is None:
            row |= {
                "triangular_usd_a_year": "",
                "triangular_basis": "no volume documented (14 of 30 DAC members reported"
                " triangular cooperation in the CRS 2016-2020; which ones is not in the shared"
                " data): the floor share of ODA applies",
            }
            row |= {f"weight_{region}": "" for region in SOUTHERN_REGIONS}
            row |= {
                "region_basis": "none documented: equal weights",
                "pivots": "",
                "pivots_basis": "none documented",
            }
        else:
            row |= {
                "triangular_usd_a_year": policy["triangular_usd_a_year"],
                "triangular_basis": policy["triangular_basis"],
            }
            weights = policy["weights"]
            scale = sum(weights)
            row |= {
                f"weight_{region}": f"{w / scale:.4f}"
                for region, w in zip(SOUTHERN_REGIONS, weights, strict=True)
            }
            row |= {
                "region_basis": policy["region_basis"],
                "pivots": " ".join(policy["pivots"]),
                "pivots_basis": policy["pivots_basis"],
            }
        rows.append(row)
    return rows


def announced_rows(
    members: list[dict[str, str]], cuts: list[dict[str, str]]
) -> list[dict[str, str]]:
    """The announced ODA path: multipliers by member, year and projection end."""
    ends = [
        float(r["value"]) / 100
        for r in cuts
        if (r["donor_iso3"], r["measure"], r["year"]) == ("DAC", "projected_change_pct", "2025")
    ]
    if len(ends) != 2:
        raise SystemExit("oda_announced_cuts.csv: expected two ends of the DAC 2025 projection")
    low, high = max(ends), min(ends)  # -9 % and -17 %
    projection = {"low": 1 + low, "midpoint": 1 + (low + high) / 2, "high": 1 + high}

    # USA: the USAID closure (1 July 2025) has no member figure: the high end of the OECD's 2025
    # projection (the US cut is its largest part); FY2026 House bill -22 % vs FY2025 from 2026.
    us_2026 = float(_row(cuts, "USA", "budget_change_pct", "2026")["value"]) / 100
    usa = {2025: projection["high"], 2026: projection["high"] * (1 + us_2026)}
    usa_basis = {
        2025: "USAID closed 1 July 2025; no member figure: the high end of the OECD 2025"
        " projection (assumption)",
        2026: f"FY2026 House appropriations bill {us_2026:+.0%} vs FY2025, used as if enacted"
        " (a proposal, not law)",
    }
    # GBR: 0.5 % of GNI (2024) to 0.3 % by 2027, linearly (assumption on the steps).
    gbr_row = _row(cuts, "GBR", "oda_gni_pct_target", "2027")
    gbr_from = _number(gbr_row["note"], r"from ([\d.]+) %")
    gbr_to = float(gbr_row["value"])
    gbr = {y: (gbr_from + (gbr_to - gbr_from) * min(1.0, (y - 2024) / 3)) / gbr_from for y in YEARS}
    # DEU: 0.67 % (2024) to 0.52 % (2026), linearly; then the BMZ budget's planned path.
    deu_from = float(_row(cuts, "DEU", "oda_gni_pct", "2024")["value"])
    deu_row = _row(cuts, "DEU", "oda_gni_pct_projected", "2026")
    deu_to = float(deu_row["value"])
    bmz_2026 = _number(deu_row["note"], r"about ([\d.]+) \(2026\)")
    bmz_2029 = _number(deu_row["note"], r"about ([\d.]+) planned for 2029")
    deu = {2025: (deu_from + deu_to) / 2 / deu_from, 2026: deu_to / deu_from}
    for y in (2027, 2028, 2029):
        deu[y] = deu[2026] * (bmz_2026 + (bmz_2029 - bmz_2026) * (y - 2026) / 3) / bmz_2026
    # NLD: cuts of 0.3 and 0.5 bn EUR in 2025 and 2026 against a budget of 3 x 2.4 bn EUR
    # ("about a third"); from 2027 the ratio's announced fall, 0.65 % to 0.5 %.
    nld_row = _row(cuts, "NLD", "budget_change_eur_bn_per_year", "2027")
    nld_budget = 3 * -float(nld_row["value"])
    nld_2025 = _number(nld_row["note"], r"cuts of ([\d.]+) bn EUR in 2025")
    nld_2026 = _number(nld_row["note"], r"and ([\d.]+) bn EUR in 2026")
    nld_from = _number(nld_row["note"], r"from ([\d.]+) %")
    nld_to = _number(nld_row["note"], r"to ([\d.]+) %")
    nld = {2025: 1 - nld_2025 / nld_budget, 2026: 1 - nld_2026 / nld_budget}
    nld |= {y: nld_to / nld_from for y in (2027, 2028, 2029)}
    french = _row(cuts, "FRA", "budget_change_pct", "2025")
    if french["confidence"] != "weak":
        raise SystemExit("FRA's 2025 cut is no longer 'weak': revisit its use in this script")

    announced = {
        "USA": (lambda y: usa[min(y, 2026)], lambda y: usa_basis[min(y, 2026)]),
        "GBR": (
            lambda y: gbr[y],
            lambda y: (
                f"{gbr_from} % of GNI (2024) to {gbr_to} % by 2027, linear steps"
                " (assumption on the steps)"
            ),
        ),
        "DEU": (
            lambda y: deu[y],
            lambda y: (
                f"ODA/GNI {deu_from} % (2024) to {deu_to} % (2026), 2025 halfway"
                if y <= 2026
                else f"BMZ budget {bmz_2026} bn EUR (2026) to {bmz_2029} (2029, planned), linear,"
                " applied to ODA (assumption)"
            ),
        ),
        "NLD": (
            lambda y: nld[y],
            lambda y: (
                f"cut of {(nld_2025, nld_2026)[y - 2025]} bn EUR of a {nld_budget:g} bn"
                " EUR budget (3 x the 2.4 bn cut, 'about a third')"
                if y <= 2026
                else f"ODA/GNI from {nld_from} % to {nld_to} % by 2027"
            ),
        ),
    }
    rows = []
    for member in sorted(members, key=lambda m: m["iso3"]):
        code = member["iso3"]
        for end in PROJECTIONS:
            for y in YEARS:
                if code in announced:
                    value, basis = announced[code][0](y), announced[code][1](y)
                else:
                    value = projection[end]
                    basis = (
                        f"no announcement used: OECD DAC-wide projection for 2025 ({end} end), held"
                    )
                    if code == "FRA":
                        basis += (
                            f"; the reported {french['value']} % cut of 2025 is weak and not used"
                        )
                rows.append(
                    {
                        "iso3": code,
                        "year": str(y),
                        "projection": end,
                        "multiplier": f"{value:.6f}",
                        "basis": basis,
                    }
                )
    return rows


def _csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="fail if the packaged tables differ from a rebuild"
    )
    args = parser.parse_args(argv)
    members = _read_csv(args.source / "oecd_dac_oda_by_member.csv")
    cuts = _read_csv(args.source / "oda_announced_cuts.csv")
    facts = (args.source / "cooperation_facts.md").read_text(encoding="utf-8")
    tables = {
        "donors.csv": _csv_text(donor_rows(members, facts)),
        "oda_announced.csv": _csv_text(announced_rows(members, cuts)),
    }
    stale = []
    for name, text in tables.items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run scripts/build_donor_table.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
