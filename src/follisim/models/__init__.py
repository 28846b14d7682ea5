"""Model registry: name -> ModelSpec (ids in ``follisim.core.ids``).

Importing this package regenerates a stale generated kernel (``follisim.spec.codegen``), so
it must be imported before any ``follisim.core`` kernel module (``follisim/__init__`` does).
"""

from follisim.models.rat import RAT
from follisim.models.reference import REFERENCE
from follisim.spec import ModelSpec
from follisim.spec.codegen import ensure_current

MODELS: dict[str, ModelSpec] = {m.name: m for m in (RAT, REFERENCE)}

for _model in MODELS.values():
    if _model.equations is not None:
        ensure_current(_model)


def all_models() -> tuple[ModelSpec, ...]:
    return tuple(MODELS.values())


__all__ = ["MODELS", "RAT", "REFERENCE", "all_models"]
