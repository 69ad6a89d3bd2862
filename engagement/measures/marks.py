"""The heatmap's `*` marks: which differences are unlikely to be chance, on one heatmap.

A mark compares a department with the **rest of the company** (the company's counts minus
the department's subtree — a department is part of the company, so testing it against the
whole would compare it partly with itself) or with **its previous wave**. Each difference is
tested with respondents as the unit (`stats.respondent_sample`) by the Newcombe interval, and
the marks of one heatmap and comparison are chosen together by Benjamini–Hochberg, so that on
average at most 5 % of the marks shown are false.

Only figures the suppression shows go in: a department and the company row that are both
shown (their difference is then no secret), and two shown waves of one department.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engagement.measures.engine import DimensionResult, Measures
from engagement.measures.stats import FDR, benjamini_hochberg, newcombe_p, respondent_sample
from engagement.questions import CHANGE_PATH, Dimension

MIN_RESPONDENTS = 5  # below this a side is not tested (it is never shown below k ≥ 3 anyway)

Key = tuple[int, Dimension]


@dataclass(frozen=True)
class Test:
    key: Key
    p: float


def _sample(d: DimensionResult, respondents: int) -> tuple[float, float]:
    return respondent_sample(d.favorable, d.answers, respondents)


def _test(key: Key, a: tuple[float, float], b: tuple[float, float]) -> Test | None:
    (s1, n1), (s2, n2) = a, b
    if n1 < MIN_RESPONDENTS or n2 < MIN_RESPONDENTS:
        return None
    return Test(key, newcombe_p(s1, n1, s2, n2))


def _chosen(tests: list[Test], q: float) -> frozenset[Key]:
    rejected = benjamini_hochberg([t.p for t in tests], q)
    return frozenset(t.key for t, r in zip(tests, rejected, strict=True) if r)


def against_rest(
    company: Measures, departments: Mapping[int, Measures], q: float = FDR
) -> frozenset[Key]:
    """The (department, dimension) pairs that differ from the rest of the company."""
    tests: list[Test] = []
    for dept_id, m in departments.items():
        rest_respondents = company.respondents - m.respondents
        for dim in CHANGE_PATH:
            mine, whole = m.dimensions[dim], company.dimensions[dim]
            rest = DimensionResult(
                answers=whole.answers - mine.answers,
                favorable=whole.favorable - mine.favorable,
                favorable_pct=None,
                mean=None,
                low=0.0,
                high=1.0,
            )
            if rest.answers <= 0 or mine.answers <= 0:
                continue
            test = _test(
                (dept_id, dim), _sample(mine, m.respondents), _sample(rest, rest_respondents)
            )
            if test is not None:
                tests.append(test)
    return _chosen(tests, q)


def previous_tests(now: Mapping[int, Measures], before: Mapping[int, Measures]) -> list[Test]:
    """The tests behind `against_previous`: one per shown department and dimension."""
    tests: list[Test] = []
    for dept_id, m in now.items():
        then = before.get(dept_id)
        if then is None:
            continue
        for dim in CHANGE_PATH:
            a, b = m.dimensions[dim], then.dimensions[dim]
            if a.answers <= 0 or b.answers <= 0:
                continue
            test = _test((dept_id, dim), _sample(a, m.respondents), _sample(b, then.respondents))
            if test is not None:
                tests.append(test)
    return tests


def against_previous(
    now: Mapping[int, Measures], before: Mapping[int, Measures], q: float = FDR
) -> frozenset[Key]:
    """The (department, dimension) pairs that changed since the previous wave."""
    return _chosen(previous_tests(now, before), q)


def expected_false_marks(pvalues: Sequence[float], q: float = FDR) -> tuple[int, float]:
    """Marks Benjamini–Hochberg shows, and how many of them chance alone would give.

    The expected false marks are m0 × t: the tests with no real change (m0, estimated as
    Storey's π0 = share of p-values over ½, doubled, at most 1, times the tests) each passing
    the family's cut-off t (the largest p-value marked) with probability t.
    """
    m = len(pvalues)
    if not m:
        return 0, 0.0
    marked = [p for p, r in zip(pvalues, benjamini_hochberg(list(pvalues), q), strict=True) if r]
    if not marked:
        return 0, 0.0
    null_share = min(1.0, 2 * sum(p > 0.5 for p in pvalues) / m)
    return len(marked), null_share * m * max(marked)
