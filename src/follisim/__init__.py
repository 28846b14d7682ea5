"""follisim: mechanistic simulator of rat ovarian follicle dynamics, hormones and vessels.

Public API: :func:`simulate`, :func:`simulate_many`, :func:`load_config`, :class:`Status`.
"""

__version__ = "0.1.0"

# First: regenerates a stale generated kernel before any numba kernel module is imported.
import follisim.models  # noqa: E402, F401, I001
from follisim.io.config import ConfigError, RunConfig
from follisim.io.config import load as load_config
from follisim.simulate import simulate, simulate_many
from follisim.solution import SimulationError, Status

__all__ = [
    "ConfigError",
    "RunConfig",
    "SimulationError",
    "Status",
    "__version__",
    "load_config",
    "simulate",
    "simulate_many",
]
