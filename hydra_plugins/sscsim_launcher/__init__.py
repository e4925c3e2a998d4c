"""sscsim's batched Hydra launchers (`hydra/launcher=local`, `hydra/launcher=slurm`).

Hydra loads launchers only from the `hydra_plugins` namespace; the code lives in
`sscsim.launchers`, this package only makes it reachable. Kept free of heavy imports: Hydra
imports every plugin package when it scans for plugins.
"""
