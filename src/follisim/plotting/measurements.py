"""Endpoints at the measurement days, each arm as a ratio to the control arm."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from follisim.plotting._figure import pyplot, save

ENDPOINTS = ("primordial", "growing_follicles", "antral", "atretic", "e2", "fsh", "amh",
             "vessel_density", "ang1_ang2_ratio")


def plot_measurements(ds: xr.Dataset, path: str | Path | None = None, control: str = "control"):
    """Grouped bars: endpoint / control-arm value at each measurement day. Returns the Figure."""
    plt = pyplot(saving=path is not None)

    days = np.atleast_1d(ds.attrs["measure_days"])
    arms = [str(a) for a in ds.arm.values if str(a) != control]
    fig, axes = plt.subplots(1, len(days), figsize=(5.5 * len(days), 4.2), squeeze=False,
                             layout="constrained")
    x = np.arange(len(ENDPOINTS))
    width = 0.8 / max(len(arms), 1)
    for ax, day in zip(axes[0], days, strict=True):
        at = ds.sel(time=day)
        for i, arm in enumerate(arms):
            ratio = [float(at[e].sel(arm=arm) / at[e].sel(arm=control)) for e in ENDPOINTS]
            ax.bar(x + (i - (len(arms) - 1) / 2) * width, ratio, width, label=arm,
                   color=f"C{1 + i}")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(x, ENDPOINTS, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(f"ratio to {control}")
        ax.set_title(f"day {day:g}", fontsize=10)
        ax.legend(fontsize=7)
    if path is not None:
        save(fig, path)
    return fig
