"""Virtual cohorts: many animals per arm, each with its own parameters, doses and sacrifice time.

Every animal of an arm is the arm's model and dosing with log-normal random effects (median 1,
CVs from ``settings.VARIABILITY``): on the primordial pool, on the activation rate, on the
effective dose of the arm's injury agents (all their doses and mechanisms scaled together) and
on the effective dose of its treatments. Each animal is sacrificed at a uniformly random time in
the experiment's measurement window before each measurement day (``measure_window``; at the day
itself when the window is 0), so its estrous-cycle stage varies as in a real study. Daily smears
are read at ``follisim.cycles.SMEAR_TIME`` each day.

Draws come from ``numpy.random.Generator`` streams keyed by (seed, arm position, purpose), so a
cohort depends only on the seed and the experiment, never on thread count or batch order; all
animals of an arm run in one parallel batch (``experiment.arm_batch`` and
``simulate.solve_protocols``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from follisim.compare.settings import Settings
from follisim.cycles import DEFAULT as CYCLE_CRITERIA
from follisim.cycles import smear_days, smear_estrus, smear_summary
from follisim.experiment import arm_batch
from follisim.interventions import AGENTS
from follisim.io.experiment import Experiment
from follisim.models import RAT
from follisim.simulate import solve_protocols
from follisim.solution import Status

#: Random effects: name -> what it scales. Model-parameter effects scale that parameter.
EFFECTS = {"primordial_initial": "cv_primordial_initial", "k_activation": "cv_k_activation",
           "injury_potency": "cv_injury_potency", "treatment_dose": "cv_treatment_dose"}
STREAM_EFFECTS, STREAM_SACRIFICE, STREAM_OBSERVATION = 0, 1, 2


def lognormal_sigma(cv: float) -> float:
    """sigma of ln X for a log-normal X with coefficient of variation ``cv``."""
    return math.sqrt(math.log1p(cv * cv))


@dataclass(frozen=True)
class ArmCohort:
    """One arm's animals.

    Attributes (``A`` animals, ``D`` measurement days)
    ----------
    name : str
    index : int                      the arm's position in the experiment (keys its streams)
    effects : dict[str, float64[A]]  random-effect multipliers (``EFFECTS``)
    status : int64[A]                run status (``follisim.Status``)
    sacrifice : float64[A, D]        sacrifice times [day]
    values : dict[str, float64[A, D]] every state and observable at the sacrifice time
    regular : bool[A, D]             regular cycles in the smears of the window before sacrifice
    cycle_length : float64[A, D]     mean smear cycle length [day] (NaN: no complete cycle)
    cycles : int64[A, D]             complete smear cycles in the window
    diestrus : bool[A, D]            persistent diestrus: no ovulation (estrus smear) for
                                     ``CycleCriteria.diestrus_days`` before sacrifice and
                                     diestrus-like smears (low E2 or luteal progesterone)
    estrus : bool[A, D]              persistent estrus: acyclic with E2 high and progesterone
                                     low over those days (``follisim.cycles``)
    """

    name: str
    index: int
    effects: dict[str, np.ndarray]
    status: np.ndarray
    sacrifice: np.ndarray
    values: dict[str, np.ndarray]
    regular: np.ndarray
    cycle_length: np.ndarray
    cycles: np.ndarray
    diestrus: np.ndarray
    estrus: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return self.status == Status.SUCCESS


@dataclass(frozen=True)
class Cohort:
    experiment: Experiment
    settings: Settings
    arms: dict[str, ArmCohort]

    @property
    def days(self) -> tuple[float, ...]:
        return self.experiment.measure_days

    def day_index(self, day: float) -> int:
        return self.days.index(day)

    def to_dataset(self) -> xr.Dataset:
        """The cohort with dims ``(arm, animal, day)`` (NetCDF-ready)."""
        names = list(self.arms)
        first = self.arms[names[0]]
        data = {}
        for var in first.values:
            unit = _unit(var)
            data[var] = (("arm", "animal", "day"),
                         np.stack([self.arms[a].values[var] for a in names]),
                         {"units": unit, "long_name": f"{var} at sacrifice"})
        for name, unit, long_name in (("sacrifice_time", "day", "sacrifice time"),
                                      ("cycle_length", "day", "mean smear cycle length"),
                                      ("regular_cycles", "1", "regular cycles in the smears"),
                                      ("smear_cycles", "1", "complete smear cycles"),
                                      ("persistent_diestrus", "1", "acyclic, diestrus smears"),
                                      ("persistent_estrus", "1", "acyclic, estrus smears")):
            attr = {"sacrifice_time": "sacrifice", "regular_cycles": "regular",
                    "smear_cycles": "cycles", "persistent_diestrus": "diestrus",
                    "persistent_estrus": "estrus"}.get(name, name)
            values = np.stack([getattr(self.arms[a], attr) for a in names])
            if values.dtype == bool:
                values = values.astype(np.int8)
            data[name] = (("arm", "animal", "day"), values,
                          {"units": unit, "long_name": long_name})
        for effect in EFFECTS:
            data[f"effect_{effect}"] = (("arm", "animal"),
                                        np.stack([self.arms[a].effects[effect] for a in names]),
                                        {"units": "1", "long_name": f"random effect: {effect}"})
        data["status"] = (("arm", "animal"), np.stack([self.arms[a].status for a in names])
                          .astype(np.int8), {"long_name": "run status"})
        s = self.settings
        attrs = {"experiment": self.experiment.source, "config_sha256": self.experiment.sha256,
                 "animals": s.animals, "seed": s.seed, "smear_window": s.smear_window,
                 "measure_window": self.experiment.measure_window,
                 **{f"variability_{k}": v for k, v in s.variability.items()}}
        return xr.Dataset(data, coords={"arm": names, "animal": np.arange(s.animals),
                                        "day": ("day", np.array(self.days),
                                                {"units": "day"})}, attrs=attrs)


def _unit(var: str) -> str:
    for v in (*RAT.states, *RAT.observables):
        if v.name == var:
            return v.unit
    return "1"


def _agent_groups(arm) -> tuple[list[str], list[str]]:
    agents = sorted({d.agent for d in arm.doses})
    injury = [a for a in agents if AGENTS[a].kind == "injury"]
    return injury, [a for a in agents if AGENTS[a].kind not in ("injury", "surgery")]


def _random_table(exp: Experiment, index: int, settings: Settings
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per-animal columns for ``arm_batch`` and the multipliers drawn."""
    arm = exp.arms[index]
    n = settings.animals
    rng = np.random.default_rng([settings.seed, index, STREAM_EFFECTS])
    z = rng.standard_normal((len(EFFECTS), n))
    factors = {name: np.exp(lognormal_sigma(settings.variability[cv]) * z[k])
               for k, (name, cv) in enumerate(EFFECTS.items())}
    space = RAT.parameters
    table: dict[str, np.ndarray] = {}
    for name in ("primordial_initial", "k_activation"):
        base = arm.config.parameters.get(name, space[name].default)
        lo, hi = space[name].bounds
        table[name] = np.clip(base * factors[name], lo, hi)
    injury, treatments = _agent_groups(arm)
    for agent in injury:
        table[f"{agent}.dose_scale"] = factors["injury_potency"]
    for agent in treatments:
        table[f"{agent}.dose_scale"] = factors["treatment_dose"]
    return table, factors


def _sacrifice_times(exp: Experiment, index: int, settings: Settings) -> np.ndarray:
    rng = np.random.default_rng([settings.seed, index, STREAM_SACRIFICE])
    u = rng.random((settings.animals, len(exp.measure_days)))
    return np.array(exp.measure_days)[None, :] - exp.measure_window * u


def simulate_arm(exp: Experiment, index: int, settings: Settings) -> ArmCohort:
    """Run one arm's virtual animals (see the module docstring)."""
    arm = exp.arms[index]
    table, factors = _random_table(exp, index, settings)
    sacrifice = _sacrifice_times(exp, index, settings)
    readings = smear_days(exp.days)
    save_t = np.unique(np.concatenate([readings, sacrifice.ravel()]))
    batch = arm_batch(exp, arm.name, table, source=f"{exp.source}: cohort of {arm.name}")
    out_y, _, out_obs, codes, _ = solve_protocols(arm.config, batch.P, batch.protocols, save_t)
    for s in batch.problems:
        codes[s] = Status.NOT_RUN
    at = np.searchsorted(save_t, sacrifice)
    rows = np.arange(settings.animals)[:, None]
    values = {}
    for k, var in enumerate(RAT.state_names):
        values[var] = out_y[rows, at, k]
    for k, var in enumerate(RAT.observable_names):
        values[var] = out_obs[rows, at, k]
    at_readings = np.searchsorted(save_t, readings)
    ovulated = out_y[:, at_readings, RAT.state_names.index("ovulated")]
    estrus = smear_estrus(ovulated)
    e2 = out_y[:, at_readings, RAT.state_names.index("e2")]
    p4 = out_y[:, at_readings, RAT.state_names.index("progesterone")]
    shape = sacrifice.shape
    regular = np.zeros(shape, bool)
    length = np.full(shape, np.nan)
    cycles = np.zeros(shape, np.int64)
    since = np.zeros(shape)
    high_e2 = np.zeros(shape, bool)
    c = CYCLE_CRITERIA
    for i in range(settings.animals):
        for j in range(shape[1]):
            regular[i, j], length[i, j], cycles[i, j], since[i, j] = smear_summary(
                readings, estrus[i], sacrifice[i, j], settings.smear_window)
            last = (readings > sacrifice[i, j] - c.diestrus_days) & (readings <= sacrifice[i, j])
            if last.any():
                high_e2[i, j] = (e2[i, last].mean() >= c.estrus_e2
                                 and p4[i, last].mean() < c.estrus_p4)
    acyclic = since >= c.diestrus_days
    return ArmCohort(arm.name, index, factors, codes, sacrifice, values, regular, length, cycles,
                     acyclic & ~high_e2, acyclic & high_e2)


def simulate_cohort(exp: Experiment, settings: Settings, arms: tuple[str, ...] | None = None
                    ) -> Cohort:
    """Virtual animals for ``arms`` (default: every arm) of ``exp``."""
    names = arms or tuple(a.name for a in exp.arms)
    index = {a.name: k for k, a in enumerate(exp.arms)}
    return Cohort(exp, settings, {name: simulate_arm(exp, index[name], settings)
                                  for name in names})
