"""The estrous cycle of one run: hormones over a few cycles and the phase portrait.

``python -m follisim.plotting.cycle OUT.png`` draws the default healthy rat (docs/cycle.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import xarray as xr


def plot_cycle(ds: xr.Dataset, path: str | Path | None = None, n_cycles: int = 3):
    """Hormones and follicles over ``n_cycles`` cycles (from the first ovulation on) and the
    (E2, progesterone, LH) phase portrait of the last of them. ``ds``: one trajectory from
    ``simulate`` with a fine save grid (<= 0.02 d). Returns the figure."""
    from follisim.plotting._figure import pyplot, save

    plt = pyplot(path is not None)
    times = ds.ovulation_time.values
    times = times[np.isfinite(times)]
    if times.size < n_cycles + 1:
        raise ValueError(f"needs {n_cycles + 1} ovulations, found {times.size}")
    a, b = times[0] - 1.0, times[n_cycles] + 0.2
    d = ds.sel(time=slice(a, b))
    t = d.time.values
    fig = plt.figure(figsize=(11, 7))
    grid = fig.add_gridspec(3, 2, width_ratios=(2.2, 1))
    ax_e2 = fig.add_subplot(grid[0, 0])
    ax_lh = fig.add_subplot(grid[1, 0], sharex=ax_e2)
    ax_f = fig.add_subplot(grid[2, 0], sharex=ax_e2)
    ax_pp = fig.add_subplot(grid[:, 1])
    ax_e2.plot(t, d.e2, color="tab:red", label="E2 [pg/mL]")
    ax_e2.set_ylabel("E2 [pg/mL]", color="tab:red")
    tw = ax_e2.twinx()
    tw.plot(t, d.fsh, color="tab:blue", label="FSH")
    tw.set_ylabel(f"FSH [{d.fsh.attrs.get('units', '')}]", color="tab:blue", fontsize=8)
    ax_lh.plot(t, d.lh, color="tab:purple")
    ax_lh.set_ylabel("LH [x tonic]", color="tab:purple")
    tw2 = ax_lh.twinx()
    tw2.plot(t, d.progesterone, color="tab:orange")
    tw2.set_ylabel("luteal P4 [rel.]", color="tab:orange")
    ax_f.plot(t, d.antral, label="antral")
    ax_f.plot(t, d.preovulatory, label="preovulatory")
    ax_f.plot(t, d.corpora_lutea, label="functional corpora lutea")
    ax_f.set_ylabel("follicles (both ovaries)")
    ax_f.set_xlabel("day")
    ax_f.legend(fontsize=7, loc="upper left")
    for ax in (ax_e2, ax_lh, ax_f):
        for tk in times[(times >= a) & (times <= b)]:
            ax.axvline(tk, color="0.7", lw=0.8, ls=":")
    lengths = np.diff(times[: n_cycles + 1])
    ax_e2.set_title(f"cycles of {', '.join(f'{x:.2f}' for x in lengths)} days; "
                    f"{np.mean(ds.ova.values[1:n_cycles + 1]):.1f} ova per cycle "
                    "(dotted: ovulations)", fontsize=9)
    last = (t >= times[n_cycles - 1]) & (t <= times[n_cycles])
    sc = ax_pp.scatter(d.e2.values[last], d.progesterone.values[last],
                       c=np.log10(d.lh.values[last]), s=4, cmap="viridis")
    ax_pp.plot(d.e2.values[last], d.progesterone.values[last], color="0.8", lw=0.5, zorder=0)
    fig.colorbar(sc, ax=ax_pp, label="log10 LH [x tonic]")
    ax_pp.set_xlabel("E2 [pg/mL]")
    ax_pp.set_ylabel("luteal progesterone [rel.]")
    ax_pp.set_title("phase portrait, one cycle", fontsize=9)
    fig.tight_layout()
    if path is not None:
        save(fig, path)
    return fig


if __name__ == "__main__":
    from follisim import simulate

    out = sys.argv[1] if len(sys.argv) > 1 else "cycle.png"
    plot_cycle(simulate({"run": {"days": 20.0, "save_interval": 0.005}}, throw=True), out)
    print(f"wrote {out}")
