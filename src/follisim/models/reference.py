"""Reference model with a closed-form solution (oscillator + driven decay), for tests."""

from follisim.core.ids import MODEL_REFERENCE
from follisim.spec import ModelSpec, Parameter, ParameterSpace, Variable

REFERENCE = ModelSpec(
    name="reference",
    model_id=MODEL_REFERENCE,
    kernel_module="follisim.core.reference",
    states=(Variable("x", "1", "oscillator position"), Variable("v", "1/day", "velocity"),
            Variable("z", "1", "driven decaying amount")),
    inputs=(Variable("drive", "1/day", "inflow into z"),),
    observables=(Variable("energy", "1/day^2", "oscillator energy"),),
    parameters=ParameterSpace((
        Parameter("omega", 1.0, "rad/day", (0.01, 100.0), "angular frequency", "log"),
        Parameter("k", 0.5, "1/day", (0.0, 1000.0), "decay rate of z"),
    )),
    initial_guess={"x": 1.0, "v": 0.0, "z": 0.0},
)
