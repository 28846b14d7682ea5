"""Dosing schedules and input changes -> flat event tables for the integrator."""

from follisim.protocols.schedule import (
    Bolus,
    Compiled,
    InputStep,
    PkChain,
    PkDose,
    PkEffect,
    Protocol,
)

__all__ = ["Bolus", "Compiled", "InputStep", "PkChain", "PkDose", "PkEffect", "Protocol"]
