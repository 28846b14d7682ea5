"""Generate a model's numba kernel, plain-Python RHS, SBML formulas and LaTeX from its equations.

The equations (``follisim.spec.equations``) are the one statement of the mathematics; this
module translates their expression trees into

* the numba kernel module ``follisim/core/<model>.py`` (``rhs``, ``hazards``, ``observe`` and the
  layout constants), straight-line code in which every named quantity is computed once;
* a plain-Python ``rhs(t, y, p, u) -> list`` (the scipy peer and test oracle);
* SBML L3 infix formulas (assignment and rate rules, function definitions);
* a LaTeX listing per mechanism group for ``docs/model.md``.

``python -m follisim.spec.codegen [--print numba|python|sbml|latex] [MODEL]`` writes (or prints)
them. Importing ``follisim.models`` calls :func:`ensure_current`, so an edited equation never
runs from a stale kernel file.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from follisim.spec.equations import Equation, Equations
from follisim.spec.model import ModelSpec

_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 4}
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ATOM = 5
_UNARY = 3


def _number(value: float) -> str:
    return repr(float(value))


# --- expression printers --------------------------------------------------------------------
class _Printer:
    """Infix printer with minimal parentheses; subclasses map functions, powers, names."""

    pow_op = "**"

    def __call__(self, node: ast.expr) -> str:
        return self.emit(node)[0]

    def emit(self, node: ast.expr) -> tuple[str, int]:
        if isinstance(node, ast.Name):
            return self.name(node.id), _ATOM
        if isinstance(node, ast.Constant):
            return self.constant(node.value), _ATOM
        if isinstance(node, ast.UnaryOp):
            inner, p = self.emit(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner, p
            return f"-{self.wrap(inner, p, _UNARY + 1)}", _UNARY
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            args = [self.emit(a)[0] for a in node.args]
            return self.call(node.func.id, args, node.args), _ATOM
        raise TypeError(type(node).__name__)

    @staticmethod
    def wrap(text: str, prec: int, need: int) -> str:
        return f"({text})" if prec < need else text

    def binop(self, node: ast.BinOp) -> tuple[str, int]:
        op = type(node.op)
        prec = _PREC[op]
        left, lp = self.emit(node.left)
        right, rp = self.emit(node.right)
        if op is ast.Pow:
            return self.power(left, lp, right, node.right, rp), prec
        right_need = prec + 1 if op in (ast.Sub, ast.Div) else prec
        return (f"{self.wrap(left, lp, prec)} {_OPS[op]} {self.wrap(right, rp, right_need)}",
                prec)

    def power(self, base: str, base_prec: int, exponent: str, node: ast.expr,
              prec: int) -> str:
        return (f"{self.wrap(base, base_prec, _ATOM)} {self.pow_op} "
                f"{self.wrap(exponent, prec, _ATOM)}")

    def name(self, ident: str) -> str:
        return ident

    def constant(self, value: float) -> str:
        return _number(value)

    def call(self, fn: str, args: list[str], nodes: list[ast.expr]) -> str:
        return f"{fn}({', '.join(args)})"


class _NumbaPrinter(_Printer):
    """Python source for numba: powers through ``pw`` (multiplication for integer exponents)."""

    def power(self, base, base_prec, exponent, node, prec):
        if isinstance(node, ast.Constant) and float(node.value) == 0.5:
            return f"math.sqrt({base})"
        return f"pw({base}, {exponent})"

    def call(self, fn, args, nodes):
        if fn == "pos":
            return f"max({args[0]}, 0.0)"
        if fn == "clamp01":
            return f"min(max({args[0]}, 0.0), 1.0)"
        if fn in ("exp", "expm1", "log", "log1p", "sqrt"):
            return f"math.{fn}({args[0]})"
        return f"{fn}({', '.join(args)})"


class _PythonPrinter(_Printer):
    """Plain Python: general ``**``, helpers from ``follisim.spec.equations``."""

    def call(self, fn, args, nodes):
        if fn in ("exp", "expm1", "log", "log1p", "sqrt"):
            return f"math.{fn}({args[0]})"
        return f"{fn}({', '.join(args)})"


class _SbmlPrinter(_Printer):
    """SBML Level 3 infix (libsbml ``parseL3Formula``): max/min guards, no piecewise."""

    pow_op = "^"

    def call(self, fn, args, nodes):
        a = args
        return {
            "pos": lambda: f"max({a[0]}, 0)",
            "clamp01": lambda: f"min(max({a[0]}, 0), 1)",
            "knockdown": lambda: f"(1 - exp(-max({a[0]}, 0)))",
            "expm1": lambda: f"(exp({a[0]}) - 1)",
            "log": lambda: f"ln({a[0]})",
            "log1p": lambda: f"ln(1 + {a[0]})",
        }.get(fn, lambda: f"{fn}({', '.join(a)})")()


class _LatexPrinter(_Printer):
    """LaTeX: names in typewriter, fractions, Hill functions as H(x; K, n)."""

    def name(self, ident):
        return r"\mathtt{" + ident.replace("_", r"\_") + "}"

    def constant(self, value):
        return f"{float(value):g}"

    def binop(self, node):
        op = type(node.op)
        if op is ast.Div:
            return rf"\frac{{{self(node.left)}}}{{{self(node.right)}}}", _ATOM
        if op is ast.Mult:
            prec = _PREC[op]
            left, lp = self.emit(node.left)
            right, rp = self.emit(node.right)
            return (rf"{self.wrap(left, lp, prec)} \cdot {self.wrap(right, rp, prec)}", prec)
        if op is ast.Pow:
            base, bp = self.emit(node.left)
            return f"{self.wrap(base, bp, _ATOM)}^{{{self(node.right)}}}", _PREC[op]
        return super().binop(node)

    @staticmethod
    def wrap(text, prec, need):
        return rf"\left({text}\right)" if prec < need else text

    def call(self, fn, args, nodes):
        a = args
        return {
            "pos": lambda: rf"\left[{a[0]}\right]_+",
            "clamp01": lambda: rf"\left[{a[0]}\right]_0^1",
            "knockdown": lambda: rf"\mathrm{{kd}}\left({a[0]}\right)",
            "hill": lambda: rf"\mathrm{{H}}\left({a[0]};\,{a[1]},\,{a[2]}\right)",
            "exp": lambda: f"e^{{{a[0]}}}",
            "expm1": lambda: rf"\left(e^{{{a[0]}}} - 1\right)",
            "log": lambda: rf"\ln\left({a[0]}\right)",
            "log1p": lambda: rf"\ln\left(1 + {a[0]}\right)",
            "sqrt": lambda: rf"\sqrt{{{a[0]}}}",
            "min": lambda: rf"\min\left({a[0]},\,{a[1]}\right)",
            "max": lambda: rf"\max\left({a[0]},\,{a[1]}\right)",
        }[fn]()


# --- dependency closure ---------------------------------------------------------------------
def _needed(eqs: Equations, targets: Iterable[Equation]) -> list[Equation]:
    """Equations (signals and hazards, in declaration order) that ``targets`` depend on."""
    by_name = {e.name: e for e in eqs.equations if e.kind in ("signal", "hazard")}
    need: set[str] = set()
    stack = [a for t in targets for a in t.args]
    while stack:
        name = stack.pop()
        if name in by_name and name not in need:
            need.add(name)
            stack.extend(by_name[name].args)
    return [e for e in eqs.equations if e.kind in ("signal", "hazard") and e.name in need]


def _reads(model: ModelSpec, used: Iterable[Equation], targets: Iterable[Equation]
           ) -> tuple[list[str], list[str], list[str]]:
    names = {a for e in (*used, *targets) for a in e.args}
    states = [s for s in model.state_names if s in names]
    params = [p for p in model.parameters.names if p in names]
    inputs = [u for u in model.input_names if u in names]
    return states, params, inputs


def _constant(prefix: str, name: str) -> str:
    return f"{prefix}{name.upper()}"


WIDTH = 99


def _assign(indent: str, target: str, value: str) -> list[str]:
    """``target = value``, wrapped inside parentheses at spaces when longer than ``WIDTH``.

    The printers put spaces only around binary operators and after commas, so every break
    falls between tokens.
    """
    line = f"{indent}{target} = {value}"
    if len(line) <= WIDTH:
        return [line]
    words = value.split(" ")
    lines, current = [], f"{indent}{target} = ("
    cont = indent + " " * 4
    for word in words:
        candidate = current + ("" if current.endswith("(") else " ") + word
        if len(candidate) > WIDTH and not current.endswith("("):
            lines.append(current)
            current = cont + word
        else:
            current = candidate
    lines.append(current + ")")
    return lines


def _names_block(names: tuple[str, ...] | list[str], indent: str = "    ") -> list[str]:
    """Comma-separated items wrapped to ``WIDTH``."""
    lines, current = [], indent
    for item in names:
        piece = f"{item},"
        if len(current) + len(piece) + 1 > WIDTH and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += piece + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


# --- the numba module -----------------------------------------------------------------------
def _body(model: ModelSpec, targets: list[Equation], out: str,
          index: Callable[[Equation], str], printer: _Printer, state_array: str = "y",
          indent: str = "    ") -> list[str]:
    eqs = model.equations
    used = _needed(eqs, targets)
    states, params, inputs = _reads(model, used, targets)
    lines = [f"{indent}{s} = {state_array}[{_constant('', s)}]" for s in states]
    lines += [f"{indent}{q} = p[{_constant('P_', q)}]" for q in params]
    lines += [f"{indent}{u} = u[{_constant('U_', u)}]" for u in inputs]
    for e in used:
        lines += _assign(indent, e.name, printer(e.expr))
    for t in targets:
        lines += _assign(indent, f"{out}[{index(t)}]", printer(t.expr))
    return lines


def _layout(model: ModelSpec) -> list[str]:
    eqs = model.equations
    hazards = [e.name for e in eqs.of_kind("hazard")]
    blocks = [("STATE_NAMES", "", model.state_names), ("PARAM_NAMES", "P_", model.parameters.names),
              ("INPUT_NAMES", "U_", model.input_names), ("HAZARD_NAMES", "H_", hazards),
              ("OBSERVABLE_NAMES", "O_", model.observable_names)]
    lines = []
    for title, prefix, names in blocks:
        lines += [f"{title} = (", *_names_block([f'"{n}"' for n in names]), ")"]
        lines += ["(", *_names_block([_constant(prefix, n) for n in names]),
                  f") = range({len(names)})", ""]
    lines += ["FOLLICLE_STATES = (",
              *_names_block([_constant("", s) for s in model.follicle_states]), ")"]
    return lines


def numba_source(model: ModelSpec) -> str:
    """Source text of the generated numba kernel module for ``model``."""
    eqs = model.equations
    printer = _NumbaPrinter()
    rates = {e.target: e for e in eqs.of_kind("rate")}
    rate_list = [rates[s] for s in model.state_names]
    hazards = eqs.of_kind("hazard")
    observables = eqs.of_kind("observable")
    n_s, n_h, n_o = len(model.state_names), len(hazards), len(observables)
    n_p, n_u = len(model.parameters), len(model.input_names)
    bodies = [
        _body(model, rate_list, "dydt", lambda e: _constant("", e.target), printer),
        _body(model, hazards, "h", lambda e: _constant("H_", e.name), printer),
        _body(model, observables, "out", lambda e: _constant("O_", e.name), printer),
    ]
    head = [
        f'"""{model.name} model kernels. GENERATED by follisim.spec.codegen: do not edit.',
        "",
        f"Source of every expression: ``{_relative(eqs)}``; layouts: the model's registry",
        f"(``follisim.models.{model.name}``). Regenerate with ``python -m follisim.spec.codegen "
        f"{model.name}``",
        "(importing follisim does it when this file is stale). Units and meaning of every name:",
        "``docs/model.md``. Every array is float64 and C-contiguous; nothing here allocates.",
        '"""',
        "",
        *(["import math", ""] if any("math." in line for b in bodies for line in b) else []),
        "from follisim.core._jit import kernel",
        "from follisim.core.mathfn import hill, knockdown, pw",
        "",
        *_layout(model),
        "",
        "",
        "@kernel",
        "def rhs(t, y, p, u, dydt):",
        '    """Write dy/dt [state units / day] into ``dydt``.',
        "",
        "    Parameters",
        "    ----------",
        "    t : float               time [day]; the model is autonomous (inputs carry time)",
        f"    y : float64[{n_s}]         state, layout ``STATE_NAMES``",
        f"    p : float64[{n_p}]         parameters, layout ``PARAM_NAMES``",
        f"    u : float64[{n_u}]         inputs, layout ``INPUT_NAMES``",
        f"    dydt : float64[{n_s}]      output buffer, overwritten",
        '    """',
        *bodies[0],
        "",
        "",
        "@kernel",
        "def hazards(y, p, u, h):",
        '    """Write the per-follicle hazards [1/day] into ``h`` (layout ``HAZARD_NAMES``).',
        "",
        "    The ODE multiplies each hazard by its source stage; the agent engine draws stochastic",
        f"    events from the same numbers. Shapes as in ``rhs``; ``h`` is float64[{n_h}].",
        '    """',
        *bodies[1],
        "",
        "",
        "@kernel",
        "def observe(y, p, u, out):",
        '    """Write the observables (layout ``OBSERVABLE_NAMES``) of one state into ``out``.',
        "",
        f"    Shapes as in ``rhs``; ``out`` is float64[{n_o}].",
        '    """',
        *bodies[2],
        "",
    ]
    return "\n".join(head)


def _relative(eqs: Equations) -> str:
    path = Path(eqs.equations[0].source.rsplit(":", 1)[0])
    parts = path.parts
    return "/".join(parts[parts.index("follisim"):]) if "follisim" in parts else path.name


# --- plain Python ---------------------------------------------------------------------------
def python_source(model: ModelSpec) -> str:
    """Source of ``rhs(t, y, p, u) -> list`` in plain Python (sequences in kernel layout)."""
    eqs = model.equations
    rates = {e.target: e for e in eqs.of_kind("rate")}
    targets = [rates[s] for s in model.state_names]
    used = _needed(eqs, targets)
    states, params, inputs = _reads(model, used, targets)
    index_s = {s: i for i, s in enumerate(model.state_names)}
    index_p = model.parameters.index
    index_u = {s: i for i, s in enumerate(model.input_names)}
    printer = _PythonPrinter()
    lines = ["def rhs(t, y, p, u):",
             f'    """d/dt of the {model.name} model (generated from its equations)."""']
    lines += [f"    {s} = y[{index_s[s]}]" for s in states]
    lines += [f"    {q} = p[{index_p[q]}]" for q in params]
    lines += [f"    {v} = u[{index_u[v]}]" for v in inputs]
    for e in used:
        lines += _assign("    ", e.name, printer(e.expr))
    lines.append("    return [")
    lines += [f"        {printer(t.expr)}," for t in targets]
    lines.append("    ]")
    return "\n".join(lines) + "\n"


def python_rhs(model: ModelSpec) -> Callable:
    """The plain-Python right-hand side ``rhs(t, y, p, u) -> list`` of ``model``."""
    import math

    from follisim.spec import equations as helpers

    namespace = {"math": math, "pos": helpers.pos, "hill": helpers.hill,
                 "clamp01": helpers.clamp01, "knockdown": helpers.knockdown}
    exec(compile(python_source(model), f"<generated {model.name} rhs>", "exec"),  # noqa: S102
         namespace)
    return namespace["rhs"]


# --- SBML -----------------------------------------------------------------------------------
SBML_FUNCTIONS = {"hill": ("x, K, n", "max(x, 0)^n / (max(x, 0)^n + K^n)")}


def sbml_rules(model: ModelSpec) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Assignment rules ``[(id, formula)]`` in dependency order (signals, hazards and
    observables) and rate rules ``{state: formula}``, in SBML L3 infix."""
    printer = _SbmlPrinter()
    eqs = model.equations
    assignments = [(e.name, printer(e.expr)) for e in eqs.equations
                   if e.kind in ("signal", "hazard")
                   or (e.kind == "observable" and not isinstance(e.expr, ast.Name))]
    rates = {e.target: printer(e.expr) for e in eqs.of_kind("rate")}
    return assignments, rates


# --- LaTeX ----------------------------------------------------------------------------------
def latex_blocks(model: ModelSpec) -> dict[str, str]:
    """Markdown per mechanism group: one display equation and its meaning per quantity."""
    printer = _LatexPrinter()
    eqs = model.equations
    out: dict[str, list[str]] = {g: [] for g in eqs.groups}
    for e in eqs.equations:
        if e.kind == "observable" and isinstance(e.expr, ast.Name):
            continue
        if e.kind == "rate":
            lhs = rf"\frac{{d\,{printer.name(e.target)}}}{{dt}}"
        else:
            lhs = printer.name(e.name)
        label = {"hazard": " (hazard)", "observable": " (observable)"}.get(e.kind, "")
        out[e.group].append(f"$$\n{lhs} = {printer(e.expr)}\n$$\n\n"
                            f"*{e.doc}* [{e.unit}]{label}\n")
    return {f"{model.name}-equations-{g}": "\n".join(lines) for g, lines in out.items()}


# --- kernel file ----------------------------------------------------------------------------
def kernel_path(model: ModelSpec) -> Path:
    return Path(__file__).resolve().parents[1] / "core" / f"{model.name}.py"


def ensure_current(model: ModelSpec) -> bool:
    """Rewrite the model's kernel file when it differs from its equations; True if rewritten.

    A read-only installation keeps its (consistent, tested) file; a stale one is reported.
    """
    path = kernel_path(model)
    text = numba_source(model)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    try:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        print(f"follisim: warning: {path} is stale and cannot be rewritten ({err})",
              file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    import argparse

    from follisim.models import MODELS

    parser = argparse.ArgumentParser(prog="python -m follisim.spec.codegen",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="rat")
    parser.add_argument("--print", dest="what", choices=("numba", "python", "sbml", "latex"))
    args = parser.parse_args(argv)
    model = MODELS[args.model]
    if args.what is None:
        changed = ensure_current(model)
        print(f"{kernel_path(model)}: {'rewritten' if changed else 'current'}")
    elif args.what == "numba":
        print(numba_source(model))
    elif args.what == "python":
        print(python_source(model))
    elif args.what == "sbml":
        assignments, rates = sbml_rules(model)
        for name, (fargs, body) in SBML_FUNCTIONS.items():
            print(f"function {name}({fargs}) = {body}")
        for name, formula in assignments:
            print(f"{name} = {formula}")
        for name, formula in rates.items():
            print(f"d{name}/dt = {formula}")
    else:
        for name, block in latex_blocks(model).items():
            print(f"<!-- {name} -->\n{block}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
