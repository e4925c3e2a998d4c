"""Persistent worker processes that run tasks in batches, losing at most a dead worker's task.

Sweeps, sensitivity samples and EMA experiments are thousands of short, independent runs. A
process a run pays Python's imports, the numba cache and the world tables every time (about 2 s
beside a run of under 2 s); a pool that dies with one worker (joblib's loky, `concurrent.futures`)
loses a whole sweep to one out-of-memory kill. Here each worker is started once, imports once,
and runs batch after batch of tasks, telling the parent as each task starts and ends. When a
worker dies, the parent records its in-flight task as failed (naming the signal), puts the rest
of its batch back at the head of the queue, and starts a replacement; nothing else is lost.

Workers are started with `spawn` (no inherited locks or threads), ask the kernel to kill them
when the parent dies (Linux `PR_SET_PDEATHSIG`, and a watch on the parent's pid elsewhere), and
are stopped in a `finally`, so that no worker outlives the call, whatever ends it.

This module knows nothing of sscsim's model or of Hydra: it runs picklable functions.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import cloudpickle

PR_SET_PDEATHSIG = 1
MAX_WORKER_RESTARTS = 8  # replacements beyond the pool's size before the pool gives up


@dataclass(frozen=True)
class Outcome:
    """What became of one task: its value, or the error that stopped it.

    `key` is the task's position in the caller's list; `seconds` its wall time in the worker
    (0 for a task whose worker died).
    """

    key: int
    ok: bool
    value: Any = None
    error: str = ""
    seconds: float = 0.0


class PoolError(RuntimeError):
    """The pool cannot go on: its workers fail to start or keep dying."""


def attempt(function: Callable[[Any], Any], key: int, task: Any) -> Outcome:
    """Run one task: its value, or the exception it raised as a failed Outcome (one task's
    failure is its own outcome, never the batch's)."""
    started = time.perf_counter()
    try:
        value = function(task)
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        return Outcome(key, False, None, message, time.perf_counter() - started)
    return Outcome(key, True, value, "", time.perf_counter() - started)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); elsewhere, a thread that
    watches the parent's pid."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _worker(connection: Connection, parent: int, payload: bytes) -> None:
    """A worker's life: set up once, then run batches until told to stop or the pipe closes."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    function, initializer = cloudpickle.loads(payload)
    try:
        if initializer is not None:
            initializer()
    except BaseException as error:
        connection.send(("broken", f"{type(error).__name__}: {error}", traceback.format_exc()))
        return
    connection.send(("ready", os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        for key, task in cloudpickle.loads(message[1]):
            connection.send(("start", key))
            outcome = attempt(function, key, task)
            connection.send_bytes(cloudpickle.dumps(("done", outcome)))
        connection.send(("idle",))


def describe_exit(exitcode: int | None) -> str:
    """A worker's exit in words: `killed by SIGKILL` or `exited with status 3`."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    ready: bool = False
    batch: list[int] | None = None  # keys sent, not yet done
    running: int | None = None  # the key started, not yet done


def guided_batches(keys: Sequence[int], workers: int, batch_size: int) -> Iterator[list[int]]:
    """Batches of at most `batch_size` keys that shrink towards the end (guided scheduling):
    each takes at most a share of what remains per worker, so the last runs spread over every
    worker instead of queueing behind one long batch."""
    queue = list(keys)
    start = 0
    while start < len(queue):
        remaining = len(queue) - start
        size = max(1, min(batch_size, remaining // (2 * max(workers, 1))))
        yield queue[start : start + size]
        start += size


def run_tasks(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    workers: int,
    batch_size: int = 1,
    initializer: Callable[[], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_worker_death: Callable[[int, str], Outcome | None] | None = None,
) -> list[Outcome]:
    """Run `function(task)` for every task in `workers` persistent processes; return the outcomes
    in the order of `tasks`.

    Tasks go to the workers in batches of at most `batch_size` (guided: smaller towards the
    end). `initializer()` runs once in each worker before its first task (imports, warm caches).
    `on_start(key)` and `on_outcome(outcome)` are called in this process as tasks start and end
    (progress, bookkeeping). When a worker dies, its in-flight task's outcome is
    `on_worker_death(key, how)` if given (it may, e.g., record the failure in a run folder), else
    a failed Outcome naming how the worker ended; the unstarted rest of its batch is run by a
    replacement. Raises PoolError if workers cannot start, or keep dying beyond
    MAX_WORKER_RESTARTS replacements.
    """
    if workers < 1:
        raise ValueError(f"workers = {workers}: needs at least 1")
    if batch_size < 1:
        raise ValueError(f"batch_size = {batch_size}: needs at least 1")
    outcomes: dict[int, Outcome] = {}
    if not tasks:
        return []
    context = multiprocessing.get_context("spawn")
    payload = cloudpickle.dumps((function, initializer))
    pending: deque[list[int]] = deque(guided_batches(range(len(tasks)), workers, batch_size))
    pool: list[_Worker] = []
    restarts = 0

    def start_worker() -> None:
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_worker, args=(child_end, os.getpid(), payload), daemon=True,
            name="sscsim-worker",
        )  # fmt: skip
        process.start()
        child_end.close()
        pool.append(_Worker(process, parent_end))

    def record(outcome: Outcome) -> None:
        outcomes[outcome.key] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    def dispatch(worker: _Worker) -> None:
        if not pending:
            return
        batch = pending.popleft()
        worker.batch = list(batch)
        try:
            worker.connection.send(("batch", cloudpickle.dumps([(k, tasks[k]) for k in batch])))
        except OSError:
            pass  # the worker is dying: burying it puts its batch back in the queue

    def bury(worker: _Worker) -> None:
        nonlocal restarts
        worker.process.join(timeout=5)
        how = describe_exit(worker.process.exitcode)
        pool.remove(worker)
        if not worker.ready:
            raise PoolError(f"a worker process {how} before it was ready")
        if worker.running is not None:
            lost = worker.running
            outcome = on_worker_death(lost, how) if on_worker_death is not None else None
            record(outcome or Outcome(lost, False, None, f"the worker process running it {how}"))
        unstarted = [k for k in worker.batch or [] if k != worker.running and k not in outcomes]
        if unstarted:
            pending.appendleft(unstarted)
        if pending:
            restarts += 1
            if restarts > workers + MAX_WORKER_RESTARTS:
                raise PoolError(f"worker processes keep dying (the last {how}); stopped")
            start_worker()

    try:
        for _ in range(min(workers, len(pending))):
            start_worker()
        while len(outcomes) < len(tasks):
            if not pool:
                raise PoolError("no worker left and tasks remain")
            channels: dict[Any, _Worker] = {}
            for worker in pool:
                channels[worker.connection] = worker
                channels[worker.process.sentinel] = worker
            for ready in wait(list(channels)):
                worker = channels[ready]
                if worker not in pool:
                    continue
                if ready is worker.process.sentinel:
                    # Read what the worker sent before it died, then bury it.
                    while _poll(worker.connection):
                        _handle(worker, worker.connection, record, on_start, dispatch)
                    bury(worker)
                    continue
                if not _handle(worker, worker.connection, record, on_start, dispatch):
                    bury(worker)
        return [outcomes[k] for k in range(len(tasks))]
    finally:
        _stop(pool)


def _poll(connection: Connection) -> bool:
    try:
        return connection.poll()
    except (EOFError, OSError):
        return False


def _handle(
    worker: _Worker,
    connection: Connection,
    record: Callable[[Outcome], None],
    on_start: Callable[[int], None] | None,
    dispatch: Callable[[_Worker], None],
) -> bool:
    """Act on one message of a worker; False if its pipe is closed (it is dying)."""
    try:
        message = cloudpickle.loads(connection.recv_bytes())
    except (EOFError, OSError):
        return False
    kind = message[0]
    if kind == "broken":
        raise PoolError(f"a worker failed to start: {message[1]}\n{message[2]}")
    if kind == "ready":
        worker.ready = True
        dispatch(worker)
    elif kind == "start":
        worker.running = message[1]
        if on_start is not None:
            on_start(message[1])
    elif kind == "done":
        worker.running = None
        record(message[1])
    elif kind == "idle":
        worker.batch = None
        dispatch(worker)
    return True


def _stop(pool: list[_Worker]) -> None:
    """Stop every worker: ask, then terminate, then kill; none outlives the pool."""
    for worker in pool:
        with contextlib.suppress(OSError, ValueError):
            worker.connection.send(("stop",))
    deadline = time.monotonic() + 2.0
    for worker in pool:
        worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
    for worker in pool:
        if worker.process.is_alive():
            worker.process.terminate()
            worker.process.join(timeout=2.0)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=2.0)
        with contextlib.suppress(OSError):
            worker.connection.close()


__all__ = ["Outcome", "PoolError", "attempt", "describe_exit", "guided_batches", "run_tasks"]
