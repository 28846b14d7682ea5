"""The rat model's right-hand side in plain Python, for scipy peers and test oracles.

The equations are not restated here: ``follisim.spec.codegen.python_rhs`` generates the
function from the same declarations as the numba kernel (``python -m follisim.spec.codegen
--print python`` prints it). This module adds what a scipy user needs around it: parameters and
inputs by name, and linear PK chains as ordinary ODE states (``c``, ``x`` per chain) mapped onto
the inputs, so that a stiff scipy method can check the closed-form PK of the numba path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from follisim.models.rat import RAT
from follisim.spec.codegen import python_rhs
from follisim.spec.equations import hill

_RHS = python_rhs(RAT)


def make_rhs(p: Mapping[str, float], inputs: Mapping[str, float],
             chains: Sequence[tuple[float, float, float]] = (),
             maps: Sequence[tuple] = ()):
    """Return ``f(t, y) -> list`` for constant ``inputs`` and optional PK ``chains``.

    ``p`` maps parameter names to values (missing names keep their defaults); ``inputs`` maps
    input names to constant levels. ``chains`` are ``(k_el, k_tr, k_out)`` [1/day]; ``maps``
    are ``(chain, input, kind, gain, half, hill)`` or with a final ``site`` (``effect`` default)
    as in ``follisim.protocols.PkEffect``. The state vector is the model's states followed by
    ``(c, x)`` of every chain.
    """
    params = [float(v) for v in RAT.parameters.pack(p)]
    names = RAT.input_names
    base = [float(inputs.get(name, 0.0)) for name in names]
    slot = {name: i for i, name in enumerate(names)}
    n_states = len(RAT.states)

    def rhs(t, y):
        u = list(base)
        for j, name, kind, gain, half, n, *site in maps:
            a = y[n_states + 2 * j + (0 if site and site[0] == "central" else 1)]
            if a <= 0.0:
                continue
            if kind == "linear":
                u[slot[name]] += gain * a
            elif kind == "hill":
                u[slot[name]] += gain * hill(a, half, n)
            else:
                u[slot[name]] += math.log1p((gain * a / half) ** n)
        out = _RHS(t, y, params, u)
        for j, (k_el, k_tr, k_out) in enumerate(chains):
            c = y[n_states + 2 * j]
            x = y[n_states + 2 * j + 1]
            out += [-(k_el + k_tr) * c, k_tr * c - k_out * x]
        return out

    return rhs
