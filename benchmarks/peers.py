"""follisim against its peers on the same model, tolerances and dosing, in one run.

    python benchmarks/peers.py [--quick] [--json OUT]

Case: the ``poi_hucmsc`` arm of ``experiments/rat_ctx_hucmsc_iv`` (CTX 30 mg/kg x5, IV hUCMSCs
on day 18, 60 days, saves every 0.5 day), rtol 1e-6, atol 1e-8. Peers:

* scipy ``solve_ivp(LSODA)`` with the plain-Python RHS (``models/rat_python.py``), PK chains as
  ODE states, restarted at every dose;
* the same with a numba-jitted RHS (the follisim kernel plus PK states);
* libRoadRunner (CVODE) on the exported SBML (``follisim export-sbml``), doses as events.

Compile/load time is excluded and reported apart; timings are medians of repeats. Sweeps vary
``k_activation`` and ``fsh_secretion``. follisim's sweep runs ``simulate_many``'s engine
(``core.batch.solve_batch``, numba threads); scipy sweeps run in one process; libRoadRunner
sweeps run in one process per core. ``speedup`` = follisim sweep throughput / peer throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numba
import numpy as np
from compare_scipy import median_time
from numba import njit
from scipy.integrate import solve_ivp

from follisim.core import batch, pk, rat
from follisim.io.experiment import load_experiment
from follisim.models import RAT
from follisim.models.rat_python import make_rhs
from follisim.simulate import INIT_MODES

HERE = os.path.dirname(os.path.abspath(__file__))
EXPERIMENT = os.path.join(HERE, "..", "experiments", "rat_ctx_hucmsc_iv", "experiment.toml")
RTOL, ATOL = 1e-6, 1e-8


def case():
    exp = load_experiment(EXPERIMENT)
    cfg = next(a.config for a in exp.arms if a.name == "poi_hucmsc")
    import dataclasses

    return dataclasses.replace(cfg, solver=dataclasses.replace(cfg.solver, rtol=RTOL, atol=ATOL))


def sweep_table(n, seed=0):
    rng = np.random.default_rng(seed)
    return {"k_activation": rng.uniform(0.002, 0.004, n),
            "fsh_secretion": rng.uniform(15.0, 30.0, n)}


# ---------------------------------------------------------------------------------------------
def follisim_args(cfg, P, y0=None):
    """Kernel arguments; with ``y0`` the run starts from it (as the peers do), otherwise from
    the config's initial state (the limit-cycle start with its burn-in)."""
    c = cfg.protocol.compile(cfg.model, 0.0, cfg.days)
    m = cfg.model
    if y0 is None:
        mode, y, index = INIT_MODES[cfg.initial_state], m.y0_guess(), m.init_parameter_index()
    else:
        mode, y, index = batch.INIT_GIVEN, y0, np.full(len(m.states), -1)
    return (m.model_id, y, P, mode, m.frozen_mask(),
            index, m.phase_array(cfg.burn_in), c.u0, c.pk_rates, c.pk_state0,
            c.pk_map, c.ev_t,
            c.ev_kind, c.ev_target, c.ev_value, 0.0, cfg.days, cfg.save_t, cfg.solver.array())


def follisim_sweep(cfg, table, y0=None):
    P = np.ascontiguousarray(RAT.parameters.pack_many(table, len(next(iter(table.values())))))
    n, T = P.shape[0], cfg.save_t.size
    outs = (np.empty((n, T, len(RAT.states))), np.empty((n, T, len(RAT.inputs))),
            np.empty((n, T, len(RAT.observables))), np.empty(n, np.int64),
            np.empty((n, 3), np.int64))
    batch.solve_batch(*follisim_args(cfg, P, y0), *outs)
    return outs


# ---------------------------------------------------------------------------------------------
def segments(cfg):
    """Event times and what happens there, for the restarted scipy integrations."""
    c = cfg.protocol.compile(cfg.model, 0.0, cfg.days)
    times = sorted({0.0, cfg.days, *c.ev_t.tolist()})
    return c, times


@njit(cache=True)
def _full_rhs(y, p, u_base, rates, maps, n_states, out):
    u = u_base.copy()
    for m in range(maps.shape[0]):
        j = int(maps[m, 0])
        a = y[n_states + 2 * j + int(maps[m, 1])]
        if a <= 0.0:
            continue
        kind = int(maps[m, 3])
        if kind == 0:
            u[int(maps[m, 2])] += maps[m, 4] * a
        elif kind == 1:
            r = (a / maps[m, 5]) ** maps[m, 6]
            u[int(maps[m, 2])] += maps[m, 4] * r / (1.0 + r)
        else:
            u[int(maps[m, 2])] += np.log1p((maps[m, 4] * a / maps[m, 5]) ** maps[m, 6])
    rat.rhs(0.0, y[:n_states], p, u, out[:n_states])
    for j in range(rates.shape[0]):
        c = y[n_states + 2 * j]
        x = y[n_states + 2 * j + 1]
        out[n_states + 2 * j] = -(rates[j, 0] + rates[j, 1]) * c
        out[n_states + 2 * j + 1] = rates[j, 1] * c - rates[j, 2] * x


def _numba_fun(p_vec, u, c, n, out):
    def f(t, y):
        _full_rhs(y, p_vec, u, c.pk_rates, c.pk_map, n, out)
        return out.copy()

    return f


def scipy_run(cfg, p_vec, y0, numba_rhs):
    c, times = segments(cfg)
    n = len(RAT.states)
    state = np.concatenate([y0, np.zeros(2 * c.pk_rates.shape[0])])
    p_named = RAT.parameters.unpack(p_vec)
    maps_py = [(int(r[0]), RAT.input_names[int(r[2])],
                ("linear", "hill", "log_repression")[int(r[3])], r[4], r[5], r[6],
                "central" if int(r[1]) == pk.CENTRAL else "effect") for r in c.pk_map]
    chains = [tuple(r) for r in c.pk_rates]
    u = c.u0.copy()
    out = np.empty_like(state)
    ys = []
    for a, b in zip(times[:-1], times[1:], strict=True):
        for t, kind, target, value in zip(c.ev_t, c.ev_kind, c.ev_target, c.ev_value,
                                          strict=True):
            if t == a:
                if kind == 0:
                    u[target] = value
                elif kind == 1:
                    state[target] += value
                else:
                    state[n + 2 * target + (kind - 2)] += value
        if numba_rhs:
            f = _numba_fun(p_vec, u.copy(), c, n, out)
        else:
            f = make_rhs(p_named, dict(zip(RAT.input_names, u, strict=True)), chains, maps_py)
        mask = (cfg.save_t >= a) & ((cfg.save_t < b) if b < times[-1] else (cfg.save_t <= b))
        sol = solve_ivp(f, (a, b), state, method="LSODA", rtol=RTOL, atol=ATOL,
                        t_eval=np.append(cfg.save_t[mask], b) if b < times[-1]
                        else cfg.save_t[mask])
        ys.append(sol.y[:n, :mask.sum()].T)
        state = sol.y[:, -1]
    return np.concatenate(ys)


# ---------------------------------------------------------------------------------------------
def _rr_worker(args):
    text, save_t, k_act, fsh = args
    import roadrunner

    rr = roadrunner.RoadRunner(text)
    integ = rr.getIntegrator()
    integ.setValue("relative_tolerance", RTOL)
    integ.setValue("absolute_tolerance", ATOL)
    rr.timeCourseSelections = ["time"] + list(RAT.state_names)
    t = time.perf_counter()
    for a, b in zip(k_act, fsh, strict=True):
        rr.resetAll()
        rr["k_activation"] = float(a)
        rr["fsh_secretion"] = float(b)
        rr.simulate(times=list(save_t))
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and sweep sizes")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    cfg = case()
    cores = numba.config.NUMBA_NUM_THREADS
    sizes = (1000,) if args.quick else (1000, 10_000)
    reps = 3 if args.quick else 7
    res = {"case": "rat_ctx_hucmsc_iv/poi_hucmsc", "days": cfg.days, "rtol": RTOL,
           "atol": ATOL, "cores": cores, "timings": {}, "throughput": {}}

    # follisim
    p = RAT.parameters.pack(cfg.parameters)
    one = {k: v[:1] for k, v in sweep_table(1).items()}
    t = time.perf_counter()
    follisim_sweep(cfg, one)
    res["timings"]["follisim_first_call_s"] = time.perf_counter() - t
    P1 = np.ascontiguousarray(p[None, :])
    outs1 = (np.empty((1, cfg.save_t.size, len(RAT.states))),
             np.empty((1, cfg.save_t.size, len(RAT.inputs))),
             np.empty((1, cfg.save_t.size, len(RAT.observables))), np.empty(1, np.int64),
             np.empty((1, 3), np.int64))
    a0 = follisim_args(cfg, P1)
    res["timings"]["follisim_with_limit_cycle_start_ms"] = 1e3 * median_time(
        lambda: batch.solve_one(*a0[:2], P1[0], *a0[3:], outs1[0][0], outs1[1][0],
                                outs1[2][0], outs1[4][0]), max(reps, 30))
    start = outs1[0][0][0].copy()
    a1 = follisim_args(cfg, P1, start)
    batch.solve_one(*a1[:2], P1[0], *a1[3:], outs1[0][0], outs1[1][0], outs1[2][0],
                    outs1[4][0])
    res["timings"]["follisim_ms"] = 1e3 * median_time(
        lambda: batch.solve_one(*a1[:2], P1[0], *a1[3:], outs1[0][0], outs1[1][0],
                                outs1[2][0], outs1[4][0]), max(reps, 30))
    y_ours = outs1[0][0].copy()
    for n in sizes:
        table = sweep_table(n)
        dt = median_time(lambda table=table: follisim_sweep(cfg, table, start),
                         max(1, reps // 3))
        res["throughput"][f"follisim_{n}"] = n / dt
    best = max(v for k, v in res["throughput"].items() if k.startswith("follisim"))

    # scipy peers
    y0 = y_ours[0]
    for key, numba_rhs in (("scipy_lsoda", False), ("scipy_numba_rhs", True)):
        t = time.perf_counter()
        y = scipy_run(cfg, p, y0, numba_rhs)
        res["timings"][f"{key}_first_call_s"] = time.perf_counter() - t
        ms = 1e3 * median_time(lambda nr=numba_rhs: scipy_run(cfg, p, y0, nr), reps)
        res["timings"][f"{key}_ms"] = ms
        res["throughput"][key] = 1e3 / ms
        res[f"{key}_max_rel_diff_vs_follisim"] = float(
            np.max(np.abs(y - y_ours) / (np.abs(y_ours) + 1e-12)))

    # libRoadRunner
    try:
        import roadrunner  # noqa: F401

        from follisim.sbml import simulate_roadrunner, to_sbml

        text = to_sbml(cfg)
        t = time.perf_counter()
        y_rr = simulate_roadrunner(text, cfg.save_t, RTOL, ATOL)
        res["timings"]["roadrunner_first_call_s"] = time.perf_counter() - t
        res["roadrunner_max_rel_diff_vs_follisim"] = float(max(
            np.max(np.abs(y_rr[s] - y_ours[:, i]) / (np.abs(y_ours[:, i]) + 1e-12))
            for i, s in enumerate(RAT.state_names)))
        n_rr = 200 if args.quick else 1000
        table = sweep_table(n_rr)
        single = _rr_worker((text, cfg.save_t, table["k_activation"][:20],
                             table["fsh_secretion"][:20]))
        res["timings"]["roadrunner_ms"] = 1e3 * single / 20
        chunks = np.array_split(np.arange(n_rr), cores)
        t = time.perf_counter()
        with ProcessPoolExecutor(cores) as ex:
            list(ex.map(_rr_worker, [(text, cfg.save_t, table["k_activation"][c],
                                      table["fsh_secretion"][c]) for c in chunks]))
        res["throughput"]["roadrunner"] = n_rr / (time.perf_counter() - t)
    except ImportError:
        res["roadrunner"] = "not installed (pip install 'follisim[sbml]')"

    res["speedup"] = {k: best / res["throughput"][k]
                      for k in ("scipy_lsoda", "scipy_numba_rhs", "roadrunner")
                      if k in res["throughput"]}
    print(json.dumps(res, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return res


if __name__ == "__main__":
    main()
