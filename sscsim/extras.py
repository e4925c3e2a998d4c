"""Optional dependencies: the sensitivity analysis and the benchmarks need packages that a plain
run does not, installed with an extra (`pip install "sscsim[sensitivity]"`, `"sscsim[bench]"`;
`dev` has them all).

`require` imports one of them where it is used and, if it is missing, says which extra brings it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Top-level module -> (distribution on PyPI, the extra that installs it).
OPTIONAL: dict[str, tuple[str, str]] = {
    "SALib": ("salib", "sensitivity"),
    "scipy": ("scipy", "bench"),
    "ema_workbench": ("ema_workbench", "ema"),
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, purpose: str) -> ModuleType:
    """Import `module` (e.g. "SALib.sample.sobol") for `purpose` (e.g. "python -m sscsim.bench").

    Raises `MissingExtraError` naming the extra when the module (or a package above it) is
    missing; any other import error (a broken install) propagates unchanged.
    """
    top = module.partition(".")[0]
    distribution, extra = OPTIONAL[top]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is None or not f"{module}.".startswith(f"{error.name}."):
            raise  # something the module itself imports is missing: a broken install
        raise MissingExtraError(
            f'{purpose} needs {distribution}, which is not installed: pip install "sscsim[{extra}]"'
        ) from error


__all__ = ["OPTIONAL", "MissingExtraError", "require"]
