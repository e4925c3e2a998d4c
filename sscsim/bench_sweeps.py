"""Sweep throughput, side by side in one run: the same real-world runs in one process, and as a
sweep through each launcher, as ratios.

    python -m sscsim.bench_sweeps                     # 40 runs: one process, local, joblib, slurm
    python -m sscsim.bench_sweeps --runs 60 --launchers local,slurm --repeats 2

Every measurement is a fresh command timed from its start to its exit, so each pays what a user
pays: imports, the world, the numba cache (warmed once before the first), writing each run's
folder, and for sweeps Hydra, the launcher and the aggregate. The runs are `seed=1..N` with
`output.figures=false` (as the packaged experiments) on the real world's full horizon.

Per-core efficiency of a sweep = (runs a second of the sweep / cores it used) / (runs a second
of the one process). The launchers' aggregates are compared too: a launcher must not change
results. Writes results/bench/sweeps.json under the current folder (`--out` elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

LAUNCHERS: tuple[str, ...] = ("local", "joblib", "slurm")

ONE_PROCESS = """
import sys
from pathlib import Path
from sscsim.cli import compose_config
from sscsim.runner import run_and_save
out, runs = Path(sys.argv[1]), int(sys.argv[2])
for seed in range(1, runs + 1):
    config = compose_config(["output.figures=false", f"seed={seed}"])
    run_and_save(config, out / f"seed={seed}", progress=False)
"""


def timed(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, exit status, the output's last lines) of a command."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
    return seconds, done.returncode, tail


def slurm_cores() -> int | None:
    """CPUs of the cluster's idle or mixed nodes, or None if no Slurm answers."""
    if shutil.which("sinfo") is None:
        return None
    shown = subprocess.run(["sinfo", "-h", "-o", "%C"], capture_output=True, text=True,
                           check=False, timeout=20)  # fmt: skip
    if shown.returncode != 0 or not shown.stdout.strip():
        return None
    # %C: allocated/idle/other/total CPUs
    return int(shown.stdout.split()[0].split("/")[3])


def sweep_command(launcher: str, runs: int, folder: Path) -> list[str]:
    return [sys.executable, "-m", "sscsim", "-m", f"hydra/launcher={launcher}",
            f"seed=range(1,{runs + 1})", "output.figures=false",
            f"hydra.sweep.dir={folder}"]  # fmt: skip


def comparable(summary: pd.DataFrame) -> pd.DataFrame:
    """A sweep's summary without what may differ by launcher (folders, provenance)."""
    keep = [c for c in summary.columns if c not in {"run", "run_id", "sweep"}]
    return summary[keep].sort_values("seed").reset_index(drop=True)


def measure(runs: int, launchers: list[str], repeats: int, scratch: Path) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    # Warm numba's cache so that no measurement pays compilation.
    subprocess.run([sys.executable, "-c", "from sscsim.batch import warm_kernels; warm_kernels()"],
                   check=True)  # fmt: skip
    rows: list[dict[str, Any]] = []
    aggregates: dict[str, pd.DataFrame] = {}
    for repeat in range(repeats):
        folder = scratch / f"one_process_{repeat}"
        seconds, status, tail = timed(
            [sys.executable, "-c", ONE_PROCESS, str(folder), str(runs)], scratch
        )
        rows.append({"how": "one process", "repeat": repeat, "seconds": seconds, "cores": 1,
                     "status": status, "tail": tail})  # fmt: skip
        for launcher in launchers:
            used = cores
            if launcher == "slurm":
                found = slurm_cores()
                if found is None:
                    rows.append({"how": "slurm", "repeat": repeat, "status": None,
                                 "tail": "no Slurm cluster answers (sinfo)"})  # fmt: skip
                    continue
                used = found
            folder = scratch / f"{launcher}_{repeat}"
            seconds, status, tail = timed(sweep_command(launcher, runs, folder), scratch)
            rows.append({"how": launcher, "repeat": repeat, "seconds": seconds, "cores": used,
                         "status": status, "tail": tail})  # fmt: skip
            if status == 0:
                aggregates[launcher] = comparable(pd.read_parquet(folder / "sweep_summary.parquet"))
    table = pd.DataFrame(rows)
    single = table.loc[table["how"] == "one process", "seconds"].min()
    results: dict[str, Any] = {"runs": runs, "cores": cores, "one_process_seconds": single,
                               "machine": platform.platform(), "launchers": {}}  # fmt: skip
    for launcher in launchers:
        measured = table[(table["how"] == launcher) & table["seconds"].notna()]
        if measured.empty:
            results["launchers"][launcher] = {
                "measured": False,
                "why": table[table["how"] == launcher]["tail"].tolist(),
            }
            continue
        best = measured.loc[measured["seconds"].idxmin()]
        efficiency = single / (best["seconds"] * best["cores"])
        results["launchers"][launcher] = {
            "measured": True,
            "seconds": float(best["seconds"]),
            "cores": int(best["cores"]),
            "speed_up": float(single / best["seconds"]),
            "per_core_efficiency": float(efficiency),
            "exit_status": int(best["status"]),
        }
    names = list(aggregates)
    results["aggregates_identical"] = all(
        aggregates[names[0]].equals(aggregates[name]) for name in names[1:]
    )
    results["measurements"] = table.drop(columns=["tail"]).to_dict("records")
    return results


def report(results: dict[str, Any]) -> str:
    lines = [
        f"{results['runs']} real-world runs; one process: {results['one_process_seconds']:.1f} s"
    ]
    for launcher, row in results["launchers"].items():
        if not row["measured"]:
            lines.append(f"  {launcher}: not measured ({'; '.join(map(str, row['why']))})")
            continue
        lines.append(
            f"  {launcher}: {row['seconds']:.1f} s on {row['cores']} cores, speed-up "
            f"{row['speed_up']:.2f}, per-core efficiency {row['per_core_efficiency']:.0%}"
        )
    lines.append(f"  aggregates identical across launchers: {results['aggregates_identical']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sscsim.bench_sweeps",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--launchers", default=",".join(LAUNCHERS))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/bench"))
    args = parser.parse_args(argv)
    launchers = [name for name in args.launchers.split(",") if name]
    unknown = sorted(set(launchers) - set(LAUNCHERS))
    if unknown or args.runs < 1 or args.repeats < 1:
        print(
            f"sscsim.bench_sweeps: launchers {unknown} not among {', '.join(LAUNCHERS)}, or "
            f"runs = {args.runs} / repeats = {args.repeats} below 1",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="sscsim-bench-", dir=Path.cwd()) as scratch:
        results = measure(args.runs, launchers, args.repeats, Path(scratch))
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "sweeps.json"
    target.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(report(results))
    print(f"written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
