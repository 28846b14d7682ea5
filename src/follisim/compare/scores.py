"""Effect sizes and their intervals: the arithmetic of the comparison, nothing model-specific.

Formulas (``docs/compare.md``):

* Hedges' g for two groups (Hedges & Olkin 1985): pooled SD
  ``s = sqrt(((n1-1) s1^2 + (n2-1) s2^2) / (n1+n2-2))``, ``d = (m1 - m2) / s``, small-sample
  correction ``J = 1 - 3 / (4 (n1+n2) - 9)``, ``g = J d``, standard error
  ``SE = sqrt((n1+n2)/(n1 n2) + g^2 / (2 (n1+n2)))``;
* risk ratio ``RR = (a/n1) / (c/n2)`` with ``SE(ln RR) = sqrt(1/a - 1/n1 + 1/c - 1/n2)``
  (Katz 1978); a zero count takes the 0.5 continuity correction in all four cells;
* Wilson score interval of a proportion (fractions of animals);
* log ratio of two means with the delta-method standard error
  ``SE = sqrt(cv1^2/n1 + cv2^2/n2)``.

Intervals are ``estimate +- 1.96 SE`` (on the log scale for ratios).
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def pooled_sd(s1: float, n1: float, s2: float, n2: float) -> float:
    return math.sqrt(((n1 - 1.0) * s1 * s1 + (n2 - 1.0) * s2 * s2) / (n1 + n2 - 2.0))


def hedges_g(m1: float, s1: float, n1: float, m2: float, s2: float, n2: float
             ) -> tuple[float, float, float]:
    """Hedges' g of group 1 over group 2 and its 95 % interval ``(g, low, high)``."""
    s = pooled_sd(s1, n1, s2, n2)
    j = 1.0 - 3.0 / (4.0 * (n1 + n2) - 9.0)
    g = j * (m1 - m2) / s if s > 0 else math.copysign(math.inf, m1 - m2) if m1 != m2 else 0.0
    se = math.sqrt((n1 + n2) / (n1 * n2) + g * g / (2.0 * (n1 + n2)))
    return g, g - Z95 * se, g + Z95 * se


def risk_ratio(p1: float, n1: float, p2: float, n2: float) -> tuple[float, float, float]:
    """Risk ratio of proportion ``p1`` (of ``n1``) over ``p2`` (of ``n2``) with its interval.

    The expected event counts ``a = p1 n1`` and ``c = p2 n2`` enter the Katz interval; when a
    count is 0 (or all), 0.5 is added to every cell.
    """
    a, c = p1 * n1, p2 * n2
    b, d = n1 - a, n2 - c
    if min(a, b, c, d) <= 0.0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
        n1, n2 = a + b, c + d
    rr = (a / n1) / (c / n2)
    se = math.sqrt(1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2)
    return rr, rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)


def wilson(p: float, n: float) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion ``p`` observed in ``n`` (Wilson 1927)."""
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def log_ratio_se(cv1: float, n1: float, cv2: float, n2: float) -> float:
    """Standard error of ln(mean1 / mean2) from the coefficients of variation and sizes."""
    return math.sqrt(cv1 * cv1 / n1 + cv2 * cv2 / n2)


def sd_from_spread(spread: float | None, kind: str, n: int | None) -> float | None:
    """The SD a reported spread stands for: SD as is, SEM * sqrt(n), a CI95 half-width
    / 1.96 * sqrt(n); ``None`` when no spread was reported (or ``n`` is missing)."""
    if spread is None or kind == "none":
        return None
    if kind == "SD":
        return spread
    if n is None:
        return None
    if kind == "SEM":
        return spread * math.sqrt(n)
    if kind == "CI95":
        return spread / Z95 * math.sqrt(n)
    raise ValueError(f"unknown spread kind {kind!r}")
