"""One-page overview of a run: follicles, hormones, vessels."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from follisim.plotting._figure import pyplot, save

PANELS = (
    ("Primordial pool", ("primordial",), False),
    ("Growing follicles", ("primary", "secondary", "antral", "preovulatory"), True),
    ("Corpora lutea and atresia", ("corpora_lutea", "atretic"), False),
    ("Serum E2", ("e2",), False),
    ("Serum FSH and AMH", ("fsh", "amh"), True),
    ("Vasculature (relative to healthy)",
     ("vessel_density", "vegf", "ang1", "ang2", "ang1_ang2_ratio"), False),
)


def plot_overview(ds: xr.Dataset, path: str | Path | None = None, title: str | None = None):
    """Draw the six-panel overview of a single-run Dataset; save to ``path`` if given.

    Returns the matplotlib ``Figure``.
    """
    plt = pyplot(saving=path is not None)

    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True, layout="constrained")
    for ax, (label, names, log) in zip(axes.flat, PANELS, strict=True):
        units = set()
        for name in names:
            var = ds[name]
            ax.plot(ds["time"], var, label=var.attrs.get("long_name", name))
            units.add(var.attrs.get("units", ""))
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(" / ".join(sorted(units)), fontsize=8)
        if log:
            ax.set_yscale("log")
        if len(names) > 1:
            ax.legend(fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("time [day]")
    fig.suptitle(title or f"follisim {ds.attrs.get('model', '')}: "
                          f"{ds.attrs.get('description', '')}", fontsize=11)
    if path is not None:
        save(fig, path)
    return fig
