"""TOML run configurations: parsing and validation with one clear message per problem.

A configuration (``configs/default.toml`` is the reference)::

    description = "free text"
    [run]         model, days, save_interval | save_times, initial_state, burn_in
    [solver]      rtol, atol, max_steps, h_init, h_min, h_max
    [parameters]  <parameter name> = value      (see docs/model.md)
    [[inputs]]    channel, start, stop, level   (piecewise-constant input channels)

Every error is a :class:`ConfigError` naming the file, the key and what is allowed; the
checks are those of ``follisim.io.validate`` (``docs/inputs.md``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from follisim.io.validate import (
    ConfigError,
    Reader,
    Table,
    check_number,
    did_you_mean,
    document,
    read_toml,
    shorten,
    show,
)
from follisim.models import MODELS
from follisim.protocols import InputStep, Protocol
from follisim.spec import ModelSpec, ParameterSpace

__all__ = ["ConfigError", "Reader", "RunConfig", "SolverOptions", "Table", "as_config",
           "did_you_mean", "load", "parameters_table", "parse", "read_toml", "solver_options"]

MAX_DAYS = 36_500.0
#: Most save times of one run (and of each arm of an experiment).
MAX_SAVES = 1_000_000
MAX_BURN_IN = 1000.0
INITIAL_STATES = ("limit_cycle", "steady_state", "defaults")
TOP_KEYS = ("description", "run", "solver", "parameters", "inputs")
RUN_KEYS = ("model", "days", "save_interval", "save_times", "initial_state", "burn_in")
SOLVER_KEYS = ("rtol", "atol", "max_steps", "h_init", "h_min", "h_max")
INPUT_KEYS = ("channel", "start", "stop", "level")


@dataclass(frozen=True)
class SolverOptions:
    """Dormand-Prince 5(4) settings: tolerances, step limits [day] and step budget."""

    rtol: float = 1e-6
    atol: float = 1e-8
    max_steps: int = 200_000
    h_init: float = 0.0
    h_min: float = 1e-10
    h_max: float = math.inf

    def array(self) -> np.ndarray:
        """``float64[6]`` in the layout of ``follisim.core.dopri5`` options."""
        return np.array([self.rtol, self.atol, self.h_init, self.h_min, self.h_max,
                         float(self.max_steps)], dtype=np.float64)


@dataclass(frozen=True)
class RunConfig:
    """A validated configuration."""

    source: str
    model: ModelSpec
    days: float
    save_t: np.ndarray
    initial_state: str = "limit_cycle"
    burn_in: float = 120.0
    solver: SolverOptions = field(default_factory=SolverOptions)
    parameters: dict[str, float] = field(default_factory=dict)
    protocol: Protocol = field(default_factory=Protocol)
    description: str = ""
    sha256: str = ""


def save_count(days: float, step: float) -> float:
    """Save times of a regular grid of ``step`` days on ``[0, days]`` (a float: absurd requests
    are counted, never built)."""
    n = days / step + 1e-9
    return math.floor(n) + 1.0 if math.isfinite(n) else math.inf


def count(n: float) -> str:
    """``1,000,001`` or, for an overflowing count, ``more than 1e308``."""
    return f"{n:,.0f}" if math.isfinite(n) else "more than 1e308"


def _save_times(run: Table, days: float) -> np.ndarray:
    if "save_times" in run and "save_interval" in run:
        raise run.error("save_times", "give save_times or save_interval, not both")
    if "save_times" in run:
        times = run.numbers("save_times", None, 0.0, days, unit="day", increasing=True,
                            max_items=MAX_SAVES)
        return np.array(times, dtype=np.float64)
    step = run.number("save_interval", 1.0, 0.0, days, lo_open=True, unit="day")
    n = save_count(days, step)
    if n > MAX_SAVES:
        raise run.error("save_interval", f"{step:g} days gives {count(n)} save times over "
                                         f"{days:g} days; at most {MAX_SAVES:,}")
    times = np.arange(int(n), dtype=np.float64) * step
    return times if times[-1] == days else np.append(times, days)


def parameters_table(src: str, model: ModelSpec, table: Any, key: str = "parameters",
                     extra: ParameterSpace | None = None) -> dict[str, float]:
    """Validate ``name = value`` overrides of ``model`` (and of ``extra``, if given).

    Each value must be a finite number within the parameter's registry bounds.
    """
    if not isinstance(table, dict):
        raise ConfigError(src, key, f"must be a table of name = value, got {show(table)}")
    spaces = [model.parameters] + ([extra] if extra is not None else [])
    out = {}
    for name, value in table.items():
        space = next((s for s in spaces if name in s.index), None)
        if space is None:
            known = tuple(n for s in spaces for n in s.names)
            raise ConfigError(src, f"{key}.{shorten(name)}",
                              f"unknown parameter of model {model.name!r}"
                              f"{' or its interventions' if extra else ''}; "
                              f"{did_you_mean(name, known)}")
        p = space[name]
        out[name] = check_number(src, f"{key}.{name}", value, *p.bounds, unit=p.unit)
    return out


def _inputs(top: Table, model: ModelSpec, days: float) -> tuple[InputStep, ...]:
    steps = []
    for entry in top.tables("inputs", INPUT_KEYS):
        channel = entry.string("channel", None, model.input_names, what="input channel")
        var = model.inputs[model.input_names.index(channel)]
        start = entry.number("start", None, 0.0, days, unit="day")
        stop = entry.number("stop", days, start, MAX_DAYS, lo_open=True, unit="day")
        level = entry.number("level", None, *var.bounds, unit=var.unit)
        steps.append(InputStep(channel, start, stop, level))
    return tuple(steps)


def parse(doc: Mapping[str, Any], source: str = "<config>") -> RunConfig:
    """Validate a parsed configuration document."""
    top = document(source, doc, TOP_KEYS)
    description = top.string("description", "")
    run = top.subtable("run", RUN_KEYS)
    model = MODELS[run.string("model", "rat", tuple(MODELS), what="model")]
    days = run.number("days", None, 0.0, MAX_DAYS, lo_open=True, unit="day")
    save_t = _save_times(run, days)
    initial = run.string("initial_state", "limit_cycle", INITIAL_STATES, what="initial state")
    burn_in = run.number("burn_in", RunConfig.burn_in, 0.0, MAX_BURN_IN, unit="day")
    solver = solver_options(source, top.get("solver", {}), days)
    params = parameters_table(source, model, top.mapping("parameters"))
    protocol = Protocol(steps=_inputs(top, model, days))
    return RunConfig(source=source, model=model, days=days, save_t=save_t,
                     initial_state=initial, burn_in=burn_in, solver=solver,
                     parameters=params, protocol=protocol, description=description,
                     sha256=digest(doc))


def solver_options(source: str, table: Any, days: float) -> SolverOptions:
    """Validate a ``[solver]`` table (step sizes in days; ``h_min <= h_init <= h_max``)."""
    sol = Table(source, "solver", table, SOLVER_KEYS)
    h_max = sol.number("h_max", None, 0.0, MAX_DAYS, lo_open=True, unit="day") \
        if "h_max" in sol else math.inf
    h_min = sol.number("h_min", SolverOptions.h_min, 0.0, 1.0, unit="day")
    h_init = sol.number("h_init", 0.0, 0.0, days, unit="day")
    if h_min > h_max:
        raise sol.error("h_min", f"{h_min:g} day exceeds solver.h_max = {h_max:g} day")
    if h_init > h_max:
        raise sol.error("h_init", f"{h_init:g} day exceeds solver.h_max = {h_max:g} day")
    if 0.0 < h_init < h_min:
        raise sol.error("h_init", f"{h_init:g} day is below solver.h_min = {h_min:g} day "
                                  "(0 chooses the first step automatically)")
    return SolverOptions(
        rtol=sol.number("rtol", SolverOptions.rtol, 1e-14, 0.1),
        atol=sol.number("atol", SolverOptions.atol, 1e-16, 1.0),
        max_steps=sol.integer("max_steps", SolverOptions.max_steps, 1, 100_000_000),
        h_init=h_init, h_min=h_min, h_max=h_max,
    )


def digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of a parsed document in a canonical JSON form."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load(path: str | Path) -> RunConfig:
    """Read and validate a TOML configuration file."""
    return parse(*read_toml(path))


def as_config(config: RunConfig | Mapping[str, Any] | str | Path) -> RunConfig:
    """Accept a validated config, a parsed document or a path."""
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, Mapping):
        return parse(config, "<dict>")
    return load(config)
