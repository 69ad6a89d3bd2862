"""My pulse and the morning check-in, as an employee would use them (AppTest)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from engagement.authz import Role
from engagement.db import get_engine
from engagement.models import CheckinDay, Participation, Response
from tests.test_pages import app, personas

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "my_pulse.py")


def count(url: str, model: type) -> int:
    with Session(get_engine(url)) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def open_pulse(email: str) -> AppTest:
    at = app(email)
    return at.switch_page(PAGE).run()


def test_answer_a_pulse_skipping_items_then_see_what_we_heard(demo_url: str) -> None:
    person = personas(demo_url)[Role.EMPLOYEE]
    before = count(demo_url, Participation)
    at = open_pulse(person.email)
    assert not at.exception
    radios = {r.key: r for r in at.radio}
    mission = next(k for k in radios if k and k.endswith(".understand_mission"))
    at.radio(key=mission).set_value(4)
    at.button[0].click().run()  # the form's submit button; every other item skipped
    assert not at.exception and not at.error
    assert "recorded without your name" in at.success[0].value
    assert count(demo_url, Participation) == before + 1
    assert any("You answered this wave" in s.value for s in at.success)
    assert any("What we heard last time" in m.value for m in at.markdown)
    # my department's row and the company's: figures or the reason they are hidden
    assert any("Company" in m.value for m in at.markdown)


def test_a_second_tab_cannot_answer_again(demo_url: str) -> None:
    person = personas(demo_url)[Role.MANAGER]
    first, second = open_pulse(person.email), open_pulse(person.email)
    first.button[0].click().run()
    assert "recorded without your name" in first.success[0].value
    responses = count(demo_url, Response)
    second.button[0].click().run()  # the form was still on screen in the other tab
    assert not second.exception
    assert any("You answered this wave" in s.value for s in second.success)
    assert not [b for b in second.button if b.label == "Send my answers"]
    assert count(demo_url, Response) == responses


def test_morning_checkin_once_a_day(demo_url: str) -> None:
    person = personas(demo_url)[Role.HR]
    before = count(demo_url, CheckinDay)
    at = app(person.email)
    pills = at.button_group(key="checkin.choice")
    assert "first work thought" in pills.label
    pills.set_value("customer").run()
    assert not at.exception
    assert "See you tomorrow" in at.success[0].value
    assert count(demo_url, CheckinDay) == before + 1
    again = app(person.email)  # later the same day
    assert not [b for b in again.get("button_group") if b.key == "checkin.choice"]


def test_dismissing_the_checkin_stores_no_answer(demo_url: str) -> None:
    person = personas(demo_url)[Role.LEADER]
    at = app(person.email)
    from engagement.models import Checkin

    answers = count(demo_url, Checkin)
    at.button(key="checkin.dismiss").click().run()
    assert not [b for b in at.get("button_group") if b.key == "checkin.choice"]
    assert count(demo_url, Checkin) == answers
