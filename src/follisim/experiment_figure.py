"""Shared body of every ``experiments/<name>/figure.py``: run, save NetCDF and two figures.

Same contract as the ``follisim`` command (``docs/inputs.md``): the experiment is validated and
the three output paths checked before the run; a bad input or path gives one line and status 2;
all three files are written together, or none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(experiment_dir: str | Path, argv: list[str] | None = None) -> int:
    from follisim.experiment import run_experiment
    from follisim.io.experiment import load_experiment
    from follisim.io.netcdf import write_netcdf
    from follisim.io.outputs import check_outputs, staged
    from follisim.io.validate import ConfigError
    from follisim.plotting import plot_arms, plot_measurements

    experiment_dir = Path(experiment_dir)
    name = experiment_dir.name
    ap = argparse.ArgumentParser(description=f"Run {name} and draw its figures.")
    ap.add_argument("--out", type=Path, default=Path("results") / name)
    args = ap.parse_args(argv)
    source = experiment_dir / "experiment.toml"
    targets = {"--out (NetCDF)": args.out / f"{name}.nc",
               "--out (arms figure)": args.out / f"{name}_arms.png",
               "--out (endpoints figure)": args.out / f"{name}_endpoints.png"}
    try:
        exp = load_experiment(source)
        paths = list(check_outputs(targets, inputs=[source]).values())
    except ConfigError as err:
        print(f"{name}: error: {err}", file=sys.stderr)
        return 2
    ds = run_experiment(exp)
    with staged(paths) as (nc, arms, endpoints):
        write_netcdf(ds, nc)
        plot_arms(ds, arms)
        plot_measurements(ds, endpoints)
    print(f"{name}: {ds.sizes['arm']} arms, {ds.attrs['n_failed']} failed -> "
          + ", ".join(map(str, paths)))
    return 0
