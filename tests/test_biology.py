"""The biology of ``docs/model.md``, tested without trusting the code's own statement of it.

Every expectation here comes from the mechanism's description (its direction, an analytic
special case, a reported number), never from running the equations and writing down what they
gave. Directions are checked at many random interior states by finite differences.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from follisim.calibrate.objective import Objective
from follisim.calibrate.spec import load
from follisim.core import dopri5, pk, rat, status
from follisim.experiment import at_measurement, run_experiment
from follisim.models import RAT

GROWING_ATRESIA = ("primary_atresia", "secondary_atresia", "antral_atresia",
                   "preovulatory_atresia")
P0 = RAT.parameters.pack()


# --- evaluating the kernel at named points -------------------------------------------------
class Point:
    """A state, parameter vector and input vector, addressed by name."""

    def __init__(self, y=None, p=None, u=None):
        self.y = RAT.y0_guess() if y is None else np.array(y, float)
        self.p = P0.copy() if p is None else np.array(p, float)
        self.u = np.zeros(len(RAT.inputs)) if u is None else np.array(u, float)

    def moved(self, name: str, factor: float = 1.0 + 1e-4, add: float = 0.0) -> "Point":
        q = Point(self.y, self.p, self.u)
        for arr, names in ((q.y, RAT.state_names), (q.u, RAT.input_names),
                           (q.p, RAT.parameters.names)):
            if name in names:
                i = names.index(name)
                arr[i] = arr[i] * factor + add
                return q
        raise KeyError(name)

    def rate(self, state: str) -> float:
        d = np.empty(len(self.y))
        rat.rhs(0.0, self.y, self.p, self.u, d)
        return float(d[RAT.state_names.index(state)])

    def hazard(self, name: str) -> float:
        h = np.empty(len(rat.HAZARD_NAMES))
        rat.hazards(self.y, self.p, self.u, h)
        return float(h[rat.HAZARD_NAMES.index(name)])

    def observable(self, name: str) -> float:
        out = np.empty(len(RAT.observables))
        rat.observe(self.y, self.p, self.u, out)
        return float(out[RAT.observable_names.index(name)])

    def value(self, kind: str, name: str) -> float:
        return getattr(self, kind)(name)


def effect(point: Point, kind: str, quantity: str, variable: str) -> float:
    """Change of ``quantity`` when ``variable`` rises (relative step, or +0.01 from zero)."""
    base = point.value(kind, quantity)
    value = dict(zip(RAT.state_names, point.y, strict=True)).get(variable)
    if value is None:
        value = dict(zip(RAT.input_names, point.u, strict=True)).get(variable)
    up = point.moved(variable, 1.0 + 1e-4, add=1e-2 if not value else 0.0)
    return up.value(kind, quantity) - base


def interior(draw) -> Point:
    """A random state well inside the physiological range, random inputs."""
    guess = RAT.initial_guess
    lesion = draw(st.floats(0.05, 0.9))
    # Below the vessel capacity left by the stromal lesion (above it VEGF cannot add vessels).
    capacity = P0[RAT.parameters.locate("vessel_capacity")] * (
        1.0 - P0[RAT.parameters.locate("stromal_lesion_capacity_loss")] * lesion)
    y = []
    for name in RAT.state_names:
        g = guess[name]
        if name == "stromal_lesion":
            y.append(lesion)
        elif name == "vessel_density":
            y.append(draw(st.floats(0.2, 0.99 * capacity)))
        elif name == "surge":
            y.append(draw(st.floats(0.05, 0.95)))
        elif name == "progesterone":
            y.append(draw(st.floats(0.05, 3.0)))
        elif name == "ovulated":
            y.append(0.0)
        elif name == "gc_lesion":
            y.append(draw(st.floats(0.05, 0.9)))
        else:
            y.append(draw(st.floats(0.2, 2.0)) * max(g, 1.0))
    u = []
    for v in RAT.inputs:
        hi = 0.9 if np.isfinite(v.bounds[1]) else 2.0
        u.append(draw(st.one_of(st.just(0.0), st.floats(0.0, hi))))
    return Point(y, P0, u)


#: (kind, quantity, variable, expected sign): each row is a sentence of docs/model.md.
DIRECTIONS = [
    # MSCs rebalance the angiopoietins: Ang2 production suppressed, Ang1 and VEGF raised.
    ("rate", "ang2", "msc_signal", -1), ("rate", "ang1", "msc_signal", +1),
    ("rate", "vegf", "msc_signal", +1),
    # E2 secretion needs perfusion (and FSH-driven aromatase); FSH is under E2 feedback.
    ("rate", "e2", "vessel_density", +1), ("rate", "e2", "fsh", +1),
    ("rate", "e2", "antral", +1), ("rate", "e2", "preovulatory", +1),
    ("rate", "fsh", "e2", -1),
    # AMH comes from secondary (and primary, small antral) follicles; it brakes activation.
    ("rate", "amh", "secondary", +1), ("hazard", "activation", "amh", -1),
    # FSH drives antral progression and rescues antral follicles from atresia.
    ("hazard", "antral_progression", "fsh", +1), ("hazard", "antral_atresia", "fsh", -1),
    # AKT has two signs: more activation, less apoptosis; PTEN loss acts through AKT.
    ("hazard", "activation", "akt_signal", +1), ("hazard", "activation", "pten_repression", +1),
    *[("hazard", h, "akt_signal", -1) for h in GROWING_ATRESIA],
    *[("hazard", h, "pten_repression", -1) for h in GROWING_ATRESIA],
    # Perfusion protects growing follicles; survival signals, MSCs and p53 loss lower apoptosis.
    *[("hazard", h, "vessel_density", -1) for h in GROWING_ATRESIA],
    *[("hazard", h, "survival_signal", -1) for h in GROWING_ATRESIA],
    *[("hazard", h, "sirt7_repression", -1) for h in GROWING_ATRESIA],
    *[("hazard", h, "hbp1_repression", -1) for h in GROWING_ATRESIA],
    *[("hazard", h, "msc_signal", -1) for h in GROWING_ATRESIA],
    *[("hazard", h, "p53_repression", -1) for h in GROWING_ATRESIA],
    ("hazard", "primordial_death", "p53_repression", -1),
    # Injury mechanisms, one channel each.
    ("hazard", "primordial_death", "injury_primordial", +1),
    *[("hazard", h, "injury_gc", +1) for h in GROWING_ATRESIA],
    ("hazard", "activation", "injury_burnout", +1),
    ("rate", "vessel_density", "injury_vascular", -1), ("rate", "ang2", "injury_vascular", +1),
    # Angiopoietins: Tie2 agonists and Ang2 blockade stabilise vessels; Ang2 destabilises.
    ("observable", "vessel_stability", "tie2_agonist", +1),
    ("observable", "vessel_stability", "ang1_exogenous", +1),
    ("observable", "vessel_stability", "ang2_blockade", +1),
    ("observable", "vessel_stability", "ang1", +1),
    ("observable", "vessel_stability", "ang2", -1),
    ("rate", "vessel_density", "ang2", -1), ("rate", "vessel_density", "vegf", +1),
    ("rate", "vessel_density", "angiogenic_signal", +1),
    ("rate", "vessel_density", "pik3r2_repression", +1),
    # Hypoxia (low vessel density) raises VEGF and Ang2 production.
    ("rate", "vegf", "vessel_density", -1),
    # Gonadotropin axis: inhibin B from preantral and antral follicles brakes FSH; E2 and luteal
    # progesterone brake tonic LH.
    ("observable", "inhibin", "secondary", +1), ("observable", "inhibin", "antral", +1),
    ("rate", "fsh", "secondary", -1), ("rate", "fsh", "antral", -1),
    ("rate", "lh_tonic", "e2", -1), ("rate", "lh_tonic", "progesterone", -1),
    # Lasting damage: lesions raise atresia and cut vessel capacity; MSCs speed repair.
    *[("hazard", h, "gc_lesion", +1) for h in GROWING_ATRESIA],
    ("rate", "vessel_density", "stromal_lesion", -1),
    ("rate", "gc_lesion", "injury_gc_lesion", +1), ("rate", "gc_lesion", "msc_signal", -1),
    ("rate", "stromal_lesion", "injury_stromal_lesion", +1),
    ("rate", "stromal_lesion", "msc_signal", -1),
    # The surge: E2 excites it, progesterone inhibits it, LH ovulates.
    ("observable", "surge_gate", "e2", +1), ("observable", "surge_gate", "progesterone", -1),
    ("hazard", "ovulation", "surge", +1), ("observable", "lh", "surge", +1),
    ("rate", "progesterone", "corpora_lutea", +1),
]


def _check_direction(point: Point, kind, quantity, variable, sign, strict: bool) -> None:
    change = effect(point, kind, quantity, variable)
    scale = abs(point.value(kind, quantity)) + 1e-9
    if strict:
        assert sign * change > 0.0, (kind, quantity, variable, change)
    else:
        assert sign * change > -1e-12 * scale, (kind, quantity, variable, change)


def _reference_point() -> Point:
    """A mid-cycle state with moderate inputs on every channel."""
    y = RAT.y0_guess()
    y[RAT.state_names.index("vessel_density")] = 0.8
    y[RAT.state_names.index("surge")] = 0.3
    y[RAT.state_names.index("progesterone")] = 0.5
    y[RAT.state_names.index("gc_lesion")] = 0.3
    y[RAT.state_names.index("stromal_lesion")] = 0.3
    u = np.array([0.5 if not np.isfinite(v.bounds[1]) else 0.3 for v in RAT.inputs])
    return Point(y, P0, u)


@pytest.mark.parametrize(("kind", "quantity", "variable", "sign"), DIRECTIONS,
                         ids=[f"{q}-{v}" for _, q, v, _ in DIRECTIONS])
def test_direction_at_reference_point(kind, quantity, variable, sign):
    _check_direction(_reference_point(), kind, quantity, variable, sign, strict=True)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_directions_hold_across_the_state_space(data):
    point = interior(data.draw)
    for kind, quantity, variable, sign in DIRECTIONS:
        _check_direction(point, kind, quantity, variable, sign, strict=False)


# --- analytic special cases ----------------------------------------------------------------
def _integrate_frozen(y0, free: tuple[str, ...], days: float, save: np.ndarray,
                      p: np.ndarray = P0) -> np.ndarray:
    """Integrate with every state outside ``free`` held constant (no inputs)."""
    frozen = np.array([0 if s in free else 1 for s in RAT.state_names], np.int8)
    y = np.array(y0, float)
    out_y = np.empty((save.size, y.size))
    out_u = np.empty((save.size, len(RAT.inputs)))
    opts = np.array([1e-11, 1e-13, 0.0, 1e-14, np.inf, 1e7])
    code = dopri5.integrate(RAT.model_id, y, p, np.zeros(len(RAT.inputs)), np.empty((0, 3)),
                            np.empty((0, 2)), np.empty((0, 7)), np.empty(0),
                            np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), 0.0,
                            days, save, opts, frozen, np.array([-1.0, 0.0, np.nan]), out_y,
                            out_u, np.zeros(3, np.int64))
    assert code == status.SUCCESS
    return out_y


def _named(**values) -> np.ndarray:
    y = RAT.y0_guess()
    for k, v in values.items():
        y[RAT.state_names.index(k)] = v
    return y


def test_primary_stage_decays_at_progression_plus_atresia():
    """With no inflow, healthy vessels (perfusion 1, hypoxia index 1) and no inputs, primary
    follicles leave at k_primary_progression + k_primary_atresia: a pure exponential."""
    t = np.linspace(0.0, 10.0, 11)
    y = _integrate_frozen(_named(primordial=0.0, primary=100.0, vessel_density=1.0),
                          ("primary",), 10.0, t)
    k = P0[RAT.parameters.locate("k_primary_progression")] \
        + P0[RAT.parameters.locate("k_primary_atresia")]
    np.testing.assert_allclose(y[:, RAT.state_names.index("primary")], 100.0 * np.exp(-k * t),
                               rtol=1e-8)


def test_primary_feeds_secondary_as_a_two_compartment_chain():
    """Primary -> secondary with constant hazards (healthy vessels, no inputs) is the Bateman
    solution of a linear chain."""
    t = np.linspace(0.0, 10.0, 11)
    y = _integrate_frozen(_named(primordial=0.0, primary=100.0, secondary=0.0,
                                 vessel_density=1.0), ("primary", "secondary"), 10.0, t)
    g1 = P0[RAT.parameters.locate("k_primary_progression")]
    a = g1 + P0[RAT.parameters.locate("k_primary_atresia")]
    b = P0[RAT.parameters.locate("k_secondary_progression")] \
        + P0[RAT.parameters.locate("k_secondary_atresia")]
    exact = 100.0 * g1 * (np.exp(-b * t) - np.exp(-a * t)) / (a - b)
    np.testing.assert_allclose(y[:, RAT.state_names.index("secondary")], exact, rtol=1e-8,
                               atol=1e-9)


@pytest.mark.parametrize(("state", "rate_parameter"), [("corpora_lutea", "k_luteolysis"),
                                                       ("atretic", "k_atretic_clearance")])
def test_sinks_clear_exponentially(state, rate_parameter):
    """Corpora lutea regress and atretic follicles clear at their parameter rate."""
    t = np.linspace(0.0, 6.0, 7)
    start = _named(**{state: 50.0, "primordial": 0.0, "primary": 0.0, "secondary": 0.0,
                      "antral": 0.0, "preovulatory": 0.0})
    y = _integrate_frozen(start, (state,), 6.0, t)
    k = P0[RAT.parameters.locate(rate_parameter)]
    np.testing.assert_allclose(y[:, RAT.state_names.index(state)], 50.0 * np.exp(-k * t),
                               rtol=1e-8)


def test_primordial_pool_without_amh_decays_at_activation_plus_death():
    """Without AMH (no brake) and without inputs the pool is lost at k_activation +
    k_primordial_death."""
    t = np.linspace(0.0, 50.0, 6)
    y = _integrate_frozen(_named(primordial=5000.0, amh=0.0), ("primordial",), 50.0, t)
    k = P0[RAT.parameters.locate("k_activation")] + P0[RAT.parameters.locate(
        "k_primordial_death")]
    np.testing.assert_allclose(y[:, 0], 5000.0 * np.exp(-k * t), rtol=1e-8)


def test_progesterone_follows_corpora_lutea_with_the_luteinisation_lag():
    """Q' = k (C / C_half - Q): relaxation to C / C_half at rate k_luteinization."""
    t = np.linspace(0.0, 4.0, 9)
    y = _integrate_frozen(_named(corpora_lutea=12.0, progesterone=0.0), ("progesterone",),
                          4.0, t)
    k = P0[RAT.parameters.locate("k_luteinization")]
    target = 12.0 / P0[RAT.parameters.locate("cl_p4_half")]
    np.testing.assert_allclose(y[:, RAT.state_names.index("progesterone")],
                               target * (1.0 - np.exp(-k * t)), rtol=1e-8, atol=1e-12)


def test_linear_pk_chain_in_closed_form():
    """Central c and effect-site x of one chain after tau days (hand-written Bateman)."""
    k_el, k_tr, k_out = 3.0, 0.5, 0.2
    rates = np.array([[k_el, k_tr, k_out]])
    state = np.array([[10.0, 1.0]])
    for tau in (0.0, 0.1, 1.0, 7.0):
        c, x = pk.chain_at(rates, state, 0, tau)
        a = k_el + k_tr
        assert c == pytest.approx(10.0 * np.exp(-a * tau), rel=1e-13)
        exact = np.exp(-k_out * tau) + k_tr * 10.0 * (np.exp(-k_out * tau)
                                                       - np.exp(-a * tau)) / (a - k_out)
        assert x == pytest.approx(exact, rel=1e-12)


# --- quantitative: CTX against Tang 2018 ---------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
#: Tang endpoints the fitted model misses by more than 2 standard errors, and why: AMH comes
#: out at about 0.35x control against the reported 0.59x because the model makes AMH mostly in
#: secondary follicles, which CTX cuts to 0.26x; only the direction is required.
KNOWN_MISFITS = {"AMH"}


def test_ctx_reproduces_tang_ratios_at_day_35():
    """At the fitted potencies, every Tang 2018 POI/control ratio at day 35 (follicle counts,
    E2, FSH, AMH) lies within 2 standard errors of the log ratio (SE from the arms' SDs and n),
    scored exactly as follisim compare scores it; the declared misfits keep their direction."""
    objective = Objective(load(ROOT / "configs" / "calibrate_ctx.toml"))
    rows = [r for r, role in objective.rows({}) if role is not None and r.kind == "arm"]
    assert len(rows) == 8
    for r in rows:
        assert r.status == "ok", (r.endpoint, r.reason)
        assert r.sign_agrees, r.endpoint
        if r.endpoint not in KNOWN_MISFITS:
            assert abs(r.z) < 2.0, (r.endpoint, r.reported, r.simulated, r.z)


# --- treatments, one mechanism at a time ----------------------------------------------------
TREATMENT_ARMS = {
    "hucmsc": [{"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv", "days": [10]}],
    "ev_mir21": [{"agent": "ev", "dose": 100.0, "unit": "ug", "route": "iv", "days": [10, 13],
                  "cargo": {"miR-21-5p": 1e7}}],
    "ev_mir126": [{"agent": "ev", "dose": 100.0, "unit": "ug", "route": "iv", "days": [10, 13],
                   "cargo": {"miR-126-3p": 1e7}}],
    "ang1": [{"agent": "recombinant_ang1", "dose": 50.0, "unit": "ug/kg", "route": "iv",
              "days": [10, 11, 12, 13]}],
    "ang2_antibody": [{"agent": "ang2_antibody", "dose": 10.0, "unit": "mg/kg", "route": "ip",
                       "days": [10]}],
    "tie2_agonist": [{"agent": "tie2_agonist", "dose": 5.0, "unit": "mg/kg", "route": "ip",
                      "days": [10, 12]}],
}
TANG = {"preset": "CTX_SD_30x5_Tang"}


@pytest.fixture(scope="module")
def treated():
    arms = [{"name": "poi", "doses": [TANG]}]
    arms += [{"name": name, "doses": [TANG, *doses]} for name, doses in TREATMENT_ARMS.items()]
    ds = run_experiment({"experiment": {"measure_days": [16.0], "save_interval": 0.5,
                                        "measure_window": 3.0}, "arms": arms})
    assert ds.attrs["n_failed"] == 0
    return at_measurement(ds).isel(time=0)


def _cmp(m, arm, name):
    return float(m[name].sel(arm=arm)), float(m[name].sel(arm="poi"))


def test_hucmsc_lowers_ang2_raises_ang1_vegf_and_vessels(treated):
    for name, sign in (("ang2", -1), ("ang1", +1), ("vegf", +1), ("vessel_density", +1),
                       ("ang1_ang2_ratio", +1), ("vessel_stability", +1)):
        t, p = _cmp(treated, "hucmsc", name)
        assert sign * (t - p) > 0, name
    t, p = _cmp(treated, "hucmsc", "atresia_rate")
    assert t < p


def test_mir21_ev_represses_pten_speeds_activation_lowers_atresia(treated):
    t, p = _cmp(treated, "ev_mir21", "pten_repression")
    assert t > 0.0 == p
    assert _cmp(treated, "ev_mir21", "activation_rate")[0] > _cmp(treated, "poi",
                                                                  "activation_rate")[0]
    m = treated.sel(arm=["ev_mir21", "poi"])
    ratio = m.atresia_rate / m.growing_follicles
    assert float(ratio.sel(arm="ev_mir21")) < float(ratio.sel(arm="poi"))


def test_mir126_ev_raises_vessel_density(treated):
    t, p = _cmp(treated, "ev_mir126", "vessel_density")
    assert t > p
    assert _cmp(treated, "ev_mir126", "pik3r2_repression")[0] > 0.0


@pytest.mark.parametrize("arm", ["ang1", "ang2_antibody", "tie2_agonist"])
def test_angiopoietin_drugs_stabilise_vessels(treated, arm):
    for name in ("vessel_stability", "vessel_density"):
        t, p = _cmp(treated, arm, name)
        assert t > p, (arm, name)



@pytest.mark.parametrize("inputs", [{}, {"ang1_exogenous": 0.7}, {"ang2_blockade": 0.5},
                                    {"tie2_agonist": 2.0, "ang2_blockade": 0.9}])
@pytest.mark.parametrize("kd", [1.0, 0.3, 4.0])
def test_tie2_occupancies_obey_mass_action(inputs, kd):
    """Two ligands competing for Tie2 at equilibrium: each bound fraction equals the free
    receptor fraction times ligand / Kd, so the bound fractions are in the ratio of the
    ligands (the free ligand levels are read from the declared signals). Kd away from its
    default 1 too, where Kd and 1/Kd differ."""
    from follisim.spec.equations import evaluate

    point = Point()
    point.p[RAT.parameters.names.index("tie2_kd")] = kd
    for name, level in inputs.items():
        point.u[RAT.input_names.index(name)] = level
    values = {**dict(zip(RAT.state_names, point.y, strict=True)),
              **dict(zip(RAT.parameters.names, point.p, strict=True)),
              **dict(zip(RAT.input_names, point.u, strict=True))}
    env = evaluate(RAT.equations, values)
    agonism, ang2, kd = env["tie2_agonism"], env["ang2_free"], env["tie2_kd"]
    bound1 = point.observable("tie2_ang1_occupancy")
    bound2 = point.observable("tie2_ang2_occupancy")
    free = 1.0 - bound1 - bound2
    assert 0.0 < free < 1.0
    assert bound1 == pytest.approx(free * agonism / kd, rel=1e-12)
    assert bound2 == pytest.approx(free * ang2 / kd, rel=1e-12)


def test_growing_follicles_are_primary_to_preovulatory():
    """docs/model.md: growing follicles = primary + secondary + antral + preovulatory."""
    rng = np.random.default_rng(5)
    for _ in range(5):
        point = Point()
        for name in ("primary", "secondary", "antral", "preovulatory"):
            point = point.moved(name, factor=rng.uniform(0.2, 3.0))
        y = dict(zip(RAT.state_names, point.y, strict=True))
        expected = y["primary"] + y["secondary"] + y["antral"] + y["preovulatory"]
        assert point.observable("growing_follicles") == pytest.approx(expected, rel=1e-14)
