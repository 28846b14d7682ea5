"""Export a run configuration (or one experiment arm) as SBML Level 3 Version 2.

Species ids equal the Dataset's state names, parameter ids the registry names, inputs and
observables keep their Dataset names; dynamics are rate rules, intermediate signals assignment
rules, PK chains extra species (``pk<j>_central``, ``pk<j>_effect``), and doses and input
switches SBML events. Needs the ``sbml`` extra (python-libsbml). The formulas restate
``docs/model.md``; a test simulates the export with libRoadRunner against ``follisim run``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from follisim.io.config import RunConfig
from follisim.models.rat import INPUTS, STATES

FUNCTIONS = {
    "hill": ("x, K, n", "piecewise(0, x <= 0, (x / K)^n / (1 + (x / K)^n))"),
    "pos": ("x", "piecewise(x, x > 0, 0)"),
    "clamp01": ("x", "piecewise(0, x < 0, 1, x > 1, x)"),
    "knockdown": ("r", "1 - exp(-piecewise(r, r > 0, 0))"),
}

#: Intermediate signals, in dependency order (``id -> formula``).
SIGNALS = {
    "perfusion": "pos(vessel_density) * (1 + perfusion_half) / (pos(vessel_density) "
                 "+ perfusion_half)",
    "hypoxia_index": "(1 + hypoxia_half) / (perfusion + hypoxia_half)",
    "fsh_delivered": "pos(fsh) * perfusion",
    "akt_total": "pos(akt_signal) + pten_akt_gain * knockdown(pten_repression) "
                 "+ pik3r2_akt_gain * knockdown(pik3r2_repression)",
    "angiogenic_total": "pos(angiogenic_signal) + pik3r2_angiogenic_gain "
                        "* knockdown(pik3r2_repression)",
    "survival_total": "pos(survival_signal) + sirt7_survival_gain * knockdown(sirt7_repression)"
                      " + hbp1_survival_gain * knockdown(hbp1_repression)",
    "p53_kept": "1 - p53_apoptosis_share * knockdown(p53_repression)",
    "apoptosis": "(1 + pos(injury_gc)) * p53_kept / ((1 + akt_survival_gain * akt_total) "
                 "* (1 + msc_survival_gain * pos(msc_signal)) * (1 + survival_total))",
    "h_activation": "k_activation * (1 + akt_activation_gain * akt_total + pos(injury_burnout))"
                    " * (1 - amh_brake_max * hill(amh, amh_brake_half, amh_brake_hill))",
    "h_primordial_death": "(k_primordial_death + pos(injury_primordial)) * p53_kept",
    "h_primary_atresia": "k_primary_atresia * apoptosis * hypoxia_index^hypoxia_atresia_preantral",
    "h_secondary_atresia": "k_secondary_atresia * apoptosis "
                           "* hypoxia_index^hypoxia_atresia_preantral",
    "h_antral_progression": "k_antral_progression_max * hill(fsh_delivered, "
                            "fsh_progression_half, fsh_progression_hill)",
    "h_antral_atresia": "k_antral_atresia_max * (1 - hill(fsh_delivered, fsh_rescue_half, "
                        "fsh_rescue_hill)) * apoptosis * hypoxia_index^hypoxia_atresia_antral",
    "h_preovulatory_atresia": "k_preovulatory_atresia * apoptosis "
                              "* hypoxia_index^hypoxia_atresia_antral",
    "tie2_agonism": "pos(ang1) + pos(ang1_exogenous) + pos(tie2_agonist)",
    "tie2_ratio": "ang2_ang1_ratio_healthy * pos(ang2) * (1 - clamp01(ang2_blockade)) "
                  "/ piecewise(tie2_agonism, tie2_agonism > 1e-12, 1e-12)",
    "vessel_stability": "1 / (1 + (tie2_ratio / tie2_switch_ratio)^tie2_switch_hill)",
    "vegf_support": "hill(vegf, vegf_sprouting_half, 1)",
    "lh": "1 + lh_surge_amplitude * pos(surge)",
    "h_ovulation": "k_ovulation * hill(lh, lh_ovulation_half, lh_ovulation_hill)",
    "surge_gate": "hill(pos(e2) / surge_e2_half * (1 + surge_self_excitation * pos(surge)) "
                  "/ (1 + pos(progesterone)^surge_p4_hill), 1, surge_hill)",
}

RATES = {
    "primordial": "-(h_activation + h_primordial_death) * primordial",
    "primary": "h_activation * primordial - (k_primary_progression + h_primary_atresia) "
               "* primary",
    "secondary": "k_primary_progression * primary - (k_secondary_progression "
                 "+ h_secondary_atresia) * secondary",
    "antral": "k_secondary_progression * secondary - (h_antral_progression + h_antral_atresia)"
              " * antral",
    "preovulatory": "h_antral_progression * antral - (h_ovulation + h_preovulatory_atresia) "
                    "* preovulatory",
    "corpora_lutea": "h_ovulation * preovulatory - k_luteolysis * corpora_lutea",
    "atretic": "h_primordial_death * primordial + h_primary_atresia * primary "
               "+ h_secondary_atresia * secondary + h_antral_atresia * antral "
               "+ h_preovulatory_atresia * preovulatory - k_atretic_clearance * atretic",
    "e2": "e2_secretion * (antral + e2_preovulatory_weight * preovulatory) * perfusion "
          "* fsh_delivered / (fsh_delivered + fsh_aromatase_half) - k_e2_clearance * e2",
    "fsh": "fsh_secretion * (1 - hill(e2, e2_feedback_half, e2_feedback_hill)) "
           "- k_fsh_clearance * fsh",
    "amh": "amh_secretion * (amh_primary_weight * primary + secondary + amh_antral_weight "
           "* antral) - k_amh_clearance * amh",
    "vegf": "k_vegf_turnover * ((vegf_basal_fraction + (1 - vegf_basal_fraction) * (antral "
            "+ preovulatory) / vegf_follicle_ref) * hypoxia_index^vegf_hypoxia_exponent "
            "* (1 + msc_vegf_gain * pos(msc_signal)) - vegf)",
    "ang1": "k_ang1_turnover * (pos(vessel_density) * (1 + msc_ang1_gain * pos(msc_signal)) "
            "- ang1)",
    "ang2": "k_ang2_turnover * (pos(vessel_density) * hypoxia_index^ang2_hypoxia_exponent "
            "* (1 + injury_ang2_induction * pos(injury_vascular)) / (1 + msc_ang2_suppression "
            "* pos(msc_signal)) - ang2)",
    "vessel_density": "(k_sprouting * vegf_support * (1 + angiogenic_gain * angiogenic_total) "
                      "* (1 - vessel_density / vessel_capacity) - k_regression "
                      "* (1 - vessel_stability) * (1 - vegf_support) - pos(injury_vascular)) "
                      "* vessel_density",
    "surge": "k_surge * (surge_gate - surge)",
    "progesterone": "k_luteinization * (corpora_lutea / cl_p4_half - progesterone)",
    "ovulated": "h_ovulation * preovulatory",
}

_UNITS = {  # unit string -> (id, [(libsbml kind, exponent, scale, multiplier)])
    "day": ("day", [("second", 1, 0, 86400.0)]),
    "1/day": ("per_day", [("second", -1, 0, 86400.0)]),
    "1": ("dimensionless", None),
    "pg/mL": ("pg_per_mL", [("gram", 1, -12, 1.0), ("litre", -1, -3, 1.0)]),
    "follicles": ("item", None),
    "follicles (both ovaries)": ("item", None),
    "corpora lutea (both ovaries)": ("item", None),
    "ng/L (Tang 2018 ELISA scale)": ("ng_per_L", [("gram", 1, -9, 1.0), ("litre", -1, 0, 1.0)]),
    "ng/L (Tang 2018 scale)": ("ng_per_L", [("gram", 1, -9, 1.0), ("litre", -1, 0, 1.0)]),
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


def to_sbml(cfg: RunConfig, initial_state: Mapping[str, float] | None = None) -> str:
    """SBML L3V2 text of ``cfg`` (model, parameters, PK chains, doses and input switches).

    ``initial_state`` defaults to the state at day 0 of ``follisim.simulate(cfg)`` (so the
    quasi-steady start is the same in both tools).
    """
    import libsbml

    from follisim.core import dopri5, pk
    from follisim.simulate import simulate

    model_spec = cfg.model
    if model_spec.name != "rat":
        raise ValueError("SBML export supports the rat model")
    if initial_state is None:
        ds0 = simulate(cfg, throw=True).isel(time=0)
        initial_state = {s: float(ds0[s]) for s in model_spec.state_names}
    compiled = cfg.protocol.compile(model_spec, 0.0, cfg.days)
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId("follisim_rat")
    m.setName(f"follisim rat ovary model ({cfg.source})")
    for unit_id, parts in {v[0]: v[1] for v in _UNITS.values()}.items():
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

    for fid, (args, body) in FUNCTIONS.items():
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
            term = f"{gain!r} * pos({a})"
        elif kind == pk.HILL:
            term = f"{gain!r} * hill({a}, {half!r}, {hill!r})"
        else:
            term = f"ln(1 + pos({gain!r} * {a} / {half!r})^{hill!r})"
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

    for sid, formula in SIGNALS.items():
        q = m.createParameter()
        q.setId(sid)
        q.setConstant(False)
        rule = m.createAssignmentRule()
        rule.setVariable(sid)
        _check(rule.setMath(_math(formula)), sid)
    for name, formula in RATES.items():
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
        else:
            site = "central" if kind == dopri5.ADD_PK_CENTRAL else "effect"
            variable = f"pk{target}_{site}"
            formula = f"{variable} + {value!r}"
        if t <= 0.0:
            if kind == dopri5.SET_INPUT:
                m.getParameter(variable).setValue(value)
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


__all__ = ["consistency_errors", "simulate_roadrunner", "to_sbml"]
