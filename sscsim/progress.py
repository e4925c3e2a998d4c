"""Progress of many runs: done, failed, rate and time left, on a terminal or in a log.

On a terminal a tqdm bar updates in place; elsewhere (a Slurm job's log, CI, a file) one line is
written every `interval` seconds and at the end, so that a log shows a sweep advancing without a
line per run:

    sscsim: sweep results/sweeps/oda_cuts: 40/120 runs (1 failed), 1.9 runs/s, 42 s left
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts runs as they end and shows it.

    `total` runs in all, of which `skipped` were done before (a resumed sweep); `interval` is the
    seconds between log lines when not on a terminal; `enabled` False shows nothing (None: show).
    """

    def __init__(
        self,
        total: int,
        description: str,
        *,
        stream: IO[str] | None = None,
        interval: float = 30.0,
        enabled: bool | None = None,
        unit: str = "runs",
    ) -> None:
        self.total, self.description, self.unit = total, description, unit
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.enabled = True if enabled is None else enabled
        self.done = self.failed = 0
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar: Any = None
        if self.enabled and _is_terminal(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=description, unit=unit.rstrip("s") or unit,
                             file=self.stream, dynamic_ncols=True)  # fmt: skip

    @property
    def rate(self) -> float:
        """Runs ended per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        """The state in one line."""
        failed = f" ({self.failed} failed)" if self.failed else ""
        text = f"sscsim: {self.description}: {self.done}/{self.total} {self.unit}{failed}"
        rate = self.rate
        if self.done and rate > 0:
            left = (self.total - self.done) / rate
            text += f", {rate:.2f} {self.unit}/s"
            text += f", {_duration(left)} left" if self.done < self.total else ""
        return text

    def update(self, ok: bool = True) -> None:
        """One run ended (`ok` False: it failed)."""
        self.done += 1
        self.failed += 0 if ok else 1
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.failed} failed" if self.failed else "", refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        """The final line (or close the bar)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
        print(self.line() + f" in {_duration(time.monotonic() - self.started)}",
              file=self.stream, flush=True)  # fmt: skip

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


__all__ = ["Progress"]
