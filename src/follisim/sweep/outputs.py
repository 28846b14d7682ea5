"""What a sweep keeps of each trajectory, reduced chunk by chunk so memory stays bounded.

* window means at the measurement days: the trapezoidal mean over the ``measure_window`` days
  ending at each day on the run's save grid, exactly as ``follisim.experiment.at_measurement``
  (the value at the day itself when the window is 0);
* cyclicity at the measurement days (``follisim.cycles`` criteria): ``regular_cycles`` and
  ``persistent_diestrus`` (1 or 0), ``cycle_length`` (mean length of the cycles completed in
  the trailing window) [day] and ``ova_per_cycle`` (mean size of the ovulation episodes in
  that window) [follicles];
* time series of chosen variables on a chosen grid (``<name>_series``).

Save times added for a series grid do not change the steps the integrator takes, so the window
means and cyclicity read on the run's own grid are unchanged by them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from follisim.cycles import DEFAULT as CRITERIA
from follisim.cycles import ovulation_episodes, status_at
from follisim.io.config import RunConfig
from follisim.solution import Status
from follisim.spec import ModelSpec
from follisim.sweep.spec import CYCLICITY, Outputs

CYCLICITY_ATTRS = {
    "regular_cycles": ("1", "regular 4-5-day cycles in the trailing window (1 yes, 0 no)"),
    "persistent_diestrus": ("1", "no ovulation for diestrus_days (1 yes, 0 no)"),
    "cycle_length": ("day", "mean length of the cycles completed in the trailing window"),
    "ova_per_cycle": ("follicles", "mean ova per ovulation episode in the trailing window"),
}


@dataclass(frozen=True)
class Plan:
    """Save times for the kernel and where each output reads them.

    ``save_t``: kernel save times [day]; ``grid``: indices of the run's own save grid (plus
    the measurement days); ``windows``: per measurement day, indices of the window's points;
    ``series``: indices of the series times.
    """

    save_t: np.ndarray
    grid: np.ndarray
    windows: tuple[np.ndarray, ...]
    series: np.ndarray


def plan(cfg: RunConfig, outputs: Outputs) -> Plan:
    grid_t = np.union1d(cfg.save_t, outputs.measure_days)
    save_t = np.union1d(grid_t, outputs.series_times)
    grid = np.searchsorted(save_t, grid_t)
    windows = []
    for day in outputs.measure_days:
        inside = (grid_t >= day - outputs.measure_window) & (grid_t <= day)
        windows.append(grid[inside] if outputs.measure_window > 0
                       else grid[grid_t == day])
    series = np.searchsorted(save_t, np.asarray(outputs.series_times, dtype=np.float64))
    return Plan(save_t, grid, tuple(windows), series.astype(np.int64))


def window_means(t: np.ndarray, y: np.ndarray, plan: Plan) -> np.ndarray:
    """``float64[S, n_days]`` window means of ``y[S, T]`` (``at_measurement``'s formula).

    The trapezoid terms are added in time order, so a sample's mean does not depend on how
    many samples share the chunk (numpy's ``sum`` may change its order with the shape);
    ``at_measurement`` sums pairwise, which agrees to rounding (~1e-15 relative).
    """
    out = np.empty((y.shape[0], len(plan.windows)))
    for k, idx in enumerate(plan.windows):
        piece = y[:, idx]
        x = t[idx]
        span = float(x[-1] - x[0])
        if span > 0:
            dx = x[1:] - x[:-1]
            terms = dx * 0.5 * (piece[:, 1:] + piece[:, :-1])
            total = terms[:, 0].copy()
            for j in range(1, terms.shape[1]):     # in time order: the same sum for any S
                total += terms[:, j]
            out[:, k] = total / span
        else:
            out[:, k] = piece[:, -1]
    return out


def cyclicity(t: np.ndarray, ovulated: np.ndarray, days: tuple[float, ...]
              ) -> dict[str, np.ndarray]:
    """``CYCLICITY`` observables ``float64[S, n_days]`` from ``ovulated[S, T]`` on ``t``."""
    S = ovulated.shape[0]
    out = {name: np.full((S, len(days)), np.nan) for name in CYCLICITY}
    at = np.concatenate([[t[0]], days])
    for s in range(S):
        if not np.all(np.isfinite(ovulated[s])):
            continue
        times, sizes = ovulation_episodes(t, ovulated[s], CRITERIA)
        st = status_at(at, times, CRITERIA)
        out["regular_cycles"][s] = st["regular_cycles"][1:]
        out["persistent_diestrus"][s] = st["persistent_diestrus"][1:]
        out["cycle_length"][s] = st["mean_cycle_length"][1:]
        for k, day in enumerate(days):
            inside = (times <= day) & (times > day - CRITERIA.window)
            if inside.any():
                out["ova_per_cycle"][s, k] = float(sizes[inside].mean())
    return out


def reduce(model: ModelSpec, outputs: Outputs, plan: Plan, out_y: np.ndarray,
           out_u: np.ndarray, out_obs: np.ndarray, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sample outputs of one arm: ``{name: array[S, ...]}`` (NaN where a run failed)."""
    blocks = {n: (out_y, i) for i, n in enumerate(model.state_names)}
    blocks.update({n: (out_obs, i) for i, n in enumerate(model.observable_names)})
    blocks.update({n: (out_u, i) for i, n in enumerate(model.input_names)})
    t = plan.save_t
    grid_t = t[plan.grid]
    result: dict[str, np.ndarray] = {}
    for name in outputs.variables:
        block, i = blocks[name]
        result[name] = window_means(t, block[:, :, i], plan)
    if outputs.cyclicity:
        block, i = blocks["ovulated"]
        result.update(cyclicity(grid_t, block[:, plan.grid, i], outputs.measure_days))
    for name in outputs.series_variables:
        block, i = blocks[name]
        result[f"{name}_series"] = block[:, plan.series, i]
    failed = codes != Status.SUCCESS
    if failed.any():
        for a in result.values():
            a[failed] = np.nan
    return result


def output_variables(model: ModelSpec, outputs: Outputs) -> dict[str, tuple[str, str, str]]:
    """``{name: (kind, units, long_name)}`` with kind ``day`` or ``time`` (its last dim)."""
    meta = {v.name: v for v in model.states + model.observables + model.inputs}
    out = {}
    for name in outputs.variables:
        v = meta[name]
        out[name] = ("day", v.unit, f"{v.long_name}, mean over the measurement window")
    if outputs.cyclicity:
        out.update({k: ("day", u, ln) for k, (u, ln) in CYCLICITY_ATTRS.items()})
    for name in outputs.series_variables:
        v = meta[name]
        out[f"{name}_series"] = ("time", v.unit, v.long_name)
    return out
