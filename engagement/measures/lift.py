"""Lift: difference in differences of a favorable share, with a normal-approximation interval.

lift = (targeted after − targeted before) − (untargeted after − untargeted before), each a
pooled share (favorable answers / answers) over the groups of that kind. The four samples
are independent waves and groups, so the variance of the lift is the sum of their
binomial variances p(1 − p)/n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CONFIDENCE = 0.95  # the level of the interval below
Z95 = 1.959964


@dataclass(frozen=True)
class Share:
    favorable: int
    answers: int

    @property
    def p(self) -> float:
        return self.favorable / self.answers

    @property
    def variance(self) -> float:
        return self.p * (1 - self.p) / self.answers

    def __add__(self, other: Share) -> Share:
        return Share(self.favorable + other.favorable, self.answers + other.answers)


@dataclass(frozen=True)
class Lift:
    estimate: float  # in share points (0.12 = 12 points)
    low: float
    high: float
    targeted_change: float
    untargeted_change: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def difference_in_differences(
    targeted_before: Share, targeted_after: Share, untargeted_before: Share, untargeted_after: Share
) -> Lift | None:
    """The lift and its 95 % interval; None when a sample has no answers."""
    samples = (targeted_before, targeted_after, untargeted_before, untargeted_after)
    if any(s.answers == 0 for s in samples):
        return None
    targeted = targeted_after.p - targeted_before.p
    untargeted = untargeted_after.p - untargeted_before.p
    estimate = targeted - untargeted
    margin = Z95 * math.sqrt(sum(s.variance for s in samples))
    return Lift(estimate, estimate - margin, estimate + margin, targeted, untargeted)
