"""Regenerate ``docs/sensitivity.md`` (tables, summary) and its figure in one command.

    python -m follisim.sweep.report configs/sensitivity.toml -o results/sensitivity
        [--doc docs/sensitivity.md] [--figure docs/figures/sensitivity_hucmsc.png]

Runs ``follisim sensitivity`` (finished sample stores in the output folder are reused), then
rewrites the part of the document between the ``generated`` markers from the CSV tables and
copies the heat map. The text outside the markers explains the method and does not depend on
the numbers.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path

from follisim.io.config import ConfigError

START, END = "<!-- generated:start -->", "<!-- generated:end -->"
TOP = 6


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _f(x: str, digits: int = 2) -> str:
    v = float(x)
    return "nan" if v != v else f"{v:.{digits}f}"


def _factors(spec) -> str:
    """What varies: how many parameters of each kind, over which range."""
    factors = spec.sweep.factors
    spread = spec.sweep.document.get("sensitivity", {}).get("spread", 1.5)
    given = spec.sweep.document.get("parameters", {})
    kinds = [f"{sum(f.kind == k for f in factors)} {k}" for k in ("model", "intervention")
             if any(f.kind == k for f in factors)]
    extra = [f"`{f.name}`" for f in factors if f.kind != "model"]
    own = [f"`{n}`" for n, t in given.items() if t]
    return (f"{len(factors)} parameters ({', '.join(kinds)}"
            + (f": {', '.join(extra)}" if extra else "") + f"), each from default/{spread:g} "
            f"to default×{spread:g} on a log scale (clipped to its registry bounds)"
            + (f", except the ranges the file gives for {', '.join(own)}" if own else ""))


def generated(spec, out_dir: Path, figure_rel: str) -> str:
    """The generated Markdown: setup, figure, per-output tables and a ranked summary."""
    sweep = spec.sweep
    sobol = _read(out_dir / "sobol.csv") if (out_dir / "sobol.csv").exists() else []
    morris = _read(out_dir / "morris.csv") if (out_dir / "morris.csv").exists() else []
    by_out: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for r in sobol:
        by_out[(r["output"], r["day"])].setdefault(r["parameter"], {}).update(sobol=r)
    for r in morris:
        by_out[(r["output"], r["day"])].setdefault(r["parameter"], {}).update(morris=r)
    n_sobol = sobol[0]["n_used"] if sobol else "0"
    lines = [
        f"Base: `{sweep.base_source}` (config SHA-256 `{sweep.base_sha256[:12]}`); "
        + (f"effect = `{spec.contrast[0]}` − `{spec.contrast[1]}`" if spec.contrast else
           "per arm") + f" at day(s) {', '.join(f'{d:g}' for d in spec.days)} "
        f"(mean over the {sweep.experiment.measure_window:g}-day window before the day). "
        f"{_factors(spec)}. "
        f"Sobol': {n_sobol} base samples × ({len(sweep.factors)} + 2) = "
        f"{int(n_sobol) * (len(sweep.factors) + 2)} samples per arm; Morris: "
        f"{spec.morris_trajectories} trajectories, {spec.morris_levels} levels. Seed "
        f"{sweep.seed}. Failed samples: "
        + ", ".join(sorted({f"{r['n_dropped']} Sobol' blocks" for r in sobol}
                           | {f"{r['n_dropped']} Morris trajectories" for r in morris}))
        + ".",
        "",
        f"![Sensitivity heat map]({figure_rel})",
        "",
    ]
    summary = []
    for (output, day), params in by_out.items():
        def st(p, params=params):
            s = params[p].get("sobol")
            return float(s["ST"]) if s else float("nan")

        ranked = sorted(params, key=lambda p: -st(p) if st(p) == st(p) else 0.0)
        lines += [f"### {output}, day {float(day):g}", "",
                  "| parameter | S1 (95 % CI) | ST (95 % CI) | Morris μ* (95 % CI) | Morris σ |",
                  "|---|---|---|---|---|"]
        for p in ranked[:TOP]:
            s, m = params[p].get("sobol"), params[p].get("morris")
            lines.append(
                f"| `{p}` | "
                + (f"{_f(s['S1'])} ± {_f(s['S1_conf'])} | {_f(s['ST'])} ± {_f(s['ST_conf'])} |"
                   if s else "– | – |")
                + (f" {float(m['mu_star']):.3g} ± {float(m['mu_star_conf']):.2g} | "
                   f"{float(m['sigma']):.3g} |" if m else " – | – |"))
        lines.append("")
        decisive = [p for p in ranked if params[p].get("sobol")
                    and float(params[p]["sobol"]["ST"]) - float(params[p]["sobol"]["ST_conf"])
                    > 0.05]
        summary.append(f"- **{output}**: " + (", ".join(f"`{p}` (ST {st(p):.2f})"
                                                        for p in decisive)
                                               or "no parameter with ST clearly above 0.05"))
    return "\n".join(["## Results (generated)", "", *lines,
                      "### Which parameters decide the effect",
                      "",
                      "Parameters whose total index exceeds 0.05 beyond its 95 % interval, "
                      "largest first:", "", *summary, ""])


def write_doc(doc: Path, text: str) -> None:
    old = doc.read_text(encoding="utf-8")
    if START not in old or END not in old:
        raise ConfigError(str(doc), "", f"needs the markers {START} and {END}")
    head, rest = old.split(START, 1)
    _, tail = rest.split(END, 1)
    tmp = doc.with_name(f".{doc.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    tmp.replace(doc)


def main(argv: list[str] | None = None) -> int:
    from follisim.sweep.sensitivity import run_sensitivity
    from follisim.sweep.spec import load_sensitivity

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--doc", type=Path, default=Path("docs/sensitivity.md"))
    ap.add_argument("--figure", type=Path, default=Path("docs/figures/sensitivity_hucmsc.png"))
    args = ap.parse_args(argv)
    try:
        spec = load_sensitivity(args.config)
        if not args.doc.exists():
            raise ConfigError(str(args.doc), "", "file not found")
        run_sensitivity(spec, args.output)
    except ConfigError as err:
        print(f"follisim: error: {err}", file=sys.stderr)
        return 2
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.output / "sensitivity.png", args.figure)
    rel = os.path.relpath(args.figure, args.doc.parent)
    write_doc(args.doc, generated(spec, args.output, rel))
    print(f"{spec.sweep.source}: -> {args.doc}, {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
