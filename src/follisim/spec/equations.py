"""Named equations, declared once: the single statement of a model's mechanisms.

A model's equations are small Python functions, one per named quantity, grouped by mechanism::

    eq = Equations("rat")

    @eq.signal("perfusion", unit="1")
    def perfusion(vessel_density, perfusion_half):
        "Perfusion factor: 1 at healthy vessel density, 0 without vessels."
        return pos(vessel_density) * (1 + perfusion_half) / (pos(vessel_density) + perfusion_half)

The arguments name what the expression reads (states, parameters, inputs or earlier
quantities); the body is one ``return`` of an arithmetic expression over them with the
functions of :data:`FUNCTIONS`. Four kinds of quantity exist:

* ``signal``: an intermediate (computed once per evaluation);
* ``hazard``: a per-follicle rate [1/day]; the declaration order is the hazards layout;
* ``rate``: the time derivative of one state;
* ``observable``: an output quantity (or ``eq.expose(name, ...)`` to output a signal).

``follisim.spec.codegen`` turns the declarations into the numba kernel, a plain-Python
right-hand side, SBML formulas and the LaTeX listing in the docs; the functions themselves are
also executable plain Python (with the implementations below), which the tests use as an
evaluator of the declared mathematics.
"""

from __future__ import annotations

import ast
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Functions an equation may call: name -> number of arguments.
FUNCTIONS = {"pos": 1, "hill": 3, "clamp01": 1, "knockdown": 1, "exp": 1, "expm1": 1,
             "log": 1, "log1p": 1, "sqrt": 1, "min": 2, "max": 2}
KINDS = ("signal", "hazard", "rate", "observable")
#: Names the generated code uses itself; no model quantity may take them.
RESERVED = frozenset({"t", "y", "p", "u", "h", "dydt", "out", "math", "kernel", "pw", "ipow",
                      *FUNCTIONS})


def pos(x: float) -> float:
    """max(x, 0)."""
    return x if x > 0.0 else 0.0


def hill(x: float, half: float, n: float) -> float:
    """x^n / (x^n + half^n) for x > 0, and 0 for x <= 0."""
    if x <= 0.0:
        return 0.0
    r = (x / half) ** n
    return r / (1.0 + r)


def clamp01(x: float) -> float:
    """x clipped to [0, 1]."""
    return min(max(x, 0.0), 1.0)


def knockdown(log_repression: float) -> float:
    """Fraction of a target removed from its log-repression r: 1 - exp(-max(r, 0))."""
    return -math.expm1(-log_repression) if log_repression > 0.0 else 0.0


exp, expm1, log, log1p, sqrt = math.exp, math.expm1, math.log, math.log1p, math.sqrt


class EquationError(ValueError):
    """An equation that does not follow the declaration rules."""


@dataclass(frozen=True)
class Equation:
    """One named quantity.

    Attributes
    ----------
    name : str            identifier (a local variable in generated code, an SBML id)
    kind : str            ``signal``, ``hazard``, ``rate`` or ``observable``
    target : str          the state whose derivative this is (rates), else ``name``
    args : tuple of str   names the expression reads
    expr : ast.expr       the returned expression
    group : str           mechanism the quantity belongs to (docs sections)
    unit : str            unit of the value
    doc : str             one-sentence meaning
    source : str          ``file:line`` of the declaration
    """

    name: str
    kind: str
    target: str
    args: tuple[str, ...]
    expr: ast.expr
    group: str
    unit: str
    doc: str
    source: str


class Equations:
    """An ordered set of named equations for one model."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.equations: list[Equation] = []
        self.groups: dict[str, str] = {}
        self._group = ""
        self._trees: dict[str, dict[str, ast.FunctionDef]] = {}

    # -- declaration ----------------------------------------------------------------------
    def group(self, name: str, title: str) -> None:
        """Start a mechanism group; later declarations belong to it."""
        self.groups[name] = title
        self._group = name

    def signal(self, name: str | None = None, *, unit: str) -> Callable:
        return self._declare("signal", name, unit)

    def hazard(self, name: str | None = None, *, unit: str = "1/day") -> Callable:
        return self._declare("hazard", name, unit)

    def rate(self, state: str, *, unit: str) -> Callable:
        return self._declare("rate", state, unit)

    def observable(self, name: str | None = None, *, unit: str) -> Callable:
        return self._declare("observable", name, unit)

    def expose(self, *names: str) -> None:
        """Make existing signals observables of the same name."""
        for name in names:
            eq = self[name]
            self.equations.append(Equation(name, "observable", name, (name,),
                                           ast.Name(id=name, ctx=ast.Load()), eq.group,
                                           eq.unit, eq.doc, eq.source))

    def _declare(self, kind: str, name: str | None, unit: str) -> Callable:
        def register(fn: Callable) -> Callable:
            node = self._function_node(fn)
            args = tuple(a.arg for a in node.args.args)
            body = [s for s in node.body
                    if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            where = f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"
            if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
                raise EquationError(f"{where}: {fn.__name__} must be a docstring and one "
                                    "'return <expression>'")
            label = name or fn.__name__
            target = label
            eq_name = f"d_{label}" if kind == "rate" else label
            self.equations.append(Equation(eq_name, kind, target, args, body[0].value,
                                           self._group, unit,
                                           " ".join((fn.__doc__ or "").split()), where))
            return fn

        return register

    def _function_node(self, fn: Callable) -> ast.FunctionDef:
        """The ``def`` of ``fn`` in its module's source (the file is parsed once)."""
        path = fn.__code__.co_filename
        if path not in self._trees:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"), path)
            self._trees[path] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef):
                    self._trees[path][f"{node.name}:{node.lineno}"] = node
        # co_firstlineno is the line of the first decorator.
        for key, node in self._trees[path].items():
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            if key.startswith(f"{fn.__name__}:") and first == fn.__code__.co_firstlineno:
                return node
        raise EquationError(f"cannot find the source of {fn.__name__} in {path}")

    # -- access ---------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Equation:
        for eq in self.equations:
            if eq.name == name and eq.kind != "observable":
                return eq
        raise KeyError(name)

    def of_kind(self, kind: str) -> list[Equation]:
        return [e for e in self.equations if e.kind == kind]

    def check(self, states: tuple[str, ...], params: tuple[str, ...],
              inputs: tuple[str, ...], observables: tuple[str, ...]) -> None:
        """Every name resolves, every state has one rate, the observables match the layout,
        and only the allowed functions and operators are used."""
        known = {**{s: "state" for s in states}, **{p: "parameter" for p in params},
                 **{u: "input" for u in inputs}}
        defined: set[str] = set()
        clash = RESERVED & ({*states, *params, *inputs, *(e.name for e in self.equations)})
        if clash:
            raise EquationError(f"{self.model}: reserved names used: {sorted(clash)}")
        for eq in self.equations:
            if eq.kind != "observable" and (eq.name in known or eq.name in defined):
                raise EquationError(f"{eq.source}: {eq.name!r} is already defined")
            for arg in eq.args:
                if arg not in known and arg not in defined:
                    raise EquationError(f"{eq.source}: {eq.name} reads {arg!r}, which is not a "
                                        "state, parameter, input or earlier quantity")
            used = {n.id for n in ast.walk(eq.expr) if isinstance(n, ast.Name)}
            unread = used - set(eq.args) - set(FUNCTIONS)
            if unread:
                raise EquationError(f"{eq.source}: {eq.name} uses {sorted(unread)} without "
                                    "naming them as arguments")
            _check_syntax(eq)
            if eq.kind != "observable":
                defined.add(eq.name)
        rates = [e.target for e in self.of_kind("rate")]
        if sorted(rates) != sorted(states) or len(set(rates)) != len(rates):
            raise EquationError(f"{self.model}: rates {rates} do not match states {states}")
        obs = tuple(e.name for e in self.of_kind("observable"))
        if obs != observables:
            raise EquationError(f"{self.model}: observables {obs} do not match {observables}")


_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant,
                  ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _check_syntax(eq: Equation) -> None:
    for node in ast.walk(eq.expr):
        if not isinstance(node, _ALLOWED_NODES):
            raise EquationError(f"{eq.source}: {eq.name}: {type(node).__name__} is not allowed "
                                "(arithmetic, numbers, names and the functions of FUNCTIONS)")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                               or not isinstance(node.value, int | float)):
            raise EquationError(f"{eq.source}: {eq.name}: constant {node.value!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise EquationError(f"{eq.source}: {eq.name}: unknown function "
                                    f"{ast.unparse(node.func)}; allowed: {sorted(FUNCTIONS)}")
            if len(node.args) != FUNCTIONS[node.func.id] or node.keywords:
                raise EquationError(f"{eq.source}: {eq.name}: {node.func.id} takes "
                                    f"{FUNCTIONS[node.func.id]} positional arguments")


def evaluate(eqs: Equations, values: dict[str, float]) -> dict[str, float]:
    """Evaluate every equation in declaration order with plain Python (slow; for tests).

    ``values`` holds states, parameters and inputs by name; returns them plus every named
    quantity (rates under ``d_<state>``).
    """
    env = dict(values)
    namespace = {name: getattr(sys.modules[__name__], name) for name in FUNCTIONS
                 if name not in ("min", "max")}
    for eq in eqs.equations:
        if eq.kind == "observable" and eq.name in env:
            continue
        code = compile(ast.Expression(eq.expr), eq.source, "eval")
        env[eq.name] = eval(code, {**namespace, "min": min, "max": max},  # noqa: S307
                            {a: env[a] for a in eq.args})
    return env
