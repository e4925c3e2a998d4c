"""Shared fixtures: the real world tables are loaded once per session."""

from __future__ import annotations

import pytest

from sscsim.world import WorldTables, load_world


@pytest.fixture(scope="session")
def world() -> WorldTables:
    return load_world()
