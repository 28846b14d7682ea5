"""Shared fixtures: small configurations as parsed documents."""

import pytest


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
