"""``follisim`` command line: thin wrappers over the Python API.

    follisim run CONFIG.toml -o OUT.nc [--plot OUT.png] [--params P.toml]
                 [--engine agent --replicates N --seed S]
    follisim validate CONFIG.toml
    follisim export-sbml CONFIG.toml -o MODEL.xml [--arm NAME]
    follisim compare EXPERIMENT.toml [--data FILE.csv ...] -o REPORT_DIR [--animals N] [--seed S]
    follisim calibrate CALIB.toml -o DIR
    follisim datasets list | show NAME
    follisim sweep SWEEP.toml -o OUT.zarr [--samples N] [--dask-local W | --scheduler ADDR]
                                          [--resume]
    follisim sensitivity SENS.toml -o OUT_DIR

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
    run.add_argument("--engine", choices=("ode", "agent"), default="ode",
                     help="ode (mean field, default) or agent (every follicle an agent, "
                          "docs/agents.md)")
    run.add_argument("--replicates", type=int, help="agent engine: replicates (default 100)")
    run.add_argument("--seed", type=int, help="agent engine: run seed (default 0)")
    run.add_argument("--params", type=Path,
                     help="parameter file ([parameters], e.g. from follisim calibrate) whose "
                          "values override the configuration's")
    val = sub.add_parser("validate", help="check a configuration without running it", **common)
    val.add_argument("config", type=Path, help="TOML configuration or experiment")
    exp = sub.add_parser("export-sbml", help="write the model of a configuration as SBML",
                         **common)
    exp.add_argument("config", type=Path, help="TOML configuration or experiment")
    exp.add_argument("-o", "--output", required=True, help="SBML file to write")
    exp.add_argument("--arm", help="experiment arm to export (default: the first)")
    comp = sub.add_parser("compare", help="score a virtual cohort of an experiment against "
                                          "reported outcomes (docs/compare.md)", **common)
    comp.add_argument("experiment", type=Path, help="experiment TOML file")
    comp.add_argument("--data", type=Path, action="append",
                      help="outcome CSV (repeat for several); default: the shipped files that "
                           "fit the experiment's agents")
    comp.add_argument("-o", "--output", required=True,
                      help="report folder: report.csv, report.png, cohort.nc")
    comp.add_argument("--animals", type=int, help="virtual animals per arm (default 200)")
    comp.add_argument("--seed", type=int, help="random seed (default 0)")
    cal = sub.add_parser("calibrate", help="fit parameters to reported outcomes "
                                           "(docs/validation.md)", **common)
    cal.add_argument("config", type=Path, help="calibration TOML file")
    cal.add_argument("-o", "--output", required=True,
                     help="output folder: parameters.toml, fit_report.csv, "
                          "identifiability.csv, fit.png")
    cal.add_argument("--evaluate", action="store_true",
                     help="score the training and held-out rows at the current parameter "
                          "values; fit nothing")
    data = sub.add_parser("datasets", help="list or show the shipped reported-outcome files",
                          **common)
    data_sub = data.add_subparsers(dest="datasets_command", required=True)
    data_sub.add_parser("list", help="every shipped file with its rows and schema")
    show = data_sub.add_parser("show", help="a file's provenance and rows")
    show.add_argument("name", help="file name (with or without .csv)")
    sw = sub.add_parser("sweep", help="run a parameter sweep into a Zarr store (docs/sweeps.md)",
                        **common)
    sw.add_argument("config", type=Path, help="sweep file (TOML)")
    sw.add_argument("-o", "--output", type=Path, required=True, help="Zarr store to write")
    sw.add_argument("--samples", type=int, help="number of samples (LHS/Sobol designs)")
    _backend_args(sw)
    sw.add_argument("--resume", action="store_true",
                    help="finish an interrupted sweep in OUT.zarr (same sweep file only)")
    se = sub.add_parser("sensitivity", help="Sobol and Morris sensitivity indices (SALib)",
                        **common)
    se.add_argument("config", type=Path, help="sensitivity file (TOML)")
    se.add_argument("-o", "--output", type=Path, required=True,
                    help="folder for the tables, figure and sample stores")
    _backend_args(se)
    se.add_argument("--resume", action="store_true",
                    help="finish interrupted sample stores in OUT_DIR")
    return parser


def _read(path: Path, params: Path | None = None):
    """Validate a run configuration or an experiment file: ``RunConfig`` or ``Experiment``.

    ``params``: a parameter file (``[parameters]``, as ``follisim calibrate`` writes) whose
    values override the file's own; checked first, its errors name it.
    """
    from follisim.io.config import parse
    from follisim.io.experiment import is_experiment, parse_experiment
    from follisim.io.validate import read_toml

    document, source = read_toml(path)
    experiment = is_experiment(document)
    if params is not None:
        document = {**document, "parameters": {**document.get("parameters", {}),
                                                **_parameter_file(params, experiment)}}
    return parse_experiment(document, source) if experiment else parse(document, source)


def _parameter_file(path: Path, experiment: bool) -> dict:
    """The validated ``[parameters]`` of a parameter file (model parameters; for experiments
    also intervention parameters)."""
    from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
    from follisim.io.config import parameters_table
    from follisim.io.validate import ConfigError, document, read_toml
    from follisim.models import RAT

    doc, source = read_toml(path)
    table = document(source, doc, ("parameters", "description")).mapping("parameters")
    if not experiment:
        for name in table:
            if name in INTERVENTION_PARAMETERS.index:
                raise ConfigError(source, f"parameters.{name}", "is an intervention parameter;"
                                  " it applies to experiments only")
    return parameters_table(source, RAT, table,
                            extra=INTERVENTION_PARAMETERS if experiment else None)


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
    from follisim.cycles import describe

    return describe(ds) + "; "


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


def _engine_options(args) -> dict:
    """``simulate`` keywords for ``--engine``/``--replicates``/``--seed`` (empty for the ODE)."""
    from follisim.io.validate import ConfigError

    given = {k: v for k in ("replicates", "seed") if (v := getattr(args, k, None)) is not None}
    if getattr(args, "engine", "ode") == "ode":
        if given:
            raise ConfigError("command line", f"--{next(iter(given))}",
                              "only applies with --engine agent")
        return {}
    if "replicates" in given and not 1 <= given["replicates"] <= 100_000:
        raise ConfigError("command line", "--replicates",
                          f"must be a whole number in [1, 100000], got {given['replicates']}")
    if "seed" in given and not 0 <= given["seed"] < 2**63:
        raise ConfigError("command line", "--seed", f"must be in [0, 2^63), got {given['seed']}")
    return {"engine": "agent", **given}


def _run(args) -> int:
    from follisim.io.experiment import Experiment
    from follisim.io.netcdf import write_netcdf
    from follisim.io.outputs import check_outputs

    spec = _read(args.config, args.params)
    options = _engine_options(args)
    inputs = [args.config] + ([args.params] if args.params else [])
    outputs = check_outputs({"-o": args.output, "--plot": args.plot}, inputs=inputs)
    if isinstance(spec, Experiment):
        from follisim.experiment import run_experiment
        from follisim.plotting import plot_arms as plot

        ds = run_experiment(spec, **options)
        reference = (lambda: run_experiment(spec)) if options else None
        statuses = dict(zip(map(str, ds.arm.values), np.atleast_1d(
            ds.status.values.reshape(ds.sizes["arm"], -1).max(axis=1)), strict=True))
    else:
        from follisim.plotting import plot_overview as plot
        from follisim.simulate import simulate

        ds = simulate(spec, **options)
        reference = (lambda: simulate(spec)) if options else None
        statuses = {"": int(np.max(ds.status.values))}
    failure = _failed(spec.source, statuses)
    if failure:
        print(failure, file=sys.stderr)
        return EXIT_FAILED
    if options:
        from follisim.agents.dataset import compress
        from follisim.agents.plot import plot_replicates
        from follisim.agents.summary import summary_line

        writers = [lambda tmp: write_netcdf(compress(ds), tmp)]
        if "--plot" in outputs:
            writers.append(lambda tmp: plot_replicates(ds, tmp, reference=reference()))
    else:
        writers = [lambda tmp: write_netcdf(ds, tmp)]
        if "--plot" in outputs:
            writers.append(lambda tmp: plot(ds, tmp))
    code = _write(writers, list(outputs.values()))
    if code == EXIT_OK:
        targets = list(outputs.values())
        if options:
            print(summary_line(ds, spec.source, targets))
        elif isinstance(spec, Experiment):
            print(_experiment_summary(ds, spec, targets))
        else:
            print(_summary(ds, spec, targets))
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
    code = _write([lambda tmp: Path(tmp).write_text(text, encoding="utf-8")], [outputs["-o"]])
    if code == EXIT_OK:
        print(f"{cfg.source}: SBML L3V2 with {text.count('<species ')} species, "
              f"{len(problems)} consistency errors -> {args.output}")
    return EXIT_FAILED if problems else code


def _compare(args) -> int:
    from follisim.compare import compare, settings, shipped_data_for
    from follisim.datasets.schema import check_outcomes
    from follisim.io.experiment import Experiment
    from follisim.io.outputs import check_outputs
    from follisim.io.validate import ConfigError

    spec = _read(args.experiment)
    if not isinstance(spec, Experiment):
        raise ConfigError(spec.source, "", "is a run configuration; compare needs an experiment "
                                           "with arms (docs/compare.md)")
    setup = settings(spec, args.animals, args.seed)
    paths = list(args.data) if args.data else list(shipped_data_for(spec, setup))
    tables = [check_outcomes(p) for p in paths]
    if not tables:
        raise ConfigError(spec.source, "--data", "no shipped outcome file fits this experiment's "
                                                 "agents; give one or more --data files")
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(str(folder), "-o", "is a file; give a folder for the report")
    names = ("report.csv", "report.png", "cohort.nc")
    outputs = check_outputs({f"-o ({n})": folder / n for n in names},
                            inputs=[args.experiment, *paths])
    result = compare(spec, tables, animals=setup.animals, seed=setup.seed)
    from follisim.compare.report import forest_plot
    from follisim.io.netcdf import write_netcdf

    title = f"{Path(spec.source).parent.name}: {setup.animals} animals per arm, seed {setup.seed}"
    writers = [lambda tmp: Path(tmp).write_text(result.csv(), encoding="utf-8"),
               lambda tmp: forest_plot(result.rows, tmp, title=title),
               lambda tmp: write_netcdf(result.cohort.to_dataset(), tmp)]
    code = _write(writers, list(outputs.values()))
    if code == EXIT_OK:
        print(f"{spec.source}: {setup.animals} virtual animals per arm (seed {setup.seed}) "
              f"against {', '.join(t.source for t in tables)}")
        print(result.summary())
        print("-> " + ", ".join(map(str, outputs.values())))
    return code


def _calibrate(args) -> int:
    from follisim.calibrate import calibrate, evaluate, load
    from follisim.io.outputs import check_outputs
    from follisim.io.validate import ConfigError

    spec = load(args.config)
    _read(spec.experiment)                       # the experiment is valid before any work
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(str(folder), "-o", "is a file; give a folder for the results")
    names = ("parameters.toml", "fit_report.csv", "identifiability.csv", "fit.png")
    outputs = check_outputs({f"-o ({n})": folder / n for n in names},
                            inputs=[args.config, spec.experiment])
    result = evaluate(spec) if args.evaluate else calibrate(spec)
    writers = [lambda tmp: Path(tmp).write_text(result.parameters_toml(), encoding="utf-8"),
               lambda tmp: Path(tmp).write_text(result.report_csv(), encoding="utf-8"),
               lambda tmp: Path(tmp).write_text(result.identifiability_csv(), encoding="utf-8"),
               lambda tmp: result.figure(tmp)]
    code = _write(writers, list(outputs.values()))
    if code == EXIT_OK:
        print(result.summary())
        print("-> " + ", ".join(map(str, outputs.values())))
    return code


def _datasets(args) -> int:
    from follisim import datasets
    from follisim.io.validate import ConfigError, did_you_mean

    names = datasets.names()
    if args.datasets_command == "list":
        for name in names:
            lines = datasets.provenance(name)
            about = next(iter(lines), "")
            what = about.split("|")[3].strip() if about.count("|") >= 4 else \
                " ".join(line for line in lines[1:3] if not line.startswith("#"))
            print(f"{name:<26} {len(datasets.rows(name)):>4} rows  {datasets.schema_of(name):<16}"
                  f" {what[:100]}")
        return EXIT_OK
    name = args.name.removesuffix(".csv")
    if name not in names:
        raise ConfigError(args.name, "", f"is not a shipped dataset; {did_you_mean(name, names)}")
    print(f"{name}.csv ({datasets.schema_of(name)}, {len(datasets.rows(name))} rows)")
    print("\n".join(datasets.provenance(name)))
    rows = datasets.rows(name)
    keys = [k for k in ("study_id", "meta_id", "protocol_id", "source", "group", "arm",
                        "endpoint", "effect_kind", "mean", "estimate", "ci_low", "ci_high",
                        "spread", "spread_kind", "n", "unit") if k in rows[0]]
    print("\n" + " | ".join(keys))
    for r in rows:
        print(" | ".join(str(r[k])[:40] for k in keys))
    return EXIT_OK


def _backend_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--dask-local", type=int, metavar="W",
                       help="run on a Dask LocalCluster of W worker processes (127.0.0.1)")
    group.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster")


def _backend(args, source: str):
    from follisim.io.config import ConfigError
    from follisim.sweep import DaskBackend, LocalBackend

    if args.scheduler is not None:
        if not args.scheduler.startswith(("tcp://", "tls://", "inproc://")) or \
                ":" not in args.scheduler.split("://", 1)[1]:
            raise ConfigError(source, "--scheduler", f"must be an address like "
                                                     f"tcp://HOST:PORT, got {args.scheduler!r}")
        return DaskBackend(address=args.scheduler)
    if args.dask_local is not None:
        if not 1 <= args.dask_local <= 1024:
            raise ConfigError(source, "--dask-local", f"must be a number of workers in "
                                                      f"[1, 1024], got {args.dask_local}")
        return DaskBackend(n_workers=args.dask_local)
    return LocalBackend()


def _sweep(args) -> int:
    from follisim.sweep import load_sweep, run_sweep

    spec = load_sweep(args.config, args.samples)
    backend = _backend(args, spec.source)
    r = run_sweep(spec, args.output, resume=args.resume, backend=backend)
    print(f"{spec.source}: {r.samples} samples x {r.arms} arm(s), {r.chunks_run} of "
          f"{r.chunks_total} chunks run ({r.chunks_total - r.chunks_run} already done), "
          f"{r.n_failed} failed runs -> {r.path}")
    return EXIT_OK


def _sensitivity(args) -> int:
    from follisim.sweep.sensitivity import run_sensitivity
    from follisim.sweep.spec import load_sensitivity

    spec = load_sensitivity(args.config)
    backend = _backend(args, spec.sweep.source)
    if args.output.exists() and not args.output.is_dir():
        from follisim.io.config import ConfigError

        raise ConfigError(str(args.output), "", "exists and is not a folder")
    written = run_sensitivity(spec, args.output, backend=backend, resume=args.resume)
    print(f"{spec.sweep.source}: {len(spec.sweep.factors)} parameters, methods "
          f"{', '.join(spec.methods)} -> " + ", ".join(map(str, written)))
    return EXIT_OK


COMMANDS = {"run": _run, "validate": _validate, "export-sbml": _export_sbml,
            "compare": _compare, "calibrate": _calibrate, "datasets": _datasets,
            "sweep": _sweep, "sensitivity": _sensitivity}


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
