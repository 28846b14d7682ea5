"""The comparison's outputs: ``report.csv``, the forest plot and the printed summary."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from follisim.compare.engine import ARM, CHANGE, COLUMNS, FRACTION, MD, RR, SMD, SPREAD, Row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def csv_text(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_cell(getattr(r, c)) for c in COLUMNS])
    return buf.getvalue()


def summary(rows: Sequence[Row], n_input: int, worst: int = 5) -> str:
    """Rows supported, sign agreement, inside-interval rate and the worst rows (by |z|)."""
    ok = [r for r in rows if r.status == "ok"]
    effects = [r for r in ok if r.kind != SPREAD]
    spreads = [r for r in ok if r.kind == SPREAD]
    signed = [r for r in effects if r.sign_agrees is not None]
    inside = [r for r in effects if r.inside_interval is not None]
    lines = [f"{n_input} reported rows -> {len(rows)} report rows: {len(ok)} scored, "
             f"{len(rows) - len(ok)} unsupported"]
    if signed:
        agree = sum(r.sign_agrees for r in signed)
        lines.append(f"direction agrees with the reported effect: {agree}/{len(signed)} "
                     f"({100 * agree / len(signed):.0f} %)")
    if inside:
        n_in = sum(r.inside_interval for r in inside)
        lines.append(f"simulated estimate inside the reported 95 % interval: {n_in}/"
                     f"{len(inside)} ({100 * n_in / len(inside):.0f} %)")
    if spreads:
        n_in = sum(bool(r.inside_interval) for r in spreads)
        lines.append(f"control-arm spread (CV) inside the reported interval: {n_in}/"
                     f"{len(spreads)}")
    ranked = sorted((r for r in effects if np.isfinite(r.z)), key=lambda r: -abs(r.z))
    if ranked:
        lines.append("worst rows (|z|):")
        for r in ranked[:worst]:
            lines.append(f"  z {r.z:+6.2f}  {r.endpoint} ({r.kind}, {r.arm}, day {r.day:g}): "
                         f"reported {r.reported:.3g} [{r.reported_low:.3g}, "
                         f"{r.reported_high:.3g}], simulated {r.simulated:.3g}  ({r.source})")
    unsupported = sorted({(r.endpoint, r.reason) for r in rows if r.status != "ok"})
    if unsupported:
        lines.append("unsupported endpoints:")
        lines += [f"  {e}: {why}" for e, why in unsupported]
    return "\n".join(lines)


_PANELS = ((ARM, "arm rows: value / reported value", "log"),
           (CHANGE, "change vs control: ratio / reported ratio", "log"),
           (FRACTION, "fraction of animals (daily smears)", "linear"),
           (SPREAD, "control arms: CV / reported CV", "log"),
           (SMD, "pooled SMD: Hedges' g (treated vs POI)", "linear"),
           (RR, "pooled RR (treated vs POI)", "log"),
           (MD, "pooled mean difference", "linear"))


def _label(r: Row) -> str:
    if r.kind in (SMD, RR, MD):
        subgroup = r.study.split("(", 1)[-1].rstrip(")") if "(" in r.study else r.study
        return f"{r.endpoint} | {subgroup[:28]} | d{r.day:g}"
    return f"{r.endpoint} | {r.arm} | d{r.day:g}"


def forest_plot(rows: Sequence[Row], path: str | Path, title: str = "") -> None:
    """One line per scored row: reported estimate and 95 % interval (black) and the simulated
    one (green inside the reported interval, red outside), grouped by kind and endpoint;
    unsupported rows are listed in grey at the bottom."""
    from follisim.plotting._figure import pyplot, save

    plt = pyplot(saving=True)
    scored = [r for r in rows if r.status == "ok" and np.isfinite(r.simulated)
              and np.isfinite(r.reported)]
    panels = [(k, t, s, sorted([r for r in scored if r.kind == k],
                               key=lambda r: (r.endpoint, r.arm, r.day)))
              for k, t, s in _PANELS]
    panels = [p for p in panels if p[3]]
    skipped = sorted({f"{r.endpoint}: {r.reason}" for r in rows if r.status != "ok"})
    heights = [max(len(p[3]), 1) * 0.28 + 0.8 for p in panels] + ([0.25 * len(skipped) + 0.6]
                                                                 if skipped else [])
    fig, axes = plt.subplots(len(heights), 1, figsize=(9.5, max(sum(heights), 3.0)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    axes = list(axes[:, 0])
    for ax, (kind, label, scale, group) in zip(axes, panels, strict=False):
        relative = scale == "log" and kind not in (RR,)
        for y, r in enumerate(group[::-1]):
            ref = r.reported if relative else 1.0
            rep = np.array([r.reported_low, r.reported, r.reported_high]) / (ref if relative
                                                                              else 1.0)
            sim = np.array([r.simulated_low, r.simulated, r.simulated_high]) / (ref if relative
                                                                                 else 1.0)
            ax.plot(rep[[0, 2]], [y + 0.12] * 2, color="black", lw=1.2)
            ax.plot(rep[1], y + 0.12, "s", color="black", ms=4)
            color = "tab:green" if r.inside_interval else "tab:red"
            if np.all(np.isfinite(sim)):
                ax.plot(sim[[0, 2]], [y - 0.12] * 2, color=color, lw=1.2)
            ax.plot(sim[1], y - 0.12, "o", color=color, ms=4)
        ax.set_yticks(range(len(group)))
        ax.set_yticklabels([_label(r) for r in group[::-1]], fontsize=7)
        ax.set_xscale(scale)
        ax.axvline(1.0 if scale == "log" else 0.0, color="grey", lw=0.6, ls=":")
        ax.set_title(label, fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    if skipped:
        ax = axes[-1]
        ax.axis("off")
        ax.text(0.0, 1.0, "unsupported:\n" + "\n".join(skipped), va="top", fontsize=7,
                color="grey", transform=ax.transAxes)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.985 if title else 1))
    save(fig, path)
