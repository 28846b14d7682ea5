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


def run_experiment(experiment: Experiment | Mapping[str, Any] | str | Path) -> xr.Dataset:
    """Simulate every arm; the run ends at the last measurement day.

    Returns a Dataset with dims ``(arm, time)`` (plus ``parameter`` and
    ``intervention_parameter``); ``status(arm)``; attributes ``measure_days`` and, per arm,
    ``doses_<arm>`` (JSON list of dosing lines).
    """
    if isinstance(experiment, Mapping):
        experiment = parse_experiment(experiment, "<dict>")
    elif not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    parts = []
    for arm in experiment.arms:
        ds = simulate(arm.config).assign(
            intervention_value=("intervention_parameter",
                                INTERVENTION_PARAMETERS.pack(arm.intervention_values),
                                {"long_name": "intervention parameter value"}),
        )
        parts.append(ds)
    out = xr.concat(parts, dim=xr.DataArray([a.name for a in experiment.arms], dims="arm",
                                            name="arm"),
                    combine_attrs="drop_conflicts", coords="minimal", compat="override")
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
        "n_failed": int(sum(int(s) != 0 for s in out.status.values)),
    })
    for arm in experiment.arms:
        out.attrs[f"doses_{arm.name}"] = doses_json(arm)
    return out


def at_measurement(ds: xr.Dataset) -> xr.Dataset:
    """Values at the measurement days (dims ``arm``, ``time``)."""
    return ds.sel(time=np.atleast_1d(ds.attrs["measure_days"]))
