"""Cost of ``follisim compare`` on a shipped experiment, by phase.

    python benchmarks/compare_cost.py [--experiment PATH] [--animals N] [--repeats N]

Phases, timed separately in one process after a warm-up call (numba compiled and cached, so
compile time is excluded): the virtual cohort (every arm x animals through the batch engine,
with smear reading), the scoring of every shipped row, and the forest plot. Wall time and
process CPU time, median [min, max] over the repeats; the machine may be shared, so read CPU
time and the ratio between phases rather than absolute wall time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from follisim.compare import settings, shipped_data_for, simulate_cohort
from follisim.compare.engine import score
from follisim.compare.report import forest_plot
from follisim.datasets.schema import check_outcomes
from follisim.io.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=str(ROOT / "experiments" / "rat_ctx_hucmsc_iv" /
                                                "experiment.toml"))
    ap.add_argument("--animals", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    exp = load_experiment(args.experiment)
    setup = settings(exp, args.animals, 0)
    tables = tuple(check_outcomes(p) for p in shipped_data_for(exp, setup))
    simulate_cohort(exp, settings(exp, 4, 0))                  # warm-up: compile / load cache
    phases: dict[str, list[tuple[float, float]]] = {"cohort": [], "score": [], "figure": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            cohort, w, c = _timed(lambda: simulate_cohort(exp, setup))
            phases["cohort"].append((w, c))
            rows, w, c = _timed(lambda cohort=cohort: score(tables, cohort))
            phases["score"].append((w, c))
            _, w, c = _timed(lambda rows=rows: forest_plot(rows, Path(tmp) / "f.png"))
            phases["figure"].append((w, c))
    arms = len(exp.arms)
    print(f"{Path(args.experiment).parent.name}: {arms} arms x {args.animals} animals, "
          f"{len(rows)} report rows, {args.repeats} repeats")
    for name, runs in phases.items():
        wall = sorted(r[0] for r in runs)
        cpu = sorted(r[1] for r in runs)
        print(f"  {name:7s} wall {statistics.median(wall):7.2f} s [{wall[0]:.2f}, {wall[-1]:.2f}]"
              f"   cpu {statistics.median(cpu):7.2f} s")
    per_animal = statistics.median(r[1] for r in phases["cohort"]) / (arms * args.animals)
    print(f"  cohort CPU per animal-arm: {1e3 * per_animal:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
