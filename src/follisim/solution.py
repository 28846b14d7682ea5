"""Run status as data, and finished runs as self-describing ``xarray.Dataset`` objects."""

from __future__ import annotations

import datetime as _dt
from enum import IntEnum

import numba
import numpy as np
import xarray as xr

from follisim.core import status as _st
from follisim.spec import ModelSpec


class Status(IntEnum):
    """Outcome of one trajectory (``follisim.core.status`` codes)."""

    SUCCESS = _st.SUCCESS
    MAX_STEPS = _st.MAX_STEPS
    STEP_UNDERFLOW = _st.STEP_UNDERFLOW
    NONFINITE_STATE = _st.NONFINITE_STATE
    STEADY_STATE_FAILED = _st.STEADY_STATE_FAILED
    NOT_RUN = _st.NOT_RUN
    POPULATION_CAPACITY = _st.POPULATION_CAPACITY

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    Status.SUCCESS: "success",
    Status.MAX_STEPS: "step limit reached; raise [solver] max_steps or check for stiffness",
    Status.STEP_UNDERFLOW: "step size fell below [solver] h_min; the problem may be stiff",
    Status.NONFINITE_STATE: "a state became NaN or infinite; check parameter values",
    Status.STEADY_STATE_FAILED: "no quasi-steady initial state found; use "
                                "initial_state = 'defaults' or check parameter values",
    Status.NOT_RUN: "not run",
    Status.POPULATION_CAPACITY: "agent population exceeded max_capacity (follisim.agents); "
                                "raise it or shorten the run",
}

STATUS_ATTRS = {
    "long_name": "run status",
    "flag_values": np.array([int(s) for s in Status], dtype=np.int8),
    "flag_meanings": " ".join(s.name.lower() for s in Status),
}


class SimulationError(RuntimeError):
    """Raised by ``simulate(..., throw=True)`` when a run does not succeed."""


def build_dataset(model: ModelSpec, save_t: np.ndarray, out_y: np.ndarray, out_u: np.ndarray,
                  out_obs: np.ndarray, codes: np.ndarray, stats: np.ndarray, P: np.ndarray,
                  swept: tuple[str, ...], attrs: dict) -> xr.Dataset:
    """Assemble a Dataset with dims ``(sample, time)``.

    Shapes: ``out_y[S, T, n_states]``, ``out_u[S, T, n_inputs]``, ``out_obs[S, T, n_obs]``,
    ``codes[S]``, ``stats[S, 3]``, ``P[S, n_params]``.
    """
    dims = ("sample", "time")
    data = {}
    for block, variables in ((out_y, model.states), (out_obs, model.observables),
                             (out_u, model.inputs)):
        for i, v in enumerate(variables):
            data[v.name] = (dims, block[:, :, i], {"units": v.unit, "long_name": v.long_name})
    data["status"] = ("sample", codes.astype(np.int8), dict(STATUS_ATTRS))
    for j, name in enumerate(("n_steps", "n_rejected", "n_rhs")):
        data[name] = ("sample", stats[:, j].astype(np.int32),
                      {"units": "1", "long_name": f"integrator {name.replace('_', ' ')}"})
    data["param_value"] = (("sample", "parameter"), P,
                           {"long_name": "model parameter value",
                            "units": "see parameter_unit"})
    space = model.parameters
    coords = {
        "time": ("time", save_t, {"units": "day", "long_name": "time since start of run"}),
        "sample": ("sample", np.arange(P.shape[0]), {"long_name": "parameter set"}),
        "parameter": ("parameter", list(space.names)),
        "parameter_unit": ("parameter", [p.unit for p in space.parameters]),
    }
    for name in swept:
        par = space[name]
        coords[name] = ("sample", P[:, space.locate(name)],
                        {"units": par.unit, "long_name": par.description})
    base = {
        "model": model.name,
        "follisim_version": _version(),
        "numba_version": numba.__version__,
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return xr.Dataset(data, coords=coords, attrs={**base, **attrs})


def _version() -> str:
    from follisim import __version__

    return __version__
