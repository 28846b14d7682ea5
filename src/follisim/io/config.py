"""TOML run configurations: parsing and validation with one clear message per problem.

A configuration (``configs/default.toml`` is the reference)::

    description = "free text"
    [run]         model, days, save_interval | save_times, initial_state, burn_in
    [solver]      rtol, atol, max_steps, h_init, h_min, h_max
    [parameters]  <parameter name> = value      (see docs/model.md)
    [[inputs]]    channel, start, stop, level   (piecewise-constant input channels)

Every error is a :class:`ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from follisim.models import MODELS
from follisim.protocols import InputStep, Protocol
from follisim.spec import ModelSpec, ParameterSpace

MAX_DAYS = 36_500.0
MAX_SAVES = 1_000_000


class ConfigError(ValueError):
    """A configuration problem: ``source`` (file), ``key`` (dotted path) and what is allowed."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key, self.message = source, key, message
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")


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


_NUMBER = "a number"
_SCHEMA: dict[str, dict[str, str]] = {
    "run": {"model": "string", "days": _NUMBER, "save_interval": _NUMBER,
            "save_times": "list of numbers", "initial_state": "string", "burn_in": _NUMBER},
    "solver": {"rtol": _NUMBER, "atol": _NUMBER, "max_steps": "integer", "h_init": _NUMBER,
               "h_min": _NUMBER, "h_max": _NUMBER},
    "inputs": {"channel": "string", "start": _NUMBER, "stop": _NUMBER, "level": _NUMBER},
}
_TOP = ("description", "run", "solver", "parameters", "inputs")
INITIAL_STATES = ("limit_cycle", "steady_state", "defaults")
MAX_BURN_IN = 1000.0


def did_you_mean(name: str, allowed: tuple[str, ...] | list[str]) -> str:
    hint = difflib.get_close_matches(name, list(allowed), n=3)
    if hint:
        return f"did you mean {', '.join(repr(h) for h in hint)}?"
    shown = ", ".join(sorted(allowed)) if len(allowed) <= 12 else "see docs/model.md"
    return f"allowed: {shown}"


class Reader:
    """Typed access to one table, raising ConfigError with the dotted key."""

    def __init__(self, source: str, prefix: str, table: Any, allowed: Mapping[str, str]):
        self.source, self.prefix = source, prefix
        if not isinstance(table, dict):
            raise ConfigError(source, prefix, "must be a table")
        for key in table:
            if key not in allowed:
                raise ConfigError(source, f"{prefix}.{key}",
                                  f"unknown key; {did_you_mean(key, tuple(allowed))}")
        self.table = table

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def number(self, name: str, default: float | None, lo: float, hi: float,
               lo_open: bool = False) -> float:
        value = self.table.get(name, default)
        if value is None:
            raise ConfigError(self.source, self.key(name), "is required")
        bound = f"({lo:g}, {hi:g}]" if lo_open else f"[{lo:g}, {hi:g}]"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(self.source, self.key(name),
                              f"must be a number in {bound}, got {value!r}")
        value = float(value)
        low_ok = value > lo if lo_open else value >= lo
        if math.isnan(value) or not low_ok or value > hi:
            raise ConfigError(self.source, self.key(name), f"must lie in {bound}, got {value:g}")
        return value

    def string(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.table.get(name, default)
        if not isinstance(value, str) or value not in choices:
            raise ConfigError(self.source, self.key(name),
                              f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return value


def _save_times(src: str, run: Reader, days: float) -> np.ndarray:
    if "save_times" in run.table and "save_interval" in run.table:
        raise ConfigError(src, "run.save_times", "give save_times or save_interval, not both")
    if "save_times" in run.table:
        raw = run.table["save_times"]
        if not isinstance(raw, list) or not raw or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
            raise ConfigError(src, "run.save_times", "must be a non-empty list of numbers [day]")
        times = np.array(raw, dtype=np.float64)
        bad = times[(times < 0) | (times > days) | ~np.isfinite(times)]
        if bad.size:
            raise ConfigError(src, "run.save_times",
                              f"{bad[0]:g} lies outside the run; allowed: 0 to {days:g} days")
        if np.any(np.diff(times) <= 0):
            raise ConfigError(src, "run.save_times", "must be strictly increasing")
        return times
    step = run.number("save_interval", 1.0, 0.0, days, lo_open=True)
    n = int(math.floor(days / step + 1e-9)) + 1
    if n > MAX_SAVES:
        raise ConfigError(src, "run.save_interval", f"gives {n} save times; at most {MAX_SAVES}")
    times = np.arange(n, dtype=np.float64) * step
    return times if times[-1] == days else np.append(times, days)


def parameters_table(src: str, model: ModelSpec, table: Any, key: str = "parameters",
                extra: ParameterSpace | None = None) -> dict[str, float]:
    """Validate ``name = value`` overrides of ``model`` (and of ``extra``, if given)."""
    if not isinstance(table, dict):
        raise ConfigError(src, key, "must be a table of name = value")
    spaces = [model.parameters] + ([extra] if extra is not None else [])
    out = {}
    for name, value in table.items():
        space = next((s for s in spaces if name in s.index), None)
        if space is None:
            known = tuple(n for s in spaces for n in s.names)
            raise ConfigError(src, f"{key}.{name}", f"unknown parameter of model {model.name!r}"
                              f"{' or its interventions' if extra else ''}; "
                              f"{did_you_mean(name, known)}")
        problem = space[name].check(value)
        if problem:
            raise ConfigError(src, f"{key}.{name}", problem)
        out[name] = float(value)
    return out


def _inputs(src: str, model: ModelSpec, entries: Any, days: float) -> tuple[InputStep, ...]:
    if not isinstance(entries, list):
        raise ConfigError(src, "inputs", "must be an array of tables ([[inputs]])")
    steps = []
    for k, entry in enumerate(entries):
        r = Reader(src, f"inputs[{k}]", entry, _SCHEMA["inputs"])
        channel = entry.get("channel")
        names = model.input_names
        if channel not in names:
            raise ConfigError(src, r.key("channel"), f"unknown input channel {channel!r}; "
                                                     f"{did_you_mean(str(channel), names)}")
        var = model.inputs[names.index(channel)]
        start = r.number("start", None, 0.0, days)
        stop = r.number("stop", days, start, math.inf, lo_open=True)
        level = r.number("level", None, *var.bounds)
        steps.append(InputStep(channel, start, stop, level))
    return tuple(steps)


def parse(document: Mapping[str, Any], source: str = "<config>") -> RunConfig:
    """Validate a parsed configuration document."""
    for key in document:
        if key not in _TOP:
            raise ConfigError(source, key, f"unknown table or key; {did_you_mean(key, _TOP)}")
    description = document.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(source, "description", "must be a string")
    run = Reader(source, "run", document.get("run", {}), _SCHEMA["run"])
    model = MODELS[run.string("model", "rat", tuple(MODELS))]
    days = run.number("days", None, 0.0, MAX_DAYS, lo_open=True)
    save_t = _save_times(source, run, days)
    initial = run.string("initial_state", "limit_cycle", INITIAL_STATES)
    burn_in = run.number("burn_in", RunConfig.burn_in, 0.0, MAX_BURN_IN)
    solver = solver_options(source, document.get("solver", {}), days)
    params = parameters_table(source, model, document.get("parameters", {}))
    protocol = Protocol(steps=_inputs(source, model, document.get("inputs", []), days))
    return RunConfig(source=source, model=model, days=days, save_t=save_t,
                     initial_state=initial, burn_in=burn_in, solver=solver,
                     parameters=params, protocol=protocol, description=description,
                     sha256=digest(document))


def solver_options(source: str, table: Any, days: float) -> SolverOptions:
    """Validate a ``[solver]`` table."""
    sol = Reader(source, "solver", table, _SCHEMA["solver"])
    max_steps = sol.table.get("max_steps", SolverOptions.max_steps)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or not (
            1 <= max_steps <= 100_000_000):
        raise ConfigError(source, "solver.max_steps",
                          f"must be an integer in [1, 100000000], got {max_steps!r}")
    return SolverOptions(
        rtol=sol.number("rtol", SolverOptions.rtol, 1e-14, 0.1),
        atol=sol.number("atol", SolverOptions.atol, 1e-16, 1.0),
        max_steps=max_steps,
        h_init=sol.number("h_init", 0.0, 0.0, days),
        h_min=sol.number("h_min", SolverOptions.h_min, 0.0, 1.0),
        h_max=sol.number("h_max", math.inf, 0.0, math.inf, lo_open=True),
    )


def digest(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_toml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; returns the document and the source name."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except OSError as err:
        raise ConfigError(source, "", f"cannot be read ({err.strerror})") from None
    try:
        document = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(source, "", f"is not valid TOML: {err}") from None
    return document, source


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
