"""sscsim: an agent-based simulator of South-South and triangular cooperation networks.

>>> from sscsim import SSCModel
>>> model = SSCModel(rng=1, steps=8).run()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
