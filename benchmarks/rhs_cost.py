"""Nanoseconds per right-hand-side evaluation, today's kernel against an earlier revision's.

    python benchmarks/rhs_cost.py [--baseline REV] [--repeats N]

The states are those of a default healthy run (120 days, every 0.05 day: the whole cycle, so
branches and powers see realistic values); each measurement evaluates the RHS on all of them in
a compiled loop and reports the median over repeats, the two kernels interleaved in one run.
The baseline kernel is ``src/follisim/core/rat.py`` at ``REV`` (default: the last commit before
the equations were generated from one statement), loaded as a module beside today's; it is timed
only when its states, parameters and inputs are today's (the POI physiology of issue 12 added
some, so today the default baseline is reported as not comparable).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

import follisim
from follisim.core import rat

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "1f0e881"


def load_revision(rev: str):
    """``core/rat.py`` at ``rev`` as a module (it must keep today's layouts)."""
    text = subprocess.run(["git", "show", f"{rev}:src/follisim/core/rat.py"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="follisim_rhs_"))
    path = folder / f"rat_{rev}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"rat_{rev}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_loop(rhs):
    @njit
    def loop(Y, p, u, dydt):
        total = 0.0
        for k in range(Y.shape[0]):
            rhs(0.0, Y[k], p, u, dydt)
            total += dydt[7]
        return total

    return loop


def states() -> np.ndarray:
    ds = follisim.simulate({"run": {"days": 120.0, "save_interval": 0.05}}, throw=True)
    return np.ascontiguousarray(np.stack([ds[s].values for s in rat.STATE_NAMES], axis=1))


def time_loop(loop, Y, p, u, dydt, repeats: int) -> list[float]:
    loop(Y, p, u, dydt)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        loop(Y, p, u, dydt)
        out.append((time.perf_counter() - t0) / Y.shape[0] * 1e9)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    Y = states()
    p = follisim.models.RAT.parameters.pack()
    u = np.zeros(len(rat.INPUT_NAMES))
    dydt = np.empty(Y.shape[1])
    old = load_revision(args.baseline)
    layout = ("STATE_NAMES", "PARAM_NAMES", "INPUT_NAMES")
    same = all(getattr(old, name, None) == getattr(rat, name) for name in layout)
    kernels = {"today": make_loop(rat.rhs)}
    if same:
        kernels[f"baseline {args.baseline}"] = make_loop(old.rhs)
    else:       # numba does not check bounds: an old kernel on today's vectors reads garbage
        print(f"baseline {args.baseline} has other states, parameters or inputs than today's "
              "kernel: timing today's only (run this script from a checkout of a revision with "
              "the baseline's layout to compare)")
    samples: dict[str, list[float]] = {k: [] for k in kernels}
    for _ in range(5):                      # interleave, so drift hits both alike
        for name, loop in kernels.items():
            samples[name] += time_loop(loop, Y, p, u, dydt, args.repeats // 5 + 1)
    print(f"{Y.shape[0]} states of the default run; ns per RHS evaluation (min / median / max)")
    for name, values in samples.items():
        v = np.array(values)
        print(f"  {name:<20} {v.min():7.1f} {np.median(v):7.1f} {v.max():7.1f}")
    if not same:
        return 0
    a = np.empty_like(dydt)
    b = np.empty_like(dydt)
    worst = 0.0
    for row in Y[::50]:
        rat.rhs(0.0, row, p, u, a)
        old.rhs(0.0, row, p, u, b)
        worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(b) + 1e-300))))
    ratio = np.median(samples[f"baseline {args.baseline}"]) / np.median(samples["today"])
    print(f"  speed-up {ratio:.2f}x; largest relative difference of dy/dt {worst:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
