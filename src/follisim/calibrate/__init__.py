"""Fitting model and intervention parameters to reported outcomes (``follisim calibrate``).

``calibrate(CALIB.toml)`` reads a calibration file (``spec``), builds the objective from
``follisim compare``'s own scoring of the training rows (``objective``), fits it
(``fit``: multistart ``least_squares`` or ``differential_evolution``, seeded), profiles every
parameter (``uncertainty``) and returns a :class:`Calibration` whose ``write`` makes
``parameters.toml`` (usable by ``follisim run ... --params``), ``fit_report.csv`` (every
training and held-out row at the estimate), ``identifiability.csv`` and ``fit.png``.

``evaluate(CALIB.toml)`` scores the same rows at the current parameter values without fitting
(``follisim calibrate --evaluate``; the tables of ``docs/validation.md``, ``table``).
``healthy`` is the special-purpose healthy normalisation (``python -m
follisim.calibrate.healthy``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from follisim.calibrate.fit import FitResult, fit
from follisim.calibrate.objective import Objective, train_residuals
from follisim.calibrate.spec import CalibrationSpec, load
from follisim.calibrate.uncertainty import Profile, profile
from follisim.compare.engine import COLUMNS, Row


@dataclass(frozen=True)
class Calibration:
    spec: CalibrationSpec
    values: dict[str, float]
    result: FitResult
    rows: tuple[tuple[Row, str], ...]            # (scored row, role) at the estimate
    profiles: tuple[Profile, ...]

    def summary(self) -> str:
        train = [r for r, role in self.rows if role == "train" and r.status == "ok"]
        held = [r for r, role in self.rows if role == "held_out" and r.status == "ok"]

        def rate(rows: list[Row]) -> str:
            inside = [r for r in rows if r.inside_interval is not None]
            signs = [r for r in rows if r.sign_agrees is not None]
            chi2 = sum(r.z * r.z for r in rows if math.isfinite(r.z))
            n_in = sum(r.inside_interval for r in inside)
            n_sign = sum(r.sign_agrees for r in signs)
            return (f"{len(rows)} rows, chi2 {chi2:.1f}, inside interval {n_in}/{len(inside)}, "
                    f"direction {n_sign}/{len(signs)}")

        lines = [f"{self.spec.source}: {len(self.spec.free)} parameters, "
                 f"{self.result.evaluations} evaluations, chi2 {self.result.chi2:.2f}",
                 f"  train:    {rate(train)}", f"  held out: {rate(held)}"]
        by_name = {p.name: p for p in self.profiles}
        for f in self.spec.free:
            p = by_name.get(f.name)
            ci = f" [{p.low:.3g}, {p.high:.3g}] ({p.verdict})" if p else ""
            lines.append(f"  {f.name} = {self.values[f.name]:.4g}{ci}")
        return "\n".join(lines)

    def parameters_toml(self) -> str:
        by_name = {p.name: p for p in self.profiles}
        lines = [f"# fitted by follisim calibrate {self.spec.source}", f"# chi2 "
                 f"{self.result.chi2:.3f} over the training rows; profile 95 % intervals in "
                 "comments", "[parameters]"]
        for f in self.spec.free:
            p = by_name.get(f.name)
            ci = f"  # [{p.low:.4g}, {p.high:.4g}] {f.parameter.unit}" if p else \
                f"  # {f.parameter.unit}"
            lines.append(f"{f.name} = {self.values[f.name]!r}{ci}")
        return "\n".join(lines) + "\n"

    def report_csv(self) -> str:
        from follisim.compare.report import _cell

        lines = [",".join(("role", *COLUMNS))]
        for row, role in self.rows:
            cells = [role or ""] + [_cell(getattr(row, c)) for c in COLUMNS]
            lines.append(",".join(f'"{c}"' if "," in c or '"' in c else c for c in cells))
        return "\n".join(lines) + "\n"

    def identifiability_csv(self) -> str:
        lines = ["parameter,estimate,low,high,verdict,unit,lower_bound,upper_bound"]
        by_name = {p.name: p for p in self.profiles}
        for f in self.spec.free:
            p = by_name.get(f.name)
            low, high, verdict = (p.low, p.high, p.verdict) if p else (math.nan, math.nan,
                                                                        "not profiled")
            lines.append(f"{f.name},{self.values[f.name]:.6g},{low:.6g},{high:.6g},{verdict},"
                         f"\"{f.parameter.unit}\",{f.lower:.6g},{f.upper:.6g}")
        return "\n".join(lines) + "\n"

    def figure(self, path: str | Path) -> None:
        from follisim.compare.report import forest_plot

        labelled = [dataclasses.replace(r, endpoint=f"[{role.replace('_', ' ')}] {r.endpoint}")
                    for r, role in self.rows if role]
        forest_plot(labelled, path, title=Path(self.spec.source).name)


def calibrate(source: str | Path | CalibrationSpec) -> Calibration:
    """Fit the parameters of a calibration file; see the module docstring."""
    spec = source if isinstance(source, CalibrationSpec) else load(source)
    objective = Objective(spec)
    result = fit(objective)
    values = objective.values(result.x)
    profiles: list[Profile] = []
    if spec.uncertainty == "profile":
        profiles = profile(objective, result.x, result.chi2, spec.points, spec.max_evaluations)
    rows = tuple((r, role) for r, role in objective.rows(values) if role is not None)
    return Calibration(spec, values, dataclasses.replace(
        result, evaluations=objective.evaluations), rows, tuple(profiles))


def evaluate(source: str | Path | CalibrationSpec) -> Calibration:
    """Score the training and held-out rows of a calibration file at the current values of
    its free parameters (the experiment's own override, else the registry default); nothing
    is fitted or profiled."""
    spec = source if isinstance(source, CalibrationSpec) else load(source)
    objective = Objective(spec)
    own = objective.document.get("parameters", {})
    x0 = np.array([f.to_x(float(own.get(f.name, f.parameter.default))) for f in spec.free])
    values = objective.values(x0)
    scored = objective.rows(values)
    z = train_residuals(scored)
    rows = tuple((r, role) for r, role in scored if role is not None)
    result = FitResult(x0, float(z @ z), (), objective.evaluations)
    return Calibration(spec, values, result, rows, ())


__all__ = ["Calibration", "CalibrationSpec", "calibrate", "evaluate", "load"]
