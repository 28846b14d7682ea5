"""Doses through the experiment path: when, how much, by which route and unit; and the bounds
that a parameter or input value must respect.

The expected days, routes and units come from ``poi_induction_protocols.csv`` (parsed here,
independently of ``follisim.interventions.presets``) and from arithmetic on the dose units.
"""

import csv
import re

import numpy as np
import pytest

from follisim import ConfigError
from follisim.core import dopri5
from follisim.datasets import DATA
from follisim.experiment import run_experiment
from follisim.interventions import PRESETS, STRAINS
from follisim.io.config import parse
from follisim.io.experiment import parse_experiment

DOSE_DAY = 7.0
#: agent -> (a dose line without days, an input channel it must drive)
AGENT_DOSES = {
    "cyclophosphamide": ({"dose": 30.0, "unit": "mg/kg", "route": "ip"}, "injury_gc"),
    "cisplatin": ({"dose": 2.0, "unit": "mg/kg", "route": "ip"}, "injury_primordial"),
    "busulfan": ({"dose": 12.0, "unit": "mg/kg", "route": "sc"}, "injury_burnout"),
    "hucmsc": ({"dose": 1e6, "unit": "cells", "route": "iv"}, "msc_signal"),
    "ev": ({"dose": 100.0, "unit": "ug", "route": "iv"}, "pten_repression"),
    "recombinant_ang1": ({"dose": 50.0, "unit": "ug/kg", "route": "iv"}, "ang1_exogenous"),
    "ang2_antibody": ({"dose": 10.0, "unit": "mg/kg", "route": "ip"}, "ang2_blockade"),
    "tie2_agonist": ({"dose": 5.0, "unit": "mg/kg", "route": "ip"}, "tie2_agonist"),
}


def _experiment(doses, days=(12.0,), strain="sprague_dawley", save_interval=0.1):
    return {"experiment": {"measure_days": list(days), "save_interval": save_interval,
                           "strain": strain},
            "arms": [{"name": "a", "doses": doses}]}


@pytest.fixture(scope="module")
def dosed():
    arms = [{"name": agent, "doses": [{"agent": agent, **line, "days": [DOSE_DAY]}]}
            for agent, (line, _) in AGENT_DOSES.items()]
    ds = run_experiment({"experiment": {"measure_days": [12.0], "save_interval": 0.1},
                         "arms": arms})
    assert ds.attrs["n_failed"] == 0
    return ds


@pytest.mark.parametrize("agent", list(AGENT_DOSES))
def test_input_is_zero_before_the_dose_day_and_rises_right_after(dosed, agent):
    channel = AGENT_DOSES[agent][1]
    series = dosed[channel].sel(arm=agent)
    before = series.sel(time=slice(None, DOSE_DAY - 1e-9))
    after = series.sel(time=slice(DOSE_DAY + 0.05, DOSE_DAY + 0.15))
    assert float(abs(before).max()) == 0.0, agent
    assert float(after.min()) > 0.0, agent


def _dose_events(doc, arm=0):
    """(day, amount) of every PK dose event of one arm, in dose units."""
    exp = parse_experiment(doc, "<test>")
    c = exp.arms[arm].config.protocol.compile(exp.arms[arm].config.model, 0.0, exp.days)
    pk_kinds = (dopri5.ADD_PK_CENTRAL, dopri5.ADD_PK_EFFECT)
    keep = np.isin(c.ev_kind, pk_kinds)
    return c.ev_t[keep], c.ev_value[keep]


@pytest.mark.parametrize(("strain", "mg"), [("sprague_dawley", 6.0), ("wistar", 5.7)])
def test_per_animal_mg_dose_is_divided_by_body_weight(strain, mg):
    """6 mg in a 200 g rat is 30 mg/kg (and 5.7 mg in a 190 g Wistar rat)."""
    per_kg = mg / STRAINS[strain]
    assert per_kg == pytest.approx(30.0)
    line = {"agent": "cyclophosphamide", "route": "ip", "days": [1.0]}
    by_mg = _dose_events(_experiment([{**line, "dose": mg, "unit": "mg"}], strain=strain))
    by_kg = _dose_events(_experiment([{**line, "dose": 30.0, "unit": "mg/kg"}],
                                     strain=strain))
    np.testing.assert_allclose(by_mg[1], by_kg[1], rtol=1e-12)
    np.testing.assert_array_equal(by_mg[0], by_kg[0])


def test_ev_particle_dose_uses_particles_per_ug():
    line = {"agent": "ev", "route": "iv", "days": [1.0]}
    by_ug = _dose_events(_experiment([{**line, "dose": 100.0, "unit": "ug"}]))
    by_particles = _dose_events(_experiment([{**line, "dose": 1e11, "unit": "particles"}]))
    np.testing.assert_allclose(by_particles[1], by_ug[1], rtol=1e-12)  # 1e9 particles per ug


def _csv_protocols():
    with (DATA / "poi_induction_protocols.csv").open(encoding="utf-8") as fh:
        return {r["protocol_id"]: r for r in csv.DictReader(fh)}


def _expected_schedule(row) -> list[tuple[str, float, str, tuple[float, ...]]]:
    """(agent, mg/kg, route, zero-based days) read from a CSV row's words.

    The CSV counts days from 1 ("day1", "days 2-14"); follisim's day 0 is the first injection.
    """
    text = row["dose_schedule"]
    route_text = row["route"]

    def route_of(agent_word: str) -> str:
        if "+" in route_text:                       # "CTX i.p. + busulfan s.c. (ih)"
            part = next(p for p in route_text.split("+") if agent_word.lower() in p.lower())
        else:
            part = route_text
        return {"i.p.": "ip", "s.c.": "sc", "i.v.": "iv"}[re.search(r"i\.p\.|s\.c\.|i\.v\.",
                                                                   part).group(0)]

    out = []
    if m := re.match(r"day1 ([\d.]+) mg/kg; days (\d+)-(\d+) ([\d.]+) mg/kg", text):
        first, a, b, rest = float(m[1]), int(m[2]), int(m[3]), float(m[4])
        agent = row["agent"]
        out.append((agent, first, route_of("i"), (0.0,)))
        out.append((agent, rest, route_of("i"), tuple(float(d - 1) for d in range(a, b + 1))))
    elif m := re.match(r"([\d.]+) mg/kg (?:once )?daily x(\d+) d", text):
        out.append((row["agent"], float(m[1]), route_of("i"),
                    tuple(float(d) for d in range(int(m[2])))))
    elif m := re.match(r"single: CTX ([\d.]+) mg/kg \+ busulfan ([\d.]+) mg/kg", text):
        out.append(("cyclophosphamide", float(m[1]), route_of("CTX"), (0.0,)))
        out.append(("busulfan", float(m[2]), route_of("busulfan"), (0.0,)))
    else:
        raise AssertionError(f"no reading of {text!r}")
    return out


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_match_the_induction_protocol_table(name):
    """Every preset's agents, doses, units, routes and days are those of its CSV row."""
    expected = _expected_schedule(_csv_protocols()[name])
    got = [(d.agent, d.dose, d.route, d.days) for d in PRESETS[name]]
    assert got == expected
    assert all(d.unit == "mg/kg" for d in PRESETS[name])


@pytest.mark.parametrize("start", [0.0, 3.0])
def test_preset_days_reach_the_integrator(start):
    """The Tang preset doses on days start..start+4, nowhere else, at 30 mg/kg each."""
    days, amounts = _dose_events(_experiment([{"preset": "CTX_SD_30x5_Tang",
                                               "start_day": start}]))
    np.testing.assert_array_equal(days, start + np.arange(5.0))
    np.testing.assert_allclose(amounts, 30.0)


def test_parameter_below_lower_bound_is_refused():
    with pytest.raises(ConfigError, match="must lie in") as info:
        parse({"run": {"days": 10.0}, "parameters": {"k_activation": 1e-5}}, "<test>")
    assert info.value.key == "parameters.k_activation"


def test_input_level_above_upper_bound_is_refused():
    doc = {"run": {"days": 10.0},
           "inputs": [{"channel": "ang2_blockade", "start": 0.0, "stop": 5.0, "level": 1.5}]}
    with pytest.raises(ConfigError, match="must lie in") as info:
        parse(doc, "<test>")
    assert info.value.key == "inputs[0].level"


def test_intervention_parameter_outside_bounds_is_refused():
    doc = _experiment([{"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv",
                        "days": [1.0]}])
    doc["parameters"] = {"msc_homing_fraction": 0.9}
    with pytest.raises(ConfigError, match="must lie in"):
        parse_experiment(doc, "<test>")


@pytest.mark.parametrize(("amount", "allowed"), [(0.0, True), (0.5, True), (-0.5, False),
                                                  (-2.0, False)])
def test_a_pk_dose_below_zero_is_refused(amount, allowed):
    """A PK dose is an amount: zero and fractions are doses, any negative amount is not."""
    from follisim.models import RAT
    from follisim.protocols.schedule import PkChain, PkDose, PkEffect, Protocol
    from follisim.spec import SpecError

    protocol = Protocol(chains=(PkChain("ev", 1.0, 0.5, 0.3, (PkEffect("akt_signal"),)),),
                        doses=(PkDose("ev", 2.0, amount),))
    if allowed:
        compiled = protocol.compile(RAT, 0.0, 10.0)
        assert compiled.ev_value[compiled.ev_kind == dopri5.ADD_PK_CENTRAL].tolist() == [amount]
    else:
        with pytest.raises(SpecError, match="amount must be >= 0"):
            protocol.compile(RAT, 0.0, 10.0)



@pytest.mark.parametrize("effect", [{"site": "blood"}, {"kind": "quadratic"}])
def test_a_pk_effect_with_an_unknown_site_or_kind_is_refused(effect):
    from follisim.models import RAT
    from follisim.protocols.schedule import PkChain, PkDose, PkEffect, Protocol
    from follisim.spec import SpecError

    protocol = Protocol(chains=(PkChain("ev", 1.0, 0.5, 0.3, (PkEffect("akt_signal", **effect),)),),
                        doses=(PkDose("ev", 2.0, 1.0),))
    with pytest.raises(SpecError, match="site must be one of .* and kind one of"):
        protocol.compile(RAT, 0.0, 10.0)

def test_dose_modifier_problems_name_the_row_and_the_rule():
    """Sweep/cohort dose modifiers: negative doses and non-finite values are refused by row;
    one dose value cannot stand for several doses of an agent; an arm that does not dose the
    agent is left alone."""
    from follisim.interventions import MIRNAS
    from follisim.io.experiment import modifier_problem, parse_modifier

    hucmsc = {"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv"}
    exp = parse_experiment({"experiment": {"measure_days": [20.0]}, "arms": [
        {"name": "control"},
        {"name": "one", "doses": [{**hucmsc, "days": [5]}]},
        {"name": "two", "doses": [{**hucmsc, "days": [5]}, {**hucmsc, "dose": 2e6,
                                                              "days": [9]}]}]}, "<test>")
    arms = {a.name: a for a in exp.arms}
    dose = parse_modifier("hucmsc.dose", MIRNAS)
    scale = parse_modifier("hucmsc.dose_scale", MIRNAS)
    assert modifier_problem(arms["one"], dose, [2e6, 0.0], exp.days) is None
    assert modifier_problem(arms["one"], dose, [2e6, -1.0], exp.days) == "row 1: -1 must be >= 0"
    assert "not a finite number" in modifier_problem(arms["one"], scale, [np.nan], exp.days)
    assert modifier_problem(arms["control"], dose, [-1.0], exp.days) is None
    assert "several doses" in modifier_problem(arms["two"], dose, [1e6], exp.days)
    assert modifier_problem(arms["two"], scale, [2.0], exp.days) is None


def test_a_dose_as_heavy_as_the_animal_is_refused():
    """'A dose must be lighter than the animal': 1e6 mg/kg weighs exactly one body weight."""
    def arm(dose):
        return {"experiment": {"measure_days": [10.0]}, "arms": [{"name": "a", "doses": [
            {"agent": "cyclophosphamide", "dose": dose, "unit": "mg/kg", "route": "ip",
             "days": [1]}]}]}

    parse_experiment(arm(0.999e6), "<test>")
    with pytest.raises(ConfigError, match="not less than the sprague_dawley rat"):
        parse_experiment(arm(1e6), "<test>")



@pytest.mark.parametrize("agent, unit, per_kg", [
    ("ev", "ug", False), ("ev", "µg", False),
    ("recombinant_ang1", "ug/kg", True), ("recombinant_ang1", "µg/kg", True)])
def test_a_microgram_dose_as_heavy_as_the_animal_is_refused(agent, unit, per_kg):
    """1 µg = 1e-9 kg in either spelling: a dose weighing exactly one body weight is refused,
    one just lighter is accepted."""
    body = STRAINS["sprague_dawley"]
    heavy = 1e9 if per_kg else body * 1e9       # µg/kg: 1e9 µg per kg of body mass

    def arm(dose):
        return {"experiment": {"measure_days": [10.0]}, "arms": [{"name": "a", "doses": [
            {"agent": agent, "dose": dose, "unit": unit, "route": "iv", "days": [1]}]}]}

    parse_experiment(arm(0.999 * heavy), "<test>")
    with pytest.raises(ConfigError, match="not less than the sprague_dawley rat"):
        parse_experiment(arm(heavy), "<test>")

def test_experiment_saves_every_half_day_by_default():
    """docs/interventions.md: save_interval defaults to 0.5 day."""
    exp = parse_experiment({"experiment": {"measure_days": [10.0]}, "arms": [{"name": "a"}]},
                           "<test>")
    np.testing.assert_array_equal(exp.arms[0].config.save_t, np.arange(0.0, 10.5, 0.5))


def test_dose_modifiers_set_scale_and_move_an_agents_doses():
    """docs/sweeps.md: ``AGENT.dose`` sets and ``AGENT.dose_scale`` multiplies the agent's
    doses; ``AGENT.day`` is the day of the agent's first dose and the schedule moves with it:
    hUCMSC on days 18 and 21 moved to 25 gives 25 and 28; CTX days 0-4 are untouched; the CTX
    schedule moved to 3 gives days 3-7."""
    from follisim.interventions import MIRNAS
    from follisim.io.experiment import modified_doses, parse_modifier

    arm = {"name": "a", "doses": [
        {"preset": "CTX_SD_30x5_Tang"},
        {"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv", "days": [18, 21]}]}
    exp = parse_experiment({"experiment": {"measure_days": [40.0]}, "arms": [arm]}, "<test>")
    doses = exp.arms[0].doses
    by_agent = {d.agent: d.days for d in modified_doses(
        doses, {parse_modifier("hucmsc.day", MIRNAS): 25.0})}
    assert by_agent["hucmsc"] == (25.0, 28.0)
    scaled = modified_doses(doses, {parse_modifier("hucmsc.dose_scale", MIRNAS): 4.0,
                                    parse_modifier("cyclophosphamide.dose", MIRNAS): 20.0})
    assert {d.agent: d.dose for d in scaled} == {"hucmsc": 4e6, "cyclophosphamide": 20.0}
    assert by_agent["cyclophosphamide"] == (0.0, 1.0, 2.0, 3.0, 4.0)
    moved = modified_doses(doses, {parse_modifier("cyclophosphamide.day", MIRNAS): 3.0})
    moved = modified_doses(moved, {parse_modifier("cyclophosphamide.day", MIRNAS): 1.0})
    assert {d.agent: d.days for d in moved}["cyclophosphamide"] == (1.0, 2.0, 3.0, 4.0, 5.0)


def test_experiment_output_over_the_memory_cap_is_refused_with_its_size():
    """docs/inputs.md: an experiment whose result would exceed 2 GiB is refused before anything
    is allocated, naming save times x arms x variables and the size in GiB (8-byte floats)."""
    from follisim.models import RAT

    arms = [{"name": f"a{i}"} for i in range(12)]
    doc = {"experiment": {"measure_days": [100.0], "save_interval": 2e-4}, "arms": arms}
    with pytest.raises(ConfigError) as err:
        parse_experiment(doc, "<test>")
    found = re.search(r"gives ([\d,]+) save times x (\d+) arms x (\d+) variables = ([\d.]+) GiB; "
                      r"at most 2 GiB", str(err.value))
    assert found, str(err.value)
    saves, n_arms, width = (int(found[k].replace(",", "")) for k in (1, 2, 3))
    assert n_arms == 12 and 500_000 <= saves <= 500_003
    assert width == len(RAT.states) + len(RAT.inputs) + len(RAT.observables)
    assert float(found[4]) == pytest.approx(saves * n_arms * width * 8 / 1024**3, abs=0.05)
