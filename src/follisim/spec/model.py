"""A model: its kernel ids, named layouts with units, and its parameter space."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from follisim.spec.parameters import ParameterSpace


@dataclass(frozen=True, slots=True)
class Variable:
    """A named state, input or observable: unit, readable name and allowed range."""

    name: str
    unit: str
    long_name: str
    bounds: tuple[float, float] = (-float("inf"), float("inf"))


@dataclass(frozen=True)
class ModelSpec:
    """Binds named layouts to the numba kernels of one model.

    Attributes
    ----------
    name : str                      model name used in configs
    model_id : int                  static-dispatch id (``follisim.core.ids``)
    kernel_module : str             the ``follisim.core`` module holding the kernels and layout
                                    constants (imported on first use of ``kernel``)
    states, inputs, observables : tuple of Variable, in kernel layout order
    parameters : ParameterSpace     in kernel layout order
    initial_guess : dict            state values used as the starting point (or initial state)
    init_from_parameter : dict      state name -> parameter that sets its initial value
    frozen_in_steady_state : tuple  states held fixed when solving the quasi-steady start
    cycle_phase : tuple or None     (state, level, kick) for starts on the limit cycle: day 0
                                    is where ``state`` crosses ``level`` upwards; ``kick`` is
                                    the value it is set to before the burn-in
    equations : Equations or None   the one statement of the model's mathematics, from which
                                    ``follisim.spec.codegen`` generates the kernel module
    follicle_states : tuple         states counting follicles (conserved up to clearance)
    """

    name: str
    model_id: int
    kernel_module: str
    states: tuple[Variable, ...]
    inputs: tuple[Variable, ...]
    observables: tuple[Variable, ...]
    parameters: ParameterSpace
    initial_guess: dict[str, float]
    init_from_parameter: dict[str, str] = field(default_factory=dict)
    frozen_in_steady_state: tuple[str, ...] = ()
    cycle_phase: tuple[str, float, float] | None = None
    description: str = ""
    equations: Any = None
    follicle_states: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.equations is not None:
            self.equations.check(self.state_names, self.parameters.names, self.input_names,
                                 self.observable_names)

    @property
    def kernel(self) -> ModuleType:
        """The numba kernel module (imported on first use)."""
        return importlib.import_module(self.kernel_module)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.states)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.inputs)

    @property
    def observable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.observables)

    def y0_guess(self) -> np.ndarray:
        """``float64[n_states]`` starting values."""
        return np.array([self.initial_guess[s] for s in self.state_names], dtype=np.float64)

    def frozen_mask(self) -> np.ndarray:
        """``int8[n_states]``: 1 for states held fixed in the quasi-steady start."""
        return np.array([s in self.frozen_in_steady_state for s in self.state_names], np.int8)

    def phase_array(self, burn_in: float, search: float = 30.0) -> np.ndarray:
        """``float64[5]`` in the layout of ``follisim.core.batch.settle_on_cycle``."""
        if self.cycle_phase is None:
            return np.array([-1.0, 0.0, 0.0, 0.0, 0.0])
        state, level, kick = self.cycle_phase
        return np.array([float(self.state_names.index(state)), level, kick, burn_in, search])

    def init_parameter_index(self) -> np.ndarray:
        """``int64[n_states]``: parameter index that sets each initial state, or -1."""
        return np.array([self.parameters.locate(self.init_from_parameter[s])
                         if s in self.init_from_parameter else -1
                         for s in self.state_names], dtype=np.int64)
