"""Optimisers over the free parameters (scipy.optimize), seeded and reproducible.

* ``least_squares`` (trust-region reflective, bounds, forward differences with a relative
  step of 2 % of each parameter's scale because the cohort's counting noise makes the objective
  piecewise smooth) from the registry values and from ``starts - 1`` scrambled Sobol points in
  the bounds (``scipy.stats.qmc``, seeded);
* ``differential_evolution`` (global, seeded, a fixed budget) whose best point is polished by
  ``least_squares``.

The best of all runs (least chi^2 = sum of squared training z-scores) is returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import differential_evolution, least_squares
from scipy.stats import qmc

from follisim.calibrate.objective import Objective

DIFF_STEP = 0.02


@dataclass(frozen=True)
class FitResult:
    x: np.ndarray
    chi2: float
    starts: tuple[tuple[np.ndarray, float], ...]   # (x, chi2) of every start's end point
    evaluations: int


def _polish(objective: Objective, x0: np.ndarray, max_evaluations: int,
            fixed: dict[int, float] | None = None) -> tuple[np.ndarray, float]:
    """least_squares from ``x0``; ``fixed`` holds components at given values (profiles)."""
    lo, hi = objective.bounds()
    free = [i for i in range(x0.size) if not fixed or i not in fixed]

    def full(z: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[free] = z
        for i, v in (fixed or {}).items():
            x[i] = v
        return x

    if not free:
        x = full(np.empty(0))
        return x, objective.chi2(x)
    start = np.clip(x0[free], lo[free], hi[free])
    sol = least_squares(lambda z: objective.residuals(full(z)), start,
                        bounds=(lo[free], hi[free]), diff_step=DIFF_STEP,
                        max_nfev=max_evaluations, x_scale="jac")
    x = full(sol.x)
    return x, float(2.0 * sol.cost)


def fit(objective: Objective) -> FitResult:
    spec = objective.spec
    lo, hi = objective.bounds()
    runs: list[tuple[np.ndarray, float]] = []
    if spec.method == "differential_evolution":
        de = differential_evolution(objective.chi2, list(zip(lo, hi, strict=True)),
                                    seed=spec.seed, maxiter=max(1, spec.max_evaluations
                                                                // (15 * lo.size)),
                                    polish=False, init="sobol", tol=1e-3)
        runs.append(_polish(objective, de.x, spec.max_evaluations))
    else:
        starts = [np.clip(objective.x0(), lo, hi)]
        if spec.starts > 1:
            sobol = qmc.Sobol(lo.size, scramble=True, seed=spec.seed)
            points = qmc.scale(sobol.random(spec.starts - 1), lo, hi)
            starts += list(points)
        for x0 in starts:
            runs.append(_polish(objective, np.asarray(x0, float), spec.max_evaluations))
    best = min(runs, key=lambda r: r[1])
    return FitResult(best[0], best[1], tuple(runs), objective.evaluations)
