"""Shared fixtures (small configurations as parsed documents) and the hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) derandomizes the property tests and skips
shrinking, so a failing property reports its first counterexample in seconds.
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow,))
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def config_doc(days=60.0, save_interval=1.0, **extra):
    """A minimal configuration document; ``extra`` tables are merged in."""
    doc = {"run": {"model": "rat", "days": days, "save_interval": save_interval},
           "solver": {"rtol": 1e-6, "atol": 1e-8}}
    for key, value in extra.items():
        doc[key] = value
    return doc


@pytest.fixture
def doc():
    return config_doc()
