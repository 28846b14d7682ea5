"""Named parameters, states and models: units, bounds and sources; packing to flat arrays."""

from follisim.spec.model import ModelSpec, Variable
from follisim.spec.parameters import Parameter, ParameterSpace, SpecError

__all__ = ["ModelSpec", "Parameter", "ParameterSpace", "SpecError", "Variable"]
