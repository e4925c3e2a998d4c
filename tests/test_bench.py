"""The benchmark's quick mode runs and writes sane outputs (its timings are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_its_report(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sscsim.bench", "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "bench.json").read_text())
    assert (tmp_path / "bench.png").stat().st_size > 10_000
    kernel = report["kernel"]
    assert kernel["ties"] > 5 * kernel["actors"]
    for name in ("kernel_1_threads_s", "kernel_2_threads_s", "kernel_serial_s",
                 "scipy_csr_product_s", "numpy_reference_s", "python_agent_loop_s"):  # fmt: skip
        assert kernel[name] > 0, name
    assert all(ratio > 0 for ratio in kernel["ratios"].values())
    assert 0 < kernel["roofline"]["fraction_of_stream"] < 10
    sizes = report["scaling"]["sizes"]
    assert [row["actors"] for row in sizes] == [100, 1_000, 10_000]
    assert all(row["ties"] > row["actors"] for row in sizes)
    assert set(sizes[-1]["process_s"]) >= {"matching", "diffusion", "data"}
    assert 0 < report["scaling"]["growth_exponent_in_ties"] < 3
    overhead = report["overhead"]
    assert overhead["run_s"] > 0 and overhead["imports_s"] > 0
    threads = report["threads"]
    assert [row["actors"] for row in threads["sizes"]] == [169, 10_000]
    assert threads["parallel_min_ties"] > threads["sizes"][-1]["ties"]
    for row in threads["sizes"]:
        for condition in ("as_is", "busy"):
            measured = row[condition]
            assert measured["diffuse_s"] > 0 and measured["diffuse_parallel_s"] > 0
            assert measured["step parallel / serial"] > 0
        assert row["serial_memory"]["no_prefetch / prefetch"] > 0
        assert row["serial_memory"]["unaligned / aligned"] > 0
    real_world = report["real_world_threads"]["busy"]
    assert real_world["one_thread"]["threads"] == 1
    assert real_world["default"]["threads"] >= 1
    assert real_world["default / 1 thread"] > 0
    assert "quick" in report and report["quick"] is True
