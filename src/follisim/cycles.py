"""Estrous-cycle observables from a trajectory, in the terms vaginal-smear studies report.

A *cycle* is the time between two ovulation episodes. An ovulation episode ("estrus") is a run
of save intervals in which the cumulative ovulation count (state ``ovulated``) rises faster than
``rate_threshold``; its time is where the count passes the midpoint of the episode's rise, so
it is found on any save grid (to within the grid spacing on coarse grids, exactly on fine ones).
The criteria are written out in ``docs/cycle.md``:

- *regular* at day t: at least ``min_cycles`` cycles end within the ``window`` days up
  to t, every one of them lasts ``regular_min`` to ``regular_max`` days, and the last ovulation
  is less than ``regular_max`` days before t (Lu 1998 call 3 consecutive 4-5-day cycles
  regular; Tang 2018 screened 14 days of smears for 2 consecutive regular cycles);
- *persistent diestrus* at day t: no ovulation in the ``diestrus_days`` days up to t.

Continuous-time cycle lengths are compared with the whole-day smear convention by the bounds
3.5-5.5 d (a 4.4-day model cycle reads as a mix of 4- and 5-day smear cycles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class CycleCriteria:
    """Definitions used for the cyclicity observables (all in days or follicles).

    Attributes
    ----------
    window : float          trailing window for regularity and mean cycle length [day]
                            (14: Tang 2018's smear screening, datasets/rat_cycle.csv)
    min_cycles : int        complete cycles needed in the window to call it regular
    regular_min, regular_max : float   regular cycle length bounds [day] (4-5 d at daily-smear
                            resolution)
    diestrus_days : float   persistent diestrus: no ovulation for this long [day] (assumed:
                            two longest regular cycles; no numeric definition found)
    rate_threshold : float  ovulation rate that marks an episode [follicles/day]
    min_ova : float         smallest episode counted as an ovulation [follicles]
    merge_gap : float       runs of ovulating save intervals less than this apart are one
                            episode [day] (0: no merging; the agent engine, whose ovulations
                            are single events, uses 1 day, a quarter of a cycle)
    """

    window: float = 14.0
    min_cycles: int = 2
    regular_min: float = 3.5
    regular_max: float = 5.5
    diestrus_days: float = 10.0
    rate_threshold: float = 0.5
    min_ova: float = 1.0
    merge_gap: float = 0.0


DEFAULT = CycleCriteria()


def ovulation_episodes(t: np.ndarray, ovulated: np.ndarray,
                       criteria: CycleCriteria = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Times [day] and sizes [follicles] of ovulation episodes.

    Parameters
    ----------
    t : float64[n]          save times [day], increasing
    ovulated : float64[n]   cumulative ovulations at ``t`` [follicles]
    """
    t = np.asarray(t, float)
    c = np.asarray(ovulated, float)
    if t.size < 2 or not np.all(np.isfinite(c)):
        return np.empty(0), np.empty(0)
    rate = np.diff(c) / np.diff(t)
    active = rate > criteria.rate_threshold
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if criteria.merge_gap > 0.0 and starts.size > 1:
        keep = t[starts[1:]] - t[stops[:-1]] >= criteria.merge_gap
        starts = starts[np.concatenate([[True], keep])]
        stops = stops[np.concatenate([keep, [True]])]
    times, sizes = [], []
    for a, b in zip(starts, stops, strict=True):
        rise = c[b] - c[a]
        if rise < criteria.min_ova:
            continue
        half = c[a] + 0.5 * rise
        times.append(float(np.interp(half, c[a:b + 1], t[a:b + 1])))
        sizes.append(float(rise))
    return np.array(times), np.array(sizes)


def surge_onsets(t: np.ndarray, surge: np.ndarray, level: float = 0.5) -> np.ndarray:
    """Times [day] where the surge drive crosses ``level`` upwards (linear interpolation)."""
    s = np.asarray(surge, float)
    k = np.flatnonzero((s[:-1] < level) & (s[1:] >= level))
    return t[k] + (level - s[k]) / (s[k + 1] - s[k]) * (t[k + 1] - t[k])


def status_at(t: np.ndarray, times: np.ndarray, criteria: CycleCriteria = DEFAULT
              ) -> dict[str, np.ndarray]:
    """Per-time cyclicity from ovulation episode ``times``.

    Returns arrays of shape ``t.shape``: ``days_since_ovulation`` (from the run start if none
    yet), ``regular_cycles`` (bool), ``persistent_diestrus`` (bool), ``cycles_in_window`` and
    ``mean_cycle_length`` [day] (NaN when no cycle ends in the window). A cycle belongs to the
    window in which it ends.
    """
    t = np.asarray(t, float)
    times = np.sort(np.asarray(times, float))
    lengths = np.diff(times)
    ends = times[1:]
    n_past = np.searchsorted(times, t, side="right")
    last = np.concatenate([[np.nan], times])[n_past]          # last ovulation <= t, or NaN
    since = np.where(n_past > 0, t - last, t - t[0] if t.size else 0.0)
    # cycles ending in [t - window, t] are the contiguous run ends[lo:hi]
    hi = np.searchsorted(ends, t, side="right")
    lo = np.searchsorted(ends, t - criteria.window, side="left")
    count = np.maximum(hi - lo, 0).astype(np.int64)
    regular = np.zeros(t.size, bool)
    mean = np.full(t.size, np.nan)
    for a, b in set(zip(lo[count > 0].tolist(), hi[count > 0].tolist(), strict=True)):
        inside = lengths[a:b]
        at = (lo == a) & (hi == b)
        mean[at] = float(inside.mean())
        all_regular = bool(np.all((inside >= criteria.regular_min)
                                  & (inside <= criteria.regular_max)))
        regular[at] = ((b - a) >= criteria.min_cycles and all_regular) \
            & (since[at] < criteria.regular_max)
    diestrus = since >= criteria.diestrus_days
    return {"days_since_ovulation": since, "regular_cycles": regular,
            "persistent_diestrus": diestrus, "cycles_in_window": count,
            "mean_cycle_length": mean}


_ATTRS = {
    "ovulation_time": ("day", "time of an ovulation episode (estrus)"),
    "ova": ("follicles", "follicles ovulated in the episode"),
    "cycle_length": ("day", "time from this ovulation to the next"),
    "days_since_ovulation": ("day", "days since the last ovulation episode"),
    "regular_cycles": ("1", "regular 4-5-day cycles in the trailing window"),
    "persistent_diestrus": ("1", "no ovulation for diestrus_days"),
    "cycles_in_window": ("1", "complete cycles in the trailing window"),
    "mean_cycle_length": ("day", "mean length of complete cycles in the trailing window"),
}


def add_cyclicity(ds: xr.Dataset, criteria: CycleCriteria = DEFAULT) -> xr.Dataset:
    """Return ``ds`` (dim ``time``, with state ``ovulated``) plus the cyclicity variables.

    Adds ``ovulation_time``, ``ova`` and ``cycle_length`` on a new dim ``ovulation`` (integer
    coordinate, so arms with different counts align with NaN padding) and the ``status_at``
    arrays on ``time``. The criteria are stored as ``cycle_*`` attributes.
    """
    t = ds["time"].values
    times, sizes = ovulation_episodes(t, ds["ovulated"].values, criteria)
    lengths = np.append(np.diff(times), np.nan) if times.size else np.empty(0)
    per_time = status_at(t, times, criteria)
    new = {
        "ovulation_time": ("ovulation", times),
        "ova": ("ovulation", sizes),
        "cycle_length": ("ovulation", lengths),
        **{k: ("time", v) for k, v in per_time.items()},
    }
    out = ds.assign(new).assign_coords(ovulation=np.arange(times.size))
    for name, (unit, long_name) in _ATTRS.items():
        out[name].attrs.update(units=unit, long_name=long_name)
    out.attrs.update({f"cycle_{k}": v for k, v in criteria.__dict__.items()})
    return out


def cycle_mean(t: np.ndarray, x: np.ndarray, onsets: np.ndarray) -> float:
    """Time average of ``x`` over whole cycles: from the first to the last of ``onsets``."""
    a, b = onsets[0], onsets[-1]
    grid = np.linspace(a, b, 20001)
    return float(np.trapezoid(np.interp(grid, t, x), grid) / (b - a))
