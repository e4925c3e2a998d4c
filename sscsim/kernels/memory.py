"""Memory helpers for kernels whose cost is waiting for memory: cache-line-aligned arrays and a
software prefetch.

Diffusion gathers one teacher row per tie from a capacity matrix far larger than the caches; the
time goes into cache misses, not arithmetic. Rows of 8 float64 sectors are exactly one 64-byte
cache line when the matrix starts on a line boundary (one miss a row instead of two), and asking
for the row of a tie some distance ahead lets several misses overlap (`prefetch_row`, LLVM's
`llvm.prefetch`). Neither changes a result; `sscsim.bench` measures what they gain.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numpy.typing import DTypeLike

CACHE_LINE = 64


def aligned_empty(shape: tuple[int, ...], dtype: DTypeLike = np.float64) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on a cache-line boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buffer = np.empty(nbytes + CACHE_LINE, dtype=np.uint8)
    offset = (-buffer.ctypes.data) % CACHE_LINE
    return buffer[offset : offset + nbytes].view(dtype).reshape(shape)


def aligned_copy(array: np.ndarray) -> np.ndarray:
    """A cache-line-aligned copy of `array`."""
    copy = aligned_empty(array.shape, array.dtype)
    copy[...] = array
    return copy


def prefetch_row(array: np.ndarray, row: int) -> None:
    """Hint that row `row` of a 2-D array will be read soon (no effect on results).

    In plain Python (a kernel's `.py_func`) it does nothing; compiled, it is `llvm.prefetch`.
    """


# numba's extension API (intrinsic, overload) passes numba types and LLVM builders: left unannotated
@intrinsic
def _prefetch_row(typingctx, array, row):  # type: ignore[no-untyped-def]
    signature = types.void(array, row)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        array_value, row_value = args
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, array_value)
        zero = context.get_constant(types.intp, 0)
        pointer = cgutils.get_item_pointer2(
            context,
            builder,
            data=view.data,
            shape=cgutils.unpack_tuple(builder, view.shape),
            strides=cgutils.unpack_tuple(builder, view.strides),
            layout=array_type.layout,
            inds=[row_value, zero],
        )
        byte_pointer = ir.IntType(8).as_pointer()
        function_type = ir.FunctionType(
            ir.VoidType(), [byte_pointer, ir.IntType(32), ir.IntType(32), ir.IntType(32)]
        )
        function = cgutils.get_or_insert_function(
            builder.module, function_type, "llvm.prefetch.p0i8"
        )
        read, keep_in_all_levels, data_cache = (ir.Constant(ir.IntType(32), v) for v in (0, 3, 1))
        builder.call(
            function, [builder.bitcast(pointer, byte_pointer), read, keep_in_all_levels, data_cache]
        )
        return context.get_dummy_value()

    return signature, codegen


@overload(prefetch_row)
def _prefetch_row_overload(array, row):  # type: ignore[no-untyped-def]
    if isinstance(array, types.Array) and array.ndim == 2 and isinstance(row, types.Integer):

        def implementation(array, row):  # type: ignore[no-untyped-def]
            # numba's annotation of @intrinsic keeps `typingctx`, which a call does not pass
            _prefetch_row(array, row)  # type: ignore[call-arg]

        return implementation
    return None
