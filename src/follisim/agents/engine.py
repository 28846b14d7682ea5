"""``run_agents(config, replicates, seed)``: configuration -> kernel arrays -> Dataset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from follisim.agents.dataset import build_dataset
from follisim.agents.size import SIZE_EDGES, SIZE_PARAMETERS, size_tables
from follisim.agents.transitions import compile_tables
from follisim.core import agents as kernel
from follisim.core import batch, dopri5
from follisim.io.config import ConfigError, RunConfig, as_config
from follisim.solution import SimulationError, Status

#: Splitting step [day]: 14.4 min. The deterministic variant of the same splitting is within
#: 1e-4 (relative) of the adaptive ODE at this step (docs/agents.md, convergence table).
DEFAULT_STEP = 0.01
MODES = {"agent": kernel.AGENT, "forced": kernel.FORCED, "mean_field": kernel.MEAN_FIELD}
MAX_REPLICATES = 1_000_000
MAX_SEED = 2**63 - 1


def day0_state(cfg: RunConfig, p: np.ndarray) -> tuple[np.ndarray, Status]:
    """The ODE engine's day-0 state (quasi-steady start, burn-in, phase) for ``cfg``.

    Runs ``batch.solve_one`` to day 0 without the protocol's events, so the state is the one the
    ODE integration starts from; the agent kernel applies the events itself.
    """
    m = cfg.model
    n, n_u, n_o = len(m.states), len(m.inputs), len(m.observables)
    out_y, out_u, out_o = np.full((1, n), np.nan), np.full((1, n_u), np.nan), np.empty((1, n_o))
    no_f, no_i = np.empty(0), np.empty(0, np.int64)
    code = batch.solve_one(
        m.model_id, m.y0_guess(), p, _init_mode(cfg), m.frozen_mask(), m.init_parameter_index(),
        m.phase_array(cfg.burn_in), np.zeros(n_u), np.empty((0, 3)), np.empty((0, 2)),
        np.empty((0, 7)), no_f, no_i, no_i, no_f, 0.0, 0.0, np.zeros(1), cfg.solver.array(),
        out_y, out_u, out_o, np.zeros(3, np.int64))
    return out_y[0], Status(int(code))


def _init_mode(cfg: RunConfig) -> int:
    from follisim.simulate import INIT_MODES

    return INIT_MODES[cfg.initial_state]


def _check_int(source: str, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ConfigError(source, key, f"must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


def run_agents(config: RunConfig | Mapping[str, Any] | str | Path, *, replicates: int = 100,
               seed: int = 0, step: float = DEFAULT_STEP, mode: str = "agent",
               first_replicate: int = 0, capacity: int | None = None,
               max_capacity: int = 50_000_000, size_parameters: Mapping[str, float] | None = None,
               throw: bool = False) -> xr.Dataset:
    """Simulate ``replicates`` rats of one configuration with every follicle an agent.

    Parameters
    ----------
    config : a run configuration (path, parsed document or ``RunConfig``); doses, injuries and
        treatments compile to the same event table and PK chains as for the ODE engine
    replicates : number of replicates (animals), run in parallel (numba ``prange``)
    seed : run seed in [0, 2^63); replicate r uses Philox stream (seed, first_replicate + r)
    step : splitting step [day] (``docs/agents.md``); the grid also stops at saves and events
    mode : ``agent`` (hormones fed by the agents), ``forced`` (agents driven by the
        deterministic hormones: the mean-equality check) or ``mean_field`` (the deterministic
        variant of the splitting, no agents)
    first_replicate : global index of the first replicate (to run replicates in chunks)
    capacity, max_capacity : initial and largest number of agent slots (grown by doubling; a
        replicate that needs more stops with status ``population_capacity``)
    size_parameters : overrides of ``follisim.agents.size.SIZE_PARAMETERS``
    throw : raise ``SimulationError`` unless every replicate succeeds

    Returns
    -------
    xarray.Dataset with dims ``(replicate, time)`` for every state and observable, ``time`` for
    the inputs, per-replicate cycles (``ovulation_time``, ``ova``, ``cycle_length`` on
    ``(replicate, ovulation)``; ``regular_cycles``, ``persistent_diestrus``, ... on
    ``(replicate, time)``), ``size_distribution(replicate, time, stage, size_bin)``,
    ``removed_follicles`` and ``status(replicate)``.
    """
    cfg = as_config(config)
    src = cfg.source
    replicates = _check_int(src, "replicates", replicates, 1, MAX_REPLICATES)
    seed = _check_int(src, "seed", seed, 0, MAX_SEED)
    first_replicate = _check_int(src, "first_replicate", first_replicate, 0, MAX_SEED)
    if mode not in MODES:
        raise ConfigError(src, "mode", f"must be one of {', '.join(map(repr, MODES))}, "
                                       f"got {mode!r}")
    if isinstance(step, bool) or not isinstance(step, int | float) or not 1e-5 <= step <= 0.25:
        raise ConfigError(src, "step", f"must be a number in [1e-05, 0.25] day, got {step!r}")
    for name, value in (size_parameters or {}).items():
        if name not in SIZE_PARAMETERS.index:
            raise ConfigError(src, f"size_parameters.{name}", "unknown size parameter; allowed: "
                              + ", ".join(SIZE_PARAMETERS.names))
        problem = SIZE_PARAMETERS[name].check(value)
        if problem:
            raise ConfigError(src, f"size_parameters.{name}", problem)
    model = cfg.model
    tables = compile_tables(model, src)
    sizes = size_tables(model, size_parameters)
    p = model.parameters.pack(cfg.parameters)
    c = cfg.protocol.compile(model, 0.0, cfg.days)
    bolus = (c.ev_kind == dopri5.ADD_STATE) & (tables.owned[c.ev_target] != kernel.CONTINUOUS)
    if np.any(bolus):
        name = model.state_names[int(c.ev_target[np.flatnonzero(bolus)[0]])]
        raise ConfigError(src, "boluses", f"the agent engine cannot add to the follicle state "
                                          f"{name!r}; give follicles through parameters")
    y0, start = day0_state(cfg, p)
    hist_states = np.array([model.state_names.index(s) for s in tables.stages], np.int64)
    T, n = cfg.save_t.size, len(model.states)
    R = replicates
    out_y = np.full((R, T, n), np.nan)
    out_obs = np.full((R, T, len(model.observables)), np.nan)
    out_u = np.full((T, len(model.inputs)), np.nan)
    out_removed = np.full((R, T), np.nan)
    out_hist = np.zeros((R, T, hist_states.size, SIZE_EDGES.size - 1), np.int32)
    codes = np.full(R, int(Status.NOT_RUN), np.int64)
    stats = np.zeros((R, kernel.N_STATS))
    if start == Status.SUCCESS:
        if capacity is None:
            owned_stage = tables.owned == kernel.STAGE
            capacity = int(2 * np.sum(y0[owned_stage]) + 64)
        log_edges = np.log(SIZE_EDGES)
        kernel.run_batch(
            y0, p, c.u0, c.pk_rates, c.pk_state0, c.pk_map, c.ev_t, c.ev_kind, c.ev_target,
            c.ev_value, float(cfg.days), np.ascontiguousarray(cfg.save_t), float(step),
            MODES[mode], tables.owned, tables.pool, tables.transitions, tables.exit_ptr,
            tables.exit_k, tables.order, sizes.clock, sizes.log_ratio, sizes.fsh,
            np.log(sizes.cap), np.log(sizes.initial), sizes.sens_sigma, hist_states,
            float(log_edges[0]), float(log_edges[1] - log_edges[0]), seed, first_replicate,
            max(int(capacity), 1), max(int(max_capacity), 1),
            out_y, out_obs, out_u, out_removed, out_hist, codes, stats)
    else:
        codes[:] = int(start)
    ds = build_dataset(cfg, tables, sizes, p, out_y, out_obs, out_u, out_removed, out_hist, codes,
                       stats, seed=seed, first_replicate=first_replicate, step=float(step),
                       mode=mode)
    if throw and ds.attrs["n_failed"]:
        bad = Status(int(codes[codes != Status.SUCCESS][0]))
        raise SimulationError(f"{src}: {ds.attrs['n_failed']} of {R} replicates failed: "
                              f"{bad.message}")
    return ds
