"""My pulse and the morning check-in, as an employee would use them (AppTest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from engagement.authz import Role
from engagement.db import get_engine
from engagement.i18n import language
from engagement.models import CheckinDay, Participation, Response
from tests.shown import shown
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


PULSES = str(Path(__file__).resolve().parent.parent / "pages" / "pulses.py")


def test_hr_creates_a_pulse_with_its_own_question_for_a_market(demo_url: str) -> None:
    from engagement.models import Pulse, PulseTarget

    at = app(personas(demo_url)[Role.HR].email).switch_page(PULSES).run()
    assert not at.exception
    assert "Weekly change pulse" in list(at.dataframe[0].value["name"])
    at.text_input(key="pulses.name.en").set_value("Night shift check")
    at.multiselect(key="pulses.items").set_value(["desire_ready"])
    at.text_input(key="pulses.custom.en").set_value("My shift leader explains the change well.")
    at.selectbox(key="pulses.custom.dimension").set_value("understanding")
    market = next(o for o in at.multiselect(key="pulses.targets").options if "Night" in str(o))
    at.multiselect(key="pulses.targets").select(market)
    at.date_input(key="pulses.start").set_value(date.today())
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Created “Night shift check”" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        pulse = s.exec(select(Pulse).where(Pulse.name == "Night shift check")).one()
        assert pulse.item_ids == ["desire_ready"]
        assert pulse.custom_items[0]["text"] == {"en": "My shift leader explains the change well."}
        assert s.exec(select(PulseTarget).where(PulseTarget.pulse_id == pulse.id)).one()
    assert "Night shift check" in list(at.dataframe[0].value["name"])


def test_a_pulse_without_a_name_is_refused(demo_url: str) -> None:
    from engagement.models import Pulse

    before = count(demo_url, Pulse)
    at = app(personas(demo_url)[Role.HR].email).switch_page(PULSES).run()
    at.button[0].click().run()
    assert "Give the pulse a name" in at.error[0].value
    assert count(demo_url, Pulse) == before


def test_hr_sees_which_questions_lack_a_translation(demo_url: str) -> None:
    from engagement.services import directory, pulses
    from engagement.services.pulses import CustomQuestion, PulseDraft

    with Session(get_engine(demo_url)) as s:
        hr = directory.actor_for_email(session=s, email=personas(demo_url)[Role.HR].email)
        pulses.create_pulse(
            session=s,
            actor=hr,
            draft=PulseDraft(
                name="Tools check",
                item_ids=[],
                start_date=__import__("datetime").date.today(),
                custom=[CustomQuestion("Our CRM helps me serve customers.")],
            ),
        )
        s.commit()
    at = app(personas(demo_url)[Role.HR].email).switch_page(PULSES).run()
    assert any("lack a translation" in w.value for w in at.warning)
    assert any(
        "Our CRM helps me serve customers." in shown(m.value) and "missing in French" in m.value
        for m in at.markdown
    )


def test_in_french_my_pulse_and_home_name_the_pulse_in_french(demo_url: str) -> None:
    person = personas(demo_url)[Role.EMPLOYEE]
    with language("fr"):
        at = app(person.email, language="fr")
        # Home: the wave waiting for an answer
        assert any("Sondage éclair hebdomadaire sur le changement" in m.value for m in at.markdown)
        at.switch_page(PAGE).run()
        assert not at.exception and not at.error
        titles = [s.value for s in at.subheader]
        assert "Sondage éclair hebdomadaire sur le changement" in titles
        assert "Weekly change pulse" not in titles


def test_hr_names_a_pulse_in_both_languages_and_a_taken_name_keeps_the_form(
    demo_url: str,
) -> None:
    from engagement.models import Pulse

    before = count(demo_url, Pulse)
    at = app(personas(demo_url)[Role.HR].email).switch_page(PULSES).run()
    at.text_input(key="pulses.name.en").set_value("Night shift check")
    # already the demo pulse's French name, in other capitals
    at.text_input(key="pulses.name.fr").set_value("SONDAGE ÉCLAIR HEBDOMADAIRE SUR LE CHANGEMENT")
    at.multiselect(key="pulses.items").set_value(["desire_ready"])
    at.button[0].click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [
        "The French name “SONDAGE ÉCLAIR HEBDOMADAIRE SUR LE CHANGEMENT” is already used by the "
        "pulse survey “Weekly change pulse”. Choose another French name."
    ]
    assert count(demo_url, Pulse) == before
    # nothing typed is lost
    assert at.text_input(key="pulses.name.en").value == "Night shift check"
    assert at.multiselect(key="pulses.items").value == ["desire_ready"]
    at.text_input(key="pulses.name.fr").set_value("Sondage du quart de nuit")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Created “Night shift check”" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        pulse = s.exec(select(Pulse).where(Pulse.name == "Night shift check")).one()
        assert pulse.names == {"en": "Night shift check", "fr": "Sondage du quart de nuit"}


def test_hr_gives_a_pulse_the_french_name_it_lacks(demo_url: str) -> None:
    from engagement.models import Pulse
    from engagement.services import directory, pulses
    from engagement.services.pulses import PulseDraft

    with Session(get_engine(demo_url)) as s:
        hr = directory.actor_for_email(session=s, email=personas(demo_url)[Role.HR].email)
        pulse_id = pulses.create_pulse(
            session=s,
            actor=hr,
            draft=PulseDraft(
                names={"en": "Tools check"}, item_ids=["tools_support"], start_date=date.today()
            ),
        )
        s.commit()
    at = app(personas(demo_url)[Role.HR].email).switch_page(PULSES).run()
    assert "- Tools check — no name in French yet" in [m.value for m in at.markdown]
    # the rename form opens on the pulse that lacks a name
    assert at.selectbox(key="pulses.rename.pick").value == pulse_id
    key = f"pulses.rename.{pulse_id}"
    assert at.text_input(key=f"{key}.name.en").value == "Tools check"
    at.text_input(key=f"{key}.name.fr").set_value("Bilan des outils").run()
    at.button(key=f"{key}.save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Saved “Tools check”" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        renamed = s.get(Pulse, pulse_id)
        assert renamed is not None
        assert renamed.names == {"en": "Tools check", "fr": "Bilan des outils"}
    assert not [m.value for m in at.markdown if "no name in" in m.value]
