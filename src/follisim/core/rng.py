"""Counter-based random numbers for replicates: Philox4x32-10 keyed by (seed, replicate).

Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2,
3", doi:10.1145/2063384.2063405) maps a 128-bit counter and a 64-bit key to 128 random bits.
Here the key is the run seed and the counter is ``(block, replicate)``, so replicate ``r`` of
seed ``s`` always reads the same stream, whichever thread runs it and however replicates are
grouped; two replicates never share a block.

State layout (``uint64[4]``, one per replicate, the same-file rule):
    state[KEY]    the run seed (64 bits)
    state[STREAM] the replicate index (global, not the index within a chunk)
    state[DRAWS]  number of 64-bit values drawn so far (a block gives two)
    state[SPARE]  the second 64-bit value of the current block
"""

import math

import numpy as np

from follisim.core._jit import kernel

KEY, STREAM, DRAWS, SPARE = range(4)
N_STATE = 4

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_LO32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_INV_2_53 = 1.0 / 9007199254740992.0


@kernel(inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 block: four 32-bit counter words and two key words (as uint64) -> four
    32-bit outputs (as uint64). Matches Random123's known-answer vectors (tested)."""
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & _LO32
            k1 = (k1 + _W1) & _LO32
        p0 = _M0 * c0
        p1 = _M1 * c2
        hi0 = p0 >> _S32
        lo0 = p0 & _LO32
        hi1 = p1 >> _S32
        lo1 = p1 & _LO32
        c0 = hi1 ^ c1 ^ k0
        c1 = lo1
        c2 = hi0 ^ c3 ^ k1
        c3 = lo0
    return c0, c1, c2, c3


@kernel
def seeded(seed, replicate):
    """A fresh ``uint64[4]`` state for ``replicate`` (>= 0) of run ``seed`` (0 <= seed < 2^64)."""
    state = np.zeros(N_STATE, dtype=np.uint64)
    state[KEY] = np.uint64(seed)
    state[STREAM] = np.uint64(replicate)
    return state


@kernel
def next_u64(state):
    """Next 64 random bits of the stream."""
    d = state[DRAWS]
    state[DRAWS] = d + _ONE
    if d & _ONE:
        return state[SPARE]
    block = d >> _ONE
    key = state[KEY]
    stream = state[STREAM]
    a, b, c, e = philox4x32(block & _LO32, block >> _S32, stream & _LO32, stream >> _S32,
                            key & _LO32, key >> _S32)
    state[SPARE] = (c << _S32) | e
    return (a << _S32) | b


@kernel(inline="always")
def uniform(state):
    """Uniform float64 on [0, 1) with 53 random bits."""
    return float(next_u64(state) >> _S11) * _INV_2_53


@kernel(inline="always")
def exponential(state):
    """Standard exponential variate (mean 1): -ln(1 - U), U in [0, 1)."""
    return -math.log1p(-uniform(state))


@kernel
def normal(state):
    """Standard normal variate (Box-Muller, one of the pair)."""
    u1 = 1.0 - uniform(state)                       # (0, 1]
    u2 = uniform(state)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@kernel
def poisson(state, lam):
    """Poisson variate with mean ``lam`` >= 0.

    Inversion by sequential search below 10; above, Hormann's transformed rejection with
    squeeze (PTRS; Hormann 1993, Insurance: Mathematics and Economics 12:39-45), the method
    numpy uses for large means.
    """
    if not lam > 0.0:
        return 0
    if lam < 10.0:
        u = uniform(state)
        k = 0
        prob = math.exp(-lam)
        cdf = prob
        while u > cdf and k < 1000:
            k += 1
            prob *= lam / k
            cdf += prob
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
                <= -lam + k * loglam - math.lgamma(k + 1.0)):
            return int(k)
