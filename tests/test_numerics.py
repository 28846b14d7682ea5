"""The integrator against exact solutions and against scipy at tight tolerance."""

import dataclasses

import numpy as np
import pytest
from conftest import config_doc
from scipy.integrate import solve_ivp
from scipy.stats import linregress

from follisim import SimulationError, Status, simulate
from follisim.core import batch, dopri5
from follisim.io.config import parse
from follisim.models import RAT, REFERENCE
from follisim.models.rat_python import make_rhs
from follisim.protocols import Bolus, InputStep, PkChain, PkDose, PkEffect, Protocol

EV_HALF_LIFE_DAYS = 10.0 / (24 * 60)     # an EV-like plasma half-life of 10 minutes


def _run_reference(protocol, save_t, t1, omega=1.0, k=0.5, rtol=1e-10, atol=1e-12,
                   h_init=0.0, y0=(1.0, 0.0, 0.0)):
    """Integrate the reference model directly with the core (no config layer)."""
    m = REFERENCE
    c = protocol.compile(m, 0.0, t1)
    p = np.array([omega, k])
    out_y = np.empty((save_t.size, 3))
    out_u = np.empty((save_t.size, 1))
    out_o = np.empty((save_t.size, 1))
    stats = np.zeros(3, np.int64)
    opts = np.array([rtol, atol, h_init, 1e-14, np.inf, 1e7])
    code = batch.solve_one(m.model_id, np.array(y0, float), p, batch.INIT_GIVEN,
                           m.frozen_mask(), m.init_parameter_index(), m.phase_array(0.0),
                           c.u0, c.pk_rates, c.pk_state0, c.pk_map, c.ev_t, c.ev_kind,
                           c.ev_target, c.ev_value, 0.0, t1, save_t, opts, out_y, out_u, out_o,
                           stats)
    return code, out_y, out_u, stats


def test_dense_output_matches_exact_oscillator():
    ts = np.linspace(0.0, 20.0, 333)
    code, y, _, _ = _run_reference(Protocol(), ts, 20.0)
    assert code == Status.SUCCESS
    np.testing.assert_allclose(y[:, 0], np.cos(ts), atol=2e-9)
    np.testing.assert_allclose(y[:, 1], -np.sin(ts), atol=2e-9)


def test_dp5_converges_at_fifth_order():
    """Fixed steps (rtol <= 0) on x'' = -x: the global error falls as h^5."""
    t1 = 10.0
    hs = np.array([0.4, 0.2, 0.1, 0.05])
    errors = []
    for h in hs:
        code, y, _, _ = _run_reference(Protocol(), np.array([t1]), t1, rtol=0.0, h_init=h)
        assert code == Status.SUCCESS
        errors.append(np.hypot(y[0, 0] - np.cos(t1), y[0, 1] + np.sin(t1)))
    slope = linregress(np.log(hs), np.log(errors)).slope
    assert abs(slope - 5.0) < 0.25, slope


def test_adaptive_error_follows_tolerance():
    """Tighter tolerances give proportionally smaller errors (tolerance proportionality)."""
    errs = []
    for tol in (1e-5, 1e-7, 1e-9):
        _, y, _, _ = _run_reference(Protocol(), np.array([10.0]), 10.0, rtol=tol, atol=tol)
        errs.append(abs(y[0, 0] - np.cos(10.0)))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-7


def test_boluses_are_exact_superposition_and_right_continuous():
    """z' = -k z with boluses: a sum of shifted exponentials; saved values at a dose day are
    the post-dose values."""
    k = 0.7
    doses = [(0.0, 1.0), (2.0, 0.5), (5.0, 2.0)]
    ts = np.linspace(0.0, 10.0, 201)          # contains 0, 2 and 5 exactly
    proto = Protocol(boluses=tuple(Bolus("z", d, a) for d, a in doses))
    code, y, _, _ = _run_reference(proto, ts, 10.0, k=k, y0=(0.0, 0.0, 0.0))
    assert code == Status.SUCCESS
    exact = sum(a * np.exp(-k * (ts - d)) * (ts >= d) for d, a in doses)
    np.testing.assert_allclose(y[:, 2], exact, rtol=1e-9, atol=1e-12)


def test_input_steps_match_exact_solution():
    k, level, start, stop = 0.5, 2.0, 1.0, 4.0
    ts = np.linspace(0.0, 8.0, 161)
    proto = Protocol(steps=(InputStep("drive", start, stop, level),))
    code, y, u, _ = _run_reference(proto, ts, 8.0, k=k, y0=(0.0, 0.0, 0.0))
    assert code == Status.SUCCESS
    on = np.clip(ts - start, 0.0, stop - start)
    z_stop = level / k * (1.0 - np.exp(-k * on))
    exact = np.where(ts <= stop, z_stop, z_stop * np.exp(-k * (ts - stop)))
    np.testing.assert_allclose(y[:, 2], exact, rtol=1e-9, atol=1e-12)
    assert u[np.searchsorted(ts, start), 0] == level     # right-continuous input at the switch
    assert u[np.searchsorted(ts, stop), 0] == 0.0


def test_closed_form_pk_matches_stiff_scipy():
    """An EV-like chain (plasma t1/2 = 10 min) feeding z: closed form vs Radau on the ODE."""
    k_el = np.log(2) / EV_HALF_LIFE_DAYS
    chain = PkChain("ev", k_el=0.98 * k_el, k_tr=0.02 * k_el, k_out=0.3,
                    effects=(PkEffect("drive", "hill", gain=3.0, half=0.05, hill=2.0),))
    doses = (PkDose("ev", 1.0, 10.0), PkDose("ev", 3.0, 5.0))
    ts = np.linspace(0.0, 6.0, 121)
    code, y, _, _ = _run_reference(Protocol(chains=(chain,), doses=doses), ts, 6.0,
                                   y0=(0.0, 0.0, 0.0))
    assert code == Status.SUCCESS

    def f(t, s):
        c, x, z = s
        drive = 3.0 * (x / 0.05) ** 2 / (1 + (x / 0.05) ** 2)
        return [-(chain.k_el + chain.k_tr) * c, chain.k_tr * c - chain.k_out * x,
                drive - 0.5 * z]

    state = np.zeros(3)
    ref = np.empty(ts.size)
    bounds = [0.0, 1.0, 3.0, 6.0]
    add = {1.0: 10.0, 3.0: 5.0}
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        state[0] += add.get(a, 0.0)
        mask = (ts >= a) & ((ts < b) if b < ts[-1] else (ts <= b))
        t_eval = np.append(ts[mask], b) if b < ts[-1] else ts[mask]
        sol = solve_ivp(f, (a, b), state, method="Radau", t_eval=t_eval, rtol=1e-11,
                        atol=1e-13)
        ref[mask] = sol.y[2, :mask.sum()]
        state = sol.y[:, -1]
    np.testing.assert_allclose(y[:, 2], ref, rtol=1e-6, atol=1e-9)


def _scipy_piecewise(p_named, y0, protocol, ts, rtol=1e-10, atol=1e-12):
    """Radau on the plain-Python RHS, restarted at every event; PK chains as ODE states."""
    chains = [(c.k_el, c.k_tr, c.k_out) for c in protocol.chains]
    maps = [(j, e.input, e.kind, e.gain, e.half, e.hill, e.site)
            for j, c in enumerate(protocol.chains) for e in c.effects]
    names = [c.name for c in protocol.chains]
    events = sorted({s.start for s in protocol.steps} | {s.stop for s in protocol.steps}
                    | {d.day for d in protocol.doses} | {ts[0], ts[-1]})
    state = np.concatenate([y0, np.zeros(2 * len(chains))])
    out = np.empty((ts.size, len(y0)))
    for a, b in zip(events[:-1], events[1:], strict=True):
        for d in protocol.doses:
            if d.day == a:
                state[len(y0) + 2 * names.index(d.chain)] += d.amount
        inputs = {s.channel: s.level for s in protocol.steps if s.start <= a < s.stop}
        f = make_rhs(p_named, inputs, chains, maps)
        mask = (ts >= a) & ((ts < b) if b < ts[-1] else (ts <= b))
        t_eval = np.append(ts[mask], b) if b < ts[-1] else ts[mask]
        sol = solve_ivp(f, (a, b), state, method="Radau", rtol=rtol, atol=atol, t_eval=t_eval)
        assert sol.success, sol.message
        out[mask] = sol.y[:len(y0), :mask.sum()].T
        state = sol.y[:, -1]
    return out


@pytest.mark.slow
def test_full_model_matches_scipy_radau():
    """Every state of the full model, with input switches and an EV-like PK chain, within 1e-5
    relative of scipy Radau (rtol 1e-10)."""
    k_el = np.log(2) / EV_HALF_LIFE_DAYS
    protocol = Protocol(
        steps=(InputStep("injury_primordial", 5.0, 10.0, 0.05),
               InputStep("injury_gc", 5.0, 10.0, 2.0),
               InputStep("injury_burnout", 5.0, 10.0, 1.0),
               InputStep("injury_vascular", 5.0, 10.0, 0.2),
               InputStep("msc_signal", 20.0, 40.0, 0.8),
               InputStep("ang2_blockade", 25.0, 35.0, 0.5),
               InputStep("p53_repression", 12.0, 30.0, 0.4)),
        chains=(PkChain("ev", 0.99 * k_el, 0.01 * k_el, 0.5,
                        effects=(PkEffect("akt_signal", "hill", 2.0, 0.02, 1.5),
                                 PkEffect("angiogenic_signal", "linear", 1.0),
                                 PkEffect("pten_repression", "log_repression", 1e4, 50.0, 1.0),
                                 PkEffect("survival_signal", "linear", 0.5, site="central"))),),
        doses=(PkDose("ev", 15.0, 1.0), PkDose("ev", 22.0, 1.0)),
    )
    ts = np.linspace(0.0, 45.0, 91)
    cfg = parse(config_doc(days=45.0, solver={"rtol": 1e-10, "atol": 1e-10},
                           run={"days": 45.0, "save_times": ts.tolist()}))
    cfg = dataclasses.replace(cfg, protocol=protocol)
    ds = simulate(cfg, throw=True)
    ours = np.stack([ds[s].values for s in RAT.state_names], axis=1)
    ref = _scipy_piecewise(RAT.parameters.unpack(RAT.parameters.pack()), ours[0], protocol, ts)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-9)


def test_status_codes_are_data_and_throw_raises():
    doc = config_doc(days=60.0, solver={"max_steps": 5})
    ds = simulate(doc)
    assert ds.attrs["status"] == "max_steps"
    assert int(ds.status) == Status.MAX_STEPS
    assert np.isnan(ds.e2.values[-1])
    with pytest.raises(SimulationError, match="step limit"):
        simulate(doc, throw=True)


def test_options_layout_matches_kernel():
    from follisim.io.config import SolverOptions

    opts = SolverOptions(rtol=1e-3, atol=1e-4, max_steps=7, h_init=0.1, h_min=1e-9, h_max=2.0)
    a = opts.array()
    assert (a[dopri5.RTOL], a[dopri5.ATOL], a[dopri5.H_INIT], a[dopri5.H_MIN], a[dopri5.H_MAX],
            a[dopri5.MAX_STEPS]) == (1e-3, 1e-4, 0.1, 1e-9, 2.0, 7.0)
