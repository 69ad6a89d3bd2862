"""Measures against hand-computed values, on SQLite and PostgreSQL, and the heatmap report."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from engagement.authz import Role
from engagement.errors import NotAllowed
from engagement.markets import Criteria, MarketRules
from engagement.measures.publish import Published
from engagement.measures.stats import significant, wilson
from engagement.measures.suppression import Reason
from engagement.models import Wave
from engagement.questions import Dimension
from engagement.services import directory, markets, pulses, reports
from engagement.services.pulses import PulseDraft
from tests import factories as f

MONDAY = date(2026, 11, 2)
ITEMS = [
    "understand_mission",
    "understand_strategy",
    "desire_success",
    "relevance_customers",
    "tools_support",
    "first_thought",
]
ANSWERS = {
    "s0": {
        "understand_mission": 5,
        "understand_strategy": 4,
        "desire_success": 2,
        "relevance_customers": 4,
        "tools_support": 1,
        "first_thought": "customer",
    },
    "s1": {
        "understand_mission": 4,
        "understand_strategy": 3,
        "desire_success": 5,
        "relevance_customers": 5,
        "tools_support": 2,
        "first_thought": "customer",
    },
    "s2": {"understand_mission": 2, "desire_success": 4, "first_thought": "own_tasks"},
    "s3": {"understand_mission": 5, "first_thought": "customer"},
    "s4": {},
    "m0": {"understand_mission": 1, "desire_success": 1, "first_thought": "products"},
    "m1": {"understand_mission": 3, "desire_success": 2, "first_thought": "team"},
    "m2": {"understand_mission": 4, "desire_success": 5, "first_thought": "customer"},
    "m3": {"understand_mission": 2, "desire_success": 3},
    "t0": {"understand_mission": 5},
}
CHECKINS = [
    ("s0", 0, "customer"),
    ("s1", 1, "customer"),
    ("s5", 1, "team"),
    ("s2", 1, "customer"),
    ("s0", 2, "own_tasks"),
    ("m0", 0, "customer"),
    ("m1", 1, "customer"),
]
K = 3


@pytest.fixture
def wave(session: Session) -> Wave:
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme)
    ops = f.department(session, "Ops", acme)
    tiny = f.department(session, "Tiny", ops)
    hr = f.employee(session, acme, "hr", email="hr@acme.test")
    f.grant(session, hr, Role.HR)
    for i in range(6):
        f.employee(session, sales, f"s{i}", email=f"s{i}@acme.test", customer_facing=True)
    boss = None
    for i in range(4):
        person = f.employee(session, ops, f"m{i}", email=f"m{i}@acme.test")
        boss = boss or person
    f.grant(session, boss, Role.MANAGER, (ops,))  # m0 manages Ops
    for i in range(2):
        f.employee(session, tiny, f"t{i}", email=f"t{i}@acme.test")
    session.commit()
    hr_actor = directory.actor_for_email(session=session, email="hr@acme.test")
    pulses.create_pulse(
        session=session,
        actor=hr_actor,
        draft=PulseDraft(name="Pulse", item_ids=ITEMS, start_date=MONDAY),
    )
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    the_wave = session.exec(select(Wave)).one()
    for who, answers in ANSWERS.items():
        person = directory.actor_for_email(session=session, email=f"{who}@acme.test")
        pulses.submit_response(
            session=session,
            actor=person,
            wave_id=the_wave.id or 0,
            answers=dict(answers),
            today=MONDAY,
        )
    for who, day, choice in CHECKINS:
        person = directory.actor_for_email(session=session, email=f"{who}@acme.test")
        pulses.submit_checkin(
            session=session, actor=person, choice=choice, today=MONDAY + timedelta(days=day)
        )
    f.release_as_is(session, MONDAY)  # each answer as given: these tests are about the figures
    return the_wave


def rows(
    session: Session, email: str = "hr@acme.test", **kw: object
) -> dict[str, reports.HeatmapRow]:
    actor = directory.actor_for_email(session=session, email=email)
    report = reports.heatmap(session=session, actor=actor, k=K, today=MONDAY, **kw)  # type: ignore[arg-type]
    return {r.department: r for r in report.rows}


def test_hand_computed_measures(session: Session, wave: Wave) -> None:
    table = rows(session)
    assert list(table) == ["Company", "Ops", "Tiny", "Sales"]
    sales = table["Sales"].measures
    assert sales is not None
    assert (sales.invited, sales.respondents) == (6, 5)
    assert sales.participation == pytest.approx(5 / 6)
    # published figures (measures.publish): whole percentages, coded beyond top(5) = 80 %,
    # the respondents as the unit, no mean
    understanding = sales.dimensions[Dimension.UNDERSTANDING]  # 5,4,4,3,2,5: 4 of 6
    assert understanding.published == Published(67)
    assert (understanding.answers, understanding.favorable) == (5, 3)
    assert understanding.mean is None
    assert sales.dimensions[Dimension.DESIRE].published == Published(67)  # 2 of 3
    # relevance and tools have 2 answers of one question each: fewer than k = 3 people
    for dim in (Dimension.RELEVANCE, Dimension.TOOLS):
        assert sales.dimensions[dim].published is None
    # pulse item 3 of 4 customer; check-ins 3 of 5, and on day 1 three people checked in
    # (≥ k, so they count): (3 + 3) / (4 + 5)
    assert sales.customer_thought == pytest.approx(0.67)
    assert sales.adoption_index == 67  # from the published values only
    assert sales.barrier_point is None

    ops = table["Ops"].measures  # with Tiny: m0..m3 and t0 answered
    assert ops is not None
    assert (ops.invited, ops.respondents) == (6, 5)
    assert ops.dimensions[Dimension.UNDERSTANDING].favorable_pct == pytest.approx(0.40)
    assert ops.dimensions[Dimension.DESIRE].published == Published(25)
    # Ops has two check-ins, never more than one a day: they might be one person, so they
    # are left out and only the pulse item counts
    assert ops.customer_thought == pytest.approx(0.33)
    assert ops.adoption_index == 33  # (40 + 25) / 2, rounded half up
    assert ops.barrier_point is Dimension.UNDERSTANDING

    company = table["Company"].measures
    assert company is not None
    assert (company.invited, company.respondents) == (13, 10)
    assert company.dimensions[Dimension.UNDERSTANDING].favorable_pct == pytest.approx(0.55)
    low, high = wilson(6, 10)  # 55 % of 10 respondents
    assert (
        company.dimensions[Dimension.UNDERSTANDING].low,
        company.dimensions[Dimension.UNDERSTANDING].high,
    ) == (pytest.approx(low), pytest.approx(high))
    # Tiny has one respondent: hidden, with its reason
    assert table["Tiny"].hidden is Reason.MINIMUM and table["Tiny"].measures is None


def test_market_view_goes_through_the_filter_rules(session: Session, wave: Wave) -> None:
    hr = directory.actor_for_email(session=session, email="hr@acme.test")
    market_id = markets.save_market(
        session=session, actor=hr, name="Front", rules=MarketRules(Criteria(customer_facing=True))
    )
    session.commit()
    table = rows(session, market_id=market_id)
    assert table["Sales"].hidden is None and table["Sales"].measures.respondents == 5  # type: ignore[union-attr]
    assert table["Company"].hidden is None  # 5 inside, 5 outside
    assert table["Ops"].hidden is Reason.MINIMUM  # nobody from Ops is in the market


def test_managers_see_their_subtree_and_the_company_employees_nothing(
    session: Session, wave: Wave
) -> None:
    assert list(rows(session, email="m0@acme.test")) == ["Company", "Ops", "Tiny"]
    with pytest.raises(NotAllowed):
        rows(session, email="s0@acme.test")


def test_csv_export_hides_what_the_screen_hides_and_neutralises_formulas(
    session: Session, wave: Wave
) -> None:
    sales = directory.find_department(session, "Sales")
    sales.name = '=HYPERLINK("http://x")'
    session.add(sales)
    session.commit()
    hr = directory.actor_for_email(session=session, email="hr@acme.test")
    report = reports.heatmap(session=session, actor=hr, k=K, today=MONDAY)
    parsed = list(csv.DictReader(io.StringIO(reports.heatmap_csv(report))))
    assert list(parsed[0]) == list(reports.HEATMAP_COLUMNS)
    by_name = {r["department"]: r for r in parsed}
    tiny = by_name["Tiny"]
    assert tiny["invited"] == "2" and tiny["parent"] == "Ops"
    assert tiny["hidden_reason"].startswith("Hidden to protect the people in this group")
    assert all(tiny[c] == "" for c in reports.HEATMAP_COLUMNS[3:-1])
    assert '\'=HYPERLINK("http://x")' in by_name
    assert by_name["Company"]["understanding_fav_pct"] == "55"  # 6 of 11, whole, half up


def test_significance_and_intervals() -> None:
    assert significant(80, 100, 50, 100)
    assert not significant(55, 100, 50, 100)
    low, high = wilson(0, 0)
    assert (low, high) == (0.0, 1.0)
    low, high = wilson(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
