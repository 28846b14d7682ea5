"""POI that behaves like POI: the gonadotropin axis, two kinds of acyclicity, lasting damage,
ovariectomy, and treatment effects that keep their sign.

Expectations come from the biology and the curated data (``rat_gonadotropins.csv``,
``poi_timecourse.csv``, ``rat_outcomes.csv``), never from earlier runs of the model.
"""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from follisim import datasets
from follisim.cycles import CycleCriteria, add_cyclicity
from follisim.experiment import at_measurement, run_experiment

ROOT = Path(__file__).resolve().parents[1]
CTX_EXPERIMENTS = ("rat_ctx_hucmsc_iv", "rat_ctx_ev_iv", "rat_cisplatin_mir126_ev")
TREATED = {"rat_ctx_hucmsc_iv": "poi_hucmsc", "rat_ctx_ev_iv": "poi_ev",
           "rat_cisplatin_mir126_ev": "poi_ev"}


# --- two kinds of acyclicity, on constructed trajectories -------------------------------------
def _trajectory(e2, p4, ovulate_until=None):
    t = np.arange(0.0, 40.0, 0.1)
    ovulated = np.zeros_like(t)
    if ovulate_until is not None:           # a cycle of 4.5 days, 10 ova each, then none
        for k, tk in enumerate(np.arange(1.0, ovulate_until, 4.5)):
            ovulated += 10.0 * np.clip((t - tk) / 0.2, 0.0, 1.0)
            del k
    return xr.Dataset({"ovulated": ("time", ovulated), "e2": ("time", np.full_like(t, e2)),
                       "progesterone": ("time", np.full_like(t, p4))}, coords={"time": t})


@pytest.mark.parametrize(("e2", "p4", "kind"), [(15.0, 0.1, "persistent_diestrus"),
                                                 (80.0, 0.1, "persistent_estrus"),
                                                 (80.0, 2.0, "persistent_diestrus")])
def test_acyclic_stretches_read_as_a_smear_would(e2, p4, kind):
    """No ovulation for 10 days: low E2 or luteal progesterone reads as persistent diestrus
    (leukocytes), high E2 without progesterone as persistent estrus (cornified cells)."""
    ds = add_cyclicity(_trajectory(e2, p4, ovulate_until=15.0))
    other = "persistent_estrus" if kind == "persistent_diestrus" else "persistent_diestrus"
    late = ds.sel(time=slice(30.0, None))
    assert bool(late[kind].all()) and not bool(late[other].any())
    early = ds.sel(time=slice(5.0, 12.0))
    assert not bool(early[kind].any()) and not bool(early[other].any())
    c = CycleCriteria()
    first = float(ds.time.where(ds[kind], drop=True)[0])
    last_ovulation = float(ds.ovulation_time.max())
    assert first == pytest.approx(last_ovulation + c.diestrus_days, abs=0.15)


# --- ovariectomy: the classical castrate rise -------------------------------------------------
@pytest.fixture(scope="module")
def ovx():
    doc = {"experiment": {"measure_days": [75.0], "save_interval": 0.25},
           "arms": [{"name": "intact"},
                    {"name": "ovx", "doses": [{"agent": "ovariectomy", "dose": 1.0,
                                               "unit": "fraction", "route": "surgical",
                                               "days": [10.0]}]}]}
    return run_experiment(doc)


def _fold(ds, name, day, window=4.5):
    x = ds[name].sel(time=slice(day - window, day)).mean("time")
    return float(x.sel(arm="ovx") / x.sel(arm="intact"))


def test_ovariectomy_removes_every_follicle_and_ovarian_hormone(ovx):
    after = ovx.sel(arm="ovx", time=slice(45.0, None))      # 35 days: AMH half-life 1.1 d
    for name in ("primordial", "growing_follicles", "corpora_lutea", "e2", "amh", "inhibin"):
        assert float(after[name].max()) < 1e-6 * max(1.0, float(ovx[name].max())), name


def test_ovariectomy_raises_fsh_within_a_day_and_tonic_lh_several_fold(ovx):
    """FSH is up within 24 h (inhibin gone); tonic LH rises several-fold over weeks: 'about
    20-fold' over intact cyclic rats two months after ovariectomy (rat_gonadotropins.csv)."""
    rows = datasets.rows("rat_gonadotropins")
    lh_fold = next(float(r["mean"]) for r in rows if "fold vs intact cyclic" in r["endpoint"])
    fsh_day1 = float(ovx.fsh.sel(arm="ovx", time=11.0)) / float(
        ovx.fsh.sel(arm="intact", time=slice(6.5, 11.0)).mean())
    assert fsh_day1 > 1.3
    assert _fold(ovx, "fsh", 70.0) > 2.0
    lh = _fold(ovx, "lh_tonic", 70.0)          # two months after surgery on day 10
    assert lh_fold / 2 < lh < lh_fold * 2
    # The rise builds over days (the further rise reported up to day 30 is not modelled).
    assert _fold(ovx, "lh_tonic", 13.0) < 0.5 * _fold(ovx, "lh_tonic", 30.0)


# --- CTX: lasting damage, persistent diestrus, signs at every measurement day ------------------
@pytest.fixture(scope="module")
def shipped():
    return {name: run_experiment(ROOT / "experiments" / name / "experiment.toml")
            for name in CTX_EXPERIMENTS}


@pytest.mark.parametrize("name", CTX_EXPERIMENTS)
def test_untreated_poi_stays_below_control_at_every_measurement_day(shipped, name):
    """E2 and AMH below control and FSH above it at every shipped measurement day: low E2 and
    high FSH persist for 3-8 weeks after POI-grade protocols (poi_timecourse.md)."""
    m = at_measurement(shipped[name])
    for day in m.time.values:
        c, p = (m.sel(time=day, arm=a) for a in ("control", "poi"))
        assert float(p.e2) < float(c.e2), (name, day)
        assert float(p.amh) < float(c.amh), (name, day)
        assert float(p.fsh) > float(c.fsh), (name, day)
        assert float(p.growing_follicles) < float(c.growing_follicles), (name, day)


@pytest.mark.parametrize("name", CTX_EXPERIMENTS)
def test_untreated_poi_is_persistent_diestrus_not_estrus(shipped, name):
    ds = shipped[name].sel(arm="poi")
    days = np.atleast_1d(shipped[name].attrs["measure_days"])
    for day in days:
        at = ds.sel(time=day)
        assert bool(at.persistent_diestrus) and not bool(at.persistent_estrus), (name, day)
    assert not bool(shipped[name].sel(arm="control").persistent_diestrus.any())


#: Where a treated arm may leave the interval, with the reason (docs/validation.md): miR-126-3p
#: EVs repress PIK3R2 and raise AKT, which pushes primordial activation (the activating sign of
#: AKT) while it protects growing follicles, so growing follicles and AMH overshoot control
#: while the cargo lasts (day 28) and fall back between the arms by day 42.
OVERSHOOT = {("rat_cisplatin_mir126_ev", 28.0, "amh"),
             ("rat_cisplatin_mir126_ev", 28.0, "growing_follicles")}


@pytest.mark.parametrize("name", CTX_EXPERIMENTS)
def test_treated_arm_lies_between_poi_and_control(shipped, name):
    """At every measurement day the treated arm lies between the untreated POI arm and control
    for E2, FSH, tonic LH, AMH and growing follicles (window means), except the documented AKT
    overshoot, which must then lie above control (not below POI). Serum LH (tonic plus surge)
    is not bounded this way: a treated arm that does not yet ovulate has no surges, so its
    window mean can lie below the cycling control's."""
    m = at_measurement(shipped[name])
    for day in m.time.values:
        c, p, t = (m.sel(time=day, arm=a) for a in ("control", "poi", TREATED[name]))
        for var in ("e2", "fsh", "lh_tonic", "amh", "growing_follicles"):
            if (name, float(day), var) in OVERSHOOT:
                assert float(t[var]) > float(c[var]) > float(p[var]), (name, day, var)
                continue
            lo, hi = sorted((float(c[var]), float(p[var])))
            assert lo <= float(t[var]) <= hi, (name, day, var, float(c[var]), float(p[var]),
                                               float(t[var]))


def test_inhibin_falls_with_the_growing_follicles(shipped):
    m = at_measurement(shipped["rat_ctx_hucmsc_iv"]).isel(time=0)
    c, p = m.sel(arm="control"), m.sel(arm="poi")
    assert float(p.inhibin) < float(c.inhibin)
    assert float(p.secondary + p.antral) < float(c.secondary + c.antral)


def test_validation_figure_uses_tangs_ratios_with_their_intervals(tmp_path):
    """The figure's reference points are Tang's CTX/control ratios with the delta-method
    interval of the log ratio, from the curated rows (read here with the csv module)."""
    import csv
    import math

    from scipy.stats import norm

    from follisim.plotting import validation

    path = ROOT / "src" / "follisim" / "datasets" / "data" / "rat_outcomes.csv"
    with path.open(encoding="utf-8") as fh:
        rows = {(r["group"], r["endpoint"]): r for r in csv.DictReader(fh)
                if r["study_id"].startswith("Tang2018")}
    c, p = rows[("control", "E2")], rows[("poi", "E2")]
    ratio = float(p["mean"]) / float(c["mean"])
    se = math.hypot(float(p["spread"]) / float(p["mean"]) / math.sqrt(float(p["n"])),
                    float(c["spread"]) / float(c["mean"]) / math.sqrt(float(c["n"])))
    z = norm.ppf(0.975)                        # the 95 % normal quantile, as compare uses
    got = validation.tang_ratios()["E2"]
    assert got == pytest.approx((ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)),
                                rel=1e-12)
    assert set(validation.tang_ratios()) == {e for _, e in validation.PANELS.values() if e}
    out = tmp_path / "v.png"
    validation.plot_validation(out)
    assert out.stat().st_size > 50_000
