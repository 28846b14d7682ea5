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
from follisim.interventions.agents import build_chain, dose_events, to_canonical
from follisim.io.config import (
    INITIAL_STATES,
    MAX_BURN_IN,
    ConfigError,
    Reader,
    RunConfig,
    SolverOptions,
    did_you_mean,
    digest,
    parameters_table,
    read_toml,
    solver_options,
)
from follisim.models import RAT
from follisim.protocols import Protocol

_TOP = ("description", "experiment", "solver", "parameters", "mirnas", "arms")
_EXPERIMENT = {"strain": "string", "measure_days": "list of numbers", "save_interval": "number",
               "initial_state": "string", "model": "string", "burn_in": "number",
               "measure_window": "number"}
_ARM = {"name": "string", "parameters": "table", "doses": "array of tables",
        "description": "string"}
_DOSE = {"agent": "string", "dose": "number", "unit": "string", "route": "string",
         "days": "number or list", "mechanisms": "list", "cargo": "table", "preset": "string",
         "start_day": "number"}


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


def is_experiment(document: Mapping[str, Any]) -> bool:
    return "arms" in document


def _mirnas(src: str, table: Any) -> dict[str, MiRNA]:
    known = dict(MIRNAS)
    if not isinstance(table, dict):
        raise ConfigError(src, "mirnas", "must be a table of miRNA definitions")
    for name, spec in table.items():
        key = f"mirnas.{name}"
        Reader(src, key, spec, {"targets": "table", "reference": "string"})
        targets = spec.get("targets")
        if not isinstance(targets, dict):
            raise ConfigError(src, f"{key}.targets",
                              "must be a table gene = {kd, hill} ({} for no modelled target)")
        parsed = []
        for gene, t in targets.items():
            if gene not in TARGET_CHANNELS:
                raise ConfigError(src, f"{key}.targets.{gene}", "unknown target gene; "
                                  + did_you_mean(gene, tuple(TARGET_CHANNELS)))
            r = Reader(src, f"{key}.targets.{gene}", t, {"kd": "number", "hill": "number"})
            parsed.append(Target(gene, r.number("kd", None, 0.0, math.inf, lo_open=True),
                                 r.number("hill", 1.0, 0.1, 8.0)))
        known[name] = MiRNA(name, tuple(parsed), str(spec.get("reference", "")))
    return known


def _days(src: str, key: str, value: Any, end: float) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, int | float) and not isinstance(v, bool)
                             for v in values):
        raise ConfigError(src, key, "must be a day number or a non-empty list of day numbers")
    for v in values:
        if not math.isfinite(v) or v < 0:
            raise ConfigError(src, key, f"day {v:g} must be >= 0")
        if v > end:
            raise ConfigError(src, key, f"day {v:g} is after the end of the run "
                                        f"(last measurement day {end:g})")
    return tuple(float(v) for v in values)


def _dose_lines(src: str, key: str, entry: Any, end: float) -> list[dict]:
    """Expand one ``[[arms.doses]]`` entry (possibly a preset) into validated dose lines."""
    r = Reader(src, key, entry, _DOSE)
    if "preset" in entry:
        if "agent" in entry:
            raise ConfigError(src, f"{key}.preset", "give either preset or agent, not both")
        name = entry["preset"]
        if name not in PRESETS:
            raise ConfigError(src, f"{key}.preset", f"unknown preset {name!r}; "
                              + did_you_mean(str(name), tuple(PRESETS)))
        start = r.number("start_day", 0.0, 0.0, end)
        lines = []
        for d in PRESETS[name]:
            days = tuple(start + day for day in d.days)
            _days(src, f"{key}.start_day", list(days), end)
            lines.append({"agent": d.agent, "dose": d.dose, "unit": d.unit, "route": d.route,
                          "days": days, "mechanisms": entry.get("mechanisms"),
                          "cargo": None})
        return lines
    agent_name = entry.get("agent")
    if agent_name not in AGENTS:
        raise ConfigError(src, f"{key}.agent", f"unknown agent {agent_name!r}; "
                          + did_you_mean(str(agent_name), tuple(AGENTS)))
    agent = AGENTS[agent_name]
    if "dose" not in entry:
        raise ConfigError(src, f"{key}.dose", f"is required ({agent.unit})")
    dose = entry["dose"]
    if isinstance(dose, bool) or not isinstance(dose, int | float) or not math.isfinite(dose):
        raise ConfigError(src, f"{key}.dose", f"must be a number, got {dose!r}")
    if dose < 0:
        raise ConfigError(src, f"{key}.dose", f"must be >= 0, got {dose:g}")
    unit = entry.get("unit")
    if unit not in agent.units:
        what = "is required" if unit is None else f"{unit!r} is not a unit of {agent_name}"
        raise ConfigError(src, f"{key}.unit", f"{what}; allowed: {', '.join(agent.units)}")
    route = entry.get("route")
    if route not in agent.routes:
        what = "is required" if route is None else f"unknown route {route!r} for {agent_name}"
        raise ConfigError(src, f"{key}.route", f"{what}; allowed: {', '.join(agent.routes)}")
    if "days" not in entry:
        raise ConfigError(src, f"{key}.days", "is required (a day or a list of days)")
    return [{"agent": agent_name, "dose": float(dose), "unit": unit, "route": route,
             "days": _days(src, f"{key}.days", entry["days"], end),
             "mechanisms": entry.get("mechanisms"), "cargo": entry.get("cargo")}]


def build_protocol(lines: tuple[DoseRecord, ...], values: Mapping[str, float],
                   mirnas: Mapping[str, MiRNA], body_weight: float) -> Protocol:
    """The PK chains and dose events of validated dosing ``lines``.

    ``values`` are the intervention parameters (``follisim.interventions.PARAMETERS`` names,
    all of them); doses of one chain key share one chain, in order of first appearance.
    """
    chains: dict[ChainKey, object] = {}
    events = []
    for line in lines:
        ck = line.chain
        if ck not in chains:
            chains[ck] = build_chain(ck, values, mirnas)
        amount = to_canonical(AGENTS[line.agent], line.dose, line.unit, values, body_weight)
        events += dose_events(ck, amount, line.route, line.days)
    return Protocol(chains=tuple(chains.values()), doses=tuple(events))


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


def _chain_key(src: str, key: str, line: dict, mirnas: Mapping[str, MiRNA]) -> ChainKey:
    agent = AGENTS[line["agent"]]
    mechanisms: tuple[str, ...] = ()
    cargo: tuple[tuple[str, float], ...] = ()
    if agent.kind == "injury":
        given = line["mechanisms"]
        mechanisms = tuple(MECHANISM_CHANNELS) if given is None else given
        if not isinstance(mechanisms, list | tuple) or not all(
                m in MECHANISM_CHANNELS for m in mechanisms):
            bad = [m for m in (mechanisms if isinstance(mechanisms, list) else [mechanisms])
                   if m not in MECHANISM_CHANNELS]
            raise ConfigError(src, f"{key}.mechanisms", f"unknown mechanism {bad[:1]}; "
                              f"allowed: {', '.join(MECHANISM_CHANNELS)}")
        mechanisms = tuple(m for m in MECHANISM_CHANNELS if m in mechanisms)
    elif line["mechanisms"] is not None:
        raise ConfigError(src, f"{key}.mechanisms", "applies to injury agents only")
    if agent.kind == "ev":
        given = DEFAULT_CARGO if line["cargo"] is None else line["cargo"]
        if not isinstance(given, dict):
            raise ConfigError(src, f"{key}.cargo", "must be a table miRNA = copies per ug")
        for name, copies in given.items():
            if name not in mirnas:
                raise ConfigError(src, f"{key}.cargo.{name}", "unknown miRNA; "
                                  + did_you_mean(name, tuple(mirnas))
                                  + " (or define it under [mirnas])")
            if isinstance(copies, bool) or not isinstance(copies, int | float) or copies < 0:
                raise ConfigError(src, f"{key}.cargo.{name}",
                                  f"must be a number of copies per ug >= 0, got {copies!r}")
        cargo = tuple(sorted((n, float(c)) for n, c in given.items()))
    elif line["cargo"] is not None:
        raise ConfigError(src, f"{key}.cargo", "applies to EVs only")
    return ChainKey(line["agent"], mechanisms, cargo)


def parse_experiment(document: Mapping[str, Any], source: str = "<experiment>") -> Experiment:
    """Validate an experiment document."""
    for key in document:
        if key not in _TOP:
            raise ConfigError(source, key, f"unknown table or key; {did_you_mean(key, _TOP)}")
    exp = Reader(source, "experiment", document.get("experiment", {}), _EXPERIMENT)
    strain = exp.string("strain", "sprague_dawley", tuple(STRAINS))
    exp.string("model", "rat", ("rat",))
    raw_days = exp.table.get("measure_days")
    if not isinstance(raw_days, list) or not raw_days or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 36_500
            for v in raw_days) or any(b <= a for a, b in zip(raw_days, raw_days[1:], strict=False)):
        raise ConfigError(source, "experiment.measure_days",
                          "must be a strictly increasing list of days in (0, 36500]")
    measure = tuple(float(v) for v in raw_days)
    end = measure[-1]
    step = exp.number("save_interval", 0.5, 0.0, end, lo_open=True)
    save_t = np.unique(np.concatenate([np.arange(0.0, end, step), measure, [end]]))
    initial = exp.string("initial_state", "limit_cycle", INITIAL_STATES)
    burn_in = exp.number("burn_in", RunConfig.burn_in, 0.0, MAX_BURN_IN)
    window = exp.number("measure_window", 0.0, 0.0, measure[0])
    solver: SolverOptions = solver_options(source, document.get("solver", {}), end)
    shared = parameters_table(source, RAT, document.get("parameters", {}),
                              extra=INTERVENTION_PARAMETERS)
    mirnas = _mirnas(source, document.get("mirnas", {}))
    arms_raw = document.get("arms")
    if not isinstance(arms_raw, list) or not arms_raw:
        raise ConfigError(source, "arms", "must be a non-empty array of tables ([[arms]])")
    sha256 = digest(document)
    seen: dict[str, int] = {}
    arms = []
    for i, arm_doc in enumerate(arms_raw):
        Reader(source, f"arms[{i}]", arm_doc, _ARM)
        name = arm_doc.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(source, f"arms[{i}].name", "is required (a non-empty string)")
        if name in seen:
            raise ConfigError(source, f"arms[{name}].name",
                              f"duplicate arm name (arms[{seen[name]}] and arms[{i}])")
        seen[name] = i
        prefix = f"arms[{name}]"
        overrides = {**shared, **parameters_table(source, RAT, arm_doc.get("parameters", {}),
                                                  key=f"{prefix}.parameters",
                                                  extra=INTERVENTION_PARAMETERS)}
        model_values = {k: v for k, v in overrides.items() if k in RAT.parameters.index}
        values = INTERVENTION_PARAMETERS.unpack(INTERVENTION_PARAMETERS.pack(
            {k: v for k, v in overrides.items() if k in INTERVENTION_PARAMETERS.index}))
        doses_raw = arm_doc.get("doses", [])
        if not isinstance(doses_raw, list):
            raise ConfigError(source, f"{prefix}.doses", "must be an array of tables")
        records = []
        for j, entry in enumerate(doses_raw):
            key = f"{prefix}.doses[{j}]"
            for line in _dose_lines(source, key, entry, end):
                records.append(DoseRecord(line["agent"], line["dose"], line["unit"],
                                          line["route"], line["days"],
                                          _chain_key(source, key, line, mirnas)))
        protocol = build_protocol(tuple(records), values, mirnas, STRAINS[strain])
        cfg = RunConfig(source=source, model=RAT, days=end, save_t=save_t,
                        initial_state=initial, burn_in=burn_in, solver=solver,
                        parameters=model_values,
                        protocol=protocol, description=str(arm_doc.get("description", "")),
                        sha256=sha256)
        arms.append(Arm(name, cfg, values, tuple(records)))
    description = document.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(source, "description", "must be a string")
    return Experiment(source, description, strain, measure, tuple(arms), sha256, window, mirnas)


def load_experiment(path: str | Path) -> Experiment:
    return parse_experiment(*read_toml(path))


def doses_json(arm: Arm) -> str:
    """The arm's dosing lines as JSON (stored in Dataset attributes)."""
    return json.dumps([{"agent": r.agent, "dose": r.dose, "unit": r.unit, "route": r.route,
                        "days": list(r.days)} for r in arm.doses])
