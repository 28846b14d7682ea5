"""Run every arm of an experiment into one Dataset with dims ``(arm, time)``; run many samples
of one arm, each with its own parameters and dosing (``simulate_arm``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.io.config import ConfigError, did_you_mean
from follisim.io.experiment import (
    Arm,
    Experiment,
    Modifier,
    build_protocol,
    doses_json,
    load_experiment,
    modified_doses,
    modifier_problem,
    parse_experiment,
    parse_modifier,
)
from follisim.models import RAT
from follisim.protocols import CompiledBatch, stack
from follisim.simulate import simulate, solve_protocols
from follisim.solution import Status, build_dataset
from follisim.spec import SpecError


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
    experiment = _as_experiment(experiment)
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


# --- per-sample arms: one arm, many parameter sets and dosing variants --------------------------

@dataclass(frozen=True)
class ArmBatch:
    """Everything the batch kernel needs to run ``S`` samples of one arm.

    Attributes
    ----------
    arm : Arm                        the arm (its ``config`` gives model, run length, solver)
    P : float64[S, n_params]         model parameter rows
    intervention : float64[S, n_ip]  intervention parameter rows (``interventions.PARAMETERS``)
    protocols : CompiledBatch        per-sample protocol arrays (``protocols.stack`` layout)
    columns : dict                   the table's columns as float64[S] arrays, by name
    problems : dict                  row -> message for rows whose protocol could not be built
                                     (such rows carry the arm's own protocol; mark them failed)
    """

    arm: Arm
    P: np.ndarray
    intervention: np.ndarray
    protocols: CompiledBatch
    columns: dict[str, np.ndarray]
    problems: dict[int, str]


def table_columns(table: Any, source: str) -> tuple[dict[str, np.ndarray], int]:
    """Equal-length float64 columns of ``table`` (mapping, DataFrame or 1-d Dataset)."""
    names = tuple(table.keys()) if hasattr(table, "keys") else ()
    if not names:
        raise ConfigError(source, "", "needs at least one named column")
    columns: dict[str, np.ndarray] = {}
    n = None
    for name in names:
        try:
            col = np.asarray(table[name], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ConfigError(source, str(name), "must be a column of numbers") from None
        if n is not None and col.size != n:
            raise ConfigError(source, str(name), f"has {col.size} rows; other columns have {n}")
        n = col.size
        columns[str(name)] = col
    if not n:
        raise ConfigError(source, "", "has no rows")
    return columns, n


def classify(experiment: Experiment, columns: Mapping[str, np.ndarray], source: str
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[Modifier, np.ndarray]]:
    """Split and check columns: model parameters, intervention parameters, dose modifiers.

    Parameter values must lie within their registry bounds; a dose modifier must be valid for
    every arm that doses its agent (``io.experiment.modifier_problem``).
    """
    model, intervention, modifiers = {}, {}, {}
    for name, col in columns.items():
        space = next((sp for sp in (RAT.parameters, INTERVENTION_PARAMETERS)
                      if name in sp.index), None)
        if space is not None:
            lo, hi = space[name].bounds
            bad = np.flatnonzero(~((col >= lo) & (col <= hi)))
            if bad.size:
                raise ConfigError(source, name, f"row {bad[0]}: {col[bad[0]]:g} outside "
                                                f"[{lo:g}, {hi:g}] {space[name].unit}")
            (model if space is RAT.parameters else intervention)[name] = col
            continue
        if "." not in name:
            known = RAT.parameters.names + INTERVENTION_PARAMETERS.names
            raise ConfigError(source, name, "unknown model or intervention parameter or dose "
                              f"modifier (agent.dose, agent.day, ...); {did_you_mean(name, known)}")
        try:
            mod = parse_modifier(name, experiment.mirnas)
        except ValueError as err:
            raise ConfigError(source, name, str(err)) from None
        for arm in experiment.arms:
            problem = modifier_problem(arm, mod, col, experiment.days)
            if problem:
                raise ConfigError(source, name, problem)
        modifiers[mod] = col
    return model, intervention, modifiers


def arm_batch(experiment: Experiment, arm: str, table: Any,
              source: str = "parameter table") -> ArmBatch:
    """Per-sample parameters and protocols of ``arm`` for every row of ``table``.

    ``table`` maps names to equal-length columns: model parameters (``models.RAT``),
    intervention parameters (``interventions.PARAMETERS``: PK, homing/uptake fractions,
    potencies) and dose modifiers ``<agent>.dose``, ``<agent>.dose_scale``, ``<agent>.day``,
    ``ev.cargo.<miRNA>`` (``io.experiment.MODIFIER_KINDS``). Names not given keep the arm's
    values. The protocol of each row is built by the same code as the arm's own
    (``io.experiment.build_protocol``), so row ``s`` runs exactly as the single configuration
    with those values. Bad names or values raise ``ConfigError``.
    """
    the_arm = experiment.arm(arm)
    columns, n = table_columns(table, source)
    model_cols, int_cols, mods = classify(experiment, columns, source)
    cfg = the_arm.config
    P = RAT.parameters.pack_many(model_cols, n, base=cfg.parameters)
    intervention = INTERVENTION_PARAMETERS.pack_many(int_cols, n, base=the_arm.intervention_values)
    problems: dict[int, str] = {}
    own = cfg.protocol.compile(cfg.model, 0.0, cfg.days)
    if not int_cols and not any(m.agent in {d.agent for d in the_arm.doses} for m in mods):
        compiled = [own] * n
    else:
        compiled = []
        names = INTERVENTION_PARAMETERS.names
        for s in range(n):
            values = dict(zip(names, intervention[s].tolist(), strict=True))
            doses = modified_doses(the_arm.doses, {m: c[s] for m, c in mods.items()})
            try:
                protocol = build_protocol(doses, values, experiment.mirnas,
                                          experiment.body_weight)
                compiled.append(protocol.compile(cfg.model, 0.0, cfg.days))
            except (SpecError, ValueError) as err:
                problems[s] = f"protocol: {err}"
                compiled.append(own)
    return ArmBatch(the_arm, P, intervention, stack(compiled), columns, problems)


def simulate_arm(experiment: Experiment | Mapping[str, Any] | str | Path, arm: str,
                 table: Any) -> xr.Dataset:
    """Simulate one arm for every row of ``table`` (see ``arm_batch``), in parallel.

    Returns a Dataset with dims ``(sample, time)`` like ``simulate_many``: every column of the
    table is a coordinate on ``sample``, ``param_value(sample, parameter)`` and
    ``intervention_value(sample, intervention_parameter)`` hold the full rows, and each sample
    has a ``status`` (failures are recorded, never raised).
    """
    experiment = _as_experiment(experiment)
    b = arm_batch(experiment, arm, table)
    cfg = b.arm.config
    out_y, out_u, out_obs, codes, stats = solve_protocols(cfg, b.P, b.protocols)
    for s in b.problems:
        codes[s] = Status.NOT_RUN
        for a in (out_y, out_u, out_obs):
            a[s] = np.nan
    n_ok = int(np.sum(codes == Status.SUCCESS))
    ds = build_dataset(cfg.model, cfg.save_t, out_y, out_u, out_obs, codes, stats, b.P, (),
                       {"config_source": experiment.source, "config_sha256": experiment.sha256,
                        "arm": arm, "n_success": n_ok, "n_failed": len(codes) - n_ok,
                        "doses": doses_json(b.arm)})
    ds = ds.assign(intervention_value=(("sample", "intervention_parameter"), b.intervention,
                                       {"long_name": "intervention parameter value"}))
    ds = ds.assign_coords(intervention_parameter=list(INTERVENTION_PARAMETERS.names))
    message = np.array([b.problems.get(s, Status(int(c)).message) for s, c in enumerate(codes)])
    ds["status_message"] = ("sample", message, {"long_name": "run status message"})
    return ds.assign_coords({name: ("sample", col) for name, col in b.columns.items()})


def _as_experiment(experiment: Experiment | Mapping[str, Any] | str | Path) -> Experiment:
    if isinstance(experiment, Mapping):
        return parse_experiment(experiment, "<dict>")
    if isinstance(experiment, Experiment):
        return experiment
    return load_experiment(experiment)
