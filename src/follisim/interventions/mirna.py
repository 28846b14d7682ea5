"""miRNAs, their targets, and the model input channel each target feeds.

Built-in miRNAs follow the POI literature (LITERATURE.md 3.2). A config can add miRNAs and
targets (``[mirnas."miR-x"] targets = {PTEN = {kd = 1e5, hill = 1}}``) without code.
Repression of a target by copies ``m`` of a miRNA in the ovary is Hill repression,
``T = 1 / (1 + (m / kd)^hill)``, entered as its log, ``ln(1 + (m/kd)^hill)``, so several
miRNAs on one target multiply the target level.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Target gene -> model input channel carrying its log-repression.
TARGET_CHANNELS = {
    "PTEN": "pten_repression",
    "PIK3R2": "pik3r2_repression",
    "TP53": "p53_repression",
    "SIRT7": "sirt7_repression",
    "HBP1": "hbp1_repression",
}


@dataclass(frozen=True)
class Target:
    """One miRNA-target pair: copies in the ovary halving the target [copies], Hill [1]."""

    gene: str
    kd: float
    hill: float = 1.0


@dataclass(frozen=True)
class MiRNA:
    name: str
    targets: tuple[Target, ...]
    reference: str = ""


#: Built-in miRNAs. Every kd is ASSUMED (no ovarian miRNA-target affinities were found); the
#: target assignment carries the evidence.
BUILTIN = {m.name: m for m in (
    MiRNA("miR-21-5p", (Target("PTEN", 1e6),),
          "PTEN/AKT/FOXO3a (J Ovarian Res 2024, doi:10.1186/s13048-024-01390-8); activates "
          "PI3K/mTOR in primordial oocytes (Yang 2020, PMC7132622)"),
    MiRNA("miR-144-5p", (Target("PTEN", 1e6),),
          "PTEN down, granulosa apoptosis down, CTX rat (Yang 2020 Lab Invest, unverified)"),
    MiRNA("miR-126-3p", (Target("PIK3R2", 1e6),),
          "PIK3R2 -> PI3K/AKT/mTOR, angiogenesis up, cisplatin rat (Qu 2022 SCRT, "
          "doi:10.1186/s13287-022-03056-y)"),
    MiRNA("miR-664-5p", (Target("TP53", 1e6),),
          "p53 down, cisplatin mouse (Sun 2019 SCRT, PMC6884862)"),
    MiRNA("miR-17-5p", (Target("SIRT7", 1e6),),
          "SIRT7, POI mouse (Ding 2020 Stem Cells, unverified)"),
    MiRNA("miR-29a", (Target("HBP1", 1e6),),
          "HBP1 -> Wnt/beta-catenin, cisplatin mouse (Dis Markers 2022, PMC9277157)"),
)}

#: Default cargo of an unmodified hUCMSC-EV preparation [copies per ug EV protein]. ASSUMED:
#: no absolute copy numbers were found; equal copies keep the miRNAs comparable.
DEFAULT_CARGO = {name: 1e6 for name in BUILTIN}
