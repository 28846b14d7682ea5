"""Individual-follicle stochastic engine on the rat model's own hazards and right-hand side.

Every growing follicle, corpus luteum and atretic follicle is an agent (struct of arrays: stage,
log diameter and size clock at stage entry, FSH sensitivity); the quiescent primordial pool is a
count whose exits (activation, death) are sampled as events, so a quiescent follicle is never
touched. Rates come only from ``rat.hazards``; the non-follicle states (hormones, vessels, surge,
progesterone, ...) follow ``rat.rhs`` evaluated on a state vector whose follicle entries are the
agents' counts. Which states the agents own, and which hazard moves a follicle from which state
to which, arrive as tables built by name in ``follisim.agents`` (checked against ``rat.rhs``).

Coupling (Strang splitting, step ``dt`` [day], on a grid that also stops at every save and
event time): over a segment [a, b] with midpoint m,

    A  the continuous states (follicle counts held) from a to m, classical RK4 on ``rat.rhs``;
    B  the follicles over [a, b] with the hazards frozen at (state at m, inputs at m), sampled
       exactly: with constant hazards each follicle's stay in a stage is exponential, so the
       members present at a leave one by one at the order statistics of n exponentials (rate
       H n, then H (n - 1), ...); a follicle entering a stage inside the segment draws its own
       exit time, so one follicle may cross several stages in one segment;
    A  the continuous states from m to b with the new counts.

Between two stops the two half steps of A are one RK4 step from midpoint to midpoint (the
leapfrog form of Strang splitting): a segment costs one RK4 step, one ``rat.hazards`` call and
its follicle events.

Agents are independent given the frozen hazards, so the expected counts after B are exactly the
linear flow exp(M(h) (b - a)) n of the ODE's follicle equations: the engine's mean equals the ODE
under the same hazard path (``docs/agents.md``). Stages are processed downstream first, so a
follicle that arrives in an already processed stage is never sampled twice.

Modes: ``AGENT`` (hormones fed by the agents), ``FORCED`` (agents driven by the hormones of a
deterministic shadow, no feedback: the mean-equality test), ``MEAN_FIELD`` (the shadow only:
the same splitting with the expected follicle flow, for convergence tests).

Layouts (same-file rule): ``transitions[k] = (hazard, from, to, counter)`` (state indices,
-1 = none); ``exits`` CSR ``exit_ptr[n_states + 1]``, ``exit_k`` over transitions by source;
``stats[r]`` below. Nothing raises; status codes come from ``status.py``.
"""

import math

import numpy as np
from numba import prange

from follisim.core import pk, rat, rng, status
from follisim.core._jit import kernel
from follisim.core.dopri5 import SCALE_STATE, _apply_events

AGENT, FORCED, MEAN_FIELD = 0, 1, 2
# Who owns each state (``owned``): the continuous part, the quiescent pool, an agent stage, or
# an event counter (e.g. cumulative ovulations).
CONTINUOUS, POOL, STAGE, COUNTER = 0, 1, 2, 3
TR_HAZARD, TR_FROM, TR_TO, TR_COUNTER = range(4)
# Per-replicate statistics: segments, stochastic events, agent-step equivalents (sum over
# segments of the live population times segment/dt), peak live agents, final capacity.
ST_SEGMENTS, ST_EVENTS, ST_AGENT_STEPS, ST_PEAK, ST_CAPACITY = range(5)
N_STATS = 5
# Bookkeeping ``book`` (int64): free-stack size, slots ever used, removed follicles (luteolysed
# or cleared), live agents, events.
B_FREE, B_USED, B_REMOVED, B_ALIVE, B_EVENTS = range(5)
# Largest hazard x step in one RK4 sub-step of the deterministic follicle flow.
MEAN_FIELD_SUBSTEP = 0.1
# Relative snapping tolerance of the segment grid.
SNAP = 1e-6
N_HAZARDS = len(rat.HAZARD_NAMES)


@kernel
def _rhs_held(t, y, p, u, dydt, held):
    """``rat.rhs`` with the derivatives of the ``held`` components set to zero."""
    rat.rhs(t, y, p, u, dydt)
    for i in range(y.size):
        if held[i] != 0:
            dydt[i] = 0.0


@kernel
def _rk4(y, t, h, p, u_base, pk_rates, pk_state, pk_map, t_ref, held, w, pk_work, u):
    """One classical RK4 step of ``rat.rhs`` over [t, t + h] with ``held`` components fixed.

    ``w`` is float64[5, n_states] work space; inputs are re-evaluated (closed-form PK) at
    t, t + h/2 and t + h.
    """
    n = y.size
    k1, k2, k3, k4, ys = w[0], w[1], w[2], w[3], w[4]
    pk.effective_inputs(t, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, u)
    _rhs_held(t, y, p, u, k1, held)
    for i in range(n):
        ys[i] = y[i] + 0.5 * h * k1[i]
    pk.effective_inputs(t + 0.5 * h, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, u)
    _rhs_held(t + 0.5 * h, ys, p, u, k2, held)
    for i in range(n):
        ys[i] = y[i] + 0.5 * h * k2[i]
    _rhs_held(t + 0.5 * h, ys, p, u, k3, held)
    for i in range(n):
        ys[i] = y[i] + h * k3[i]
    pk.effective_inputs(t + h, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, u)
    _rhs_held(t + h, ys, p, u, k4, held)
    for i in range(n):
        y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@kernel
def _mean_field_flow(z, t, h, p, u, held, hz, w):
    """Expected follicle flow over [t, t + h]: RK4 sub-steps of ``rat.rhs`` on the owned states
    with the ``held`` (continuous) states, hence every hazard, fixed."""
    hmax = 0.0
    for k in range(hz.size):
        hmax = max(hmax, hz[k])
    n_sub = 1 + int(hmax * h / MEAN_FIELD_SUBSTEP)
    dh = h / n_sub
    n = z.size
    k1, k2, k3, k4, ys = w[0], w[1], w[2], w[3], w[4]
    for _ in range(n_sub):
        _rhs_held(t, z, p, u, k1, held)
        for i in range(n):
            ys[i] = z[i] + 0.5 * dh * k1[i]
        _rhs_held(t, ys, p, u, k2, held)
        for i in range(n):
            ys[i] = z[i] + 0.5 * dh * k2[i]
        _rhs_held(t, ys, p, u, k3, held)
        for i in range(n):
            ys[i] = z[i] + dh * k3[i]
        _rhs_held(t, ys, p, u, k4, held)
        for i in range(n):
            z[i] += dh / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@kernel(inline="always")
def _log_size_at(a, s, tau, t_a, clock0, clock_rate, size_clock, size_log_ratio, size_fsh,
             log_size_cap, log_size, entry_clock, sensitivity):
    """log of the diameter [um] of agent ``a`` in stage ``s`` at ``tau`` (segment from ``t_a``).

    It grows in proportion to the stage's size clock (the cumulative hazard named by
    ``size_clock[s]``), times the agent's FSH sensitivity where ``size_fsh[s]``, up to
    ``log_size_cap[s]``.
    """
    if size_clock[s] < 0:
        return log_size[a]
    g = size_log_ratio[s] * (clock0[s] + clock_rate[s] * (tau - t_a) - entry_clock[a])
    if size_fsh[s] != 0:
        g *= sensitivity[a]
    return min(log_size[a] + g, log_size_cap[s])


@kernel(inline="always")
def _route(a, s, tau, t_a, t_b, hz, htot, transitions, exit_ptr, exit_k, clock0, clock_rate,
           size_clock, size_log_ratio, size_fsh, log_size_cap, stage, log_size, entry_clock,
           sensitivity, members, counts, free_stack, book, state):
    """Agent ``a`` leaves stage ``s`` at ``tau``; follow it until it stays in a stage at ``t_b``
    or is removed. The exit channel is drawn with probability hazard / total hazard."""
    while True:
        x = rng.uniform(state) * htot[s]
        k = exit_k[exit_ptr[s + 1] - 1]
        acc = 0.0
        for j in range(exit_ptr[s], exit_ptr[s + 1]):
            acc += hz[transitions[exit_k[j], TR_HAZARD]]
            if x < acc:
                k = exit_k[j]
                break
        size = _log_size_at(a, s, tau, t_a, clock0, clock_rate, size_clock, size_log_ratio,
                            size_fsh, log_size_cap, log_size, entry_clock, sensitivity)
        book[B_EVENTS] += 1
        c = transitions[k, TR_COUNTER]
        if c >= 0:
            counts[c] += 1
        d = transitions[k, TR_TO]
        if d < 0:
            stage[a] = -1
            free_stack[book[B_FREE]] = a
            book[B_FREE] += 1
            book[B_REMOVED] += 1
            book[B_ALIVE] -= 1
            return
        stage[a] = d
        log_size[a] = size
        entry_clock[a] = clock0[d] + clock_rate[d] * (tau - t_a)
        if htot[d] > 0.0:
            tau_next = tau + rng.exponential(state) / htot[d]
            if tau_next < t_b:
                s = d
                tau = tau_next
                continue
        members[d, counts[d]] = a
        counts[d] += 1
        return


@kernel
def _thin(ie0, ie1, ev_kind, ev_target, ev_value, owned, counts, members, stage, free_stack,
          book, state):
    """Apply the ``SCALE_STATE`` events ``ie0 <= e < ie1`` (e.g. ovariectomy) to the agents:
    each follicle of a scaled stage (or of the pool) is kept with probability equal to the
    factor (at most 1; a factor above 1 cannot create follicles and is ignored)."""
    for e in range(ie0, ie1):
        if ev_kind[e] != SCALE_STATE:
            continue
        s = ev_target[e]
        keep = ev_value[e]
        if owned[s] == CONTINUOUS or owned[s] == COUNTER or keep >= 1.0:
            continue
        if owned[s] == POOL:
            kept = 0
            for _ in range(counts[s]):
                if rng.uniform(state) < keep:
                    kept += 1
            counts[s] = kept
            continue
        j = 0
        while j < counts[s]:
            if rng.uniform(state) < keep:
                j += 1
                continue
            a = members[s, j]
            members[s, j] = members[s, counts[s] - 1]
            counts[s] -= 1
            stage[a] = -1
            free_stack[book[B_FREE]] = a
            book[B_FREE] += 1
            book[B_REMOVED] += 1
            book[B_ALIVE] -= 1


@kernel
def _grow(capacity, stage, log_size, entry_clock, sensitivity, members, free_stack):
    """Copies of the agent arrays with room for ``capacity`` agents."""
    n = stage.size
    stage2 = np.full(capacity, -1, np.int8)
    size2 = np.empty(capacity)
    clock2 = np.empty(capacity)
    sens2 = np.empty(capacity)
    members2 = np.empty((members.shape[0], capacity), np.int32)
    free2 = np.empty(capacity, np.int32)
    stage2[:n] = stage
    size2[:n] = log_size
    clock2[:n] = entry_clock
    sens2[:n] = sensitivity
    members2[:, :n] = members
    free2[:n] = free_stack
    return stage2, size2, clock2, sens2, members2, free2


@kernel
def run_replicate(y0, p, u0, pk_rates, pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value,
                  t1, save_t, dt, mode, owned, pool, transitions, exit_ptr, exit_k, order,
                  size_clock, size_log_ratio, size_fsh, log_size_cap, log_size_initial,
                  sens_sigma, hist_states, hist_lo, hist_step, seed, replicate, capacity,
                  max_capacity, out_y, out_obs, out_u, write_u, out_removed, out_hist, stats):
    """Simulate one replicate from the day-0 state ``y0``; return a status code.

    Parameters
    ----------
    y0 : float64[n_states]          day-0 state (the ODE's start); counts are sampled from it
                                    (pool and counters: stochastic rounding; agent stages:
                                    Poisson with mean y0)
    p, u0, pk_*, ev_* :             as ``dopri5.integrate`` (events at [0, t1], sorted)
    t1 : float                      end [day]
    save_t : float64[n_save]        save times [day], sorted, in [0, t1]
    dt : float                      splitting step [day]
    mode : int                      AGENT, FORCED or MEAN_FIELD
    owned : int8[n_states]          CONTINUOUS, POOL, STAGE or COUNTER per state
    pool : int                      state index of the quiescent pool (counted, not agents)
    transitions : int64[K, 4]       (hazard, from, to, counter); to/counter -1 for none
    exit_ptr, exit_k : int64        transitions by source state (CSR)
    order : int64[n_stages]         agent stages, downstream first
    size_clock : int64[n_states]    hazard index whose cumulative value drives growth, or -1
    size_log_ratio : float64[n_states]  log size gain per unit of the size clock
    size_fsh : int8[n_states]       1 where the FSH sensitivity scales growth
    log_size_cap : float64[n_states]    log of the largest diameter [um] in each stage
    log_size_initial : float64[n_states]    log diameter [um] of new and day-0 agents
    sens_sigma : float              SD of log FSH sensitivity (lognormal, mean 1)
    hist_states : int64[n_hist]     states whose size distribution is saved
    hist_lo, hist_step : float      log of the lowest size-bin edge [log um], bin width
    seed, replicate : int           RNG key and stream (``rng.py``)
    capacity, max_capacity : int    initial and largest number of agent slots
    out_y : float64[n_save, n_states]   saved states (NaN where not reached)
    out_obs : float64[n_save, n_obs]    saved observables
    out_u : float64[n_save, n_inputs]   saved inputs (written when ``write_u``)
    out_removed : float64[n_save]   cumulative removed follicles (luteolysis + clearance)
    out_hist : int32[n_save, n_hist, n_bins]   agents per size bin and stage
    stats : float64[N_STATS]        see the layout above
    """
    n = y0.size
    n_save = save_t.size
    n_bins = out_hist.shape[2]
    state = rng.seeded(seed, replicate)
    agents_on = mode != MEAN_FIELD
    shadow_on = mode != AGENT
    hist_slot = np.full(n, -1, np.int64)
    for ih in range(hist_states.size):
        hist_slot[hist_states[ih]] = ih
    held = np.empty(n, np.int8)           # the follicle flow holds the continuous states
    for i in range(n):
        held[i] = 1 if owned[i] == CONTINUOUS else 0

    # --- work space -----------------------------------------------------------------------
    y = y0.copy()            # agent-fed state (AGENT) / combined state for output
    z = y0.copy()            # deterministic shadow (FORCED, MEAN_FIELD)
    w = np.empty((5, n))
    u_base = u0.copy()
    u = np.empty(u0.size)
    pk_state = pk_state0.copy()
    pk_work = np.empty((pk_rates.shape[0], 2))
    hz = np.empty(N_HAZARDS)
    htot = np.zeros(n)
    clock0 = np.zeros(n)
    clock_rate = np.zeros(n)
    counts = np.zeros(n, np.int64)
    book = np.zeros(5, np.int64)
    for k in range(stats.size):
        stats[k] = 0.0

    # --- agents (struct of arrays) ----------------------------------------------------------
    cap = max(min(capacity, max_capacity), 1)
    stage = np.full(cap, -1, np.int8)
    log_size = np.empty(cap)
    entry_clock = np.empty(cap)
    sensitivity = np.empty(cap)
    members = np.empty((n, cap), np.int32)
    free_stack = np.empty(cap, np.int32)
    code = status.SUCCESS
    if agents_on:
        room = True
        rat.hazards(y0, p, u0, hz)
        for s in range(n):
            if owned[s] == CONTINUOUS:
                continue
            if owned[s] == STAGE:
                counts[s] = rng.poisson(state, max(y0[s], 0.0))
            else:                                   # pool and counters: stochastic rounding
                whole = math.floor(y0[s])
                counts[s] = int(whole) + (1 if rng.uniform(state) < y0[s] - whole else 0)
        for idx in range(order.size):
            s = order[idx]
            total = 0.0
            for j in range(exit_ptr[s], exit_ptr[s + 1]):
                total += hz[transitions[exit_k[j], TR_HAZARD]]
            clock_h = hz[size_clock[s]] if size_clock[s] >= 0 else 0.0
            need = book[B_USED] + counts[s]
            if need > cap:
                new_cap = cap
                while new_cap < need:
                    new_cap *= 2
                if new_cap > max_capacity:
                    new_cap = max_capacity
                if new_cap < need:
                    room = False
                    break
                stage, log_size, entry_clock, sensitivity, members, free_stack = _grow(
                    new_cap, stage, log_size, entry_clock, sensitivity, members, free_stack)
                cap = new_cap
            for m in range(counts[s]):
                a = book[B_USED]
                book[B_USED] += 1
                stage[a] = s
                log_size[a] = log_size_initial[s]
                sensitivity[a] = math.exp(sens_sigma * rng.normal(state)
                                          - 0.5 * sens_sigma * sens_sigma)
                # Stationary age in the stage under the day-0 hazards: exponential.
                entry_clock[a] = -rng.exponential(state) * clock_h / total if total > 0.0 \
                    else 0.0
                members[s, m] = a
            book[B_ALIVE] += counts[s]
        if not room:
            code = status.POPULATION_CAPACITY
        for s in range(n):
            if owned[s] != CONTINUOUS:
                y[s] = float(counts[s])
    stats[ST_PEAK] = book[B_ALIVE]
    carrier = z if shadow_on else y

    # --- time loop ------------------------------------------------------------------------
    # ``t`` is the follicle time (segment ends); the continuous carrier is at ``t_c``: at the
    # last midpoint, or at ``t`` after a stop (save, event, end). Two half steps of A between
    # stops are taken as one RK4 step from midpoint to midpoint (leapfrog form of Strang).
    t = 0.0
    t_c = 0.0
    t_ref = 0.0
    ie = _apply_events(0, t, carrier, u_base, pk_state, ev_t, ev_kind, ev_target, ev_value)
    if agents_on:
        _thin(0, ie, ev_kind, ev_target, ev_value, owned, counts, members, stage, free_stack,
              book, state)
        if not shadow_on:
            for s in range(n):
                if owned[s] != CONTINUOUS:
                    y[s] = float(counts[s])
    isv = 0
    k_grid = 0
    n_ev = ev_t.size
    while code == status.SUCCESS:
        # save every time reached (after the events at that time: right-continuous)
        while isv < n_save and save_t[isv] <= t:
            pk.effective_inputs(t, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, u)
            if write_u:
                for i in range(u.size):
                    out_u[isv, i] = u[i]
            for i in range(n):
                if owned[i] != CONTINUOUS and agents_on:
                    out_y[isv, i] = float(counts[i])
                else:
                    out_y[isv, i] = carrier[i]
            rat.observe(out_y[isv], p, u, out_obs[isv])
            if agents_on:
                out_removed[isv] = float(book[B_REMOVED])
                for a in range(book[B_USED]):           # slot order: sequential memory
                    s = stage[a]
                    if s < 0 or hist_slot[s] < 0:
                        continue
                    size = _log_size_at(a, s, t, t, clock0, clock_rate, size_clock,
                                        size_log_ratio, size_fsh, log_size_cap, log_size,
                                        entry_clock, sensitivity)
                    b = min(max(int((size - hist_lo) / hist_step), 0), n_bins - 1)
                    out_hist[isv, hist_slot[s], b] += 1
            isv += 1
        if t >= t1:
            break
        # next segment end: grid point, event, save time or the end; a stop within SNAP * dt
        # after a grid point replaces it (no sliver segments from rounding of save grids)
        tol = SNAP * dt
        while (k_grid + 1) * dt <= t + tol:
            k_grid += 1
        t_stop = t1
        if ie < n_ev:
            t_stop = min(t_stop, ev_t[ie])
        if isv < n_save:
            t_stop = min(t_stop, save_t[isv])
        t_b = min((k_grid + 1) * dt, t_stop)
        if t_stop - t_b < tol:
            t_b = t_stop
        t_m = 0.5 * (t + t_b)

        # A: continuous states to the midpoint (from the previous midpoint, or from t)
        _rk4(carrier, t_c, t_m - t_c, p, u_base, pk_rates, pk_state, pk_map, t_ref, owned, w,
             pk_work, u)
        t_c = t_m
        pk.effective_inputs(t_m, t_ref, u_base, pk_rates, pk_state, pk_map, pk_work, u)
        rat.hazards(carrier, p, u, hz)
        # B: follicles over [t, t_b] with the midpoint hazards
        if shadow_on:
            _mean_field_flow(z, t_m, t_b - t, p, u, held, hz, w)
        if agents_on:
            for s in range(n):
                htot[s] = 0.0
                clock_rate[s] = hz[size_clock[s]] if size_clock[s] >= 0 else 0.0
            for k in range(transitions.shape[0]):
                htot[transitions[k, TR_FROM]] += hz[transitions[k, TR_HAZARD]]
            stats[ST_AGENT_STEPS] += (counts[pool] + book[B_ALIVE]) * (t_b - t) / dt
            for idx in range(order.size):
                s = order[idx]
                n_s = counts[s]
                rate = htot[s]
                tau = t
                while n_s > 0 and rate > 0.0:
                    tau += rng.exponential(state) / (rate * n_s)
                    if tau >= t_b:
                        break
                    j = min(int(rng.uniform(state) * n_s), n_s - 1)
                    a = members[s, j]
                    members[s, j] = members[s, n_s - 1]
                    n_s -= 1
                    counts[s] = n_s
                    _route(a, s, tau, t, t_b, hz, htot, transitions, exit_ptr, exit_k, clock0,
                           clock_rate, size_clock, size_log_ratio, size_fsh, log_size_cap, stage,
                           log_size, entry_clock, sensitivity, members, counts, free_stack,
                           book, state)
                counts[s] = n_s
            # the pool: each exit becomes a new agent that leaves the pool at once
            n_s = counts[pool]
            rate = htot[pool]
            tau = t
            while n_s > 0 and rate > 0.0:
                tau += rng.exponential(state) / (rate * n_s)
                if tau >= t_b:
                    break
                if book[B_FREE] > 0:
                    book[B_FREE] -= 1
                    a = free_stack[book[B_FREE]]
                else:
                    if book[B_USED] == cap:
                        if cap >= max_capacity:
                            code = status.POPULATION_CAPACITY
                            break
                        new_cap = min(2 * cap, max_capacity)
                        stage, log_size, entry_clock, sensitivity, members, free_stack = \
                            _grow(new_cap, stage, log_size, entry_clock, sensitivity, members,
                                  free_stack)
                        cap = new_cap
                    a = book[B_USED]
                    book[B_USED] += 1
                n_s -= 1
                counts[pool] = n_s
                book[B_ALIVE] += 1
                stage[a] = pool
                log_size[a] = log_size_initial[pool]
                entry_clock[a] = 0.0
                sensitivity[a] = math.exp(sens_sigma * rng.normal(state)
                                          - 0.5 * sens_sigma * sens_sigma)
                _route(a, pool, tau, t, t_b, hz, htot, transitions, exit_ptr, exit_k, clock0,
                       clock_rate, size_clock, size_log_ratio, size_fsh, log_size_cap, stage,
                       log_size, entry_clock, sensitivity, members, counts, free_stack, book,
                       state)
            counts[pool] = n_s
            for s in range(n):
                clock0[s] += clock_rate[s] * (t_b - t)
            if book[B_ALIVE] > stats[ST_PEAK]:
                stats[ST_PEAK] = book[B_ALIVE]
            if not shadow_on:
                for s in range(n):
                    if owned[s] != CONTINUOUS:
                        y[s] = float(counts[s])
        # A: continuous states from the midpoint to a stop
        if t_b == t_stop:
            _rk4(carrier, t_m, t_b - t_m, p, u_base, pk_rates, pk_state, pk_map, t_ref, owned,
                 w, pk_work, u)
            t_c = t_b
        stats[ST_SEGMENTS] += 1.0
        t = t_b
        for i in range(n):
            if not math.isfinite(carrier[i]):
                code = status.NONFINITE_STATE
        # events at t (after the step, before saving): advance PK in closed form, then apply
        if ie < n_ev and ev_t[ie] <= t:
            pk.advance(pk_rates, pk_state, t - t_ref)
            t_ref = t
            ie0 = ie
            ie = _apply_events(ie, t, carrier, u_base, pk_state, ev_t, ev_kind, ev_target,
                               ev_value)
            if agents_on:
                _thin(ie0, ie, ev_kind, ev_target, ev_value, owned, counts, members, stage,
                      free_stack, book, state)
                if not shadow_on:
                    for s in range(n):
                        if owned[s] != CONTINUOUS:
                            y[s] = float(counts[s])

    stats[ST_EVENTS] = float(book[B_EVENTS])
    stats[ST_CAPACITY] = float(cap)
    if code != status.SUCCESS:
        for k in range(isv, n_save):
            out_y[k, :] = np.nan
            out_obs[k, :] = np.nan
            out_removed[k] = np.nan
    return code


@kernel(parallel=True)
def run_batch(y0, p, u0, pk_rates, pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value,
              t1, save_t, dt, mode, owned, pool, transitions, exit_ptr, exit_k, order,
              size_clock, size_log_ratio, size_fsh, log_size_cap, log_size_initial,
              sens_sigma, hist_states, hist_lo, hist_step, seed, first_replicate, capacity,
              max_capacity, out_y, out_obs, out_u, out_removed, out_hist, codes, stats):
    """``run_replicate`` for replicates ``first_replicate .. first_replicate + R - 1`` under
    ``prange``; outputs gain a leading replicate axis (``out_u`` is shared: the inputs do not
    depend on the replicate). Replicate r reads RNG stream ``first_replicate + r`` only, so
    the numbers do not depend on the thread count or on how replicates are chunked."""
    for r in prange(codes.size):
        codes[r] = run_replicate(
            y0, p, u0, pk_rates, pk_state0, pk_map, ev_t, ev_kind, ev_target, ev_value, t1,
            save_t, dt, mode, owned, pool, transitions, exit_ptr, exit_k, order, size_clock,
            size_log_ratio, size_fsh, log_size_cap, log_size_initial, sens_sigma, hist_states,
            hist_lo, hist_step, seed, first_replicate + r, capacity, max_capacity, out_y[r],
            out_obs[r], out_u, r == 0, out_removed[r], out_hist[r], stats[r])
