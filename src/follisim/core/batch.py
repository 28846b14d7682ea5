"""One trajectory and a batch of trajectories, each from an optional quasi-steady start.

``solve_one`` is the single code path: ``simulate`` calls it once, ``solve_batch`` calls it for
every row of a parameter table under ``prange``, and ``solve_batch_protocols`` for every row of a
parameter table *and* of per-sample protocol arrays (dose amounts, days, PK rates and maps that
differ between samples). Samples share nothing but read-only inputs, so results do not depend
on the thread count or on how samples are grouped.
"""

import numpy as np
from numba import prange

from follisim.core import dopri5, status
from follisim.core._jit import kernel
from follisim.core.registry import call_observe
from follisim.core.steady import quasi_steady_state

# Layout of ``init``: how the initial state is formed.
INIT_GIVEN, INIT_QUASI_STEADY, INIT_LIMIT_CYCLE = 0, 1, 2
# Layout of ``phase``: phase-marker state index (< 0: none), its level, the value it is set to
# before the burn-in (a kick off the equilibrium), burn-in length [day], phase search [day].
PHASE_INDEX, PHASE_LEVEL, PHASE_KICK, BURN_IN, PHASE_SEARCH = range(5)
N_PHASE = 5


@kernel
def settle_on_cycle(model_id, y, p, u0, frozen, phase, options):
    """Move ``y`` onto the model's attractor under constant inputs ``u0``; return a status.

    From ``y`` (normally the quasi-steady state, an unstable equilibrium when the model cycles)
    the phase marker is set to ``phase[PHASE_KICK]``, the model is integrated for
    ``phase[BURN_IN]`` days with the ``frozen`` components held constant (the primordial pool
    does not age during the burn-in), then on until the marker next crosses
    ``phase[PHASE_LEVEL]`` upwards (at most ``phase[PHASE_SEARCH]`` days). Day 0 of the run is
    that crossing (surge onset for the rat). If the model does not cycle, ``y`` is the end of
    the search, i.e. the stable state, and the status is still a success.
    """
    i = int(phase[PHASE_INDEX])
    if i < 0:
        return status.SUCCESS
    y[i] = phase[PHASE_KICK]
    u_base = u0.copy()
    no_rates = np.empty((0, 3))
    no_pk = np.empty((0, 2))
    no_map = np.empty((0, 7))
    no_t = np.empty(0)
    no_i = np.empty(0, dtype=np.int64)
    no_y = np.empty((0, y.size))
    no_u = np.empty((0, u0.size))
    stats = np.zeros(3, dtype=np.int64)
    stop = np.array([-1.0, 0.0, np.nan])
    code = dopri5.integrate(model_id, y, p, u_base, no_rates, no_pk, no_map, no_t, no_i, no_i,
                            no_t, 0.0, phase[BURN_IN], no_t, options, frozen, stop, no_y, no_u,
                            stats)
    if code != status.SUCCESS:
        return code
    stop[dopri5.STOP_INDEX] = i
    stop[dopri5.STOP_LEVEL] = phase[PHASE_LEVEL]
    return dopri5.integrate(model_id, y, p, u_base, no_rates, no_pk, no_map, no_t, no_i, no_i,
                            no_t, 0.0, phase[PHASE_SEARCH], no_t, options, frozen, stop, no_y,
                            no_u, stats)


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
        code = quasi_steady_state(model_id, y, p, u0, frozen, 1e-10, 200)
        if init_mode == INIT_LIMIT_CYCLE:
            if code != status.SUCCESS:      # the burn-in can start from the guess instead
                y[:] = guess
            code = settle_on_cycle(model_id, y, p, u0, frozen, phase, options)
    if code == status.SUCCESS:
        free = np.zeros(y.size, dtype=np.int8)
        stop = np.array([-1.0, 0.0, np.nan])
        code = dopri5.integrate(model_id, y, p, u_base, pk_rates, pk_state, pk_map,
                                ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
                                free, stop, out_y, out_u, stats)
    else:
        out_y[:, :] = np.nan
        out_u[:, :] = np.nan
    for k in range(save_t.size):
        if np.isnan(out_y[k, 0]):
            out_obs[k, :] = np.nan
        else:
            call_observe(model_id, out_y[k], p, out_u[k], out_obs[k])
    return code


@kernel(parallel=True)
def solve_batch(model_id, y0, P, init_mode, frozen, init_p_index, phase, u0, pk_rates,
                pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
                out_y, out_u, out_obs, codes, stats):
    """Run ``solve_one`` for every row of ``P`` (float64[n_samples, n_params]) in parallel.

    Outputs gain a leading ``sample`` axis; ``codes`` is int64[n_samples] and ``stats``
    int64[n_samples, 3].
    """
    for s in prange(P.shape[0]):
        codes[s] = solve_one(model_id, y0, P[s], init_mode, frozen, init_p_index, phase, u0,
                             pk_rates, pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value,
                             t0, t1, save_t, options, out_y[s], out_u[s], out_obs[s], stats[s])


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
    for s in prange(P.shape[0]):
        codes[s] = solve_one(model_id, y0, P[s], init_mode, frozen, init_p_index, phase, U0[s],
                             PK_rates[s], PK_state0[s], PK_map[s], EV_t[s], EV_kind[s],
                             EV_target[s], EV_value[s], t0, t1, save_t, options, out_y[s],
                             out_u[s], out_obs[s], stats[s])
