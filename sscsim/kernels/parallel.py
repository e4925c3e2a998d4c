"""Parallel twins of serial kernels: the same body compiled a second time with ``parallel=True``.

A kernel is written once with ``prange`` over its independent blocks and compiled serial (numba
runs ``prange`` as ``range`` without ``parallel=True``); `parallel_twin` compiles the same code
object again in parallel. The two give identical results as long as the body never reduces across
``prange`` iterations (each iteration owns its outputs). The caller picks by problem size: on a
country-sized world, waking the threads costs more than the work, and much more when another
process holds a core (a thread that is not scheduled holds up the whole parallel region).

numba's on-disk cache keys a compilation by the function's qualified name and bytecode, not by
its options, so the twin is a copy of the Python function under its own name: otherwise the
serial and the parallel compilation would overwrite each other in the cache.
"""

from __future__ import annotations

import types
from typing import Any

from numba import njit


def renamed(function: types.FunctionType, name: str) -> types.FunctionType:
    """A copy of `function` (same code, globals, defaults and docstring) called `name`."""
    copy = types.FunctionType(
        function.__code__, function.__globals__, name, function.__defaults__, function.__closure__
    )
    scope, dot, _ = function.__qualname__.rpartition(".")
    copy.__qualname__ = scope + dot + name
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__annotations__ = dict(function.__annotations__)
    copy.__doc__ = function.__doc__
    copy.__module__ = function.__module__
    return copy


def parallel_twin(kernel: Any) -> Any:
    """Compile the body of the serial ``@njit`` `kernel` again with ``parallel=True``, named
    ``<kernel>_parallel``; its ``.py_func`` is the same pure-Python function. (With
    ``NUMBA_DISABLE_JIT=1`` `kernel` is that function and so is the twin.)"""
    function = getattr(kernel, "py_func", kernel)
    return njit(cache=True, parallel=True)(renamed(function, f"{function.__name__}_parallel"))
