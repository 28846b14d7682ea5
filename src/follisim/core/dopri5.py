"""Adaptive Dormand-Prince 5(4) with a PI step-size controller, dense output and events.

Between declared event times (doses, input switches) the solution is smooth; the integrator
steps *to* every event time exactly, applies the event, and restarts the stage cache (FSAL) while
carrying the step size across. Save times are filled by the method's 4th-order continuous
extension. At a save time that coincides with an event, the saved value is the one *after* the
event (right-continuous). Linear PK chains (``pk.py``) are advanced in closed form.

Status codes come from ``status.py``; nothing here raises.
"""

import math

import numpy as np

from follisim.core import pk, status
from follisim.core._jit import kernel
from follisim.core.registry import call_rhs

# Event kinds (mirrored by follisim.protocols).
SET_INPUT, ADD_STATE, ADD_PK_CENTRAL, ADD_PK_EFFECT, SCALE_STATE = 0, 1, 2, 3, 4

# Solver options layout.
RTOL, ATOL, H_INIT, H_MIN, H_MAX, MAX_STEPS = range(6)
N_OPTIONS = 6
# Statistics layout.
N_ACCEPTED, N_REJECTED, N_RHS = range(3)
N_STATS = 3

# Dormand-Prince 5(4) tableau (Dormand & Prince 1980, doi:10.1016/0771-050X(80)90013-3).
C2, C3, C4, C5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
A21 = 1.0 / 5.0
A31, A32 = 3.0 / 40.0, 9.0 / 40.0
A41, A42, A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
A51, A52, A53, A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
A61, A62, A63, A64, A65 = (9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0,
                           -5103.0 / 18656.0)
B1, B3, B4, B5, B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
# The same as arrays for the stage loop: row s holds the weights of stage s+1 (row 6: B).
NODES = np.array([0.0, C2, C3, C4, C5, 1.0, 1.0])
TABLEAU = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [A21, 0.0, 0.0, 0.0, 0.0, 0.0],
    [A31, A32, 0.0, 0.0, 0.0, 0.0],
    [A41, A42, A43, 0.0, 0.0, 0.0],
    [A51, A52, A53, A54, 0.0, 0.0],
    [A61, A62, A63, A64, A65, 0.0],
    [B1, 0.0, B3, B4, B5, B6],
])
# Error weights: 5th-order minus embedded 4th-order solution (stage 7 is the FSAL stage).
E1, E3, E4, E5, E6, E7 = (71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0,
                          22.0 / 525.0, -1.0 / 40.0)
# Continuous extension (Hairer, Norsett & Wanner, Solving ODEs I, sec. II.6): coefficients of
# theta, theta^2, theta^3, theta^4 for each stage.
DENSE = np.array([
    [1.0, -8048581381.0 / 2820520608.0, 8663915743.0 / 2820520608.0,
     -12715105075.0 / 11282082432.0],
    [0.0, 0.0, 0.0, 0.0],
    [0.0, 131558114200.0 / 32700410799.0, -68118460800.0 / 10900136933.0,
     87487479700.0 / 32700410799.0],
    [0.0, -1754552775.0 / 470086768.0, 14199869525.0 / 1410260304.0,
     -10690763975.0 / 1880347072.0],
    [0.0, 127303824393.0 / 49829197408.0, -318862633887.0 / 49829197408.0,
     701980252875.0 / 199316789632.0],
    [0.0, -282668133.0 / 205662961.0, 2019193451.0 / 616988883.0, -1453857185.0 / 822651844.0],
    [0.0, 40617522.0 / 29380423.0, -110615467.0 / 29380423.0, 69997945.0 / 29380423.0],
])

SAFETY = 0.9
BETA = 0.04                      # PI controller (Hairer & Wanner's DOPRI5 choice)
ALPHA = 0.2 - 0.75 * BETA
FAC_MIN, FAC_MAX = 0.2, 10.0


# Stop-condition layout: state index (< 0: none), level, and the crossing time (output).
STOP_INDEX, STOP_LEVEL, STOP_TIME = range(3)


@kernel(inline="always")
def _f(model_id, t, y, p, u, dydt, frozen, any_frozen):
    """Right-hand side with the ``frozen`` components' derivatives set to zero."""
    call_rhs(model_id, t, y, p, u, dydt)
    if any_frozen:
        for i in range(y.size):
            if frozen[i] != 0:
                dydt[i] = 0.0


@kernel
def _any_frozen(frozen):
    """True if any component is frozen (a function, so the flag is never a literal type)."""
    for i in range(frozen.size):  # noqa: SIM110 (numba: no generator expressions)
        if frozen[i] != 0:
            return True
    return False


@kernel
def _dense(theta, h, y, k1, k3, k4, k5, k6, k7, i):
    """Component ``i`` of the continuous extension at ``t + theta h``."""
    q = 0.0
    th = theta
    for m in range(4):
        q += th * (DENSE[0, m] * k1[i] + DENSE[2, m] * k3[i] + DENSE[3, m] * k4[i]
                   + DENSE[4, m] * k5[i] + DENSE[5, m] * k6[i] + DENSE[6, m] * k7[i])
        th *= theta
    return y[i] + h * q


@kernel
def _rms(err, y0, y1, rtol, atol):
    total = 0.0
    for i in range(err.size):
        sc = atol + rtol * max(abs(y0[i]), abs(y1[i]))
        r = err[i] / sc
        total += r * r
    return math.sqrt(total / err.size)


@kernel(inline="always")
def _initial_step(model_id, t, y, f0, p, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work,
                  u_work, rtol, atol, y_tmp, f1, frozen, any_frozen):
    """Hairer's starting-step heuristic (Solving ODEs I, sec. II.4)."""
    has_pk = pk_rates.shape[0] > 0
    n = y.size
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(y[i])
        d0 += (y[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    for i in range(n):
        y_tmp[i] = y[i] + h0 * f0[i]
    if has_pk:
        pk.effective_inputs(t + h0, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, u_work)
    _f(model_id, t + h0, y_tmp, p, u_work, f1, frozen, any_frozen)
    d2 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(y[i])
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = math.sqrt(d2 / n) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** 0.2
    return min(100.0 * h0, h1)


@kernel
def _apply_events(ie, t, y, u_base, pk_state, ev_t, ev_kind, ev_target, ev_value):
    """Apply every event with time <= t from index ``ie`` on; return the next event index."""
    while ie < ev_t.size and ev_t[ie] <= t:
        kind = ev_kind[ie]
        j = ev_target[ie]
        if kind == SET_INPUT:
            u_base[j] = ev_value[ie]
        elif kind == ADD_STATE:
            y[j] += ev_value[ie]
        elif kind == ADD_PK_CENTRAL:
            pk_state[j, pk.CENTRAL] += ev_value[ie]
        elif kind == ADD_PK_EFFECT:
            pk_state[j, pk.EFFECT] += ev_value[ie]
        elif kind == SCALE_STATE:
            y[j] *= ev_value[ie]
        ie += 1
    return ie


@kernel
def _store(k, t, y, u_base, t_ref, pk_rates, pk_state, pk_map, pk_work, out_y, out_u):
    for i in range(y.size):
        out_y[k, i] = y[i]
    pk.effective_inputs(t, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, out_u[k])


@kernel
def integrate(model_id, y, p, u_base, pk_rates, pk_state, pk_map,
              ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options, frozen, stop,
              out_y, out_u, stats):
    """Integrate model ``model_id`` from ``t0`` to ``t1``; return a status code.

    Parameters
    ----------
    model_id : int                       see ``registry.py``
    y : float64[n_states]                initial state; overwritten with the final state
    p : float64[n_params]                parameters
    u_base : float64[n_inputs]           piecewise-constant inputs; changed by SET_INPUT events
    pk_rates : float64[n_chains, 3]      PK chain rates [1/day] (``pk.py`` layout)
    pk_state : float64[n_chains, 2]      PK amounts at ``t0``; overwritten
    pk_map : float64[n_maps, 7]          PK amount -> input mapping (``pk.py`` layout)
    ev_t : float64[n_events]             event times [day], sorted, >= t0; events after t1
                                         (e.g. +inf padding) are never applied
    ev_kind, ev_target : int64[n_events] event kind and target index
    ev_value : float64[n_events]         event value (input level or amount added)
    t0, t1 : float                       start and end [day]
    save_t : float64[n_save]             save times [day], sorted, within [t0, t1]
    options : float64[6]                 rtol, atol, h_init (<= 0: automatic), h_min, h_max,
                                         max_steps. rtol <= 0 selects fixed steps of h_init.
    frozen : int8[n_states]              1 where a component is held constant (zero derivative)
    stop : float64[3]                    index, level, time: if index >= 0, stop where that
                                         component first crosses ``level`` upwards (found on
                                         the continuous extension); the time is written to
                                         ``stop[2]`` (NaN if never) and ``y`` holds the state there
    out_y : float64[n_save, n_states]    saved states (output)
    out_u : float64[n_save, n_inputs]    saved effective inputs (output)
    stats : int64[3]                     accepted steps, rejected steps, RHS evaluations (output)
    """
    n = y.size
    rtol = options[RTOL]
    atol = options[ATOL]
    h_min = options[H_MIN]
    h_max = options[H_MAX]
    max_steps = int(options[MAX_STEPS])
    fixed = rtol <= 0.0
    has_pk = pk_rates.shape[0] > 0
    n_save = save_t.size
    any_frozen = _any_frozen(frozen)
    i_stop = int(stop[STOP_INDEX])
    level = stop[STOP_LEVEL]
    stop[STOP_TIME] = np.nan

    K = np.empty((7, n))            # stage derivatives k1..k7 (rows)
    k1, k2, k3, k4, k5, k6, k7 = K[0], K[1], K[2], K[3], K[4], K[5], K[6]
    y_stage = np.empty(n)
    y_new = np.empty(n)
    err = np.empty(n)
    u_work = np.empty(u_base.size)
    pk_work = np.empty((pk_rates.shape[0], 2))

    stats[N_ACCEPTED] = 0
    stats[N_REJECTED] = 0
    stats[N_RHS] = 0

    t = t0
    t_ref = t0
    # np.int64 rather than a literal 0: a literal argument would compile the callee twice.
    ie = _apply_events(np.int64(0), t, y, u_base, pk_state, ev_t, ev_kind, ev_target, ev_value)
    isv = np.int64(0)
    while isv < n_save and save_t[isv] <= t:
        _store(isv, t, y, u_base, t_ref, pk_rates, pk_state, pk_map, pk_work, out_y, out_u)
        isv += 1

    h = options[H_INIT]
    err_old = 1e-4
    code = status.SUCCESS
    while t < t1:
        t_end = ev_t[ie] if ie < ev_t.size else t1
        if t_end > t1:
            t_end = t1
        for i in range(u_base.size):
            u_work[i] = u_base[i]
        if has_pk:
            pk.effective_inputs(t, t_ref, u_base, pk_rates, pk_state,
                    pk_map, pk_work, u_work)
        _f(model_id, t, y, p, u_work, k1, frozen, any_frozen)
        stats[N_RHS] += 1
        if h <= 0.0:
            h = _initial_step(model_id, t, y, k1, p, t_ref, u_base, pk_rates, pk_state, pk_map,
                              pk_work, u_work, rtol, atol, y_stage, k2, frozen, any_frozen)
            stats[N_RHS] += 1
        rejected = False
        while t < t_end:
            if stats[N_ACCEPTED] + stats[N_REJECTED] >= max_steps:
                code = status.MAX_STEPS
                break
            h = min(h, h_max)
            if h < h_min:
                code = status.STEP_UNDERFLOW
                break
            h_step = h
            last = t + 1.0001 * h_step >= t_end
            if last:
                h_step = t_end - t
            t_new = t_end if last else t + h_step
            # Stages 2..7 in one loop (one RHS call site keeps the compiled code small):
            # stage s+1 reads y + h sum_j TABLEAU[s, j] k_j; the last row is the 5th-order
            # solution, whose RHS is the FSAL stage k7.
            for s in range(1, 7):
                dest = y_new if s == 6 else y_stage
                for i in range(n):
                    acc = 0.0
                    for j in range(s):
                        acc += TABLEAU[s, j] * K[j, i]
                    dest[i] = y[i] + h_step * acc
                t_s = t_new if s >= 5 else t + NODES[s] * h_step
                if has_pk:
                    pk.effective_inputs(t_s, t_ref, u_base, pk_rates, pk_state, pk_map,
                                        pk_work, u_work)
                _f(model_id, t_s, dest, p, u_work, K[s], frozen, any_frozen)
            stats[N_RHS] += 6

            if fixed:
                err_norm = 0.0
                finite = True
                for i in range(n):
                    if not math.isfinite(y_new[i]):
                        finite = False
                if not finite:
                    code = status.NONFINITE_STATE
                    break
            else:
                for i in range(n):
                    err[i] = h_step * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i]
                                       + E6 * k6[i] + E7 * k7[i])
                err_norm = _rms(err, y, y_new, rtol, atol)
                if not math.isfinite(err_norm):
                    stats[N_REJECTED] += 1
                    h = 0.25 * h_step
                    rejected = True
                    if h < h_min:
                        code = status.NONFINITE_STATE
                        break
                    continue

            if err_norm <= 1.0 and i_stop >= 0 and y[i_stop] < level <= y_new[i_stop]:
                # Stop condition met inside this step: bisect on the continuous extension.
                lo, hi = 0.0, 1.0
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    if _dense(mid, h_step, y, k1, k3, k4, k5, k6, k7, i_stop) < level:
                        lo = mid
                    else:
                        hi = mid
                for i in range(n):
                    y_new[i] = _dense(hi, h_step, y, k1, k3, k4, k5, k6, k7, i)
                for i in range(n):
                    y[i] = y_new[i]
                t = t + hi * h_step
                stop[STOP_TIME] = t
                stats[N_ACCEPTED] += 1
                break
            if err_norm <= 1.0:
                # Dense output for save times inside (t, t_new); a save at t_new == t_end waits
                # until the events at t_end are applied (right-continuous output).
                while isv < n_save and (save_t[isv] < t_new or
                                        (not last and save_t[isv] == t_new)):
                    theta = (save_t[isv] - t) / h_step
                    for i in range(n):
                        q = 0.0
                        th = theta
                        for m in range(4):
                            q += th * (DENSE[0, m] * k1[i] + DENSE[2, m] * k3[i]
                                       + DENSE[3, m] * k4[i] + DENSE[4, m] * k5[i]
                                       + DENSE[5, m] * k6[i] + DENSE[6, m] * k7[i])
                            th *= theta
                        out_y[isv, i] = y[i] + h_step * q
                    pk.effective_inputs(save_t[isv], t_ref, u_base, pk_rates, pk_state, pk_map,
                                        pk_work, out_u[isv])
                    isv += 1
                t = t_new
                for i in range(n):
                    y[i] = y_new[i]
                    k1[i] = k7[i]
                stats[N_ACCEPTED] += 1
                if fixed:
                    continue
                if err_norm == 0.0:
                    fac = FAC_MAX
                else:
                    fac = SAFETY * err_norm ** (-ALPHA) * err_old ** BETA
                    fac = min(FAC_MAX, max(FAC_MIN, fac))
                if rejected:
                    fac = min(fac, 1.0)
                err_old = max(err_norm, 1e-4)
                if last:
                    # The step was clipped to an event: carry the unclipped proposal forward.
                    h = max(h, h_step * fac)
                else:
                    h = h_step * fac
                rejected = False
            else:
                stats[N_REJECTED] += 1
                h = h_step * max(FAC_MIN, SAFETY * err_norm ** (-0.2))
                rejected = True
        if code != status.SUCCESS:
            break
        # At t_end (or the stop time): advance PK chains in closed form, then apply events.
        pk.advance(pk_rates, pk_state, t - t_ref)
        t_ref = t
        if not math.isnan(stop[STOP_TIME]):
            break
        ie = _apply_events(ie, t, y, u_base, pk_state, ev_t, ev_kind, ev_target, ev_value)
        while isv < n_save and save_t[isv] <= t:
            _store(isv, t, y, u_base, t_ref, pk_rates, pk_state, pk_map, pk_work, out_y, out_u)
            isv += 1

    if code != status.SUCCESS:
        for k in range(isv, n_save):
            for i in range(n):
                out_y[k, i] = np.nan
            for i in range(u_base.size):
                out_u[k, i] = np.nan
    return code
