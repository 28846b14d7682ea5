"""Cost of the limit-cycle start: the accelerated settle against the former fixed burn-in.

    python benchmarks/start_cost.py [--repeats N] [--samples N]

Both run in one process on today's kernels, interleaved: the settle (``batch.solve_one`` with
``initial_state = limit_cycle`` and a zero-length run) and the former recipe (quasi-steady
solve of up to 200 iterations, then 60 days with the pool held fixed, then on to the next surge
onset; re-created here from ``dopri5.integrate``). Reported: RHS evaluations, thread CPU time
(robust to other processes on a shared machine) and how far one more period moves the start, in
units of the solver tolerance, for the defaults and for parameter sets with ``k_activation``
and ``fsh_secretion`` varied +-20 %.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from follisim.core import batch, dopri5, rat, steady
from follisim.io.config import as_config
from follisim.models import RAT
from follisim.simulate import _kernel_args

CFG = as_config({"run": {"days": 1e-9, "save_times": [0.0]}})
OPTIONS = CFG.solver.array()


def settle(p):
    out = (np.empty((1, len(RAT.states))), np.empty((1, len(RAT.inputs))),
           np.empty((1, len(RAT.observables))), np.zeros(3, np.int64))
    batch.solve_one(*_kernel_args(CFG, p), *out)
    return out[0][0].copy()


def _integrate(y, p, days, stop_index=-1.0, stats=None):
    m = RAT
    stats = np.zeros(3, np.int64) if stats is None else stats
    e = np.empty(0)
    i = np.empty(0, np.int64)
    st = np.zeros(3, np.int64)
    stop = np.array([stop_index, m.cycle_phase[1], np.nan])
    dopri5.integrate(m.model_id, y, p, np.zeros(len(m.inputs)), np.empty((0, 3)),
                     np.empty((0, 2)), np.empty((0, 7)), e, i, i, e, 0.0, days, e, OPTIONS,
                     m.frozen_mask(), stop, np.empty((0, y.size)), np.empty((0, len(m.inputs))),
                     st)
    stats += st
    return stop[2]


def former(p, stats=None):
    """QSS (200 iterations) or the guess, kick, 60 days, then to the next surge onset."""
    m = RAT
    y = m.y0_guess()
    y[m.state_names.index("primordial")] = p[m.parameters.locate("primordial_initial")]
    guess = y.copy()
    if steady.quasi_steady_state(m.model_id, y, p, np.zeros(len(m.inputs)), m.frozen_mask(),
                                 1e-10, 200) != 0:
        y = guess
    y[rat.SURGE] = m.cycle_phase[2]
    _integrate(y, p, 60.0, stats=stats)
    _integrate(y, p, 30.0, float(rat.SURGE), stats)
    return y


def returns_within(y0, p):
    y1 = y0.copy()
    _integrate(y1, p, 30.0, float(rat.SURGE))
    return float(np.max(np.abs(y1 - y0) / (OPTIONS[1] + OPTIONS[0]
                                           * np.maximum(np.abs(y0), np.abs(y1)))))


def cpu_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.thread_time()
        fn()
        times.append(time.thread_time() - t)
    return 1e3 * float(np.median(times))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--samples", type=int, default=20)
    args = ap.parse_args(argv)
    base = RAT.parameters.pack()
    rng = np.random.default_rng(0)
    sets = [base]
    for _ in range(args.samples):
        p = base.copy()
        for name in ("k_activation", "fsh_secretion"):
            p[RAT.parameters.locate(name)] *= rng.uniform(0.8, 1.2)
        sets.append(p)
    settle(base)
    former(base)
    rows = {"settle": [], "former": []}
    dist = {"settle": [], "former": []}
    for p in sets:
        for name, fn in (("settle", settle), ("former", former)):
            rows[name].append(cpu_ms(lambda f=fn, q=p: f(q), args.repeats if p is base else 3))
            dist[name].append(returns_within(fn(p), p))
    stats = np.zeros(3, np.int64)
    former(base, stats)
    out = {"former_rhs_default": int(stats[2])}
    print("limit-cycle start, thread CPU ms (default; median over sampled sets) and the "
          "distance one more period moves it [tolerances, max over sets]")
    for name in rows:
        out[f"{name}_ms_default"] = rows[name][0]
        out[f"{name}_ms_median"] = float(np.median(rows[name]))
        out[f"{name}_return_max"] = float(np.max(dist[name]))
        print(f"  {name:<7} {rows[name][0]:7.2f} ms  {np.median(rows[name]):7.2f} ms   "
              f"return <= {np.max(dist[name]):.2f}")
    out["speedup_default"] = rows["former"][0] / rows["settle"][0]
    out["speedup_median"] = float(np.median(np.array(rows["former"]) / np.array(rows["settle"])))
    print(f"  speed-up {out['speedup_default']:.2f}x (default), "
          f"{out['speedup_median']:.2f}x (median of pairs); former start: "
          f"{out['former_rhs_default']} RHS evaluations in its integrations")
    return out


if __name__ == "__main__":
    main()
