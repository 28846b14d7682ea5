"""Why closed-form PK: cost of a 10-minute clearance as an ODE state vs in closed form.

    python benchmarks/pk_fast_clearance.py

Same Dormand-Prince integrator, 120 days, 17 daily-spaced EV doses (days 10..26), rtol 1e-6.
(a) reference model (oscillator slowed to omega = 0.01/day so it costs nothing): the fast
    compartment is an ODE state z' = -k z (k = ln2 / 10 min) dosed by boluses;
    (b) the same doses into a closed-form PK chain (follisim.core.pk) feeding the same
    kind of slow state; (c) the rat model with an EV chain mapped to ``akt_signal``.
"""

from __future__ import annotations

import time

import numpy as np

from follisim.core import batch
from follisim.models import RAT, REFERENCE
from follisim.protocols import Bolus, PkChain, PkDose, PkEffect, Protocol

K_FAST = np.log(2) / (10.0 / 1440.0)      # 1/day
DOSE_DAYS = np.arange(10.0, 27.0)


def run(model, protocol, p, y0, init_mode):
    c = protocol.compile(model, 0.0, 120.0)
    save = np.arange(0.0, 121.0)
    out = (np.empty((save.size, len(model.states))), np.empty((save.size, len(model.inputs))),
           np.empty((save.size, len(model.observables))), np.zeros(3, np.int64))
    opts = np.array([1e-6, 1e-8, 0.0, 1e-14, np.inf, 1e7])

    def call():
        return batch.solve_one(model.model_id, y0, p, init_mode, model.frozen_mask(),
                               model.init_parameter_index(), model.phase_array(60.0), c.u0,
                               c.pk_rates, c.pk_state0,
                               c.pk_map, c.ev_t, c.ev_kind, c.ev_target, c.ev_value, 0.0, 120.0,
                               save, opts, *out)

    call()
    times = []
    for _ in range(20):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3, int(out[3][0]), int(out[3][2])


def main() -> None:
    ode_state = Protocol(boluses=tuple(Bolus("z", d, 1.0) for d in DOSE_DAYS))
    rows = [("reference, fast clearance as ODE state",
             run(REFERENCE, ode_state, np.array([0.01, K_FAST]), np.array([1.0, 0.0, 0.0]), 0))]
    chain = PkChain("ev", 0.99 * K_FAST, 0.01 * K_FAST, 0.5,
                    effects=(PkEffect("drive", "linear", 1.0),))
    closed = Protocol(chains=(chain,), doses=tuple(PkDose("ev", d, 1.0) for d in DOSE_DAYS))
    rows.append(("reference, same doses via closed-form chain",
                 run(REFERENCE, closed, np.array([0.01, 0.5]), np.array([1.0, 0.0, 0.0]), 0)))
    p = RAT.parameters.pack()
    rows.append(("rat, no doses", run(RAT, Protocol(), p, RAT.y0_guess(), 1)))
    rat_chain = PkChain("ev", 0.99 * K_FAST, 0.01 * K_FAST, 0.5,
                        effects=(PkEffect("akt_signal", "hill", 1.0, 0.01, 1.0),))
    rat_ev = Protocol(chains=(rat_chain,), doses=tuple(PkDose("ev", d, 1.0) for d in DOSE_DAYS))
    rows.append(("rat, 17 EV doses via closed-form chain", run(RAT, rat_ev, p, RAT.y0_guess(), 1)))
    print(f"{'case':<46} {'ms':>8} {'steps':>7} {'RHS evals':>10}")
    for name, (ms, steps, evals) in rows:
        print(f"{name:<46} {ms:8.3f} {steps:7d} {evals:10d}")


if __name__ == "__main__":
    main()
