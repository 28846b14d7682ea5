"""Reference model with a closed-form solution, for integrator tests.

States: ``x, v`` (harmonic oscillator, x'' = -omega^2 x) and ``z`` (z' = u0 - k z, driven by the
first input, so that PK chains and input events can be checked against exact solutions).
"""

from follisim.core._jit import kernel

STATE_NAMES = ("x", "v", "z")
X, V, Z = range(len(STATE_NAMES))
INPUT_NAMES = ("drive",)
U_DRIVE = 0
PARAM_NAMES = ("omega", "k")
OMEGA, K = range(len(PARAM_NAMES))
OBSERVABLE_NAMES = ("energy",)


@kernel(inline="always")
def rhs(t, y, p, u, dydt):
    """x' = v, v' = -omega^2 x, z' = u0 - k z."""
    dydt[X] = y[V]
    dydt[V] = -p[OMEGA] * p[OMEGA] * y[X]
    dydt[Z] = u[U_DRIVE] - p[K] * y[Z]


@kernel
def observe(y, p, u, out):
    """Oscillator energy (x^2 omega^2 + v^2) / 2."""
    out[0] = 0.5 * (p[OMEGA] * p[OMEGA] * y[X] * y[X] + y[V] * y[V])
