"""Golden regression: the model's outputs equal those recorded in tests/golden/digests.json.

A failure names the run, table and column that changed. If the change is intended, regenerate
with `python scripts/regenerate_golden.py` and say why in the CHANGELOG.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sscsim.golden import CASES, differences, digest_case

RECORDS = json.loads((Path(__file__).parent / "golden" / "digests.json").read_text())


def test_every_case_has_a_record():
    assert sorted(RECORDS) == sorted(case.name for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_outputs_match_the_golden_digests(case):
    found = list(differences(RECORDS[case.name], digest_case(case)))
    assert not found, f"{case.name} changed:\n" + "\n".join(found[:40])


def test_a_changed_column_is_named():
    record = RECORDS[CASES[0].name]
    changed = json.loads(json.dumps(record))
    changed["tables"]["actions"]["columns"]["cost_usd"]["sha256"] = "0" * 64
    changed["tables"]["actions"]["columns"]["cost_usd"]["statistics"]["sum"] *= 1.01
    changed["summary"]["actions.total"] += 1
    found = list(differences(record, changed))
    assert any("table actions, column cost_usd: sum" in line for line in found)
    assert any(line.startswith("summary actions.total") for line in found)
    assert len(found) == 2


def test_rounding_within_tolerance_passes():
    record = RECORDS[CASES[0].name]
    rounded = json.loads(json.dumps(record))
    column = rounded["tables"]["timeseries"]["columns"]["mean_capacity"]
    column["sha256"] = "f" * 64
    column["statistics"]["sum"] *= 1 + 1e-12
    assert list(differences(record, rounded)) == []
