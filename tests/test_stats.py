"""The statistics of the marks, checked against statsmodels and scipy on fixed data."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from scipy import stats as sp
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from engagement.authz import SYSTEM
from engagement.measures import marks
from engagement.measures.engine import Tally, measures_of
from engagement.measures.stats import (
    benjamini_hochberg,
    newcombe,
    newcombe_p,
    normal_p,
    respondent_sample,
    significant,
    wilson,
)
from engagement.questions import CHANGE_PATH, Dimension

CASES = [(108, 225, 700, 1248), (3, 7, 40, 52), (0, 6, 20, 31), (12, 12, 5, 18), (50, 99, 51, 101)]


@pytest.mark.parametrize(("s1", "n1", "s2", "n2"), CASES)
def test_wilson_matches_statsmodels(s1: int, n1: int, s2: int, n2: int) -> None:
    for s, n in ((s1, n1), (s2, n2)):
        low, high = proportion_confint(s, n, alpha=0.05, method="wilson")
        assert wilson(s, n) == pytest.approx((low, high), abs=1e-9)


@pytest.mark.parametrize(("s1", "n1", "s2", "n2"), CASES)
def test_newcombe_matches_statsmodels(s1: int, n1: int, s2: int, n2: int) -> None:
    expected = confint_proportions_2indep(s1, n1, s2, n2, method="newcomb", compare="diff")
    assert newcombe(s1, n1, s2, n2) == pytest.approx(tuple(map(float, expected)), abs=1e-9)


@pytest.mark.parametrize(("s1", "n1", "s2", "n2"), CASES)
def test_newcombe_p_is_the_level_where_the_interval_touches_zero(
    s1: int, n1: int, s2: int, n2: int
) -> None:
    p = newcombe_p(s1, n1, s2, n2)
    if s1 / n1 == s2 / n2:
        assert p == 1.0
        return
    low, high = confint_proportions_2indep(
        s1, n1, s2, n2, method="newcomb", compare="diff", alpha=p
    )
    nearest = float(low) if s1 / n1 > s2 / n2 else float(high)
    assert nearest == pytest.approx(0.0, abs=1e-7)
    assert (p < 0.05) == significant(s1, n1, s2, n2)


def test_newcombe_p_is_close_to_an_exact_test_for_small_samples() -> None:
    # small samples, where the old z test marked differences an exact test does not
    for s1, n1, s2, n2 in [(3, 7, 40, 52), (2, 9, 30, 45), (5, 8, 10, 40)]:
        exact = sp.fisher_exact([[s1, n1 - s1], [s2, n2 - s2]]).pvalue
        assert newcombe_p(s1, n1, s2, n2) == pytest.approx(exact, rel=0.6)


def test_normal_p_matches_scipy() -> None:
    for z in (0.0, 1.0, 1.96, -2.5, 4.0):
        assert normal_p(z) == pytest.approx(2 * sp.norm.sf(abs(z)), rel=1e-9)


def test_benjamini_hochberg_matches_statsmodels() -> None:
    rng = random.Random(3)
    for _ in range(50):
        pvalues = [rng.random() ** rng.choice([1, 3, 8]) for _ in range(rng.randint(1, 90))]
        expected = multipletests(pvalues, alpha=0.05, method="fdr_bh")[0]
        assert benjamini_hochberg(pvalues) == list(expected)


def test_respondents_are_the_unit_of_a_two_item_dimension() -> None:
    # 40 respondents gave 78 answers to a two-item dimension: 40 independent units, not 78
    assert respondent_sample(39, 78, 40) == (20.0, 40.0)
    # a one-item dimension keeps its answers (some respondents skipped it)
    assert respondent_sample(19, 38, 40) == (19.0, 38.0)


def _measures(respondents: int, favorable: dict[Dimension, tuple[int, int]]) -> object:
    tally = Tally(invited=respondents * 2, respondents=respondents)
    for dim, (fav, n) in favorable.items():
        tally.scale[dim] = [n, fav, fav * 4 + (n - fav) * 2]
    return measures_of(tally, 5)


def _even(respondents: int, share: float) -> dict[Dimension, tuple[int, int]]:
    return {d: (round(share * respondents), respondents) for d in CHANGE_PATH}


def test_a_department_is_compared_with_the_rest_of_the_company() -> None:
    # the case: 108/225 in a company of 808/1473 — against the whole company (which
    # includes them) p > 0.05, against the other 1,248 respondents p < 0.05
    assert newcombe_p(108, 225, 808, 1473) > 0.05 > newcombe_p(108, 225, 700, 1248)
    ops = {**_even(225, 0.56), Dimension.UNDERSTANDING: (108, 225)}
    company = _measures(1473, {d: (808, 1473) for d in CHANGE_PATH})
    sales = _measures(300, {**_even(300, 0.56), Dimension.UNDERSTANDING: (230, 300)})
    alone = marks.against_rest(company, {7: _measures(225, ops)})  # type: ignore[arg-type]
    # alone in its family of four tests, p = 0.025 is over BH's 0.05 / 4
    assert (7, Dimension.UNDERSTANDING) not in alone
    # a department far above the rest is marked in the same family
    family = marks.against_rest(
        company,
        {7: _measures(225, ops), 8: sales},  # type: ignore[dict-item]
    )
    assert (8, Dimension.UNDERSTANDING) in family
    assert not {(8, d) for d in CHANGE_PATH if d is not Dimension.UNDERSTANDING} & family


def _draw(rng: random.Random, n: int) -> dict[Dimension, tuple[int, int]]:
    return {d: (sum(rng.random() < 0.55 for _ in range(n)), n) for d in CHANGE_PATH}


def test_many_tests_of_pure_noise_give_few_marks() -> None:
    """90 departments × 4 dimensions with no true difference: BH keeps the marks near none."""
    rng = random.Random(11)
    false_marks = 0
    for _ in range(20):
        now, before = {}, {}
        for dept in range(90):
            n = rng.randint(8, 60)
            now[dept], before[dept] = _measures(n, _draw(rng, n)), _measures(n, _draw(rng, n))
        false_marks += len(marks.against_previous(now, before))  # type: ignore[arg-type]
    # uncorrected, about 5 % of 20 × 360 tests (≈ 360) would be marked
    assert false_marks <= 0.05 * 20  # at most one heatmap in 20 shows any false mark


def test_a_real_change_is_still_marked() -> None:
    now = {1: _measures(120, _even(120, 0.75)), 2: _measures(120, _even(120, 0.5))}
    before = {1: _measures(120, _even(120, 0.45)), 2: _measures(120, _even(120, 0.5))}
    marked = marks.against_previous(now, before)  # type: ignore[arg-type]
    assert {(1, d) for d in CHANGE_PATH} <= marked
    assert not any(key[0] == 2 for key in marked)


def test_expected_false_marks_by_hand() -> None:
    # 10 tests, BH marks the two smallest (0.001 ≤ 0.005, 0.008 ≤ 0.010); 6 p-values over ½:
    # π0 = min(1, 2 × 6 / 10) = 1, so chance alone gives 10 × 0.008 = 0.08 of the 2 marks
    pvalues = [0.001, 0.008, 0.04, 0.3, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95]
    assert marks.expected_false_marks(pvalues) == (2, pytest.approx(0.08))
    assert marks.expected_false_marks([0.5, 0.9]) == (0, 0.0)


def test_on_the_demo_false_week_on_week_marks_are_at_most_5_percent(demo_url: str) -> None:
    from sqlmodel import Session

    from engagement.db import get_engine
    from engagement.services import reports

    with Session(get_engine(demo_url)) as s:
        options = [w for w in reports.wave_options(session=s, actor=SYSTEM) if not w.is_open]
        history = [reports.company_report(s, 5, w.id) for w in reversed(options)]
    shown = expected = 0.0
    tests = 0
    for before, now in pairwise(history):
        family = marks.previous_tests(
            {r.department_id: r.measures for r in now.rows if r.measures is not None},
            {r.department_id: r.measures for r in before.rows if r.measures is not None},
        )
        tests += len(family)
        marked, false = marks.expected_false_marks([t.p for t in family])
        shown += marked
        expected += false
    assert tests > 200  # the comparison really ran over the demo's waves
    assert expected <= 0.05 * shown


def test_newcombe_p_matches_statsmodels_on_random_counts() -> None:
    rng = random.Random(8)
    for _ in range(200):
        n1, n2 = rng.randint(3, 300), rng.randint(3, 900)
        s1, s2 = rng.randint(0, n1), rng.randint(0, n2)
        p = newcombe_p(s1, n1, s2, n2)
        if s1 / n1 == s2 / n2 or p < 1e-12:
            continue
        low, high = confint_proportions_2indep(
            s1, n1, s2, n2, method="newcomb", compare="diff", alpha=p
        )
        assert (float(low) if s1 / n1 > s2 / n2 else float(high)) == pytest.approx(0, abs=1e-6)


def test_on_the_demo_small_sample_marks_pass_an_exact_test(demo_url: str) -> None:
    """Every mark against the rest where a side has under 30 respondents holds under Fisher's
    exact test at 5 % too (the former z test's small-sample marks often did not)."""
    from sqlmodel import Session

    from engagement.db import get_engine
    from engagement.services import reports

    with Session(get_engine(demo_url)) as s:
        options = [w for w in reports.wave_options(session=s, actor=SYSTEM) if not w.is_open]
        history = [reports.company_report(s, 5, w.id) for w in options]
    small = 0
    for report in history:
        company = next(r.measures for r in report.rows if r.is_company and r.measures)
        shown = {
            r.department_id: r.measures for r in report.rows if r.measures and not r.is_company
        }
        for dept, dim in marks.against_rest(company, shown):
            m, mine, whole = shown[dept], shown[dept].dimensions[dim], company.dimensions[dim]
            a = respondent_sample(mine.favorable, mine.answers, m.respondents)
            b = respondent_sample(
                whole.favorable - mine.favorable,
                whole.answers - mine.answers,
                company.respondents - m.respondents,
            )
            if min(a[1], b[1]) >= 30:
                continue
            small += 1
            s1, n1, s2, n2 = (round(v) for v in (*a, *b))
            assert sp.fisher_exact([[s1, n1 - s1], [s2, n2 - s2]]).pvalue <= 0.05
    assert small > 0  # the demo has such marks: the check ran
