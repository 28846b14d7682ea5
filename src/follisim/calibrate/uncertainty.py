"""Profile likelihood intervals and the identifiability table.

For each free parameter, the parameter is held at grid points on its scale around the estimate
(``points`` steps of ``STEP`` on each side, within its bounds) while the others are refitted;
chi^2 = sum of squared training z-scores is -2 log L up to a constant, so the 95 % interval is
where the profile stays within ``DELTA_95`` = 3.84 of the minimum (linear interpolation between
grid points). A side where the profile never rises that far within the bounds is open: the
data do not pin the parameter down there, and the table says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from follisim.calibrate.fit import _polish
from follisim.calibrate.objective import Objective

DELTA_95 = 3.841458820694124
#: Grid step on the parameter's scale: a factor e^0.35 ~ 1.42 for log-scaled parameters,
#: 10 % of the search range for linear ones.
STEP = 0.35


@dataclass(frozen=True)
class Profile:
    name: str
    estimate: float
    low: float                 # NaN: not reached within the bounds
    high: float
    grid: tuple[float, ...]    # parameter values
    chi2: tuple[float, ...]

    @property
    def identifiable(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def verdict(self) -> str:
        if self.identifiable:
            return "identifiable"
        if math.isfinite(self.low) or math.isfinite(self.high):
            return "bounded on one side only"
        return "not identifiable by these data"


def _crossing(xs: list[float], ys: list[float], level: float) -> float:
    """First point where ``ys`` (moving away from the optimum) reaches ``level``."""
    for k in range(1, len(xs)):
        if ys[k] >= level > ys[k - 1]:
            f = (level - ys[k - 1]) / (ys[k] - ys[k - 1])
            return xs[k - 1] + f * (xs[k] - xs[k - 1])
    return math.nan


def profile(objective: Objective, best: np.ndarray, chi2_min: float, points: int,
            max_evaluations: int) -> list[Profile]:
    lo, hi = objective.bounds()
    out = []
    for i, free in enumerate(objective.spec.free):
        step = STEP if free.scale == "log" else 0.1 * (hi[i] - lo[i])
        sides = {}
        for sign in (-1, 1):
            xs, ys = [best[i]], [chi2_min]
            for k in range(1, points + 1):
                xi = best[i] + sign * k * step
                if not lo[i] <= xi <= hi[i]:
                    xi = lo[i] if sign < 0 else hi[i]
                _, chi2 = _polish(objective, best, max_evaluations // 4 or 10, {i: xi})
                xs.append(xi)
                ys.append(chi2)
                if chi2 - chi2_min > DELTA_95 or xi in (lo[i], hi[i]):
                    break
            sides[sign] = (xs, ys)
        low = _crossing(*sides[-1], chi2_min + DELTA_95)
        high = _crossing(*sides[1], chi2_min + DELTA_95)
        grid = sides[-1][0][::-1] + sides[1][0][1:]
        chi2 = sides[-1][1][::-1] + sides[1][1][1:]
        out.append(Profile(free.name, free.from_x(best[i]),
                           free.from_x(low) if math.isfinite(low) else math.nan,
                           free.from_x(high) if math.isfinite(high) else math.nan,
                           tuple(free.from_x(x) for x in grid), tuple(chi2)))
    return out
