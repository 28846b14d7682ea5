"""Throughput of the public batch path: ``simulate_many`` on the default 120-day run.

    python benchmarks/throughput.py [--samples 10000] [--threads 1 2]

10,000 parameter sets (``k_activation`` and ``fsh_secretion`` varied +-20 % around their
defaults, uniform, seeded), the default model and limit-cycle start, 120 days saved daily:
the xarray Dataset a user gets. For each thread count: wall time of ``simulate_many``, the
part spent in the numba kernel (``core.batch.solve_batch``), the rest (parameter table,
output arrays, Dataset), process CPU time and peak RSS, plus the spread of step counts that
the shared-counter scheduling balances. One process; the kernel is compiled (or loaded from
cache) before timing.
"""

from __future__ import annotations

import argparse
import resource
import time

import numba
import numpy as np

from follisim import simulate_many
from follisim.core import batch
from follisim.models import RAT

DOC = {"run": {"days": 120.0, "save_interval": 1.0}}


def table(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    space = RAT.parameters
    return {name: space[name].default * rng.uniform(0.8, 1.2, n)
            for name in ("k_activation", "fsh_secretion")}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    tab = table(args.samples)
    simulate_many(DOC, {k: v[:4] for k, v in tab.items()})          # compile / load
    kernel_time = []
    original = batch.solve_batch

    class Timed:
        def __call__(self, *a):
            t = time.perf_counter()
            original(*a)
            kernel_time.append(time.perf_counter() - t)

    out = {"samples": args.samples}
    batch.solve_batch = Timed()
    try:
        for threads in args.threads:
            numba.set_num_threads(threads)
            kernel_time.clear()
            t = time.perf_counter()
            c = time.process_time()
            ds = simulate_many(DOC, tab)
            wall = time.perf_counter() - t
            cpu = time.process_time() - c
            n_ok = int((ds.status == 0).sum())
            steps = ds.n_steps.values
            out[threads] = {"wall_s": wall, "kernel_s": kernel_time[0],
                            "rest_s": wall - kernel_time[0], "cpu_s": cpu,
                            "per_second": args.samples / wall, "ok": n_ok}
            print(f"{threads} thread(s): {wall:.2f} s wall ({args.samples / wall:.0f}/s), "
                  f"kernel {kernel_time[0]:.2f} s, rest {wall - kernel_time[0]:.2f} s, "
                  f"CPU {cpu:.2f} s, {n_ok} ok; steps per sample {steps.min()}-{steps.max()} "
                  f"(median {int(np.median(steps))})")
    finally:
        batch.solve_batch = original
    if 1 in out and 2 in out:
        out["scaling_1_to_2"] = out[1]["wall_s"] / out[2]["wall_s"]
        print(f"1 -> 2 threads: {out['scaling_1_to_2']:.2f}x")
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {out['peak_rss_mib']:.0f} MiB")
    return out


if __name__ == "__main__":
    main()
