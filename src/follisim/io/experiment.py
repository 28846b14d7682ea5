"""Experiment files: several study arms, each a dosing schedule, on one measurement timeline.

::

    description = "..."
    [experiment]   strain, measure_days, measure_window, save_interval, initial_state,
                   burn_in
    [solver]       as in a run configuration
    [parameters]   model or intervention parameter overrides shared by all arms
    [mirnas."miR-x"]  targets = { PTEN = { kd = 1e6, hill = 1.0 } }   (user-defined miRNAs)
    [[arms]]       name, parameters = { ... }
    [[arms.doses]] agent, dose, unit, route, days, mechanisms (injury), cargo (EV)
                   or: preset, start_day   (published induction schedules)

The run ends at the last measurement day. Every problem is a ``ConfigError`` naming the file,
the arm and the key.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from follisim.interventions import (
    AGENTS,
    DEFAULT_CARGO,
    MECHANISM_CHANNELS,
    MIRNAS,
    PRESETS,
    STRAINS,
    TARGET_CHANNELS,
    ChainKey,
    MiRNA,
    Target,
)
from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.interventions.agents import build_chain, dose_events, to_canonical
from follisim.io.config import (
    INITIAL_STATES,
    MAX_BURN_IN,
    MAX_DAYS,
    MAX_SAVES,
    RunConfig,
    SolverOptions,
    count,
    digest,
    parameters_table,
    save_count,
    solver_options,
)
from follisim.io.config import TOP_KEYS as RUN_TOP
from follisim.io.validate import (
    ConfigError,
    Table,
    check_number,
    did_you_mean,
    document,
    read_toml,
    shorten,
    show,
)
from follisim.models import RAT
from follisim.protocols import Protocol

TOP_KEYS = ("description", "experiment", "solver", "parameters", "mirnas", "arms")
EXPERIMENT_ONLY = ("experiment", "arms", "mirnas")
EXPERIMENT_KEYS = ("strain", "measure_days", "save_interval", "initial_state", "model",
                   "burn_in", "measure_window")
ARM_KEYS = ("name", "parameters", "doses", "description")
DOSE_KEYS = ("agent", "dose", "unit", "route", "days", "mechanisms", "cargo", "preset",
             "start_day")
MIRNA_KEYS = ("targets", "reference")
TARGET_KEYS = ("kd", "hill")
#: Largest result an experiment may ask for: save times x arms x variables x 8 bytes.
MAX_RESULT_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class DoseRecord:
    """One dosing line as given (for plots and provenance)."""

    agent: str
    dose: float
    unit: str
    route: str
    days: tuple[float, ...]


@dataclass(frozen=True)
class Arm:
    name: str
    config: RunConfig
    intervention_values: dict[str, float]
    doses: tuple[DoseRecord, ...] = ()


@dataclass(frozen=True)
class Experiment:
    source: str
    description: str
    strain: str
    measure_days: tuple[float, ...]
    arms: tuple[Arm, ...]
    sha256: str = ""
    measure_window: float = 0.0

    @property
    def days(self) -> float:
        return self.measure_days[-1]


def is_experiment(doc: Mapping[str, Any]) -> bool:
    """Whether a parsed document is an experiment rather than a run configuration.

    An experiment has ``[experiment]``, ``[[arms]]`` or ``[mirnas]``; a document with neither
    ``[run]`` nor ``[[inputs]]`` whose unknown top-level keys resemble those (``[[arm]]``,
    ``[experiments]``) is treated as an experiment too, so its message names the misspelling.
    """
    if any(key in doc for key in EXPERIMENT_ONLY):
        return True
    if "run" in doc or "inputs" in doc:
        return False
    stray = [str(k)[:100] for k in doc if k not in RUN_TOP]
    return any(difflib.get_close_matches(k, EXPERIMENT_ONLY, n=1, cutoff=0.6) for k in stray)


def _mirnas(top: Table) -> dict[str, MiRNA]:
    """Built-in miRNAs plus those defined under ``[mirnas."name"]``."""
    known = dict(MIRNAS)
    table = top.mapping("mirnas", what="miRNA definitions")
    defined = Table(top.source, "mirnas", table, tuple(table))
    for name in table:
        spec = defined.subtable(name, MIRNA_KEYS)
        spec.get("targets", None, "a table gene = { kd, hill }; {} for no modelled target")
        targets = spec.subtable("targets", tuple(TARGET_CHANNELS), what="target gene")
        parsed = []
        for gene in targets.table:
            t = targets.subtable(gene, TARGET_KEYS)
            parsed.append(Target(gene, t.number("kd", None, 0.0, lo_open=True, unit="copies"),
                                 t.number("hill", 1.0, 0.1, 8.0)))
        known[name] = MiRNA(name, tuple(parsed), spec.string("reference", ""))
    return known


def _days(dose: Table, name: str, end: float) -> tuple[float, ...]:
    """Dose days: a day or a strictly increasing list of days in ``[0, end]``."""
    days = dose.numbers(name, None, 0.0, MAX_DAYS, unit="day", scalar=True, increasing=True)
    late = [d for d in days if d > end]
    if late:
        raise dose.error(name, f"day {late[0]:g} is after the end of the run (last measurement "
                               f"day {end:g})")
    return days


def _listed(dose: Table, name: str, allowed: tuple[str, ...], unknown: str) -> str:
    """A required string from a short list; ``unknown.format(value)`` and the allowed list
    make the message."""
    value = dose.get(name, None, f"allowed: {', '.join(allowed)}")
    if not isinstance(value, str):
        raise dose.error(name, f"must be a string, got {show(value)}; allowed: "
                               f"{', '.join(allowed)}")
    if value not in allowed:
        raise dose.error(name, f"{unknown.format(shorten(repr(value)))}; allowed: "
                               f"{', '.join(allowed)}")
    return value


def _dose_lines(dose: Table, end: float) -> list[dict]:
    """Expand one ``[[arms.doses]]`` entry (possibly a preset) into validated dose lines."""
    if "preset" in dose:
        if "agent" in dose:
            raise dose.error("preset", "give either preset or agent, not both")
        dose.refuse(("dose", "unit", "route", "days", "cargo"),
                    "does not apply to a preset (its doses, units, routes and days are fixed; "
                    "shift them with start_day, or give agent, dose, unit, route and days "
                    "instead)")
        name = dose.string("preset", None, tuple(PRESETS), what="preset")
        start = dose.number("start_day", 0.0, 0.0, end, unit="day")
        lines = []
        for d in PRESETS[name]:
            days = tuple(start + day for day in d.days)
            if days[-1] > end:
                raise dose.error("start_day", f"puts the last dose of {name} on day "
                                              f"{days[-1]:g}, after the end of the run (last "
                                              f"measurement day {end:g})")
            lines.append({"agent": d.agent, "dose": d.dose, "unit": d.unit, "route": d.route,
                          "days": days})
        return lines
    dose.refuse(("start_day",), "applies to presets only; give the dose days in days")
    agent_name = dose.string("agent", None, tuple(AGENTS), what="agent")
    agent = AGENTS[agent_name]
    amount = dose.number("dose", None, 0.0, unit=agent.unit)
    unit = _listed(dose, "unit", agent.units, f"{{}} is not a unit of {agent_name}")
    route = _listed(dose, "route", tuple(agent.routes), f"unknown route {{}} for {agent_name}")
    days = _days(dose, "days", end)
    return [{"agent": agent_name, "dose": amount, "unit": unit, "route": route, "days": days}]


#: SI conversions of dose units to kg (per kg of body mass for the "/kg" units).
_KG = {"mg": 1e-6, "ug": 1e-9, "µg": 1e-9}


def _check_mass(dose: Table, line: dict, values: Mapping[str, float], strain: str) -> None:
    """A dose given as a mass must weigh less than the animal (a physical bound, no model
    number). Cell counts are not bounded: their effect saturates."""
    unit, amount = line["unit"], line["dose"]
    body = STRAINS[strain]
    if unit.endswith("/kg") and unit.removesuffix("/kg") in _KG:
        kg = amount * _KG[unit.removesuffix("/kg")] * body
    elif unit in _KG:
        kg = amount * _KG[unit]
    elif unit == "particles":
        kg = amount / values["ev_particles_per_ug"] * _KG["ug"]
    else:
        return
    if kg >= body:
        raise dose.error("dose", f"{amount:g} {unit} weighs {kg:g} kg, not less than the "
                                 f"{strain} rat ({body:g} kg); a dose must be a finite amount "
                                 "lighter than the animal")


def _chain_key(dose: Table, agent_name: str, mirnas: Mapping[str, MiRNA]) -> ChainKey:
    """The chain a dose line joins: the agent with its mechanisms (injury) or cargo (EV)."""
    agent = AGENTS[agent_name]
    mechanisms: tuple[str, ...] = ()
    cargo: tuple[tuple[str, float], ...] = ()
    if agent.kind == "injury":
        given = set(dose.strings("mechanisms", list(MECHANISM_CHANNELS),
                                 tuple(MECHANISM_CHANNELS), what="mechanism"))
        mechanisms = tuple(m for m in MECHANISM_CHANNELS if m in given)
    elif "mechanisms" in dose:
        raise dose.error("mechanisms", f"applies to injury agents only, not to {agent_name}")
    if agent.kind == "ev":
        given = dose.mapping("cargo", DEFAULT_CARGO, what="miRNA = copies per ug")
        for name, copies in given.items():
            key = f"{dose.key('cargo')}.{shorten(name)}"
            if name not in mirnas:
                raise ConfigError(dose.source, key, "unknown miRNA; "
                                  + did_you_mean(name, tuple(mirnas))
                                  + " (or define it under [mirnas])")
            check_number(dose.source, key, copies, 0.0, unit="copies per ug")
        cargo = tuple(sorted((n, float(c)) for n, c in given.items()))
    elif "cargo" in dose:
        raise dose.error("cargo", f"applies to EVs only, not to {agent_name}")
    return ChainKey(agent_name, mechanisms, cargo)


def _arm_label(i: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return shorten(name) if isinstance(name, str) and name else str(i)


def _save_grid(exp: Table, measure: tuple[float, ...], n_arms: int) -> np.ndarray:
    """The save times, refused before they are built if they would not fit the caps."""
    end = measure[-1]
    step = exp.number("save_interval", 0.5, 0.0, end, lo_open=True, unit="day")
    n = save_count(end, step) + len(measure)
    if n > MAX_SAVES:
        raise exp.error("save_interval", f"{step:g} days gives {count(n)} save times per arm over "
                                         f"{end:g} days; at most {MAX_SAVES:,}")
    width = len(RAT.states) + len(RAT.inputs) + len(RAT.observables)
    size = n * n_arms * width * 8
    if size > MAX_RESULT_BYTES:
        raise exp.error("save_interval", f"{step:g} days gives {n:,.0f} save times x {n_arms} "
                                         f"arms x {width} variables = {size / 2**30:.1f} GiB; "
                                         f"at most {MAX_RESULT_BYTES / 2**30:g} GiB")
    return np.unique(np.concatenate([np.arange(0.0, end, step), measure, [end]]))


def parse_experiment(doc: Mapping[str, Any], source: str = "<experiment>") -> Experiment:
    """Validate an experiment document (every check before anything is built or run)."""
    top = document(source, doc, TOP_KEYS)
    description = top.string("description", "")
    exp = top.subtable("experiment", EXPERIMENT_KEYS)
    strain = exp.string("strain", "sprague_dawley", tuple(STRAINS), what="strain")
    exp.string("model", "rat", ("rat",), what="model")
    measure = exp.numbers("measure_days", None, 0.0, MAX_DAYS, lo_open=True, unit="day",
                          increasing=True)
    end = measure[-1]
    initial = exp.string("initial_state", "limit_cycle", INITIAL_STATES, what="initial state")
    burn_in = exp.number("burn_in", RunConfig.burn_in, 0.0, MAX_BURN_IN, unit="day")
    window = exp.number("measure_window", 0.0, 0.0, measure[0], unit="day")
    solver: SolverOptions = solver_options(source, top.get("solver", {}), end)
    shared = parameters_table(source, RAT, top.mapping("parameters"),
                              extra=INTERVENTION_PARAMETERS)
    mirnas = _mirnas(top)
    top.get("arms", None, "an array of tables [[arms]], each with a name")
    arms_doc = top.tables("arms", ARM_KEYS, label=_arm_label, nonempty=True)
    save_t = _save_grid(exp, measure, len(arms_doc))
    sha256 = digest(doc)
    seen: dict[str, int] = {}
    arms = []
    for i, arm in enumerate(arms_doc):
        arm.prefix = f"arms[{i}]"
        name = arm.get("name", None, "a non-empty string")
        if not isinstance(name, str) or not name.strip():
            raise arm.error("name", f"must be a non-empty string, got {show(name)}")
        arm.prefix = f"arms[{shorten(name)}]"
        if name in seen:
            raise arm.error("name", f"duplicate arm name (arms[{seen[name]}] and arms[{i}])")
        seen[name] = i
        overrides = {**shared, **parameters_table(source, RAT, arm.mapping("parameters"),
                                                  key=arm.key("parameters"),
                                                  extra=INTERVENTION_PARAMETERS)}
        model_values = {k: v for k, v in overrides.items() if k in RAT.parameters.index}
        values = INTERVENTION_PARAMETERS.unpack(INTERVENTION_PARAMETERS.pack(
            {k: v for k, v in overrides.items() if k in INTERVENTION_PARAMETERS.index}))
        arm_description = arm.string("description", "")
        chains: dict[ChainKey, object] = {}
        lines = []
        for dose in arm.tables("doses", DOSE_KEYS):
            for line in _dose_lines(dose, end):
                _check_mass(dose, line, values, strain)
                lines.append((line, _chain_key(dose, line["agent"], mirnas)))
        events = []
        records = []
        for line, ck in lines:
            if ck not in chains:
                chains[ck] = build_chain(ck, values, mirnas)
            amount = to_canonical(AGENTS[line["agent"]], line["dose"], line["unit"], values,
                                  STRAINS[strain])
            events += dose_events(ck, amount, line["route"], line["days"])
            records.append(DoseRecord(line["agent"], line["dose"], line["unit"],
                                      line["route"], line["days"]))
        protocol = Protocol(chains=tuple(chains.values()), doses=tuple(events))
        cfg = RunConfig(source=source, model=RAT, days=end, save_t=save_t,
                        initial_state=initial, burn_in=burn_in, solver=solver,
                        parameters=model_values, protocol=protocol,
                        description=arm_description, sha256=sha256)
        arms.append(Arm(name, cfg, values, tuple(records)))
    return Experiment(source, description, strain, measure, tuple(arms), sha256, window)


def load_experiment(path: str | Path) -> Experiment:
    return parse_experiment(*read_toml(path))


def doses_json(arm: Arm) -> str:
    """The arm's dosing lines as JSON (stored in Dataset attributes)."""
    return json.dumps([r.__dict__ for r in arm.doses])
