"""A shared work counter for balanced ``prange`` loops.

numba's ``prange`` hands each thread one contiguous block of iterations up front (the OpenMP
and workqueue threading layers ignore ``parallel_chunksize`` for balancing), so a batch whose
samples take uneven numbers of steps waits for its slowest block. Instead, each worker takes
the next sample from a counter with an atomic fetch-and-add until none are left: threads that
draw cheap samples simply draw more. Which thread runs a sample never changes its numbers.
"""

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from follisim.core._jit import kernel

#: Workers started by a balanced loop (at least the thread count; idle ones exit at once).
WORKERS = 256


@intrinsic
def fetch_add(typingctx, counter, delta):
    """Atomically add ``delta`` to ``counter[0]`` (int64[1]) and return the previous value."""
    sig = types.int64(counter, delta)

    def codegen(context, builder, signature, args):
        arr_type = signature.args[0]
        arr = context.make_array(arr_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, arr_type, arr,
                                       [context.get_constant(types.intp, 0)])
        return builder.atomic_rmw("add", ptr, args[1], "monotonic")

    return sig, codegen


@kernel
def take(counter):
    """The next index from ``counter`` (int64[1], starting at 0)."""
    return fetch_add(counter, 1)
