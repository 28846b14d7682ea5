"""The rat model: layouts, bookkeeping, positivity, the healthy cycle."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from points import random_point

from follisim import datasets, simulate, simulate_many
from follisim.calibrate.healthy import cycle_summary, healthy_state
from follisim.core import rat, registry
from follisim.models import MODELS, RAT, all_models
from follisim.spec import Parameter, SpecError

N_STATES = len(rat.STATE_NAMES)
N_INPUTS = len(rat.INPUT_NAMES)


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.name)
def test_python_spec_matches_kernel_layout(model):
    assert model.parameters.names == model.kernel.PARAM_NAMES
    assert model.state_names == model.kernel.STATE_NAMES
    assert model.input_names == model.kernel.INPUT_NAMES
    assert model.observable_names == model.kernel.OBSERVABLE_NAMES
    assert set(model.initial_guess) == set(model.state_names)


def test_model_ids_match_core_registry():
    assert MODELS["rat"].model_id == registry.MODEL_RAT
    assert MODELS["reference"].model_id == registry.MODEL_REFERENCE
    assert len({m.model_id for m in all_models()}) == len(all_models())


def test_every_parameter_has_unit_bounds_and_source():
    for p in RAT.parameters.parameters:
        assert p.unit and p.description
        assert p.bounds[0] <= p.default <= p.bounds[1]
        if p.source == "fitted":
            assert p.reference


def test_parameter_validation_rejects_bad_sources_and_bounds():
    with pytest.raises(SpecError, match="source"):
        Parameter("x", 1.0, "1", (0.0, 2.0), "x", source="typical value")
    with pytest.raises(SpecError, match="outside bounds"):
        Parameter("x", 3.0, "1", (0.0, 2.0), "x")
    with pytest.raises(SpecError, match="did you mean k_activation"):
        RAT.parameters.locate("k_activaton")


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_follicle_bookkeeping(data):
    """Every flux out of a stage enters the next stage, the atretic pool or ovulation: the
    follicle total changes only by luteolysis and atretic clearance, and each stage's derivative
    is exactly inflow minus hazard-weighted outflow."""
    y, p, u = random_point(data)
    dydt = np.empty(N_STATES)
    h = np.empty(len(rat.HAZARD_NAMES))
    rat.rhs(0.0, y, p, u, dydt)
    rat.hazards(y, p, u, h)
    total = sum(dydt[i] for i in rat.FOLLICLE_STATES)
    sinks = h[rat.H_LUTEOLYSIS] * y[rat.CORPORA_LUTEA] + h[rat.H_ATRETIC_CLEARANCE] * y[rat.ATRETIC]
    scale = 1.0 + np.abs(dydt[list(rat.FOLLICLE_STATES)]).sum() + sinks
    assert abs(total + sinks) <= 1e-12 * scale
    # Each stage: inflow from the stage before, outflow = its hazards times its count.
    chain = (("primordial", None, ("activation", "primordial_death")),
             ("primary", "activation", ("primary_progression", "primary_atresia")),
             ("secondary", "primary_progression", ("secondary_progression",
                                                   "secondary_atresia")),
             ("antral", "secondary_progression", ("antral_progression", "antral_atresia")),
             ("preovulatory", "antral_progression", ("ovulation", "preovulatory_atresia")))
    source = {"activation": "primordial", "primary_progression": "primary",
              "secondary_progression": "secondary", "antral_progression": "antral"}
    hz = dict(zip(rat.HAZARD_NAMES, h, strict=True))
    ys = dict(zip(rat.STATE_NAMES, y, strict=True))
    for stage, inflow, out in chain:
        expect = (hz[inflow] * ys[source[inflow]] if inflow else 0.0) \
            - sum(hz[o] for o in out) * ys[stage]
        assert dydt[rat.STATE_NAMES.index(stage)] == pytest.approx(expect, rel=1e-12,
                                                                   abs=1e-12), stage
    assert np.all(h >= 0.0)


def test_positivity_over_random_parameters():
    """Trajectories stay non-negative across the parameter box (and under strong inputs)."""
    rng = np.random.default_rng(20261122)
    space = RAT.parameters
    n = 48
    table = {}
    for name in ("k_activation", "k_antral_atresia_max", "fsh_secretion", "e2_feedback_half",
                 "k_regression", "injury_ang2_induction", "pten_akt_gain", "k_sprouting"):
        lo, hi = space[name].bounds
        table[name] = np.exp(rng.uniform(np.log(max(lo, 1e-6)), np.log(hi), n)) \
            if space[name].scale == "log" else rng.uniform(lo, hi, n)
    doc = {"run": {"days": 60.0, "save_interval": 0.5},
           "inputs": [{"channel": "injury_gc", "start": 5.0, "stop": 15.0, "level": 3.0},
                      {"channel": "injury_vascular", "start": 5.0, "stop": 15.0, "level": 0.5}]}
    ds = simulate_many(doc, table)
    ok = ds.status == 0
    assert int(ok.sum()) >= n - 2          # a failed sample is recorded, not fatal
    for name in RAT.state_names:
        values = ds[name].where(ok)
        assert float(values.min()) >= -1e-6 * max(1.0, float(abs(values).max())), name


def test_healthy_cycle_reproduces_calibration_targets():
    """Cycle means of the default healthy rat equal Tang 2018's control hormones (the fitted
    secretion constants are current), VEGF and vessel density average 1, and the antral cohort
    entering per cycle is rat-plausible (~20 per cycle, Osman 1985)."""
    p = RAT.parameters.pack()
    s = cycle_summary(p)
    tang = datasets.TANG2018
    assert s["e2"] == pytest.approx(datasets.arm_mean(tang, "control", "E2"), rel=2e-3)
    assert s["fsh"] == pytest.approx(datasets.arm_mean(tang, "control", "FSH"), rel=2e-3)
    assert s["amh"] == pytest.approx(datasets.arm_mean(tang, "control", "AMH"), rel=2e-3)
    assert s["vegf"] == pytest.approx(1.0, rel=2e-3)
    assert s["vessel_density"] == pytest.approx(1.0, rel=2e-3)
    y = healthy_state(p)
    h = np.empty(len(rat.HAZARD_NAMES))
    rat.hazards(y, p, np.zeros(N_INPUTS), h)
    cohort_per_cycle = s["period"] * h[rat.H_SECONDARY_PROGRESSION] * y[rat.SECONDARY]
    assert 10.0 <= cohort_per_cycle <= 40.0


def test_default_run_keeps_cycling_as_the_pool_ages():
    """Over 120 days the growing pool tracks the shrinking primordial pool (cycle means), the
    cycle stays regular and vessels stay at their healthy density."""
    ds = simulate({"run": {"days": 120.0, "save_interval": 0.1}}, throw=True)
    early = ds.sel(time=slice(0.0, 18.0)).mean("time")
    late = ds.sel(time=slice(102.0, 120.0)).mean("time")
    rel_growing = float(late.growing_follicles / early.growing_follicles)
    rel_primordial = float(late.primordial / early.primordial)
    assert abs(rel_growing - rel_primordial) < 0.1
    assert bool(ds.regular_cycles.sel(time=slice(14.0, None)).all())
    assert float(abs(ds.vessel_density - 1.0).max()) < 0.01
