"""Hydra's entry to sscsim's batched launchers (`sscsim.launchers` holds the code).

Hydra instantiates only plugin classes defined in the `hydra_plugins` namespace, hence these
subclasses, which add nothing."""

from sscsim import launchers


class BatchedLauncher(launchers.BatchedLauncher):
    """`hydra/launcher=local`: see `sscsim.launchers.BatchedLauncher`."""


class BatchedSlurmLauncher(launchers.BatchedSlurmLauncher):
    """`hydra/launcher=slurm`: see `sscsim.launchers.BatchedSlurmLauncher`."""


__all__ = ["BatchedLauncher", "BatchedSlurmLauncher"]
