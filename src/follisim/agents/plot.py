"""The replicate band (median, 5-95 %) against the ODE line, for runs and experiments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from follisim.plotting._figure import pyplot, save

PANELS = (
    ("primordial", "Primordial follicles", False),
    ("growing_follicles", "Growing follicles", False),
    ("antral", "Antral follicles", False),
    ("preovulatory", "Preovulatory follicles", False),
    ("corpora_lutea", "Corpora lutea", False),
    ("e2", "Serum E2", False),
    ("fsh", "Serum FSH", False),
    ("lh", "Serum LH", True),
    ("amh", "Serum AMH", False),
    ("vessel_density", "Vessel density", False),
)


def _arms(ds: xr.Dataset) -> list:
    return [str(a) for a in ds.arm.values] if "arm" in ds.dims else [None]


def plot_replicates(ds: xr.Dataset, path: str | Path | None = None,
                    reference: xr.Dataset | None = None, title: str | None = None):
    """Draw an agent-engine Dataset (dims ``replicate``, ``time``, optionally ``arm``).

    Bands are the 5-95 % range over replicates, solid lines the median, dashed lines the ODE
    run of the same configuration (``reference``, same dims without ``replicate``). The last
    panels show the ova per cycle (against 9.6 +/- 2.2 SD reported, datasets/rat_cycle.csv) and
    the fraction of replicates with regular cycles over time. Returns the ``Figure``.
    """
    plt = pyplot(saving=path is not None)
    fig, axes = plt.subplots(3, 4, figsize=(16, 9.5), layout="constrained")
    arms = _arms(ds)
    for k, (name, label, log) in enumerate(PANELS):
        ax = axes.flat[k]
        for i, arm in enumerate(arms):
            part = ds if arm is None else ds.sel(arm=arm)
            q = part[name].quantile([0.05, 0.5, 0.95], dim="replicate").values
            color = f"C{i}"
            ax.fill_between(part.time, q[0], q[2], color=color, alpha=0.25, lw=0)
            ax.plot(part.time, q[1], color=color, lw=1.0, label=arm or "agents: median, 5-95 %")
            if reference is not None and name in reference:
                ref = reference if arm is None else reference.sel(arm=arm)
                ax.plot(ref.time, ref[name], color=color if arm else "k", ls="--", lw=0.8,
                        label=None if arm else "ODE")
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(ds[name].attrs.get("units", ""), fontsize=8)
        if log:
            ax.set_yscale("log")
        if k == 0:
            ax.legend(fontsize=7)
    ax = axes.flat[len(PANELS)]
    bins = np.arange(-0.5, 25.5, 1.0)
    for i, arm in enumerate(arms):
        part = ds if arm is None else ds.sel(arm=arm)
        ova = part["ova"].values[..., 1:].ravel()
        ax.hist(ova[np.isfinite(ova)], bins=bins, density=True, histtype="step", color=f"C{i}",
                label=arm)
    x = np.linspace(0, 25, 200)
    ax.plot(x, np.exp(-0.5 * ((x - 9.6) / 2.2) ** 2) / (2.2 * np.sqrt(2 * np.pi)), "k:",
            lw=0.8, label="reported 9.6 ± 2.2 SD")
    ax.set_title("Ova per cycle", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes.flat[len(PANELS) + 1]
    for i, arm in enumerate(arms):
        part = ds if arm is None else ds.sel(arm=arm)
        ax.plot(part.time, part["regular_cycles"].mean("replicate"), color=f"C{i}", label=arm)
        ax.plot(part.time, part["persistent_diestrus"].mean("replicate"), color=f"C{i}",
                ls=":")
    ax.set_title("Replicates regular (solid) / persistent diestrus (dotted)", fontsize=9)
    ax.set_ylim(-0.02, 1.02)
    for ax in (*axes[-1, :2], axes[-1, -1], *axes[-2]):
        ax.set_xlabel("time [day]")
    axes[-1, 2].set_xlabel("ova per cycle (first episode of each replicate left out)")
    fig.suptitle(title or f"follisim agent engine, {ds.attrs.get('replicates', '')} replicates "
                          f"(seed {ds.attrs.get('seed', '')}): "
                          f"{ds.attrs.get('description', '')}", fontsize=11)
    if path is not None:
        save(fig, path)
    return fig
