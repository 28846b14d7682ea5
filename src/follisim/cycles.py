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
- *acyclic* at day t: no ovulation in the ``diestrus_days`` days up to t; the stretch is
  *persistent estrus* when a smear would read estrus throughout (tonic E2 at or above
  ``estrus_e2`` with luteal progesterone below ``estrus_p4``, means over the same days) and
  *persistent diestrus* otherwise (low E2, or progesterone: leukocytic smears).

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
    estrus_e2 : float       mean E2 [pg/mL] at or above which an acyclic stretch reads as
                            persistent estrus (project choice: the healthy cycle mean, Tang
                            2018's control 50.11 pg/mL; no numeric smear definition found)
    estrus_p4 : float       mean luteal progesterone [1] below which it can (project choice:
                            half the level that half-blocks the surge)
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
    estrus_e2: float = 50.11
    estrus_p4: float = 0.5
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


def status_at(t: np.ndarray, times: np.ndarray, criteria: CycleCriteria = DEFAULT,
              e2: np.ndarray | None = None, progesterone: np.ndarray | None = None
              ) -> dict[str, np.ndarray]:
    """Per-time cyclicity from ovulation episode ``times`` (and E2, P4 on the grid ``t``).

    Returns arrays of shape ``t.shape``: ``days_since_ovulation`` (from the run start if none
    yet), ``regular_cycles`` (bool), ``persistent_diestrus`` and ``persistent_estrus`` (bool;
    without ``e2`` every acyclic stretch counts as diestrus), ``cycles_in_window`` and
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
    acyclic = since >= criteria.diestrus_days
    estrus = np.zeros(t.size, bool)
    if e2 is not None:
        p4 = np.zeros(t.size) if progesterone is None else np.asarray(progesterone, float)
        e2m = trailing_mean(t, np.asarray(e2, float), criteria.diestrus_days)
        p4m = trailing_mean(t, p4, criteria.diestrus_days)
        estrus = acyclic & (e2m >= criteria.estrus_e2) & (p4m < criteria.estrus_p4)
    return {"days_since_ovulation": since, "regular_cycles": regular,
            "persistent_diestrus": acyclic & ~estrus, "persistent_estrus": estrus,
            "cycles_in_window": count, "mean_cycle_length": mean}


def trailing_mean(t: np.ndarray, x: np.ndarray, window: float) -> np.ndarray:
    """Time mean of ``x`` over the ``window`` days up to each ``t`` (trapezoids; the run start
    bounds the first windows)."""
    area = np.concatenate([[0.0], np.cumsum(0.5 * (x[1:] + x[:-1]) * np.diff(t))])
    start = np.maximum(t - window, t[0])
    a0 = np.interp(start, t, area)
    span = t - start
    out = np.where(span > 0, (area - a0) / np.where(span > 0, span, 1.0), x)
    return out


ATTRS = {
    "ovulation_time": ("day", "time of an ovulation episode (estrus)"),
    "ova": ("follicles", "follicles ovulated in the episode"),
    "cycle_length": ("day", "time from this ovulation to the next"),
    "days_since_ovulation": ("day", "days since the last ovulation episode"),
    "regular_cycles": ("1", "regular 4-5-day cycles in the trailing window"),
    "persistent_diestrus": ("1", "no ovulation for diestrus_days, smears diestrus-like "
                                 "(low E2 or luteal progesterone)"),
    "persistent_estrus": ("1", "no ovulation for diestrus_days, tonic E2 high without "
                               "progesterone (estrus-like smears)"),
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
    per_time = status_at(t, times, criteria, ds["e2"].values if "e2" in ds else None,
                         ds["progesterone"].values if "progesterone" in ds else None)
    new = {
        "ovulation_time": ("ovulation", times),
        "ova": ("ovulation", sizes),
        "cycle_length": ("ovulation", lengths),
        **{k: ("time", v) for k, v in per_time.items()},
    }
    out = ds.assign(new).assign_coords(ovulation=np.arange(times.size))
    for name, (unit, long_name) in ATTRS.items():
        out[name].attrs.update(units=unit, long_name=long_name)
    out.attrs.update({f"cycle_{k}": v for k, v in criteria.__dict__.items()})
    return out


def describe(ds: xr.Dataset) -> str:
    """A phrase summing up a trajectory's cyclicity (never "NaN"): the cycles and their
    lengths, and whether and since when the rat is acyclic, and which kind."""
    n = int(np.isfinite(ds["cycle_length"].values).sum()) if "cycle_length" in ds else 0
    parts = []
    if n:
        lengths = ds["cycle_length"].values
        lengths = lengths[np.isfinite(lengths)]
        ova = ds["ova"].values[:n]
        parts.append(f"{n} cycles of {lengths.min():.2f}-{lengths.max():.2f} days, "
                     f"{float(np.mean(ova)):.1f} ova each")
    for kind in ("persistent_diestrus", "persistent_estrus"):
        flag = ds[kind].values.astype(bool) if kind in ds else np.zeros(0, bool)
        if flag.size and flag[-1]:
            start = flag.size - int(np.argmin(flag[::-1])) if not flag.all() else 0
            t0 = float(ds["time"].values[start]) if start < flag.size else float("nan")
            since = float(ds["days_since_ovulation"].values[start])
            parts.append(f"acyclic at the end: {kind.replace('_', ' ')} (no ovulation from day "
                         f"{t0 - since:g})")
    if not parts:
        parts.append("no complete cycle yet")
    return "; ".join(parts)


def cycle_mean(t: np.ndarray, x: np.ndarray, onsets: np.ndarray) -> float:
    """Time average of ``x`` over whole cycles: from the first to the last of ``onsets``."""
    a, b = onsets[0], onsets[-1]
    grid = np.linspace(a, b, 20001)
    return float(np.trapezoid(np.interp(grid, t, x), grid) / (b - a))


# --- daily vaginal smears ------------------------------------------------------------------------
#: Time of day of a smear reading [day after the run's day 0]. Day 0 is a surge onset
#: (proestrus afternoon), so a reading 0.75 day later is the next morning: estrus.
SMEAR_TIME = 0.75


def smear_days(days: float) -> np.ndarray:
    """Reading times [day]: one a day at ``SMEAR_TIME``, within ``[0, days]``."""
    return np.arange(SMEAR_TIME, days + 1e-9, 1.0)


def smear_estrus(ovulated: np.ndarray, criteria: CycleCriteria = DEFAULT) -> np.ndarray:
    """Daily readings as estrus (True) or not, from the cumulative ovulations at the readings.

    A reading is estrus when at least ``criteria.min_ova`` follicles ovulated since the previous
    reading (cornified cells the morning after the LH surge); the first reading has no previous
    one and reads as not estrus. Shape ``(..., n_readings)``.
    """
    c = np.asarray(ovulated, float)
    out = np.zeros(c.shape, bool)
    out[..., 1:] = np.diff(c, axis=-1) >= criteria.min_ova
    return out


def smear_summary(times: np.ndarray, estrus: np.ndarray, end: float, window: float
                  ) -> tuple[bool, float, int, float]:
    """Cyclicity read from daily smears in the ``window`` days up to ``end``.

    A cycle runs from the first day of one run of estrus readings to the first day of the next;
    cycles are whole days. Returns (regular, mean cycle length [day] or NaN when no cycle is
    complete in the window, number of complete cycles, days from the last estrus reading to
    ``end``, counted from the first reading when there was none). *Regular*: at least two
    complete cycles, every one of 4-5 days, and the last estrus at most 5 days before ``end``
    (Lu 1998; Tang 2018's 14-day screening, ``datasets/rat_cycle.csv``).
    """
    inside = (times > end - window) & (times <= end)
    t = times[inside]
    e = estrus[inside]
    onsets = t[1:][e[1:] & ~e[:-1]] if t.size > 1 else np.empty(0)
    if e.size and e[0]:
        onsets = np.concatenate([t[:1], onsets])
    lengths = np.round(np.diff(onsets))
    seen = times[(times <= end) & estrus]
    since = end - (seen[-1] if seen.size else times[0])
    if lengths.size == 0:
        return False, np.nan, 0, float(since)
    regular = (lengths.size >= 2 and bool(np.all((lengths >= 4) & (lengths <= 5)))
               and since <= 5.0)
    return regular, float(lengths.mean()), int(lengths.size), float(since)
