"""An edited equation never runs from a stale numba cache.

Numba keys a cached function on its own file only; the RHS compiled into the cached
``registry.call_rhs`` (and so into every integrator) comes from the generated ``core/rat.py``.
The test copies the package, caches the kernels under ``NUMBA_CACHE_DIR``, edits one equation
in the copy, and checks that a new process computes with the edited equation.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

PROBE = """
import json, numpy as np, follisim
from follisim.core import registry, rat
from follisim.models import RAT
y = RAT.y0_guess(); p = RAT.parameters.pack(); u = np.zeros(len(RAT.inputs))
d = np.empty(y.size)
registry.call_rhs(RAT.model_id, 0.0, y, p, u, d)
print(json.dumps({"file": follisim.__file__, "e2": d[rat.E2], "fsh": d[rat.FSH]}))
"""


def _probe(src: Path, cache: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": str(cache),
           "FOLLISIM_NUMBA_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_edited_equation_is_used_despite_cached_kernels(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(SRC / "follisim", copy / "follisim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "numba-cache"
    first = _probe(copy, cache)
    assert first["file"].startswith(str(copy))
    cached = list(cache.rglob("registry.call_rhs*.nbi"))
    assert cached, "the probe did not cache call_rhs; the test would prove nothing"
    again = _probe(copy, cache)                  # cache hit, same numbers
    assert again == first

    equations = copy / "follisim" / "models" / "rat" / "equations.py"
    text = equations.read_text(encoding="utf-8")
    old = "return fsh_secretion * fsh_release - k_fsh_clearance * fsh"
    assert old in text
    equations.write_text(text.replace(old, "return 2 * fsh_secretion * fsh_release "
                                           "- k_fsh_clearance * fsh"), encoding="utf-8")
    edited = _probe(copy, cache)
    assert edited["e2"] == first["e2"]
    # d' = 2 s r - k S = 2 (s r - k S) + k S, at the probe state S = 2 and k = 4 (defaults).
    k_fsh, fsh = 4.0, 2.0
    assert edited["fsh"] == pytest.approx(2.0 * first["fsh"] + k_fsh * fsh, rel=1e-12)
