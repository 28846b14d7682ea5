"""How an experiment is compared: which arms play which role, cohort size, seed, variability.

An experiment file may hold a ``[compare]`` table (every key optional)::

    [compare]
    control_arm = "control"        # the study's untreated healthy arm
    poi_arm = "poi"                # the untreated injured arm (pooled effects: comparator)
    treated_arm = "poi_hucmsc"     # pooled effects: the treated arm (default: see below)
    pooled_day = 35                # day pooled effects are compared at (default: see below)
    animals = 200                  # virtual animals per arm
    seed = 0
    smear_window = 14              # days of daily smears before sacrifice
    [compare.variability]          # between-animal CVs and the assay CV (VARIABILITY)
    cv_primordial_initial = 0.1

Defaults: ``treated_arm`` is the first arm that is neither the control nor the POI arm;
``pooled_day`` is the first measurement day after the treated arm's last dose (the last
measurement day if none is).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from follisim.io.config import ConfigError, Reader, did_you_mean
from follisim.io.experiment import Experiment
from follisim.spec import Parameter, ParameterSpace

CV_FIT = ("Tang 2018's control and CTX arm spreads at day 35 (rat_outcomes.csv, 16 rows: the "
          "CVs of 5 follicle counts, E2, FSH and AMH per arm) with the observation models of "
          "docs/compare.md: follisim calibrate configs/calibrate_variability.toml (120 animals "
          "per arm)")

VARIABILITY = ParameterSpace((
    Parameter("cv_primordial_initial", 0.1023, "1", (0.0, 2.0),
              "Between-animal CV of the primordial pool (log-normal, median the arm's value)",
              source="fitted", reference=CV_FIT + "; bounded above only (profile 95 % <= 0.11)"),
    Parameter("cv_k_activation", 0.04925, "1", (0.0, 2.0),
              "Between-animal CV of the primordial activation rate (log-normal)",
              source="fitted", reference=CV_FIT + "; bounded above only (profile 95 % <= 0.065)"),
    Parameter("cv_injury_potency", 0.1545, "1", (0.0, 2.0),
              "Between-animal CV of an injury agent's effective dose (all its doses and "
              "mechanisms scaled together; log-normal)", source="fitted", reference=CV_FIT),
    Parameter("cv_treatment_dose", 0.3, "1", (0.0, 2.0),
              "Between-animal CV of a treatment's effective dose (cells homed, EVs taken up, "
              "drug exposure; log-normal)",
              reference="assumed: no treated-arm spreads in the curated data"),
    Parameter("assay_cv", 0.07034, "1", (0.0, 2.0),
              "Measurement CV of a serum hormone assay (log-normal, mean-preserving)",
              source="fitted", reference=CV_FIT),
))

_KEYS = {"control_arm": "string", "poi_arm": "string", "treated_arm": "string",
         "pooled_day": "number", "animals": "integer", "seed": "integer",
         "smear_window": "number", "variability": "table"}
MAX_ANIMALS = 100_000


@dataclass(frozen=True)
class Settings:
    """Validated comparison settings (see the module docstring)."""

    control_arm: str
    poi_arm: str
    treated_arm: str | None
    pooled_day: float
    animals: int = 200
    seed: int = 0
    smear_window: float = 14.0
    variability: dict[str, float] = field(default_factory=lambda: VARIABILITY.unpack(
        VARIABILITY.pack()))


def _integer(src: str, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(src, key, f"must be a whole number in [{lo}, {hi}], got {value!r}")
    return value


def _default_treated(exp: Experiment, control: str, poi: str) -> str | None:
    return next((a.name for a in exp.arms if a.name not in (control, poi)), None)


def _default_pooled_day(exp: Experiment, treated: str | None) -> float:
    if treated is None:
        return exp.measure_days[-1]
    last = max((d for rec in exp.arm(treated).doses for d in rec.days), default=-math.inf)
    return next((d for d in exp.measure_days if d > last), exp.measure_days[-1])


def settings(exp: Experiment, animals: int | None = None, seed: int | None = None) -> Settings:
    """Validate the experiment's ``[compare]`` table; ``animals``/``seed`` override it."""
    src = exp.source
    table: Mapping[str, Any] = exp.compare
    r = Reader(src, "compare", dict(table), _KEYS)
    arms = tuple(a.name for a in exp.arms)

    def arm(key: str, default: str | None) -> str | None:
        name = table.get(key, default)
        if name is None:
            return None
        if not isinstance(name, str) or name not in arms:
            raise ConfigError(src, f"compare.{key}", f"{name!r} is not an arm; "
                                                     f"{did_you_mean(str(name), arms)}")
        return name

    control = arm("control_arm", "control" if "control" in arms else None)
    poi = arm("poi_arm", "poi" if "poi" in arms else None)
    if control is None or poi is None:
        raise ConfigError(src, "compare", "name the control and POI arms (control_arm, poi_arm);"
                                          f" arms: {', '.join(arms)}")
    treated = arm("treated_arm", _default_treated(exp, control, poi))
    if "pooled_day" in table:
        pooled = r.number("pooled_day", None, 0.0, exp.days, lo_open=True)
        if pooled not in exp.measure_days:
            raise ConfigError(src, "compare.pooled_day", f"{pooled:g} is not a measurement day; "
                              f"allowed: {', '.join(f'{d:g}' for d in exp.measure_days)}")
    else:
        pooled = _default_pooled_day(exp, treated)
    n = _integer(src, "compare.animals", table.get("animals", 200), 2, MAX_ANIMALS)
    if animals is not None:
        n = _integer(src, "--animals", animals, 2, MAX_ANIMALS)
    s = _integer(src, "compare.seed", table.get("seed", 0), 0, 2**63 - 1)
    if seed is not None:
        s = _integer(src, "--seed", seed, 0, 2**63 - 1)
    window = r.number("smear_window", 14.0, 4.0, 1000.0)
    var_table = table.get("variability", {})
    if not isinstance(var_table, dict):
        raise ConfigError(src, "compare.variability", "must be a table of name = value")
    values = VARIABILITY.unpack(VARIABILITY.pack())
    for name, value in var_table.items():
        if name not in VARIABILITY.index:
            raise ConfigError(src, f"compare.variability.{name}", "unknown variability "
                              f"parameter; {did_you_mean(name, VARIABILITY.names)}")
        problem = VARIABILITY[name].check(value)
        if problem:
            raise ConfigError(src, f"compare.variability.{name}", problem)
        values[name] = float(value)
    return Settings(control, poi, treated, pooled, n, s, window, values)
