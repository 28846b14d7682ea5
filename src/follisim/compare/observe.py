"""Observation models: what a study measures in each virtual animal.

* ``sections`` (follicle counts): a study counts follicles in a few histological sections, a
  fraction ``f`` of the whole-ovary (both ovaries) count the model holds. The count seen is
  Poisson with mean ``f N``. ``f`` is set per study and endpoint so that the simulated control
  arm's mean equals the study's control mean (``fraction_from_control``); for pooled effects,
  which have no control mean, from Tang 2018's control arm (``reference_fraction``).
* ``assay`` (serum hormones): the level at the sacrifice time times a log-normal measurement
  error of mean 1 and CV ``assay_cv``.
* ``smears``: regular cycles (1/0), persistent diestrus (1/0) or the mean smear cycle length
  of cycling animals, read from
  daily smears (``follisim.compare.cohort``); acyclic animals are counted in the fraction and
  left out of the mean length, never averaged as NaN.

Noise comes from a stream keyed by (seed, arm, endpoint name, day), so the value an animal shows
for one endpoint does not depend on which other endpoints are compared.
"""

from __future__ import annotations

import zlib

import numpy as np

from follisim import datasets
from follisim.compare.cohort import STREAM_OBSERVATION, ArmCohort, Cohort, lognormal_sigma
from follisim.compare.vocabulary import ASSAY, SECTIONS, SMEARS, Endpoint, lookup


def whole(arm: ArmCohort, endpoint: Endpoint, day: int) -> np.ndarray:
    """Model value per animal (sum of the endpoint's variables) at sacrifice; NaN if failed."""
    total = sum(arm.values[v][:, day] for v in endpoint.variables)
    return np.where(arm.ok, total, np.nan)


def _rng(cohort: Cohort, arm: ArmCohort, endpoint: Endpoint, day: int) -> np.random.Generator:
    key = zlib.crc32(endpoint.name.encode())
    return np.random.default_rng([cohort.settings.seed, arm.index, STREAM_OBSERVATION, key, day])


def observed(cohort: Cohort, arm: str, endpoint: Endpoint, day: float,
             fraction: float = 1.0) -> np.ndarray:
    """What a study would record in each animal of ``arm`` at measurement day ``day``.

    ``fraction`` is the sections' sampling fraction (``sections`` endpoints only). Failed
    animals are NaN.
    """
    a = cohort.arms[arm]
    j = cohort.day_index(day)
    if endpoint.observation == SMEARS:
        if endpoint.quantity == "regular":
            return np.where(a.ok, a.regular[:, j].astype(float), np.nan)
        if endpoint.quantity == "diestrus":
            return np.where(a.ok, a.diestrus[:, j].astype(float), np.nan)
        return np.where(a.ok, a.cycle_length[:, j], np.nan)
    level = whole(a, endpoint, j)
    rng = _rng(cohort, a, endpoint, j)
    if endpoint.observation == SECTIONS:
        lam = np.where(np.isfinite(level), np.maximum(fraction * level, 0.0), 0.0)
        return np.where(np.isfinite(level), rng.poisson(lam).astype(float), np.nan)
    if endpoint.observation == ASSAY:
        sigma = lognormal_sigma(cohort.settings.variability["assay_cv"])
        noise = np.exp(sigma * rng.standard_normal(level.shape) - 0.5 * sigma * sigma)
        return level * noise
    raise ValueError(f"{endpoint.name}: no observation model")


def fraction_from_control(cohort: Cohort, control: str, endpoint: Endpoint, day: float,
                          control_mean: float) -> float:
    """Sampling fraction making the simulated control mean equal ``control_mean``."""
    model = np.nanmean(whole(cohort.arms[control], endpoint, cohort.day_index(day)))
    return control_mean / model if model > 0 else np.nan


#: Tang 2018's control section counts: the reference when a comparison has no control mean.
REFERENCE_ENDPOINTS = ("follicles_primordial", "follicles_primary", "follicles_secondary",
                       "follicles_mature(antral/preovulatory)", "follicles_atretic")


def reference_fraction(cohort: Cohort, control: str, endpoint: Endpoint, day: float) -> float:
    """Sampling fraction from Tang 2018's control arm for ``endpoint``'s variables: the sum of
    the reference means of endpoints that partition its variables over the simulated sum;
    1 (whole-ovary counts) when they do not partition them."""
    refs = {}
    for name in REFERENCE_ENDPOINTS:
        ref, _ = lookup(name)
        refs[ref.variables] = datasets.arm_mean(datasets.TANG2018, "control", name)
    wanted = set(endpoint.variables)
    parts = [v for v in refs if set(v) <= wanted]
    covered = [x for v in parts for x in v]
    if sorted(covered) != sorted(wanted):
        return 1.0
    j = cohort.day_index(day)
    model = sum(np.nanmean(whole(cohort.arms[control], lookup(_name_of(v))[0], j))
                for v in parts)
    return sum(refs[v] for v in parts) / model if model > 0 else np.nan


def _name_of(variables: tuple[str, ...]) -> str:
    for name in REFERENCE_ENDPOINTS:
        if lookup(name)[0].variables == variables:
            return name
    raise KeyError(variables)
