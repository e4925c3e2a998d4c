"""Figures leave the user's matplotlib alone: no backend switch, no pyplot state."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Runs in a fresh interpreter: the backend must be chosen before anything imports sscsim.
SCRIPT = """
import json, sys
from pathlib import Path
import matplotlib
matplotlib.use(sys.argv[1])
before = matplotlib.get_backend()
import sscsim.plots as plots
imported = matplotlib.get_backend()
from sscsim import SSCModel
model = SSCModel(rng=1, steps=2).run()
out = Path(sys.argv[2])
written = plots.run_figures({"timeseries": model.timeseries_frame()}, out)
figure = plots.region_circle(model.ties_frame(), model.agents_frame(), target=out / "circle")
print(json.dumps({
    "before": before,
    "after_import": imported,
    "after_figures": matplotlib.get_backend(),
    "pyplot_imported": "matplotlib.pyplot" in sys.modules,
    "written": [p.name for p in written if p.stat().st_size > 1000],
    "circle": sorted(p.name for p in out.glob("circle.*")),
    "figure": type(figure).__name__,
}))
"""


@pytest.mark.parametrize("backend", ["svg", "pdf"])
def test_figures_keep_the_backend_chosen_before_import(tmp_path, backend):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, backend, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["before"] == report["after_import"] == report["after_figures"] == backend
    assert not report["pyplot_imported"]
    assert len(report["written"]) == 4
    assert report["circle"] == ["circle.png", "circle.svg"]
    assert report["figure"] == "Figure"
