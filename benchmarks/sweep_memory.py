"""Peak memory of ``follisim sweep`` for large sample counts (peak RSS of the sweep process).

    python benchmarks/sweep_memory.py [--samples 100000 1000000] [--mode full|fast] [--json OUT]

Each sweep runs ``configs/sweep.toml`` (default 120-day run, saves every 0.1 day, window means
of five variables at four days plus cyclicity, chunk_size 256) as a child process
``python -m follisim sweep ... --samples N``; its peak resident set size is read from
``getrusage(RUSAGE_CHILDREN)`` after it exits (what ``/usr/bin/time -v`` reports).

``--mode full`` integrates every sample (10^6 samples take hours on 2 cores). ``--mode fast``
keeps every buffer, design table, store and reduction at full size but stops each integration
after one step (``[solver] max_steps = 1``, ``initial_state = "defaults"``), so every sample is
recorded as failed and the sweep's memory machinery is exercised in minutes: memory does not
depend on how long a trajectory takes. Compare the two modes at 10^5 to check the proxy.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fast_copy(folder: Path) -> Path:
    """``configs/sweep.toml`` on a base whose integrations stop after one step."""
    base = (ROOT / "configs" / "default.toml").read_text(encoding="utf-8")
    base = base.replace('initial_state = "limit_cycle"', 'initial_state = "defaults"')
    base = base.replace("max_steps = 200000", "max_steps = 1")
    assert "max_steps = 1\n" in base and 'initial_state = "defaults"' in base
    (folder / "default.toml").write_text(base, encoding="utf-8")
    sweep = (ROOT / "configs" / "sweep.toml").read_text(encoding="utf-8")
    (folder / "sweep.toml").write_text(sweep, encoding="utf-8")
    tomllib.loads(sweep)
    return folder / "sweep.toml"


def measure(n: int, mode: str, folder: Path) -> dict:
    sweep = fast_copy(folder) if mode == "fast" else ROOT / "configs" / "sweep.toml"
    out = folder / f"m{n}.zarr"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "follisim", "sweep", str(sweep), "-o",
                          str(out), "--samples", str(n)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if run.returncode != 0:
        raise RuntimeError(run.stderr)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"samples": n, "mode": mode, "peak_rss_mib": peak / 1024,
            "peak_grew": peak > before, "seconds": wall, "store_mib": size / 2**20,
            "summary": run.stdout.strip()}


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--mode", choices=("full", "fast"), default="fast")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    results = []
    for n in sorted(args.samples):        # ascending: RUSAGE_CHILDREN keeps the maximum
        with tempfile.TemporaryDirectory(prefix="follisim-mem-") as d:
            results.append(measure(n, args.mode, Path(d)))
        print(json.dumps(results[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
