"""Shared body of every ``experiments/<name>/figure.py``: run, save NetCDF and two figures."""

from __future__ import annotations

import argparse
from pathlib import Path


def main(experiment_dir: str | Path, argv: list[str] | None = None) -> int:
    from follisim.experiment import run_experiment
    from follisim.io.netcdf import write_atomic
    from follisim.plotting import plot_arms, plot_measurements

    experiment_dir = Path(experiment_dir)
    name = experiment_dir.name
    ap = argparse.ArgumentParser(description=f"Run {name} and draw its figures.")
    ap.add_argument("--out", type=Path, default=Path("results") / name)
    args = ap.parse_args(argv)
    ds = run_experiment(experiment_dir / "experiment.toml")
    nc = write_atomic(ds, args.out / f"{name}.nc")
    plot_arms(ds, args.out / f"{name}_arms.png")
    plot_measurements(ds, args.out / f"{name}_endpoints.png")
    print(f"{name}: {ds.sizes['arm']} arms, {ds.attrs['n_failed']} failed -> {nc}, "
          f"{args.out / (name + '_arms.png')}, {args.out / (name + '_endpoints.png')}")
    return 0
