"""follisim against its peers on the same model, tolerances and dosing, in one run.

    python benchmarks/peers.py [--quick] [--json OUT] [--no-amici]

Case: the ``poi_hucmsc`` arm of ``experiments/rat_ctx_hucmsc_iv`` (CTX 30 mg/kg x5, IV hUCMSCs
on day 18, 60 days), rtol 1e-6, atol 1e-8 in every tool, every tool starting from follisim's
day-0 state. Two output modes: a dense grid (every 0.1 day, 601 points) and the end point only.
Peers:

* scipy ``solve_ivp(LSODA)`` with the plain-Python RHS (``models/rat_python.py``, generated
  from the equations), PK chains as ODE states, restarted at every dose;
* the same with a numba-jitted RHS (the follisim kernel plus PK states);
* libRoadRunner (CVODE), COPASI (LSODA, through ``basico``) and AMICI (SBML compiled to C++,
  CVODES) on the exported SBML (``follisim export-sbml``), doses as events. AMICI needs the
  ``bench`` extra, a C++ compiler, CMake and SWIG; where it cannot build it is skipped with the
  reason. Its compiled model is kept in ``benchmarks/.amici`` (keyed by the SBML's hash).

Before a tool is timed its dense trajectory is compared with follisim's: ``agreement`` is the
largest difference over states and save times relative to each state's range (the surge, a
0 -> 1 switch, drifts by minutes over 13 cycles at rtol 1e-6, which dominates); a tool is timed
only if it agrees within ``AGREE``. Compile/load time is excluded and reported apart; timings
are medians of repeats. Sweeps vary ``k_activation`` and ``fsh_secretion``: follisim runs
``core.batch.solve_batch`` on numba threads; the SBML tools run one worker process per core;
scipy runs in one process. ``speedup.<tool>`` = follisim's sweep throughput / the tool's, with
end-point outputs (``speedup_dense`` on the dense grid).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numba
import numpy as np
from compare_scipy import median_time
from numba import njit
from scipy.integrate import solve_ivp

from follisim.core import batch, pk, rat
from follisim.io.experiment import load_experiment
from follisim.models import RAT
from follisim.models.rat_python import make_rhs

HERE = Path(__file__).resolve().parent
EXPERIMENT = HERE.parent / "experiments" / "rat_ctx_hucmsc_iv" / "experiment.toml"
AMICI_DIR = HERE / ".amici"
RTOL, ATOL = 1e-6, 1e-8
DENSE_DT = 0.1
AGREE = 0.05
SBML_TOOLS = ("roadrunner", "copasi", "amici")


def case():
    exp = load_experiment(EXPERIMENT)
    cfg = next(a.config for a in exp.arms if a.name == "poi_hucmsc")
    return dataclasses.replace(cfg, solver=dataclasses.replace(cfg.solver, rtol=RTOL, atol=ATOL))


def grids(cfg) -> dict[str, np.ndarray]:
    return {"dense": np.round(np.arange(0.0, cfg.days + 1e-9, DENSE_DT), 10),
            "endpoint": np.array([0.0, cfg.days])}


def sweep_table(n, seed=0):
    rng = np.random.default_rng(seed)
    return {"k_activation": rng.uniform(0.002, 0.004, n),
            "fsh_secretion": rng.uniform(15.0, 30.0, n)}


def agreement(theirs: dict[str, np.ndarray], ours: np.ndarray) -> float:
    """Largest |difference| over save times and states, relative to the state's range."""
    worst = 0.0
    for i, s in enumerate(RAT.state_names):
        scale = np.ptp(ours[:, i]) + 1e-12 * np.max(np.abs(ours[:, i])) + 1e-300
        worst = max(worst, float(np.max(np.abs(theirs[s] - ours[:, i])) / scale))
    return worst


# --- follisim ---------------------------------------------------------------------------------
def follisim_args(cfg, P, y0, save_t):
    """Kernel arguments from the given day-0 state ``y0`` (as the peers start)."""
    c = cfg.protocol.compile(cfg.model, 0.0, cfg.days)
    m = cfg.model
    return (m.model_id, y0, P, batch.INIT_GIVEN, m.frozen_mask(),
            np.full(len(m.states), -1), m.phase_array(cfg.burn_in), c.u0, c.pk_rates,
            c.pk_state0, c.pk_map, c.ev_t, c.ev_kind, c.ev_target, c.ev_value, 0.0, cfg.days,
            save_t, cfg.solver.array())


def _outs(n, T):
    return (np.empty((n, T, len(RAT.states))), np.empty((n, T, len(RAT.inputs))),
            np.empty((n, T, len(RAT.observables))), np.empty(n, np.int64),
            np.empty((n, 3), np.int64))


def follisim_sweep(cfg, table, y0, save_t):
    P = np.ascontiguousarray(RAT.parameters.pack_many(table, len(next(iter(table.values()))),
                                                      base=cfg.parameters))
    outs = _outs(P.shape[0], save_t.size)
    batch.solve_batch(*follisim_args(cfg, P, y0, save_t), *outs)
    return outs


# --- scipy ------------------------------------------------------------------------------------
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


def scipy_run(cfg, p_vec, y0, numba_rhs, save_t):
    """LSODA restarted at every event; returns state -> values at ``save_t``."""
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
        last = b >= times[-1]
        mask = (save_t >= a) & ((save_t <= b) if last else (save_t < b))
        t_eval = save_t[mask] if last else np.append(save_t[mask], b)
        sol = solve_ivp(f, (a, b), state, method="LSODA", rtol=RTOL, atol=ATOL, t_eval=t_eval)
        ys.append(sol.y[:n, :mask.sum()].T)
        state = sol.y[:, -1]
    y = np.concatenate(ys)
    return {s: y[:, i] for i, s in enumerate(RAT.state_names)}


# --- SBML tools, one per worker process ---------------------------------------------------------
_LOADED: dict = {}


def _sbml_runner(tool: str, text: str):
    """A callable ``run(save_t, params) -> state -> values`` for ``tool``, loaded once."""
    key = (tool, hash(text))
    if key in _LOADED:
        return _LOADED[key]
    if tool == "roadrunner":
        import roadrunner

        rr = roadrunner.RoadRunner(text)
        integ = rr.getIntegrator()
        integ.setValue("relative_tolerance", RTOL)
        integ.setValue("absolute_tolerance", ATOL)
        integ.setValue("maximum_num_steps", 10**6)
        rr.timeCourseSelections = ["time", *RAT.state_names]

        def run(save_t, params):
            rr.resetAll()
            for k, v in params.items():
                rr[k] = float(v)
            res = rr.simulate(times=[float(t) for t in save_t])
            return {s: np.asarray(res[:, i + 1]) for i, s in enumerate(RAT.state_names)}
    elif tool == "copasi":
        import basico

        from follisim.sbml import copasi_model, run_copasi

        dm = copasi_model(text, RTOL, ATOL)
        names = basico.get_parameters(model=dm)
        by_id = dict(zip(names["sbml_id"], names.index, strict=True))

        def run(save_t, params):
            for k, v in params.items():
                basico.set_parameters(by_id[k], initial_value=float(v), exact=True, model=dm)
            return run_copasi(dm, save_t)
    else:
        from follisim.sbml import amici_model, run_amici

        model = amici_model(text, AMICI_DIR)

        def run(save_t, params):
            return run_amici(model, save_t, RTOL, ATOL, params)
    _LOADED[key] = run
    return run


def _sbml_sweep(args):
    tool, text, save_t, table = args
    run = _sbml_runner(tool, text)
    run(save_t, {})                               # load/compile outside the timed region
    t = time.perf_counter()
    for a, b in zip(table["k_activation"], table["fsh_secretion"], strict=True):
        run(save_t, {"k_activation": a, "fsh_secretion": b})
    return time.perf_counter() - t


def _parallel_throughput(tool, text, save_t, n, cores):
    table = sweep_table(n)
    chunks = np.array_split(np.arange(n), cores)
    jobs = [(tool, text, save_t, {k: v[c] for k, v in table.items()}) for c in chunks]
    with ProcessPoolExecutor(cores) as ex:
        list(ex.map(_sbml_sweep, [(tool, text, save_t, {k: v[:1] for k, v in table.items()})
                                  for _ in range(cores)]))          # warm every worker
        t = time.perf_counter()
        list(ex.map(_sbml_sweep, jobs))
        return n / (time.perf_counter() - t)


# ---------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and sweep sizes")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--no-amici", action="store_true", help="skip AMICI (its compile takes "
                                                             "minutes the first time)")
    args = ap.parse_args(argv)
    cfg = case()
    cores = numba.config.NUMBA_NUM_THREADS
    reps = 3 if args.quick else 7
    n_sweep = 1000 if args.quick else 10_000
    n_peer = {"roadrunner": 100 if args.quick else 400, "copasi": 40 if args.quick else 200,
              "amici": 100 if args.quick else 400, "scipy_lsoda": 2 if args.quick else 6,
              "scipy_numba_rhs": 10 if args.quick else 40}
    res = {"case": "rat_ctx_hucmsc_iv/poi_hucmsc", "days": cfg.days, "rtol": RTOL,
           "atol": ATOL, "cores": cores, "agree_within": AGREE, "timings_ms": {},
           "first_call_s": {}, "throughput": {}, "agreement": {}, "skipped": {}}
    modes = grids(cfg)

    # follisim: the limit-cycle start once, then every tool from that day-0 state.
    from follisim.sbml import start_state

    t = time.perf_counter()
    start = start_state(cfg)
    res["first_call_s"]["follisim"] = time.perf_counter() - t
    y0 = np.array([start[s] for s in RAT.state_names])
    p = RAT.parameters.pack(cfg.parameters)
    P1 = np.ascontiguousarray(p[None, :])
    ours = {}
    for mode, save_t in modes.items():
        outs = _outs(1, save_t.size)
        a = follisim_args(cfg, P1, y0, save_t)

        def one(a=a, outs=outs):
            return batch.solve_one(*a[:2], P1[0], *a[3:], outs[0][0], outs[1][0], outs[2][0],
                                   outs[4][0])

        one()
        res["timings_ms"][f"follisim_{mode}"] = 1e3 * median_time(one, max(reps, 30))
        ours[mode] = outs[0][0].copy()
        table = sweep_table(n_sweep)
        follisim_sweep(cfg, {k: v[:4] for k, v in table.items()}, y0, save_t)
        dt = median_time(lambda t=table, s=save_t: follisim_sweep(cfg, t, y0, s),
                         max(1, reps // 3))
        res["throughput"][f"follisim_{mode}"] = n_sweep / dt
    res["follisim_rhs_per_trajectory"] = int(outs[4][0][2])

    # scipy
    for key, numba_rhs in (("scipy_lsoda", False), ("scipy_numba_rhs", True)):
        t = time.perf_counter()
        y = scipy_run(cfg, p, y0, numba_rhs, modes["dense"])
        res["first_call_s"][key] = time.perf_counter() - t
        res["agreement"][key] = agreement(y, ours["dense"])
        if res["agreement"][key] > AGREE:
            res["skipped"][key] = "disagrees with follisim; not timed"
            continue
        for mode, save_t in modes.items():
            ms = 1e3 * median_time(lambda nr=numba_rhs, s=save_t: scipy_run(cfg, p, y0, nr, s),
                                   reps)
            res["timings_ms"][f"{key}_{mode}"] = ms
            res["throughput"][f"{key}_{mode}"] = 1e3 / ms      # one process

    # SBML tools
    from follisim.sbml import to_sbml

    text = to_sbml(cfg, initial_state=dict(zip(RAT.state_names, y0, strict=True)))
    for tool in SBML_TOOLS:
        if tool == "amici" and args.no_amici:
            res["skipped"][tool] = "--no-amici"
            continue
        try:
            t = time.perf_counter()
            run = _sbml_runner(tool, text)
            y = run(modes["dense"], {})
            res["first_call_s"][tool] = time.perf_counter() - t
        except Exception as err:                    # not installed, or cannot build
            res["skipped"][tool] = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
            print(f"{tool}: skipped ({res['skipped'][tool]})", file=sys.stderr)
            continue
        res["agreement"][tool] = agreement(y, ours["dense"])
        if res["agreement"][tool] > AGREE:
            res["skipped"][tool] = "disagrees with follisim; not timed"
            continue
        for mode, save_t in modes.items():
            res["timings_ms"][f"{tool}_{mode}"] = 1e3 * median_time(
                lambda s=save_t, r=run: r(s, {}), reps)
            res["throughput"][f"{tool}_{mode}"] = _parallel_throughput(
                tool, text, save_t, n_peer[tool], cores)

    res["speedup"] = {}
    res["speedup_dense"] = {}
    for tool in ("scipy_lsoda", "scipy_numba_rhs", *SBML_TOOLS):
        for mode, key in (("endpoint", "speedup"), ("dense", "speedup_dense")):
            if f"{tool}_{mode}" in res["throughput"]:
                res[key][tool] = (res["throughput"][f"follisim_{mode}"]
                                  / res["throughput"][f"{tool}_{mode}"])
    print(json.dumps(res, indent=2))
    if args.json:
        tmp = f"{args.json}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=2)
        os.replace(tmp, args.json)
    return res


if __name__ == "__main__":
    main()
