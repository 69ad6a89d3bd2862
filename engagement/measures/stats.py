"""Small statistics: Wilson and Newcombe intervals, effective samples, false-discovery control.

Everything works on counts (the roll-ups hold no individual answer), in plain Python: the
figures are checked against statsmodels and scipy in tests/test_stats.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

Z95 = 1.959963984540054
FDR = 0.05  # the share of marks on one heatmap that may be false, on average (Benjamini–Hochberg)
_NORMAL = NormalDist()


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0–1); (0, 1) when there is no data."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(max(0.0, p * (1 - p) / n + z * z / (4 * n * n))) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def significant(s1: int, n1: int, s2: int, n2: int, z: float = Z95) -> bool:
    """Whether two proportions differ at the 95 % level (two-sided), by the Newcombe interval."""
    if n1 <= 0 or n2 <= 0:
        return False
    low, high = newcombe(s1, n1, s2, n2, z)
    return low > 0 or high < 0


def newcombe(s1: float, n1: float, s2: float, n2: float, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval of p1 − p2 (his method 10, from two Wilson intervals).

    It keeps its coverage for small samples and shares near 0 or 1, where the normal
    approximation is too narrow.
    """
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1, z)
    l2, u2 = wilson(s2, n2, z)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def newcombe_p(s1: float, n1: float, s2: float, n2: float) -> float:
    """The two-sided p-value matching the Newcombe interval (the level where it touches 0)."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    d = s1 / n1 - s2 / n2
    if d == 0:
        return 1.0

    def gap(z: float) -> float:
        # how far the near end of the interval at level z stays clear of 0 (< 0: it crossed)
        low, high = newcombe(s1, n1, s2, n2, z)
        return low if d > 0 else -high

    lo, hi = 0.0, 40.0
    f_lo, f_hi = gap(lo), gap(hi)
    if f_hi > 0:
        return 2 * _NORMAL.cdf(-hi)
    side = 0
    for _ in range(100):  # regula falsi (Illinois): the gap falls as z grows
        z = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        f = gap(z)
        if abs(f) < 1e-13 or hi - lo < 1e-10:
            break
        if f > 0:
            lo, f_lo = z, f
            if side == 1:
                f_hi /= 2
            side = 1
        else:
            hi, f_hi = z, f
            if side == -1:
                f_lo /= 2
            side = -1
    return min(1.0, 2 * _NORMAL.cdf(-z))


def respondent_sample(favorable: int, answers: int, respondents: int) -> tuple[float, float]:
    """A dimension's counts with respondents as the unit: (favorable, n) scaled to n ≤ respondents.

    A dimension with two items gets two answers from most respondents, and one person's two
    answers go together: counting them as independent would make intervals too narrow. The
    effective sample is at most the respondents (the design effect of perfectly correlated
    items — a bound that errs on the wide side), with the same favorable share.
    """
    if answers <= 0:
        return 0.0, 0.0
    n = float(min(answers, respondents)) if respondents > 0 else float(answers)
    return favorable * n / answers, n


def benjamini_hochberg(pvalues: Sequence[float], q: float = FDR) -> list[bool]:
    """Which hypotheses to reject so that the expected share of false rejections is ≤ q."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    cutoff = -1
    for rank, i in enumerate(order, start=1):
        if pvalues[i] <= q * rank / m:
            cutoff = rank
    rejected = [False] * m
    for rank, i in enumerate(order, start=1):
        rejected[i] = rank <= cutoff
    return rejected


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Lentz's method)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        even = m * (b - m) * x / ((qam + m2) * (a + m2))
        odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        for aa in (even, odd):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def student_t_p(t: float, df: float) -> float:
    """The two-sided p-value of Student's t with df degrees of freedom."""
    return _incomplete_beta(df / 2, 0.5, df / (df + t * t))


def normal_p(z: float) -> float:
    """The two-sided p-value of a standard normal statistic."""
    return 2 * _NORMAL.cdf(-abs(z))
