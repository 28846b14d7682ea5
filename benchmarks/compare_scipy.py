"""follisim vs scipy ``solve_ivp(LSODA)`` with a plain-Python RHS, same model, same tolerances.

    python benchmarks/compare_scipy.py [--days 120] [--rtol 1e-6] [--atol 1e-8] [--json OUT]

One run, one process: compile time is measured apart (first call), then medians of repeated
timings. Both start from the same quasi-steady state and save daily. Accuracy of both is
measured against scipy Radau at rtol 1e-10 so the speed ratio is read at matched accuracy.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.integrate import solve_ivp

from follisim.calibrate.healthy import healthy_state
from follisim.core import batch
from follisim.models import RAT
from follisim.models.rat_python import make_rhs
from follisim.protocols import Protocol


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=120.0)
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-8)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json")
    args = ap.parse_args(argv)

    m = RAT
    p = m.parameters.pack()
    y0 = healthy_state(p)
    save = np.arange(0.0, args.days + 0.5, 1.0)
    c = Protocol().compile(m, 0.0, args.days)
    opts = np.array([args.rtol, args.atol, 0.0, 1e-12, np.inf, 1e6])
    out_y = np.empty((save.size, len(m.states)))
    out_u = np.empty((save.size, len(m.inputs)))
    out_o = np.empty((save.size, len(m.observables)))
    stats = np.zeros(3, np.int64)

    def ours():
        return batch.solve_one(m.model_id, y0, p, batch.INIT_GIVEN, m.frozen_mask(),
                               np.full(len(m.states), -1), m.phase_array(0.0), c.u0,
                               c.pk_rates, c.pk_state0,
                               c.pk_map, c.ev_t, c.ev_kind, c.ev_target, c.ev_value, 0.0,
                               args.days, save, opts, out_y, out_u, out_o, stats)

    t = time.perf_counter()
    ours()
    first_call = time.perf_counter() - t
    t_ours = median_time(ours, max(50, args.repeats))
    f = make_rhs(m.parameters.unpack(p), {})
    n_lsoda = {}

    def lsoda():
        sol = solve_ivp(f, (0.0, args.days), y0, method="LSODA", t_eval=save,
                        rtol=args.rtol, atol=args.atol)
        n_lsoda["nfev"] = sol.nfev
        n_lsoda["y"] = sol.y.T
        return sol

    t_lsoda = median_time(lsoda, args.repeats)
    ref = solve_ivp(f, (0.0, args.days), y0, method="Radau", t_eval=save, rtol=1e-10,
                    atol=1e-12).y.T

    def max_rel_err(y):
        return float(np.max(np.abs(y - ref) / (np.abs(ref) + 1e-12)))

    ours()
    result = {
        "days": args.days, "rtol": args.rtol, "atol": args.atol,
        "follisim_ms": t_ours * 1e3, "follisim_first_call_s": first_call,
        "follisim_rhs_evals": int(stats[2]), "follisim_steps": int(stats[0]),
        "follisim_max_rel_err": max_rel_err(out_y),
        "scipy_lsoda_ms": t_lsoda * 1e3, "scipy_lsoda_rhs_evals": int(n_lsoda["nfev"]),
        "scipy_lsoda_max_rel_err": max_rel_err(n_lsoda["y"]),
        "speedup_vs_lsoda": t_lsoda / t_ours,
    }
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value:.4g}" if isinstance(value, float) else
              f"{key:<{width}}  {value}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
