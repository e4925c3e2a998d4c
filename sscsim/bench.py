"""Benchmarks, side by side in one run, printed as ratios: `python -m sscsim.bench [--quick]`.

1. The diffusion kernel against (a) its plain-numpy reference, (b) a `scipy.sparse` CSR product
   with the capacity matrix (the nearest tuned library operation), (c) a pure-Python loop over
   Mesa agents and their neighbours; on the same world, the serial kernel and its parallel twin
   with 1 and 2 threads, each with and without prefetching.
2. The kernel's effective memory traffic against the machine's streaming bandwidth (roofline).
3. The whole model's time per step and memory against N actors, with the fitted growth exponent,
   and the time per step by process.
4. A sweep's per-run overhead: process start, imports, numba cache load, Hydra, and the run.
5. Threads against world size: the serial and the parallel diffusion kernels side by side from
   country-sized to large worlds, on the machine as it is and with a second CPU-bound process
   (where `processes.diffusion.PARALLEL_MIN_TIES` comes from); and the real-world run with the
   default number of threads against `NUMBA_NUM_THREADS=1` while a second CPU-bound process runs.

Writes results/bench/bench.json and results/bench/bench.png under the current folder (`--out`
elsewhere). `--quick` uses smaller sizes and finishes in under two minutes; timings are
measurements of this machine, not assertions. Needs the `bench` extra
(`pip install "sscsim[bench]"`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sscsim.extras import MissingExtraError, require

SECTORS = 8
PURPOSE = "python -m sscsim.bench"
STEP_WARMUP = 1


def best_of(function: Callable[[], object], repeats: int) -> float:
    """Shortest wall time of `repeats` calls, seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def seconds_a_call(function: Callable[[], Any], min_seconds: float) -> float:
    """Mean wall time of one call, over enough back-to-back calls to last `min_seconds`."""
    function()
    calls = 1
    while True:
        started = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return elapsed / calls
        calls *= 2 if elapsed > min_seconds / 8 else 8


@contextlib.contextmanager
def busy_core() -> Iterator[int]:
    """A second CPU-bound process (a pure-Python loop) for the duration of the block; yields its
    process id. It is stopped however the block ends."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)  # let it start spinning
        yield process.pid
    finally:
        process.kill()
        process.wait()


def learning_world(n_actors: int, ties_per_actor: float, seed: int = 0) -> dict[str, np.ndarray]:
    """A synthetic world's learning ties (all sectors) and capacities, as the kernel takes them."""
    from sscsim.kernels.memory import aligned_copy
    from sscsim.state.roster import build_roster
    from sscsim.synthetic import initial_ties, synthetic_world

    rng = np.random.default_rng(seed)
    world = synthetic_world(n_actors, seed)
    roster = build_roster(world, [], False)
    _layer, teacher, learner, strength = initial_ties(
        roster.region, roster.n_actors, ties_per_actor, rng
    )
    return {
        "capacity": aligned_copy(rng.random((roster.n_actors, SECTORS))),
        "absorptive": rng.uniform(0.3, 1.0, size=roster.n_actors),
        "teacher": teacher.astype(np.int64),
        "learner": learner.astype(np.int64),
        "sector": np.full(len(teacher), -1, dtype=np.int64),
        "weight": 0.01 * strength,
    }


def python_agent_loop_seconds(n_actors: int, ties_per_actor: float) -> tuple[float, int]:
    """Seconds per tie of the rule written as a pure-Python loop over Mesa agents."""
    import mesa

    arrays = learning_world(n_actors, ties_per_actor, seed=1)

    class Learner(mesa.Agent):
        def __init__(self, model: mesa.Model, capacity: list[float], absorptive: float):
            super().__init__(model)
            self.capacity = capacity
            self.absorptive = absorptive
            self.teachers: list[tuple[Learner, float]] = []

        def learn(self) -> tuple[list[float], list[float]]:
            gain = [0.0] * SECTORS
            ceiling = list(self.capacity)
            for teacher, weight in self.teachers:
                rate = weight * self.absorptive
                for s in range(SECTORS):
                    gap = teacher.capacity[s] - self.capacity[s]
                    if gap > 0:
                        gain[s] += rate * gap
                        ceiling[s] = max(ceiling[s], teacher.capacity[s])
            return [
                min(c + g, m) for c, g, m in zip(self.capacity, gain, ceiling, strict=True)
            ], ceiling

    model = mesa.Model(rng=1)
    agents = [
        Learner(model, list(row), float(a))
        for row, a in zip(arrays["capacity"], arrays["absorptive"], strict=True)
    ]
    for t, k, w in zip(arrays["teacher"], arrays["learner"], arrays["weight"], strict=True):
        agents[k].teachers.append((agents[t], float(w)))
    started = time.perf_counter()
    for agent in agents:
        agent.learn()
    return (time.perf_counter() - started) / len(arrays["teacher"]), len(arrays["teacher"])


def stream_bandwidth(n: int) -> float:
    """Streaming bandwidth (triad a = b + s c, both threads), bytes a second."""
    from numba import njit, prange

    @njit(parallel=True)
    def triad(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
        for i in prange(a.shape[0]):
            a[i] = b[i] + 3.0 * c[i]

    a, b, c = np.zeros(n), np.ones(n), np.ones(n)
    triad(a, b, c)
    seconds = best_of(lambda: triad(a, b, c), 5)
    return 4 * 8 * n / seconds  # read b, c; write a (and read it: write-allocate)


def kernel_benchmark(n_actors: int, ties_per_actor: float, loop_actors: int) -> dict[str, Any]:
    import numba

    from sscsim.kernels.diffusion import (
        diffuse,
        diffuse_parallel,
        diffuse_reference,
        learning_csr,
        learning_csr_parallel,
    )

    w = learning_world(n_actors, ties_per_actor)
    n, n_ties = len(w["capacity"]), len(w["teacher"])
    no_reciprocal = np.zeros(n_ties, dtype=np.bool_)
    args: tuple[Any, ...] = (w["teacher"], w["learner"], w["sector"], w["weight"], no_reciprocal, n)
    for build in (learning_csr, learning_csr_parallel):
        # a generator of mixed arrays and ints, unpacked: mypy matches each item to every parameter
        build(*(a[:1] if isinstance(a, np.ndarray) else a for a in args))  # type: ignore[arg-type]
    result: dict[str, Any] = {"actors": n, "ties": n_ties, "sectors": SECTORS}
    result["csr_build_s"] = best_of(lambda: learning_csr_parallel(*args), 3)
    result["csr_build_serial_s"] = best_of(lambda: learning_csr(*args), 3)
    indptr, teacher, sector, weight = learning_csr(*args)
    out, ceiling = np.empty_like(w["capacity"]), np.empty_like(w["capacity"])
    threads_before = numba.get_num_threads()
    for threads in ("serial", 1, 2):
        count = threads if isinstance(threads, int) else 1
        if isinstance(threads, int):
            # numba.config sets its options at import, from the environment, unseen by a checker
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
        kernel = diffuse if threads == "serial" else diffuse_parallel
        name = "kernel_serial" if threads == "serial" else f"kernel_{threads}_threads"
        for label, distance in (("", 20), ("_no_prefetch", 0)):

            def run(
                kernel: Any = kernel,
                chunks: int = 256 * count,
                distance: int = distance,
            ) -> None:
                kernel(
                    w["capacity"], indptr, teacher, sector, weight, w["absorptive"], out,
                    ceiling, chunks, distance,
                )  # fmt: skip

            run()
            result[f"{name}{label}_s"] = best_of(run, 5 if not label else 3)
    numba.set_num_threads(threads_before)
    sparse = require("scipy.sparse", PURPOSE)
    matrix = sparse.csr_matrix((weight, teacher, indptr), shape=(n, n))
    result["scipy_csr_product_s"] = best_of(lambda: matrix @ w["capacity"], 3)
    started = time.perf_counter()
    diffuse_reference(w["capacity"], w["teacher"], w["learner"], w["sector"], w["weight"],
                      w["absorptive"])  # fmt: skip
    result["numpy_reference_s"] = time.perf_counter() - started
    per_tie, loop_ties = python_agent_loop_seconds(loop_actors, ties_per_actor)
    result["python_agent_loop_s"] = per_tie * n_ties
    result["python_agent_loop_note"] = (
        f"extrapolated linearly from {loop_ties} ties among {loop_actors} Mesa agents"
    )
    fastest = result["kernel_2_threads_s"]
    result["ratios"] = {
        "numpy_reference / kernel_2_threads": result["numpy_reference_s"] / fastest,
        "scipy_csr_product / kernel_2_threads": result["scipy_csr_product_s"] / fastest,
        "python_agent_loop / kernel_2_threads": result["python_agent_loop_s"] / fastest,
        "kernel_1_thread / kernel_2_threads": result["kernel_1_threads_s"] / fastest,
        "kernel_serial / kernel_2_threads": result["kernel_serial_s"] / fastest,
        "no_prefetch / prefetch (2 threads)": result["kernel_2_threads_no_prefetch_s"] / fastest,
        "no_prefetch / prefetch (serial)": (
            result["kernel_serial_no_prefetch_s"] / result["kernel_serial_s"]
        ),
        "csr_build serial / parallel": result["csr_build_serial_s"] / result["csr_build_s"],
    }
    # Roofline: the bytes the kernel must move (streamed tie arrays, one cache line per teacher
    # row gathered, own rows read, output rows written) over its time, against streaming.
    moved = n_ties * (8 + 8 + 8 + 64) + n * (8 + 8 + 64 + 2 * 64)
    bandwidth = stream_bandwidth(20_000_000 if n_actors >= 10**6 else 4_000_000)
    result["roofline"] = {
        "bytes_moved": moved,
        "effective_bandwidth_gb_s": moved / fastest / 1e9,
        "stream_bandwidth_gb_s": bandwidth / 1e9,
        "fraction_of_stream": moved / fastest / bandwidth,
    }
    return result


SCALE_SCRIPT = """
import json, sys, time
from sscsim import SSCModel
n, steps = int(sys.argv[1]), int(sys.argv[2])
def peak_rss_bytes():  # this process's own peak (ru_maxrss would include the parent's at fork)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
started = time.perf_counter()
model = SSCModel(rng=1, synthetic_actors=n, initial_ties_per_actor=10.0, partnerships=[],
                 candidate_sample=24, oda_ties_per_donor=5, steps=steps + {warmup},
                 panel_every=1000, tie_snapshot_every=1000, record_actions=False)
built = time.perf_counter() - started
model.run({warmup})
for name in model.process_seconds:
    model.process_seconds[name] = 0.0
ties = len(model.state.network.alive.rows)
started = time.perf_counter()
model.run(steps)
per_step = (time.perf_counter() - started) / steps
print(json.dumps({{"actors": n, "ties": ties, "build_s": built, "step_s": per_step,
    "process_s": {{k: v / steps for k, v in model.process_seconds.items()}},
    "max_rss_bytes": peak_rss_bytes()}}))
"""


def scaling_benchmark(sizes: list[int], steps: int) -> dict[str, Any]:
    """Whole-model time per step and peak memory against N, each size in a fresh process."""
    rows = []
    for n in sizes:
        output = subprocess.run(
            [sys.executable, "-c", SCALE_SCRIPT.format(warmup=STEP_WARMUP), str(n), str(steps)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        row = json.loads(output.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"  N={n:>8,}: {row['ties']:>11,} ties, {row['step_s']:.4f} s a step, "
            f"{row['max_rss_bytes'] / 2**30:.2f} GiB",
            flush=True,
        )
    ties = np.array([r["ties"] for r in rows], dtype=float)
    seconds = np.array([r["step_s"] for r in rows])
    large = ties >= 1e4  # fixed costs dominate the smallest worlds
    fit = large if large.sum() >= 2 else np.ones_like(large)
    exponent = float(np.polyfit(np.log(ties[fit]), np.log(seconds[fit]), 1)[0])
    return {
        "sizes": rows,
        "growth_exponent_in_ties": exponent,
        "fit_over_ties_at_least": float(ties[fit].min()),
        "bytes_per_actor_at_largest": rows[-1]["max_rss_bytes"] / rows[-1]["actors"],
    }


OVERHEAD_SCRIPT = """
import sys, time, json
marks = {"started": time.time()}
from sscsim.model import SSCModel
marks["model_imported"] = time.time()
from sscsim.launch import warm_numba_cache
warm_numba_cache()
marks["numba_cache_loaded"] = time.time()
from hydra import compose, initialize_config_module
from sscsim.cli import CONFIG_MODULE, to_config
with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
    config = to_config(compose(config_name="config"))
marks["hydra_composed"] = time.time()
model = SSCModel(config=config)
marks["model_built"] = time.time()
model.run()
marks["run_done"] = time.time()
print(json.dumps(marks))
"""


def overhead_benchmark() -> dict[str, float]:
    """Where a sweep job's time goes, in a fresh process with a warm numba cache."""
    launched = time.time()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.time() - launched
    launched = time.time()
    output = subprocess.run(
        [sys.executable, "-c", OVERHEAD_SCRIPT], capture_output=True, text=True, check=True
    ).stdout
    marks = json.loads(output.strip().splitlines()[-1])
    return {
        "interpreter_start_s": bare,
        "process_start_s": marks["started"] - launched,
        "imports_s": marks["model_imported"] - marks["started"],
        "numba_cache_load_s": marks["numba_cache_loaded"] - marks["model_imported"],
        "hydra_compose_s": marks["hydra_composed"] - marks["numba_cache_loaded"],
        "model_build_s": marks["model_built"] - marks["hydra_composed"],
        "run_s": marks["run_done"] - marks["model_built"],
        "before_first_step_s": marks["model_built"] - launched,
    }


def threads_at_size(n_actors: int, repeats: int, min_seconds: float) -> dict[str, Any]:
    """`threads_benchmark` for one synthetic world of `n_actors`."""
    import numba

    from sscsim.kernels.diffusion import (
        diffuse,
        diffuse_parallel,
        learning_csr,
        learning_csr_parallel,
    )
    from sscsim.kernels.memory import CACHE_LINE

    w = learning_world(n_actors, 10.0)
    n, n_ties = len(w["capacity"]), len(w["teacher"])
    no_reciprocal = np.zeros(n_ties, dtype=np.bool_)
    args = (w["teacher"], w["learner"], w["sector"], w["weight"], no_reciprocal, n)
    csr = learning_csr(*args)
    out, ceiling = np.empty_like(w["capacity"]), np.empty_like(w["capacity"])
    step = (w["capacity"], *csr, w["absorptive"], out, ceiling)
    chunks = 256 * numba.get_num_threads()
    calls = {
        "learning_csr": functools.partial(learning_csr, *args),
        "learning_csr_parallel": functools.partial(learning_csr_parallel, *args),
        "diffuse": functools.partial(diffuse, *step, 1),
        "diffuse_parallel": functools.partial(diffuse_parallel, *step, chunks),
    }
    row: dict[str, Any] = {"actors": n, "ties": n_ties}
    for condition in ("as_is", "busy"):
        with busy_core() if condition == "busy" else contextlib.nullcontext():
            times: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(repeats):
                for name, call in calls.items():
                    times[name].append(seconds_a_call(call, min_seconds))
            load = os.getloadavg()[0]
        median = {name: statistics.median(values) for name, values in times.items()}
        serial = median["learning_csr"] + median["diffuse"]
        parallel = median["learning_csr_parallel"] + median["diffuse_parallel"]
        row[condition] = {
            **{f"{name}_s": value for name, value in median.items()},
            "learning_csr parallel / serial": (
                median["learning_csr_parallel"] / median["learning_csr"]
            ),
            "diffuse parallel / serial": median["diffuse_parallel"] / median["diffuse"],
            "step parallel / serial": parallel / serial,
            "load_average_1_min": load,
        }
    # What prefetching and the cache-line-aligned capacity matrix gain at this size (serial).
    spare = np.empty(w["capacity"].size + 2 * CACHE_LINE // 8)
    start = ((-spare.ctypes.data) % CACHE_LINE + CACHE_LINE // 2) // 8  # half a line off
    unaligned = spare[start : start + w["capacity"].size].reshape(w["capacity"].shape)
    unaligned[...] = w["capacity"]
    variants = {
        f"{alignment}{label}": functools.partial(
            diffuse, matrix, *csr, w["absorptive"], out, ceiling, 1, distance
        )
        for alignment, matrix in (("aligned", w["capacity"]), ("unaligned", unaligned))
        for label, distance in (("", 20), ("_no_prefetch", 0))
    }
    times = {name: [] for name in variants}
    for _ in range(repeats):
        for name, call in variants.items():
            times[name].append(seconds_a_call(call, min_seconds))
    median = {name: statistics.median(values) for name, values in times.items()}
    row["serial_memory"] = {
        **{f"{name}_s": value for name, value in median.items()},
        "no_prefetch / prefetch": median["aligned_no_prefetch"] / median["aligned"],
        "unaligned / aligned": median["unaligned"] / median["aligned"],
    }
    return row


def threads_benchmark(sizes: list[int], repeats: int, min_seconds: float) -> dict[str, Any]:
    """The serial kernels against their parallel twins (all numba threads), by world size.

    For each synthetic world (10 directed learning ties an actor, teaching all sectors): the time
    a call of `learning_csr`, `diffuse` and of their parallel twins, the four in turn `repeats`
    times (medians); first on the machine as it is, then with a second CPU-bound process. And
    what prefetching and the aligned capacity matrix gain the serial kernel at each size.
    """
    import numba

    from sscsim.processes.diffusion import PARALLEL_MIN_TIES

    rows = []
    for n_actors in sizes:
        row = threads_at_size(n_actors, repeats, min_seconds)
        rows.append(row)
        as_is, busy = row["as_is"], row["busy"]
        serial_ms = 1e3 * (as_is["learning_csr_s"] + as_is["diffuse_s"])
        memory = row["serial_memory"]
        print(
            f"  {row['ties']:>11,} ties: parallel / serial {as_is['step parallel / serial']:.2f}"
            f" as is, {busy['step parallel / serial']:.2f} with a busy process"
            f" (serial step {serial_ms:.3f} ms); serial: no prefetch / prefetch"
            f" {memory['no_prefetch / prefetch']:.2f}, unaligned / aligned"
            f" {memory['unaligned / aligned']:.2f}",
            flush=True,
        )
    return {"threads": numba.get_num_threads(), "repeats": repeats, "sizes": rows,
            "parallel_min_ties": PARALLEL_MIN_TIES}  # fmt: skip


REAL_WORLD_SCRIPT = """
import json, sys, time
import numba
import sscsim.processes.diffusion
from sscsim import SSCModel
steps, runs = int(sys.argv[1]), int(sys.argv[2])
if len(sys.argv) > 3:  # another threshold, e.g. 0: always the parallel kernels
    sscsim.processes.diffusion.PARALLEL_MIN_TIES = int(sys.argv[3])
SSCModel(rng=0, steps=1).run()  # load the numba cache
best = None
for _ in range(runs):
    model = SSCModel(rng=1, steps=steps)
    started = time.perf_counter()
    model.run()
    seconds = time.perf_counter() - started
    if best is None or seconds < best[0]:
        best = (seconds, model.process_seconds["diffusion"])
print(json.dumps({"threads": numba.get_num_threads(), "run_s": best[0], "diffusion_s": best[1]}))
"""


def real_world_threads_benchmark(
    steps: int, repeats: int, runs: int, conditions: tuple[str, ...], always_parallel: bool
) -> dict[str, Any]:
    """The real-world run (169 countries, `steps` quarters) with numba's default threads against
    `NUMBA_NUM_THREADS=1`, each in a fresh process (the best of `runs` runs in it), interleaved
    (the order alternating), `repeats` times; under each condition: "busy" (a second CPU-bound
    process), "as_is".

    With `always_parallel`, also the default threads with the parallel kernels at every size
    (`PARALLEL_MIN_TIES = 0`: the behaviour before the threshold). Reports medians and the ratio
    default / 1 thread, which the threshold must keep at or below 1.25 on a busy machine.
    """
    default = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    variants: dict[str, tuple[dict[str, str], list[str]]] = {
        "default": (default, []),
        "one_thread": ({**default, "NUMBA_NUM_THREADS": "1"}, []),
    }
    if always_parallel:
        variants["always_parallel"] = (default, ["0"])

    def run(variant: str) -> dict[str, Any]:
        env, extra = variants[variant]
        output = subprocess.run(
            [sys.executable, "-c", REAL_WORLD_SCRIPT, str(steps), str(runs), *extra],
            capture_output=True, text=True, check=True, env=env,
        ).stdout  # fmt: skip
        return json.loads(output.strip().splitlines()[-1])

    result: dict[str, Any] = {"steps": steps, "repeats": repeats, "runs_per_process": runs}
    for condition in conditions:
        measured: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
        with busy_core() if condition == "busy" else contextlib.nullcontext():
            for repeat in range(repeats):
                order = list(variants) if repeat % 2 == 0 else list(reversed(variants))
                for name in order:
                    measured[name].append(run(name))
            load = os.getloadavg()[0]
        summary: dict[str, Any] = {"load_average_1_min": load}
        for name, values in measured.items():
            summary[name] = {
                "threads": values[0]["threads"],
                "run_s": [v["run_s"] for v in values],
                "median_run_s": statistics.median(v["run_s"] for v in values),
                "median_diffusion_s": statistics.median(v["diffusion_s"] for v in values),
            }
        one = summary["one_thread"]["median_run_s"]
        summary["default / 1 thread"] = summary["default"]["median_run_s"] / one
        if always_parallel:
            summary["always_parallel / 1 thread"] = summary["always_parallel"]["median_run_s"] / one
        result[condition] = summary
    return result


def figure(report: dict[str, Any], target: Path) -> Path:
    from sscsim.plots import save, styled_figure

    kernel, scaling = report["kernel"], report["scaling"]
    with styled_figure(figsize=(11, 8)) as fig:
        axes = fig.subplots(2, 2)
        names = [
            "kernel 2 threads",
            "kernel 1 thread",
            "kernel serial",
            "scipy CSR",
            "numpy reference",
            "Python + Mesa",
        ]
        values = [kernel["kernel_2_threads_s"], kernel["kernel_1_threads_s"],
                  kernel["kernel_serial_s"],
                  kernel["scipy_csr_product_s"], kernel["numpy_reference_s"],
                  kernel["python_agent_loop_s"]]  # fmt: skip
        axes[0, 0].barh(names, values, color="#1f78b4")
        title = f"Diffusion: {kernel['actors']:,} actors, {kernel['ties']:,} ties"
        axes[0, 0].set(xscale="log", xlabel="seconds a step", title=title)
        sizes = scaling["sizes"]
        ties = [r["ties"] for r in sizes]
        axes[0, 1].loglog(ties, [r["step_s"] for r in sizes], "o-", label="time a step (s)")
        axes[0, 1].loglog(ties, [r["max_rss_bytes"] / 2**30 for r in sizes], "s--",
                          label="peak memory (GiB)")  # fmt: skip
        axes[0, 1].set(
            xlabel="ties", title=f"Whole model: exponent {scaling['growth_exponent_in_ties']:.2f}"
        )
        axes[0, 1].legend()
        largest = sizes[-1]["process_s"]
        axes[1, 0].barh(list(largest), list(largest.values()), color="#33a02c")
        axes[1, 0].set(xlabel="seconds a step", title=f"By process, N = {sizes[-1]['actors']:,}")
        overhead = {k: v for k, v in report["overhead"].items() if k != "before_first_step_s"}
        axes[1, 1].barh(list(overhead), list(overhead.values()), color="#e31a1c")
        axes[1, 1].set(xlabel="seconds", title="A sweep job's time (real world)")
        save(fig, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sscsim.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--out", type=Path, default=Path("results/bench"), help="output folder")
    args = parser.parse_args(argv)
    try:
        require("scipy.sparse", PURPOSE)  # before any work, not after the first benchmark
    except MissingExtraError as error:
        print(f"sscsim.bench: {error}", file=sys.stderr)
        return 2
    conditions: tuple[str, ...]
    if args.quick:
        kernel_size, loop_actors, sizes, steps = 20_000, 1_000, [100, 1_000, 10_000], 2
        thread_sizes, thread_repeats, min_seconds = [169, 10_000], 2, 0.005
        world_steps, world_repeats, world_runs = 4, 1, 1
        conditions, always_parallel = ("busy",), False
    else:
        kernel_size, loop_actors, sizes, steps = (
            1_000_000,
            10_000,
            [100, 1_000, 10_000, 100_000, 1_000_000],
            3,
        )
        thread_sizes = [169, 1_000, 10_000, 100_000, 200_000, 300_000, 1_000_000]
        thread_repeats, min_seconds = 5, 0.05
        world_steps, world_repeats, world_runs = 64, 5, 3
        conditions, always_parallel = ("busy", "as_is"), True
    report: dict[str, Any] = {
        "quick": args.quick,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
        },
    }
    print(f"diffusion kernel: {kernel_size:,} actors, 10 ties per actor", flush=True)
    report["kernel"] = kernel_benchmark(kernel_size, 10.0, loop_actors)
    for name, ratio in report["kernel"]["ratios"].items():
        print(f"  {name}: {ratio:,.1f}x")
    roofline = report["kernel"]["roofline"]
    print(f"  roofline: {roofline['effective_bandwidth_gb_s']:.1f} GB/s of "
          f"{roofline['stream_bandwidth_gb_s']:.1f} GB/s streaming "
          f"({roofline['fraction_of_stream']:.0%})")  # fmt: skip
    print("whole model (synthetic worlds):", flush=True)
    report["scaling"] = scaling_benchmark(sizes, steps)
    print(f"  growth exponent in ties: {report['scaling']['growth_exponent_in_ties']:.2f}")
    print("sweep job overhead (real world):", flush=True)
    report["overhead"] = overhead_benchmark()
    for name, seconds in report["overhead"].items():
        print(f"  {name}: {seconds:.3f} s")
    print("serial and parallel kernels by world size (10 learning ties per actor):", flush=True)
    report["threads"] = threads_benchmark(thread_sizes, thread_repeats, min_seconds)
    print(f"real world, {world_steps} steps, default threads against NUMBA_NUM_THREADS=1:",
          flush=True)  # fmt: skip
    report["real_world_threads"] = real_world_threads_benchmark(
        world_steps, world_repeats, world_runs, conditions, always_parallel
    )
    for condition in conditions:
        summary = report["real_world_threads"][condition]
        line = ", ".join(
            f"{name} {summary[name]['median_run_s']:.3f} s"
            for name in summary
            if isinstance(summary[name], dict)
        )
        print(f"  {condition}: {line}; default / 1 thread {summary['default / 1 thread']:.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    from sscsim.results import write_json

    write_json(report, args.out / "bench.json")
    figure(report, args.out / "bench.png")
    print(f"written: {args.out / 'bench.json'}, {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
