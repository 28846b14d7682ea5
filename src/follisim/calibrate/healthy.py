"""Fit the healthy normalisation: secretion constants and vascular references.

Five parameters are ``fitted`` in the registry (``follisim.models.rat``): ``e2_secretion``,
``fsh_secretion`` and ``amh_secretion`` so that the quasi-steady state of the default model has
the E2, FSH and AMH means of the healthy control arm of Tang 2018 (``rat_outcomes.csv``), and
``vegf_follicle_ref`` and ``vessel_capacity`` so that VEGF and vessel density equal 1 (their
relative unit). Run ``python -m follisim.calibrate.healthy`` to recompute them.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from follisim import datasets
from follisim.core import status, steady
from follisim.models import RAT

FITTED = ("e2_secretion", "fsh_secretion", "amh_secretion", "vegf_follicle_ref",
          "vessel_capacity")


def targets() -> dict[str, float]:
    """Healthy targets by state name (hormones from Tang 2018's control arm)."""
    tang = datasets.TANG2018
    return {
        "e2": datasets.arm_mean(tang, "control", "E2"),
        "fsh": datasets.arm_mean(tang, "control", "FSH"),
        "amh": datasets.arm_mean(tang, "control", "AMH"),
        "vegf": 1.0,
        "vessel_density": 1.0,
    }


def healthy_state(p: np.ndarray) -> np.ndarray:
    """Quasi-steady state (primordial pool held at its initial value) for parameters ``p``."""
    y = RAT.y0_guess()
    for i, j in enumerate(RAT.init_parameter_index()):
        if j >= 0:
            y[i] = p[j]
    code = steady.quasi_steady_state(RAT.model_id, y, p, np.zeros(len(RAT.inputs)),
                                     RAT.frozen_mask(), 1e-12, 500)
    if code != status.SUCCESS:
        raise RuntimeError(f"quasi-steady state failed with status {code}")
    return y


def fit() -> dict[str, float]:
    """Solve for the fitted parameters; returns name -> value."""
    space = RAT.parameters
    goal = targets()
    idx = [space.locate(n) for n in FITTED]
    sidx = [RAT.state_names.index(s) for s in goal]
    want = np.array(list(goal.values()))
    base = space.pack()

    def residual(log_theta: np.ndarray) -> np.ndarray:
        p = base.copy()
        p[idx] = np.exp(log_theta)
        y = healthy_state(p)
        return np.log(y[sidx] / want)

    x0 = np.log(base[idx])
    sol = least_squares(residual, x0, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return dict(zip(FITTED, map(float, np.exp(sol.x)), strict=True))


if __name__ == "__main__":
    for name, value in fit().items():
        print(f"{name} = {value:.6g}")
