"""How much of an RHS evaluation the runtime exponents still cost: today's kernel against
variants with the exponents fixed at their defaults, in one run.

    python benchmarks/rhs_headroom.py [--repeats N]

Variants are made from the generated ``core/rat.py`` text (never shipped, measurement only):

* ``specialised``: every ``pw(x, n)`` and ``hill(x, K, n)`` with a parameter exponent written
  with the default exponent as a constant (multiplications, ``sqrt`` for 1/2): the lower bound
  a kernel specialised at the defaults could reach;
* ``guarded``: the same behind ``if n == default`` (general ``pw`` otherwise): what codegen
  could emit while keeping every exponent a parameter.

States and timing loop as in ``rhs_cost.py``; all variants agree with today's to round-off.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import tempfile
from pathlib import Path

import numpy as np
from rhs_cost import make_loop, states, time_loop

from follisim.core import rat
from follisim.models import RAT

_ARG = r"((?:[^()]|\([^()]*\))*?)"


def _power(x: str, n: float) -> str:
    if n == 0.5:
        return f"math.sqrt({x})"
    if n == 1.0:
        return f"({x})"
    if n == int(n) and n <= 3:
        return "(" + " * ".join([f"({x})"] * int(n)) + ")"
    if n == int(n):
        return f"ipow({x}, {int(n)})"
    return f"({x}) ** {n!r}"


def variant(text: str, guarded: bool) -> str:
    defaults = {p.name: float(p.default) for p in RAT.parameters.parameters}
    helpers = []
    pw_names = {m.group(2) for m in re.finditer(rf"(?<!\w)pw\({_ARG}, (\w+)\)", text)}
    hill_names = {m.group(3) for m in re.finditer(r"(?<!\w)hill\(([^,]+), ([^,]+), (\w+)\)",
                                                  text)}
    for n in sorted(pw_names & defaults.keys()):
        body = _power("v", defaults[n])
        if guarded:
            body = f"{body} if n == {defaults[n]!r} else pw(v, n)"
        helpers.append(f"@kernel\ndef _pw_{n}(v, n):\n    return {body}\n")
        text = re.sub(rf"(?<!\w)pw\({_ARG}, {n}\)", rf"_pw_{n}(\1, {n})", text)
    for n in sorted(hill_names & defaults.keys()):
        r = _power("q", defaults[n])
        if guarded:
            r = f"{r} if n == {defaults[n]!r} else pw(q, n)"
        helpers.append(f"@kernel\ndef _hill_{n}(x, half, n):\n    if x <= 0.0:\n"
                       f"        return 0.0\n    q = x / half\n    r = {r}\n"
                       f"    return r / (1.0 + r)\n")
        text = re.sub(rf"(?<!\w)hill\(([^,]+), ([^,]+), {n}\)", rf"_hill_{n}(\1, \2, {n})",
                      text)
    text = text.replace("from follisim.core.mathfn import hill, knockdown, pw",
                        "import math\nfrom follisim.core.mathfn import hill, ipow, knockdown, pw")
    at = text.index("@kernel\ndef rhs(")
    return text[:at] + "\n\n".join(helpers) + "\n\n" + text[at:]


def load(text: str, name: str):
    path = Path(tempfile.mkdtemp(prefix="follisim_rhs_")) / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=48)
    args = ap.parse_args(argv)
    text = Path(rat.__file__).read_text(encoding="utf-8")
    kernels = {"today": rat, "specialised": load(variant(text, False), "rat_specialised"),
               "guarded": load(variant(text, True), "rat_guarded")}
    Y = states()
    p = RAT.parameters.pack()
    u = np.zeros(len(rat.INPUT_NAMES))
    dydt = np.empty(Y.shape[1])
    loops = {k: make_loop(m.rhs) for k, m in kernels.items()}
    samples: dict[str, list[float]] = {k: [] for k in loops}
    for _ in range(6):                                  # interleaved against drift
        for k, loop in loops.items():
            samples[k] += time_loop(loop, Y, p, u, dydt, args.repeats // 6 + 1)
    a, b = np.empty_like(dydt), np.empty_like(dydt)
    print(f"{Y.shape[0]} states of the default run; ns per RHS evaluation (min / median)")
    for k, m in kernels.items():
        worst = 0.0
        for row in Y[::50]:
            rat.rhs(0.0, row, p, u, a)
            m.rhs(0.0, row, p, u, b)
            worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(a) + 1e-300))))
        v = np.array(samples[k])
        print(f"  {k:<12} {v.min():7.1f} {np.median(v):7.1f}   max rel. diff {worst:.1e}")
    return 0


if __name__ == "__main__":
    main()
