"""Protocols: what happens when, compiled to flat arrays the integrator steps to exactly.

* :class:`InputStep` holds an input channel at a level over ``[start, stop)`` days;
* :class:`Bolus` adds an amount to a state at a day; :class:`StateScale` multiplies a state
  (surgery);
* :class:`PkChain` declares a linear ``central -> effect site`` chain solved in closed form
  (``follisim.core.pk``) whose effect-site amount drives input channels through
  :class:`PkEffect` maps; :class:`PkDose` adds an amount to one of its compartments.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import numpy as np

from follisim.core import dopri5, pk
from follisim.spec import ModelSpec, SpecError


@dataclass(frozen=True)
class InputStep:
    """Hold input ``channel`` at ``level`` from ``start`` to ``stop`` [day], then return to 0."""

    channel: str
    start: float
    stop: float
    level: float


@dataclass(frozen=True)
class Bolus:
    """Add ``amount`` (in the state's unit) to ``state`` at ``day``."""

    state: str
    day: float
    amount: float


@dataclass(frozen=True)
class StateScale:
    """Multiply ``state`` by ``factor`` at ``day`` (e.g. surgery removing ovarian tissue)."""

    state: str
    day: float
    factor: float


@dataclass(frozen=True)
class PkEffect:
    """How a chain compartment drives an input (``follisim.core.pk`` mapping kinds).

    ``kind``: ``linear`` (gain * a), ``hill`` (gain * H(a; half, hill)) or ``log_repression``
    (ln(1 + (gain * a / half)^hill)); ``a`` is the amount at ``site`` (``effect`` or ``central``).
    """

    input: str
    kind: str = "linear"
    gain: float = 1.0
    half: float = 1.0
    hill: float = 1.0
    site: str = "effect"


@dataclass(frozen=True)
class PkChain:
    """A linear chain: central amount ``c`` and effect-site amount ``x`` [dose units].

    ``c' = -(k_el + k_tr) c``, ``x' = k_tr c - k_out x`` with rates in 1/day.
    """

    name: str
    k_el: float
    k_tr: float
    k_out: float
    effects: tuple[PkEffect, ...] = ()


@dataclass(frozen=True)
class PkDose:
    """Add ``amount`` [dose units] to chain ``chain`` at ``day``; ``site`` is central or effect."""

    chain: str
    day: float
    amount: float
    site: str = "central"


@dataclass(frozen=True)
class Compiled:
    """Flat arrays for ``follisim.core.batch``; see ``dopri5.integrate`` for layouts."""

    u0: np.ndarray
    pk_rates: np.ndarray
    pk_state0: np.ndarray
    pk_map: np.ndarray
    ev_t: np.ndarray
    ev_kind: np.ndarray
    ev_target: np.ndarray
    ev_value: np.ndarray


@dataclass(frozen=True)
class CompiledBatch:
    """Per-sample protocol arrays for ``follisim.core.batch.solve_batch_protocols``.

    Sample ``s`` has its own ``Compiled`` protocol, stored as row ``s`` of each array; rows are
    padded to equal shapes with entries that change nothing (see ``stack``).

    Shapes: ``u0[S, n_inputs]``, ``pk_rates[S, C, 3]``, ``pk_state0[S, C, 2]``,
    ``pk_map[S, M, 7]``, ``ev_t[S, E]``, ``ev_kind[S, E]``, ``ev_target[S, E]``,
    ``ev_value[S, E]`` (layouts of ``follisim.core.pk`` and ``dopri5.integrate``).
    """

    u0: np.ndarray
    pk_rates: np.ndarray
    pk_state0: np.ndarray
    pk_map: np.ndarray
    ev_t: np.ndarray
    ev_kind: np.ndarray
    ev_target: np.ndarray
    ev_value: np.ndarray

    def __len__(self) -> int:
        return self.u0.shape[0]

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in kernel argument order (``u0`` ... ``ev_value``)."""
        return (self.u0, self.pk_rates, self.pk_state0, self.pk_map, self.ev_t, self.ev_kind,
                self.ev_target, self.ev_value)


def stack(protocols: list[Compiled] | tuple[Compiled, ...]) -> CompiledBatch:
    """Stack compiled protocols into one ``CompiledBatch``, padding to equal shapes.

    Padding is inert, so a padded row integrates bit for bit like the protocol alone:

    * events: time ``+inf`` (``dopri5.integrate`` never reaches an event after ``t1``);
    * PK chains: rates and amounts 0 (the amounts stay exactly 0);
    * PK maps: read a padding chain, whose amount 0 is skipped by ``pk.effective_inputs``
      (a padding chain is added for every sample when some sample needs one).
    """
    if not protocols:
        raise ValueError("stack needs at least one compiled protocol")
    S = len(protocols)
    n_in = protocols[0].u0.size
    n_chain = max(c.pk_rates.shape[0] for c in protocols)
    n_map = max(c.pk_map.shape[0] for c in protocols)
    n_ev = max(c.ev_t.size for c in protocols)
    if any(c.pk_map.shape[0] < n_map and c.pk_rates.shape[0] == n_chain for c in protocols):
        n_chain += 1
    out = CompiledBatch(
        u0=np.zeros((S, n_in)), pk_rates=np.zeros((S, n_chain, 3)),
        pk_state0=np.zeros((S, n_chain, 2)), pk_map=np.zeros((S, n_map, pk.N_MAP)),
        ev_t=np.full((S, n_ev), np.inf), ev_kind=np.full((S, n_ev), dopri5.SET_INPUT, np.int64),
        ev_target=np.zeros((S, n_ev), np.int64), ev_value=np.zeros((S, n_ev)))
    for s, c in enumerate(protocols):
        if c.u0.size != n_in:
            raise ValueError("stack: protocols compiled for different models")
        nc, nm, ne = c.pk_rates.shape[0], c.pk_map.shape[0], c.ev_t.size
        out.u0[s] = c.u0
        out.pk_rates[s, :nc] = c.pk_rates
        out.pk_state0[s, :nc] = c.pk_state0
        out.pk_map[s, :nm] = c.pk_map
        out.pk_map[s, nm:, pk.MAP_CHAIN] = nc          # a padding chain: amount always 0
        out.ev_t[s, :ne] = c.ev_t
        out.ev_kind[s, :ne] = c.ev_kind
        out.ev_target[s, :ne] = c.ev_target
        out.ev_value[s, :ne] = c.ev_value
    return out


_SITES = {"central": pk.CENTRAL, "effect": pk.EFFECT}
_KINDS = {"linear": pk.LINEAR, "hill": pk.HILL, "log_repression": pk.LOG_REPRESSION}


def _index(names: tuple[str, ...], name: str, what: str) -> int:
    if name in names:
        return names.index(name)
    hint = difflib.get_close_matches(name, names, n=3)
    extra = f"; did you mean {', '.join(hint)}?" if hint else f"; allowed: {', '.join(names)}"
    raise SpecError(f"unknown {what} {name!r}{extra}")


@dataclass(frozen=True)
class Protocol:
    """Everything scheduled in one run."""

    steps: tuple[InputStep, ...] = ()
    boluses: tuple[Bolus, ...] = ()
    scalings: tuple[StateScale, ...] = ()
    chains: tuple[PkChain, ...] = ()
    doses: tuple[PkDose, ...] = ()

    def compile(self, model: ModelSpec, t0: float, t1: float) -> Compiled:
        """Sorted event table; events outside ``[t0, t1]`` are errors."""
        rows: list[tuple[float, int, int, float]] = []
        inputs = model.input_names
        u0 = np.zeros(len(inputs))

        def check_day(day: float, what: str) -> None:
            if not (math.isfinite(day) and t0 <= day <= t1):
                raise SpecError(f"{what}: day {day} lies outside the run [{t0:g}, {t1:g}]")

        for s in self.steps:
            j = _index(inputs, s.channel, "input channel")
            check_day(s.start, f"input step on {s.channel!r}")
            if not (s.stop > s.start):
                raise SpecError(f"input step on {s.channel!r}: stop {s.stop} must be after "
                                f"start {s.start}")
            rows.append((s.start, dopri5.SET_INPUT, j, s.level))
            if s.stop <= t1:
                rows.append((s.stop, dopri5.SET_INPUT, j, 0.0))
        for sc in self.scalings:
            check_day(sc.day, f"scaling of {sc.state!r}")
            if not (math.isfinite(sc.factor) and sc.factor >= 0):
                raise SpecError(f"scaling of {sc.state!r} on day {sc.day}: factor must be "
                                "finite and >= 0")
            rows.append((sc.day, dopri5.SCALE_STATE,
                         _index(model.state_names, sc.state, "state"), sc.factor))
        for b in self.boluses:
            check_day(b.day, f"bolus into {b.state!r}")
            rows.append((b.day, dopri5.ADD_STATE, _index(model.state_names, b.state, "state"),
                         b.amount))
        chain_names = tuple(c.name for c in self.chains)
        if len(set(chain_names)) != len(chain_names):
            raise SpecError(f"duplicate PK chain names in {chain_names}")
        pk_rates = np.array([[c.k_el, c.k_tr, c.k_out] for c in self.chains],
                            dtype=np.float64).reshape(len(self.chains), 3)
        if np.any(pk_rates < 0) or not np.all(np.isfinite(pk_rates)):
            raise SpecError("PK chain rates must be finite and non-negative")
        for c in self.chains:
            for e in c.effects:
                if e.site not in _SITES or e.kind not in _KINDS:
                    raise SpecError(f"PK chain {c.name!r} -> {e.input!r}: site must be one of "
                                    f"{sorted(_SITES)} and kind one of {sorted(_KINDS)}")
        maps = [(j, _SITES[e.site], _index(inputs, e.input, "input channel"), _KINDS[e.kind],
                 e.gain, e.half, e.hill) for j, c in enumerate(self.chains) for e in c.effects]
        pk_map = np.array(maps, dtype=np.float64).reshape(len(maps), pk.N_MAP)
        for d in self.doses:
            check_day(d.day, f"dose of {d.chain!r}")
            if d.amount < 0:
                raise SpecError(f"dose of {d.chain!r} on day {d.day}: amount must be >= 0")
            kind = {"central": dopri5.ADD_PK_CENTRAL, "effect": dopri5.ADD_PK_EFFECT}.get(d.site)
            if kind is None:
                raise SpecError(f"dose of {d.chain!r}: site must be 'central' or 'effect'")
            rows.append((d.day, kind, _index(chain_names, d.chain, "PK chain"), d.amount))
        rows.sort(key=lambda r: r[0])  # stable: equal times keep declaration order
        cols = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        return Compiled(
            u0=u0,
            pk_rates=np.ascontiguousarray(pk_rates),
            pk_state0=np.zeros((len(self.chains), 2)),
            pk_map=np.ascontiguousarray(pk_map),
            ev_t=np.array(cols[0], dtype=np.float64),
            ev_kind=np.array(cols[1], dtype=np.int64),
            ev_target=np.array(cols[2], dtype=np.int64),
            ev_value=np.array(cols[3], dtype=np.float64),
        )
