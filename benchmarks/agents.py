"""The agent engine against Mesa 3 and a per-agent numba loop, in one run.

    python benchmarks/agents.py [--quick] [--json OUT]

Measures (compile/load time excluded and reported apart; medians of repeats):

1. agent-steps per second for the same stage-transition rules: every follicle (the 6,000
   primordials too) leaves its stage in a step of dt = 0.01 day with probability
   1 - exp(-H dt), H the sum of its stage's hazards, for a channel drawn in proportion to the
   hazards (``follisim.agents.TRANSITIONS``). The hazards for Mesa and for the per-agent loop
   come from ``rat.hazards`` along the ODE trajectory, precomputed, so neither pays for the
   hormones; follisim runs its full coupled engine (hormones included). follisim's
   agent-steps are the same count (live follicles x steps it covers), although it samples
   events instead of visiting each follicle each step;
2. the 10^6-primordial, 2-year run (one replicate, one thread);
3. replicates per second of the default 120-day run, 1 and 2 threads;
4. first call in a fresh process: cold compile and warm on-disk cache.

On a shared machine the wall times depend on the load; the CPU times (``process_time``) are
the figure to compare across runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import time

import numba
import numpy as np
from compare_scipy import median_time
from numba import njit

import follisim
from follisim.agents import TRANSITIONS, compile_tables, run_agents
from follisim.agents.scaling import scaled_ovary
from follisim.core import rat, rng
from follisim.io.config import load
from follisim.models import RAT

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "configs", "default.toml")
DT = 0.01


# --- the rules, precomputed hazards -----------------------------------------------------------
def hazard_table(days: float) -> tuple[np.ndarray, dict[str, int]]:
    """``rat.hazards`` on the ODE trajectory at the step midpoints: float64[n_steps, n_h]."""
    cfg = load(DEFAULT)
    t = np.arange(0.0, days + 1e-9, DT / 2)
    cfg = dataclasses.replace(cfg, days=float(t[-1]), save_t=t)
    ode = follisim.simulate(cfg)
    y = np.stack([ode[v].values for v in RAT.state_names], axis=1)
    u = np.stack([ode[v].values for v in RAT.input_names], axis=1)
    p = RAT.parameters.pack()
    h = np.empty((t.size, len(rat.HAZARD_NAMES)))
    for k in range(t.size):
        rat.hazards(y[k], p, u[k], h[k])
    counts = {v: int(round(float(ode[v].values[0]))) for v in RAT.state_names}
    return np.ascontiguousarray(h[1::2]), counts


# --- Mesa 3 -----------------------------------------------------------------------------------
def mesa_run(h: np.ndarray, counts: dict[str, int], steps: int, seed: int = 1) -> int:
    """Run the rules as a Mesa 3 model for ``steps`` steps; return the agent-steps done."""
    import mesa

    hazards = list(rat.HAZARD_NAMES)
    exits: dict[str, list[tuple[int, str | None, bool]]] = {}
    for tr in TRANSITIONS:
        exits.setdefault(tr.source, []).append((hazards.index(tr.hazard), tr.target,
                                                tr.counter is not None))

    class Follicle(mesa.Agent):
        def __init__(self, model, stage):
            super().__init__(model)
            self.stage = stage

        def step(self):
            m = self.model
            rates = m.exits[self.stage]
            total = sum(m.h[k] for k, _, _ in rates)
            if total > 0.0 and m.random.random() < 1.0 - math.exp(-total * DT):
                x = m.random.random() * total
                choice = rates[-1]
                for rate in rates:
                    x -= m.h[rate[0]]
                    if x < 0.0:
                        choice = rate
                        break
                _, target, counts_ovulation = choice
                if counts_ovulation:
                    m.ovulated += 1
                if target is None:
                    self.remove()
                else:
                    self.stage = target

    class Ovary(mesa.Model):
        def __init__(self):
            super().__init__(seed=seed)
            self.exits, self.ovulated, self.h = exits, 0, None
            for stage in exits:
                Follicle.create_agents(self, counts[stage], stage)

        def step(self):
            self.h = h[self.steps - 1].tolist()
            self.agents.shuffle_do("step")

    model = Ovary()
    done = 0
    for _ in range(steps):
        done += len(model.agents)
        model.step()
    return done


# --- the same rules as a per-agent numba loop -------------------------------------------------
@njit(cache=True)
def numba_per_agent(h, stage0, transitions, exit_ptr, exit_k, dt, seed):
    """Visit every follicle every step (no event sampling); return the agent-steps done."""
    stage = stage0.copy()
    state = rng.seeded(seed, 0)
    done = 0
    for k in range(h.shape[0]):
        for i in range(stage.size):
            s = stage[i]
            if s < 0:
                continue
            done += 1
            total = 0.0
            for j in range(exit_ptr[s], exit_ptr[s + 1]):
                total += h[k, transitions[exit_k[j], 0]]
            if total > 0.0 and rng.uniform(state) < -math.expm1(-total * dt):
                x = rng.uniform(state) * total
                for j in range(exit_ptr[s], exit_ptr[s + 1]):
                    x -= h[k, transitions[exit_k[j], 0]]
                    if x < 0.0 or j == exit_ptr[s + 1] - 1:
                        stage[i] = transitions[exit_k[j], 2]
                        break
    return done


def numba_case(h, counts):
    tables = compile_tables(RAT)
    stage0 = np.concatenate([np.full(counts[s], RAT.state_names.index(s), np.int64)
                             for s in tables.stages + ("primordial",)])
    args = (h, stage0, tables.transitions, tables.exit_ptr, tables.exit_k, DT, 1)
    return args


# --- follisim ---------------------------------------------------------------------------------
def large_ovary_config(pool: float = 1e6, days: float = 730.0):
    """The default rat with a pool of ``pool`` primordials: follicle numbers x N and their
    hormone outputs / N (an exact symmetry of the ODE, so the rat still cycles). Outside the
    registry bounds on purpose (primordial_initial <= 40,000)."""
    cfg = load(DEFAULT)
    scaled = scaled_ovary(cfg.model.parameters, pool / 6000.0)
    return dataclasses.replace(cfg, days=days, save_t=np.arange(0.0, days + 1e-9, 1.0),
                               parameters=scaled)


def cpu_and_wall(fn, repeats):
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return float(np.median(walls)), float(np.median(cpus))


FIRST_CALL = """
import time
t = time.perf_counter()
from follisim.agents import run_agents
doc = {"run": {"model": "rat", "days": 10, "save_interval": 1.0}}
run_agents(doc, replicates=2, seed=1)
first = time.perf_counter() - t
t = time.perf_counter()
run_agents(doc, replicates=2, seed=1)
print(first, time.perf_counter() - t)
"""


def first_call(cold: bool) -> tuple[float, float]:
    env = dict(os.environ, FOLLISIM_NUMBA_CACHE="0" if cold else "1")
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, shorter Mesa run")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    repeats = 1 if args.quick else 3
    mesa_steps = 100 if args.quick else 300
    res: dict = {"threads_available": numba.config.NUMBA_NUM_THREADS}

    # 1. agent-steps per second
    h, counts = hazard_table(120.0)
    start = time.perf_counter()
    mesa_done = mesa_run(h, counts, mesa_steps)
    mesa_time = time.perf_counter() - start
    if not args.quick:
        mesa_time = median_time(lambda: mesa_run(h, counts, mesa_steps), repeats - 1)
    res["mesa_agent_steps_per_s"] = mesa_done / mesa_time
    n_args = numba_case(h, counts)
    numba_per_agent(*n_args)                                     # compile
    nb_time = median_time(lambda: numba_per_agent(*n_args), repeats)
    res["numba_per_agent_steps_per_s"] = numba_per_agent(*n_args) / nb_time
    numba.set_num_threads(1)
    run_agents(DEFAULT, replicates=1, seed=1)                    # compile / load
    one = run_agents(DEFAULT, replicates=1, seed=1)
    fs_time, fs_cpu = cpu_and_wall(lambda: run_agents(DEFAULT, replicates=1, seed=1),
                                   repeats + 2)
    res["follisim_agent_steps_per_replicate"] = float(one.agent_steps.values[0])
    res["follisim_ms_per_replicate_1_thread"] = 1e3 * fs_time
    res["follisim_cpu_ms_per_replicate"] = 1e3 * fs_cpu
    res["follisim_agent_steps_per_s"] = float(one.agent_steps.values[0]) / fs_time
    res["speedup_vs_mesa"] = res["follisim_agent_steps_per_s"] / res["mesa_agent_steps_per_s"]
    res["numba_per_agent_vs_mesa"] = (res["numba_per_agent_steps_per_s"]
                                      / res["mesa_agent_steps_per_s"])

    # 2. 10^6 primordials, 2 years
    big = large_ovary_config()
    run_agents(big, replicates=1, seed=2)
    wall, cpu = cpu_and_wall(lambda: run_agents(big, replicates=1, seed=2), repeats)
    ds = run_agents(big, replicates=1, seed=2)
    res["pool_1e6_2y_wall_s"], res["pool_1e6_2y_cpu_s"] = wall, cpu
    res["pool_1e6_2y_events"] = float(ds.n_events.values[0])
    res["pool_1e6_2y_peak_agents"] = float(ds.peak_agents.values[0])
    res["pool_1e6_2y_primordial_left"] = float(ds.primordial.values[0, -1])

    # 3. replicates per second, default 120-day run
    n_rep = 16 if args.quick else 64
    for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
        numba.set_num_threads(threads)
        t, cpu = cpu_and_wall(lambda: run_agents(DEFAULT, replicates=n_rep, seed=3), repeats)
        res[f"replicates_per_s_{threads}_threads"] = n_rep / t
        res[f"cpu_ms_per_replicate_{threads}_threads"] = 1e3 * cpu / n_rep

    # 4. first calls in fresh processes
    if not args.quick:
        res["cold_first_call_s"], res["cold_second_call_s"] = first_call(cold=True)
    res["warm_first_call_s"], res["warm_second_call_s"] = first_call(cold=False)

    for key, value in res.items():
        print(f"{key:40s} {value:,.4g}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)
    return res


if __name__ == "__main__":
    main()
