"""Regenerate the golden regression digests, on purpose: `python scripts/regenerate_golden.py`.

Run it only when a change to the model's results is intended, and say why in the CHANGELOG;
`tests/test_golden.py` then compares every later change against the new digests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sscsim.golden import CASES, digest_case

TARGET = Path(__file__).resolve().parent.parent / "tests" / "golden" / "digests.json"


def main() -> int:
    records = {}
    for case in CASES:
        print(f"golden: {case.name}", file=sys.stderr)
        records[case.name] = digest_case(case)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"golden: {len(records)} runs written to {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
