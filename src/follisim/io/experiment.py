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
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
from follisim.interventions.agents import (
    build_chain,
    dose_events,
    surgery_scalings,
    to_canonical,
)
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

TOP_KEYS = ("description", "experiment", "solver", "parameters", "mirnas", "arms", "compare")
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
    """One validated dosing line: as given (for plots and provenance) plus its PK chain key.

    ``dose`` is in ``unit``; ``days`` [day]; ``chain`` says which closed-form chain the doses
    enter (``follisim.interventions.agents.ChainKey``: agent, injury mechanisms, EV cargo).
    """

    agent: str
    dose: float
    unit: str
    route: str
    days: tuple[float, ...]
    chain: ChainKey | None = None


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
    mirnas: Mapping[str, MiRNA] = field(default_factory=lambda: dict(MIRNAS))
    #: the ``[compare]`` table as written (validated by ``follisim.compare.settings``)
    compare: Mapping[str, Any] = field(default_factory=dict)

    @property
    def days(self) -> float:
        return self.measure_days[-1]

    @property
    def body_weight(self) -> float:
        """Body weight of the strain [kg] (converts per-animal doses to mg/kg)."""
        return STRAINS[self.strain]

    def arm(self, name: str) -> Arm:
        """The arm called ``name`` (``KeyError`` naming the arms otherwise)."""
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(f"no arm {name!r}; arms: {', '.join(a.name for a in self.arms)}")


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
    amount = dose.number("dose", None, 0.0, 1.0 if agent.kind == "surgery" else math.inf,
                         unit=agent.unit)
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


def build_protocol(lines: tuple[DoseRecord, ...], values: Mapping[str, float],
                   mirnas: Mapping[str, MiRNA], body_weight: float) -> Protocol:
    """The PK chains and dose events of validated dosing ``lines``.

    ``values`` are the intervention parameters (``follisim.interventions.PARAMETERS`` names,
    all of them); doses of one chain key share one chain, in order of first appearance.
    """
    chains: dict[ChainKey, object] = {}
    events = []
    scalings = []
    for line in lines:
        if AGENTS[line.agent].kind == "surgery":
            scalings += surgery_scalings(line.dose, line.days, RAT.follicle_states)
            continue
        ck = line.chain
        if ck not in chains:
            chains[ck] = build_chain(ck, values, mirnas)
        amount = to_canonical(AGENTS[line.agent], line.dose, line.unit, values, body_weight)
        events += dose_events(ck, amount, line.route, line.days)
    return Protocol(chains=tuple(chains.values()), doses=tuple(events),
                    scalings=tuple(scalings))


#: Dose modifiers, named ``<agent>.<kind>`` (or ``ev.cargo.<miRNA>``): what a sweep or a
#: virtual cohort may change per sample in an arm's dosing, keeping its structure.
MODIFIER_KINDS = {
    "dose": "dose per administration, in the unit of the arm's dosing lines",
    "dose_scale": "factor on every dose of the agent [1]",
    "day": "day of the agent's first dose; its whole schedule moves with it [day]",
    "cargo": "EV cargo of one miRNA [copies per ug EV protein]",
}


@dataclass(frozen=True)
class Modifier:
    """A per-sample change to an arm's dosing of ``agent`` (``MODIFIER_KINDS``)."""

    agent: str
    kind: str
    mirna: str = ""

    @property
    def name(self) -> str:
        return f"{self.agent}.cargo.{self.mirna}" if self.kind == "cargo" else \
            f"{self.agent}.{self.kind}"


def parse_modifier(name: str, mirnas: Mapping[str, MiRNA]) -> Modifier:
    """The ``Modifier`` called ``name``; ``ValueError`` saying what is allowed otherwise."""
    agent, _, rest = name.partition(".")
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r} in {name!r}; "
                         + did_you_mean(agent, tuple(AGENTS)))
    kind, _, mirna = rest.partition(".")
    if kind not in MODIFIER_KINDS or (kind == "cargo") != bool(mirna):
        raise ValueError(f"{name!r} is not a dose modifier; allowed: {agent}.dose, "
                         f"{agent}.dose_scale, {agent}.day" +
                         (", ev.cargo.<miRNA>" if AGENTS[agent].kind == "ev" else ""))
    if kind == "cargo":
        if AGENTS[agent].kind != "ev":
            raise ValueError(f"{name!r}: cargo applies to EVs only")
        if mirna not in mirnas:
            raise ValueError(f"{name!r}: unknown miRNA; " + did_you_mean(mirna, tuple(mirnas)))
    return Modifier(agent, kind, mirna)


def modifier_problem(arm: Arm, mod: Modifier, values: np.ndarray, end: float) -> str | None:
    """Why the column ``values`` of ``mod`` cannot be applied to ``arm`` (``None``: it can).

    A modifier of an agent that ``arm`` does not dose does not apply and is no problem.
    """
    lines = [d for d in arm.doses if d.agent == mod.agent]
    values = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        return f"row {bad[0]}: {values[bad[0]]!r} is not a finite number"
    if not lines:
        return None
    if mod.kind in ("dose", "dose_scale", "cargo"):
        bad = np.flatnonzero(values < 0)
        if bad.size:
            return f"row {bad[0]}: {values[bad[0]]:g} must be >= 0"
    if mod.kind == "dose" and len({(d.dose, d.unit) for d in lines}) > 1:
        return (f"arm {arm.name!r} doses {mod.agent} at several doses or units; sweep "
                f"{mod.agent}.dose_scale instead")
    if mod.kind == "day":
        first = min(min(d.days) for d in lines)
        hi = end - (max(max(d.days) for d in lines) - first)
        bad = np.flatnonzero((values < 0.0) | (values > hi))
        if bad.size:
            return (f"row {bad[0]}: first dose on day {values[bad[0]]:g} moves arm "
                    f"{arm.name!r}'s {mod.agent} schedule outside the run; allowed: "
                    f"0 to {hi:g}")
    return None


_ORDER = {"dose": 0, "dose_scale": 1, "day": 2, "cargo": 3}


def modified_doses(doses: tuple[DoseRecord, ...], changes: Mapping[Modifier, float]
                   ) -> tuple[DoseRecord, ...]:
    """``doses`` with ``changes`` applied: ``dose`` sets, then ``dose_scale`` multiplies the
    agent's doses; ``day`` moves the agent's schedule so its first dose falls on the value
    (each day ``d`` becomes ``value + (d - first)``); ``cargo`` sets one miRNA's copies."""
    out = list(doses)
    for mod in sorted(changes, key=lambda m: (_ORDER[m.kind], m.agent, m.mirna)):
        value = float(changes[mod])
        idx = [i for i, d in enumerate(out) if d.agent == mod.agent]
        if not idx:
            continue
        first = min(min(out[i].days) for i in idx)
        for i in idx:
            d = out[i]
            if mod.kind == "dose":
                out[i] = replace(d, dose=value)
            elif mod.kind == "dose_scale":
                out[i] = replace(d, dose=d.dose * value)
            elif mod.kind == "day":
                out[i] = replace(d, days=tuple(value + (day - first) for day in d.days))
            else:
                cargo = dict(d.chain.cargo)
                cargo[mod.mirna] = value
                out[i] = replace(d, chain=replace(d.chain, cargo=tuple(sorted(cargo.items()))))
    return tuple(out)


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
        records = []
        for dose in arm.tables("doses", DOSE_KEYS):
            for line in _dose_lines(dose, end):
                _check_mass(dose, line, values, strain)
                records.append(DoseRecord(line["agent"], line["dose"], line["unit"],
                                          line["route"], line["days"],
                                          _chain_key(dose, line["agent"], mirnas)))
        protocol = build_protocol(tuple(records), values, mirnas, STRAINS[strain])
        cfg = RunConfig(source=source, model=RAT, days=end, save_t=save_t,
                        initial_state=initial, burn_in=burn_in, solver=solver,
                        parameters=model_values, protocol=protocol,
                        description=arm_description, sha256=sha256)
        arms.append(Arm(name, cfg, values, tuple(records)))
    compare = top.mapping("compare", what="comparison settings (docs/compare.md)")
    experiment = Experiment(source, description, strain, measure, tuple(arms), sha256, window,
                            mirnas, compare)
    if compare:
        from follisim.compare.settings import settings  # validated here like every table

        settings(experiment)
    return experiment


def load_experiment(path: str | Path) -> Experiment:
    return parse_experiment(*read_toml(path))


def doses_json(arm: Arm) -> str:
    """The arm's dosing lines as JSON (stored in Dataset attributes)."""
    return json.dumps([{"agent": r.agent, "dose": r.dose, "unit": r.unit, "route": r.route,
                        "days": list(r.days)} for r in arm.doses])
