"""Shared fixtures (small configurations as parsed documents) and hypothesis profiles.

Profiles: ``ci`` (selected when the environment has ``CI`` set, as ``.ci/run`` does):
derandomized, no example database, no shrinking, so a failure reports in seconds with a blob
to reproduce it; ``dev`` (default): random, with shrinking; ``thorough``: many examples, for
a deliberate local hunt (``HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_fuzz.py``).
Tests that set their own ``max_examples`` keep it.
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

_COMMON = {"deadline": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much]}
settings.register_profile("ci", max_examples=60, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_COMMON)
settings.register_profile("dev", max_examples=60, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI")
                                                               else "dev"))


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
