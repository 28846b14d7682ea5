"""follisim compare: effect-size arithmetic, agreement with data made by the model itself, a
wrong sign caught, determinism across threads, and the outcome-CSV contract."""

import csv
import math

import numba
import numpy as np
import pytest

from follisim.compare import compare, scores, settings
from follisim.compare.cohort import simulate_cohort
from follisim.compare.observe import fraction_from_control, observed, reference_fraction
from follisim.compare.vocabulary import ENDPOINTS, lookup
from follisim.io.experiment import parse_experiment

TANG = {"preset": "CTX_SD_30x5_Tang"}
HUCMSC = {"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv", "days": [10]}


def small_experiment(animals=60, seed=1, **compare_table):
    doc = {"experiment": {"measure_days": [24.0], "save_interval": 1.0, "measure_window": 4.0},
           "arms": [{"name": "control"}, {"name": "poi", "doses": [TANG]},
                    {"name": "poi_hucmsc", "doses": [TANG, HUCMSC]}],
           "compare": {"animals": animals, "seed": seed, **compare_table}}
    return parse_experiment(doc, "<test experiment>")


@pytest.fixture(scope="module")
def cohort():
    exp = small_experiment()
    return simulate_cohort(exp, settings(exp))


# --- arithmetic against hand computation ------------------------------------------------------
def test_hedges_g_and_interval_by_hand():
    m1, s1, n1, m2, s2, n2 = 10.0, 2.0, 10, 8.0, 3.0, 12
    sp = math.sqrt((9 * 4.0 + 11 * 9.0) / 20.0)          # pooled SD
    j = 1.0 - 3.0 / (4.0 * 22 - 9.0)                      # Hedges' correction
    g = j * 2.0 / sp
    se = math.sqrt(22.0 / 120.0 + g * g / 44.0)
    got = scores.hedges_g(m1, s1, n1, m2, s2, n2)
    assert got == pytest.approx((g, g - 1.959964 * se, g + 1.959964 * se), rel=1e-6)


def test_risk_ratio_interval_by_hand():
    # 12/20 versus 6/20: RR 2, SE(ln RR) = sqrt(1/12 - 1/20 + 1/6 - 1/20).
    se = math.sqrt(1 / 12 - 1 / 20 + 1 / 6 - 1 / 20)
    rr, low, high = scores.risk_ratio(0.6, 20, 0.3, 20)
    assert rr == pytest.approx(2.0)
    assert (low, high) == pytest.approx((2 * math.exp(-1.959964 * se),
                                         2 * math.exp(1.959964 * se)), rel=1e-6)
    # A zero count: 0.5 added to all four cells (0/10 vs 3/10 -> 0.5/11 vs 3.5/11).
    rr0, _, _ = scores.risk_ratio(0.0, 10, 0.3, 10)
    assert rr0 == pytest.approx(0.5 / 3.5)


@pytest.mark.parametrize(("k", "n"), [(43, 50), (0, 21), (21, 21), (3, 17)])
def test_wilson_interval_equals_scipys(k, n):
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert scores.wilson(k / n, n) == pytest.approx((ci.low, ci.high), rel=1e-6, abs=1e-12)



def test_wilson_interval_of_none_or_all_is_a_proportion():
    """At 0 of n the lower bound is 0 and at n of n the upper is 1 (Wilson 1927); round-off
    puts them ~1e-17 either side, and an interval must never leave [0, 1]."""
    for n in range(1, 200):
        low, high = scores.wilson(0.0, n), scores.wilson(1.0, n)
        assert 0.0 <= low[0] < 1e-12 and 0.0 <= low[1] <= 1.0
        assert 1.0 - 1e-12 < high[1] <= 1.0 and 0.0 <= high[0] <= 1.0

def test_spread_conversions():
    assert scores.sd_from_spread(2.0, "SD", 9) == 2.0
    assert scores.sd_from_spread(2.0, "SEM", 9) == pytest.approx(6.0)
    assert scores.sd_from_spread(1.959964, "CI95", 16) == pytest.approx(4.0, rel=1e-6)
    assert scores.sd_from_spread(None, "none", 9) is None


def test_vocabulary_covers_every_shipped_endpoint():
    from follisim import datasets

    names = {r["endpoint"] for f in ("rat_outcomes", "meta_analysis")
             for r in datasets.rows(f)}
    for name in names:
        endpoint, _ = lookup(name)
        assert endpoint.name in ENDPOINTS or name.endswith("_change_vs_control"), name
        assert endpoint.supported or endpoint.reason, name
    assert not lookup("ovarian_weight")[0].supported
    assert not lookup("made_up_endpoint")[0].supported


# --- the cohort -----------------------------------------------------------------------------
def test_cohort_identical_at_one_and_two_threads():
    exp = small_experiment(animals=12, seed=7)
    original = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_cohort(exp, settings(exp)).to_dataset()
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate_cohort(exp, settings(exp)).to_dataset()
    finally:
        numba.set_num_threads(original)
    assert one.identical(two)
    other = simulate_cohort(exp, settings(exp, seed=8)).to_dataset()
    assert not np.array_equal(one.e2.values, other.e2.values)


def test_random_effects_and_sacrifice_times(cohort):
    exp = cohort.experiment
    a = cohort.arms["poi"]
    assert np.all(a.status == 0)
    # Sacrifice within the measurement window before each measurement day.
    assert np.all((a.sacrifice <= 24.0) & (a.sacrifice >= 24.0 - exp.measure_window))
    cv = cohort.settings.variability["cv_primordial_initial"]
    spread = np.std(np.log(a.effects["primordial_initial"]))
    assert spread == pytest.approx(math.sqrt(math.log1p(cv * cv)), rel=0.35)
    assert cohort.arms["control"].effects["injury_potency"].shape == (60,)


# --- agreement with data generated by the model itself; a wrong sign is caught --------------
def _synthetic_csv(tmp_path, cohort, flip_e2=False, n=12):
    """Arm-level rows built from a cohort of the model (another seed than the one scored)."""
    s = cohort.settings
    rows = []
    for name in ("follicles_primordial", "follicles_secondary", "E2", "FSH", "AMH"):
        endpoint = ENDPOINTS[name]
        fraction = 0.01 if endpoint.observation == "sections" else 1.0
        control_mean = float(np.mean(observed(cohort, "control", endpoint, 24.0, fraction)))
        for group in ("control", "poi"):
            v = observed(cohort, group, endpoint, 24.0, fraction)
            mean, sd = float(np.mean(v)), float(np.std(v, ddof=1))
            if flip_e2 and name == "E2" and group == "poi":
                # The POI/control ratio reflected through 1 and pushed further: wrong sign.
                ratio = mean / control_mean
                mean = control_mean * (ratio ** -1 if abs(np.log(ratio)) > 0.3 else
                                       np.exp(-np.sign(np.log(ratio)) * 0.5))
                sd = sd / ratio
            rows.append({"study_id": "synthetic", "species": "rat", "induction":
                         "cyclophosphamide 30 mg/kg x5", "group": group, "endpoint": name,
                         "unit": "synthetic", "mean": f"{mean:.6g}", "spread": f"{sd:.6g}",
                         "spread_kind": "SD", "n": str(n)})
    assert s.control_arm == "control"
    path = tmp_path / ("flipped.csv" if flip_e2 else "synthetic.csv")
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_data_made_by_the_model_are_scored_as_agreeing(tmp_path):
    source = simulate_cohort(small_experiment(seed=11), settings(small_experiment(seed=11)))
    path = _synthetic_csv(tmp_path, source)
    result = compare(small_experiment(animals=120, seed=3), [path])
    effects = [r for r in result.rows if r.kind == "arm"]
    assert len(effects) == 5 and all(r.status == "ok" for r in effects)
    assert all(r.sign_agrees for r in effects)
    assert all(abs(r.z) < 3.5 for r in effects), [(r.endpoint, r.z) for r in effects]
    assert sum(r.inside_interval for r in effects) >= 4
    spreads = [r for r in result.rows if r.kind == "control_spread"]
    assert len(spreads) == 5 and sum(r.inside_interval for r in spreads) >= 4


def test_a_wrong_sign_is_caught(tmp_path):
    source = simulate_cohort(small_experiment(seed=11), settings(small_experiment(seed=11)))
    path = _synthetic_csv(tmp_path, source, flip_e2=True)
    result = compare(small_experiment(animals=60, seed=3), [path])
    e2 = next(r for r in result.rows if r.endpoint == "E2" and r.kind == "arm")
    assert e2.sign_agrees is False and e2.inside_interval is False and abs(e2.z) > 5
    others = [r for r in result.rows if r.kind == "arm" and r.endpoint != "E2"]
    assert all(r.sign_agrees for r in others)


def test_pooled_rows_against_the_treated_and_poi_arms(tmp_path):
    path = tmp_path / "pooled.csv"
    path.write_text("endpoint,effect_kind,estimate,ci_low,ci_high,n_studies,n_animals\n"
                    "E2,SMD,2.0,1.0,3.0,10,200\n"
                    "FSH,SMD,-2.0,-3.0,-1.0,not given,not given\n"
                    "estrous_cycle_improved,RR,2.0,1.2,3.5,,\n"
                    "ovarian_weight,SMD,1.3,0.2,2.5,,\n"
                    "E2,MD,10,5,15,,\n", encoding="utf-8")
    result = compare(small_experiment(animals=40), [path])
    rows = {(r.endpoint, r.kind): r for r in result.rows}
    e2 = rows[("E2", "SMD")]
    assert e2.status == "ok" and e2.n == pytest.approx(10.0) and e2.arm == "poi_hucmsc vs poi"
    assert rows[("FSH", "SMD")].n == 10.0 and "assumed" in rows[("FSH", "SMD")].reason
    assert rows[("estrous_cycle_improved", "RR")].status == "ok"
    assert rows[("ovarian_weight", "SMD")].status == "unsupported"
    assert rows[("E2", "MD")].status == "unsupported"
    assert len(result.rows) == 5


def test_sampling_fraction_matches_the_control_mean(cohort):
    endpoint = ENDPOINTS["follicles_primordial"]
    f = fraction_from_control(cohort, "control", endpoint, 24.0, 36.75)
    counts = observed(cohort, "control", endpoint, 24.0, f)
    assert np.mean(counts) == pytest.approx(36.75, rel=0.1)     # Poisson noise, 60 animals



def test_assay_error_has_mean_one_and_the_declared_cv(cohort):
    """docs/compare.md: a hormone assay reads the level times a log-normal error of mean 1 and
    CV ``assay_cv``. Pooled over 3 arms x 4 hormones x 60 animals, the mean error lies within
    4 standard errors of 1 (false-failure rate ~6e-5) and its CV within 15 %."""
    from follisim.compare.observe import whole

    cv = cohort.settings.variability["assay_cv"]
    errors = np.concatenate([
        observed(cohort, arm, ENDPOINTS[name], 24.0) / whole(cohort.arms[arm], ENDPOINTS[name],
                                                                cohort.day_index(24.0))
        for arm in cohort.arms for name in ("E2", "FSH", "AMH", "LH")])
    assert errors.size == 720
    assert abs(np.mean(errors) - 1.0) < 4 * cv / math.sqrt(errors.size)
    assert np.std(errors) / np.mean(errors) == pytest.approx(cv, rel=0.15)


def test_no_sampling_fraction_from_a_control_without_follicles(cohort, monkeypatch):
    """A control arm that holds no follicles of the endpoint's stages gives no sampling
    fraction (NaN), not an infinite one."""
    from follisim import datasets
    from follisim.compare import observe

    monkeypatch.setattr(observe, "whole", lambda arm, endpoint, day: np.zeros(arm.ok.shape))
    endpoint = ENDPOINTS["follicles_primordial"]
    assert np.isnan(reference_fraction(cohort, "control", endpoint, 24.0))
    assert np.isnan(fraction_from_control(cohort, "control", endpoint, 24.0, 36.75))
    # A control below one follicle is small, not empty.
    monkeypatch.setattr(observe, "whole", lambda arm, endpoint, day: np.full(arm.ok.shape, 0.5))
    tang = datasets.arm_mean(datasets.TANG2018, "control", "follicles_primordial")
    assert reference_fraction(cohort, "control", endpoint, 24.0) == pytest.approx(tang / 0.5)
    assert fraction_from_control(cohort, "control", endpoint, 24.0, 36.75) == pytest.approx(73.5)

def test_reference_fraction_scales_to_tangs_control_sections(cohort):
    """Without a control mean (pooled rows) section counts are scaled to Tang 2018's control
    arm: a single class to its own mean, a union of classes to the sum of their means (read
    from the data file here), and whole-ovary counts (fraction 1) for a union that Tang's
    classes do not partition."""
    from follisim import datasets

    tang = {r["endpoint"]: float(r["mean"]) for r in datasets.rows("rat_outcomes")
            if r["study_id"].startswith("Tang2018") and r["group"] == "control"}
    j = cohort.day_index(24.0)
    for name, wanted in (("follicles_primary", tang["follicles_primary"]),
                         ("follicles_growing", tang["follicles_primary"]
                          + tang["follicles_secondary"]
                          + tang["follicles_mature(antral/preovulatory)"])):
        endpoint = ENDPOINTS[name]
        arm = cohort.arms["control"]
        whole = sum(np.nanmean(np.where(arm.ok, arm.values[v][:, j], np.nan))
                    for v in endpoint.variables)
        f = reference_fraction(cohort, "control", endpoint, 24.0)
        assert f * whole == pytest.approx(wanted, rel=1e-9), name
    assert reference_fraction(cohort, "control", ENDPOINTS["follicles_preovulatory"],
                              24.0) == 1.0


def test_unknown_groups_species_and_endpoints_are_listed_not_dropped(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("study_id,species,group,endpoint,unit,mean,spread,spread_kind,n\n"
                    "s,rat,control,E2,pg/mL,50,5,SD,10\n"
                    "s,rat,sham,E2,pg/mL,50,5,SD,10\n"
                    "s,mouse,poi,E2,pg/mL,30,5,SD,10\n"
                    "s,rat,poi,telomere_length,kb,3,1,SD,10\n", encoding="utf-8")
    result = compare(small_experiment(animals=20), [path])
    by_row = {r.source.rsplit(":", 1)[1]: r for r in result.rows}
    assert by_row["row 2"].status == "unsupported" and "matches no arm" in by_row["row 2"].reason
    assert "species mouse" in by_row["row 3"].reason
    assert "vocabulary" in by_row["row 4"].reason
    assert len(result.rows) == 4
