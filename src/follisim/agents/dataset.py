"""Agent-engine outputs as a Dataset: the ODE engine's variables with a ``replicate`` dim."""

from __future__ import annotations

import numpy as np
import xarray as xr

from follisim.agents.size import SIZE_EDGES, SIZE_PARAMETERS
from follisim.agents.transitions import Tables
from follisim.cycles import ATTRS as CYCLE_ATTRS
from follisim.cycles import CycleCriteria, ovulation_episodes, status_at
from follisim.io.config import RunConfig
from follisim.solution import STATUS_ATTRS, Status, _version

#: Cycle criteria for replicates: as the ODE's, with ovulating save intervals less than a day
#: apart merged into one episode (single ovulations of one surge can be a save interval apart).
AGENT_CRITERIA = CycleCriteria(merge_gap=1.0)

def replicate_cycles(t: np.ndarray, ovulated: np.ndarray,
                     criteria: CycleCriteria = AGENT_CRITERIA, e2: np.ndarray | None = None,
                     progesterone: np.ndarray | None = None) -> dict[str, tuple]:
    """Cyclicity of every replicate (``follisim.cycles``), padded with NaN to a common length.

    ``ovulated`` (and ``e2``, ``progesterone``, which tell persistent estrus from diestrus) are
    float64[R, T]. Returns Dataset-ready ``(dims, values)`` tuples.
    """
    R = ovulated.shape[0]
    episodes = [ovulation_episodes(t, ovulated[r], criteria) for r in range(R)]
    width = max([e[0].size for e in episodes] + [0])
    times, ova, lengths = (np.full((R, width), np.nan) for _ in range(3))
    per_time: dict[str, list] = {}
    for r, (tt, size) in enumerate(episodes):
        times[r, :tt.size], ova[r, :tt.size] = tt, size
        lengths[r, :max(tt.size - 1, 0)] = np.diff(tt)
        status = status_at(t, tt, criteria, None if e2 is None else e2[r],
                           None if progesterone is None else progesterone[r])
        for key, value in status.items():
            per_time.setdefault(key, []).append(value)
    out = {"ovulation_time": (("replicate", "ovulation"), times),
           "ova": (("replicate", "ovulation"), ova),
           "cycle_length": (("replicate", "ovulation"), lengths)}
    for key, rows in per_time.items():
        out[key] = (("replicate", "time"), np.array(rows))
    return out


def build_dataset(cfg: RunConfig, tables: Tables, sizes, p: np.ndarray, out_y: np.ndarray,
                  out_obs: np.ndarray, out_u: np.ndarray, out_removed: np.ndarray,
                  out_hist: np.ndarray, codes: np.ndarray, stats: np.ndarray, *, seed: int,
                  first_replicate: int, step: float, mode: str) -> xr.Dataset:
    """Assemble the kernel outputs (shapes as in ``follisim.core.agents.run_batch``)."""
    model = cfg.model
    R, T = out_y.shape[:2]
    rt = ("replicate", "time")
    data: dict[str, tuple] = {}
    for block, variables in ((out_y, model.states), (out_obs, model.observables)):
        for i, v in enumerate(variables):
            data[v.name] = (rt, block[:, :, i], {"units": v.unit, "long_name": v.long_name})
    for i, v in enumerate(model.inputs):
        data[v.name] = ("time", out_u[:, i], {"units": v.unit, "long_name": v.long_name})
    data["removed_follicles"] = (rt, out_removed, {
        "units": "follicles", "long_name": "follicles removed since day 0 (luteolysis and "
                                           "clearance of atretic follicles)"})
    data["size_distribution"] = (("replicate", "time", "stage", "size_bin"), out_hist, {
        "units": "follicles", "long_name": "agents per stage and diameter class"})
    data["status"] = ("replicate", codes.astype(np.int8), dict(STATUS_ATTRS))
    for j, (name, unit, long_name) in enumerate((
            ("n_segments", "1", "splitting segments"),
            ("n_events", "1", "stochastic follicle events"),
            ("agent_steps", "1", "agent-step equivalents (live follicles x steps)"),
            ("peak_agents", "follicles", "largest number of live agents"),
            ("agent_capacity", "1", "agent slots at the end of the run"))):
        data[name] = ("replicate", stats[:, j], {"units": unit, "long_name": long_name})
    data["param_value"] = ("parameter", p, {"long_name": "model parameter value",
                                            "units": "see parameter_unit"})
    data["size_parameter_value"] = ("size_parameter",
                                    SIZE_PARAMETERS.pack(sizes.values),
                                    {"long_name": "follicle size model parameter value"})
    cycles = replicate_cycles(cfg.save_t, out_y[:, :, _index(model, "ovulated")],
                              e2=out_y[:, :, _index(model, "e2")],
                              progesterone=out_y[:, :, _index(model, "progesterone")])
    for name, (dims, values) in cycles.items():
        unit, long_name = CYCLE_ATTRS[name]
        data[name] = (dims, values, {"units": unit, "long_name": long_name})
    space = model.parameters
    edges = SIZE_EDGES
    coords = {
        "replicate": ("replicate", first_replicate + np.arange(R),
                      {"long_name": "replicate (RNG stream)"}),
        "time": ("time", cfg.save_t, {"units": "day", "long_name": "time since start of run"}),
        "stage": ("stage", list(tables.stages)),
        "size_bin": ("size_bin", np.sqrt(edges[:-1] * edges[1:]),
                     {"units": "um", "long_name": "follicle diameter (bin centre)"}),
        "size_lower": ("size_bin", edges[:-1], {"units": "um"}),
        "size_upper": ("size_bin", edges[1:], {"units": "um"}),
        "parameter": ("parameter", list(space.names)),
        "parameter_unit": ("parameter", [q.unit for q in space.parameters]),
        "size_parameter": ("size_parameter", list(SIZE_PARAMETERS.names)),
        "ovulation": ("ovulation", np.arange(data["ova"][1].shape[1])),
    }
    n_ok = int(np.sum(codes == Status.SUCCESS))
    s = cfg.solver
    attrs = {
        "model": model.name, "follisim_version": _version(),
        "created_utc": np.datetime64("now").astype(str) + "Z",
        "config_source": cfg.source, "config_sha256": cfg.sha256,
        "description": cfg.description, "engine": "agent", "agent_mode": mode,
        "seed": seed, "replicates": R, "first_replicate": first_replicate,
        "rng": "Philox4x32-10, key = seed, counter = (draw, replicate)",
        "coupling": "Strang splitting: RK4 on the continuous states, exact sampling of the "
                    "follicle events with hazards frozen at the segment midpoint",
        "splitting_step_days": step,
        "initial_state": cfg.initial_state, "burn_in_days": cfg.burn_in,
        "day0_solver": "dopri5 (Dormand-Prince 5(4), PI control)", "rtol": s.rtol,
        "atol": s.atol,
        "n_success": n_ok, "n_failed": R - n_ok,
        "status": "success" if n_ok == R else f"{R - n_ok} of {R} replicates failed",
        **{f"cycle_{k}": v for k, v in AGENT_CRITERIA.__dict__.items()},
    }
    return compress(xr.Dataset(data, coords=coords, attrs=attrs))


def compress(ds: xr.Dataset) -> xr.Dataset:
    """Ask NetCDF writers to deflate every variable with a ``replicate`` dim (in place)."""
    for name, var in ds.data_vars.items():
        if "replicate" in var.dims and var.size > 1024:
            ds[name].encoding.update(zlib=True, complevel=4)
    return ds


def _index(model, name: str) -> int:
    return model.state_names.index(name)


__all__ = ["AGENT_CRITERIA", "build_dataset", "compress", "replicate_cycles"]
