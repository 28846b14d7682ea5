"""A hypothesis recipe shared by the kernel tests: a random state, parameter vector within its
bounds, and input vector of the rat model."""

import numpy as np
from hypothesis import strategies as st

from follisim.models import RAT


def random_point(data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, p, u)``: states in [0, 2 max(guess, 1)], parameters within their bounds, inputs
    within theirs (or [0, 10] when unbounded above); ``data`` is ``st.data()``."""
    p = np.array([data.draw(st.floats(*q.bounds, allow_nan=False))
                  for q in RAT.parameters.parameters])
    y = np.array([data.draw(st.floats(0.0, 2.0 * max(v, 1.0)))
                  for v in RAT.initial_guess.values()])
    u = np.array([data.draw(st.floats(*(v.bounds if np.isfinite(v.bounds[1]) else (0.0, 10.0))))
                  for v in RAT.inputs])
    return y, p, u
