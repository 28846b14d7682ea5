"""Where the estrous cycle exists: equilibria, limit cycles and thresholds in the follicle supply.

The bifurcation parameter is the *growing-follicle supply*, set through the primordial pool
(``primordial_initial``, held fixed as in the burn-in, so activation, and every growing stage
downstream, scales with it). For each supply level:

- ``equilibria`` finds every equilibrium by a one-dimensional reduction: with the surge drive
  S held at s, the other states relax to their quasi-steady state y(s); equilibria are the roots
  of r(s) = gate(y(s)) - s on [0, 1]. Stability comes from the eigenvalues of the
  finite-difference Jacobian (primordial pool and the ovulation counter held fixed).
- ``limit_cycle`` starts on the cycle (``settle_on_cycle``) and integrates with the pool fixed;
  it reports the period and the E2/LH range, or ``None`` when no surge recurs.

``supply_thresholds`` locates by bisection the supply below which the cycle is lost and the
supply above which the acyclic equilibrium disappears. Run
``python -m follisim.bifurcation docs/figures/bifurcation.png`` for the diagram in
``docs/cycle.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from follisim.core import batch, dopri5, rat, registry, status, steady
from follisim.cycles import cycle_mean, surge_onsets
from follisim.models import RAT

POOL = "primordial_initial"


def with_supply(fraction: float, base: np.ndarray | None = None) -> np.ndarray:
    """Parameter vector with the primordial pool scaled by ``fraction`` of its default."""
    p = RAT.parameters.pack() if base is None else base.copy()
    p[RAT.parameters.locate(POOL)] *= fraction
    return p


def _start(p: np.ndarray) -> np.ndarray:
    y = RAT.y0_guess()
    for i, j in enumerate(RAT.init_parameter_index()):
        if j >= 0:
            y[i] = p[j]
    return y


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium (state ``float64[n_states]``) and the largest real part of its
    eigenvalues [1/day]; stable when negative."""

    y: np.ndarray
    max_real: float

    @property
    def stable(self) -> bool:
        return self.max_real < 0.0


def _relaxed(p: np.ndarray, s: float) -> np.ndarray | None:
    y = _start(p)
    y[rat.SURGE] = s
    frozen = RAT.frozen_mask().copy()
    frozen[rat.SURGE] = 1
    code = steady.quasi_steady_state(RAT.model_id, y, p, np.zeros(len(RAT.inputs)), frozen,
                                     1e-11, 400)
    return y if code == status.SUCCESS else None


def _gate_residual(p: np.ndarray, s: float) -> float:
    y = _relaxed(p, s)
    if y is None:
        return np.nan
    out = np.empty(len(RAT.observables))
    rat.observe(y, p, np.zeros(len(RAT.inputs)), out)
    return float(out[rat.O_SURGE_GATE] - s)


def _max_real_eigenvalue(y: np.ndarray, p: np.ndarray) -> float:
    free = np.flatnonzero(RAT.frozen_mask() == 0)
    u = np.zeros(len(RAT.inputs))
    f0 = np.empty(y.size)
    f1 = np.empty(y.size)
    registry.call_rhs(RAT.model_id, 0.0, y, p, u, f0)
    jac = np.empty((free.size, free.size))
    for b, j in enumerate(free):
        yy = y.copy()
        h = 1e-6 * max(abs(y[j]), 1e-3)
        yy[j] += h
        registry.call_rhs(RAT.model_id, 0.0, yy, p, u, f1)
        jac[:, b] = (f1[free] - f0[free]) / h
    return float(np.max(np.linalg.eigvals(jac).real))


def equilibria(p: np.ndarray, n_grid: int = 161) -> list[Equilibrium]:
    """Every equilibrium of the untreated model for parameters ``p`` (pool held fixed)."""
    grid = np.concatenate([[0.0], np.geomspace(1e-6, 1.0, n_grid - 1)])
    r = np.array([_gate_residual(p, s) for s in grid])
    found = []
    for k in range(grid.size - 1):
        a, b = r[k], r[k + 1]
        if not (np.isfinite(a) and np.isfinite(b)) or a * b > 0.0 or b == 0.0:
            continue                     # a root on a grid point is taken once, as a == 0
        s = grid[k] if a == 0.0 else brentq(lambda x: _gate_residual(p, x), grid[k],
                                             grid[k + 1], xtol=1e-13)
        y = _relaxed(p, s)
        if y is not None:
            found.append(Equilibrium(y, _max_real_eigenvalue(y, p)))
    return found


@dataclass(frozen=True)
class Cycle:
    """A limit cycle: period [day], E2 range [pg/mL], LH peak [multiples of tonic], ova per
    cycle [follicles] and cycle-mean E2 [pg/mL]."""

    period: float
    e2_min: float
    e2_max: float
    lh_max: float
    ova: float
    e2_mean: float


def limit_cycle(p: np.ndarray, days: float = 40.0, burn_in: float = 60.0,
                dt: float = 0.01) -> Cycle | None:
    """The attracting cycle reached from the limit-cycle start, or ``None`` if the surge
    does not recur at least three times in ``days`` (pool held fixed throughout)."""
    m = RAT
    y = _start(p)
    u = np.zeros(len(m.inputs))
    frozen = m.frozen_mask()
    opts = np.array([1e-8, 1e-10, 0.0, 1e-12, np.inf, 1e7])
    guess = y.copy()
    if steady.quasi_steady_state(m.model_id, y, p, u, frozen, 1e-10, 200) != status.SUCCESS:
        y = guess
    if batch.settle_on_cycle(m.model_id, y, p, u, frozen, m.phase_array(burn_in),
                             opts) != status.SUCCESS:
        return None
    pool_only = np.zeros_like(frozen)
    pool_only[rat.PRIMORDIAL] = 1
    save = np.arange(0.0, days + 0.5 * dt, dt)
    out_y = np.empty((save.size, y.size))
    out_u = np.empty((save.size, u.size))
    code = dopri5.integrate(m.model_id, y, p, u.copy(), np.empty((0, 3)), np.empty((0, 2)),
                            np.empty((0, 7)), np.empty(0), np.empty(0, np.int64),
                            np.empty(0, np.int64), np.empty(0), 0.0, days, save, opts, pool_only,
                            np.array([-1.0, 0.0, np.nan]), out_y, out_u, np.zeros(3, np.int64))
    if code != status.SUCCESS:
        return None
    onsets = surge_onsets(save, out_y[:, rat.SURGE])
    if onsets.size < 3:
        return None
    a, b = np.searchsorted(save, [onsets[-2], onsets[-1]])
    last = slice(a, b + 1)
    obs = np.empty(len(m.observables))
    lh_max = 0.0
    for row in out_y[last]:
        rat.observe(np.ascontiguousarray(row), p, u, obs)
        lh_max = max(lh_max, obs[rat.O_LH])
    ova = np.interp(onsets[-1], save, out_y[:, rat.OVULATED]) - np.interp(
        onsets[-2], save, out_y[:, rat.OVULATED])
    return Cycle(float(onsets[-1] - onsets[-2]), float(out_y[last, rat.E2].min()),
                 float(out_y[last, rat.E2].max()), float(lh_max), float(ova),
                 cycle_mean(save, out_y[:, rat.E2], onsets[-2:]))


def _bisect(pred, lo: float, hi: float, tol: float) -> float:
    """Boundary between ``pred(lo) != pred(hi)``, to ``tol``."""
    p_lo = pred(lo)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if pred(mid) == p_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def has_stable_equilibrium(fraction: float, base: np.ndarray | None = None) -> bool:
    return any(e.stable for e in equilibria(with_supply(fraction, base)))


def cycles(fraction: float, base: np.ndarray | None = None) -> bool:
    return limit_cycle(with_supply(fraction, base)) is not None


def supply_thresholds(base: np.ndarray | None = None, tol: float = 0.005
                      ) -> tuple[float, float]:
    """(cycle lost below, acyclic equilibrium lost above) as fractions of the default pool.

    The first is where the limit cycle ends as the supply falls; the second is where the
    stable acyclic equilibrium ends as the supply rises. When the second exceeds the first,
    both attractors coexist in between (hysteresis).
    """
    lost = _bisect(lambda f: cycles(f, base), 0.05, 1.0, tol)
    regained = _bisect(lambda f: has_stable_equilibrium(f, base), 0.05, 1.5, tol)
    return lost, regained


def diagram(fractions: np.ndarray, base: np.ndarray | None = None) -> dict[str, list]:
    """Branches for the bifurcation plot: equilibria (E2, stability) and cycles per supply."""
    rows = {"fraction": [], "equilibria": [], "cycle": []}
    for f in fractions:
        p = with_supply(float(f), base)
        rows["fraction"].append(float(f))
        rows["equilibria"].append([(float(e.y[rat.E2]), e.stable) for e in equilibria(p)])
        rows["cycle"].append(limit_cycle(p))
    return rows


def plot(path: str, fractions: np.ndarray | None = None) -> tuple[float, float]:
    """Write the bifurcation diagram to ``path``; return the two thresholds."""
    from follisim.plotting._figure import pyplot, save

    if fractions is None:
        fractions = np.linspace(0.1, 1.3, 49)
    rows = diagram(fractions)
    lost, regained = supply_thresholds()
    plt = pyplot(True)
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(7, 7), sharex=True,
                                 gridspec_kw={"height_ratios": [2, 1]})
    for f, eqs in zip(rows["fraction"], rows["equilibria"], strict=True):
        for e2, stable in eqs:
            ax.plot(f, e2, "o" if stable else "x", ms=4,
                    color="black" if stable else "0.6")
    cyc = [(f, c) for f, c in zip(rows["fraction"], rows["cycle"], strict=True) if c]
    fx = [f for f, _ in cyc]
    ax.plot(fx, [c.e2_max for _, c in cyc], "-", color="tab:red", label="cycle: E2 max")
    ax.plot(fx, [c.e2_min for _, c in cyc], "-", color="tab:blue", label="cycle: E2 min")
    ax.plot(fx, [c.e2_mean for _, c in cyc], "--", color="tab:purple", label="cycle: E2 mean")
    ax.plot([], [], "o", color="black", ms=4, label="stable equilibrium (acyclic)")
    ax.plot([], [], "x", color="0.6", ms=4, label="unstable equilibrium")
    for a in (ax, bx):
        a.axvspan(lost, max(regained, lost), color="tab:orange", alpha=0.15)
        a.axvline(1.0, color="0.3", lw=0.8, ls=":")
    ax.set_ylabel("E2 [pg/mL]")
    if regained - lost > 0.02:
        title = (f"cycle lost below {lost:.2f}, acyclic state lost above {regained:.2f} "
                 "(shaded: both coexist)")
    else:
        title = (f"one threshold at supply {0.5 * (lost + regained):.2f}: acyclic (no "
                 "ovulation) below, cycling above; the period diverges at it")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    bx.plot(fx, [c.period for _, c in cyc], "-o", ms=3, color="tab:green")
    bx.axhspan(4.0, 5.0, color="tab:green", alpha=0.1)
    bx.set_ylabel("period [day]")
    bx.set_xlabel("growing-follicle supply (primordial pool / default 6000, held fixed)")
    save(fig, path)
    return lost, regained


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "bifurcation.png"
    lo, hi = plot(out)
    print(f"{out}: cycle lost below {lo:.3f}, acyclic equilibrium lost above {hi:.3f} "
          "(fractions of the default primordial pool)")
