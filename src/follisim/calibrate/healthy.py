"""Fit the healthy normalisation on the limit cycle: secretion constants, vascular references
and the surge threshold.

Eight parameters are ``fitted`` in the registry (``follisim.models.rat``), all on the healthy
limit cycle of the default model (cycle means over whole cycles, primordial pool at its
initial value):

- ``e2_secretion``, ``fsh_secretion`` and ``amh_secretion``: cycle-mean E2, FSH and AMH equal the
  means of the healthy control arm of Tang 2018 (``rat_outcomes.csv``; rats sacrificed at an
  unstated, presumably random, cycle stage, so the cycle mean is the comparable quantity);
- ``inhibin_secretion`` and ``lh_e2_feedback_half``: cycle-mean inhibin B and tonic LH equal 1
  (their relative unit; the castrate tonic LH ``lh_tonic_secretion`` is the reported 20-fold
  rise after ovariectomy);
- ``vegf_follicle_ref`` and ``vessel_capacity``: cycle-mean VEGF and vessel density equal 1
  (their relative unit);
- ``surge_e2_half``: the cycle lasts 4.5 days, the middle of the reported 4-5 days
  (``rat_physiology.csv``, estrous_len_hindawi).

Run ``python -m follisim.calibrate.healthy`` to recompute them.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from follisim import datasets
from follisim.core import batch, status
from follisim.cycles import cycle_mean, surge_onsets
from follisim.models import RAT
from follisim.protocols import Protocol

FITTED = ("e2_secretion", "fsh_secretion", "amh_secretion", "inhibin_secretion",
          "lh_e2_feedback_half", "vegf_follicle_ref", "vessel_capacity", "surge_e2_half")
PERIOD_TARGET = 4.5
BURN_IN = 60.0


def targets() -> dict[str, float]:
    """Healthy cycle-mean targets by state name (hormones from Tang 2018's control arm)."""
    tang = datasets.TANG2018
    return {
        "e2": datasets.arm_mean(tang, "control", "E2"),
        "fsh": datasets.arm_mean(tang, "control", "FSH"),
        "amh": datasets.arm_mean(tang, "control", "AMH"),
        "inhibin": 1.0,
        "lh_tonic": 1.0,
        "vegf": 1.0,
        "vessel_density": 1.0,
    }


def healthy_trajectory(p: np.ndarray, days: float = 30.0, dt: float = 0.01,
                       burn_in: float = BURN_IN, rtol: float = 1e-8, observables: bool = False
                       ) -> tuple[np.ndarray, ...]:
    """Untreated run from the limit-cycle start: save times ``float64[n]`` and states
    ``float64[n, n_states]`` (and observables ``float64[n, n_obs]`` if ``observables``). The
    primordial pool ages during the run (not in the burn-in)."""
    m = RAT
    save = np.arange(0.0, days + 0.5 * dt, dt)
    c = Protocol().compile(m, 0.0, days)
    opts = np.array([rtol, rtol * 1e-2, 0.0, 1e-12, np.inf, 1e7])
    out_y = np.empty((save.size, len(m.states)))
    out_u = np.empty((save.size, len(m.inputs)))
    out_o = np.empty((save.size, len(m.observables)))
    stats = np.zeros(3, np.int64)
    code = batch.solve_one(m.model_id, m.y0_guess(), p, batch.INIT_LIMIT_CYCLE, m.frozen_mask(),
                           m.init_parameter_index(), m.phase_array(burn_in), c.u0, c.pk_rates,
                           c.pk_state0, c.pk_map, c.ev_t, c.ev_kind, c.ev_target, c.ev_value,
                           0.0, days, save, opts, out_y, out_u, out_o, stats)
    if code != status.SUCCESS:
        raise RuntimeError(f"healthy run failed with status {code}")
    return (save, out_y, out_o) if observables else (save, out_y)


def healthy_state(p: np.ndarray) -> np.ndarray:
    """State at day 0 of the limit-cycle start (surge onset) for parameters ``p``."""
    _, y = healthy_trajectory(p, days=0.0, dt=1.0)
    return y[0].copy()


def cycle_summary(p: np.ndarray, days: float = 30.0) -> dict[str, float]:
    """Period [day] and cycle means of the ``targets`` states on the healthy cycle."""
    t, y, o = healthy_trajectory(p, days, observables=True)
    onsets = surge_onsets(t, y[:, RAT.state_names.index("surge")])
    if onsets.size < 3:
        return {"period": np.nan}
    out = {"period": float(np.mean(np.diff(onsets)))}
    for name in targets():
        series = y[:, RAT.state_names.index(name)] if name in RAT.state_names else \
            o[:, RAT.observable_names.index(name)]
        out[name] = cycle_mean(t, series, onsets)
    return out


def fit() -> dict[str, float]:
    """Solve for the fitted parameters; returns name -> value."""
    space = RAT.parameters
    goal = targets()
    idx = [space.locate(n) for n in FITTED]
    want = np.array(list(goal.values()))
    base = space.pack()

    def residual(log_theta: np.ndarray) -> np.ndarray:
        p = base.copy()
        p[idx] = np.exp(log_theta)
        s = cycle_summary(p)
        if not np.isfinite(s["period"]):
            return np.full(want.size + 1, 10.0)
        got = np.array([s[k] for k in goal])
        return np.append(np.log(got / want), np.log(s["period"] / PERIOD_TARGET))

    x0 = np.log(base[idx])
    sol = least_squares(residual, x0, xtol=1e-12, ftol=1e-12, gtol=1e-12, diff_step=1e-5)
    return dict(zip(FITTED, map(float, np.exp(sol.x)), strict=True))


if __name__ == "__main__":
    values = fit()
    for name, value in values.items():
        print(f"{name} = {value:.6g}")
    p = RAT.parameters.pack(values)
    print(cycle_summary(p))
