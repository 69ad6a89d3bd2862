"""AppTest journey: HR launches a campaign; a targeted employee reads, fails, passes, acknowledges;
an untargeted one never sees it; the analytics count it and hide groups under the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select
from streamlit.testing.v1 import AppTest

from engagement.authz import Role
from engagement.db import get_engine
from engagement.i18n import language as use_language
from engagement.markets import Criteria, MarketRules
from engagement.models import (
    Campaign,
    CampaignReceipt,
    Department,
    Employee,
    Market,
    ModuleProgress,
)
from engagement.services.modules import read_module
from tests.shown import shown
from tests.test_pages import PROJECT, app, directory_actor, personas

TITLE = "Journey campaign: the customer minute"


def _page(at: AppTest, path: str) -> AppTest:
    return at.switch_page(str(PROJECT / path)).run()


def _market_for(url: str, employee_email: str) -> tuple[int, str, int]:
    """A market: the employee's department plus the smallest other team with people."""
    with Session(get_engine(url)) as s:
        person = s.exec(select(Employee).where(Employee.email == employee_email)).one()
        parents = set(s.exec(select(Department.parent_id)).all())
        sizes = s.exec(
            select(Employee.department_id, func.count())
            .where(col(Employee.active).is_(True))
            .group_by(col(Employee.department_id))
        ).all()
        small_id, small_n = min(
            ((d, n) for d, n in sizes if d != person.department_id and d not in parents),
            key=lambda x: x[1],
        )
        small = s.get(Department, small_id)
        assert small is not None and small_n < 5  # the demo has units under the threshold
        market = Market(
            name="Journey market",
            rules=MarketRules(
                Criteria(department_ids=[person.department_id, small_id]), Criteria()
            ).to_json(),
        )
        s.add(market)
        s.commit()
        assert market.id
        return market.id, small.name, person.department_id


def _answers(url: str, email: str, right: bool) -> list[int]:
    with Session(get_engine(url)) as s:
        quiz = read_module(session=s, actor=directory_actor(url, email), key="mission").text.quiz
    return [q.correct_index if right else (q.correct_index + 1) % len(q.options) for q in quiz]


def test_campaign_journey(demo_url: str) -> None:
    people = personas(demo_url)
    hr, employee = people[Role.HR], people[Role.EMPLOYEE]
    market_id, small_department, employee_dept = _market_for(demo_url, employee.email)
    with Session(get_engine(demo_url)) as s:
        outsider = s.exec(
            select(Employee).where(
                Employee.department_id != employee_dept,
                col(Employee.email).in_([p.email for p in people.values()]),
            )
        ).first()
    assert outsider is not None and outsider.email

    # HR writes the campaign and launches it
    at = _page(app(hr.email), "pages/campaigns.py")
    assert not at.exception
    at.text_input(key="campaign.new.title.en").set_value(TITLE)
    at.text_area(key="campaign.new.message.en").set_value(
        "Start each huddle with **one customer**."
    )
    at.multiselect(key="campaign.new.markets").set_value([market_id])
    at.multiselect(key="campaign.new.modules").set_value(["mission"])
    at.checkbox(key="campaign.new.after_pass").check()
    at.button(key="campaign.new.save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Draft saved" in at.success[0].value
    at.button(key="campaigns.launch").click().run()
    assert not at.exception and not at.error
    assert "Launched: it is live." in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        campaign = s.exec(select(Campaign).where(Campaign.status == "live")).all()
        cid = next(c.id for c in campaign if c.title.get("en") == TITLE)

    # the targeted employee sees it on Home, new, with the reminder
    at = app(employee.email)
    assert any(TITLE in shown(m.value) for m in at.markdown)
    assert any("waiting for your acknowledgement" in w.value for w in at.warning)
    at.button(key=f"home.read.{cid}").click().run()
    assert any("one customer" in m.value for m in at.markdown)
    ack = at.button(key=f"home.ack.{cid}")
    assert ack.disabled  # the check comes first

    # reads the module step by step, fails the check, then passes it
    at = _page(at, "pages/learn.py")
    assert any(s.value == "Assigned to me" for s in at.subheader)
    at.button(key="learn.open.mission").click().run()
    for _step in range(4):
        at.button(key="learn.next").click().run()
        assert not at.exception
    assert at.header[-1].value == "Comprehension check"
    for n, choice in enumerate(_answers(demo_url, employee.email, right=False)):
        at.radio(key=f"learn.q.mission.0.{n}").set_value(choice)
    next(b for b in at.button if b.label == "Check my answers").click().run()
    assert "not yet" in at.error[0].value
    assert any("Right answer" in m.value for m in at.markdown)
    for n, choice in enumerate(_answers(demo_url, employee.email, right=True)):
        at.radio(key=f"learn.q.mission.1.{n}").set_value(choice)
    next(b for b in at.button if b.label == "Check my answers").click().run()
    assert "Passed with 100 %" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        person = directory_actor(demo_url, employee.email).employee_id
        progress = s.get(ModuleProgress, (person, "mission"))
        assert progress is not None and progress.attempts == 2 and progress.passed_at

    # back on Home: acknowledges
    at = _page(at, "pages/home.py")  # the campaign stays open in this session
    assert not at.button(key=f"home.ack.{cid}").disabled
    at.button(key=f"home.ack.{cid}").click().run()
    assert not at.exception
    assert "acknowledged" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        receipt = s.get(CampaignReceipt, (cid, person))
        assert receipt is not None and receipt.acknowledged_at is not None

    # someone outside the market never sees it
    other = app(outsider.email)
    assert not any(TITLE in m.value for m in other.markdown)
    other = _page(other, "pages/learn.py")
    assert not any(s.value == "Assigned to me" for s in other.subheader)

    # analytics count it, and hide the department under the threshold
    at = _page(app(hr.email), "pages/campaigns.py")
    at.selectbox(key="campaigns.choice").set_value(cid).run()
    assert not at.exception
    markets, departments = at.dataframe[-2].value, at.dataframe[-1].value
    row = markets.iloc[0]
    assert row["group"] == "Journey market"
    assert row["acknowledged"] == 1 and row["passed"] >= 1 and row["targeted"] >= 5
    hidden = departments[departments["group"].str.strip() == small_department].iloc[0]
    assert hidden["hidden"].startswith("Hidden to protect the people in this group")
    assert hidden["targeted"] != hidden["targeted"]  # NaN: no count shown


@pytest.mark.parametrize("language", ["en", "fr"])
def test_campaign_pages_render_in_both_languages(demo_url: str, language: str) -> None:
    hr = personas(demo_url)[Role.HR]
    at = app(hr.email, language=language)
    # AppTest formats widget options in the test's thread on the next run: same language there
    with use_language(language):
        for path in (
            "pages/campaigns.py",
            "pages/modules.py",
            "pages/direction.py",
            "pages/learn.py",
        ):
            at = _page(at, path)
            assert not at.exception and not at.error, (path, [e.value for e in at.error])
    assert Path(PROJECT / "pages/campaigns.py").exists()
