"""The covering sweeper: the same jobs as Hydra's basic sweeper, each bad override refused
before any job runs, with far fewer compositions."""

from __future__ import annotations

import pytest

from sscsim.sweeper import covering_jobs
from tests.test_sweeps import sscsim


def test_covering_jobs_hold_every_line_once_in_order():
    batch = [["a=1", "s=1"], ["a=1", "s=2"], ["a=2", "s=1"], ["a=2", "s=2"]]
    assert covering_jobs(batch, {"a=1", "a=2"}) == [["a=1", "s=1"], ["a=2", "s=1"]]
    assert covering_jobs(batch, set()) == []


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "world.synthetic_seed=0,abc",
            "Value 'abc' of type 'str' could not be converted to Integer",
        ),
        ("scenario.oda_cut_depth=0,x", "could not be converted to Float"),
        ("scenaro.oda_cut_depth=1", "Key 'scenaro' not in 'SSCConfig'"),
        ("scenario=baseline,nope", "Could not find 'scenario/nope'"),
    ],
)
def test_a_bad_override_anywhere_in_the_sweep_is_refused_before_any_run(
    tmp_path, override, message
):
    sweep = tmp_path / "sweep"
    result = sscsim("-m", override, "seed=1,2", "steps=1", f"hydra.sweep.dir={sweep}",
                    "hydra/launcher=local")  # fmt: skip
    assert result.returncode == 1
    assert message in result.stderr
    assert not list(sweep.glob("*/summary.json")), "a run ran before the sweep was checked"
