"""One trajectory and a batch of trajectories, each from an optional quasi-steady start.

``solve_one`` is the single code path: ``simulate`` calls it once, ``solve_batch`` calls it for
every row of a parameter table under ``prange`` (balanced by a shared counter), and
``solve_batch_protocols`` for every row of a parameter table *and* of per-sample protocol arrays
(dose amounts, days, PK rates and maps that differ between samples). Samples share nothing but
read-only inputs, so results do not depend on the thread count or on how samples are grouped.
"""

import math

import numpy as np
from numba import prange

from follisim.core import dopri5, status
from follisim.core._jit import kernel
from follisim.core.registry import call_observe
from follisim.core.steady import quasi_steady_state
from follisim.core.workqueue import WORKERS, take

# Layout of ``init``: how the initial state is formed.
INIT_GIVEN, INIT_QUASI_STEADY, INIT_LIMIT_CYCLE = 0, 1, 2
# Layout of ``phase``: phase-marker state index (< 0: none), its level, the value it is set to
# before settling (a kick off the equilibrium), the most days spent settling after the first
# crossing (the burn-in budget) [day], and the longest wait for a crossing [day].
PHASE_INDEX, PHASE_LEVEL, PHASE_KICK, BURN_IN, PHASE_SEARCH = range(5)
N_PHASE = 5


# The settle: stage tolerances and the accelerated return-map iteration.
LOOSE_RTOL = 1e-4          # first stage: relative tolerance (never tighter than the run's)
LOOSE_CRITERION = 10.0     # first stage ends when a return moves the state <= this [tolerances]
MEMORY = 5                 # Anderson acceleration: differences kept
MAX_RETURNS = 60           # returns per stage at most (the burn-in budget usually ends first)
QSS_ITERATIONS = 40        # quasi-steady guess before the settle: iterations at most
UNCONVERGED_RETURNS = 3    # plain returns that end a settle which did not converge


@kernel
def _return_to_section(model_id, y, p, u0, frozen, i, level, days, options):
    """Integrate ``y`` (frozen components held) until component ``i`` next crosses ``level``
    upwards, at most ``days``; return (status, time of the crossing or NaN)."""
    u_base = u0.copy()
    no_t = np.empty(0)
    no_i = np.empty(0, dtype=np.int64)
    stats = np.zeros(3, dtype=np.int64)
    stop = np.array([float(i), level, np.nan])
    code = dopri5.integrate(model_id, y, p, u_base, np.empty((0, 3)), np.empty((0, 2)),
                            np.empty((0, 7)), no_t, no_i, no_i, no_t, 0.0, days, no_t, options,
                            frozen, stop, np.empty((0, y.size)), np.empty((0, u0.size)), stats)
    return code, stop[dopri5.STOP_TIME]


@kernel(inline="always")
def _settle_at_rest(model_id, y, p, u0, frozen, i, level, days, options):
    """The marker stopped crossing: the attractor is an equilibrium. Take it from the
    quasi-steady solver started at ``y`` if that lands within 1 % of ``y``; otherwise
    integrate on for ``days`` (stopping early at a crossing) and keep where the run ends.
    Returns a status."""
    guess = y.copy()
    if quasi_steady_state(model_id, y, p, u0, frozen, 1e-10, np.int64(200)) == status.SUCCESS:
        near = True                 # the run was approaching it (not a distant, unstable one)
        for j in range(y.size):
            if abs(y[j] - guess[j]) > 1e-2 * abs(guess[j]) + options[dopri5.ATOL]:
                near = False
        if near:
            return status.SUCCESS
    for j in range(y.size):
        y[j] = guess[j]
    if days <= 0.0:
        return status.SUCCESS
    code, _ = _return_to_section(model_id, y, p, u0, frozen, i, level, days, options)
    return code


@kernel
def _least_squares(a, b, k, x):
    """x[:k] minimising ||b - a[:, :k] x|| by modified Gram-Schmidt; ``a`` and ``b`` are
    overwritten. Columns dependent on earlier ones (relative norm < 1e-10) get x = 0."""
    n = b.size
    r = np.zeros((k, k))
    keep = np.zeros(k, dtype=np.bool_)
    for j in range(k):
        norm0 = 0.0
        for i in range(n):
            norm0 += a[i, j] * a[i, j]
        for q in range(j):
            if keep[q]:
                d = 0.0
                for i in range(n):
                    d += a[i, q] * a[i, j]
                r[q, j] = d
                for i in range(n):
                    a[i, j] -= d * a[i, q]
        norm = 0.0
        for i in range(n):
            norm += a[i, j] * a[i, j]
        if norm > 1e-20 * norm0 and norm > 0.0:
            keep[j] = True
            norm = math.sqrt(norm)
            r[j, j] = norm
            for i in range(n):
                a[i, j] /= norm
            d = 0.0
            for i in range(n):
                d += a[i, j] * b[i]
            x[j] = d
            for i in range(n):
                b[i] -= d * a[i, j]
    for j in range(k - 1, -1, -1):
        if not keep[j]:
            x[j] = 0.0
            continue
        acc = x[j]
        for q in range(j + 1, k):
            acc -= r[j, q] * x[q]
        x[j] = acc / r[j, j]


@kernel(inline="always")
def settle_on_cycle(model_id, y, p, u0, frozen, phase, options):
    """Move ``y`` onto the model's attractor under constant inputs ``u0``; return a status.

    The phase marker ``i = phase[PHASE_INDEX]`` is set to ``phase[PHASE_KICK]`` (a kick off the
    equilibrium) and the model integrated, with the ``frozen`` components held constant (the
    primordial pool does not age while settling), until the marker crosses
    ``phase[PHASE_LEVEL]`` upwards: a point of the Poincare section. From there the return map
    (integration to the next upward crossing) is iterated with Anderson acceleration (Walker
    & Ni 2011, doi:10.1137/10078356X; ``MEMORY`` differences), first at the looser tolerance
    ``LOOSE_RTOL`` and then at the run's own, until one return moves no component by more
    than the run's tolerance (``atol + rtol |y|``). The result is the last return, so one more
    period from it comes back within the tolerance; day 0 of the run is that crossing (surge
    onset for the rat). ``phase[BURN_IN]`` bounds the days integrated after the first
    crossing (the iteration stops there, converged or not). If the marker does not cross
    within ``phase[BURN_IN] + phase[PHASE_SEARCH]`` days the model does not cycle: ``y`` is
    then the equilibrium the run relaxed to (``_settle_at_rest``), or where it ended if none is
    near, and the status is still a success.
    """
    i = int(phase[PHASE_INDEX])
    if i < 0:
        return status.SUCCESS
    level = phase[PHASE_LEVEL]
    budget = phase[BURN_IN]
    search = phase[PHASE_SEARCH]
    n = y.size
    y[i] = phase[PHASE_KICK]
    code, t_cross = _return_to_section(model_id, y, p, u0, frozen, i, level, budget + search,
                                       options)
    if code != status.SUCCESS:
        return code
    if np.isnan(t_cross):
        return _settle_at_rest(model_id, y, p, u0, frozen, i, level, 0.0, options)
    rtol = options[dopri5.RTOL]
    atol = options[dopri5.ATOL]
    loose = options.copy()
    if rtol > 0.0 and rtol < LOOSE_RTOL:
        loose[dopri5.RTOL] = LOOSE_RTOL
        loose[dopri5.ATOL] = atol * LOOSE_RTOL / rtol
        first_stage = 0
    else:
        first_stage = 1
    y_new = np.empty(n)
    g = np.empty(n)
    x_prev = np.empty(n)
    g_prev = np.empty(n)
    d_x = np.empty((n, MEMORY))
    d_g = np.empty((n, MEMORY))
    a = np.empty((n, MEMORY))
    b = np.empty(n)
    gamma = np.empty(MEMORY)
    scale = np.empty(n)
    days = 0.0
    converged = False
    for stage in range(first_stage, 2):
        opts = loose if stage == 0 else options
        s_rtol = opts[dopri5.RTOL]
        s_atol = opts[dopri5.ATOL]
        criterion = LOOSE_CRITERION if stage == 0 else 1.0
        converged = False
        n_hist = 0
        have_prev = False
        for _ in range(MAX_RETURNS):
            for j in range(n):
                y_new[j] = y[j]
            code, t_cross = _return_to_section(model_id, y_new, p, u0, frozen, i, level,
                                               search, opts)
            if code != status.SUCCESS:
                return code
            if np.isnan(t_cross):           # no return: the oscillation died out
                for j in range(n):
                    y[j] = y_new[j]
                return _settle_at_rest(model_id, y, p, u0, frozen, i, level, budget - days,
                                       options)
            days += t_cross
            worst = 0.0
            for j in range(n):
                g[j] = y_new[j] - y[j]
                scale[j] = s_atol + s_rtol * max(abs(y[j]), abs(y_new[j]))
                worst = max(worst, abs(g[j]) / scale[j])
            if worst <= criterion or days >= budget:
                for j in range(n):
                    y[j] = y_new[j]
                converged = worst <= criterion
                break
            # Anderson step: x + g - (dX + dG) gamma, gamma = argmin ||g - dG gamma|| (scaled).
            if have_prev:
                slot = n_hist % MEMORY
                for j in range(n):
                    d_x[j, slot] = y[j] - x_prev[j]
                    d_g[j, slot] = g[j] - g_prev[j]
                n_hist += 1
            for j in range(n):
                x_prev[j] = y[j]
                g_prev[j] = g[j]
            have_prev = True
            k = min(n_hist, MEMORY)
            if k > 0:
                for j in range(n):
                    b[j] = g[j] / scale[j]
                    for c in range(k):
                        a[j, c] = d_g[j, c] / scale[j]
                _least_squares(a, b, k, gamma)
                ok = True
                for j in range(n):
                    step = g[j]
                    for c in range(k):
                        step -= (d_x[j, c] + d_g[j, c]) * gamma[c]
                    b[j] = y[j] + step
                    if frozen[j] != 0:
                        b[j] = y[j]
                    elif b[j] < 0.0 or not math.isfinite(b[j]):
                        ok = False
                if ok:
                    for j in range(n):
                        y[j] = b[j]
                    y[i] = y_new[i]         # stay on the section
                    continue
                n_hist = 0                  # a bad extrapolation: restart from the return
                have_prev = False
            for j in range(n):
                y[j] = y_new[j]
        if days >= budget:
            break
    if not converged:
        # No fixed point within the budget (a slow drift, or a cycle that converges slowly):
        # end on plain returns, so no extrapolation error is left in the fast components.
        for _ in range(UNCONVERGED_RETURNS):
            code, t_cross = _return_to_section(model_id, y, p, u0, frozen, i, level, search,
                                               options)
            if code != status.SUCCESS or np.isnan(t_cross):
                return code
    return status.SUCCESS


@kernel
def solve_one(model_id, y0, p, init_mode, frozen, init_p_index, phase, u0, pk_rates, pk_state0,
              pk_map, ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
              out_y, out_u, out_obs, stats):
    """Form the initial state, integrate, and evaluate observables; return a status code.

    ``init_p_index[i] >= 0`` sets ``y0[i]`` from parameter ``p[init_p_index[i]]`` (e.g. the
    primordial pool). With ``init_mode == INIT_QUASI_STEADY`` the components not ``frozen`` are
    then relaxed to the quasi-steady state under the inputs ``u0`` before integration. With
    ``init_mode == INIT_LIMIT_CYCLE`` the quasi-steady state is then moved onto the cycle by
    ``settle_on_cycle`` (``phase`` layout above).

    Shapes: ``out_y[n_save, n_states]``, ``out_u[n_save, n_inputs]``,
    ``out_obs[n_save, n_observables]``, ``stats[3]`` (see ``dopri5.integrate``).
    """
    y = y0.copy()
    for i in range(y.size):
        if init_p_index[i] >= 0:
            y[i] = p[init_p_index[i]]
    u_base = u0.copy()
    pk_state = pk_state0.copy()
    code = status.SUCCESS
    if init_mode != INIT_GIVEN:
        guess = y.copy()
        if init_mode == INIT_LIMIT_CYCLE:
            # The quasi-steady state is only a guess for the settle (for a cycling model it is
            # an unstable equilibrium that the solver rarely pins down): a few iterations.
            code = quasi_steady_state(model_id, y, p, u0, frozen, 1e-10, np.int64(QSS_ITERATIONS))
            if code != status.SUCCESS:      # the settle can start from the guess instead
                for i in range(y.size):
                    y[i] = guess[i]
            code = settle_on_cycle(model_id, y, p, u0, frozen, phase, options)
        else:
            code = quasi_steady_state(model_id, y, p, u0, frozen, 1e-10, np.int64(200))
    if code == status.SUCCESS:
        free = np.zeros(y.size, dtype=np.int8)
        stop = np.array([-1.0, 0.0, np.nan])
        code = dopri5.integrate(model_id, y, p, u_base, pk_rates, pk_state, pk_map,
                                ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
                                free, stop, out_y, out_u, stats)
    else:
        out_y.fill(np.nan)
        out_u.fill(np.nan)
    for k in range(save_t.size):
        if np.isnan(out_y[k, 0]):
            out_obs[k].fill(np.nan)
        else:
            call_observe(model_id, out_y[k], p, out_u[k], out_obs[k])
    return code


@kernel(parallel=True)
def solve_batch(model_id, y0, P, init_mode, frozen, init_p_index, phase, u0, pk_rates,
                pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
                out_y, out_u, out_obs, codes, stats):
    """Run ``solve_one`` for every row of ``P`` (float64[n_samples, n_params]) in parallel.

    Samples are handed out one at a time from a shared counter (``workqueue``), so threads
    stay busy when samples take uneven numbers of steps.

    Outputs gain a leading ``sample`` axis; ``codes`` is int64[n_samples] and ``stats``
    int64[n_samples, 3].
    """
    n = P.shape[0]
    counter = np.zeros(1, dtype=np.int64)
    for _ in prange(min(n, WORKERS)):
        s = take(counter)
        while s < n:
            codes[s] = solve_one(model_id, y0, P[s], init_mode, frozen, init_p_index, phase,
                                 u0, pk_rates, pk_state0, pk_map, ev_t, ev_kind, ev_target,
                                 ev_value, t0, t1, save_t, options, out_y[s], out_u[s],
                                 out_obs[s], stats[s])
            s = take(counter)


@kernel(parallel=True)
def solve_batch_protocols(model_id, y0, P, init_mode, frozen, init_p_index, phase, U0, PK_rates,
                          PK_state0, PK_map, EV_t, EV_kind, EV_target, EV_value, t0, t1, save_t,
                          options, out_y, out_u, out_obs, codes, stats):
    """Run ``solve_one`` for every sample ``s`` with its own parameters and protocol.

    Row ``s`` of every per-sample array is what ``solve_one`` receives for that sample, so a
    sample integrates exactly as a single run with the same arrays. Rows are padded to equal
    shapes with inert entries (``follisim.protocols.stack``: events at ``+inf``, chains with
    zero rates and amounts, maps reading a padding chain).

    Shapes (S samples, C chains, M maps, E events, T save times)::

        P          float64[S, n_params]      U0         float64[S, n_inputs]
        PK_rates   float64[S, C, 3]          PK_state0  float64[S, C, 2]
        PK_map     float64[S, M, 7]          EV_t       float64[S, E]  (sorted per row)
        EV_kind    int64[S, E]               EV_target  int64[S, E]
        EV_value   float64[S, E]
        out_y      float64[S, T, n_states]   out_u      float64[S, T, n_inputs]
        out_obs    float64[S, T, n_obs]      codes      int64[S]    stats  int64[S, 3]

    ``y0``, ``init_mode``, ``frozen``, ``init_p_index``, ``phase``, ``t0``, ``t1``, ``save_t``
    and ``options`` are shared (``solve_one``).
    """
    n = P.shape[0]
    counter = np.zeros(1, dtype=np.int64)
    for _ in prange(min(n, WORKERS)):
        s = take(counter)
        while s < n:
            codes[s] = solve_one(model_id, y0, P[s], init_mode, frozen, init_p_index, phase,
                                 U0[s], PK_rates[s], PK_state0[s], PK_map[s], EV_t[s],
                                 EV_kind[s], EV_target[s], EV_value[s], t0, t1, save_t, options,
                                 out_y[s], out_u[s], out_obs[s], stats[s])
            s = take(counter)


@kernel
def window_means(save_t, values, win_lo, win_hi, out):
    """Means of ``values[T, m]`` over each window ``[win_lo[w], win_hi[w]]`` [day] into
    ``out[W, m]``: trapezoidal rule over the save times inside the window, divided by the span
    they cover; a window holding one save time takes that value, an empty one NaN."""
    for w in range(win_lo.size):
        first = -1
        last = -1
        for k in range(save_t.size):
            if win_lo[w] <= save_t[k] <= win_hi[w]:
                if first < 0:
                    first = k
                last = k
        for j in range(values.shape[1]):
            if first < 0:
                out[w, j] = np.nan
            elif last == first:
                out[w, j] = values[first, j]
            else:
                total = 0.0
                for k in range(first, last):
                    total += 0.5 * (values[k, j] + values[k + 1, j]) * (save_t[k + 1] - save_t[k])
                out[w, j] = total / (save_t[last] - save_t[first])


@kernel(parallel=True)
def solve_batch_means(model_id, y0, P, init_mode, frozen, init_p_index, phase, u0, pk_rates,
                      pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t,
                      options, win_lo, win_hi, out_y, out_u, out_obs, codes, stats):
    """``solve_batch`` keeping only window means: memory independent of the save grid.

    Each worker integrates its samples into its own scratch trajectory (``save_t`` grid) and
    reduces it with ``window_means``; outputs are ``out_y[S, W, n_states]``,
    ``out_u[S, W, n_inputs]``, ``out_obs[S, W, n_obs]`` for the ``W`` windows
    ``[win_lo[w], win_hi[w]]``. Every sample runs ``solve_one`` exactly as in ``solve_batch``.
    """
    n = P.shape[0]
    T = save_t.size
    counter = np.zeros(1, dtype=np.int64)
    for _ in prange(min(n, WORKERS)):
        s = take(counter)
        if s < n:
            ty = np.empty((T, out_y.shape[2]))
            tu = np.empty((T, out_u.shape[2]))
            to = np.empty((T, out_obs.shape[2]))
            while s < n:
                ty.fill(np.nan)
                tu.fill(np.nan)
                to.fill(np.nan)
                codes[s] = solve_one(model_id, y0, P[s], init_mode, frozen, init_p_index,
                                     phase, u0, pk_rates, pk_state0, pk_map, ev_t, ev_kind,
                                     ev_target, ev_value, t0, t1, save_t, options, ty, tu, to,
                                     stats[s])
                window_means(save_t, ty, win_lo, win_hi, out_y[s])
                window_means(save_t, tu, win_lo, win_hi, out_u[s])
                window_means(save_t, to, win_lo, win_hi, out_obs[s])
                s = take(counter)
