"""Injuries and treatments: agents, miRNA cargo, presets and their parameter registry."""

from follisim.interventions.agents import AGENTS, MECHANISM_CHANNELS, STRAINS, ChainKey
from follisim.interventions.mirna import BUILTIN as MIRNAS
from follisim.interventions.mirna import DEFAULT_CARGO, TARGET_CHANNELS, MiRNA, Target
from follisim.interventions.parameters import PARAMETERS
from follisim.interventions.presets import PRESETS

__all__ = ["AGENTS", "DEFAULT_CARGO", "MECHANISM_CHANNELS", "MIRNAS", "PARAMETERS", "PRESETS",
           "STRAINS", "TARGET_CHANNELS", "ChainKey", "MiRNA", "Target"]
