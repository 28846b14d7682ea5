"""Global sensitivity with SALib: Sobol' first/total indices and Morris screening.

``run_sensitivity`` samples the factors with SALib (Saltelli/Sobol' for Sobol' indices without
second order; Morris trajectories), runs the samples through the sweep engine into
``OUT_DIR/<method>.zarr`` (chunked, resumable), and analyses each output at each measurement
day: a window mean of one arm, or the contrast ``treated - reference`` between two arms. Log-
scale factors are sampled uniformly in the natural logarithm, so their indices refer to
``ln(value)``.

A failed sample cannot enter SALib's estimators; it removes its whole Sobol' block (the
``D + 2`` rows built from one base sample) or Morris trajectory, which leaves a valid design
of fewer base samples. The number of blocks used is reported with every index.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

import numpy as np

from follisim.sweep.backends import Backend
from follisim.sweep.spec import Factor, SensitivitySpec

SOBOL_COLUMNS = ("output", "day", "parameter", "S1", "S1_conf", "ST", "ST_conf", "n_used",
                 "n_dropped")
MORRIS_COLUMNS = ("output", "day", "parameter", "mu_star", "mu_star_conf", "mu", "sigma",
                  "n_used", "n_dropped")


def problem(factors: tuple[Factor, ...] | list[Factor]) -> dict:
    """SALib problem: names and bounds in the sampling space (``ln`` for log factors)."""
    bounds = [[np.log(f.low), np.log(f.high)] if f.scale == "log" else [f.low, f.high]
              for f in factors]
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": bounds}


def to_values(factors, X: np.ndarray) -> dict[str, np.ndarray]:
    """Sampling-space rows ``X[n, D]`` -> ``{name: values}`` clipped to the factor bounds."""
    out = {}
    for i, f in enumerate(factors):
        x = np.exp(X[:, i]) if f.scale == "log" else X[:, i]
        out[f.name] = np.clip(x, f.low, f.high)
    return out


def sobol_design(prob: dict, n: int, seed: int) -> np.ndarray:
    from SALib.sample import sobol

    return sobol.sample(prob, n, calc_second_order=False, seed=seed)


def morris_design(prob: dict, trajectories: int, levels: int, seed: int) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(prob, trajectories, num_levels=levels, seed=seed)


def sobol_indices(prob: dict, Y: np.ndarray, seed: int = 0) -> dict:
    """First and total Sobol' indices with 95 % bootstrap intervals; failed blocks dropped."""
    from SALib.analyze import sobol

    D = prob["num_vars"]
    blocks = np.asarray(Y, dtype=np.float64).reshape(-1, D + 2)
    keep = np.all(np.isfinite(blocks), axis=1)
    res = {"n_used": int(keep.sum()), "n_dropped": int((~keep).sum())}
    if keep.sum() < 2 or np.ptp(blocks[keep]) == 0:
        nan = np.full(D, np.nan)
        return {**res, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    si = sobol.analyze(prob, blocks[keep].reshape(-1), calc_second_order=False, seed=seed)
    return {**res, **{k: np.asarray(si[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}}


def morris_indices(prob: dict, X: np.ndarray, Y: np.ndarray, levels: int, seed: int = 0
                   ) -> dict:
    """Morris mu*, its 95 % interval, mu and sigma; failed trajectories dropped."""
    from SALib.analyze import morris

    D = prob["num_vars"]
    traj = np.asarray(Y, dtype=np.float64).reshape(-1, D + 1)
    keep = np.all(np.isfinite(traj), axis=1)
    res = {"n_used": int(keep.sum()), "n_dropped": int((~keep).sum())}
    if keep.sum() < 2:
        nan = np.full(D, np.nan)
        return {**res, "mu_star": nan, "mu_star_conf": nan, "mu": nan, "sigma": nan}
    Xk = np.asarray(X).reshape(-1, D + 1, D)[keep].reshape(-1, D)
    si = morris.analyze(prob, Xk, traj[keep].reshape(-1), num_levels=levels, seed=seed)
    return {**res, **{k: np.asarray(si[k], dtype=np.float64)
                      for k in ("mu_star", "mu_star_conf", "mu", "sigma")}}


def responses(ds, spec: SensitivitySpec) -> dict[tuple[str, float], np.ndarray]:
    """``{(output, day): Y[n_samples]}``: contrasts between two arms, or one per arm."""
    names = list(spec.sweep.outputs.variables)
    if spec.sweep.outputs.cyclicity:
        from follisim.sweep.spec import CYCLICITY

        names += list(CYCLICITY)
    out = {}
    for name in names:
        for day in spec.days:
            v = ds[name].sel(day=day)
            if spec.contrast is not None:
                treated, ref = spec.contrast
                out[(f"{name} ({treated} - {ref})", day)] = (
                    v.sel(arm=treated) - v.sel(arm=ref)).values
            elif "arm" in v.dims:
                for arm in v.arm.values:
                    out[(f"{name} ({arm})", day)] = v.sel(arm=arm).values
            else:
                out[(name, day)] = v.values
    return out


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[tuple]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            w.writerow([f"{x:.6g}" if isinstance(x, float) else x for x in row])
    tmp.replace(path)
    return path


def run_sensitivity(spec: SensitivitySpec, out_dir: str | Path, *,
                    backend: Backend | None = None, resume: bool = False) -> list[Path]:
    """Sample, simulate and analyse; return the files written (CSV tables, heat map)."""
    from follisim.sweep.runner import run_sweep
    from follisim.sweep.storage import open_sweep

    out_dir = Path(out_dir)
    factors = spec.sweep.factors
    prob = problem(factors)
    written: list[Path] = []
    tables = {}
    for method in spec.methods:
        if method == "sobol":
            X = sobol_design(prob, spec.sobol_samples, spec.sweep.seed)
        else:
            X = morris_design(prob, spec.morris_trajectories, spec.morris_levels,
                              spec.sweep.seed)
        sweep = dataclasses.replace(spec.sweep, method=f"salib_{method}", samples=X.shape[0])
        store = out_dir / f"{method}.zarr"
        run_sweep(sweep, store, resume=resume or store.exists(), backend=backend,
                  table=to_values(factors, X))
        ds = open_sweep(store).load()
        rows = []
        for (output, day), Y in responses(ds, spec).items():
            if method == "sobol":
                si = sobol_indices(prob, Y, spec.sweep.seed)
                keys = ("S1", "S1_conf", "ST", "ST_conf")
            else:
                si = morris_indices(prob, X, Y, spec.morris_levels, spec.sweep.seed)
                keys = ("mu_star", "mu_star_conf", "mu", "sigma")
            for i, f in enumerate(factors):
                rows.append((output, float(day), f.name, *(float(si[k][i]) for k in keys),
                             si["n_used"], si["n_dropped"]))
        columns = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
        written.append(_write_csv(out_dir / f"{method}.csv", columns, rows))
        tables[method] = rows
    written.append(heatmap(tables, out_dir / "sensitivity.png"))
    return written


def heatmap(tables: dict[str, list[tuple]], path: Path, top: int = 20) -> Path:
    """Heat map per method: the ``top`` parameters (by their largest index) x outputs.

    Sobol': total index ST (colour scale up to the largest ST shown); Morris: mu* divided by
    the largest mu* of that output.
    """
    from follisim.plotting._figure import pyplot, save

    plt = pyplot(saving=True)
    fig, axes = plt.subplots(1, len(tables), figsize=(4.6 * len(tables) + 1.5, 7.0),
                             squeeze=False)
    for ax, (method, rows) in zip(axes[0], tables.items(), strict=True):
        keys = list(dict.fromkeys((r[0], r[1]) for r in rows))
        params = list(dict.fromkeys(r[2] for r in rows))
        M = np.full((len(params), len(keys)), np.nan)
        for r in rows:
            M[params.index(r[2]), keys.index((r[0], r[1]))] = r[5] if method == "sobol" \
                else r[3]
        if method == "morris":
            M = M / np.nanmax(np.abs(M), axis=0, keepdims=True)
        score = np.nan_to_num(np.nanmax(M, axis=1), nan=-1.0)
        order = np.argsort(-score)[:top]
        shown = np.clip(M[order], 0, None)
        vmax = 1.0 if method == "morris" else float(np.ceil(np.nanmax(shown) * 10) / 10 or 1)
        im = ax.imshow(shown, vmin=0, vmax=vmax, cmap="viridis", aspect="auto")
        labels = [f"{o.split(' (')[0]}, d{d:g}" for o, d in keys]
        contrast = {o.split(" (", 1)[1].rstrip(")") for o, _ in keys if " (" in o}
        ax.set_yticks(range(len(order)), [params[i] for i in order], fontsize=8)
        ax.set_xticks(range(len(keys)), labels, rotation=30, ha="right", fontsize=9)
        title = "Sobol' total index ST" if method == "sobol" else "Morris mu* / largest mu*"
        if len(contrast) == 1:
            title += f"\n{contrast.pop()}"
        ax.set_title(title, fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return save(fig, path)
