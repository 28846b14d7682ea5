"""Agents: allowed units and routes, and how a dose becomes a closed-form PK chain.

Every agent's doses in an arm share one linear chain (doses superpose exactly); its effects map
the chain's amounts onto the model's input channels:

* injury agents: plasma (active species) -> ovarian damage burden [mg/kg] -> one input per
  enabled mechanism (linear potencies);
* ``hucmsc``: lung-trapped cells -> ovary-resident cells [cells]; both give an MSC paracrine
  signal (Hill), the resident cells more per cell;
* ``ev``: plasma EVs -> ovarian cargo [ug EV protein]; each miRNA of the cargo represses its
  targets (log-Hill) on the target's input channel;
* ``recombinant_ang1``, ``ang2_antibody``, ``tie2_agonist``: one plasma compartment acting on
  ``ang1_exogenous``, ``ang2_blockade`` (Hill, < 1) and ``tie2_agonist``;
* ``ovariectomy`` (surgery, no PK): the dose is the fraction of ovarian tissue removed; every
  follicle state is multiplied by ``1 - dose`` on the day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from follisim.interventions.mirna import TARGET_CHANNELS, MiRNA
from follisim.interventions.parameters import rate
from follisim.protocols import PkChain, PkDose, PkEffect, StateScale

CENTRAL, EFFECT = "central", "effect"

MECHANISM_CHANNELS = {
    "primordial_apoptosis": "injury_primordial",
    "gc_apoptosis": "injury_gc",
    "burnout": "injury_burnout",
    "vascular": "injury_vascular",
    "gc_lesion": "injury_gc_lesion",
    "stromal_lesion": "injury_stromal_lesion",
}
MECHANISM_POTENCY = {"primordial_apoptosis": "primordial", "gc_apoptosis": "gc",
                     "burnout": "burnout", "vascular": "vascular", "gc_lesion": "gc_lesion",
                     "stromal_lesion": "stromal_lesion"}

#: Strain presets: body weight converts per-animal doses (mg) to mg/kg. Sources: Tang 2018 SD
#: rats 200 +/- 20 g; Wistar 180-200 g (poi_induction_protocols.csv, CTX_wistar_50_8).
STRAINS = {"sprague_dawley": 0.200, "wistar": 0.190}


@dataclass(frozen=True)
class Agent:
    """An agent: kind, canonical unit, accepted units and routes (route -> dose site)."""

    name: str
    kind: str
    unit: str
    units: tuple[str, ...]
    routes: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


_INJURY_ROUTES = {"ip": CENTRAL, "iv": CENTRAL, "sc": CENTRAL, "oral": CENTRAL}
AGENTS = {a.name: a for a in (
    Agent("cyclophosphamide", "injury", "mg/kg", ("mg/kg", "mg"), _INJURY_ROUTES,
          "alkylating prodrug; active species phosphoramide mustard"),
    Agent("cisplatin", "injury", "mg/kg", ("mg/kg", "mg"), _INJURY_ROUTES,
          "platinum DNA cross-linker"),
    Agent("busulfan", "injury", "mg/kg", ("mg/kg", "mg"), _INJURY_ROUTES, "alkylating agent"),
    Agent("hucmsc", "msc", "cells", ("cells",), {"iv": CENTRAL, "intraovarian": EFFECT},
          "human umbilical cord mesenchymal stem cells"),
    Agent("ev", "ev", "ug", ("ug", "µg", "particles"), {"iv": CENTRAL, "intraovarian": EFFECT,
                                                          "intrabursal": EFFECT},
          "MSC-derived extracellular vesicles (dose as EV protein or particle count)"),
    Agent("recombinant_ang1", "ang1", "ug/kg", ("ug/kg", "µg/kg", "mg/kg"),
          {"iv": CENTRAL, "ip": CENTRAL, "intraovarian": EFFECT}, "recombinant angiopoietin-1"),
    Agent("ang2_antibody", "ang2_antibody", "mg/kg", ("mg/kg",), {"iv": CENTRAL, "ip": CENTRAL},
          "Ang2-neutralising IgG"),
    Agent("tie2_agonist", "tie2_agonist", "mg/kg", ("mg/kg",),
          {"iv": CENTRAL, "ip": CENTRAL, "sc": CENTRAL}, "Tie2-activating agonist"),
    Agent("ovariectomy", "surgery", "fraction", ("fraction",), {"surgical": "tissue"},
          "surgical removal of ovarian tissue: dose 1 = bilateral ovariectomy (every follicle "
          "and corpus luteum removed), 0.5 = unilateral"),
)}


def surgery_scalings(fraction: float, days: tuple[float, ...], states: tuple[str, ...]
                     ) -> tuple[StateScale, ...]:
    """Removing ``fraction`` of the ovarian tissue on each of ``days`` multiplies every
    follicle state by ``1 - fraction``."""
    return tuple(StateScale(state, day, 1.0 - fraction) for day in days for state in states)


def to_canonical(agent: Agent, amount: float, unit: str, params: Mapping[str, float],
                 body_weight_kg: float) -> float:
    """Convert ``amount`` in ``unit`` to the agent's canonical unit."""
    if unit in (agent.unit, agent.unit.replace("ug", "µg")):
        return amount
    if unit == "mg":
        return amount / body_weight_kg
    if unit == "particles":
        return amount / params["ev_particles_per_ug"]
    if unit in ("µg", "ug"):
        return amount
    if agent.unit == "ug/kg" and unit == "mg/kg":
        return amount * 1000.0
    raise ValueError(f"no conversion from {unit!r} to {agent.unit!r}")


@dataclass(frozen=True)
class ChainKey:
    """What makes two doses share a chain: the agent and its options."""

    agent: str
    mechanisms: tuple[str, ...] = ()
    cargo: tuple[tuple[str, float], ...] = ()

    @property
    def name(self) -> str:
        extra = "+".join(self.mechanisms) if self.mechanisms else ""
        extra += "+".join(f"{m}:{c:g}" for m, c in self.cargo)
        return f"{self.agent}[{extra}]" if extra else self.agent


def build_chain(key: ChainKey, params: Mapping[str, float],
                mirnas: Mapping[str, MiRNA]) -> PkChain:
    """The closed-form PK chain and effects of one agent (see the module docstring)."""
    agent = AGENTS[key.agent]
    p = params
    if agent.kind == "injury":
        a = agent.name
        effects = tuple(PkEffect(MECHANISM_CHANNELS[m], "linear",
                                 p[f"{a}_{MECHANISM_POTENCY[m]}_potency"])
                        for m in key.mechanisms)
        return PkChain(key.name, 0.0, rate(p[f"{a}_half_life"]),
                       rate(p[f"{a}_effect_half_life"]), effects)
    if agent.kind == "msc":
        k_lung = rate(p["msc_lung_half_life"])
        f = p["msc_homing_fraction"]
        effects = (
            PkEffect("msc_signal", "hill", p["msc_ovary_signal_max"],
                     p["msc_ovary_signal_half"], 1.0, EFFECT),
            PkEffect("msc_signal", "hill", p["msc_lung_signal_max"],
                     p["msc_lung_signal_half"], 1.0, CENTRAL),
        )
        return PkChain(key.name, k_lung * (1.0 - f), k_lung * f,
                       rate(p["msc_ovary_half_life"]), effects)
    if agent.kind == "ev":
        k = rate(p["ev_plasma_half_life"])
        f = p["ev_ovarian_uptake"]
        effects = tuple(PkEffect(TARGET_CHANNELS[t.gene], "log_repression", copies, t.kd,
                                 t.hill, EFFECT)
                        for name, copies in key.cargo for t in mirnas[name].targets)
        return PkChain(key.name, k * (1.0 - f), k * f, rate(p["ev_cargo_half_life"]), effects)
    if agent.kind == "ang1":
        k = rate(p["ang1_half_life"])
        level = p["ang1_ovarian_level_per_dose"]
        effects = (PkEffect("ang1_exogenous", "linear", level, site=CENTRAL),
                   PkEffect("ang1_exogenous", "linear", level, site=EFFECT))
        return PkChain(key.name, k, 0.0, k, effects)
    if agent.kind == "ang2_antibody":
        k = rate(p["ang2_antibody_half_life"])
        effects = (PkEffect("ang2_blockade", "hill", 1.0, p["ang2_antibody_half_block"], 1.0,
                            CENTRAL),)
        return PkChain(key.name, k, 0.0, k, effects)
    if agent.kind == "tie2_agonist":
        k = rate(p["tie2_agonist_half_life"])
        effects = (PkEffect("tie2_agonist", "linear", p["tie2_agonist_level_per_dose"],
                            site=CENTRAL),)
        return PkChain(key.name, k, 0.0, k, effects)
    raise ValueError(f"unknown agent kind {agent.kind!r}")


def dose_events(key: ChainKey, amount: float, route: str, days: tuple[float, ...]
                ) -> tuple[PkDose, ...]:
    """One PK dose per day, into the compartment the route delivers to."""
    site = AGENTS[key.agent].routes[route]
    return tuple(PkDose(key.name, day, amount, site) for day in days)
