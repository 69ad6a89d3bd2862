"""Trends: has a share risen or fallen over the last waves, beyond what chance gives?

For one group and dimension, a logistic regression of the favorable answer on the wave's
index over the last `TREND_WAVES` shown waves: logit P(favorable) = a + b·wave. The counts are
grouped per wave (the same likelihood as one Bernoulli per respondent), with respondents as the
unit of a two-item dimension (`stats.respondent_sample`). The slope is tested quasi-binomially
(its standard error widened when waves vary beyond their samples, Student's t on waves − 2
degrees of freedom: `Fit.p`); the four dimensions of one view are decided together by
Benjamini–Hochberg. Only waves the suppression shows go in; hidden waves are gaps, and fewer
than `MIN_WAVES` shown waves give no verdict.

The size is told in points a wave — the fitted share's change from the first to the last wave
of the window, divided by the waves between them — rounded to what the sentence shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from engagement.measures.engine import Measures
from engagement.measures.stats import (
    FDR,
    benjamini_hochberg,
    normal_p,
    respondent_sample,
    student_t_p,
)
from engagement.questions import CHANGE_PATH, Dimension

TREND_WAVES = 8  # the window: the last 8 shown waves
MIN_WAVES = 3  # below this no trend is told
MIN_RESPONDENTS = 5  # a wave with fewer answers to the dimension does not count


class Direction(StrEnum):
    RISING = "rising"
    FALLING = "falling"
    FLAT = "flat"  # no change beyond chance
    UNKNOWN = "unknown"  # too few shown waves


@dataclass(frozen=True)
class Fit:
    intercept: float
    slope: float
    waves: int
    se: float  # standard error of the slope (binomial)
    dispersion: float = 1.0  # Pearson χ² / (waves − 2)

    @property
    def p(self) -> float:
        """The slope's two-sided p-value. When waves vary more than their samples explain (a
        wave's own mood, shared by its respondents) it is quasi-binomial: the standard error is
        widened by √dispersion and Student's t with waves − 2 degrees of freedom replaces z."""
        if self.dispersion <= 1 or self.waves <= 2:
            return normal_p(self.slope / self.se)  # the binomial variance holds
        return student_t_p(self.slope / (self.se * math.sqrt(self.dispersion)), self.waves - 2)


@dataclass(frozen=True)
class Trend:
    direction: Direction
    waves: int  # shown waves in the window
    points_per_wave: float  # rounded to 0.1 point
    p: float | None


def logistic_fit(x: Sequence[float], successes: Sequence[float], n: Sequence[float]) -> Fit | None:
    """Maximum-likelihood logistic regression of grouped binomial counts on x (Newton steps).

    None when the slope cannot be estimated (fewer than two distinct x, or a share of 0 or 1
    everywhere, where the estimate runs off to infinity).
    """
    if len(set(x)) < 2 or sum(n) <= 0:
        return None
    total_s, total_n = sum(successes), sum(n)
    if total_s <= 0 or total_s >= total_n:
        return None
    a, b = math.log(total_s / (total_n - total_s)), 0.0
    for _ in range(100):
        g0 = g1 = h00 = h01 = h11 = 0.0
        for xi, si, ni in zip(x, successes, n, strict=True):
            p = 1 / (1 + math.exp(-(a + b * xi)))
            w = ni * p * (1 - p)
            g0 += si - ni * p
            g1 += (si - ni * p) * xi
            h00 += w
            h01 += w * xi
            h11 += w * xi * xi
        det = h00 * h11 - h01 * h01
        if det <= 1e-12:
            return None
        da = (h11 * g0 - h01 * g1) / det
        db = (h00 * g1 - h01 * g0) / det
        a, b = a + da, b + db
        if abs(da) + abs(db) < 1e-10:
            break
        if abs(b) > 50:
            return None
    return Fit(a, b, len(x), math.sqrt(h00 / det), _dispersion(a, b, x, successes, n))


def _dispersion(
    a: float, b: float, x: Sequence[float], successes: Sequence[float], n: Sequence[float]
) -> float:
    """Pearson's χ² over its degrees of freedom: over 1 when waves vary beyond their samples."""
    df = len(x) - 2
    if df <= 0:
        return 1.0
    chi2 = 0.0
    for xi, si, ni in zip(x, successes, n, strict=True):
        p = 1 / (1 + math.exp(-(a + b * xi)))
        chi2 += (si - ni * p) ** 2 / (ni * p * (1 - p))
    return chi2 / df


def _points(fit: Fit, first: float, last: float) -> float:
    def share(x: float) -> float:
        return 1 / (1 + math.exp(-(fit.intercept + fit.slope * x)))

    return round(100 * (share(last) - share(first)) / (last - first), 1)


def dimension_trends(
    series: Sequence[tuple[int, Measures | None]], q: float = FDR
) -> dict[Dimension, Trend]:
    """Each change-path dimension's trend over the last shown waves of one group.

    `series` holds (wave number, measures or None when hidden), oldest first.
    """
    return group_trends({0: series}, q)[0]


def group_trends(
    series: Mapping[int, Sequence[tuple[int, Measures | None]]], q: float = FDR
) -> dict[int, dict[Dimension, Trend]]:
    """`dimension_trends` of several groups, decided together (one Benjamini–Hochberg family)."""
    fits: dict[tuple[int, Dimension], tuple[Fit, int, float, float]] = {}
    unknown: dict[tuple[int, Dimension], int] = {}
    for group, waves in series.items():
        shown = [(number, m) for number, m in waves if m is not None][-TREND_WAVES:]
        for dim in CHANGE_PATH:
            xs, ss, ns = [], [], []
            for number, m in shown:
                d = m.dimensions[dim]
                s, n = respondent_sample(d.favorable, d.answers, m.respondents)
                if n >= MIN_RESPONDENTS:
                    xs.append(float(number))
                    ss.append(s)
                    ns.append(n)
            fit = logistic_fit(xs, ss, ns) if len(xs) >= MIN_WAVES else None
            if fit is None:
                unknown[group, dim] = len(xs)
            else:
                fits[group, dim] = (fit, len(xs), xs[0], xs[-1])
    pvalues = {key: f.p for key, (f, *_rest) in fits.items()}
    decided = dict(zip(pvalues, benjamini_hochberg(list(pvalues.values()), q), strict=True))
    out: dict[int, dict[Dimension, Trend]] = {group: {} for group in series}
    for (group, dim), count in unknown.items():
        enough = count >= MIN_WAVES  # a share of 0 or 1 throughout: no change to tell
        out[group][dim] = Trend(Direction.FLAT if enough else Direction.UNKNOWN, count, 0.0, None)
    for (group, dim), (fit, count, first, last) in fits.items():
        direction = Direction.FLAT
        if decided[group, dim]:
            direction = Direction.RISING if fit.slope > 0 else Direction.FALLING
        out[group][dim] = Trend(direction, count, _points(fit, first, last), pvalues[group, dim])
    return {g: {d: t[d] for d in CHANGE_PATH} for g, t in out.items()}


def rising_or_falling(trends: Mapping[Dimension, Trend]) -> dict[Dimension, Trend]:
    """The trends that say something (rising or falling)."""
    return {d: t for d, t in trends.items() if t.direction in (Direction.RISING, Direction.FALLING)}
