"""Follicle size and FSH sensitivity: marks that each agent carries and that never feed back.

A follicle's diameter grows within a stage in proportion to that stage's *size clock*, the
cumulative hazard of its progression (``rat.hazards``), so a follicle that spends the mean
progression time 1/h in a stage grows from the stage's entry size to the next stage's:

    log D(t) = log D_entry + log(D_next / D_stage) * s * (Lambda(t) - Lambda(t_entry)),
    D(t) <= D_next,

with ``s`` the follicle's FSH sensitivity in the FSH-driven antral stage (the antral clock is
the FSH-dependent progression hazard) and 1 before it. Sensitivity is lognormal with mean 1,
drawn at activation. Neither mark enters any hazard, so the stage dynamics, and with them the
replicate mean, are exactly those of the ODE (``docs/agents.md``); size and sensitivity only
describe the follicles (size distributions at save times).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from follisim.spec import ModelSpec, Parameter, ParameterSpace

PHYS = "src/follisim/datasets/data/rat_physiology.csv"


def _p(name, default, unit, bounds, description, reference):
    return Parameter(name, default, unit, bounds, description, "log", "assumed", reference)


SIZE_PARAMETERS = ParameterSpace((
    _p("size_activation", 50.0, "um", (20.0, 100.0),
       "Follicle diameter at activation (entry to the primary stage)",
       "resting (primordial + small primary) follicles are < 50 um (Lu 1998, "
       "poi_timecourse.csv); the upper edge is taken as the size at activation"),
    _p("size_secondary", 110.0, "um", (60.0, 250.0),
       "Follicle diameter at entry to the secondary (multilayer preantral) stage",
       f"the rat follicle switches growth phase at 78-153 um (Mandl & Zuckerman, {PHYS} "
       "growth_phase_switch_size_MZ); geometric middle of that range"),
    _p("size_antral", 275.0, "um", (150.0, 450.0),
       "Follicle diameter at entry to the antral stage",
       f"antral follicles >= 275 um are the population that enters atresia waves (Osman, "
       f"{PHYS} atresia_wave1_osman)"),
    _p("size_preovulatory", 550.0, "um", (350.0, 900.0),
       "Follicle diameter at entry to the preovulatory stage",
       f"preovulatory follicles > 550 um at pro-oestrus ({PHYS} size_class_preovulatory)"),
    Parameter("fsh_sensitivity_cv", 0.3, "1", (0.0, 2.0),
              "Coefficient of variation of follicle FSH sensitivity (lognormal, mean 1)",
              "lin", "assumed", "no rat data; scales FSH-driven antral growth only"),
))

#: Per stage: entry-size parameter, the hazard whose cumulative value drives growth (None: the
#: size is kept), the size parameter at which growth stops, and whether sensitivity applies.
SIZE_RULES: dict[str, tuple[str, str | None, str | None, bool]] = {
    "primordial": ("size_activation", None, None, False),
    "primary": ("size_activation", "primary_progression", "size_secondary", False),
    "secondary": ("size_secondary", "secondary_progression", "size_antral", False),
    "antral": ("size_antral", "antral_progression", "size_preovulatory", True),
    "preovulatory": ("size_preovulatory", None, None, False),
    "corpora_lutea": ("size_preovulatory", None, None, False),
    "atretic": ("size_activation", None, None, False),
}

#: Size bins of the saved distributions: log-spaced edges [um].
SIZE_EDGES = np.geomspace(25.0, 800.0, 26)


@dataclass(frozen=True)
class SizeTables:
    """Per-state arrays for ``follisim.core.agents`` (see ``run_replicate``)."""

    clock: np.ndarray
    log_ratio: np.ndarray
    cap: np.ndarray
    fsh: np.ndarray
    initial: np.ndarray
    sens_sigma: float
    values: dict[str, float]


def size_tables(model: ModelSpec, overrides: Mapping[str, float] | None = None) -> SizeTables:
    """Resolve ``SIZE_RULES`` and the size parameters (with ``overrides``) for ``model``."""
    values = SIZE_PARAMETERS.unpack(SIZE_PARAMETERS.pack(overrides))
    states = model.state_names
    hazards = tuple(model.kernel.HAZARD_NAMES)
    n = len(states)
    clock = np.full(n, -1, np.int64)
    log_ratio = np.zeros(n)
    cap = np.full(n, np.inf)
    fsh = np.zeros(n, np.int8)
    initial = np.full(n, values["size_activation"])
    for stage, (entry, hazard, upper, sensitive) in SIZE_RULES.items():
        i = states.index(stage)
        initial[i] = values[entry]
        if hazard is not None:
            clock[i] = hazards.index(hazard)
            log_ratio[i] = np.log(values[upper] / values[entry])
            cap[i] = values[upper]
            fsh[i] = int(sensitive)
    cv = values["fsh_sensitivity_cv"]
    return SizeTables(clock=clock, log_ratio=log_ratio, cap=cap, fsh=fsh, initial=initial,
                      sens_sigma=float(np.sqrt(np.log1p(cv * cv))), values=values)
