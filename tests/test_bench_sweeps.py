"""The sweep throughput benchmark runs and compares like with like (its timings are not asserted:
they are measurements of the machine, reported in docs/sweeps.md)."""

from __future__ import annotations

import json

from sscsim.bench_sweeps import main


def test_the_sweep_benchmark_measures_the_local_launcher_and_its_resume(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--runs", "2", "--launchers", "local", "--out", str(tmp_path / "bench")]) == 0
    results = json.loads((tmp_path / "bench" / "sweeps.json").read_text())
    local = results["launchers"]["local"]
    assert local["measured"] and local["exit_status"] == 0
    assert local["per_core_efficiency"] > 0 and results["one_process_seconds"] > 0
    assert results["resume_seconds_per_run"] > 0
    assert results["aggregates_identical"]
    hows = {row["how"] for row in results["measurements"]}
    assert hows == {"one process", "local", "local resume"}


def test_unknown_launchers_are_refused(capsys):
    assert main(["--launchers", "local,mpi"]) == 2
    assert "['mpi']" in capsys.readouterr().err
