"""The rat ovary model: registry (``parameters``, ``variables``), equations, numba kernel.

``equations.py`` is the one statement of the model's mathematics; the numba kernel
``follisim.core.rat`` is generated from it (``python -m follisim.spec.codegen``), as are the
plain-Python right-hand side (``follisim.models.rat_python``), the SBML export and the equation
listing of ``docs/model.md``.
"""

from __future__ import annotations

from follisim.core.ids import MODEL_RAT
from follisim.models.rat.equations import eq as equations
from follisim.models.rat.parameters import PARAMETERS
from follisim.models.rat.variables import FOLLICLE_STATES, INPUTS, OBSERVABLES, STATES
from follisim.spec import ModelSpec

RAT = ModelSpec(
    name="rat",
    model_id=MODEL_RAT,
    kernel_module="follisim.core.rat",
    states=STATES,
    inputs=INPUTS,
    observables=OBSERVABLES,
    parameters=PARAMETERS,
    initial_guess={
        "primordial": 6000.0, "primary": 90.0, "secondary": 45.0, "antral": 12.0,
        "preovulatory": 6.0, "corpora_lutea": 30.0, "atretic": 30.0, "e2": 50.0, "fsh": 2.0,
        "amh": 80.0, "lh_tonic": 1.0, "vegf": 1.0, "ang1": 1.0, "ang2": 1.0,
        "vessel_density": 1.0,
        "surge": 0.0, "progesterone": 0.0, "ovulated": 0.0, "gc_lesion": 0.0,
        "stromal_lesion": 0.0,
    },
    init_from_parameter={"primordial": "primordial_initial"},
    frozen_in_steady_state=("primordial", "ovulated"),
    cycle_phase=("surge", 0.5, 1.0),
    description="Rat ovary with an emergent estrous cycle: follicle stages, E2/FSH/AMH, "
                "E2-triggered LH surge with luteal progesterone, VEGF/Ang1/Ang2/Tie2, vessel "
                "density, with intervention input channels.",
    equations=equations,
    follicle_states=FOLLICLE_STATES,
)


__all__ = ["INPUTS", "OBSERVABLES", "PARAMETERS", "RAT", "STATES"]
