"""Lift: a difference in differences with departments as the unit, and an interval that knows it.

A campaign is given to departments, not to answers, so the inference is at that level. With
department fixed effects and a wave effect, the two-wave difference in differences is

    lift = Σ w_d Δ_d / Σ w_d  over targeted departments  −  the same over untargeted ones,

where Δ_d is a department's change of favorable share between the wave before and the wave
after, and w_d = n_before · n_after / (n_before + n_after) its weight (the inverse of the
variance of Δ_d under a common share — bigger, steadier departments weigh more), with n the
respondents of the dimension (`stats.respondent_sample`).

The interval is a **randomisation interval**: every value δ for which relabelling which
departments were targeted (all assignments when there are at most `DRAWS`, otherwise `DRAWS`
random ones, seeded so a page shows the same interval each time) gives a lift as far from δ at
least 5 % of the time. It holds its 95 % coverage when departments' own changes vary (clustered
data), where counting answers as coin flips is far too narrow. With fewer than
`MIN_TARGETED` targeted or `MIN_UNTARGETED` untargeted departments no interval is given: the
verdict is "too few to tell".
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

CONFIDENCE = 0.95  # the level of the interval below
MIN_TARGETED = 5  # fewer targeted departments: too few to tell
MIN_UNTARGETED = 5
DRAWS = 4000  # relabellings of the randomisation interval
SEED = 20261


@dataclass(frozen=True)
class Share:
    favorable: float
    answers: float

    @property
    def p(self) -> float:
        return self.favorable / self.answers


@dataclass(frozen=True)
class DepartmentChange:
    """One department's share before and after (effective counts), and whether it was targeted."""

    before: Share
    after: Share
    targeted: bool

    @property
    def change(self) -> float:
        return self.after.p - self.before.p

    @property
    def weight(self) -> float:
        a, b = self.before.answers, self.after.answers
        return a * b / (a + b)


@dataclass(frozen=True)
class Lift:
    estimate: float  # in share points (0.12 = 12 points)
    low: float | None  # None: too few departments to give an interval
    high: float | None
    targeted_change: float
    untargeted_change: float
    targeted_groups: int
    untargeted_groups: int
    p: float | None  # randomisation p-value of "no lift"

    @property
    def too_few(self) -> bool:
        return self.low is None

    @property
    def excludes_zero(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low > 0 or self.high < 0


def _weighted_diff(assign: np.ndarray, wy: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The lift of each assignment (rows of 0/1) for weighted changes wy and weights w."""
    treated = (assign @ wy) / (assign @ w)
    rest = 1 - assign
    return treated - (rest @ wy) / (rest @ w)  # type: ignore[no-any-return]


def _assignments(groups: int, targeted: int, draws: int, seed: int) -> np.ndarray:
    """Relabellings of which departments were targeted: all of them, or `draws` at random."""
    if math.comb(groups, targeted) <= draws:
        rows = list(combinations(range(groups), targeted))
    else:
        rng = random.Random(seed)
        rows = [tuple(rng.sample(range(groups), targeted)) for _ in range(draws)]
    out = np.zeros((len(rows), groups))
    for i, row in enumerate(rows):
        out[i, list(row)] = 1.0
    return out


def department_lift(
    departments: Sequence[DepartmentChange],
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Lift | None:
    """The lift, its randomisation interval and p-value; None without both kinds of group."""
    kept = [d for d in departments if d.before.answers > 0 and d.after.answers > 0]
    targeted = [d for d in kept if d.targeted]
    untargeted = [d for d in kept if not d.targeted]
    if not targeted or not untargeted:
        return None
    w = np.array([d.weight for d in kept])
    y = np.array([d.change for d in kept])
    t = np.array([1.0 if d.targeted else 0.0 for d in kept])
    estimate = float(_weighted_diff(t[None, :], w * y, w)[0])
    t_change = float((t @ (w * y)) / (t @ w))
    u_change = float(((1 - t) @ (w * y)) / ((1 - t) @ w))
    if len(targeted) < MIN_TARGETED or len(untargeted) < MIN_UNTARGETED:
        return Lift(estimate, None, None, t_change, u_change, len(targeted), len(untargeted), None)
    perms = _assignments(len(kept), len(targeted), draws, seed)
    alpha = 1 - confidence

    def p_value(delta: float) -> float:
        # under "the lift is delta", removing it from the targeted departments makes the
        # labels exchangeable: how often does a relabelling look at least as extreme?
        shifted = w * (y - delta * t)
        observed = abs(float(_weighted_diff(t[None, :], shifted, w)[0]))
        spread = np.abs(_weighted_diff(perms, shifted, w))
        return float((1 + np.sum(spread >= observed - 1e-12)) / (1 + len(perms)))

    def bound(direction: float) -> float:
        inside, outside = estimate, estimate + direction * 0.05
        while p_value(outside) > alpha:  # widen until the value is rejected
            inside, outside = outside, outside + direction * 2 * abs(outside - estimate)
            if abs(outside - estimate) > 4:
                return estimate + direction * 4  # more than the share scale: no bound
        for _ in range(30):
            mid = (inside + outside) / 2
            inside, outside = (mid, outside) if p_value(mid) > alpha else (inside, mid)
        return (inside + outside) / 2

    return Lift(
        estimate,
        bound(-1.0),
        bound(1.0),
        t_change,
        u_change,
        len(targeted),
        len(untargeted),
        p_value(0.0),
    )
