"""Closed-form linear pharmacokinetics: chains ``central -> effect site``.

For one chain with elimination ``k_el`` and transfer ``k_tr`` out of the central compartment
(amount ``c``), and loss ``k_out`` from the effect site (amount ``x``)::

    c' = -(k_el + k_tr) c,     x' = k_tr c - k_out x

the solution over ``tau`` days is exact (Bateman), so a clearance of minutes (EV plasma
half-life) costs nothing: the integrator never sees the fast eigenvalue.

Layouts (same-file rule):
    rates[j]   = (k_el, k_tr, k_out)               [1/day]
    state[j]   = (c, x)                            [dose units]
    mapping[m] = (chain, site, input, kind, gain, half, hill), with a = amount at ``site``:
        LINEAR:          input += gain * a
        HILL:            input += gain * a^hill / (a^hill + half^hill)
        LOG_REPRESSION:  input += ln(1 + (gain * a / half)^hill)
    LOG_REPRESSION is Hill repression of a target by a miRNA (``gain`` copies per dose unit,
    ``half`` the copy number halving the target) in log units, so several repressors of one
    target multiply the target level exactly.
"""

import math

from follisim.core._jit import kernel

K_EL, K_TR, K_OUT = 0, 1, 2
CENTRAL, EFFECT = 0, 1
MAP_CHAIN, MAP_SITE, MAP_INPUT, MAP_KIND, MAP_GAIN, MAP_HALF, MAP_HILL = range(7)
N_MAP = 7
LINEAR, HILL, LOG_REPRESSION = 0, 1, 2


@kernel
def chain_at(rates, state, j, tau):
    """Amounts ``(c, x)`` of chain ``j`` after ``tau`` days from ``state[j]`` (Bateman)."""
    a = rates[j, K_EL] + rates[j, K_TR]
    b = rates[j, K_OUT]
    ea = math.exp(-a * tau)
    eb = math.exp(-b * tau)
    d = a - b
    if abs(d * tau) < 1e-6:
        transfer = tau * eb * (1.0 - 0.5 * d * tau)      # (eb - ea) / d as d -> 0
    elif abs(d * tau) < 1e-2:
        transfer = eb * (-math.expm1(-d * tau)) / d      # no cancellation for small d
    else:
        transfer = (eb - ea) / d
    return (state[j, CENTRAL] * ea,
            state[j, EFFECT] * eb + rates[j, K_TR] * state[j, CENTRAL] * transfer)


@kernel
def advance(rates, state, tau):
    """Advance every chain by ``tau`` days in place."""
    for j in range(rates.shape[0]):
        c, x = chain_at(rates, state, j, tau)
        state[j, CENTRAL] = c
        state[j, EFFECT] = x


@kernel(inline="always")
def _power(x, e):
    """x**e for x > 0; Hill coefficient 1 (the common case) without ``pow``."""
    return x if e == 1.0 else x ** e


@kernel
def effective_inputs(t, t_ref, u_base, rates, state, mapping, work, u_out):
    """``u_out = u_base + mapped chain amounts`` at time ``t``.

    ``state`` holds the chain amounts at ``t_ref`` (the start of the current segment);
    ``work`` (float64[n_chains, 2]) receives the amounts at ``t``. Two exponentials per chain.
    """
    for i in range(u_base.size):
        u_out[i] = u_base[i]
    n_chain = rates.shape[0]
    if n_chain == 0:
        return
    tau = t - t_ref
    for j in range(n_chain):
        work[j, CENTRAL], work[j, EFFECT] = chain_at(rates, state, j, tau)
    for m in range(mapping.shape[0]):
        amount = work[int(mapping[m, MAP_CHAIN]), int(mapping[m, MAP_SITE])]
        if amount <= 0.0:
            continue
        kind = int(mapping[m, MAP_KIND])
        gain = mapping[m, MAP_GAIN]
        if kind == LINEAR:
            value = gain * amount
        elif kind == HILL:
            r = _power(amount / mapping[m, MAP_HALF], mapping[m, MAP_HILL])
            value = gain * r / (1.0 + r)
        else:
            value = math.log1p(_power(gain * amount / mapping[m, MAP_HALF],
                                      mapping[m, MAP_HILL]))
        u_out[int(mapping[m, MAP_INPUT])] += value
