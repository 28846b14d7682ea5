"""Named, unit-annotated parameters with a flat layout for the kernels."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

#: Allowed forms of ``Parameter.source``: an identifier of the publication or model the value
#: comes from, or ``assumed`` (a modelling choice), or ``fitted`` (``reference`` names the data).
SOURCE_PATTERN = re.compile(r"^(assumed|fitted|doi:10\.\S+/\S+|pmid:\d+|biomodels:[A-Z0-9]+)$")


class SpecError(ValueError):
    """An unknown name or a value outside what a parameter allows."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A model parameter.

    Attributes
    ----------
    name : str           identifier used in configs and outputs
    default : float      value in ``unit``
    unit : str           physical unit (``1`` for dimensionless)
    bounds : (float, float)  inclusive range a value must lie in
    description : str    what the parameter means, in one sentence
    scale : "lin" | "log"    natural scale for sweeps and fitting
    source : str         ``doi:...``, ``pmid:...``, ``biomodels:...``, ``assumed`` or ``fitted``
    reference : str      how the value follows from the source, or the data it was fitted to
    """

    name: str
    default: float
    unit: str
    bounds: tuple[float, float]
    description: str
    scale: Literal["lin", "log"] = "lin"
    source: str = "assumed"
    reference: str = ""

    def __post_init__(self) -> None:
        lo, hi = self.bounds
        if not (lo <= self.default <= hi):
            raise SpecError(f"{self.name}: default {self.default} outside bounds {self.bounds}")
        if self.scale not in ("lin", "log") or (self.scale == "log" and lo <= 0):
            raise SpecError(f"{self.name}: scale {self.scale!r} does not fit bounds {self.bounds}")
        if not SOURCE_PATTERN.match(self.source):
            raise SpecError(f"{self.name}: source {self.source!r} is not a DOI/PMID/BioModels id, "
                            "'assumed' or 'fitted'")
        if self.source == "fitted" and not self.reference:
            raise SpecError(f"{self.name}: a fitted parameter must name its data in 'reference'")

    def check(self, value: float) -> str | None:
        """Return ``None`` if ``value`` is allowed, else a sentence saying what is allowed."""
        lo, hi = self.bounds
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"must be a number in [{lo:g}, {hi:g}] {self.unit}, got {value!r}"
        if not math.isfinite(value) or not (lo <= value <= hi):
            return f"must lie in [{lo:g}, {hi:g}] {self.unit}, got {value!r}"
        return None


@dataclass(frozen=True)
class ParameterSpace:
    """Ordered parameters; the tuple order *is* the kernel's flat layout."""

    parameters: tuple[Parameter, ...]

    def __post_init__(self) -> None:
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise SpecError(f"duplicate parameter names in {names}")

    def __len__(self) -> int:
        return len(self.parameters)

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[self.locate(name)]

    @cached_property
    def index(self) -> Mapping[str, int]:
        return {p.name: i for i, p in enumerate(self.parameters)}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def suggest(self, name: str) -> list[str]:
        """Up to three known names close to ``name``."""
        return difflib.get_close_matches(name, self.names, n=3)

    def locate(self, name: str) -> int:
        try:
            return self.index[name]
        except KeyError:
            hint = self.suggest(name)
            extra = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise SpecError(f"unknown parameter {name!r}{extra}") from None

    def pack(self, overrides: Mapping[str, float] | None = None) -> F64:
        """Defaults with ``overrides`` applied, as ``float64[n_parameters]``."""
        flat = np.array([p.default for p in self.parameters], dtype=np.float64)
        for name, value in (overrides or {}).items():
            flat[self.locate(name)] = value
        return flat

    def pack_many(self, columns: Mapping[str, Sequence[float]], n: int,
                  base: Mapping[str, float] | None = None) -> F64:
        """``float64[n, n_parameters]``: ``base`` overrides, then one column per given name."""
        table = np.tile(self.pack(base), (n, 1))
        for name, values in columns.items():
            table[:, self.locate(name)] = np.asarray(values, dtype=np.float64)
        return table

    def unpack(self, flat: F64) -> dict[str, float]:
        return dict(zip(self.names, map(float, flat), strict=True))
