"""Quasi-steady states by pseudo-transient continuation (Newton with a growing pseudo-time step).

Solves ``f(y) = 0`` for the free components of ``y`` (``frozen[i] != 0`` keeps ``y[i]`` fixed,
e.g. the slowly depleting primordial pool), with inputs ``u`` held constant. The Jacobian is
formed by forward differences. Pseudo-transient continuation (Kelley & Keyes 1998,
doi:10.1137/S0036142996304796) follows the ODE flow at first and turns into Newton's method as the
residual falls, so it converges from far-off guesses where plain Newton would not.
"""

import math

import numpy as np

from follisim.core import status
from follisim.core._jit import kernel
from follisim.core.registry import call_rhs


@kernel
def _residual_norm(f, y, free):
    total = 0.0
    for i in range(y.size):
        if free[i]:
            r = f[i] / (abs(y[i]) + 1e-3)
            total += r * r
    return math.sqrt(total)


@kernel
def solve_dense(a, b):
    """Solve ``a x = b`` in place by Gaussian elimination with partial pivoting.

    ``a`` (float64[m, m]) is overwritten by its LU factors and ``b`` (float64[m]) by the
    solution. Written out rather than ``np.linalg.solve``: the systems are tiny (m < 30) and
    numba's LAPACK binding costs several seconds of compile time in every cold start.
    A zero pivot leaves non-finite entries in ``b`` (the callers treat them as a failed step).
    """
    m = b.size
    for k in range(m):
        piv = k
        big = abs(a[k, k])
        for i in range(k + 1, m):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                piv = i
        if piv != k:
            for j in range(m):
                a[k, j], a[piv, j] = a[piv, j], a[k, j]
            b[k], b[piv] = b[piv], b[k]
        inv = 1.0 / a[k, k]
        for i in range(k + 1, m):
            f = a[i, k] * inv
            if f != 0.0:
                for j in range(k + 1, m):
                    a[i, j] -= f * a[k, j]
                b[i] -= f * b[k]
    for k in range(m - 1, -1, -1):
        s = b[k]
        for j in range(k + 1, m):
            s -= a[k, j] * b[j]
        b[k] = s / a[k, k]


@kernel
def quasi_steady_state(model_id, y, p, u, frozen, tol, max_iter):
    """Overwrite ``y`` with a steady state of the free components; return a status code.

    Parameters
    ----------
    y : float64[n_states]     initial guess; overwritten with the solution (non-negative)
    frozen : int8[n_states]   1 where the component is held fixed
    tol : float               convergence: scaled residual ||f_i / (|y_i| + 1e-3)|| < tol [1/day]
    max_iter : int            iteration limit
    """
    n = y.size
    free = np.empty(n, dtype=np.bool_)
    idx = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        free[i] = frozen[i] == 0
        if free[i]:
            idx[m] = i
            m += 1
    f = np.empty(n)
    f_pert = np.empty(n)
    y_try = np.empty(n)
    jac = np.empty((m, m))
    rhs_vec = np.empty(m)
    call_rhs(model_id, 0.0, y, p, u, f)
    res = _residual_norm(f, y, free)
    dtau = 1e-2
    for _ in range(max_iter):
        if not math.isfinite(res):
            return status.NONFINITE_STATE
        if res < tol:
            return status.SUCCESS
        for b in range(m):
            j = idx[b]
            step = 1e-7 * max(abs(y[j]), 1e-3)
            saved = y[j]
            y[j] = saved + step
            call_rhs(model_id, 0.0, y, p, u, f_pert)
            y[j] = saved
            for a in range(m):
                jac[a, b] = -(f_pert[idx[a]] - f[idx[a]]) / step
        for a in range(m):
            jac[a, a] += 1.0 / dtau
            rhs_vec[a] = f[idx[a]]
        solve_dense(jac, rhs_vec)
        dx = rhs_vec
        # Fraction-to-boundary damping keeps every state non-negative.
        alpha = 1.0
        for a in range(m):
            j = idx[a]
            if y[j] + dx[a] < 0.0:
                alpha = min(alpha, 0.9 * y[j] / -dx[a])
        for i in range(n):
            y_try[i] = y[i]
        for a in range(m):
            y_try[idx[a]] = y[idx[a]] + alpha * dx[a]
        call_rhs(model_id, 0.0, y_try, p, u, f_pert)
        res_new = _residual_norm(f_pert, y_try, free)
        if math.isfinite(res_new) and res_new < 10.0 * res:
            for i in range(n):
                y[i] = y_try[i]
                f[i] = f_pert[i]
            # Switched evolution relaxation: grow the pseudo-time step as the residual falls.
            dtau = min(dtau * max(res / max(res_new, 1e-300), 0.5) * 2.0, 1e12)
            res = res_new
        else:
            dtau *= 0.25
            if dtau < 1e-12:
                return status.STEADY_STATE_FAILED
    return status.STEADY_STATE_FAILED
