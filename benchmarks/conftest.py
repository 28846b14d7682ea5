"""Benchmark fixtures. ``FOLLISIM_BENCH_QUICK=1`` shrinks sizes for CI (no timing asserts)."""

import os

import numpy as np
import pytest

from follisim.calibrate.healthy import healthy_state
from follisim.core import batch
from follisim.models import RAT
from follisim.protocols import Protocol

QUICK = os.environ.get("FOLLISIM_BENCH_QUICK", "0") == "1"
DAYS = 120.0


@pytest.fixture(scope="session")
def core_args():
    """Arguments of ``batch.solve_one`` for the default 120-day healthy run (daily saves)."""
    m = RAT
    p = m.parameters.pack()
    save = np.arange(0.0, DAYS + 0.5, 1.0)
    c = Protocol().compile(m, 0.0, DAYS)
    opts = np.array([1e-6, 1e-8, 0.0, 1e-12, np.inf, 1e6])
    out = (np.empty((save.size, len(m.states))), np.empty((save.size, len(m.inputs))),
           np.empty((save.size, len(m.observables))), np.zeros(3, np.int64))
    return (m.model_id, healthy_state(p), p, batch.INIT_GIVEN, m.frozen_mask(),
            np.full(len(m.states), -1), m.phase_array(0.0), c.u0, c.pk_rates, c.pk_state0,
            c.pk_map, c.ev_t,
            c.ev_kind, c.ev_target, c.ev_value, 0.0, DAYS, save, opts, *out)
