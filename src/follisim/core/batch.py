"""One trajectory and a batch of trajectories, each from an optional quasi-steady start.

``solve_one`` is the single code path: ``simulate`` calls it once, ``solve_batch`` calls it for
every row of a parameter table under ``prange``. Samples share nothing but read-only inputs, so
results do not depend on the thread count or on how samples are grouped.
"""

import numpy as np
from numba import prange

from follisim.core import dopri5, status
from follisim.core._jit import kernel
from follisim.core.registry import call_observe
from follisim.core.steady import quasi_steady_state

# Layout of ``init``: how the initial state is formed.
INIT_GIVEN, INIT_QUASI_STEADY = 0, 1


@kernel
def solve_one(model_id, y0, p, init_mode, frozen, init_p_index, u0, pk_rates, pk_state0, pk_map,
              ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
              out_y, out_u, out_obs, stats):
    """Form the initial state, integrate, and evaluate observables; return a status code.

    ``init_p_index[i] >= 0`` sets ``y0[i]`` from parameter ``p[init_p_index[i]]`` (e.g. the
    primordial pool). With ``init_mode == INIT_QUASI_STEADY`` the components not ``frozen`` are
    then relaxed to the quasi-steady state under the inputs ``u0`` before integration.

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
    if init_mode == INIT_QUASI_STEADY:
        code = quasi_steady_state(model_id, y, p, u0, frozen, 1e-10, 200)
    if code == status.SUCCESS:
        code = dopri5.integrate(model_id, y, p, u_base, pk_rates, pk_state, pk_map,
                                ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
                                out_y, out_u, stats)
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
def solve_batch(model_id, y0, P, init_mode, frozen, init_p_index, u0, pk_rates, pk_state0,
                pk_map, ev_t, ev_kind, ev_target, ev_value, t0, t1, save_t, options,
                out_y, out_u, out_obs, codes, stats):
    """Run ``solve_one`` for every row of ``P`` (float64[n_samples, n_params]) in parallel.

    Outputs gain a leading ``sample`` axis; ``codes`` is int64[n_samples] and ``stats``
    int64[n_samples, 3].
    """
    for s in prange(P.shape[0]):
        codes[s] = solve_one(model_id, y0, P[s], init_mode, frozen, init_p_index, u0, pk_rates,
                             pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value, t0, t1,
                             save_t, options, out_y[s], out_u[s], out_obs[s], stats[s])
