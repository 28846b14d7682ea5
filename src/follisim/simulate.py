"""The verbs: ``simulate(config)`` for one rat, ``simulate_many(config, table)`` for a batch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numba
import numpy as np
import xarray as xr

from follisim.core import batch
from follisim.cycles import add_cyclicity
from follisim.io.config import ConfigError, RunConfig, as_config
from follisim.protocols import CompiledBatch
from follisim.solution import SimulationError, Status, build_dataset

INIT_MODES = {"limit_cycle": batch.INIT_LIMIT_CYCLE, "steady_state": batch.INIT_QUASI_STEADY,
              "defaults": batch.INIT_GIVEN}


def _kernel_args(cfg: RunConfig, p: np.ndarray, protocol: tuple | None = None,
                 save_t: np.ndarray | None = None) -> tuple:
    """Positional arguments of ``batch.solve_one``/``solve_batch`` before the outputs.

    ``protocol``: the eight protocol arrays (``Compiled`` or ``CompiledBatch`` order); by
    default the config's own protocol, compiled. ``save_t``: by default the config's.
    """
    model = cfg.model
    if protocol is None:
        c = cfg.protocol.compile(model, 0.0, cfg.days)
        protocol = (c.u0, c.pk_rates, c.pk_state0, c.pk_map, c.ev_t, c.ev_kind, c.ev_target,
                    c.ev_value)
    save_t = cfg.save_t if save_t is None else save_t
    return (model.model_id, model.y0_guess(), p, INIT_MODES[cfg.initial_state],
            model.frozen_mask(), model.init_parameter_index(), model.phase_array(cfg.burn_in),
            *protocol, 0.0, cfg.days, np.ascontiguousarray(save_t, dtype=np.float64),
            cfg.solver.array())


def solve_protocols(cfg: RunConfig, P: np.ndarray, protocols: CompiledBatch,
                    save_t: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Integrate sample ``s`` with parameters ``P[s]`` and protocol row ``s``, in parallel.

    ``cfg`` supplies the model, initial-state recipe, run length, solver options and (unless
    ``save_t`` is given) the save times; its own protocol is not used. Save times do not
    change the steps taken, only where the continuous extension is read.

    Returns ``out_y[S, T, n_states]``, ``out_u[S, T, n_inputs]``, ``out_obs[S, T, n_obs]``,
    ``codes[S]`` (``Status`` values, never raised) and ``stats[S, 3]``.
    """
    P = np.ascontiguousarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != len(protocols):
        raise ValueError(f"P has shape {P.shape}; need one row per protocol ({len(protocols)})")
    save_t = cfg.save_t if save_t is None else np.asarray(save_t, dtype=np.float64)
    m = cfg.model
    S, T = P.shape[0], save_t.size
    outs = (np.full((S, T, len(m.states)), np.nan), np.full((S, T, len(m.inputs)), np.nan),
            np.full((S, T, len(m.observables)), np.nan),
            np.full(S, Status.NOT_RUN, np.int64), np.zeros((S, 3), np.int64))
    arrays = tuple(np.ascontiguousarray(a) for a in protocols.arrays())
    # Dynamic scheduling, one sample at a time: trajectories differ in cost (a non-cycling
    # sample takes a tenth of the steps), and a sample's numbers do not depend on its thread.
    with numba.parallel_chunksize(1):
        batch.solve_batch_protocols(*_kernel_args(cfg, P, arrays, save_t), *outs)
    return outs


def _attrs(cfg: RunConfig) -> dict:
    s = cfg.solver
    return {"config_source": cfg.source, "config_sha256": cfg.sha256,
            "description": cfg.description, "solver": "dopri5 (Dormand-Prince 5(4), PI control)",
            "rtol": s.rtol, "atol": s.atol, "max_steps": s.max_steps,
            "initial_state": cfg.initial_state, "burn_in_days": cfg.burn_in}


def _outputs(cfg: RunConfig, n: int) -> tuple[np.ndarray, ...]:
    m, T = cfg.model, cfg.save_t.size
    return (np.full((n, T, len(m.states)), np.nan), np.full((n, T, len(m.inputs)), np.nan),
            np.full((n, T, len(m.observables)), np.nan),
            np.full(n, Status.NOT_RUN, np.int64), np.zeros((n, 3), np.int64))


def simulate(config: RunConfig | Mapping[str, Any] | str | Path, *,
             throw: bool = False, engine: str = "ode", replicates: int = 100, seed: int = 0,
             **agent_options: Any) -> xr.Dataset:
    """Simulate one rat.

    Parameters
    ----------
    config : path to a TOML file, a parsed document (dict) or a ``RunConfig``
    throw : raise ``SimulationError`` unless the run succeeds (otherwise see ``status``)
    engine : ``ode`` (mean field, this function) or ``agent`` (every follicle an agent:
        ``follisim.agents.run_agents`` with ``replicates``, ``seed`` and ``agent_options``;
        the result gains a ``replicate`` dim, see ``docs/agents.md``)

    Returns
    -------
    xarray.Dataset with dim ``time`` [day]: one variable per state, observable and input
    (``units``, ``long_name``), ``param_value(parameter)``, scalar ``status`` and attributes
    recording version, config SHA-256, solver and tolerances. For the rat model, also the
    estrous-cycle observables of ``follisim.cycles.add_cyclicity`` (dims ``ovulation``, ``time``).
    """
    cfg = as_config(config)
    if engine == "agent":
        from follisim.agents import run_agents

        return run_agents(cfg, replicates=replicates, seed=seed, throw=throw, **agent_options)
    if engine != "ode" or agent_options:
        raise ConfigError(cfg.source, "engine", f"must be 'ode' or 'agent' (agent options only "
                                                f"with engine='agent'), got {engine!r}")
    p = cfg.model.parameters.pack(cfg.parameters)
    out_y, out_u, out_obs, codes, stats = _outputs(cfg, 1)
    codes[0] = batch.solve_one(*_kernel_args(cfg, p), out_y[0], out_u[0], out_obs[0], stats[0])
    status = Status(int(codes[0]))
    ds = build_dataset(cfg.model, cfg.save_t, out_y, out_u, out_obs, codes, stats, p[None, :],
                       (), {**_attrs(cfg), "status": status.name.lower(),
                            "status_message": status.message})
    ds = ds.isel(sample=0, drop=True)
    if "ovulated" in cfg.model.state_names:
        ds = add_cyclicity(ds)
    if throw and status != Status.SUCCESS:
        raise SimulationError(f"{cfg.source}: {status.message}")
    return ds


def parameter_matrix(cfg: RunConfig, table: Any, source: str = "parameter table"
                    ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Validate a table of parameter sets; return ``float64[n, n_params]`` and swept names.

    ``table`` maps parameter names to equal-length columns (a dict of arrays, a pandas
    DataFrame or an xarray Dataset with one dimension). Columns not given keep the config's
    values; every value must lie within the parameter's bounds.
    """
    space = cfg.model.parameters
    names = tuple(table.keys()) if hasattr(table, "keys") else ()
    if not names:
        raise ConfigError(source, "", "needs at least one named parameter column")
    columns = {}
    n = None
    for name in names:
        if name not in space.index:
            hint = space.suggest(str(name))
            raise ConfigError(source, str(name), "unknown parameter" +
                              (f"; did you mean {', '.join(hint)}?" if hint else ""))
        col = np.asarray(table[name], dtype=np.float64).reshape(-1)
        if n is None:
            n = col.size
        elif col.size != n:
            raise ConfigError(source, name, f"has {col.size} rows; other columns have {n}")
        lo, hi = space[name].bounds
        bad = np.flatnonzero(~((col >= lo) & (col <= hi)))
        if bad.size:
            raise ConfigError(source, name, f"row {bad[0]}: {col[bad[0]]:g} outside "
                                            f"[{lo:g}, {hi:g}] {space[name].unit}")
        columns[name] = col
    if not n:
        raise ConfigError(source, "", "has no rows")
    return space.pack_many(columns, n, base=cfg.parameters), names


def simulate_many(config: RunConfig | Mapping[str, Any] | str | Path,
                  parameter_table: Any, *, windows: Any = None) -> xr.Dataset:
    """Simulate one rat per row of a parameter table, in parallel (numba ``prange``).

    Returns a Dataset with dims ``(sample, time)``; swept parameters are coordinates on
    ``sample``, the full parameter vectors are ``param_value(sample, parameter)`` and each
    sample has a ``status`` (a failed sample is recorded, never raised). Numbers do not depend
    on the thread count; samples are handed to threads one at a time, so uneven step counts
    stay balanced.

    ``windows``: optional ``[(start, end), ...]`` in days. Then only the mean of every variable
    over each window is kept (trapezoidal rule on the save grid, as ``experiment.at_measurement``
    does), dims ``(sample, window)`` with coordinates ``window_start``/``window_end``: memory
    grows with samples x windows, not with the save grid.
    """
    cfg = as_config(config)
    P, swept = parameter_matrix(cfg, parameter_table)
    P = np.ascontiguousarray(P)
    attrs = _attrs(cfg)
    if windows is None:
        out_y, out_u, out_obs, codes, stats = _outputs(cfg, P.shape[0])
        batch.solve_batch(*_kernel_args(cfg, P), out_y, out_u, out_obs, codes, stats)
        times = cfg.save_t
    else:
        lo, hi = _windows(cfg, windows)
        m, S, W = cfg.model, P.shape[0], lo.size
        out_y, out_u, out_obs = (np.full((S, W, len(m.states)), np.nan),
                                 np.full((S, W, len(m.inputs)), np.nan),
                                 np.full((S, W, len(m.observables)), np.nan))
        codes, stats = np.full(S, Status.NOT_RUN, np.int64), np.zeros((S, 3), np.int64)
        batch.solve_batch_means(*_kernel_args(cfg, P), lo, hi, out_y, out_u, out_obs, codes,
                                stats)
        times = hi
    n_ok = int(np.sum(codes == Status.SUCCESS))
    ds = build_dataset(cfg.model, times, out_y, out_u, out_obs, codes, stats, P, swept,
                       {**attrs, "n_success": n_ok, "n_failed": P.shape[0] - n_ok})
    if windows is None:
        return ds
    ds = ds.rename({"time": "window"})
    return ds.assign_coords(
        window=np.arange(lo.size),
        window_start=("window", lo, {"units": "day", "long_name": "window start"}),
        window_end=("window", hi, {"units": "day", "long_name": "window end"}),
    ).assign_attrs(values="means over each window (trapezoidal rule on the save grid)")


def _windows(cfg: RunConfig, windows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validated window bounds ``(start[W], end[W])`` [day]."""
    try:
        arr = np.asarray(windows, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ConfigError("windows", "", "must be a list of (start, end) pairs in days") from None
    if arr.shape[0] == 0:
        raise ConfigError("windows", "", "needs at least one (start, end) pair")
    for w, (a, b) in enumerate(arr):
        if not (0.0 <= a <= b <= cfg.days):
            raise ConfigError("windows", str(w), f"({a:g}, {b:g}) must satisfy "
                                                 f"0 <= start <= end <= {cfg.days:g} days")
        if not np.any((cfg.save_t >= a) & (cfg.save_t <= b)):
            raise ConfigError("windows", str(w), f"({a:g}, {b:g}) holds no save time; "
                                                 "widen it or save more often")
    return np.ascontiguousarray(arr[:, 0]), np.ascontiguousarray(arr[:, 1])
