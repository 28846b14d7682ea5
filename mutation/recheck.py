"""Re-run the surviving mutants of a session against today's tests.

    python mutation/recheck.py SESSION.sqlite

For every mutant that survived in SESSION, in a throw-away git worktree of HEAD: apply the
same mutation (module, operator, occurrence) with ``cosmic-ray mutate-and-test`` and run the
session's test command. Prints one line per mutant: killed or survived now, with the mutated
line. A module changed since the session may shift occurrences: such mutants are reported as
``module changed`` and not re-run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome

ROOT = Path(__file__).resolve().parents[1]


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    config = tomllib.loads((ROOT / "mutation" / "cosmic-ray.toml").read_text("utf-8"))["cosmic-ray"]
    with use_db(args[0], WorkDB.Mode.open) as db:
        survivors = [item for item, result in db.completed_work_items
                     if result.test_outcome == TestOutcome.SURVIVED]
    work = Path(tempfile.mkdtemp()) / "follisim-recheck"
    _git("worktree", "add", "--detach", str(work), "HEAD")
    env = {**os.environ, "PYTHONPATH": str(work / "src"),
           "NUMBA_CACHE_DIR": str(work / ".numba-cache"), "HYPOTHESIS_PROFILE": "ci"}
    try:
        for item in survivors:
            (m,) = item.mutations
            module = str(m.module_path)
            line = (work / module).read_text("utf-8").splitlines()[m.start_pos[0] - 1].strip()
            where = f"{module}:{m.start_pos[0]} {m.operator_name} #{m.occurrence}"
            if not _unchanged(work, module, args[0]):
                print(f"module changed   {where}  {line}")
                continue
            out = subprocess.run(
                ["cosmic-ray", "mutate-and-test", module, m.operator_name, str(m.occurrence),
                 config["test-command"]], cwd=work, env=env, capture_output=True, text=True,
                timeout=float(config.get("timeout", 1200.0)))
            outcome = json.loads(out.stdout.strip().splitlines()[-1]).get("test_outcome", "?")
            print(f"{outcome:16s} {where}  {line}")
    finally:
        _git("worktree", "remove", "--force", str(work))
    return 0


def _unchanged(work: Path, module: str, session: str) -> bool:
    """True when ``module`` at HEAD equals the copy the session mutated (its commit is named
    in ``SESSION.commit`` next to the session file, written by ``run.sh``)."""
    marker = Path(session).with_suffix(".commit")
    if not marker.exists():
        return True
    commit = marker.read_text(encoding="utf-8").strip()
    diff = subprocess.run(["git", "diff", "--quiet", commit, "HEAD", "--", module], cwd=work)
    return diff.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
