"""Sweep and sensitivity files: parsing and validation (the one module that reads them).

A sweep file (``configs/sweep.toml`` is the reference)::

    description = "..."
    [sweep]        config = "PATH" | experiment = "PATH", arms, method, samples, seed,
                   chunk_size
    [parameters.NAME]   min, max, scale, distribution, mean, sd, median, sigma, points, values
    [outputs]      variables, measure_days, measure_window, cyclicity,
                   series = {variables, interval | times}

A sensitivity file has ``[sensitivity]`` (the base, methods and sample sizes) instead of
``[sweep]``, the same ``[outputs]`` plus ``contrast`` and ``days``, and ``[parameters.NAME]``
tables that override the default ranges. Paths are relative to the file. Every problem is a
``ConfigError`` naming the file and the dotted key and saying what is allowed; nothing else in
``follisim.sweep`` validates user input.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.io.config import ConfigError, Reader, did_you_mean, digest, parse, read_toml
from follisim.io.experiment import (
    Arm,
    Experiment,
    is_experiment,
    modifier_problem,
    parse_experiment,
    parse_modifier,
)
from follisim.models import RAT

METHODS = ("grid", "lhs", "sobol")
DISTRIBUTIONS = ("uniform", "normal", "lognormal")
SCALES = ("lin", "log")
CYCLICITY = ("regular_cycles", "persistent_diestrus", "cycle_length", "ova_per_cycle")
MAX_SAMPLES = 100_000_000
BASE_ARM = "base"

_SWEEP = {"config": "path", "experiment": "path", "arms": "list of arm names",
          "method": "string", "samples": "integer", "seed": "integer", "chunk_size": "integer"}
_SENSITIVITY = {"config": "path", "experiment": "path", "arms": "list of arm names",
                "methods": "list", "sobol_samples": "integer", "morris_trajectories": "integer",
                "morris_levels": "integer", "seed": "integer", "chunk_size": "integer",
                "parameters": "'model' or list of names", "exclude": "list of names",
                "spread": "number"}
_FACTOR = {"min": "number", "max": "number", "scale": "string", "distribution": "string",
           "mean": "number", "sd": "number", "median": "number", "sigma": "number",
           "points": "integer", "values": "list of numbers"}
_OUTPUTS = {"variables": "list of names", "measure_days": "list of days",
            "measure_window": "number", "cyclicity": "boolean", "series": "table",
            "contrast": "[treated arm, reference arm]", "days": "list of days"}
_SERIES = {"variables": "list of names", "interval": "number", "times": "list of days"}


@dataclass(frozen=True)
class Factor:
    """One swept quantity: a model or intervention parameter or a dose modifier.

    ``low``/``high`` bound the values (in ``unit``); ``scale`` ``log`` samples uniformly in
    the logarithm. ``distribution`` ``normal`` (``mean``, ``sd``) or ``lognormal`` (``median``,
    ``sigma`` of the natural log) is truncated to [low, high]. A grid uses ``values`` if given,
    else ``points`` values spaced on ``scale``.
    """

    name: str
    kind: str
    low: float
    high: float
    scale: str = "lin"
    unit: str = ""
    description: str = ""
    distribution: str = "uniform"
    loc: float = math.nan
    spread: float = math.nan
    points: int = 5
    values: tuple[float, ...] = ()


@dataclass(frozen=True)
class Outputs:
    """What a sweep keeps per sample (and arm).

    ``variables``: window means at ``measure_days`` (trailing ``measure_window`` days, as
    ``follisim.experiment.at_measurement``); ``cyclicity``: the ``CYCLICITY`` observables at the
    measurement days; ``series_variables`` on the save times ``series_times`` [day].
    """

    variables: tuple[str, ...] = ()
    measure_days: tuple[float, ...] = ()
    measure_window: float = 0.0
    cyclicity: bool = False
    series_variables: tuple[str, ...] = ()
    series_times: tuple[float, ...] = ()


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base (as an experiment with one or more arms), factors, outputs."""

    source: str
    description: str
    experiment: Experiment
    arms: tuple[str, ...]
    factors: tuple[Factor, ...]
    outputs: Outputs
    method: str = "lhs"
    samples: int = 64
    seed: int = 0
    chunk_size: int = 256
    base_kind: str = "experiment"
    base_source: str = ""
    base_sha256: str = ""
    base_document: Mapping[str, Any] = field(default_factory=dict)
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_experiment(self) -> bool:
        return self.base_kind == "experiment"

    def design_record(self) -> dict[str, Any]:
        """What defines the sample table and outputs (hashed to guard ``--resume``)."""
        return {"method": self.method, "samples": self.samples, "seed": self.seed,
                "arms": list(self.arms),
                "factors": [f.__dict__ for f in self.factors],
                "outputs": {k: list(v) if isinstance(v, tuple) else v
                            for k, v in self.outputs.__dict__.items()}}

    @property
    def design_sha256(self) -> str:
        return digest(self.design_record())


@dataclass(frozen=True)
class SensitivitySpec:
    """A validated sensitivity analysis: the sweep it runs and how to read it."""

    sweep: SweepSpec
    methods: tuple[str, ...]
    sobol_samples: int
    morris_trajectories: int
    morris_levels: int
    contrast: tuple[str, str] | None
    days: tuple[float, ...]


# --- helpers -----------------------------------------------------------------------------------

def _int(r: Reader, name: str, default: int, lo: int, hi: int) -> int:
    value = r.table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(r.source, r.key(name),
                          f"must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _names(src: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(src, key, "must be a list of names")
    return tuple(value)


def _days(src: str, key: str, value: Any, end: float) -> tuple[float, ...]:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= end
            for v in value) or any(b <= a for a, b in zip(value, value[1:], strict=False)):
        raise ConfigError(src, key, f"must be a strictly increasing list of days in "
                                    f"[0, {end:g}]")
    return tuple(float(v) for v in value)


def _base(src: str, r: Reader, folder: Path) -> tuple[str, Path]:
    given = [k for k in ("config", "experiment") if k in r.table]
    if len(given) != 1:
        raise ConfigError(src, r.prefix, "needs exactly one of config = PATH (a run "
                                         "configuration) or experiment = PATH (an experiment)")
    value = r.table[given[0]]
    if not isinstance(value, str) or not value:
        raise ConfigError(src, r.key(given[0]), "must be a path (relative to this file)")
    return given[0], Path(os.path.normpath(folder / value))


def load_base(kind: str, document: Mapping[str, Any], source: str,
              outputs_table: Mapping[str, Any], src: str) -> Experiment:
    """The base as an experiment; a run configuration becomes one arm called ``base``."""
    if kind == "experiment":
        if not is_experiment(document):
            raise ConfigError(src, "sweep.experiment", f"{source} is a run configuration, "
                                                       "not an experiment; use config = ...")
        exp = parse_experiment(document, source)
        for key in ("measure_days", "measure_window"):
            if key in outputs_table:
                raise ConfigError(src, f"outputs.{key}", "comes from the experiment "
                                                         f"({source}); remove it here")
        return exp
    if is_experiment(document):
        raise ConfigError(src, "sweep.config", f"{source} is an experiment; use "
                                               "experiment = ...")
    cfg = parse(document, source)
    out = Reader(src, "outputs", dict(outputs_table), _OUTPUTS)
    days = (_days(src, "outputs.measure_days", out.table["measure_days"], cfg.days)
            if "measure_days" in out.table else (cfg.days,))
    window = out.number("measure_window", 0.0, 0.0, days[0])
    arm = Arm(BASE_ARM, cfg, INTERVENTION_PARAMETERS.unpack(INTERVENTION_PARAMETERS.pack()))
    return Experiment(source, cfg.description, "sprague_dawley", days, (arm,), cfg.sha256,
                      window)


def _arms(src: str, key: str, table: Mapping[str, Any], exp: Experiment,
          kind: str) -> tuple[str, ...]:
    names = tuple(a.name for a in exp.arms)
    if "arms" not in table:
        return names
    if kind != "experiment":
        raise ConfigError(src, key, "applies to experiment sweeps only")
    arms = _names(src, key, table["arms"])
    for a in arms:
        if a not in names:
            raise ConfigError(src, key, f"no arm {a!r}; arms: {', '.join(names)}")
    if not arms or len(set(arms)) != len(arms):
        raise ConfigError(src, key, "must name at least one arm, each once")
    return arms


def factor(src: str, key: str, name: str, table: Any, exp: Experiment, kind_of_base: str,
           method: str, default_spread: float | None = None) -> Factor:
    """Validate ``[parameters.NAME]``; bounds and scale default to the registries."""
    r = Reader(src, key, table, _FACTOR)
    space = next((sp for sp in (RAT.parameters, INTERVENTION_PARAMETERS) if name in sp.index),
                 None)
    if space is not None:
        par = space[name]
        kind = "model" if space is RAT.parameters else "intervention"
        if kind == "intervention" and kind_of_base != "experiment":
            raise ConfigError(src, key, "intervention parameters need an experiment base "
                                        "(sweep.experiment = ...)")
        lo, hi = par.bounds
        d_lo, d_hi, d_scale = lo, hi, par.scale
        if default_spread is not None and par.default > 0:
            d_lo = max(lo, par.default / default_spread)
            d_hi = min(hi, par.default * default_spread)
            d_scale = "log"
        unit, description = par.unit, par.description
    elif "." in name:
        if kind_of_base != "experiment":
            raise ConfigError(src, key, "dose modifiers need an experiment base "
                                        "(sweep.experiment = ...)")
        try:
            mod = parse_modifier(name, exp.mirnas)
        except ValueError as err:
            raise ConfigError(src, key, str(err)) from None
        if not any(d.agent == mod.agent for a in exp.arms for d in a.doses):
            raise ConfigError(src, key, f"no arm of {exp.source} doses {mod.agent}")
        lo, hi, d_lo, d_hi, d_scale = -math.inf, math.inf, None, None, "lin"
        unit = {"dose": "as the arm's dose line", "dose_scale": "1", "day": "day",
                "cargo": "copies/ug"}[mod.kind]
        description = f"{mod.agent}: {mod.kind.replace('_', ' ')}"
        kind = "modifier"
    else:
        known = RAT.parameters.names + INTERVENTION_PARAMETERS.names
        raise ConfigError(src, key, "unknown model or intervention parameter or dose modifier "
                                    f"(agent.dose, agent.dose_scale, agent.day, "
                                    f"ev.cargo.miRNA); {did_you_mean(name, known)}")
    scale = r.string("scale", d_scale, SCALES)
    if d_lo is None and ("min" not in r.table or "max" not in r.table) and \
            "values" not in r.table:
        raise ConfigError(src, key, "a dose modifier needs min and max (or values)")
    low = r.number("min", d_lo if d_lo is not None else 0.0, lo, hi)
    high = r.number("max", d_hi if d_hi is not None else 0.0, lo, hi)
    if not high > low and "values" not in r.table:
        raise ConfigError(src, f"{key}.max", f"must be greater than min ({low:g})")
    if scale == "log" and low <= 0:
        raise ConfigError(src, f"{key}.scale", f"log scale needs min > 0, got {low:g}")
    dist = r.string("distribution", "uniform", DISTRIBUTIONS)
    loc = spread = math.nan
    if dist != "uniform":
        if method == "grid":
            raise ConfigError(src, f"{key}.distribution", "a grid takes points or values, "
                                                          "not a distribution")
        a, b = ("mean", "sd") if dist == "normal" else ("median", "sigma")
        for extra in {"mean", "sd", "median", "sigma"} - {a, b}:
            if extra in r.table:
                raise ConfigError(src, f"{key}.{extra}", f"does not apply to {dist}; "
                                                         f"give {a} and {b}")
        loc = r.number(a, None, low, high)
        spread = r.number(b, None, 0.0, math.inf, lo_open=True)
        if dist == "lognormal" and low < 0:
            raise ConfigError(src, f"{key}.min", "a lognormal needs min >= 0")
    points = _int(r, "points", 5, 2, 10_000)
    values: tuple[float, ...] = ()
    if "values" in r.table:
        if method != "grid":
            raise ConfigError(src, f"{key}.values", "applies to method = 'grid' only")
        raw = r.table["values"]
        if not isinstance(raw, list) or not raw or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi
                for v in raw):
            raise ConfigError(src, f"{key}.values", f"must be a non-empty list of numbers in "
                                                    f"[{lo:g}, {hi:g}] {unit}")
        values = tuple(float(v) for v in raw)
        low, high = min(values), max(values)
    f = Factor(name, kind, low, high, scale, unit, description, dist, loc, spread, points,
               values)
    if kind == "modifier":
        mod = parse_modifier(name, exp.mirnas)
        probe = np.array(values or (low, high))
        for arm in exp.arms:
            problem = modifier_problem(arm, mod, probe, exp.days)
            if problem:
                raise ConfigError(src, key, problem.split(": ", 1)[-1])
    return f


def outputs(src: str, table: Any, exp: Experiment, end: float) -> Outputs:
    """Validate ``[outputs]``."""
    r = Reader(src, "outputs", table, _OUTPUTS)
    known = RAT.state_names + RAT.observable_names + RAT.input_names
    variables = _names(src, "outputs.variables", r.table.get("variables", []))
    for v in variables:
        if v not in known:
            raise ConfigError(src, "outputs.variables", f"unknown variable {v!r}; "
                                                        f"{did_you_mean(v, known)}")
    cyclicity = r.table.get("cyclicity", False)
    if not isinstance(cyclicity, bool):
        raise ConfigError(src, "outputs.cyclicity", "must be true or false")
    series_vars: tuple[str, ...] = ()
    times: tuple[float, ...] = ()
    if "series" in r.table:
        s = Reader(src, "outputs.series", r.table["series"], _SERIES)
        series_vars = _names(src, "outputs.series.variables", s.table.get("variables"))
        if not series_vars:
            raise ConfigError(src, "outputs.series.variables", "must name at least one variable")
        for v in series_vars:
            if v not in known:
                raise ConfigError(src, "outputs.series.variables",
                                  f"unknown variable {v!r}; {did_you_mean(v, known)}")
        if ("times" in s.table) == ("interval" in s.table):
            raise ConfigError(src, "outputs.series", "give times = [...] or interval = DAYS")
        if "times" in s.table:
            times = _days(src, "outputs.series.times", s.table["times"], end)
        else:
            step = s.number("interval", None, 0.0, end, lo_open=True)
            n = int(math.floor(end / step + 1e-9)) + 1
            if n > 100_000:
                raise ConfigError(src, "outputs.series.interval", f"gives {n} times; at most "
                                                                  "100000")
            times = tuple(float(t) for t in np.arange(n) * step)
    if not (variables or cyclicity or series_vars):
        raise ConfigError(src, "outputs", "keeps nothing; give variables, cyclicity = true or "
                                          "series")
    return Outputs(variables, exp.measure_days, exp.measure_window, cyclicity, series_vars,
                   times)


def _chunk(src: str, r: Reader) -> int:
    return _int(r, "chunk_size", 256, 1, 1_000_000)


# --- the two files -----------------------------------------------------------------------------

def parse_sweep(document: Mapping[str, Any], source: str, base_document: Mapping[str, Any],
                base_source: str, base_kind: str, samples: int | None = None) -> SweepSpec:
    """Validate a sweep document whose base document has already been read."""
    for key in document:
        if key not in ("description", "sweep", "parameters", "outputs"):
            raise ConfigError(source, key, "unknown table or key; " + did_you_mean(
                key, ("description", "sweep", "parameters", "outputs")))
    r = Reader(source, "sweep", document.get("sweep", {}), _SWEEP)
    out_table = document.get("outputs", {})
    if not isinstance(out_table, dict):
        raise ConfigError(source, "outputs", "must be a table")
    exp = load_base(base_kind, base_document, base_source, out_table, source)
    arms = _arms(source, "sweep.arms", r.table, exp, base_kind)
    method = r.string("method", "lhs", METHODS)
    table = document.get("parameters", {})
    if not isinstance(table, dict) or not table:
        raise ConfigError(source, "parameters", "needs at least one [parameters.NAME] table")
    factors = tuple(factor(source, f"parameters.{name}", name, t, exp, base_kind, method)
                    for name, t in table.items())
    if method == "grid":
        if "samples" in r.table or samples is not None:
            raise ConfigError(source, "sweep.samples", "a grid has one sample per combination "
                                                       "of points; remove samples")
        n = math.prod(len(f.values) or f.points for f in factors)
    else:
        n = samples if samples is not None else _int(r, "samples", 64, 1, MAX_SAMPLES)
        if not 1 <= n <= MAX_SAMPLES:
            raise ConfigError(source, "--samples", f"must be in [1, {MAX_SAMPLES}], got {n}")
    if n > MAX_SAMPLES:
        raise ConfigError(source, "parameters", f"the grid has {n} samples; at most "
                                                f"{MAX_SAMPLES}")
    outs = outputs(source, out_table, exp, exp.days)
    description = document.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(source, "description", "must be a string")
    return SweepSpec(source, description, exp, arms, factors, outs, method, n,
                     _int(r, "seed", 0, 0, 2**63 - 1), _chunk(source, r), base_kind,
                     base_source, exp.sha256, base_document, document)


def read_base(source: str, table: Any, folder: Path, prefix: str
              ) -> tuple[str, dict[str, Any], str]:
    """``(kind, document, source)`` of the base named in ``table``."""
    kind, path = _base(source, Reader(source, prefix, table, _SWEEP if prefix == "sweep"
                                      else _SENSITIVITY), folder)
    try:
        base_doc, base_src = read_toml(path)
    except ConfigError as err:
        raise ConfigError(source, f"{prefix}.{kind}", f"{path}: {err.message}") from None
    return kind, base_doc, base_src


def load_sweep(path: str | Path, samples: int | None = None) -> SweepSpec:
    """Read and validate a sweep file and its base."""
    document, source = read_toml(path)
    kind, base_doc, base_src = read_base(source, document.get("sweep", {}),
                                         Path(path).parent, "sweep")
    return parse_sweep(document, source, base_doc, base_src, kind, samples)


def load_sensitivity(path: str | Path) -> SensitivitySpec:
    """Read and validate a sensitivity file and its base."""
    document, source = read_toml(path)
    for key in document:
        if key not in ("description", "sensitivity", "parameters", "outputs"):
            raise ConfigError(source, key, "unknown table or key; " + did_you_mean(
                key, ("description", "sensitivity", "parameters", "outputs")))
    r = Reader(source, "sensitivity", document.get("sensitivity", {}), _SENSITIVITY)
    kind, base_doc, base_src = read_base(source, r.table, Path(path).parent,
                                         "sensitivity")
    out_table = dict(document.get("outputs", {}))
    if not isinstance(document.get("outputs", {}), dict):
        raise ConfigError(source, "outputs", "must be a table")
    contrast_raw = out_table.pop("contrast", None)
    days_raw = out_table.pop("days", None)
    exp = load_base(kind, base_doc, base_src, out_table, source)
    arms = _arms(source, "sensitivity.arms", r.table, exp, kind)
    contrast = None
    if contrast_raw is not None:
        names = tuple(a.name for a in exp.arms)
        if not (isinstance(contrast_raw, list) and len(contrast_raw) == 2
                and all(a in names for a in contrast_raw) and contrast_raw[0] != contrast_raw[1]):
            raise ConfigError(source, "outputs.contrast", "must be [treated arm, reference arm]"
                                                          f" of {', '.join(names)}")
        contrast = (contrast_raw[0], contrast_raw[1])
        arms = tuple(a for a in names if a in contrast)
    days = (_days(source, "outputs.days", days_raw, exp.days) if days_raw is not None
            else exp.measure_days)
    for d in days:
        if d not in exp.measure_days:
            raise ConfigError(source, "outputs.days", f"day {d:g} is not a measurement day; "
                              f"measurement days: {', '.join(f'{x:g}' for x in exp.measure_days)}")
    methods = tuple(r.table.get("methods", ["sobol", "morris"]))
    if not methods or any(m not in ("sobol", "morris") for m in methods) or \
            len(set(methods)) != len(methods):
        raise ConfigError(source, "sensitivity.methods", "must list 'sobol' and/or 'morris'")
    spread = r.number("spread", 1.5, 1.0, 1e6, lo_open=True)
    which = r.table.get("parameters", "model")
    if which == "model":
        names = list(RAT.parameters.names)
    else:
        names = list(_names(source, "sensitivity.parameters", which))
    exclude = _names(source, "sensitivity.exclude", r.table.get("exclude", []))
    for n in exclude:
        if n not in names:
            raise ConfigError(source, "sensitivity.exclude", f"{n!r} is not among the "
                                                             "parameters")
    names = [n for n in names if n not in exclude]
    overrides = document.get("parameters", {})
    if not isinstance(overrides, dict):
        raise ConfigError(source, "parameters", "must be a table of [parameters.NAME] tables")
    for n in overrides:
        if n not in names:
            names.append(n)
    factors = []
    for n in names:
        f = factor(source, f"parameters.{n}", n, overrides.get(n, {}), exp, kind, "sobol",
                   spread)
        if f.distribution != "uniform":
            raise ConfigError(source, f"parameters.{n}.distribution", "sensitivity ranges are "
                                                                      "uniform (on scale)")
        if not f.high > f.low:
            continue       # a parameter fixed at zero has no range to explore
        factors.append(f)
    if not factors:
        raise ConfigError(source, "sensitivity.parameters", "leaves no parameter with a range")
    outs = outputs(source, out_table, exp, exp.days)
    if outs.series_variables or not (outs.variables or outs.cyclicity):
        raise ConfigError(source, "outputs", "sensitivity reads window means or cyclicity at "
                                             "measurement days; give variables (no series)")
    sweep = SweepSpec(source, str(document.get("description", "")), exp, arms,
                      tuple(factors), outs, "given", 0, _int(r, "seed", 0, 0, 2**63 - 1),
                      _chunk(source, r), kind, base_src, exp.sha256, base_doc, document)
    return SensitivitySpec(sweep, methods, _int(r, "sobol_samples", 64, 2, 1 << 20),
                           _int(r, "morris_trajectories", 20, 2, 100_000),
                           _int(r, "morris_levels", 4, 2, 100), contrast, days)
