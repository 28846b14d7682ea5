"""Start-up cost of schema libraries (issue 16, item 7) against the cached ``follisim run``.

Each figure is a fresh process; min / median / max over ``--runs`` repetitions. The machine is
shared and noisy: compare medians, and rerun on a quiet machine.

    python benchmarks/schema_import_cost.py [--runs 11]

Libraries that are not installed are skipped (pydantic, msgspec, attrs + cattrs are not
dependencies of follisim; ``pip install pydantic msgspec cattrs`` to measure them).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Import the library, declare a three-field schema that refuses unknown keys, validate once.
SNIPPETS = {
    "python -c pass": "pass",
    "pydantic 2": """
from pydantic import BaseModel, ConfigDict
class Run(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    days: float
    save_interval: float = 1.0
    model: str = "rat"
Run.model_validate({"days": 120, "save_interval": 0.1, "model": "rat"})
""",
    "msgspec": """
import msgspec
class Run(msgspec.Struct, forbid_unknown_fields=True):
    days: float
    save_interval: float = 1.0
    model: str = "rat"
msgspec.convert({"days": 120, "save_interval": 0.1, "model": "rat"}, Run)
""",
    "attrs + cattrs": """
import attrs, cattrs
@attrs.define
class Run:
    days: float
    save_interval: float = 1.0
    model: str = "rat"
cattrs.Converter(forbid_extra_keys=True).structure({"days": 120, "save_interval": 0.1}, Run)
""",
    "import follisim, validate a table": """
from follisim.io.validate import Table
t = Table("x", "run", {"days": 120, "save_interval": 0.1, "model": "rat"},
          ("days", "save_interval", "model"))
t.number("days", None, 0, 36500, lo_open=True); t.string("model", "rat", ("rat",))
""",
}


def wall(argv: list[str]) -> float | None:
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - t0 if done.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        cases = {name: [sys.executable, "-c", code] for name, code in SNIPPETS.items()}
        cases["follisim run configs/default.toml (warm cache)"] = [
            sys.executable, "-m", "follisim", "run", str(ROOT / "configs" / "default.toml"),
            "-o", str(Path(tmp) / "x.nc")]
        wall(cases["follisim run configs/default.toml (warm cache)"])     # warm the cache
        print(f"{'whole process, wall seconds':48s} {'min':>7s} {'median':>7s} {'max':>7s}")
        for name, argv in cases.items():
            times = [wall(argv) for _ in range(runs)]
            if None in times:
                print(f"{name:48s} skipped (not installed or failed)")
                continue
            print(f"{name:48s} {min(times):7.3f} {statistics.median(times):7.3f} "
                  f"{max(times):7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
