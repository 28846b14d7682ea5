"""Compare simulated treatment effects with reported rat outcomes (``follisim compare``).

``compare(experiment, data)`` runs a virtual cohort of every arm (``cohort``), turns each
animal into what a study would measure (``observe``), scores every reported row
(``engine``, arithmetic in ``scores``) and returns a :class:`Comparison`, whose ``write``
makes ``report.csv``, ``report.png`` (forest plot) and ``cohort.nc``. Rules and a worked
example: ``docs/compare.md``; the endpoint vocabulary: ``vocabulary``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from follisim.compare.cohort import Cohort, simulate_cohort
from follisim.compare.engine import Row, induction_fits, score
from follisim.compare.report import csv_text, forest_plot, summary
from follisim.compare.settings import VARIABILITY, Settings, settings
from follisim.datasets import DATA
from follisim.datasets.schema import Outcomes, check_outcomes
from follisim.experiment import _as_experiment
from follisim.interventions import AGENTS
from follisim.io.experiment import Experiment


@dataclass(frozen=True)
class Comparison:
    """A scored comparison: the cohort, the data it was scored against, the report rows."""

    cohort: Cohort
    data: tuple[Outcomes, ...]
    rows: tuple[Row, ...]

    @property
    def n_input(self) -> int:
        return sum(len(d.rows) for d in self.data)

    def summary(self) -> str:
        return summary(self.rows, self.n_input)

    def csv(self) -> str:
        return csv_text(self.rows)

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``report.csv``, ``report.png`` and ``cohort.nc`` into ``folder``."""
        from follisim.io.netcdf import write_atomic

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        table = folder / "report.csv"
        tmp = table.with_name(f".{table.name}.tmp")
        tmp.write_text(self.csv(), encoding="utf-8")
        tmp.replace(table)
        figure = folder / "report.png"
        forest_plot(self.rows, figure, title=Path(self.cohort.experiment.source).parent.name)
        cohort = write_atomic(self.cohort.to_dataset(), folder / "cohort.nc")
        return [table, figure, cohort]


def shipped_data_for(exp: Experiment, setup: Settings) -> tuple[Path, ...]:
    """The shipped outcome files that fit the experiment's agents: arm-level rows when the POI
    arm's injury agents appear in the file's inductions, pooled MSC effects when the treated
    arm gives MSCs."""
    files = []
    rat = DATA / "rat_outcomes.csv"
    injury = _injury_agents_of(exp, setup.poi_arm)
    if injury and any(induction_fits(r.get("induction", ""), injury)
                      for r in check_outcomes(rat).rows):
        files.append(Path(str(rat)))
    if setup.treated_arm is not None and any(
            AGENTS[d.agent].kind == "msc" for d in exp.arm(setup.treated_arm).doses):
        files.append(Path(str(DATA / "meta_analysis.csv")))
    return tuple(files)


def _injury_agents_of(exp: Experiment, arm: str) -> set[str]:
    return {d.agent for d in exp.arm(arm).doses if AGENTS[d.agent].kind == "injury"}


def compare(experiment: Experiment | Mapping[str, Any] | str | Path,
            data: Sequence[str | Path | Outcomes] | None = None, *, animals: int | None = None,
            seed: int | None = None) -> Comparison:
    """Score reported outcomes against a virtual cohort of ``experiment``.

    Parameters
    ----------
    experiment : an experiment file, parsed document or ``Experiment``
    data : outcome CSV files (either schema of ``follisim.datasets.schema``) or checked
        tables; by default the shipped files that fit the experiment (``shipped_data_for``)
    animals, seed : override the experiment's ``[compare]`` table (default 200 and 0)
    """
    exp = _as_experiment(experiment)
    setup = settings(exp, animals, seed)
    paths = shipped_data_for(exp, setup) if data is None else data
    tables = tuple(d if isinstance(d, Outcomes) else check_outcomes(d) for d in paths)
    cohort = simulate_cohort(exp, setup)
    return Comparison(cohort, tables, tuple(score(tables, cohort)))


__all__ = ["VARIABILITY", "Comparison", "Settings", "compare", "settings", "shipped_data_for",
           "simulate_cohort"]
