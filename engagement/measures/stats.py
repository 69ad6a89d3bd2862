"""Small statistics: Wilson intervals and the two-proportion test (95 %)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0–1); (0, 1) when there is no data."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_z(s1: int, n1: int, s2: int, n2: int) -> float:
    """The z statistic comparing s1/n1 with s2/n2 (pooled); 0 when it cannot be computed."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    return (s1 / n1 - s2 / n2) / se


def significant(s1: int, n1: int, s2: int, n2: int, z: float = Z95) -> bool:
    """Whether two proportions differ at the 95 % level (two-sided)."""
    return abs(two_proportion_z(s1, n1, s2, n2)) > z
