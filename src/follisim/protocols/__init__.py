"""Dosing schedules and input changes -> flat event tables for the integrator."""

from follisim.protocols.schedule import (
    Bolus,
    Compiled,
    CompiledBatch,
    InputStep,
    PkChain,
    PkDose,
    PkEffect,
    Protocol,
    StateScale,
    stack,
)

__all__ = ["Bolus", "Compiled", "CompiledBatch", "InputStep", "PkChain", "PkDose", "PkEffect",
           "Protocol", "StateScale", "stack"]
