"""Trends: the logistic regression on wave index, checked against statsmodels; the demo's rises."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from sqlmodel import Session

from engagement.authz import SYSTEM, Role
from engagement.db import get_engine
from engagement.measures import trends
from engagement.measures.engine import Measures, Tally, measures_of
from engagement.measures.trends import Direction, logistic_fit
from engagement.questions import CHANGE_PATH, Dimension, dimension_label
from engagement.services import reports
from engagement.ui import heatmap as view
from tests.test_pages import app, personas

FIXED = [
    ([1, 2, 3, 4, 5, 6], [20, 24, 27, 33, 35, 41], [60, 62, 58, 61, 60, 63]),
    ([3, 4, 6, 7, 9], [5, 4, 6, 5, 6], [11, 9, 12, 10, 12]),
    ([1, 2, 3], [40.5, 30.0, 22.5], [81.0, 80.0, 79.5]),  # effective (fractional) counts
]


@pytest.mark.parametrize(("x", "s", "n"), FIXED)
def test_logistic_fit_matches_statsmodels(x: list[int], s: list[float], n: list[float]) -> None:
    endog = np.column_stack([s, np.array(n) - np.array(s)])
    model = sm.GLM(endog, sm.add_constant(np.array(x, float)), family=sm.families.Binomial())
    result = model.fit()
    fit = logistic_fit([float(v) for v in x], s, n)
    assert fit is not None
    assert fit.intercept == pytest.approx(result.params[0], abs=1e-7)
    assert fit.slope == pytest.approx(result.params[1], abs=1e-7)
    assert fit.se == pytest.approx(result.bse[1], rel=1e-5)


def test_no_slope_without_two_waves_or_with_a_constant_share() -> None:
    assert logistic_fit([1.0, 1.0], [3, 4], [10, 10]) is None
    assert logistic_fit([1.0, 2.0, 3.0], [10, 10, 10], [10, 10, 10]) is None


def _measures(respondents: int, share: float) -> Measures:
    tally = Tally(invited=respondents, respondents=respondents)
    for dim in CHANGE_PATH:
        fav = round(share * respondents)
        tally.scale[dim] = [respondents, fav, 4 * fav + 2 * (respondents - fav)]
    return measures_of(tally, 5)


def test_a_steady_rise_is_told_with_its_size() -> None:
    series = [(w, _measures(80, 0.40 + 0.03 * w)) for w in range(1, 9)]
    found = trends.dimension_trends(series)
    rise = found[Dimension.UNDERSTANDING]
    assert rise.direction is Direction.RISING and rise.waves == 8
    assert rise.points_per_wave == pytest.approx(3.0, abs=0.3)
    assert rise.p is not None and rise.p < 1e-3


def test_hidden_waves_are_gaps_and_too_few_waves_tell_nothing() -> None:
    series: list[tuple[int, Measures | None]] = [(1, _measures(40, 0.4)), (2, None), (3, None)]
    assert trends.dimension_trends(series)[Dimension.DESIRE].direction is Direction.UNKNOWN
    series.append((4, _measures(40, 0.7)))
    series.append((5, _measures(40, 0.8)))
    trend = trends.dimension_trends(series)[Dimension.DESIRE]
    assert trend.waves == 3 and trend.direction is Direction.RISING


def test_noise_gives_few_trends() -> None:
    """200 groups of flat shares with sampling noise: BH keeps false trends rare."""
    rng = random.Random(5)
    series = {}
    for group in range(200):
        n = rng.randint(10, 80)
        waves = []
        for w in range(1, 9):
            fav = sum(rng.random() < 0.5 for _ in range(n))
            tally = Tally(invited=n, respondents=n)
            for dim in CHANGE_PATH:
                tally.scale[dim] = [n, fav, 4 * fav + 2 * (n - fav)]
            waves.append((w, measures_of(tally, 5)))
        series[group] = waves
    found = trends.group_trends(series)
    told = sum(
        t.direction is not Direction.FLAT for by_dim in found.values() for t in by_dim.values()
    )
    assert told <= 2  # 800 tests; uncorrected, about 40 would be told


def test_the_demo_rise_of_operations_is_a_trend(demo_url: str) -> None:
    with Session(get_engine(demo_url)) as session:
        wave_ids = reports.waves_of_pulse_until(session, _wave(session, 22))
        history = [reports.company_report(session, 5, w) for w in wave_ids]
    ops = next(r.department_id for r in history[-1].rows if r.department == "Operations")
    points = reports.trend_of(history, ops)
    found = trends.dimension_trends([(p.number, p.measures) for p in points])
    assert found[Dimension.UNDERSTANDING].direction is Direction.RISING
    assert found[Dimension.UNDERSTANDING].points_per_wave >= 2


def _wave(session: Session, number: int) -> int:
    from sqlmodel import select

    from engagement.models import Wave

    wave = session.exec(select(Wave).where(Wave.number == number)).one()
    return int(wave.id or 0)


SUMMARY = str(Path(__file__).resolve().parent.parent / "pages" / "summary.py")
HEATMAP = str(Path(__file__).resolve().parent.parent / "pages" / "heatmap.py")


def test_the_company_summary_tells_trends_not_steps(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.LEADER].email).switch_page(SUMMARY).run()
    assert not at.exception
    told = "\n".join(m.value for m in at.markdown)
    for dim in CHANGE_PATH:
        assert dimension_label(dim) in told
    assert "over the last" in told
    assert not any(m.delta for m in at.metric[:3])  # no week-to-week step on the cards
    assert "Rising" in [s.value for s in at.subheader]


def test_the_drill_down_tells_the_trend_in_words(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.HR].email).switch_page(HEATMAP).run()
    assert not at.exception
    lines = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert lines and all(dimension_label(d) in lines[0] for d in CHANGE_PATH)
    spec = at.get("vega_lite_chart")[1].proto.spec
    assert "diamond" not in spec  # the week-to-week diamonds are gone


def test_heatmap_marks_are_the_corrected_ones(demo_url: str) -> None:
    with Session(get_engine(demo_url)) as s:
        report = reports.heatmap(session=s, actor=SYSTEM, k=5)
        previous_id = reports.previous_wave_id(s, report.wave_id)
        assert previous_id is not None
        previous = reports.heatmap(session=s, actor=SYSTEM, k=5, wave_id=previous_id)
    for mode in (view.Mode.COMPANY, view.Mode.PREVIOUS):
        marked = view.heatmap_marks(report, mode, previous)
        starred = {
            (r["row"], r["measure"])
            for r in view.cells(report, mode, previous).records
            if str(r["text"]).endswith("*")
        }
        labels = {r.department_id: view.row_label(r, i) for i, r in enumerate(report.rows)}
        assert starred == {(labels[i], dimension_label(d)) for i, d in marked}


def test_overdispersed_waves_widen_the_slope_like_statsmodels_quasi_binomial() -> None:
    from scipy import stats as sp

    # waves that swing far more than 100 answers each allow: a wave's own mood
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    s = [30.0, 52.0, 35.0, 60.0, 41.0, 66.0, 50.0, 70.0]
    n = [100.0] * 8
    fit = logistic_fit(x, s, n)
    assert fit is not None and fit.dispersion > 1
    # shares with var_weights = answers: statsmodels' quasi-binomial (its two-column form
    # divides the Pearson scale by the answers)
    shares = np.array(s) / np.array(n)
    glm = sm.GLM(
        shares, sm.add_constant(np.array(x)), family=sm.families.Binomial(), var_weights=np.array(n)
    )
    quasi = glm.fit(scale="X2")
    assert fit.dispersion == pytest.approx(quasi.scale, rel=1e-6)
    widened = fit.se * fit.dispersion**0.5
    assert widened == pytest.approx(quasi.bse[1], rel=1e-5)
    t = fit.slope / widened
    assert fit.p == pytest.approx(2 * sp.t.sf(abs(t), df=6), rel=1e-8)
    # the binomial test alone would call this far more certain than it is
    assert fit.p > 10 * 2 * sp.norm.sf(fit.slope / fit.se)


def test_the_rising_table_finds_operations_after_its_campaign(demo_url: str) -> None:
    from engagement.services import trend_report

    with Session(get_engine(demo_url)) as session:
        wave_ids = reports.waves_of_pulse_until(session, _wave(session, 22))
        history = [reports.company_report(session, 5, w) for w in wave_ids]
    rising = trend_report.moving_departments(history, Direction.RISING, n=50)
    ops = next(m for m in rising if m.department == "Operations")
    assert ops.trend.points_per_wave > 0 and ops.trend.waves == 8
    assert all(m.trend.direction is Direction.RISING for m in rising)
    assert [abs(m.trend.points_per_wave) for m in rising] == sorted(
        (abs(m.trend.points_per_wave) for m in rising), reverse=True
    )
