"""Static integer dispatch from model id to model kernels.

Passing kernels as arguments defeats numba's on-disk cache (a miss in every new process);
an ``if/elif`` over imported kernels keeps the integrator cacheable. The Python model registry
(``follisim.models``) mirrors these ids; a test checks that the two agree.
"""

from follisim.core import rat, reference
from follisim.core._jit import kernel
from follisim.core.ids import MODEL_RAT, MODEL_REFERENCE


@kernel(inline="always")
def call_rhs(model_id, t, y, p, u, dydt):
    """Evaluate the right-hand side of model ``model_id``."""
    if model_id == MODEL_RAT:
        rat.rhs(t, y, p, u, dydt)
    elif model_id == MODEL_REFERENCE:
        reference.rhs(t, y, p, u, dydt)


@kernel(inline="always")
def call_observe(model_id, y, p, u, out):
    """Evaluate the observables of model ``model_id``."""
    if model_id == MODEL_RAT:
        rat.observe(y, p, u, out)
    elif model_id == MODEL_REFERENCE:
        reference.observe(y, p, u, out)
