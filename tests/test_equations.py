"""The one statement of the equations and what is generated from it.

These tests judge the *generator* (numba, Python, SBML and LaTeX printers, the declaration
rules, the fast powers); whether the equations are right is judged by ``test_biology.py``.
"""

import ast
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from points import random_point

from follisim.core import mathfn, rat
from follisim.models import RAT
from follisim.models.rat_python import make_rhs
from follisim.spec import codegen
from follisim.spec.equations import EquationError, Equations, evaluate, pos


def test_generated_kernel_file_is_current():
    """``core/rat.py`` is exactly what the equations generate (import regenerates it)."""
    assert codegen.kernel_path(RAT).read_text(encoding="utf-8") == codegen.numba_source(RAT)
    assert "GENERATED" in codegen.kernel_path(RAT).read_text(encoding="utf-8").splitlines()[0]


def test_kernel_layouts_follow_the_registry():
    assert RAT.state_names == rat.STATE_NAMES
    assert RAT.parameters.names == rat.PARAM_NAMES
    assert RAT.input_names == rat.INPUT_NAMES
    assert RAT.observable_names == rat.OBSERVABLE_NAMES
    assert tuple(e.name for e in RAT.equations.of_kind("hazard")) == rat.HAZARD_NAMES
    assert tuple(rat.STATE_NAMES[i] for i in rat.FOLLICLE_STATES) == RAT.follicle_states


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_generated_code_equals_the_declared_functions(data):
    """The numba kernel (rhs, hazards, observe) and the generated plain-Python RHS give what the
    declared equation functions give when executed directly in Python."""
    y, p, u = random_point(data)
    values = {**dict(zip(RAT.state_names, y, strict=True)),
              **RAT.parameters.unpack(p), **dict(zip(RAT.input_names, u, strict=True))}
    env = evaluate(RAT.equations, values)
    dydt = np.empty(len(y))
    rat.rhs(0.0, y, p, u, dydt)
    want = [env[f"d_{s}"] for s in RAT.state_names]
    np.testing.assert_allclose(dydt, want, rtol=1e-12, atol=1e-12)
    py = make_rhs(RAT.parameters.unpack(p), dict(zip(RAT.input_names, u, strict=True)))(0.0, y)
    np.testing.assert_allclose(py, want, rtol=1e-12, atol=1e-12)
    h = np.empty(len(rat.HAZARD_NAMES))
    rat.hazards(y, p, u, h)
    np.testing.assert_allclose(h, [env[n] for n in rat.HAZARD_NAMES], rtol=1e-12, atol=1e-300)
    out = np.empty(len(RAT.observables))
    rat.observe(y, p, u, out)
    np.testing.assert_allclose(out, [env[n] for n in RAT.observable_names], rtol=1e-12,
                               atol=1e-300)


@pytest.mark.parametrize("n", [0.0, 1.0, 2.0, 3.0, 6.0, 8.0, 17.0, 64.0, 0.5, 1.5, 2.5, 7.5,
                               0.3, 2.7, 64.5, 100.0])
def test_fast_powers_equal_pow(n):
    """Integer and half-integer exponents by multiplication agree with pow to 1e-12."""
    xs = np.concatenate([np.geomspace(1e-6, 1e3, 200), [0.0, 1.0]])
    for x in xs:
        assert mathfn.pw(x, n) == pytest.approx(x ** n, rel=1e-12, abs=1e-300), (x, n)
    assert mathfn.hill(0.0, 1.0, n) == 0.0 and mathfn.hill(-1.0, 1.0, n) == 0.0


def test_knockdown_is_one_minus_level():
    for r in (1e-8, 0.1, 1.0, 20.0):
        assert mathfn.knockdown(r) == pytest.approx(1.0 - math.exp(-r), rel=1e-12)
    assert mathfn.knockdown(-1.0) == 0.0 and mathfn.knockdown(0.0) == 0.0


def _toy():
    eq = Equations("toy")

    @eq.signal(unit="1")
    def half_x(x, k):
        """Half."""
        return pos(x) / (1 + k) ** 2

    @eq.rate("x", unit="1/day")
    def d_x(half_x, k):
        """Decay."""
        return -k * half_x

    return eq


def test_printers_on_a_known_expression():
    eq = _toy()
    expr = eq["half_x"].expr
    assert codegen._NumbaPrinter()(expr) == "max(x, 0.0) / pw(1.0 + k, 2.0)"
    assert codegen._SbmlPrinter()(expr) == "max(x, 0) / (1.0 + k) ^ 2.0"
    assert codegen._PythonPrinter()(expr) == "pos(x) / (1.0 + k) ** 2.0"
    assert codegen._LatexPrinter()(expr) == (
        r"\frac{\left[\mathtt{x}\right]_+}{\left(1 + \mathtt{k}\right)^{2}}")


def test_declaration_rules():
    eq = _toy()
    eq.check(("x",), ("k",), (), ())
    with pytest.raises(EquationError, match="do not match states"):
        eq.check(("x", "z"), ("k",), (), ())
    with pytest.raises(EquationError, match="not a state, parameter"):
        eq.check(("x",), ("kk",), (), ())
    bad = Equations("bad")

    with pytest.raises(EquationError, match="one 'return"):
        @bad.signal(unit="1")
        def two_lines(x):
            """Two statements."""
            y = x
            return y

    @bad.signal(unit="1")
    def compare(x):
        """A comparison is not arithmetic."""
        return x > 1

    with pytest.raises(EquationError, match="Compare is not allowed"):
        bad.check(("x",), (), (), ())


def test_sbml_formulas_parse_and_avoid_piecewise():
    libsbml = pytest.importorskip("libsbml")
    assignments, rates = codegen.sbml_rules(RAT)
    assert set(rates) == set(RAT.state_names)
    for name, formula in [*assignments, *rates.items()]:
        assert libsbml.parseL3Formula(formula) is not None, (name, formula)
        assert "piecewise" not in formula


def test_latex_blocks_cover_every_quantity():
    blocks = codegen.latex_blocks(RAT)
    text = "\n".join(blocks.values())
    for e in RAT.equations.equations:
        if e.kind == "observable" and isinstance(e.expr, ast.Name):
            continue
        target = e.target if e.kind == "rate" else e.name
        assert r"\mathtt{" + target.replace("_", r"\_") + "}" in text, e.name
