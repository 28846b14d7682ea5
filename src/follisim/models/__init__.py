"""Model registry: name -> ModelSpec (ids mirror ``follisim.core.registry``)."""

from follisim.models.rat import RAT
from follisim.models.reference import REFERENCE
from follisim.spec import ModelSpec

MODELS: dict[str, ModelSpec] = {m.name: m for m in (RAT, REFERENCE)}


def all_models() -> tuple[ModelSpec, ...]:
    return tuple(MODELS.values())


__all__ = ["MODELS", "RAT", "REFERENCE", "all_models"]
