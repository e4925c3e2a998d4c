#!/usr/bin/env python3
"""Build sscsim/data/segib_participation.csv from SEGIB's per-country record.

Input: ``../shared/data/segib_country_year_2007_2024.csv`` (SEGIB: South-South and triangular
initiatives per Latin American country and year, 2007-2024, ISO 3166 alpha-2 codes; an initiative
shared by several countries counts for each). Output: one row per country with its ISO3 code and
the count for every year, deterministic (sorted rows, ``\\n`` line endings).

    python scripts/build_segib_table.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE = "segib_country_year_2007_2024.csv"
TARGET = "segib_participation.csv"
# ISO 3166 alpha-2 to alpha-3 for the 19 Latin American members of the Ibero-American community.
ALPHA3: dict[str, str] = {
    "AR": "ARG", "BO": "BOL", "BR": "BRA", "CL": "CHL", "CO": "COL", "CR": "CRI", "CU": "CUB",
    "DO": "DOM", "EC": "ECU", "GT": "GTM", "HN": "HND", "MX": "MEX", "NI": "NIC", "PA": "PAN",
    "PE": "PER", "PY": "PRY", "SV": "SLV", "UY": "URY", "VE": "VEN",
}  # fmt: skip


def build(source: Path) -> str:
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    years = header[1:]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["iso3", *(f"y{year}" for year in years)])
    unknown = sorted({row[0] for row in body} - set(ALPHA3))
    if unknown:
        raise SystemExit(f"{source}: unknown country codes {unknown}")
    for row in sorted(body, key=lambda r: ALPHA3[r[0]]):
        writer.writerow([ALPHA3[row[0]], *(int(value) for value in row[1:])])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "sscsim" / "data")
    args = parser.parse_args()
    text = build(args.source / SOURCE)
    (args.out / TARGET).write_text(text, encoding="utf-8")
    print(f"{args.out / TARGET}: {text.count(chr(10)) - 1} countries")


if __name__ == "__main__":
    main()
