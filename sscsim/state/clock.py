"""Model time: one definition of period, year and quarter for every process and reporter.

`period` counts completed steps. While a step runs, processes 1 to 8 all see the same `period`
(the step under way is the `period`-th, counting from 0) and stamp their outputs with
`stamp = period + 1`, the step's number counting from 1; the clock advances only after step 8,
so step 9 (data collection) reports the state at the end of `period` completed steps.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Clock:
    start_year: int  # calendar year of the first step
    steps_per_year: int  # 4: quarters
    n_steps: int  # steps of the run
    period: int = 0  # completed steps

    @property
    def stamp(self) -> int:
        """Number of the step under way, from 1 (the `period` column of every output)."""
        return self.period + 1

    @property
    def year(self) -> float:
        """Fractional calendar year at the start of the step under way."""
        return self.start_year + self.period / self.steps_per_year

    @property
    def calendar_year(self) -> int:
        """Calendar year of the step under way."""
        return self.start_year + self.period // self.steps_per_year

    @property
    def quarter(self) -> int:
        """Sub-period of the step under way within its year, from 1 (a quarter by default)."""
        return self.period % self.steps_per_year + 1

    @property
    def ends_year(self) -> bool:
        """Whether the step under way is the last of its year."""
        return self.stamp % self.steps_per_year == 0

    @property
    def years_at_end(self) -> float:
        """Years from the start of the run to the end of the step under way."""
        return self.stamp / self.steps_per_year

    @property
    def finished(self) -> bool:
        return self.period >= self.n_steps

    def advance(self) -> None:
        self.period += 1

    # --- the state after `period` completed steps (what step 9 reports) ---------------------
    @property
    def time(self) -> float:
        """Fractional year at the end of the last completed step (start year at the start)."""
        return self.start_year + self.period / self.steps_per_year

    @property
    def last_year(self) -> int:
        """Calendar year of the last completed step (the start year before any step)."""
        return self.start_year + max(self.period - 1, 0) // self.steps_per_year

    @property
    def last_quarter(self) -> int:
        """Sub-period of the last completed step (1..steps_per_year; 0 before any step)."""
        return (self.period - 1) % self.steps_per_year + 1 if self.period else 0
