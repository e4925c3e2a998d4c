"""The Hydra configs, shipped with the package: `config.yaml` and the groups world/, scenario/,
experiment/, hydra/launcher/ and sensitivity/. Hydra reads them as `pkg://sscsim.conf` (a package
so that they load from any folder and from a wheel); no Python lives here."""
