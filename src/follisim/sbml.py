"""Export a run configuration (or one experiment arm) as SBML Level 3 Version 2.

Species ids equal the Dataset's state names, parameter ids the registry names, inputs and
observables keep their Dataset names; dynamics are rate rules, intermediate quantities
assignment rules, PK chains extra species (``pk<j>_central``, ``pk<j>_effect``), and doses and
input switches SBML events (those on day 0 set initial values). Needs the ``sbml`` extra
(python-libsbml). The rules are generated from the model's equations
(``follisim.spec.codegen.sbml_rules``), written with ``max``/``min`` guards and no
``piecewise``, so libRoadRunner, COPASI and AMICI all load them; a test simulates the export
with libRoadRunner against ``follisim run``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from follisim.io.config import RunConfig
from follisim.models.rat import INPUTS, STATES
from follisim.protocols import Protocol
from follisim.spec.codegen import SBML_FUNCTIONS, sbml_rules

_NG_PER_L = ("ng_per_L", [("gram", 1, -9, 1.0), ("litre", -1, 0, 1.0)])
_UNITS = {  # unit string -> (id, [(libsbml kind, exponent, scale, multiplier)])
    "day": ("day", [("second", 1, 0, 86400.0)]),
    "1/day": ("per_day", [("second", -1, 0, 86400.0)]),
    "1": ("dimensionless", None),
    "pg/mL": ("pg_per_mL", [("gram", 1, -12, 1.0), ("litre", -1, -3, 1.0)]),
    "follicles": ("item", None),
    "follicles (both ovaries)": ("item", None),
    "corpora lutea (both ovaries)": ("item", None),
    "ng/L (Tang 2018 ELISA scale)": _NG_PER_L,
    "ng/L (Tang 2018 scale)": _NG_PER_L,
    "1 (healthy = 1)": ("dimensionless", None),
}


def _math(formula: str):
    """Parse an SBML L3 infix formula, failing loudly."""
    import libsbml

    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise ValueError(f"cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return ast


def _check(code: int, what: str) -> None:
    import libsbml

    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml failed on {what}: "
                           f"{libsbml.OperationReturnValue_toString(code)}")


def start_state(cfg: RunConfig) -> dict[str, float]:
    """The state follisim starts ``cfg`` from at day 0, before any day-0 dose or switch."""
    from follisim.simulate import simulate

    bare = dataclasses.replace(cfg, protocol=Protocol(), days=1e-9,
                               save_t=np.zeros(1))
    ds0 = simulate(bare, throw=True).isel(time=0)
    return {s: float(ds0[s]) for s in cfg.model.state_names}


def to_sbml(cfg: RunConfig, initial_state: Mapping[str, float] | None = None) -> str:
    """SBML L3V2 text of ``cfg`` (model, parameters, PK chains, doses and input switches).

    ``initial_state`` (before day-0 events) defaults to follisim's own start
    (:func:`start_state`), so the quasi-steady or limit-cycle start is the same in both tools;
    events on day 0 are then applied to it once, as initial values.
    """
    import libsbml

    from follisim.core import dopri5, pk

    model_spec = cfg.model
    if model_spec.name != "rat":
        raise ValueError("SBML export supports the rat model")
    if initial_state is None:
        initial_state = start_state(cfg)
    compiled = cfg.protocol.compile(model_spec, 0.0, cfg.days)
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId("follisim_rat")
    m.setName(f"follisim rat ovary model ({cfg.source})")
    for unit_id, parts in dict(_UNITS.values()).items():       # one definition per id
        if parts is None:
            continue
        ud = m.createUnitDefinition()
        ud.setId(unit_id)
        for kind, exponent, scale, multiplier in parts:
            u = ud.createUnit()
            u.setKind(libsbml.UnitKind_forName(kind))
            u.setExponent(exponent)
            u.setScale(scale)
            u.setMultiplier(multiplier)
    m.setTimeUnits("day")
    comp = m.createCompartment()
    comp.setId("rat")
    comp.setConstant(True)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3)
    comp.setUnits("dimensionless")

    for fid, (args, body) in SBML_FUNCTIONS.items():
        fd = m.createFunctionDefinition()
        fd.setId(fid)
        _check(fd.setMath(_math(f"lambda({args}, {body})")), fid)

    def unit_of(text: str) -> str | None:
        return _UNITS[text][0] if text in _UNITS else None

    values = model_spec.parameters.unpack(model_spec.parameters.pack(cfg.parameters))
    for par in model_spec.parameters.parameters:
        q = m.createParameter()
        q.setId(par.name)
        q.setName(f"{par.description} [{par.unit}]")
        q.setValue(values[par.name])
        q.setConstant(True)
        if unit_of(par.unit):
            q.setUnits(unit_of(par.unit))

    for state in STATES:
        s = m.createSpecies()
        s.setId(state.name)
        s.setName(f"{state.long_name} [{state.unit}]")
        s.setCompartment("rat")
        s.setInitialAmount(initial_state[state.name])
        s.setHasOnlySubstanceUnits(True)
        s.setBoundaryCondition(False)
        s.setConstant(False)
        if unit_of(state.unit):
            s.setSubstanceUnits(unit_of(state.unit))

    # PK chains: species with closed-form-equivalent linear rate rules.
    rates = compiled.pk_rates
    for j in range(rates.shape[0]):
        for site in ("central", "effect"):
            s = m.createSpecies()
            s.setId(f"pk{j}_{site}")
            s.setName(f"{cfg.protocol.chains[j].name} ({site})")
            s.setCompartment("rat")
            s.setInitialAmount(0.0)
            s.setHasOnlySubstanceUnits(True)
            s.setBoundaryCondition(False)
            s.setConstant(False)
        for k, name in enumerate(("k_el", "k_tr", "k_out")):
            q = m.createParameter()
            q.setId(f"pk{j}_{name}")
            q.setValue(float(rates[j, k]))
            q.setConstant(True)
            q.setUnits("per_day")

    # Inputs: base level (switched by events) plus PK-driven terms.
    terms: dict[int, list[str]] = {}
    for row in compiled.pk_map:
        j, site, channel, kind = (int(v) for v in row[:4])
        gain, half, hill = (float(v) for v in row[4:])
        a = f"pk{j}_{'central' if site == pk.CENTRAL else 'effect'}"
        if kind == pk.LINEAR:
            term = f"{gain!r} * max({a}, 0)"
        elif kind == pk.HILL:
            term = f"{gain!r} * hill({a}, {half!r}, {hill!r})"
        else:
            term = f"ln(1 + max({gain!r} * {a} / {half!r}, 0)^{hill!r})"
        terms.setdefault(channel, []).append(term)
    for i, var in enumerate(INPUTS):
        base = m.createParameter()
        base.setId(f"{var.name}_base")
        base.setValue(float(compiled.u0[i]))
        base.setConstant(False)
        q = m.createParameter()
        q.setId(var.name)
        q.setName(f"{var.long_name} [{var.unit}]")
        q.setConstant(False)
        rule = m.createAssignmentRule()
        rule.setVariable(var.name)
        _check(rule.setMath(_math(" + ".join([f"{var.name}_base",
                                                               *terms.get(i, [])]))), var.name)

    assignments, rate_rules = sbml_rules(model_spec)
    for sid, formula in assignments:
        q = m.createParameter()
        q.setId(sid)
        q.setConstant(False)
        rule = m.createAssignmentRule()
        rule.setVariable(sid)
        _check(rule.setMath(_math(formula)), sid)
    for name, formula in rate_rules.items():
        rule = m.createRateRule()
        rule.setVariable(name)
        _check(rule.setMath(_math(formula)), name)
    for j in range(rates.shape[0]):
        for site, formula in (("central", f"-(pk{j}_k_el + pk{j}_k_tr) * pk{j}_central"),
                              ("effect", f"pk{j}_k_tr * pk{j}_central - pk{j}_k_out "
                                         f"* pk{j}_effect")):
            rule = m.createRateRule()
            rule.setVariable(f"pk{j}_{site}")
            _check(rule.setMath(_math(formula)), f"pk{j}_{site}")

    # Events (doses and input switches); those at day 0 set initial values instead.
    for n, (t, kind, target, value) in enumerate(zip(compiled.ev_t.tolist(),
                                                     compiled.ev_kind.tolist(),
                                                     compiled.ev_target.tolist(),
                                                     compiled.ev_value.tolist(), strict=True)):
        if kind == dopri5.SET_INPUT:
            variable, formula = f"{INPUTS[target].name}_base", f"{value!r}"
        elif kind == dopri5.ADD_STATE:
            variable = STATES[target].name
            formula = f"{variable} + {value!r}"
        elif kind == dopri5.SCALE_STATE:
            variable = STATES[target].name
            formula = f"{variable} * {value!r}"
        else:
            site = "central" if kind == dopri5.ADD_PK_CENTRAL else "effect"
            variable = f"pk{target}_{site}"
            formula = f"{variable} + {value!r}"
        if t <= 0.0:
            if kind == dopri5.SET_INPUT:
                m.getParameter(variable).setValue(value)
            elif kind == dopri5.SCALE_STATE:
                species = m.getSpecies(variable)
                species.setInitialAmount(species.getInitialAmount() * value)
            else:
                species = m.getSpecies(variable)
                species.setInitialAmount(species.getInitialAmount() + value)
            continue
        ev = m.createEvent()
        ev.setId(f"event_{n}")
        ev.setUseValuesFromTriggerTime(True)
        trig = ev.createTrigger()
        trig.setInitialValue(False)
        trig.setPersistent(True)
        _check(trig.setMath(_math(f"time >= {float(t)!r}")), f"event_{n}")
        ea = ev.createEventAssignment()
        ea.setVariable(variable)
        _check(ea.setMath(_math(formula)), f"event_{n}")
    return libsbml.writeSBMLToString(doc)


def consistency_errors(text: str) -> list[str]:
    """libsbml consistency-check messages of severity error or fatal."""
    import libsbml

    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    out = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            out.append(err.getMessage().strip())
    return out


def simulate_roadrunner(text: str, save_t: np.ndarray, rtol: float = 1e-10,
                        atol: float = 1e-12) -> dict[str, np.ndarray]:
    """Integrate an exported model with libRoadRunner (CVODE); returns state -> values."""
    import roadrunner

    rr = roadrunner.RoadRunner(text)
    integ = rr.getIntegrator()
    integ.setValue("relative_tolerance", rtol)
    integ.setValue("absolute_tolerance", atol)
    integ.setValue("maximum_num_steps", 10**6)
    rr.timeCourseSelections = ["time"] + [s.name for s in STATES]
    result = rr.simulate(times=list(map(float, save_t)))
    return {s.name: np.asarray(result[:, k + 1]) for k, s in enumerate(STATES)}


def simulate_copasi(text: str, save_t: np.ndarray, rtol: float = 1e-10,
                    atol: float = 1e-12) -> dict[str, np.ndarray]:
    """Integrate an exported model with COPASI (LSODA) through ``basico``; state -> values.

    ``save_t`` must be evenly spaced from 0 (COPASI's time-course grid).
    """
    dm = copasi_model(text, rtol, atol)
    return run_copasi(dm, save_t)


def copasi_model(text: str, rtol: float, atol: float):
    """Load SBML text into COPASI (``basico``) with the time-course tolerances set."""
    import basico

    dm = basico.load_model_from_string(text)
    basico.set_task_settings(basico.T.TIME_COURSE, {"method": {
        "Relative Tolerance": rtol, "Absolute Tolerance": atol,
        "Max Internal Steps": 10**6}}, model=dm)
    return dm


def run_copasi(dm, save_t: np.ndarray) -> dict[str, np.ndarray]:
    """Run a loaded COPASI model on the even grid ``save_t`` (from 0); state -> values."""
    import basico

    save_t = np.asarray(save_t, dtype=float)
    steps = np.diff(save_t)
    if save_t[0] != 0.0 or (steps.size and not np.allclose(steps, steps[0])):
        raise ValueError("COPASI runs need an even save grid starting at 0")
    tc = basico.run_time_course(duration=float(save_t[-1]), intervals=max(save_t.size - 1, 1),
                                model=dm, use_sbml_id=True, update_model=False)
    rows = np.searchsorted(tc.index.values, save_t - 1e-9) if save_t.size > 1 else [-1]
    return {s.name: np.asarray(tc[s.name].values[rows]) for s in STATES}


def amici_model(text: str, directory: str | Path):
    """Compile SBML text with AMICI (C++/CVODES) into ``directory`` (reused when present).

    Returns the ``amici`` model object. Needs the ``bench`` extra, a C++ compiler, CMake and
    SWIG on ``PATH`` (the ``swig`` and ``cmake`` wheels provide them); the compile takes minutes.
    """
    import hashlib
    import os
    import sys

    import amici
    import amici.sim.sundials  # noqa: F401  (a generated model module uses it unimported)
    from amici.importers.sbml import SbmlImporter

    directory = Path(directory)
    name = "follisim_" + hashlib.sha256(text.encode()).hexdigest()[:12]
    target = directory / name
    if not (target / name).is_dir():
        target.mkdir(parents=True, exist_ok=True)
        source = target / "model.xml"
        source.write_text(text, encoding="utf-8")
        bin_dir = str(Path(sys.executable).parent)   # swig/cmake wheels install scripts here
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        SbmlImporter(str(source)).sbml2amici(name, str(target), verbose=False,
                                             generate_sensitivity_code=False,
                                             compute_conservation_laws=False)
    return amici.import_model_module(name, str(target)).get_model()


def run_amici(model, save_t: np.ndarray, rtol: float, atol: float,
              parameters: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Simulate a compiled AMICI model at ``save_t``; state -> values (NaN if it failed)."""
    import amici.sim.sundials as sd

    for key, value in (parameters or {}).items():
        model.set_free_parameter_by_id(key, float(value))
    model.set_timepoints([float(t) for t in save_t])
    solver = model.create_solver()
    solver.set_relative_tolerance(rtol)
    solver.set_absolute_tolerance(atol)
    solver.set_max_steps(10**6)
    rdata = sd.run_simulation(model, solver)
    x = np.asarray(rdata.x)
    if rdata.status != sd.AMICI_SUCCESS:
        x = np.full((len(save_t), len(model.get_state_ids())), np.nan)
    ids = list(model.get_state_ids())
    return {s.name: x[:, ids.index(s.name)] for s in STATES}


__all__ = ["amici_model", "consistency_errors", "copasi_model", "run_amici", "run_copasi",
           "simulate_copasi", "simulate_roadrunner", "to_sbml"]
