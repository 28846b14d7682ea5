"""pytest-benchmark suite of the simulation core (compile time excluded from run timings).

    pytest benchmarks --benchmark-json=bench.json          # full sizes
    FOLLISIM_BENCH_QUICK=1 pytest benchmarks               # CI: small sizes
    pytest-benchmark compare bench_old.json bench.json
"""

import os
import subprocess
import sys
import time

import numpy as np
from conftest import DAYS, QUICK
from numba import njit

from follisim import simulate, simulate_many
from follisim.core import batch, rat
from follisim.models import RAT

N_BATCH = 500 if QUICK else 10_000


@njit(cache=True)
def _rhs_loop(n, y, p, u, dydt):
    total = 0.0
    for _ in range(n):
        rat.rhs(0.0, y, p, u, dydt)
        total += dydt[0]
    return total


def test_rhs_10k_evaluations(benchmark):
    y = RAT.y0_guess()
    p = RAT.parameters.pack()
    u = np.zeros(len(RAT.inputs))
    dydt = np.empty_like(y)
    _rhs_loop(1, y, p, u, dydt)
    benchmark(_rhs_loop, 10_000, y, p, u, dydt)
    benchmark.extra_info["evaluations_per_round"] = 10_000


def test_one_trajectory_core(benchmark, core_args):
    batch.solve_one(*core_args)                      # compile outside the timed region
    code = benchmark(batch.solve_one, *core_args)
    assert code == 0
    benchmark.extra_info["rhs_evals"] = int(core_args[-1][2])


def test_one_trajectory_api(benchmark):
    doc = {"run": {"days": DAYS, "save_interval": 1.0}}
    simulate(doc)
    ds = benchmark(simulate, doc)
    assert ds.attrs["status"] == "success"


def test_batch(benchmark):
    rng = np.random.default_rng(0)
    table = {"k_activation": rng.uniform(0.002, 0.004, N_BATCH),
             "fsh_secretion": rng.uniform(15.0, 30.0, N_BATCH)}
    doc = {"run": {"days": DAYS, "save_interval": 1.0}}
    simulate_many(doc, {k: v[:4] for k, v in table.items()})
    ds = benchmark.pedantic(simulate_many, args=(doc, table), rounds=1 if not QUICK else 3,
                            iterations=1)
    assert int((ds.status == 0).sum()) == N_BATCH
    benchmark.extra_info["samples"] = N_BATCH


def test_limit_cycle_start(benchmark):
    """The start alone: quasi-steady guess and the accelerated settle onto the cycle."""
    from follisim.io.config import as_config
    from follisim.simulate import _kernel_args

    cfg = as_config({"run": {"days": 1e-9, "save_times": [0.0]}})
    m = cfg.model
    out = (np.empty((1, len(m.states))), np.empty((1, len(m.inputs))),
           np.empty((1, len(m.observables))), np.zeros(3, np.int64))
    args = (*_kernel_args(cfg, m.parameters.pack()), *out)
    batch.solve_one(*args)
    assert benchmark(batch.solve_one, *args) == 0


def test_batch_window_means(benchmark):
    """simulate_many keeping only three window means (memory independent of the save grid)."""
    rng = np.random.default_rng(0)
    table = {"k_activation": rng.uniform(0.0024, 0.0036, N_BATCH),
             "fsh_secretion": rng.uniform(16.8, 25.2, N_BATCH)}
    doc = {"run": {"days": DAYS, "save_interval": 1.0}}
    windows = [(0.0, 30.0), (45.0, 60.0), (100.0, 120.0)]
    simulate_many(doc, {k: v[:4] for k, v in table.items()}, windows=windows)
    ds = benchmark.pedantic(simulate_many, args=(doc, table), kwargs={"windows": windows},
                            rounds=1 if not QUICK else 3, iterations=1)
    assert int((ds.status == 0).sum()) == N_BATCH
    benchmark.extra_info["samples"] = N_BATCH


def _first_call_seconds(env_extra: dict) -> float:
    code = ("import time; t=time.perf_counter(); import follisim; "
            "follisim.simulate({'run': {'days': 10.0}}); print(time.perf_counter()-t)")
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def test_compile_cold(benchmark):
    """Import + first simulate in a fresh process with caching off (everything compiles)."""
    seconds = benchmark.pedantic(_first_call_seconds, args=({"FOLLISIM_NUMBA_CACHE": "0"},),
                                 rounds=1, iterations=1)
    benchmark.extra_info["seconds"] = seconds


def test_compile_cached(benchmark):
    """Import + first simulate in a fresh process with a warm on-disk cache."""
    _first_call_seconds({})                          # make sure the cache is warm
    t = time.perf_counter()
    seconds = benchmark.pedantic(_first_call_seconds, args=({},), rounds=3, iterations=1)
    benchmark.extra_info["seconds"] = seconds
    benchmark.extra_info["wall"] = time.perf_counter() - t
