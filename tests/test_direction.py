"""Our direction: versioned pillar statements, what changed, and who may publish."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from engagement.authz import Actor, Role
from engagement.db import get_engine
from engagement.errors import InvalidInput, NotAllowed
from engagement.i18n import language
from engagement.models import AuditEntry
from engagement.pillars import Pillar
from engagement.services import direction
from tests.test_pages import PROJECT, app, personas

LEADER = Actor(employee_id=None, email="lea@acme.test", name="Léa", roles=frozenset({Role.LEADER}))
HR = Actor(employee_id=None, email="hana@acme.test", name="Hana", roles=frozenset({Role.HR}))


def test_versions_are_kept_and_the_newest_is_current(session: Session) -> None:
    assert direction.current_direction(session=session, actor=HR)[Pillar.MISSION] is None
    for text in ("We build instruments.", "We make every measurement serve a customer."):
        direction.publish_statement(
            session=session,
            actor=LEADER,
            pillar="mission",
            statement={"en": text, "fr": ""},
            note={"en": "Sharper."},
        )
    current = direction.current_direction(session=session, actor=HR)[Pillar.MISSION]
    assert current is not None
    assert (current.version, current.text, current.previous_text) == (
        2,
        "We make every measurement serve a customer.",
        "We build instruments.",
    )
    assert [s.version for s in direction.history(session=session, actor=HR, pillar="mission")] == [
        2,
        1,
    ]
    with language("fr"):  # no French yet: English, with the fallback flag
        fr = direction.current_direction(session=session, actor=HR)[Pillar.MISSION]
    assert fr is not None and fr.fell_back and fr.text.startswith("We make")
    audited = session.exec(select(AuditEntry).where(AuditEntry.action == "direction.publish")).all()
    assert [a.after for a in audited] == [
        {"version": 1, "languages": ["en"]},
        {"version": 2, "languages": ["en"]},
    ]


def test_word_level_changes() -> None:
    assert direction.changes("we build instruments", "we build trust") == [
        ("same", "we build"),
        ("removed", "instruments"),
        ("added", "trust"),
    ]


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.ADMIN])
def test_only_leaders_publish(session: Session, role: Role) -> None:
    someone = Actor(employee_id=None, email="x@acme.test", name="X", roles=frozenset({role}))
    with pytest.raises(NotAllowed):
        direction.publish_statement(
            session=session, actor=someone, pillar="mission", statement={"en": "x"}, note={}
        )


@pytest.mark.parametrize(
    ("pillar", "statement", "message"),
    [
        ("vision", {"en": "x"}, "Choose a pillar"),
        ("mission", {"en": "  ", "fr": ""}, "at least one language"),
        ("mission", {"en": "x" * 4001}, "limited to 4000"),
    ],
)
def test_bad_statements_are_refused_with_a_reason(
    session: Session, pillar: str, statement: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        direction.publish_statement(
            session=session, actor=LEADER, pillar=pillar, statement=statement, note={}
        )


def test_leader_publishes_and_everyone_reads_it(demo_url: str) -> None:
    people = personas(demo_url)
    at = app(people[Role.LEADER].email).switch_page(str(PROJECT / "pages/direction.py")).run()
    assert not at.exception
    at.selectbox(key="direction.pillar").set_value("identity")
    at.text_area(key="direction.text.en").set_value("We are the people customers call first.")
    at.text_input(key="direction.note.en").set_value("Shorter, after the town hall.")
    next(b for b in at.button if b.label == "Publish").click().run()
    assert not at.exception and "Published version 2 of Identity" in at.success[0].value
    reader = app(people[Role.EMPLOYEE].email).switch_page(str(PROJECT / "pages/direction.py")).run()
    assert any("customers call first" in m.value for m in reader.markdown)
    assert any("after the town hall" in i.value for i in reader.info)
    assert not any(b.label == "Publish" for b in reader.button)  # employees only read
    with Session(get_engine(demo_url)) as s:
        versions = direction.history(session=s, actor=HR, pillar="identity")
    assert [v.version for v in versions] == [2, 1]
