"""Sweep throughput: ``follisim sweep`` against the same sweep done with scipy and libRoadRunner.

    python benchmarks/sweep_throughput.py [--sizes 1000 10000 100000] [--peer-samples 4 40]
                                          [--json OUT]          (--sizes with no value: peers only)

Case: ``configs/sweep.toml`` (the default healthy 120-day run, saves every 0.1 day, rtol 1e-6,
atol 1e-8; a Sobol' design over four parameters; window means of five variables at four days
plus the cyclicity observables kept). follisim runs the whole sweep end to end (design,
limit-cycle start of every sample, integration, reduction, Zarr writes) in process on numba's
threads; compile/cache load is excluded by a small warm-up sweep. Peers, timed in the same run
on a subset of the same design (``--peer-samples``), do what a user would otherwise write:

* scipy ``solve_ivp(LSODA)`` in a loop on the plain-Python RHS
  (``follisim.models.rat_python.make_rhs``), one process;
* libRoadRunner (CVODE) on the exported SBML (``follisim.sbml.to_sbml``), one process per core;

each followed by the same observables (``follisim.sweep.outputs``). The peers start from each
sample's day-0 state computed by follisim (they get the limit-cycle burn-in for free), so their
rates are upper bounds and the sweep speed-ups are conservative; ``speedup_same_start_1_thread``
compares one trajectory from the same day-0 state on one thread (roadrunner: its per-process
integration time). Rates are trajectories per second.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numba
import numpy as np
from scipy.integrate import solve_ivp

from follisim.models import RAT
from follisim.models.rat_python import make_rhs
from follisim.sweep import LocalBackend, design, load_sweep, run_sweep
from follisim.sweep.outputs import plan, reduce
from follisim.sweep.runner import compute_chunk

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "configs" / "sweep.toml"


def follisim_rate(n: int, workdir: Path) -> dict:
    spec = load_sweep(SWEEP, samples=n)
    path = workdir / f"sweep_{n}.zarr"
    t = time.perf_counter()
    r = run_sweep(spec, path, backend=LocalBackend(), progress=False)
    dt = time.perf_counter() - t
    shutil.rmtree(path, ignore_errors=True)
    return {"samples": n, "seconds": dt, "trajectories_per_s": n / dt, "failed": r.n_failed}


def day0_states(spec, table) -> np.ndarray:
    """Each sample's state at day 0 (after follisim's limit-cycle start)."""
    from follisim.experiment import arm_batch
    from follisim.simulate import solve_protocols

    b = arm_batch(spec.experiment, spec.arms[0], table)
    out_y, *_ = solve_protocols(b.arm.config, b.P, b.protocols, np.array([0.0]))
    return b.P, out_y[:, 0, :]


def _observe(spec, cfg, y: np.ndarray) -> dict:
    pl = plan(cfg, spec.outputs)
    n = len(RAT.states)
    out_y = np.full((1, pl.save_t.size, n), np.nan)
    out_y[0, pl.grid] = y
    shape = (1, pl.save_t.size)
    return reduce(RAT, spec.outputs, pl, out_y, np.zeros(shape + (len(RAT.inputs),)),
                  np.zeros(shape + (len(RAT.observables),)), np.zeros(1, np.int64))


def scipy_loop(spec, P, Y0) -> float:
    cfg = spec.experiment.arms[0].config
    t = time.perf_counter()
    for p, y0 in zip(P, Y0, strict=True):
        f = make_rhs(RAT.parameters.unpack(p), {})
        sol = solve_ivp(f, (0.0, cfg.days), y0, method="LSODA", t_eval=cfg.save_t,
                        rtol=cfg.solver.rtol, atol=cfg.solver.atol)
        _observe(spec, cfg, sol.y.T[:, :len(RAT.states)])
    return (time.perf_counter() - t) / len(P)


def _rr_worker(args):
    text, save_t, names, P, Y0, rtol, atol = args
    import roadrunner

    rr = roadrunner.RoadRunner(text)
    integ = rr.getIntegrator()
    integ.setValue("relative_tolerance", rtol)
    integ.setValue("absolute_tolerance", atol)
    integ.setValue("maximum_num_steps", 10**6)
    rr.timeCourseSelections = ["time"] + list(RAT.state_names)
    order = np.array([RAT.state_names.index(s) for s in rr.model.getFloatingSpeciesIds()])
    out = []
    t = time.perf_counter()
    for p, y0 in zip(P, Y0, strict=True):
        rr.resetAll()
        for name, value in zip(names, p, strict=True):
            rr[name] = float(value)
        # init(...) one species at a time regenerates the model (~17 s); set all at once
        rr.model.setFloatingSpeciesInitAmounts(y0[order])
        rr.reset()
        out.append(np.asarray(rr.simulate(times=list(map(float, save_t))))[:, 1:])
    return time.perf_counter() - t, out


def roadrunner_rate(spec, P, Y0, cores: int) -> dict:
    from follisim.sbml import to_sbml

    cfg = spec.experiment.arms[0].config
    text = to_sbml(cfg, initial_state=dict(zip(RAT.state_names, Y0[0], strict=True)))
    names = [f.name for f in spec.factors]
    idx = [RAT.parameters.locate(n) for n in names]
    args = [(text, cfg.save_t, names, P[c][:, idx], Y0[c], cfg.solver.rtol, cfg.solver.atol)
            for c in np.array_split(np.arange(len(P)), cores)]
    _rr_worker((text, cfg.save_t, names, P[:1, idx], Y0[:1], cfg.solver.rtol,
                cfg.solver.atol))                                   # load/compile, untimed
    t = time.perf_counter()
    with ProcessPoolExecutor(cores) as ex:
        results = list(ex.map(_rr_worker, args))
    wall = time.perf_counter() - t
    for (_, ys) in results:
        for y in ys:
            _observe(spec, cfg, y)
    wall_obs = time.perf_counter() - t
    return {"samples": len(P), "processes": cores, "seconds": wall_obs,
            "trajectories_per_s": len(P) / wall_obs, "integration_seconds": wall}


def follisim_same_start(spec, P, Y0) -> float:
    """Seconds per trajectory, one thread, each sample from the same day-0 state as the peers
    (no limit-cycle start), through the kernel the sweep uses (``batch.solve_one``)."""
    from follisim.core import batch

    cfg = spec.experiment.arms[0].config
    c = cfg.protocol.compile(RAT, 0.0, cfg.days)
    m, T = RAT, cfg.save_t.size
    outs = (np.empty((T, len(m.states))), np.empty((T, len(m.inputs))),
            np.empty((T, len(m.observables))), np.zeros(3, np.int64))
    no_index = np.full(len(m.states), -1)

    def one(p, y0):
        return batch.solve_one(m.model_id, y0, p, batch.INIT_GIVEN, m.frozen_mask(), no_index,
                               m.phase_array(0.0), c.u0, c.pk_rates, c.pk_state0, c.pk_map,
                               c.ev_t, c.ev_kind, c.ev_target, c.ev_value, 0.0, cfg.days,
                               cfg.save_t, cfg.solver.array(), *outs)

    one(P[0], Y0[0])
    t = time.perf_counter()
    for p, y0 in zip(P, Y0, strict=True):
        one(p, y0)
    return (time.perf_counter() - t) / len(P)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    ap.add_argument("--peer-samples", type=int, nargs=2, default=[4, 40],
                    metavar=("SCIPY", "ROADRUNNER"))
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    cores = numba.get_num_threads()
    res = {"case": "configs/sweep.toml (default 120-day run, observables)", "cores": cores,
           "follisim": [], "peers": {}}
    workdir = Path(tempfile.mkdtemp(prefix="follisim-bench-"))
    try:
        t = time.perf_counter()
        follisim_rate(8, workdir)                               # compile / cache load
        res["follisim_warmup_s"] = time.perf_counter() - t
        for n in args.sizes:
            res["follisim"].append(follisim_rate(n, workdir))
            res["follisim"][-1]["peak_rss_mib"] = resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024
            print(json.dumps(res["follisim"][-1]), flush=True)
        spec = load_sweep(SWEEP, samples=max(args.peer_samples))
        table = design.build(spec)
        P, Y0 = day0_states(spec, table)
        n_sc, n_rr = args.peer_samples
        sec = scipy_loop(spec, P[:n_sc], Y0[:n_sc])
        res["peers"]["scipy_lsoda_python_rhs"] = {"samples": n_sc, "processes": 1,
                                                  "seconds_per_trajectory": sec,
                                                  "trajectories_per_s": 1.0 / sec}
        try:
            res["peers"]["roadrunner"] = roadrunner_rate(spec, P[:n_rr], Y0[:n_rr], cores)
        except ImportError:
            res["peers"]["roadrunner"] = "not installed (pip install 'follisim[sbml]')"
        # follisim on the same peer subset, with the chunk path the sweep uses
        res["follisim_same_start_ms_per_trajectory_1_thread"] = 1e3 * follisim_same_start(
            spec, P[:n_rr], Y0[:n_rr])
        sub = {k: v[:n_rr] for k, v in table.items()}
        compute_chunk(spec, sub)
        t = time.perf_counter()
        compute_chunk(spec, sub)
        res["follisim_peer_subset_trajectories_per_s"] = n_rr / (time.perf_counter() - t)
        best = max([r["trajectories_per_s"] for r in res["follisim"]]
                   + [res["follisim_peer_subset_trajectories_per_s"]])
        res["speedup"] = {k: best / v["trajectories_per_s"] for k, v in res["peers"].items()
                          if isinstance(v, dict)}
        sc = res["peers"]["scipy_lsoda_python_rhs"]["seconds_per_trajectory"]
        res["speedup_same_start_1_thread"] = {
            "scipy_lsoda_python_rhs": 1e3 * sc / res[
                "follisim_same_start_ms_per_trajectory_1_thread"]}
        if isinstance(res["peers"]["roadrunner"], dict):
            rr = res["peers"]["roadrunner"]
            res["speedup_same_start_1_thread"]["roadrunner"] = (
                1e3 * rr["integration_seconds"] * rr["processes"] / rr["samples"]
                / res["follisim_same_start_ms_per_trajectory_1_thread"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(res, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2), encoding="utf-8")
    return res


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
