"""``follisim`` command line: thin wrappers over the Python API.

    follisim run CONFIG.toml -o OUT.nc [--plot OUT.png]
    follisim validate CONFIG.toml

Configuration problems print one line naming the file, key and what is allowed, and exit with
status 2 without writing anything. A run that does not succeed exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    val = sub.add_parser("validate", help="check a configuration without running it")
    val.add_argument("config", type=Path, help="TOML configuration")
    return parser


def _summary(ds, cfg, outputs: list[Path]) -> str:
    last = ds.isel(time=-1)
    return (f"{cfg.source}: {cfg.model.name}, {cfg.days:g} days, {ds.attrs['status']} "
            f"({int(ds.n_steps)} steps); day {float(last.time):g}: "
            f"primordial {float(last.primordial):.0f}, "
            f"growing {float(last.growing_follicles):.0f}, "
            f"E2 {float(last.e2):.1f} pg/mL, FSH {float(last.fsh):.2f}, AMH {float(last.amh):.1f} "
            f"ng/L, vessel density {float(last.vessel_density):.3f} -> "
            + ", ".join(map(str, outputs)))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from follisim.io.config import ConfigError, load

    try:
        cfg = load(args.config)
        if args.command == "validate":
            print(f"{cfg.source}: valid ({cfg.model.name}, {cfg.days:g} days, "
                  f"{len(cfg.parameters)} parameter overrides, "
                  f"{len(cfg.protocol.steps)} input steps)")
            return EXIT_OK
        for target in filter(None, (args.output, args.plot)):
            if target.is_dir():
                raise ConfigError(str(target), "", "is a directory; give a file name")
        from follisim.io.netcdf import write_atomic
        from follisim.simulate import simulate

        ds = simulate(cfg)
    except ConfigError as err:
        print(f"follisim: error: {err}", file=sys.stderr)
        return EXIT_USAGE
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
