"""Published POI induction schedules (``datasets/data/poi_induction_protocols.csv``).

Each preset names its CSV row; a test checks agent and route against the row. Day 0 is the
first injection (the CSV counts from day 1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PresetDose:
    agent: str
    dose: float
    unit: str
    route: str
    days: tuple[float, ...]


PRESETS: dict[str, tuple[PresetDose, ...]] = {
    # "day1 50 mg/kg; days 2-14 8 mg/kg", i.p.
    "CTX_wistar_50_8": (
        PresetDose("cyclophosphamide", 50.0, "mg/kg", "ip", (0.0,)),
        PresetDose("cyclophosphamide", 8.0, "mg/kg", "ip", tuple(float(d) for d in range(1, 14))),
    ),
    # "30 mg/kg once daily x5 d", i.p. (Tang 2018)
    "CTX_SD_30x5_Tang": (
        PresetDose("cyclophosphamide", 30.0, "mg/kg", "ip", (0.0, 1.0, 2.0, 3.0, 4.0)),
    ),
    # "2 mg/kg daily x6 d", i.p.
    "CIS_SD_2x6": (
        PresetDose("cisplatin", 2.0, "mg/kg", "ip", (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)),
    ),
    # "single: CTX 120 mg/kg + busulfan 12 mg/kg", CTX i.p. + busulfan s.c.
    "CTX_BF_wistar": (
        PresetDose("cyclophosphamide", 120.0, "mg/kg", "ip", (0.0,)),
        PresetDose("busulfan", 12.0, "mg/kg", "sc", (0.0,)),
    ),
}
