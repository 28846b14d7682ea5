"""Registry of intervention parameters: PK, routes and potencies of every agent.

These parameters are resolved in Python into closed-form PK chains (``follisim.core.pk``) and
their maps onto the model's input channels; they never enter the model kernel. They can be
overridden in an experiment's ``[parameters]`` table like model parameters. Equations and the
evidence behind each agent: ``docs/interventions.md``.
"""

from __future__ import annotations

import math

from follisim.spec import Parameter, ParameterSpace

MINUTE = 1.0 / 1440.0
HOUR = 1.0 / 24.0
SLADEK = "pmid:6149904"
EGGENHOFER = "doi:10.3389/fimmu.2012.00297"


def _p(name, default, unit, bounds, description, scale="log", source="assumed", reference=""):
    return Parameter(name, default, unit, bounds, description, scale, source, reference)


CTX_FIT = ("Tang 2018's untreated CTX arm at day 35 (rat_outcomes.csv): POI/control ratios of "
           "the five follicle counts and E2 and the share in persistent diestrus, scored as "
           "follisim compare scores them (40 animals per arm); follisim calibrate "
           "configs/calibrate_ctx.toml (FSH, AMH and regular cycles held out)")


def _injury(prefix: str, label: str, half_life: float, half_life_source: str,
            half_life_ref: str, potencies: tuple[float, ...],
            effect_half_life: float, source: str, reference: str) -> tuple[Parameter, ...]:
    prim, gc, burn, vasc, gc_lesion, stromal_lesion = potencies
    return (
        _p(f"{prefix}_half_life", half_life, "day", (1 * MINUTE, 2.0),
           f"Plasma half-life of the active species of {label}", source=half_life_source,
           reference=half_life_ref),
        _p(f"{prefix}_effect_half_life", effect_half_life, "day", (0.1, 60.0),
           f"Half-life of the ovarian damage burden left by {label} (DNA-damage response)",
           source=source, reference=reference),
        _p(f"{prefix}_primordial_potency", prim, "1/day per mg/kg", (1e-7, 1.0),
           f"Direct primordial apoptosis rate per mg/kg of {label} burden",
           source=source, reference=reference),
        _p(f"{prefix}_gc_potency", gc, "1 per mg/kg", (1e-6, 10.0),
           f"Fold rise of granulosa-cell apoptosis per mg/kg of {label} burden",
           source=source, reference=reference),
        _p(f"{prefix}_burnout_potency", burn, "1 per mg/kg", (1e-6, 10.0),
           f"Fold rise of primordial activation (PI3K/AKT burnout) per mg/kg of {label} burden",
           source=source, reference=reference),
        _p(f"{prefix}_vascular_potency", vasc, "1/day per mg/kg", (1e-7, 1.0),
           f"Vessel regression rate per mg/kg of {label} burden", source=source,
           reference=reference),
        _p(f"{prefix}_gc_lesion_potency", gc_lesion, "1/day per mg/kg", (1e-8, 1.0),
           f"Formation rate of the lasting granulosa-cell lesion per mg/kg of {label} burden",
           source=source, reference=reference),
        _p(f"{prefix}_stromal_lesion_potency", stromal_lesion, "1/day per mg/kg", (1e-8, 1.0),
           f"Formation rate of the lasting stromal lesion per mg/kg of {label} burden",
           source=source, reference=reference),
    )


PARAMETERS = ParameterSpace((
    *_injury("cyclophosphamide", "cyclophosphamide", 55 * MINUTE, SLADEK,
             "apparent half-life of phosphoramide mustard after a cyclophosphamide dose in the "
             "rat: 55 min (Sladek 1984; 4-hydroxy-CPA 34 min)",
             (0.0003639, 0.001275, 0.007516, 0.0002248, 0.0006364, 7.964e-06), 8.291, "fitted",
             CTX_FIT),
    *_injury("cisplatin", "cisplatin", 30 * MINUTE, "assumed",
             "no rat plasma half-life in the curated sources",
             (0.004549, 0.01594, 0.09395, 0.00281, 0.007955, 9.955e-05), 8.291, "assumed",
             "cyclophosphamide fit x 12.5, the ratio of total doses of the CTX (150 mg/kg) and "
             "cisplatin (12 mg/kg) POI protocols; no cisplatin outcome data"),
    *_injury("busulfan", "busulfan", 2 * HOUR, "assumed",
             "no rat plasma half-life in the curated sources",
             (0.00182, 0.006375, 0.03758, 0.001124, 0.003182, 3.982e-05), 8.291, "assumed",
             "cyclophosphamide fit x 5 (busulfan is given at 1/10 of the CTX dose in CTX+BU "
             "protocols); no busulfan outcome data"),
    # --- hUCMSCs ---------------------------------------------------------------------------
    _p("msc_lung_half_life", 0.3, "day", (0.02, 5.0),
       "Half-life of IV-injected MSCs trapped in the lung", source="assumed",
       reference="mouse: most cells in the lung at 1 h, viable cells recovered only up to 24 h "
                 "(Eggenhofer 2012, doi:10.3389/fimmu.2012.00297)"),
    _p("msc_homing_fraction", 0.0005182, "1", (1e-4, 0.5),
       "Fraction of the cells leaving the lung that settle in the ovaries ('a small fraction', "
       "Song 2016 FISH, qualitative)", source="fitted",
       reference="the pooled MSC effects of Front Endocrinol 2023 (meta_analysis.csv, 'all "
                 "species' rows) against experiments/rat_ctx_hucmsc_iv at day 35: follisim "
                 "calibrate configs/calibrate_hucmsc.toml; bounded above only (profile 95 % "
                 "<= 0.0012)"),
    _p("msc_ovary_half_life", 14.0, "day", (0.5, 120.0),
       "Half-life of MSCs resident in the ovary",
       reference="hUCMSCs reside in rat ovaries 'for a comparatively long time' (Song 2016 BMRI, "
                 "doi:10.1155/2016/2517514); value assumed"),
    _p("msc_ovary_signal_max", 1.0, "1", (0.0, 20.0),
       "Maximal MSC paracrine signal from ovary-resident cells", scale="lin"),
    _p("msc_ovary_signal_half", 1e3, "cells", (1.0, 1e7),
       "Ovary-resident cells giving half the maximal paracrine signal"),
    _p("msc_lung_signal_max", 0.5, "1", (0.0, 20.0),
       "Maximal systemic paracrine signal from lung-trapped MSCs", scale="lin"),
    _p("msc_lung_signal_half", 1e6, "cells", (1e2, 1e9),
       "Lung-trapped cells giving half the maximal systemic signal"),
    # --- EVs ---------------------------------------------------------------------------------
    _p("ev_plasma_half_life", 10 * MINUTE, "day", (1 * MINUTE, 2 * HOUR),
       "Plasma half-life of IV-injected EVs",
       reference="about 2-30 min in mice (Takahashi 2013; Lai 2014; LITERATURE.md 3.1, "
                 "not verified against the papers)"),
    _p("ev_ovarian_uptake", 0.005, "1", (1e-5, 0.2),
       "Fraction of an IV EV dose taken up by the ovaries",
       reference="no quantitative ovarian %ID found; weak prior 0.1-1 %ID per ovary "
                 "(LITERATURE.md 3.1)"),
    _p("ev_cargo_half_life", 2.0, "day", (0.1, 30.0),
       "Half-life of EV-delivered cargo (miRNA) in ovarian cells"),
    _p("ev_particles_per_ug", 1e9, "particles/ug", (1e7, 1e12),
       "EV particles per microgram of EV protein (to accept particle-count doses)"),
    # --- angiopoietin modulators -----------------------------------------------------------
    _p("ang1_half_life", 0.25, "day", (0.01, 5.0), "Plasma half-life of recombinant Ang1"),
    _p("ang1_ovarian_level_per_dose", 0.05, "healthy Ang1 level per ug/kg", (1e-5, 10.0),
       "Ovarian exogenous Ang1 (in healthy-Ang1 units) per ug/kg in plasma"),
    _p("ang2_antibody_half_life", 6.0, "day", (0.5, 30.0),
       "Plasma half-life of an Ang2-blocking IgG"),
    _p("ang2_antibody_half_block", 1.0, "mg/kg", (0.01, 100.0),
       "Antibody level (mg/kg in plasma) neutralising half of ovarian Ang2"),
    _p("tie2_agonist_half_life", 1.0, "day", (0.01, 30.0),
       "Plasma half-life of a Tie2 agonist"),
    _p("tie2_agonist_level_per_dose", 0.5, "healthy Ang1 level per mg/kg", (1e-5, 100.0),
       "Tie2 activation (in healthy-Ang1 equivalents) per mg/kg in plasma"),
))


def rate(half_life: float) -> float:
    """First-order rate [1/day] of a half-life [day]."""
    return math.log(2.0) / half_life
