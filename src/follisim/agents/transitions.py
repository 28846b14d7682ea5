"""Which hazard moves a follicle from which state to which: the agent engine's only table.

The table names states and hazards of ``follisim.core.rat``; it carries no rate. Each rate is
read from ``rat.hazards`` at run time, and ``tests/test_agents.py`` checks that the table
reproduces the follicle rows of ``rat.rhs`` (so a change of the model's follicle topology
fails loudly instead of drifting).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from follisim.core import agents as kernel
from follisim.io.config import ConfigError
from follisim.spec import ModelSpec


@dataclass(frozen=True)
class Transition:
    """A follicle leaves ``source`` at rate ``hazard`` (1/day per follicle) for ``target``
    (``None``: removed from the ovary) and increments the counter state ``counter``."""

    hazard: str
    source: str
    target: str | None
    counter: str | None = None


TRANSITIONS = (
    Transition("activation", "primordial", "primary"),
    Transition("primordial_death", "primordial", "atretic"),
    Transition("primary_progression", "primary", "secondary"),
    Transition("primary_atresia", "primary", "atretic"),
    Transition("secondary_progression", "secondary", "antral"),
    Transition("secondary_atresia", "secondary", "atretic"),
    Transition("antral_progression", "antral", "preovulatory"),
    Transition("antral_atresia", "antral", "atretic"),
    Transition("ovulation", "preovulatory", "corpora_lutea", counter="ovulated"),
    Transition("preovulatory_atresia", "preovulatory", "atretic"),
    Transition("luteolysis", "corpora_lutea", None),
    Transition("atretic_clearance", "atretic", None),
)
#: The quiescent pool: a count whose exits are sampled as events; never individual agents.
POOL = "primordial"


@dataclass(frozen=True)
class Tables:
    """The transition table as flat arrays for ``follisim.core.agents`` (see its layouts).

    ``stages`` are the agent stages upstream first; ``counters`` the counter states.
    """

    owned: np.ndarray
    pool: int
    transitions: np.ndarray
    exit_ptr: np.ndarray
    exit_k: np.ndarray
    order: np.ndarray
    stages: tuple[str, ...]
    counters: tuple[str, ...]


def compile_tables(model: ModelSpec, source: str = "<model>") -> Tables:
    """Resolve ``TRANSITIONS`` against the model's names; check that they cover its follicles."""
    core = model.kernel
    if not hasattr(core, "hazards") or not hasattr(core, "FOLLICLE_STATES"):
        raise ConfigError(source, "run.model", f"the agent engine needs a model with a hazards "
                                               f"kernel (rat); {model.name!r} has none")
    states = model.state_names
    hazards = tuple(core.HAZARD_NAMES)
    follicles = {states[i] for i in core.FOLLICLE_STATES}
    counters = tuple(dict.fromkeys(t.counter for t in TRANSITIONS if t.counter))
    for t in TRANSITIONS:
        for name in (t.source, t.target):
            if name is not None and name not in follicles:
                raise ValueError(f"agent transition {t}: {name!r} is not a follicle state of "
                                 f"{model.name!r}")
        if t.hazard not in hazards:
            raise ValueError(f"agent transition {t}: unknown hazard {t.hazard!r}")
    covered = {t.source for t in TRANSITIONS} | {t.target for t in TRANSITIONS} - {None}
    if covered != follicles or POOL not in follicles or set(counters) & follicles:
        raise ValueError(f"agent transitions cover {sorted(covered)}; the follicle states of "
                         f"{model.name!r} are {sorted(follicles)}")
    owned = np.full(len(states), kernel.CONTINUOUS, np.int8)
    for name in follicles:
        owned[states.index(name)] = kernel.STAGE
    owned[states.index(POOL)] = kernel.POOL
    for name in counters:
        owned[states.index(name)] = kernel.COUNTER
    table = np.array([(hazards.index(t.hazard), states.index(t.source),
                       -1 if t.target is None else states.index(t.target),
                       -1 if t.counter is None else states.index(t.counter))
                      for t in TRANSITIONS], dtype=np.int64)
    by_source = np.argsort(table[:, kernel.TR_FROM], kind="stable")
    exit_ptr = np.searchsorted(table[by_source, kernel.TR_FROM], np.arange(len(states) + 1))
    return Tables(owned=owned, pool=states.index(POOL), transitions=table,
                  exit_ptr=exit_ptr.astype(np.int64), exit_k=by_source.astype(np.int64),
                  order=np.array([states.index(s) for s in reversed(_upstream_first())],
                                 dtype=np.int64),
                  stages=_upstream_first(), counters=counters)


def _upstream_first() -> tuple[str, ...]:
    """Agent stages (every follicle state but the pool) in topological order (Kahn)."""
    edges = {(t.source, t.target) for t in TRANSITIONS if t.target is not None}
    nodes = list(dict.fromkeys([t.source for t in TRANSITIONS] +
                               [t.target for t in TRANSITIONS if t.target]))
    order: list[str] = []
    while nodes:
        ready = [n for n in nodes if not any(b == n and a in nodes for a, b in edges)]
        if not ready:
            raise ValueError(f"agent transitions form a cycle among {nodes}")
        order.extend(ready)
        nodes = [n for n in nodes if n not in ready]
    return tuple(s for s in order if s != POOL)
