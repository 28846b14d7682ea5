"""Designs: the table of swept values, one row per sample, reproducible from a seed.

* ``grid``: every combination of each factor's ``values`` (or ``points`` values spaced on its
  scale); the last factor varies fastest;
* ``lhs``: Latin hypercube (``scipy.stats.qmc.LatinHypercube``, seeded);
* ``sobol``: scrambled Sobol' points (``scipy.stats.qmc.Sobol``, seeded); a power of two of
  samples keeps the sequence balanced.

Unit-cube coordinates map to values through each factor's scale (uniform on the logarithm for
``log``) or, for ``normal``/``lognormal`` factors, through the inverse distribution function
truncated to [min, max].
"""

from __future__ import annotations

import hashlib
import itertools
import math
import warnings
from collections.abc import Mapping

import numpy as np
from scipy import stats
from scipy.stats import qmc

from follisim.sweep.spec import Factor, SweepSpec


def from_unit(f: Factor, u: np.ndarray) -> np.ndarray:
    """Map unit-interval coordinates ``u`` to values of factor ``f``."""
    u = np.asarray(u, dtype=np.float64)
    if f.distribution == "normal":
        dist = stats.norm(f.loc, f.spread)
        a, b = dist.cdf(f.low), dist.cdf(f.high)
        return np.clip(dist.ppf(a + u * (b - a)), f.low, f.high)
    if f.distribution == "lognormal":
        dist = stats.lognorm(s=f.spread, scale=f.loc)
        a, b = dist.cdf(f.low), dist.cdf(f.high)
        return np.clip(dist.ppf(a + u * (b - a)), f.low, f.high)
    if f.scale == "log":
        lo, hi = math.log(f.low), math.log(f.high)
        return np.clip(np.exp(lo + u * (hi - lo)), f.low, f.high)
    return f.low + u * (f.high - f.low)


def grid_values(f: Factor) -> np.ndarray:
    """The grid points of ``f``."""
    if f.values:
        return np.array(f.values, dtype=np.float64)
    return from_unit(f, np.linspace(0.0, 1.0, f.points))


def unit_sample(method: str, d: int, n: int, seed: int) -> np.ndarray:
    """``float64[n, d]`` points in the unit cube."""
    if method == "lhs":
        return qmc.LatinHypercube(d, seed=np.random.default_rng(seed)).random(n)
    if method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)     # balance note for n != 2^m
            return qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random(n)
    raise ValueError(f"unknown method {method!r}")


def build(spec: SweepSpec) -> dict[str, np.ndarray]:
    """The design of ``spec``: ``{factor name: float64[samples]}``."""
    if spec.method == "grid":
        axes = [grid_values(f) for f in spec.factors]
        rows = np.array(list(itertools.product(*axes)), dtype=np.float64)
        return {f.name: rows[:, i].copy() for i, f in enumerate(spec.factors)}
    u = unit_sample(spec.method, len(spec.factors), spec.samples, spec.seed)
    return {f.name: from_unit(f, u[:, i]) for i, f in enumerate(spec.factors)}


def sha256(spec: SweepSpec, table: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of what fixes a sweep's results: the design record (factors, method, seed,
    samples, arms, outputs) and the exact table of values."""
    h = hashlib.sha256(spec.design_sha256.encode())
    for name in sorted(table):
        h.update(name.encode())
        h.update(np.ascontiguousarray(table[name], dtype=np.float64).tobytes())
    return h.hexdigest()
