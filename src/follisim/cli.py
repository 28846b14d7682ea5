"""``follisim`` command line: thin wrappers over the Python API.

    follisim run CONFIG.toml -o OUT.nc [--plot OUT.png]
    follisim validate CONFIG.toml
    follisim export-sbml CONFIG.toml -o MODEL.xml [--arm NAME]

Every command validates its input completely and checks every output path before any work
starts, then runs, then writes all its outputs atomically (``docs/inputs.md``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_USAGE = EXIT_BAD_INPUT

EXIT_CODES = f"""\
exit status:
  {EXIT_OK}  success
  {EXIT_FAILED}  a simulation failed numerically (one line on stderr with its status; no file is
     written), an SBML export failed its consistency check, or writing an output failed
  {EXIT_BAD_INPUT}  bad input or usage: one line on stderr naming the file, the key (or option)
     and what is allowed; no traceback and nothing written (docs/inputs.md)
"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"follisim: error: {self.prog.removeprefix('follisim ')}: "
                                  f"{' '.join(message.split())} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    from follisim import __version__

    common = {"epilog": EXIT_CODES, "formatter_class": argparse.RawDescriptionHelpFormatter}
    parser = _Parser(prog="follisim", description=__doc__.splitlines()[0], **common)
    parser.add_argument("--version", action="version", version=f"follisim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a configuration or experiment, write NetCDF",
                         **common)
    run.add_argument("config", type=Path, help="TOML configuration or experiment")
    run.add_argument("-o", "--output", required=True,
                     help="NetCDF file to write (an existing file is replaced atomically)")
    run.add_argument("--plot", help="PNG overview figure to write")
    val = sub.add_parser("validate", help="check a configuration without running it", **common)
    val.add_argument("config", type=Path, help="TOML configuration or experiment")
    exp = sub.add_parser("export-sbml", help="write the model of a configuration as SBML",
                         **common)
    exp.add_argument("config", type=Path, help="TOML configuration or experiment")
    exp.add_argument("-o", "--output", required=True, help="SBML file to write")
    exp.add_argument("--arm", help="experiment arm to export (default: the first)")
    return parser


def _read(path: Path):
    """Validate a run configuration or an experiment file: ``RunConfig`` or ``Experiment``."""
    from follisim.io.config import parse
    from follisim.io.experiment import is_experiment, parse_experiment
    from follisim.io.validate import read_toml

    document, source = read_toml(path)
    return parse_experiment(document, source) if is_experiment(document) else \
        parse(document, source)


def _validate(args) -> int:
    from follisim.io.experiment import Experiment

    spec = _read(args.config)
    if isinstance(spec, Experiment):
        print(f"{spec.source}: valid experiment ({len(spec.arms)} arms: "
              f"{', '.join(a.name for a in spec.arms)}; measured on days "
              f"{', '.join(f'{d:g}' for d in spec.measure_days)})")
    else:
        print(f"{spec.source}: valid ({spec.model.name}, {spec.days:g} days, "
              f"{len(spec.parameters)} parameter overrides, "
              f"{len(spec.protocol.steps)} input steps)")
    return EXIT_OK


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


def _experiment_summary(ds, exp, outputs: list[Path]) -> str:
    from follisim.experiment import at_measurement

    last = at_measurement(ds).isel(time=-1)
    cells = "; ".join(f"{arm}: E2 {float(last.e2.sel(arm=arm)):.1f}, primordial "
                      f"{float(last.primordial.sel(arm=arm)):.0f}"
                      for arm in (str(a) for a in ds.arm.values))
    return (f"{exp.source}: {len(exp.arms)} arms to day {exp.days:g}; day {exp.days:g}: "
            f"{cells} -> " + ", ".join(map(str, outputs)))


def _failed(source: str, statuses: dict[str, int]) -> str | None:
    """One line naming every failed run (arm) and its status, or ``None`` if all succeeded."""
    from follisim.solution import Status

    bad = {name: Status(int(code)) for name, code in statuses.items()
           if int(code) != Status.SUCCESS}
    if not bad:
        return None
    first = next(iter(bad.values()))
    names = ", ".join(f"{name} ({s.name.lower()})" if name else s.name.lower()
                      for name, s in bad.items())
    what = f"arm{'s' if len(bad) > 1 else ''} {names}" if any(bad) else names
    return f"follisim: run failed: {source}: {what}: {first.message}; nothing written"


def _write(writers: list, targets: list[Path]) -> int:
    """Run each ``writer(tmp_path)`` and move all outputs into place together."""
    from follisim.io.outputs import staged

    try:
        with staged(targets) as temps:
            for write, tmp in zip(writers, temps, strict=True):
                write(tmp)
    except OSError as err:
        print(f"follisim: error: cannot write {', '.join(map(str, targets))} "
              f"({err.strerror or err}); nothing written", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _run(args) -> int:
    from follisim.io.experiment import Experiment
    from follisim.io.netcdf import write_netcdf
    from follisim.io.outputs import check_outputs

    spec = _read(args.config)
    outputs = check_outputs({"-o": args.output, "--plot": args.plot}, inputs=[args.config])
    if isinstance(spec, Experiment):
        from follisim.experiment import run_experiment
        from follisim.plotting import plot_arms as plot

        ds = run_experiment(spec)
        statuses = dict(zip(map(str, ds.arm.values), ds.status.values, strict=True))
    else:
        from follisim.plotting import plot_overview as plot
        from follisim.simulate import simulate

        ds = simulate(spec)
        statuses = {"": int(ds.status)}
    failure = _failed(spec.source, statuses)
    if failure:
        print(failure, file=sys.stderr)
        return EXIT_FAILED
    writers = [lambda tmp: write_netcdf(ds, tmp)]
    if "--plot" in outputs:
        writers.append(lambda tmp: plot(ds, tmp))
    code = _write(writers, list(outputs.values()))
    if code == EXIT_OK:
        targets = list(outputs.values())
        print(_experiment_summary(ds, spec, targets) if isinstance(spec, Experiment)
              else _summary(ds, spec, targets))
    return code


def _export_sbml(args) -> int:
    from follisim.io.experiment import Experiment
    from follisim.io.outputs import check_outputs
    from follisim.io.validate import ConfigError
    from follisim.solution import SimulationError

    spec = _read(args.config)
    if isinstance(spec, Experiment):
        names = [a.name for a in spec.arms]
        name = names[0] if args.arm is None else args.arm
        if name not in names:
            raise ConfigError(spec.source, "--arm", f"no arm {name!r}; arms: {', '.join(names)}")
        cfg = next(a.config for a in spec.arms if a.name == name)
    else:
        if args.arm is not None:
            raise ConfigError(spec.source, "--arm", "only applies to experiment files")
        cfg = spec
    outputs = check_outputs({"-o": args.output}, inputs=[args.config])
    try:
        from follisim.sbml import consistency_errors, to_sbml
    except ImportError:
        print("follisim: error: SBML export needs the extra: pip install 'follisim[sbml]'",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        text = to_sbml(cfg)
    except SimulationError as err:
        print(f"follisim: run failed: the day-0 state for the export could not be computed: "
              f"{' '.join(str(err).split())}; nothing written", file=sys.stderr)
        return EXIT_FAILED
    problems = consistency_errors(text)
    code = _write([lambda tmp: Path(tmp).write_text(text)], [outputs["-o"]])
    if code == EXIT_OK:
        print(f"{cfg.source}: SBML L3V2 with {text.count('<species ')} species, "
              f"{len(problems)} consistency errors -> {args.output}")
    return EXIT_FAILED if problems else code


COMMANDS = {"run": _run, "validate": _validate, "export-sbml": _export_sbml}


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:              # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    from follisim.io.validate import ConfigError

    try:
        return COMMANDS[args.command](args)
    except ConfigError as err:
        print(f"follisim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
