"""Scalar helpers shared by the generated model kernels (``follisim.spec.codegen``).

``pw`` takes integer and half-integer exponents by multiplication (binary powering, plus one
square root), which is exact to round-off and several times cheaper than ``pow``; Hill
exponents are integers in most settings (8 for the surge switch, 6 for the LH ovulation gate).
"""

import math

from follisim.core._jit import kernel

#: Largest exponent taken by multiplication; larger ones go to ``pow``.
MAX_POWER = 64


@kernel
def ipow(x, k):
    """x**k for an integer k >= 0 by binary powering."""
    result = 1.0
    base = x
    while k > 0:
        if k & 1:
            result *= base
        base *= base
        k >>= 1
    return result


@kernel
def pw(x, n):
    """x**n for x >= 0; integer and half-integer 0 <= n <= MAX_POWER without ``pow``."""
    if n == 1.0:
        return x
    if 0.0 <= n <= MAX_POWER:
        twice = 2.0 * n
        if twice == math.floor(twice):
            k = int(n)
            if n == k:
                return ipow(x, k)
            return ipow(x, k) * math.sqrt(x)
    return x ** n


@kernel
def hill(x, half, n):
    """x^n / (x^n + half^n) for x > 0, and 0 for x <= 0."""
    if x <= 0.0:
        return 0.0
    r = pw(x / half, n)
    return r / (1.0 + r)


@kernel
def knockdown(log_repression):
    """Fraction of a target removed [1] from its log-repression r: 1 - exp(-max(r, 0))."""
    if log_repression <= 0.0:
        return 0.0
    return -math.expm1(-log_repression)
