"""sscsim: an agent-based simulator of South-South and triangular cooperation networks.

>>> from sscsim import SSCModel
>>> model = SSCModel(rng=1, steps=8).run()
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

MINIMUM_PYTHON = (3, 12)


def _check_python(version_info: tuple[int | str, ...]) -> None:
    """Raise RuntimeError, saying what is needed and what was found, below MINIMUM_PYTHON.

    Kept to syntax that old interpreters parse, so that they reach this message (pip refuses
    to install on them; this catches a source checkout run with the wrong Python)."""
    major, minor = version_info[:2]
    if (major, minor) < MINIMUM_PYTHON:
        needed = ".".join(str(part) for part in MINIMUM_PYTHON)
        raise RuntimeError(f"sscsim needs Python {needed} or newer (found {major}.{minor})")


_check_python(sys.version_info)

__version__ = "0.1.0"
__all__ = ["ConfigError", "SSCConfig", "SSCModel", "WorldDataError", "__version__"]

if TYPE_CHECKING:
    from sscsim.config import ConfigError, SSCConfig
    from sscsim.model import SSCModel
    from sscsim.world import WorldDataError


def __getattr__(name: str) -> Any:
    # Lazy: `import sscsim` stays cheap (no Mesa, numba or pandas until first use).
    if name == "SSCModel":
        from sscsim.model import SSCModel

        return SSCModel
    if name in ("ConfigError", "SSCConfig"):
        from sscsim import config

        return getattr(config, name)
    if name == "WorldDataError":
        from sscsim.world import WorldDataError

        return WorldDataError
    raise AttributeError(f"module 'sscsim' has no attribute {name!r}")
