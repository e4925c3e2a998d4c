"""Compiled kernels of the hot loops: numpy and numba only, nothing of Mesa or Hydra.

Each kernel takes arrays and writes into arrays; each has a plain-numpy or plain-Python reference
of the same rule, and `.py_func` is its pure-Python twin. Compilation happens on first call and is
cached on disk (`cache=True`); importing this package compiles nothing.

- `diffusion`: knowledge diffusion along learning ties (CSR by learner, prefetching; serial, with
  parallel twins for large worlds);
- `parallel`: a serial kernel's parallel twin, the same body compiled with `parallel=True`;
- `memory`: cache-line-aligned arrays and a software prefetch;
- `hashing`: an open-addressing hash table from int64 keys to rows, for the tie table;
- `ties`: reinforcement of ties through the hash table;
- `random`: a counter-based generator (splitmix64) for kernels that draw as they go;
- `matching`: matching requests to providers and funding them.
"""

from sscsim.kernels.diffusion import diffuse, diffuse_reference

__all__ = ["diffuse", "diffuse_reference"]
