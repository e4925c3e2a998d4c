"""Hydra's entry to sscsim's sweeper (`sscsim.sweeper` holds the code)."""

from sscsim import sweeper


class CoveringSweeper(sweeper.CoveringSweeper):
    """`hydra/sweeper=sscsim`: see `sscsim.sweeper.CoveringSweeper`."""


__all__ = ["CoveringSweeper"]
