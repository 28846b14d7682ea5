"""Does the cycle survive the noise? The agent engine's figures for issue 15, item 4.

    python -m follisim.agents.report [--replicates 200] [--seed 15] [--json OUT.json]
    python -m follisim.agents.report --convergence      # the splitting-step table only

Runs the healthy default (``configs/default.toml``), the Tang 2018 CTX protocol (preset
``CTX_SD_30x5_Tang``, the ``poi`` arm of ``experiments/rat_ctx_hucmsc_iv``) and every arm of
every shipped experiment (``experiments/*/experiment.toml``) with the agent engine, and prints:

- the healthy cycle: period per replicate and over all cycles, ova per cycle (mean, SD) against
  the reported 9.6 +/- 2.2 SD (``datasets/rat_cycle.csv``, ova_per_cycle_austin);
- CTX: the fraction of replicates in persistent diestrus at days 14, 35 and 60 (Tang: 43/50
  acyclic within 2 weeks, 0/21 recovered; ``datasets/poi_induction_protocols.csv``);
- per experiment arm and measurement day: the fractions of replicates with regular cycles,
  with any cycling (an ovulation in the last 10 days: neither persistent diestrus nor persistent
  estrus) and in each persistent state, the ODE's verdict, and the risk ratio of each treated
  arm against its untreated POI arm (the model's own estrous-recovery risk ratio).

Numbers only: nothing here is fitted or tuned. Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from follisim.agents.summary import cycle_statistics, fractions_at
from follisim.datasets import rows

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = ROOT / "configs" / "default.toml"
EXPERIMENTS = ROOT / "experiments"
TANG_EXPERIMENT = EXPERIMENTS / "rat_ctx_hucmsc_iv" / "experiment.toml"


def reported_ova() -> tuple[float, float, int]:
    """Ova per cycle reported in rats: mean, SD, n (``rat_cycle.csv``)."""
    row = next(r for r in rows("rat_cycle") if r["fact_id"] == "ova_per_cycle_austin")
    return float(row["value"]), float(row["spread"]), int(row["n"])


def healthy(replicates: int, seed: int) -> dict:
    from follisim.agents import run_agents

    ds = run_agents(DEFAULT, replicates=replicates, seed=seed)
    out = cycle_statistics(ds)
    late = ds.sel(time=slice(14.0, None))
    out["fraction_regular_day_120"] = float(fractions_at(ds, 120.0)["regular"])
    out["fraction_persistent_diestrus_any_time_after_day_14"] = float(
        late.persistent_diestrus.any("time").mean())
    out["mean_fraction_regular_days_14_120"] = float(late.regular_cycles.mean())
    mean, sd, n = reported_ova()
    out["reported_ova_mean"], out["reported_ova_sd"], out["reported_ova_n"] = mean, sd, n
    from follisim import simulate

    ode = simulate(DEFAULT)
    lengths = ode.cycle_length.values[np.isfinite(ode.cycle_length.values)]
    out["ode_cycles"] = int(lengths.size)
    out["ode_period_min"], out["ode_period_max"] = float(lengths.min()), float(lengths.max())
    out["ode_ova_mean"] = float(np.nanmean(ode.ova.values[1:]))
    return out


def experiment(path: Path, replicates: int, seed: int) -> dict:
    """Per arm and measurement day: replicate fractions (agents) and the ODE's verdict."""
    from follisim.experiment import run_experiment
    from follisim.io.experiment import load_experiment

    exp = load_experiment(path)
    agents = run_experiment(exp, engine="agent", replicates=replicates, seed=seed)
    ode = run_experiment(exp)
    out: dict = {"source": str(path.relative_to(ROOT)), "replicates": replicates,
                 "n_failed": int(agents.attrs["n_failed"]), "days": {}}
    for day in exp.measure_days:
        f = fractions_at(agents, day)
        at = ode.sel(time=day, method="nearest")
        arms = {}
        for k, arm in enumerate(str(a) for a in agents.arm.values):
            arms[arm] = {"regular": float(f["regular"][k]),
                         "cycling": float(f["cycling"][k]),
                         "persistent_diestrus": float(f["persistent_diestrus"][k]),
                         "persistent_estrus": float(f["persistent_estrus"][k]),
                         "ode_regular": bool(at.regular_cycles.sel(arm=arm)),
                         "ode_persistent_diestrus": bool(at.persistent_diestrus.sel(arm=arm)),
                         "ode_persistent_estrus": bool(at.persistent_estrus.sel(arm=arm))}
        if "poi" in arms:
            for arm, cell in arms.items():
                if arm not in ("poi", "control"):
                    for key in ("regular", "cycling"):
                        cell[f"risk_ratio_{key}_vs_poi"] = _ratio(cell[key], arms["poi"][key])
        out["days"][f"{day:g}"] = arms
    if path == TANG_EXPERIMENT:
        poi = agents.sel(arm="poi")
        out["tang_ctx_persistent_diestrus"] = {
            f"{d:g}": float(fractions_at(poi, d)["persistent_diestrus"]) for d in (14, 35, 60)}
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else (math.inf if a > 0 else math.nan)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _rr(x: float | None) -> str:
    if x is None:
        return ""
    return "–" if math.isnan(x) else "∞ (0 in poi)" if math.isinf(x) else f"{x:.2f}"


def render(report: dict) -> str:
    """The report as Markdown tables."""
    h = report["healthy"]
    lines = [
        f"# Agent engine, issue 15 item 4 ({report['replicates']} replicates per run, seed "
        f"{report['seed']})", "",
        "## Healthy default (configs/default.toml, 120 days)", "",
        "| quantity | agents | reported / ODE |", "|---|---|---|",
        f"| cycles (all replicates) | {h['cycles']} | |",
        f"| cycle length mean ± SD [d] | {h['cycle_length_mean']:.2f} ± "
        f"{h['cycle_length_sd']:.2f} (5-95 %: {h['cycle_length_p05']:.2f}-"
        f"{h['cycle_length_p95']:.2f}) | 4-5 (ODE {h['ode_period_min']:.2f}-"
        f"{h['ode_period_max']:.2f}) |",
        f"| replicate mean period [d] | {h['replicate_mean_period_min']:.2f}-"
        f"{h['replicate_mean_period_max']:.2f}; {_pct(h['fraction_replicates_mean_period_4_to_5'])}"
        f" of replicates in 4-5 | |",
        f"| cycles within 3.5-5.5 d | {_pct(h['fraction_cycles_within_regular_bounds'])} | |",
        f"| replicates with every cycle in 3.5-5.5 d | "
        f"{_pct(h['fraction_replicates_all_cycles_regular'])} | |",
        f"| fewest cycles in a replicate | {h['cycles_per_replicate_min']} | ODE "
        f"{h['ode_cycles']} |",
        f"| ova per cycle mean ± SD | {h['ova_mean']:.2f} ± {h['ova_sd']:.2f} "
        f"({h['ova_episodes']} episodes) | {h['reported_ova_mean']} ± {h['reported_ova_sd']} SD "
        f"(n = {h['reported_ova_n']}); ODE {h['ode_ova_mean']:.2f} |",
        f"| regular cycles at day 120 (smear criterion) | {_pct(h['fraction_regular_day_120'])} "
        f"| ODE: regular |",
        f"| regular, mean over days 14-120 | {_pct(h['mean_fraction_regular_days_14_120'])} | |",
        f"| ever in persistent diestrus after day 14 | "
        f"{_pct(h['fraction_persistent_diestrus_any_time_after_day_14'])} | |", ""]
    for exp in report["experiments"]:
        lines += [f"## {exp['source']} ({exp['n_failed']} failed replicates)", ""]
        if "tang_ctx_persistent_diestrus" in exp:
            t = exp["tang_ctx_persistent_diestrus"]
            lines += ["Tang CTX (arm `poi`), replicates in persistent diestrus: "
                      + ", ".join(f"day {d}: {_pct(v)}" for d, v in t.items())
                      + " (Tang 2018: 43/50 acyclic within 2 weeks; 0/21 recovered)", ""]
        lines += ["Replicates with regular cycles / cycling (an ovulation in the last 10 days) / "
                  "in persistent diestrus / in persistent estrus; RR: risk ratio against the "
                  "untreated POI arm.", "",
                  "| day | arm | regular | cycling | persistent diestrus | persistent estrus | "
                  "ODE | RR regular vs poi | RR cycling vs poi |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for day, arms in exp["days"].items():
            for arm, c in arms.items():
                ode = ("regular" if c["ode_regular"] else
                       "persistent diestrus" if c["ode_persistent_diestrus"] else
                       "persistent estrus" if c["ode_persistent_estrus"] else "irregular")
                rr = [c.get(f"risk_ratio_{k}_vs_poi") for k in ("regular", "cycling")]
                n = exp["replicates"]
                lines.append(f"| {day} | {arm} | {round(c['regular'] * n)}/{n} | "
                             f"{round(c['cycling'] * n)}/{n} | "
                             f"{round(c['persistent_diestrus'] * n)}/{n} | "
                             f"{round(c['persistent_estrus'] * n)}/{n} | {ode} | "
                             + " | ".join(_rr(r) for r in rr) + " |")
        lines.append("")
    return "\n".join(lines)


CONVERGENCE_VARIABLES = ("primordial", "antral", "preovulatory", "ovulated", "e2", "fsh",
                         "surge")


def convergence(steps=(0.04, 0.02, 0.01, 0.005)) -> str:
    """The splitting's deterministic variant (``mode="mean_field"``) against the adaptive ODE
    on the default run: largest difference over 120 days relative to the variable's range, and
    the relative error of the mean cycle length, per step [day]. Markdown table."""
    from follisim import simulate
    from follisim.agents import run_agents

    ode = simulate(DEFAULT)
    period = np.nanmean(ode.cycle_length.values)
    lines = ["| step [day] | " + " | ".join(CONVERGENCE_VARIABLES) + " | mean period |",
             "|---" * (len(CONVERGENCE_VARIABLES) + 2) + "|"]
    for step in steps:
        mf = run_agents(DEFAULT, replicates=1, mode="mean_field", step=step)
        cells = [float(np.max(np.abs(mf[v].values[0] - ode[v].values))
                       / np.ptp(ode[v].values)) for v in CONVERGENCE_VARIABLES]
        cells.append(abs(float(np.nanmean(mf.cycle_length.values)) / period - 1.0))
        lines.append(f"| {step:g} | " + " | ".join(f"{c:.1e}" for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--convergence", action="store_true",
                        help="print only the splitting-convergence table (docs/agents.md)")
    args = parser.parse_args(argv)
    if args.convergence:
        print(convergence())
        return 0
    report = {"replicates": args.replicates, "seed": args.seed,
              "healthy": healthy(args.replicates, args.seed),
              "experiments": [experiment(p, args.replicates, args.seed)
                              for p in sorted(EXPERIMENTS.glob("*/experiment.toml"))]}
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
