"""The validation time course: untreated and treated CTX arms against Tang 2018, days 0-90.

    python -m follisim.plotting.validation docs/figures/validation_timecourse.png

Each panel is one endpoint as a ratio to the control arm, both sides as 9-day trailing means
(about two estrous cycles: the random sacrifice stage of a real study). Black squares are Tang
2018's CTX/control ratios (``rat_outcomes.csv``; the sacrifice day, ~35, is the curator's
reading) with the 95 % interval of the log ratio from the reported SDs and sizes. The hUCMSC
arms (IV on day 18, the design of ``experiments/rat_ctx_hucmsc_iv``) have no day-matched rat
numbers: their pooled effects are scored by ``follisim compare`` (docs/validation.md).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import xarray as xr

from follisim import datasets
from follisim.compare.scores import Z95, log_ratio_se
from follisim.cycles import trailing_mean
from follisim.experiment import run_experiment
from follisim.plotting._figure import pyplot, save

WINDOW = 9.0          # day: the measure window of the shipped CTX experiments
DAYS = 90.0           # day
CELLS = (1e6, 4e6)    # hUCMSC doses drawn (cells, IV, day 18)

#: panel -> (model variables summed, Tang 2018 endpoint or None)
PANELS = {
    "primordial": (("primordial",), "follicles_primordial"),
    "primary": (("primary",), "follicles_primary"),
    "secondary": (("secondary",), "follicles_secondary"),
    "antral + preovulatory": (("antral", "preovulatory"),
                              "follicles_mature(antral/preovulatory)"),
    "atretic": (("atretic",), "follicles_atretic"),
    "E2": (("e2",), "E2"),
    "FSH": (("fsh",), "FSH"),
    "AMH": (("amh",), "AMH"),
    "tonic LH": (("lh_tonic",), None),
    "vessel density": (("vessel_density",), None),
}


def experiment() -> dict:
    """Control, CTX (Tang protocol) and CTX + hUCMSC IV on day 18 at each dose in ``CELLS``."""
    ctx = {"preset": "CTX_SD_30x5_Tang"}
    arms = [{"name": "control"}, {"name": "poi", "doses": [ctx]}]
    arms += [{"name": f"hucmsc {cells:.0e}", "doses": [
        ctx, {"agent": "hucmsc", "dose": cells, "unit": "cells", "route": "iv", "days": [18]}]}
        for cells in CELLS]
    return {"description": "validation time course", "arms": arms,
            "experiment": {"measure_days": [DAYS], "save_interval": 0.1, "measure_window": 0}}


def tang_ratios() -> dict[str, tuple[float, float, float]]:
    """Tang 2018 CTX/control ratio with its 95 % interval per endpoint (delta method on the
    log ratio: SE^2 = CV_poi^2 / n_poi + CV_control^2 / n_control)."""
    by = {}
    for r in datasets.rows("rat_outcomes"):
        if r["study_id"].startswith("Tang2018") and r["spread"]:
            by[(r["group"], r["endpoint"])] = (float(r["mean"]), float(r["spread"]),
                                               int(r["n"]))
    out = {}
    for (group, endpoint), (m_p, s_p, n_p) in by.items():
        if group != "poi" or ("control", endpoint) not in by:
            continue
        m_c, s_c, n_c = by[("control", endpoint)]
        se = log_ratio_se(s_p / m_p, n_p, s_c / m_c, n_c)
        ratio = m_p / m_c
        out[endpoint] = (ratio, ratio * math.exp(-Z95 * se), ratio * math.exp(Z95 * se))
    return out


def smoothed_ratios(ds: xr.Dataset) -> dict[str, dict[str, np.ndarray]]:
    """Per panel and non-control arm: trailing-mean(arm) / trailing-mean(control), shape (time,)."""
    t = ds.time.values
    out: dict[str, dict[str, np.ndarray]] = {}
    for panel, (variables, _) in PANELS.items():
        total = sum(ds[v] for v in variables)
        ctrl = trailing_mean(t, total.sel(arm="control").values, WINDOW)
        out[panel] = {str(a): trailing_mean(t, total.sel(arm=a).values, WINDOW) / ctrl
                      for a in ds.arm.values if str(a) != "control"}
    return out


def plot_validation(path: str | Path | None = None, ds: xr.Dataset | None = None):
    """Draw the figure (and save it to ``path``). Returns the Figure."""
    plt = pyplot(saving=path is not None)
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    ds = run_experiment(experiment()) if ds is None else ds
    t = ds.time.values
    ratios, tang = smoothed_ratios(ds), tang_ratios()
    fig, axes = plt.subplots(2, 5, figsize=(17, 6.6), sharex=True, layout="constrained")
    colours = {"poi": "C3", **{f"hucmsc {c:.0e}": f"C{i}" for i, c in enumerate(CELLS)}}
    shown = t >= WINDOW
    for ax, (panel, (_, endpoint)) in zip(axes.flat, PANELS.items(), strict=True):
        for arm, ratio in ratios[panel].items():
            ax.plot(t[shown], ratio[shown], color=colours.get(arm, "C7"), lw=1.4,
                    label="CTX" if arm == "poi" else f"CTX + hUCMSC {arm.split()[1]} cells")
        ax.axhline(1.0, color="k", lw=0.7)
        ax.axvspan(0, 4, color="C3", alpha=0.08)
        ax.axvline(18, color="C0", lw=0.7, ls=":")
        if endpoint in tang:
            ratio, lo, hi = tang[endpoint]
            ax.errorbar([35], [ratio], yerr=[[ratio - lo], [hi - ratio]], fmt="s", color="k",
                        ms=5, capsize=3, label="Tang 2018 CTX (day ~35)")
        else:
            ax.text(0.03, 0.04, "no rat number", transform=ax.transAxes, fontsize=8,
                    color="0.4")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_locator(LogLocator(subs=np.arange(1.0, 10.0)))
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(panel, fontsize=10)
        ax.grid(alpha=0.3, which="both")
    for ax in axes[1]:
        ax.set_xlabel("day after the first CTX dose")
    for ax in axes[:, 0]:
        ax.set_ylabel("ratio to control (9-day means)")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    fig.suptitle("CTX (Tang protocol, shaded days 0-4) and hUCMSC IV on day 18 (dotted): "
                 "model vs Tang 2018", fontsize=11)
    if path is not None:
        save(fig, path)
    return fig


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m follisim.plotting.validation OUT.png", file=sys.stderr)
        return 2
    plot_validation(args[0])
    print(f"-> {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
