"""The shared work counter hands out every index exactly once, under threads."""

import numpy as np
from numba import njit, prange

from follisim.core.workqueue import WORKERS, take


@njit(parallel=True)
def _hits(n):
    counter = np.zeros(1, dtype=np.int64)
    hits = np.zeros(n, dtype=np.int64)
    for _ in prange(min(n, WORKERS)):
        s = take(counter)
        while s < n:
            hits[s] += 1            # each index is written by the one worker that drew it
            s = take(counter)
    return hits


def test_every_index_taken_exactly_once():
    n = 200_000
    hits = _hits(n)
    assert np.all(hits == 1)                 # a lost or doubled draw would show here
