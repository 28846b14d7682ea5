"""Injuries and treatments: bit-identity without treatment, mechanism switches, POI and
treatment directions, miRNA targets, the dual sign of AKT, and bad experiment input."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from follisim import ConfigError, simulate
from follisim.cli import main
from follisim.core import rat
from follisim.experiment import at_measurement, run_experiment
from follisim.io.experiment import parse_experiment
from follisim.models import RAT

ROOT = Path(__file__).resolve().parents[1]
TANG = {"preset": "CTX_SD_30x5_Tang"}
SHIPPED = {"rat_ctx_hucmsc_iv": "poi_hucmsc", "rat_ctx_ev_iv": "poi_ev",
           "rat_cisplatin_mir126_ev": "poi_ev"}


def experiment(*arms, days=(35.0,), **extra):
    doc = {"experiment": {"measure_days": list(days), "save_interval": 1.0},
           "arms": [{"name": name, "doses": doses} for name, doses in arms]}
    doc.update(extra)
    return doc


@pytest.fixture(scope="module")
def tang():
    return run_experiment(experiment(("control", []), ("poi", [TANG])))


def test_control_arm_is_bit_identical_to_untreated_model(tang):
    untreated = simulate({"run": {"days": 35.0, "save_times": tang.time.values.tolist()}})
    control = tang.sel(arm="control")
    for name in RAT.state_names + RAT.observable_names + RAT.input_names:
        np.testing.assert_array_equal(control[name].values, untreated[name].values)


def test_tang_protocol_induces_poi(tang):
    """CTX 30 mg/kg x5 lowers primordial and growing follicles, E2 and AMH, raises FSH."""
    m = at_measurement(tang).isel(time=0)
    control, poi = m.sel(arm="control"), m.sel(arm="poi")
    for name in ("primordial", "growing_follicles", "e2", "amh"):
        assert float(poi[name]) < float(control[name]), name
    assert float(poi.fsh) > float(control.fsh)
    assert float(poi.vessel_density) < float(control.vessel_density)


@pytest.mark.parametrize("mechanism", ["primordial_apoptosis", "gc_apoptosis", "burnout",
                                       "vascular"])
def test_each_mechanism_switch_changes_only_its_target(mechanism):
    """One mechanism on: only its input is non-zero, and at a fixed state only the hazards
    (or, for the vascular mechanism, only the vessel and Ang2 derivatives) it should touch
    change."""
    ds = run_experiment(experiment(("one", [{**TANG, "mechanisms": [mechanism]}])))
    arm = ds.sel(arm="one", time=3.0)
    channel = {"primordial_apoptosis": "injury_primordial", "gc_apoptosis": "injury_gc",
               "burnout": "injury_burnout", "vascular": "injury_vascular"}[mechanism]
    for name in ("injury_primordial", "injury_gc", "injury_burnout", "injury_vascular"):
        assert (float(arm[name]) > 0) == (name == channel), name
    y = RAT.y0_guess()
    p = RAT.parameters.pack()
    u0 = np.zeros(len(RAT.inputs))
    u1 = np.array([float(arm[n]) for n in RAT.input_names])
    h0, h1 = np.empty(len(rat.HAZARD_NAMES)), np.empty(len(rat.HAZARD_NAMES))
    rat.hazards(y, p, u0, h0)
    rat.hazards(y, p, u1, h1)
    changed = {rat.HAZARD_NAMES[i] for i in np.flatnonzero(h0 != h1)}
    expected = {"primordial_apoptosis": {"primordial_death"},
                "gc_apoptosis": {"primary_atresia", "secondary_atresia", "antral_atresia",
                                 "preovulatory_atresia"},
                "burnout": {"activation"},
                "vascular": set()}[mechanism]
    assert changed == expected
    d0, d1 = np.empty(len(y)), np.empty(len(y))
    rat.rhs(0.0, y, p, u0, d0)
    rat.rhs(0.0, y, p, u1, d1)
    if mechanism == "vascular":
        assert {RAT.state_names[i] for i in np.flatnonzero(d0 != d1)} == {"ang2",
                                                                         "vessel_density"}


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_treatments_move_poi_back_toward_control(name):
    """Each treatment moves E2, FSH and AMH back toward control at the first measurement day,
    and primordial and growing follicles and AMH at the last, and raises vessel density (means
    over the experiment's measurement window). Hormones are not compared at the last day:
    once the arms differ in cycling, an acyclic rat holds E2 tonically just below the surge
    threshold, which can exceed the cycle mean (docs/cycle.md)."""
    ds = run_experiment(ROOT / "experiments" / name / "experiment.toml")
    assert ds.attrs["n_failed"] == 0
    m = at_measurement(ds)
    first, last = m.isel(time=0), m.isel(time=-1)
    treated = SHIPPED[name]
    for when, endpoints in ((first, ("e2", "amh", "fsh")),
                            (last, ("primordial", "growing_follicles", "amh"))):
        for endpoint in endpoints:
            c, p, t = (float(when[endpoint].sel(arm=a)) for a in ("control", "poi", treated))
            assert abs(t - c) < abs(p - c), endpoint
    assert float(last.vessel_density.sel(arm=treated)) > float(last.vessel_density.sel(arm="poi"))
    if name == "rat_ctx_hucmsc_iv":
        assert float(last.ang1_ang2_ratio.sel(arm=treated)) > float(
            last.ang1_ang2_ratio.sel(arm="poi"))


def test_removing_a_mirna_target_removes_its_effect():
    ev = {"agent": "ev", "dose": 100.0, "unit": "ug", "route": "iv", "days": [10.0],
          "cargo": {"miR-21-5p": 1e7}}
    with_target = run_experiment(experiment(("ev", [ev]), ("none", [])))
    without = run_experiment(experiment(("ev", [ev]), ("none", []),
                                        mirnas={"miR-21-5p": {"targets": {}}}))
    assert float(with_target.pten_repression.sel(arm="ev").max()) > 0.1
    assert float(abs(with_target.primordial.sel(arm="ev")
                     - with_target.primordial.sel(arm="none")).max()) > 1.0
    assert float(without.pten_repression.sel(arm="ev").max()) == 0.0
    np.testing.assert_allclose(without.primordial.sel(arm="ev"),
                               without.primordial.sel(arm="none"), rtol=1e-7)


def test_strong_pten_knockdown_speeds_primordial_depletion_and_protects_growing():
    """The dual sign of AKT: activation up (primordials fall faster) and atresia down."""
    doc = {"run": {"days": 60.0},
           "inputs": [{"channel": "pten_repression", "start": 0.0, "stop": 60.0, "level": 3.0}]}
    base = simulate({"run": {"days": 60.0}})
    knocked = simulate(doc)
    assert float(knocked.primordial[-1]) < 0.97 * float(base.primordial[-1])
    assert float(knocked.activation_rate[1]) > 1.5 * float(base.activation_rate[1])
    h_base, h_kd = np.empty(len(rat.HAZARD_NAMES)), np.empty(len(rat.HAZARD_NAMES))
    y = RAT.y0_guess()
    p = RAT.parameters.pack()
    u = np.zeros(len(RAT.inputs))
    rat.hazards(y, p, u, h_base)
    u[RAT.input_names.index("pten_repression")] = 3.0
    rat.hazards(y, p, u, h_kd)
    assert h_kd[rat.H_ACTIVATION] > h_base[rat.H_ACTIVATION]
    assert h_kd[rat.H_SECONDARY_ATRESIA] < h_base[rat.H_SECONDARY_ATRESIA]


def test_two_mirnas_on_one_target_multiply():
    ev = {"agent": "ev", "dose": 100.0, "unit": "ug", "route": "intraovarian", "days": [1.0]}
    one = run_experiment(experiment(("a", [{**ev, "cargo": {"miR-21-5p": 1e6}}]), days=(3.0,)))
    two = run_experiment(experiment(("a", [{**ev, "cargo": {"miR-21-5p": 1e6,
                                                            "miR-144-5p": 1e6}}]), days=(3.0,)))
    r1 = float(one.pten_repression.sel(arm="a", time=3.0))
    r2 = float(two.pten_repression.sel(arm="a", time=3.0))
    assert r2 == pytest.approx(2.0 * r1, rel=1e-12)       # log-repressions add


def test_hucmsc_intraovarian_and_iv_routes_differ():
    iv = {"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv", "days": [1.0]}
    io = {**iv, "route": "intraovarian"}
    ds = run_experiment(experiment(("iv", [iv]), ("io", [io]), days=(10.0,)))
    m = ds.sel(time=10.0)
    assert float(m.msc_signal.sel(arm="io")) > float(m.msc_signal.sel(arm="iv")) > 0.0


GOOD = (ROOT / "experiments" / "rat_ctx_ev_iv" / "experiment.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "key", "fragment"), [
    (('agent = "ev"', 'agent = "exosome"'), "arms[poi_ev].doses[1].agent", "unknown agent"),
    (('route = "iv"', 'route = "intravenous"'), "arms[poi_ev].doses[1].route",
     "unknown route"),
    (('unit = "ug"', 'unit = "mg/kg"'), "arms[poi_ev].doses[1].unit", "allowed: ug"),
    (('unit = "ug"\n', ''), "arms[poi_ev].doses[1].unit", "is required"),
    (("dose = 100", "dose = -100"), "arms[poi_ev].doses[1].dose", "must be >= 0"),
    (("days = [18, 21, 24]", "days = [18, 75, 90]"), "arms[poi_ev].doses[1].days",
     "day 75 is after the end of the run"),
    (('name = "poi_ev"', 'name = "poi"'), "arms[poi].name", "duplicate arm name"),
    (('days = [18, 21, 24]', 'days = [18]\n  cargo = { "miR-21" = 1e6 }'),
     "arms[poi_ev].doses[1].cargo.miR-21", "did you mean 'miR-21-5p'"),
    (('preset = "CTX_SD_30x5_Tang"', 'preset = "CTX_SD_30x5"'), "arms[poi].doses[0].preset",
     "unknown preset"),
    (('preset = "CTX_SD_30x5_Tang"', 'preset = "CTX_SD_30x5_Tang"\n  start_day = 58'),
     "arms[poi].doses[0].start_day", "last dose of CTX_SD_30x5_Tang on day 62, after the end"),
])
def test_bad_experiment_input(tmp_path, edit, key, fragment):
    text = GOOD.replace(*edit, 1)
    path = tmp_path / "exp.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        parse_experiment(tomllib.loads(text), str(path))
    assert info.value.key == key, str(info.value)
    assert fragment in str(info.value)
    out = tmp_path / "out.nc"
    assert main(["run", str(path), "-o", str(out)]) == 2
    assert not out.exists()


def test_cli_runs_an_experiment(tmp_path, capsys):
    out, png = tmp_path / "e.nc", tmp_path / "e.png"
    code = main(["run", str(ROOT / "experiments" / "rat_ctx_hucmsc_iv" / "experiment.toml"),
                 "-o", str(out), "--plot", str(png)])
    assert code == 0
    assert "3 arms" in capsys.readouterr().out
    import xarray as xr

    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert list(ds.arm.values) == ["control", "poi", "poi_hucmsc"]
        assert ds.sizes["time"] > 100 and float(ds.time[-1]) == 60.0
    assert png.stat().st_size > 20_000


@pytest.mark.parametrize(("agent", "dose", "channel", "half_life", "hill_half"), [
    ("recombinant_ang1", {"dose": 50.0, "unit": "ug/kg", "route": "iv"}, "ang1_exogenous",
     "ang1_half_life", None),
    ("tie2_agonist", {"dose": 5.0, "unit": "mg/kg", "route": "ip"}, "tie2_agonist",
     "tie2_agonist_half_life", None),
    ("ang2_antibody", {"dose": 10.0, "unit": "mg/kg", "route": "ip"}, "ang2_blockade",
     "ang2_antibody_half_life", "ang2_antibody_half_block"),
])
def test_angiopoietin_drugs_clear_at_their_plasma_half_life(agent, dose, channel, half_life,
                                                             hill_half):
    """One IV dose: the plasma amount behind each drug's input falls by exp(-ln2 t / t_half)
    (read back through the hill for the antibody's fractional blockade)."""
    from follisim.interventions import PARAMETERS

    doc = {"experiment": {"measure_days": [12.0], "save_interval": 0.25},
           "arms": [{"name": "drug", "doses": [{"agent": agent, **dose, "days": [5.0]}]}]}
    level = run_experiment(doc)[channel].sel(arm="drug")
    a, b = (float(level.sel(time=t)) for t in (5.5, 6.5))
    if hill_half is not None:                       # blockade b = c / (c + half)
        half = PARAMETERS.parameters[PARAMETERS.locate(hill_half)].default
        a, b = half * a / (1 - a), half * b / (1 - b)
    t_half = PARAMETERS.parameters[PARAMETERS.locate(half_life)].default
    assert b / a == pytest.approx(np.exp(-np.log(2.0) / t_half), rel=1e-6)
    assert float(level.sel(time=4.75)) == 0.0


def test_ev_and_msc_chains_split_clearance_by_the_uptake_fraction():
    """The central compartment clears at ln2 / plasma (lung) half-life in all; the fraction
    ``ev_ovarian_uptake`` (``msc_homing_fraction``) of it goes to the ovary."""
    from follisim.interventions import MIRNAS, PARAMETERS
    from follisim.interventions.agents import ChainKey, build_chain

    p = {q.name: q.default for q in PARAMETERS.parameters}
    for agent, half, fraction in (("ev", "ev_plasma_half_life", "ev_ovarian_uptake"),
                                  ("hucmsc", "msc_lung_half_life", "msc_homing_fraction")):
        key = ChainKey(agent, (), (("miR-21-5p", 1.0),) if agent == "ev" else ())
        chain = build_chain(key, p, MIRNAS)
        total = chain.k_el + chain.k_tr
        assert total == pytest.approx(np.log(2.0) / p[half], rel=1e-12), agent
        assert chain.k_tr / total == pytest.approx(p[fraction], rel=1e-12), agent
