"""Fit cyclophosphamide injury to Tang 2018: POI/control ratios 35 days after the first dose.

Tang 2018 (rat_outcomes.csv) gives control and CTX arms (30 mg/kg i.p. daily x5) with follicle
counts per 3 sections by stage and serum E2/FSH/AMH. Section counts are a sample of the ovary,
so only POI/control *ratios* are used, assuming the same sampling fraction in both arms. The
sacrifice day after the first dose is not stated; the curator's reading is about 5 weeks, so
day 35 is used (an assumption that the fit inherits). Residuals are log-ratios weighted by their
standard errors (delta method from the arm SDs and n). Free: the four mechanism potencies and the
damage half-life of cyclophosphamide. Run ``python -m follisim.calibrate.ctx``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from follisim import datasets
from follisim.experiment import at_measurement, run_experiment

MEASURE_DAY = 35.0
#: Values are averaged over the 9 days (two healthy cycles) up to the measurement day: the
#: expectation for rats sacrificed at a random cycle stage (Tang does not state the stage).
MEASURE_WINDOW = 9.0
FREE = ("cyclophosphamide_primordial_potency", "cyclophosphamide_gc_potency",
        "cyclophosphamide_burnout_potency", "cyclophosphamide_vascular_potency",
        "cyclophosphamide_effect_half_life")
#: Tang endpoint -> model variable (or sum of variables).
ENDPOINTS = {
    "follicles_primordial": ("primordial",),
    "follicles_primary": ("primary",),
    "follicles_secondary": ("secondary",),
    "follicles_mature(antral/preovulatory)": ("antral", "preovulatory"),
    "follicles_atretic": ("atretic",),
    "E2": ("e2",),
    "FSH": ("fsh",),
    "AMH": ("amh",),
}


def targets() -> dict[str, tuple[float, float]]:
    """Endpoint -> (log POI/control ratio, its standard error)."""
    out = {}
    for endpoint in ENDPOINTS:
        rows = {r["group"]: r for r in datasets.rows("rat_outcomes")
                if r["study_id"] == datasets.TANG2018 and r["endpoint"] == endpoint}
        c, p = rows["control"], rows["poi"]
        mc, mp = float(c["mean"]), float(p["mean"])
        se = np.sqrt((float(c["spread"]) / mc) ** 2 / int(c["n"])
                     + (float(p["spread"]) / mp) ** 2 / int(p["n"]))
        out[endpoint] = (float(np.log(mp / mc)), float(se))
    return out


def experiment(values: dict[str, float]) -> dict:
    return {"experiment": {"measure_days": [MEASURE_DAY], "save_interval": 0.1,
                           "measure_window": MEASURE_WINDOW},
            "parameters": values,
            "arms": [{"name": "control"},
                     {"name": "poi", "doses": [{"preset": "CTX_SD_30x5_Tang"}]}]}


def simulated_log_ratios(values: dict[str, float]) -> dict[str, float]:
    m = at_measurement(run_experiment(experiment(values))).isel(time=0)
    out = {}
    for endpoint, names in ENDPOINTS.items():
        total = sum(m[n] for n in names)
        out[endpoint] = float(np.log(total.sel(arm="poi") / total.sel(arm="control")))
    return out


def fit() -> tuple[dict[str, float], dict[str, tuple[float, float, float]]]:
    """Best-fit values, and per endpoint (observed, simulated, z-score)."""
    from follisim.interventions import PARAMETERS

    goal = targets()
    x0 = np.log([PARAMETERS[n].default for n in FREE])
    lo = np.log([PARAMETERS[n].bounds[0] for n in FREE])
    hi = np.log([PARAMETERS[n].bounds[1] for n in FREE])

    def residual(x):
        sim = simulated_log_ratios(dict(zip(FREE, np.exp(x), strict=True)))
        return np.array([(sim[k] - goal[k][0]) / goal[k][1] for k in goal])

    sol = least_squares(residual, x0, bounds=(lo, hi), x_scale=1.0, diff_step=1e-3)
    best = dict(zip(FREE, map(float, np.exp(sol.x)), strict=True))
    sim = simulated_log_ratios(best)
    report = {k: (float(np.exp(goal[k][0])), float(np.exp(sim[k])),
                  (sim[k] - goal[k][0]) / goal[k][1]) for k in goal}
    return best, report


if __name__ == "__main__":
    values, report = fit()
    for name, value in values.items():
        print(f"{name} = {value:.4g}")
    print(f"{'endpoint':<40} {'observed':>9} {'simulated':>9} {'z':>6}")
    for k, (obs, sim, z) in report.items():
        print(f"{k:<40} {obs:9.3f} {sim:9.3f} {z:6.2f}")
