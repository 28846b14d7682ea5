"""Markdown generated from the registry and the equations (``docs/model.md`` embeds it).

``python -m follisim.spec.docs`` rewrites the generated blocks in ``docs/model.md`` and
``docs/interventions.md``; a test
fails when the file is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from follisim.spec import ModelSpec, ParameterSpace

BEGIN = "<!-- BEGIN GENERATED: {name} -->"
END = "<!-- END GENERATED: {name} -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_table(space: ParameterSpace) -> str:
    """One row per parameter: name, default, unit, bounds, scale, source, meaning."""
    lines = ["| parameter | default | unit | bounds | scale | source | meaning (and basis) |",
             "|---|---|---|---|---|---|---|"]
    for p in space.parameters:
        basis = f" — {p.reference}" if p.reference else ""
        lines.append(f"| `{p.name}` | {p.default:g} | {_cell(p.unit)} | "
                     f"[{p.bounds[0]:g}, {p.bounds[1]:g}] | {p.scale} | {_cell(p.source)} | "
                     f"{_cell(p.description + basis)} |")
    return "\n".join(lines)


def variable_table(model: ModelSpec) -> str:
    """States, inputs and observables with units."""
    lines = ["| kind | name | unit | meaning |", "|---|---|---|---|"]
    for kind, variables in (("state", model.states), ("input", model.inputs),
                            ("observable", model.observables)):
        for v in variables:
            lines.append(f"| {kind} | `{v.name}` | {_cell(v.unit)} | {_cell(v.long_name)} |")
    return "\n".join(lines)


def blocks(model: ModelSpec) -> dict[str, str]:
    out = {f"{model.name}-parameters": parameter_table(model.parameters),
           f"{model.name}-variables": variable_table(model)}
    if model.equations is not None:
        from follisim.spec.codegen import latex_blocks

        out.update(latex_blocks(model))
    return out


def intervention_blocks() -> dict[str, str]:
    from follisim.interventions import AGENTS, MIRNAS, PARAMETERS

    agents = ["| agent | kind | dose units | routes (-> compartment) | what |",
              "|---|---|---|---|---|"]
    for a in AGENTS.values():
        routes = ", ".join(f"{r} -> {site}" for r, site in a.routes.items())
        agents.append(f"| `{a.name}` | {a.kind} | {', '.join(a.units)} | {routes} | "
                      f"{_cell(a.description)} |")
    mirnas = ["| miRNA | targets (kd copies, Hill) | evidence |", "|---|---|---|"]
    for m in MIRNAS.values():
        targets = ", ".join(f"{t.gene} ({t.kd:g}, {t.hill:g})" for t in m.targets)
        mirnas.append(f"| `{m.name}` | {targets} | {_cell(m.reference)} |")
    return {"interventions-parameters": parameter_table(PARAMETERS),
            "interventions-agents": "\n".join(agents),
            "interventions-mirnas": "\n".join(mirnas)}


def compare_blocks() -> dict[str, str]:
    """The endpoint vocabulary and the cohort variability registry of ``follisim compare``."""
    from follisim.compare.settings import VARIABILITY
    from follisim.compare.vocabulary import ENDPOINTS

    vocab = ["| endpoint | model variables | observation model | compared as | meaning, or why "
             "unsupported |", "|---|---|---|---|---|"]
    for e in ENDPOINTS.values():
        variables = " + ".join(f"`{v}`" for v in e.variables) or "–"
        if not e.supported:
            how, what = "unsupported", e.reason
        else:
            how = {"regular": "fraction regular", "diestrus": "fraction in persistent diestrus",
                   "cycle_length": "days"}.get(e.quantity, "ratio to control")
            what = e.description
        vocab.append(f"| `{e.name}` | {variables} | {e.observation or '–'} | {how} | "
                     f"{_cell(what)} |")
    return {"compare-vocabulary": "\n".join(vocab),
            "compare-variability": parameter_table(VARIABILITY)}


def render(text: str, model: ModelSpec | None | str) -> str:
    """Replace every generated block (of ``model``, of the interventions, or of ``compare``)."""
    if model == "compare":
        generated = compare_blocks()
    else:
        generated = blocks(model) if model is not None else intervention_blocks()
    return replace_blocks(text, generated)


def replace_blocks(text: str, generated: dict[str, str]) -> str:
    """``text`` with the body of every ``BEGIN/END GENERATED: name`` block replaced."""
    for name, body in generated.items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"docs lack the block {begin!r}")
        text = pattern.sub(lambda _m, b=begin, e=end, body=body: f"{b}\n{body}\n{e}", text)
    return text


def main(folder: str = "docs") -> int:
    from follisim.models import RAT

    for name, model in (("model.md", RAT), ("interventions.md", None),
                        ("compare.md", "compare")):
        target = Path(folder) / name
        target.write_text(render(target.read_text(encoding="utf-8"), model), encoding="utf-8")
        print(f"updated {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
