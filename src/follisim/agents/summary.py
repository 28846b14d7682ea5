"""Replicate statistics: cycles, ova per cycle, recovery fractions, and the CLI summary line."""

from __future__ import annotations

import numpy as np
import xarray as xr

from follisim.agents.dataset import AGENT_CRITERIA


def cycle_statistics(ds: xr.Dataset) -> dict[str, float]:
    """Cycle figures over the replicates of one run (no ``arm`` dim).

    Ova per cycle leave out each replicate's first episode (day 0 is a surge onset, so part of
    that cohort ovulated before day 0). Returns counts, means, SDs and fractions (keys below).
    """
    ova = ds["ova"].values[:, 1:]
    ova = ova[np.isfinite(ova)]
    lengths = ds["cycle_length"].values
    finite = np.isfinite(lengths)
    within = (lengths >= AGENT_CRITERIA.regular_min) & (lengths <= AGENT_CRITERIA.regular_max)
    per_replicate = np.array([np.mean(row[ok]) if ok.any() else np.nan
                              for row, ok in zip(lengths, finite, strict=True)])
    all_within = np.array([ok.any() and bool(np.all(w[ok]))
                           for w, ok in zip(within, finite, strict=True)])
    n_cycles = finite.sum(axis=1)
    return {
        "replicates": int(lengths.shape[0]),
        "cycles": int(finite.sum()),
        "cycle_length_mean": float(np.mean(lengths[finite])) if finite.any() else np.nan,
        "cycle_length_sd": float(np.std(lengths[finite], ddof=1)) if finite.sum() > 1
        else np.nan,
        "cycle_length_p05": float(np.percentile(lengths[finite], 5)) if finite.any() else np.nan,
        "cycle_length_p95": float(np.percentile(lengths[finite], 95)) if finite.any()
        else np.nan,
        "fraction_cycles_within_regular_bounds": float(np.mean(within[finite]))
        if finite.any() else np.nan,
        "fraction_replicates_all_cycles_regular": float(np.mean(all_within)),
        "replicate_mean_period_min": float(np.nanmin(per_replicate)),
        "replicate_mean_period_max": float(np.nanmax(per_replicate)),
        "fraction_replicates_mean_period_4_to_5": float(np.mean((per_replicate >= 4.0)
                                                                & (per_replicate <= 5.0))),
        "cycles_per_replicate_min": int(n_cycles.min()),
        "ova_episodes": int(ova.size),
        "ova_mean": float(np.mean(ova)) if ova.size else np.nan,
        "ova_sd": float(np.std(ova, ddof=1)) if ova.size > 1 else np.nan,
    }


def fractions_at(ds: xr.Dataset, day: float) -> dict[str, float]:
    """Fractions of replicates with regular cycles / in persistent diestrus / in persistent
    estrus / cycling (an ovulation in the last ``diestrus_days``: neither persistent state) at
    ``day`` (nearest save time). Works with or without an ``arm`` dim (then per arm, as
    arrays)."""
    at = ds.sel(time=day, method="nearest")
    diestrus = at["persistent_diestrus"].astype(bool)
    estrus = (at["persistent_estrus"].astype(bool) if "persistent_estrus" in at
              else xr.zeros_like(diestrus))
    return {"regular": at["regular_cycles"].mean("replicate").values,
            "persistent_diestrus": diestrus.mean("replicate").values,
            "persistent_estrus": estrus.mean("replicate").values,
            "cycling": (~(diestrus | estrus)).mean("replicate").values}


def summary_line(ds: xr.Dataset, source: str, outputs: list) -> str:
    """One line for ``follisim run --engine agent``."""
    head = (f"{source}: agent engine, {ds.attrs['replicates']} replicates (seed "
            f"{ds.attrs['seed']}), {ds.attrs['n_failed']} failed; ")
    day = float(ds.time[-1])
    if "arm" in ds.dims:
        cells = []
        for arm in ds.arm.values:
            f = fractions_at(ds.sel(arm=arm), day)
            cells.append(f"{arm}: regular {100 * float(f['regular']):.0f} %, persistent "
                         f"diestrus {100 * float(f['persistent_diestrus']):.0f} %")
        body = f"day {day:g}: " + "; ".join(cells)
    else:
        s = cycle_statistics(ds)
        f = fractions_at(ds, day)
        body = (f"{s['cycles']} cycles, length {s['cycle_length_mean']:.2f} ± "
                f"{s['cycle_length_sd']:.2f} d, ova per cycle {s['ova_mean']:.1f} ± "
                f"{s['ova_sd']:.1f} SD; day {day:g}: regular {100 * float(f['regular']):.0f} "
                f"%, persistent diestrus {100 * float(f['persistent_diestrus']):.0f} %, "
                f"primordial median {float(ds.primordial.isel(time=-1).median()):.0f}")
    return head + body + " -> " + ", ".join(map(str, outputs))
