"""Drivers: correlations checked against scipy, the minimum group, the fallback, suppression."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from scipy import stats as sp
from sqlmodel import Session

from engagement.authz import SYSTEM, Role
from engagement.db import get_engine
from engagement.measures import drivers as method
from engagement.questions import Dimension
from engagement.services import drivers, reports
from tests.test_pages import app, personas

HEATMAP = str(Path(__file__).resolve().parent.parent / "pages" / "heatmap.py")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_correlation_matches_scipy(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(5, 300)
    xs = [float(rng.randint(1, 5)) for _ in range(n)]
    ys = [float(rng.random() < 0.2 + 0.1 * x) for x in xs]
    found = method.correlation(xs, ys)
    assert found is not None
    expected = sp.pearsonr(xs, ys)
    assert found[0] == pytest.approx(expected.statistic, abs=1e-12)
    assert found[1] == pytest.approx(expected.pvalue, rel=1e-8, abs=1e-300)


def test_no_correlation_without_spread() -> None:
    assert method.correlation([3.0] * 30, [1.0, 0.0] * 15) is None


ITEMS = {
    Dimension.UNDERSTANDING: ["u1", "u2"],
    Dimension.DESIRE: ["d1", "d2"],
    Dimension.RELEVANCE: ["r1"],
    Dimension.TOOLS: ["t1"],
}


def _people(n: int, rng: random.Random) -> list[dict[str, float]]:
    out = []
    for _ in range(n):
        tools = float(rng.randint(1, 5))
        out.append(
            {
                "u1": float(rng.randint(1, 5)),
                "u2": float(rng.randint(1, 5)),
                "d1": float(rng.randint(1, 5)),
                "d2": float(rng.randint(1, 5)),
                "r1": float(rng.randint(1, 5)),
                "t1": tools,
                "customer_thought": float(rng.random() < 0.1 + 0.15 * (tools - 1)),
            }
        )
    return out


def test_the_driver_that_goes_with_the_outcome_is_found_and_read_as_a_priority() -> None:
    found = method.drivers(
        _people(200, random.Random(9)), ITEMS, "customer_thought", ["customer_thought"]
    )
    assert found is not None
    by_name = {d.name: d for d in found}
    assert by_name["tools"].significant and by_name["tools"].impact > 0.3
    assert by_name["tools"].priority > 0
    assert not by_name["relevance"].significant and by_name["relevance"].priority == 0
    assert {"u1", "u2", "d1", "d2"} <= set(by_name)  # the items of two-item dimensions too
    # rounded to what the screen shows
    assert all(d.impact == round(d.impact, 2) and isinstance(d.favorable_pct, int) for d in found)


def test_under_twenty_respondents_there_is_no_analysis() -> None:
    few = _people(method.MIN_RESPONDENTS - 1, random.Random(1))
    assert method.drivers(few, ITEMS, "customer_thought", ["customer_thought"]) is None


def test_desire_is_not_its_own_driver() -> None:
    found = method.drivers(_people(100, random.Random(4)), ITEMS, "desire", ["d1", "d2"])
    assert found is not None and not any(d.dimension is Dimension.DESIRE for d in found)


def test_on_the_demo_a_small_department_falls_back_to_the_company(demo_url: str) -> None:
    with Session(get_engine(demo_url)) as s:
        report = reports.heatmap(session=s, actor=SYSTEM, k=5)
        company = next(r for r in report.rows if r.is_company)
        whole = drivers.driver_analysis(
            session=s,
            actor=SYSTEM,
            report=report,
            department_id=company.department_id,
            outcome="customer_thought",
        )
        small = next(
            r
            for r in report.rows
            if r.measures is not None and r.measures.respondents < method.MIN_RESPONDENTS
        )
        fallback = drivers.driver_analysis(
            session=s,
            actor=SYSTEM,
            report=report,
            department_id=small.department_id,
            outcome="desire",
        )
        hidden = next(r for r in report.rows if r.hidden is not None)
        none = drivers.driver_analysis(
            session=s,
            actor=SYSTEM,
            report=report,
            department_id=hidden.department_id,
            outcome="desire",
        )
    assert whole is not None and whole.drivers and not whole.fallback
    assert fallback is not None and fallback.fallback
    assert fallback.department_id == company.department_id and fallback.drivers
    assert none is None  # a hidden group has no drivers


def test_the_drill_down_shows_the_drivers_and_where_to_start(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.HR].email).switch_page(HEATMAP).run()
    assert not at.exception
    told = [m.value for m in at.markdown]
    assert "#### What goes with the outcome" in told
    assert any(t.startswith(("Where to start", "No driver goes")) for t in told)
    table = next(
        d.value
        for d in at.dataframe
        if "impact" in d.value.columns  # type: ignore[union-attr]
    )
    assert {"Understanding", "Relevance", "Tools"} <= set(table["driver"].str.strip())
    at.segmented_control(key="heatmap.driver_outcome").set_value("desire").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "impact" in d.value.columns)  # type: ignore[union-attr]
    assert "Desire" not in set(table["driver"].str.strip())


def test_a_market_filter_shows_no_drivers(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.HR].email).switch_page(HEATMAP).run()
    assert any(d for d in at.dataframe if "impact" in d.value.columns)  # type: ignore[union-attr]
    market = at.selectbox(key="heatmap.market")
    market.set_value(next(o for o in market.options if o != "Everyone")).run()
    assert not at.exception
    assert not any(d for d in at.dataframe if "impact" in d.value.columns)  # type: ignore[union-attr]
    assert any("without a market filter" in c.value for c in at.caption)
