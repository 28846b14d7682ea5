"""``follisim`` command line: thin wrappers over the Python API.

    follisim run CONFIG.toml -o OUT.nc [--plot OUT.png]
    follisim run CONFIG.toml --engine agent [--replicates N] [--seed S] -o OUT.nc [--plot P.png]
    follisim validate CONFIG.toml

Configuration problems print one line naming the file, key and what is allowed, and exit with
status 2 without writing anything. A run that does not succeed exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    from follisim import __version__

    parser = argparse.ArgumentParser(prog="follisim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"follisim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a configuration and write NetCDF")
    run.add_argument("config", type=Path, help="TOML configuration")
    run.add_argument("-o", "--output", type=Path, required=True, help="NetCDF file to write")
    run.add_argument("--plot", type=Path, help="PNG overview figure to write")
    run.add_argument("--engine", choices=("ode", "agent"), default="ode",
                     help="ode (mean field, default) or agent (every follicle an agent)")
    run.add_argument("--replicates", type=int, help="agent engine: replicates (default 100)")
    run.add_argument("--seed", type=int, help="agent engine: run seed (default 0)")
    val = sub.add_parser("validate", help="check a configuration without running it")
    val.add_argument("config", type=Path, help="TOML configuration")
    exp = sub.add_parser("export-sbml", help="write the model of a configuration as SBML")
    exp.add_argument("config", type=Path, help="TOML configuration or experiment")
    exp.add_argument("-o", "--output", type=Path, required=True, help="SBML file to write")
    exp.add_argument("--arm", help="experiment arm to export (default: the first)")
    return parser


def _cycles(ds) -> str:
    if "cycle_length" not in ds:
        return ""
    lengths = ds.cycle_length.values
    lengths = lengths[np.isfinite(lengths)]
    if lengths.size == 0:
        return "no estrous cycle; "
    return (f"{lengths.size} cycles of {lengths.min():.2f}-{lengths.max():.2f} days, "
            f"{float(np.mean(ds.ova.values[:lengths.size])):.1f} ova each; ")


def _summary(ds, cfg, outputs: list[Path]) -> str:
    last = ds.isel(time=-1)
    return (f"{cfg.source}: {cfg.model.name}, {cfg.days:g} days, {ds.attrs['status']} "
            f"({int(ds.n_steps)} steps); {_cycles(ds)}day {float(last.time):g}: "
            f"primordial {float(last.primordial):.0f}, "
            f"growing {float(last.growing_follicles):.0f}, "
            f"E2 {float(last.e2):.1f} pg/mL, FSH {float(last.fsh):.2f}, AMH {float(last.amh):.1f} "
            f"ng/L, vessel density {float(last.vessel_density):.3f} -> "
            + ", ".join(map(str, outputs)))


def _check_targets(args) -> None:
    from follisim.io.config import ConfigError

    for target in filter(None, (getattr(args, "output", None), getattr(args, "plot", None))):
        if target.is_dir():
            raise ConfigError(str(target), "", "is a directory; give a file name")


def _engine_options(args) -> dict:
    """``simulate`` keywords for ``--engine``/``--replicates``/``--seed`` (empty for the ODE)."""
    from follisim.io.config import ConfigError

    given = {k: v for k in ("replicates", "seed") if (v := getattr(args, k, None)) is not None}
    if getattr(args, "engine", "ode") == "ode":
        if given:
            raise ConfigError("command line", f"--{next(iter(given))}",
                              "only applies with --engine agent")
        return {}
    return {"engine": "agent", **given}


def _write_agents(ds, args, reference) -> list[Path]:
    """Write an agent-engine result (compressed) and its replicate-band figure."""
    from follisim.agents.dataset import compress
    from follisim.io.netcdf import write_atomic

    outputs = [write_atomic(compress(ds), args.output)]
    if args.plot:
        from follisim.agents.plot import plot_replicates

        plot_replicates(ds, args.plot, reference=reference())
        outputs.append(args.plot)
    return outputs


def _run_experiment(args, exp) -> int:
    """Validate or run every arm of an experiment."""
    if args.command == "validate":
        print(f"{exp.source}: valid experiment ({len(exp.arms)} arms: "
              f"{', '.join(a.name for a in exp.arms)}; measured on days "
              f"{', '.join(f'{d:g}' for d in exp.measure_days)})")
        return EXIT_OK
    _check_targets(args)
    from follisim.experiment import at_measurement, run_experiment
    from follisim.io.netcdf import write_atomic

    options = _engine_options(args)
    ds = run_experiment(exp, **options)
    if options:
        from follisim.agents.summary import summary_line

        outputs = _write_agents(ds, args, lambda: run_experiment(exp))
        print(summary_line(ds, exp.source, outputs))
        return EXIT_FAILED if ds.attrs["n_failed"] else EXIT_OK
    outputs = [write_atomic(ds, args.output)]
    if args.plot:
        from follisim.plotting import plot_arms

        plot_arms(ds, args.plot)
        outputs.append(args.plot)
    last = at_measurement(ds).isel(time=-1)
    cells = "; ".join(f"{arm}: E2 {float(last.e2.sel(arm=arm)):.1f}, primordial "
                      f"{float(last.primordial.sel(arm=arm)):.0f}" for arm in _arm_names(ds))
    print(f"{exp.source}: {len(exp.arms)} arms to day {exp.days:g}, "
          f"{ds.attrs['n_failed']} failed; day {exp.days:g}: {cells} -> "
          + ", ".join(map(str, outputs)))
    return EXIT_FAILED if ds.attrs["n_failed"] else EXIT_OK


def _export_sbml(args, document, source) -> int:
    from follisim.io.config import ConfigError, parse
    from follisim.io.experiment import is_experiment, parse_experiment

    _check_targets(args)
    if is_experiment(document):
        exp = parse_experiment(document, source)
        names = [a.name for a in exp.arms]
        name = args.arm or names[0]
        if name not in names:
            raise ConfigError(source, "--arm", f"no arm {name!r}; arms: {', '.join(names)}")
        cfg = next(a.config for a in exp.arms if a.name == name)
    else:
        if args.arm:
            raise ConfigError(source, "--arm", "only applies to experiment files")
        cfg = parse(document, source)
    try:
        from follisim.sbml import consistency_errors, to_sbml
    except ImportError:
        print("follisim: error: SBML export needs the extra: pip install 'follisim[sbml]'",
              file=sys.stderr)
        return EXIT_USAGE
    text = to_sbml(cfg)
    problems = consistency_errors(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(f".{args.output.name}.tmp")
    tmp.write_text(text)
    tmp.replace(args.output)
    print(f"{source}: SBML L3V2 with {text.count('<species ')} species, "
          f"{len(problems)} consistency errors -> {args.output}")
    return EXIT_FAILED if problems else EXIT_OK


def _arm_names(ds) -> list[str]:
    return [str(a) for a in ds.arm.values]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from follisim.io.config import ConfigError, parse, read_toml
    from follisim.io.experiment import is_experiment, parse_experiment

    try:
        document, source = read_toml(args.config)
        if args.command == "export-sbml":
            return _export_sbml(args, document, source)
        if is_experiment(document):
            return _run_experiment(args, parse_experiment(document, source))
        cfg = parse(document, source)
        if args.command == "validate":
            print(f"{cfg.source}: valid ({cfg.model.name}, {cfg.days:g} days, "
                  f"{len(cfg.parameters)} parameter overrides, "
                  f"{len(cfg.protocol.steps)} input steps)")
            return EXIT_OK
        _check_targets(args)
        from follisim.io.netcdf import write_atomic
        from follisim.simulate import simulate

        options = _engine_options(args)
        ds = simulate(cfg, **options)
    except ConfigError as err:
        print(f"follisim: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if options:
        from follisim.agents.summary import summary_line

        print(summary_line(ds, cfg.source, _write_agents(ds, args, lambda: simulate(cfg))))
        return EXIT_FAILED if ds.attrs["n_failed"] else EXIT_OK
    outputs = [write_atomic(ds, args.output)]
    if args.plot:
        from follisim.plotting import plot_overview

        plot_overview(ds, args.plot)
        outputs.append(args.plot)
    print(_summary(ds, cfg, outputs))
    if ds.attrs["status"] != "success":
        print(f"follisim: run failed: {ds.attrs['status_message']}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
