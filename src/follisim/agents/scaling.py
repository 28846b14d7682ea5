"""A larger or smaller ovary with the same hormones: the scaling symmetry of the ODE.

Multiplying every follicle count by ``n`` and dividing each per-follicle hormone output by
``n`` (and multiplying the follicle-count references by ``n``) leaves the hormones, vessels and
the cycle unchanged in the ODE, while the agent engine's relative noise shrinks like
``1/sqrt(n)``. Used by the large-ovary convergence test and the 10^6-primordial benchmark.
"""

from __future__ import annotations

from follisim.spec import ParameterSpace

#: Parameters that scale with the follicle numbers (x n) and per-follicle outputs (/ n).
TIMES_N = ("primordial_initial", "cl_p4_half", "vegf_follicle_ref")
PER_N = ("e2_secretion", "amh_secretion", "inhibin_secretion")


def scaled_ovary(space: ParameterSpace, n: float, base: dict[str, float] | None = None
                 ) -> dict[str, float]:
    """Parameter overrides for an ovary ``n`` times as large (values may leave the registry
    bounds on purpose: pass them to the kernels, not through a config file)."""
    base = base or {}
    out = {name: base.get(name, space[name].default) * n for name in TIMES_N}
    out.update({name: base.get(name, space[name].default) / n for name in PER_N})
    return out
