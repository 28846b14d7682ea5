"""The agent engine: every follicle an agent, on the ODE model's own hazards and hormones.

One verb, :func:`run_agents` (also reached as ``follisim.simulate(config, engine="agent",
replicates=N, seed=S)`` and ``follisim run CONFIG --engine agent``). The numba kernel is
``follisim.core.agents``; the method, its step and the mean-equality proof are in
``docs/agents.md``.
"""

from follisim.agents.dataset import AGENT_CRITERIA, replicate_cycles
from follisim.agents.engine import DEFAULT_STEP, MODES, day0_state, run_agents
from follisim.agents.size import SIZE_PARAMETERS
from follisim.agents.transitions import POOL, TRANSITIONS, Transition, compile_tables

__all__ = [
    "AGENT_CRITERIA",
    "DEFAULT_STEP",
    "MODES",
    "POOL",
    "SIZE_PARAMETERS",
    "TRANSITIONS",
    "Transition",
    "compile_tables",
    "day0_state",
    "replicate_cycles",
    "run_agents",
]
