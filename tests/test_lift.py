"""The lift: departments as the unit, a randomisation interval, and "too few to tell"."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest
import statsmodels.api as sm

from engagement.measures.lift import (
    MIN_TARGETED,
    DepartmentChange,
    Share,
    department_lift,
)


def _dept(
    before: tuple[float, float], after: tuple[float, float], targeted: bool
) -> DepartmentChange:
    return DepartmentChange(Share(*before), Share(*after), targeted)


FIXED = [
    _dept((20, 50), (38, 50), True),
    _dept((10, 30), (18, 30), True),
    _dept((40, 80), (55, 80), True),
    _dept((12, 40), (20, 40), True),
    _dept((9, 20), (13, 20), True),
    _dept((30, 60), (33, 60), False),
    _dept((25, 50), (24, 50), False),
    _dept((14, 30), (17, 30), False),
    _dept((33, 70), (35, 70), False),
    _dept((8, 20), (9, 20), False),
    _dept((22, 45), (25, 45), False),
]


def test_the_estimate_is_the_fixed_effects_difference_in_differences() -> None:
    """Against statsmodels: WLS of share on department dummies, an after-wave dummy and
    targeted × after, each department-wave weighted so the two waves give w_d together."""
    lift = department_lift(FIXED)
    assert lift is not None
    rows, y, weights = [], [], []
    for i, d in enumerate(FIXED):
        for after, share in ((0, d.before), (1, d.after)):
            dummies = [1.0 if j == i else 0.0 for j in range(len(FIXED))]
            rows.append([*dummies, float(after), float(after and d.targeted)])
            y.append(share.p)
            weights.append(d.weight)
    fit = sm.WLS(np.array(y), np.array(rows), weights=np.array(weights)).fit()
    assert lift.estimate == pytest.approx(fit.params[-1], abs=1e-10)
    # by hand: weighted mean change of the targeted minus that of the others
    t = [d for d in FIXED if d.targeted]
    u = [d for d in FIXED if not d.targeted]
    mean = lambda ds: sum(d.weight * d.change for d in ds) / sum(d.weight for d in ds)  # noqa: E731
    assert lift.estimate == pytest.approx(mean(t) - mean(u))
    assert lift.targeted_change == pytest.approx(mean(t))


def test_the_randomisation_p_value_counts_every_relabelling() -> None:
    lift = department_lift(FIXED)
    assert lift is not None and lift.p is not None
    # C(11, 5) = 462 relabellings, all enumerated: recount them by hand
    w = [d.weight for d in FIXED]
    y = [d.change for d in FIXED]

    def diff(chosen: set[int]) -> float:
        a = sum(w[i] * y[i] for i in chosen) / sum(w[i] for i in chosen)
        rest = [i for i in range(len(FIXED)) if i not in chosen]
        return a - sum(w[i] * y[i] for i in rest) / sum(w[i] for i in rest)

    observed = abs(diff({0, 1, 2, 3, 4}))
    extreme = sum(abs(diff(set(c))) >= observed - 1e-12 for c in combinations(range(11), 5))
    assert lift.p == pytest.approx((1 + extreme) / (1 + 462))
    assert lift.low is not None and lift.high is not None
    assert lift.low < lift.estimate < lift.high
    assert lift.excludes_zero == (lift.p < 0.05)


def test_too_few_targeted_departments_give_no_interval() -> None:
    few = FIXED[3:]  # two targeted departments left
    lift = department_lift(few)
    assert lift is not None and lift.too_few and lift.targeted_groups == 2 < MIN_TARGETED
    assert lift.low is None and not lift.excludes_zero
    assert department_lift([d for d in FIXED if not d.targeted]) is None


def _clustered(rng: random.Random, effect: float) -> list[DepartmentChange]:
    """30 departments, 8 targeted; each department has its own level and its own change."""
    out = []
    for g in range(30):
        n = rng.randint(15, 80)
        base = min(0.9, max(0.1, rng.gauss(0.5, 0.1)))
        shock = rng.gauss(0, 0.10)  # a department's own change: what answers-as-coins ignore
        targeted = g < 8
        after = min(0.95, max(0.05, base + 0.03 + shock + (effect if targeted else 0)))
        s_b = sum(rng.random() < base for _ in range(n))
        s_a = sum(rng.random() < after for _ in range(n))
        out.append(_dept((s_b, n), (s_a, n), targeted))
    return out


def test_the_interval_covers_the_true_lift_95_percent_of_the_time_under_clustered_data() -> None:
    """Coverage simulation: 300 clustered data sets with a true lift of 5 points.

    Tolerance: ±4 points around 95 % (the simulation's own standard error is 1.3 points).
    Counting answers as independent coin flips covers far less here (checked below).
    """
    rng = random.Random(2026)
    covered = naive_covered = 0
    runs = 300
    for _ in range(runs):
        data = _clustered(rng, 0.05)
        lift = department_lift(data, draws=400)
        assert lift is not None and lift.low is not None and lift.high is not None
        covered += lift.low <= 0.05 <= lift.high
        naive_covered += _naive_covers(data, 0.05)
    assert 0.91 <= covered / runs <= 0.99
    assert naive_covered / runs < 0.85


def _naive_covers(data: list[DepartmentChange], truth: float) -> bool:
    """The former interval: pooled answers, binomial variances, as if independent."""

    def pool(targeted: bool, after: bool) -> Share:
        shares = [(d.after if after else d.before) for d in data if d.targeted == targeted]
        return Share(sum(s.favorable for s in shares), sum(s.answers for s in shares))

    samples = [pool(t, a) for t in (True, False) for a in (False, True)]
    estimate = (samples[1].p - samples[0].p) - (samples[3].p - samples[2].p)
    se = sum(s.p * (1 - s.p) / s.answers for s in samples) ** 0.5
    return bool(estimate - 1.96 * se <= truth <= estimate + 1.96 * se)
