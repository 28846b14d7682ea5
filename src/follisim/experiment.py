"""Run every arm of an experiment into one Dataset with dims ``(arm, time)``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.io.experiment import (
    Experiment,
    doses_json,
    load_experiment,
    parse_experiment,
)
from follisim.simulate import simulate


def run_experiment(experiment: Experiment | Mapping[str, Any] | str | Path, *,
                   engine: str = "ode", **engine_options: Any) -> xr.Dataset:
    """Simulate every arm; the run ends at the last measurement day.

    Returns a Dataset with dims ``(arm, time)`` (plus ``parameter`` and
    ``intervention_parameter``); ``status(arm)``; attributes ``measure_days`` and, per arm,
    ``doses_<arm>`` (JSON list of dosing lines). With ``engine="agent"`` (options
    ``replicates``, ``seed``, ...: ``follisim.simulate``) every arm runs the same replicate
    streams (replicate r of every arm starts from the same random numbers) and the result has
    dims ``(arm, replicate, time)``, ``status(arm, replicate)``.
    """
    if isinstance(experiment, Mapping):
        experiment = parse_experiment(experiment, "<dict>")
    elif not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    parts = []
    for arm in experiment.arms:
        ds = simulate(arm.config, engine=engine, **engine_options).assign(
            intervention_value=("intervention_parameter",
                                INTERVENTION_PARAMETERS.pack(arm.intervention_values),
                                {"long_name": "intervention parameter value"}),
        )
        parts.append(ds)
    out = xr.concat(parts, dim=xr.DataArray([a.name for a in experiment.arms], dims="arm",
                                            name="arm"),
                    combine_attrs="drop_conflicts", coords="minimal", compat="override",
                    join="outer")
    out = out.assign_coords(
        intervention_parameter=list(INTERVENTION_PARAMETERS.names),
        intervention_unit=("intervention_parameter",
                           [p.unit for p in INTERVENTION_PARAMETERS.parameters]))
    out.attrs.update({
        "description": experiment.description,
        "config_source": experiment.source,
        "config_sha256": experiment.sha256,
        "strain": experiment.strain,
        "measure_days": np.array(experiment.measure_days),
        "measure_window": experiment.measure_window,
        "n_failed": int(np.sum(out.status.values != 0)),
    })
    for arm in experiment.arms:
        out.attrs[f"doses_{arm.name}"] = doses_json(arm)
    return out


def at_measurement(ds: xr.Dataset) -> xr.Dataset:
    """Values at the measurement days (dims ``arm``, ``time``).

    With a ``measure_window`` of w > 0 days (experiment attribute) each value is the time
    average over the w days that end at the measurement day (trapezoidal rule on the saved
    grid): the expectation for animals sacrificed at a random phase of the estrous cycle when
    w is a whole number of cycles. With w = 0 it is the value at the day itself.
    """
    days = np.atleast_1d(ds.attrs["measure_days"])
    point = ds.sel(time=days)
    window = float(ds.attrs.get("measure_window", 0.0))
    if window <= 0.0:
        return point
    variables = [v for v in ds.data_vars if "time" in ds[v].dims
                 and np.issubdtype(ds[v].dtype, np.floating)]
    means = []
    for day in days:
        piece = ds[variables].sel(time=slice(day - window, day))
        span = float(piece.time[-1] - piece.time[0])
        means.append(piece.integrate("time") / span if span > 0
                     else piece.isel(time=-1, drop=True))
    mean = xr.concat(means, dim=point.time)
    out = point.copy()
    for v in variables:
        out[v] = mean[v].transpose(*point[v].dims).assign_attrs(ds[v].attrs)
    return out
