"""Shared fixtures: the real world tables are loaded once per session; a Slurm cluster for the
tests marked `slurm`."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from sscsim.world import WorldTables, load_world


@pytest.fixture(scope="session")
def world() -> WorldTables:
    return load_world()


@pytest.fixture(scope="session")
def slurm_cluster() -> None:
    """A Slurm cluster with a node ready: skip without one, but fail in CI, which starts one."""
    ready = False
    if shutil.which("sinfo") is not None:
        result = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
        states = ("idle", "mixed", "allocated")
        ready = result.returncode == 0 and any(state in result.stdout for state in states)
    if not ready:
        message = "no Slurm cluster: run scripts/slurm/setup_single_node.sh as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI starts the cluster: its absence is a failure there
        pytest.skip(message)
