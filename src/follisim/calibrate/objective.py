"""The calibration objective: ``follisim compare``'s own scores of the training rows.

For a parameter vector, the experiment is re-read with the values as shared parameter
overrides, a virtual cohort is run (fixed seed, so the objective is deterministic: common
random numbers across evaluations) and every outcome row is scored exactly as
``follisim compare`` scores it. The residuals are the training rows' z-scores (docs/compare.md:
log-ratio z for arm rows, CV z for control spreads, (g - g_reported)/SE for SMDs, ...); a
training row the cohort cannot score counts as ``PENALTY``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from follisim.calibrate.spec import CalibrationSpec
from follisim.compare.cohort import simulate_cohort
from follisim.compare.engine import SPREAD, Row, score
from follisim.compare.scores import Z95
from follisim.compare.settings import settings
from follisim.datasets.schema import Outcomes, check_outcomes
from follisim.io.experiment import parse_experiment
from follisim.io.validate import read_toml

PENALTY = 10.0


@dataclass
class Objective:
    """Residuals of the training rows as a function of the free parameters (on their scale)."""

    spec: CalibrationSpec
    tables: tuple[Outcomes, ...] = ()
    evaluations: int = 0
    document: dict = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        self.document, self.source = read_toml(self.spec.experiment)
        files = sorted({s.file for s in self.spec.data}, key=str)
        self.tables = tuple(check_outcomes(f) for f in files)

    def values(self, x: np.ndarray) -> dict[str, float]:
        out = {}
        for f, xi in zip(self.spec.free, x, strict=True):
            lo, hi = f.parameter.bounds
            out[f.name] = float(min(max(f.from_x(float(xi)), lo), hi))
        return out

    def x0(self) -> np.ndarray:
        return np.array([f.to_x(f.parameter.default) for f in self.spec.free])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([f.to_x(f.lower) for f in self.spec.free]),
                np.array([f.to_x(f.upper) for f in self.spec.free]))

    def experiment(self, values: dict[str, float]):
        """The experiment with ``values``: model and intervention parameters as shared
        overrides, cohort-variability parameters in its ``[compare.variability]``."""
        from follisim.compare.settings import VARIABILITY

        doc = dict(self.document)
        model = {k: v for k, v in values.items() if k not in VARIABILITY.index}
        spread = {k: v for k, v in values.items() if k in VARIABILITY.index}
        doc["parameters"] = {**doc.get("parameters", {}), **model}
        compare = dict(doc.get("compare", {}))
        compare["variability"] = {**compare.get("variability", {}), **spread}
        doc["compare"] = {**compare, "animals": self.spec.animals, "seed": self.spec.seed}
        return parse_experiment(doc, self.source)

    def rows(self, values: dict[str, float]) -> list[tuple[Row, str | None]]:
        """Every scored row with its role (``None``: selected by no [[data]] entry); a row
        selected for its spread is reported with ``z`` set to its ``cv_z``."""
        exp = self.experiment(values)
        cohort = simulate_cohort(exp, settings(exp))
        self.evaluations += 1
        out = []
        for table in self.tables:
            inputs = {f"{table.source}:row {k}": r for k, r in enumerate(table.rows, start=1)}
            for row in score([table], cohort):
                chosen = [s for s in self.spec.data if str(s.file) == table.source
                          and s.selects(inputs[row.source], row.kind)]
                roles = {s.role for s in chosen}
                if len(roles) > 1:
                    raise ValueError(f"{row.source} is selected as both train and held_out")
                if any(s.use == "spread" for s in chosen):
                    row = as_spread(row)
                out.append((row, roles.pop() if roles else None))
        return out

    def residuals(self, x: np.ndarray) -> np.ndarray:
        return train_residuals(self.rows(self.values(x)))

    def chi2(self, x: np.ndarray) -> float:
        r = self.residuals(x)
        return float(r @ r)



def train_residuals(rows: list[tuple[Row, str | None]]) -> np.ndarray:
    """One residual per training row: its ``z``, or ``PENALTY`` when it cannot be scored."""
    z = [r.z if r.status == "ok" and math.isfinite(r.z) else PENALTY
         for r, role in rows if role == "train"]
    return np.asarray(z, dtype=float)

def as_spread(row: Row) -> Row:
    """The row's between-animal spread as its own comparison: CVs with the chi-square interval
    of a CV from ``n`` animals (``exp(+-1.96 / sqrt(2 (n - 1)))``), z = ``cv_z``."""
    if row.kind == SPREAD or not math.isfinite(row.cv_z):
        return dataclasses.replace(row, kind=SPREAD) if math.isfinite(row.cv_z) else \
            dataclasses.replace(row, kind=SPREAD, z=math.nan)
    half = Z95 / math.sqrt(2.0 * (row.n - 1))
    return dataclasses.replace(
        row, kind=SPREAD, z=row.cv_z, reported=row.reported_cv,
        reported_low=row.reported_cv * math.exp(-half),
        reported_high=row.reported_cv * math.exp(half), simulated=row.simulated_cv,
        simulated_low=row.simulated_cv * math.exp(-half),
        simulated_high=row.simulated_cv * math.exp(half), sign_agrees=None,
        inside_interval=bool(abs(row.cv_z) <= Z95))
