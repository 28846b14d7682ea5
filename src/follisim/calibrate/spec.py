"""Calibration files: which parameters to fit, against which data rows, split how.

::

    description = "..."
    experiment = "../experiments/calibration/ctx_tang/experiment.toml"  # relative to this file
    animals = 40                  # virtual animals per arm in every evaluation
    seed = 0

    [parameters]                  # model, intervention or cohort-variability parameters;
                                  # name = {} takes the registry's bounds and scale
    cyclophosphamide_gc_potency = {}
    gc_lesion_repair = { lower = 1e-3, upper = 0.1, scale = "log" }

    [[data]]                      # rows of an outcome file and their role
    file = "rat_outcomes.csv"     # a shipped dataset name, or a path relative to this file
    role = "train"                # train | held_out
    endpoints = ["E2", ...]       # optional filters; a row must pass every filter given
    groups = ["poi"]
    kinds = ["arm"]               # report-row kinds (docs/compare.md)
    use = "effect"                # residual: "effect" (z) or "spread" (cv_z: between-animal CV)
    studies = ["Tang2018_CTX_rat_LIPUS"]
    subgroups = ["all species"]   # pooled rows: words of population_subgroup

    [fit]
    method = "least_squares"      # or "differential_evolution" (then polished by least_squares)
    starts = 4                    # multistart: the registry defaults plus Sobol points
    max_evaluations = 400         # per start
    [uncertainty]
    method = "profile"            # profile likelihood, or "none"
    points = 4                    # grid points on each side of the estimate

Every problem is a one-line ``ConfigError`` naming the file and key (``docs/inputs.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from follisim.datasets import DATA, names
from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.io.validate import ConfigError, Table, did_you_mean, document, read_toml
from follisim.models import RAT
from follisim.spec import Parameter

TOP = ("description", "experiment", "animals", "seed", "parameters", "data", "fit",
       "uncertainty")
DATA_KEYS = ("file", "role", "endpoints", "groups", "kinds", "studies", "subgroups", "use")
USES = ("effect", "spread")
ROLES = ("train", "held_out")
KINDS = ("arm", "control_spread", "change_vs_control", "fraction", "SMD", "RR", "MD")
METHODS = ("least_squares", "differential_evolution")


@dataclass(frozen=True)
class Free:
    """A parameter being fitted: its registry entry and the search bounds and scale."""

    parameter: Parameter
    lower: float
    upper: float
    scale: str

    @property
    def name(self) -> str:
        return self.parameter.name

    def to_x(self, value: float) -> float:
        return math.log(value) if self.scale == "log" else value

    def from_x(self, x: float) -> float:
        return math.exp(x) if self.scale == "log" else x


@dataclass(frozen=True)
class Selection:
    """Rows of one outcome file with a role; empty filters select everything."""

    file: Path
    role: str
    use: str = "effect"
    endpoints: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    studies: tuple[str, ...] = ()
    subgroups: tuple[str, ...] = ()

    def selects(self, row: dict, kind: str) -> bool:
        study = row.get("study_id", "") or row.get("meta_id", "")
        subgroup = row.get("population_subgroup", "") or ""
        return ((not self.endpoints or row.get("endpoint") in self.endpoints)
                and (not self.groups or row.get("group") in self.groups)
                and (not self.kinds or kind in self.kinds)
                and (not self.studies or study in self.studies)
                and (not self.subgroups or any(w in subgroup for w in self.subgroups)))


@dataclass(frozen=True)
class CalibrationSpec:
    source: str
    description: str
    experiment: Path
    free: tuple[Free, ...]
    data: tuple[Selection, ...]
    animals: int = 40
    seed: int = 0
    method: str = "least_squares"
    starts: int = 4
    max_evaluations: int = 400
    uncertainty: str = "profile"
    points: int = 4
    sha256: str = ""


def _parameter(name: str) -> Parameter | None:
    from follisim.compare.settings import VARIABILITY

    for space in (RAT.parameters, INTERVENTION_PARAMETERS, VARIABILITY):
        if name in space.index:
            return space[name]
    return None


def _resolve(base: Path, top: Table, key: str, value: str) -> Path:
    if value.removesuffix(".csv") in names():
        return Path(str(DATA / f"{value.removesuffix('.csv')}.csv"))
    path = (base / value).resolve()
    if not path.is_file():
        raise top.error(key, f"{value!r} is neither a shipped dataset "
                             f"({', '.join(names())}) nor a file")
    return path


def parse(doc: dict, source: str) -> CalibrationSpec:
    """Validate a calibration document read from ``source``."""
    from follisim.io.config import digest

    top = document(source, doc, TOP)
    base = Path(source).resolve().parent
    description = top.string("description", "")
    exp_path = (base / top.string("experiment", None, what="an experiment file")).resolve()
    if not exp_path.is_file():
        raise top.error("experiment", f"{exp_path} is not a file")
    animals = top.integer("animals", 40, 2, 10_000)
    seed = top.integer("seed", 0, 0, 2**63 - 1)
    from follisim.compare.settings import VARIABILITY

    params = top.subtable("parameters", tuple(RAT.parameters.names)
                          + tuple(INTERVENTION_PARAMETERS.names) + tuple(VARIABILITY.names),
                          what="parameter")
    if not params.table:
        raise top.error("parameters", "name at least one parameter to fit")
    free = []
    for name in params.table:
        par = _parameter(name)
        entry = params.subtable(name, ("lower", "upper", "scale"))
        lo, hi = par.bounds
        lower = entry.number("lower", lo, lo, hi, unit=par.unit)
        upper = entry.number("upper", hi, lower, hi, lo_open=True, unit=par.unit)
        scale = entry.string("scale", par.scale, ("lin", "log"))
        if scale == "log" and lower <= 0:
            raise entry.error("lower", f"must be > 0 for a log scale, got {lower:g}")
        if not lower <= par.default <= upper:
            raise entry.error("lower", f"the bounds [{lower:g}, {upper:g}] must contain the "
                                       f"current value {par.default:g} (the first start)")
        free.append(Free(par, lower, upper, scale))
    selections = []
    for entry in top.tables("data", DATA_KEYS, nonempty=True):
        file = _resolve(base, entry, "file", entry.string("file", None, what="a dataset"))
        selections.append(Selection(
            file, entry.string("role", None, ROLES), entry.string("use", "effect", USES),
            entry.strings("endpoints", []) if "endpoints" in entry else (),
            entry.strings("groups", []) if "groups" in entry else (),
            entry.strings("kinds", [], KINDS) if "kinds" in entry else (),
            entry.strings("studies", []) if "studies" in entry else (),
            entry.strings("subgroups", []) if "subgroups" in entry else ()))
    if not any(s.role == "train" for s in selections):
        raise top.error("data", "needs at least one [[data]] entry with role = \"train\"")
    fit = top.subtable("fit", ("method", "starts", "max_evaluations"))
    unc = top.subtable("uncertainty", ("method", "points"))
    return CalibrationSpec(
        source, description, exp_path, tuple(free), tuple(selections), animals, seed,
        fit.string("method", "least_squares", METHODS),
        fit.integer("starts", 4, 1, 64), fit.integer("max_evaluations", 400, 10, 100_000),
        unc.string("method", "profile", ("profile", "none")), unc.integer("points", 4, 1, 20),
        digest(doc))


def load(path: str | Path) -> CalibrationSpec:
    return parse(*read_toml(path))


def suggest(name: str) -> str:
    return did_you_mean(name, tuple(RAT.parameters.names) + tuple(INTERVENTION_PARAMETERS.names))


__all__ = ["CalibrationSpec", "ConfigError", "Free", "Selection", "load", "parse"]
