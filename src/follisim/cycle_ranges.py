"""Over which injury strengths does POI stop the cycle, and where does a treatment restore it?

For an experiment file, the injury agent of its arms (cyclophosphamide, cisplatin or busulfan)
is scaled by a factor s: every mechanism potency (``<agent>_<mechanism>_potency`` for each
mechanism of ``follisim.interventions.agents.MECHANISM_POTENCY``, the lasting lesions included)
is multiplied by s (s = 1 is the Tang 2018 fit for cyclophosphamide), which for these linear
damage maps is the same as scaling the dose. For each s every arm is simulated and its cycling
state read at every measurement day:

- ``regular``: regular cycles in the trailing window (``follisim.cycles``);
- ``irregular``: ovulating (an ovulation in the last ``diestrus_days``), but not regular;
- ``persistent estrus``: no ovulation for ``diestrus_days``, tonic E2 high without
  progesterone (estrus-like smears);
- ``persistent diestrus``: no ovulation for ``diestrus_days``, smears diestrus-like.

Run ``python -m follisim.cycle_ranges docs/figures/cycle_ranges.png EXPERIMENT.toml ...``.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import numpy as np
import xarray as xr

from follisim.experiment import at_measurement, run_experiment
from follisim.interventions import AGENTS
from follisim.interventions import PARAMETERS as INTERVENTION_PARAMETERS
from follisim.interventions.agents import MECHANISM_POTENCY
from follisim.io.experiment import parse_experiment

STATES = ("persistent diestrus", "persistent estrus", "irregular", "regular")
COLOURS = ("tab:red", "tab:purple", "gold", "tab:green")
MECHANISMS = tuple(MECHANISM_POTENCY.values())


def injury_agents(document: dict, source: str = "<experiment>") -> tuple[str, ...]:
    """Injury agents dosed in any arm of an experiment document."""
    exp = parse_experiment(document, source)
    return tuple(sorted({d.agent for arm in exp.arms for d in arm.doses
                         if AGENTS[d.agent].kind == "injury"}))


def scaled(document: dict, agents: tuple[str, ...], scale: float) -> dict:
    """A copy of ``document`` with every potency of ``agents`` multiplied by ``scale``."""
    doc = {**document, "parameters": dict(document.get("parameters", {}))}
    for agent in agents:
        for mech in MECHANISMS:
            name = f"{agent}_{mech}_potency"
            base = doc["parameters"].get(name, INTERVENTION_PARAMETERS[name].default)
            doc["parameters"][name] = base * scale
    return doc


def cycling_state(m: xr.Dataset) -> np.ndarray:
    """Index into ``STATES`` per arm, from one measurement time of ``at_measurement``."""
    regular = m.regular_cycles.values.astype(bool)
    diestrus = m.persistent_diestrus.values.astype(bool)
    estrus = m.persistent_estrus.values.astype(bool)
    return np.where(regular, 3, np.where(diestrus, 0, np.where(estrus, 1, 2)))


def scan(path: str | Path, scales: np.ndarray) -> xr.Dataset:
    """Cycling state (``STATES`` index) per injury ``scale``, measurement day and arm."""
    with open(path, "rb") as fh:
        document = tomllib.load(fh)
    agents = injury_agents(document, str(path))
    states = []
    for s in scales:
        m = at_measurement(run_experiment(parse_experiment(scaled(document, agents, float(s)),
                                                           str(path))))
        states.append([cycling_state(m.isel(time=k)) for k in range(m.time.size)])
    return xr.Dataset(
        {"state": (("scale", "time", "arm"), np.array(states))},
        coords={"scale": np.asarray(scales, float), "time": m.time.values,
                "arm": list(m.arm.values)},
        attrs={"experiment": str(path), "agents": ",".join(agents), "states": ",".join(STATES)})


def ranges(result: xr.Dataset, arm: str, state: int, day: float
           ) -> list[tuple[float, float]]:
    """Contiguous runs of ``scale`` where ``arm`` is in ``state`` on ``day`` (grid ends)."""
    hit = result.state.sel(arm=arm, time=day).values == state
    s = result.scale.values
    out, start = [], None
    for i, h in enumerate(hit):
        if h and start is None:
            start = s[i]
        if start is not None and (not h or i == len(hit) - 1):
            out.append((float(start), float(s[i] if h else s[i - 1])))
            start = None
    return out


def plot(path: str, results: list[xr.Dataset]) -> None:
    """One panel per experiment: arms x injury scale, coloured by cycling state."""
    from matplotlib.colors import ListedColormap

    from follisim.plotting._figure import pyplot, save

    plt = pyplot(True)
    cmap = ListedColormap(COLOURS)
    fig, axes = plt.subplots(len(results), 1, figsize=(8, 1.0 + 2.3 * len(results)),
                             squeeze=False)
    for ax, r in zip(axes[:, 0], results, strict=True):
        arms = [a for a in r.arm.values if a != "control"]
        rows = [(a, d) for d in r.time.values for a in arms]
        grid = np.array([r.state.sel(arm=a, time=d).values for a, d in rows])
        s = r.scale.values
        edges = np.concatenate([[s[0] / np.sqrt(s[1] / s[0])], np.sqrt(s[1:] * s[:-1]),
                                [s[-1] * np.sqrt(s[-1] / s[-2])]])
        ax.pcolormesh(edges, np.arange(len(rows) + 1), grid, cmap=cmap, vmin=-0.5,
                      vmax=len(STATES) - 0.5)
        ax.set_xscale("log")
        ax.set_yticks(np.arange(len(rows)) + 0.5, [f"{a}, day {d:g}" for a, d in rows],
                      fontsize=8)
        for k in range(len(arms), len(rows), len(arms)):
            ax.axhline(k, color="white", lw=2)
        ax.axvline(1.0, color="black", lw=1.0, ls="--")
        name = Path(r.attrs["experiment"]).parent.name
        basis = ("the fit to Tang 2018" if r.attrs["agents"] == "cyclophosphamide"
                 else "the default potencies")
        ax.set_title(f"{name}: cycling vs {r.attrs['agents']} strength (dashed: {basis})",
                     fontsize=9)
    axes[-1, 0].set_xlabel("injury strength (multiple of the default potencies)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS]
    fig.legend(handles, STATES, loc="lower center", ncol=len(STATES), fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save(fig, path)


def main(argv: list[str]) -> None:
    out, paths = argv[0], argv[1:]
    scales = np.geomspace(0.1, 4.0, 33)
    results = [scan(p, scales) for p in paths]
    plot(out, results)
    for r in results:
        name = Path(r.attrs["experiment"]).parent.name
        for day in r.time.values:
            for arm in r.arm.values:
                if arm == "control":
                    continue
                for k, label in enumerate(STATES):
                    spans = ranges(r, arm, k, day)
                    if spans:
                        text = ", ".join(f"x{a:.2f}-{b:.2f}" for a, b in spans)
                        print(f"{name} day {day:g} {arm}: {label} at {text}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
