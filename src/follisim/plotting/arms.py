"""Study arms side by side, with doses and measurement days marked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from follisim.plotting._figure import pyplot, save

ARM_PANELS = (
    ("primordial", "Primordial follicles"),
    ("growing_follicles", "Growing follicles"),
    ("atretic", "Recently atretic follicles"),
    ("e2", "Serum E2"),
    ("fsh", "Serum FSH"),
    ("amh", "Serum AMH"),
    ("vessel_density", "Vessel density"),
    ("ang1_ang2_ratio", "Ang1/Ang2 ratio"),
)


def plot_arms(ds: xr.Dataset, path: str | Path | None = None, title: str | None = None):
    """Draw every arm of an experiment Dataset (dims ``arm``, ``time``); save to ``path``.

    The top strip shows each arm's doses (one marker per dose, labelled by agent); dashed lines
    mark the measurement days. Returns the matplotlib ``Figure``.
    """
    plt = pyplot(saving=path is not None)

    arms = [str(a) for a in ds.arm.values]
    colors = {a: f"C{i}" for i, a in enumerate(arms)}
    fig = plt.figure(figsize=(15, 8.5), layout="constrained")
    grid = fig.add_gridspec(3, 4, height_ratios=[0.55, 1, 1])
    strip = fig.add_subplot(grid[0, :])
    measure = np.atleast_1d(ds.attrs.get("measure_days", []))
    markers = {}
    for i, arm in enumerate(arms):
        for line in json.loads(ds.attrs.get(f"doses_{arm}", "[]")):
            marker = markers.setdefault(line["agent"], "ov^sDP*X"[len(markers) % 8])
            strip.scatter(line["days"], [i] * len(line["days"]), marker=marker,
                          color=colors[arm], s=28)
    for agent, marker in markers.items():
        strip.scatter([], [], marker=marker, color="k", label=agent)
    strip.set_yticks(range(len(arms)), arms)
    strip.set_ylim(-0.6, len(arms) - 0.4)
    strip.set_title("Doses", fontsize=10)
    if markers:
        strip.legend(fontsize=7, loc="upper right", ncol=len(markers))
    for k, (name, label) in enumerate(ARM_PANELS):
        ax = fig.add_subplot(grid[1 + k // 4, k % 4], sharex=strip)
        for arm in arms:
            ax.plot(ds.time, ds[name].sel(arm=arm), color=colors[arm], label=arm)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(ds[name].attrs.get("units", ""), fontsize=8)
        if k // 4 == 1:
            ax.set_xlabel("time [day]")
        if k == 0:
            ax.legend(fontsize=7)
    for ax in fig.axes:
        for day in measure:
            ax.axvline(day, color="0.4", ls="--", lw=0.8)
    fig.suptitle(title or ds.attrs.get("description", "follisim experiment"), fontsize=11)
    if path is not None:
        save(fig, path)
    return fig
