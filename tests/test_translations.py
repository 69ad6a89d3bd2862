"""The translations list: every kind of content people read that lacks a language."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from engagement.authz import Actor, Role
from engagement.errors import NotAllowed
from engagement.modules import shipped_modules
from engagement.services import direction, modules, translations

HR = Actor(employee_id=None, email="hana@acme.test", name="Hana", roles=frozenset({Role.HR}))
LEADER = Actor(employee_id=None, email="lea@acme.test", name="Léa", roles=frozenset({Role.LEADER}))


def test_lists_what_lacks_a_language_and_nothing_else(session: Session) -> None:
    assert translations.missing_content(session=session, actor=HR) == []
    mission = shipped_modules().modules["mission"]
    modules.save_module_draft(
        session=session,
        actor=HR,
        key="mission-lite",
        pillar="mission",
        minutes=3,
        pass_mark=80,
        texts={"en": mission["en"].text},  # English only
    )
    modules.save_module_draft(  # both languages: not listed
        session=session,
        actor=HR,
        key="mission",
        pillar="mission",
        minutes=8,
        pass_mark=80,
        texts={lang: f.text for lang, f in mission.items()},
    )
    direction.publish_statement(
        session=session,
        actor=LEADER,
        pillar="identity",
        statement={"fr": "Qui nous sommes."},
        note={},
    )
    rows = translations.missing_content(session=session, actor=HR)
    assert [(r.kind, r.missing) for r in rows] == [("module", ["fr"]), ("direction", ["en"])]
    assert rows[0].item == mission["en"].text.title
    # a newer, complete version of the statement clears it
    direction.publish_statement(
        session=session,
        actor=LEADER,
        pillar="identity",
        statement={"en": "Who we are.", "fr": "Qui nous sommes."},
        note={},
    )
    assert [r.kind for r in translations.missing_content(session=session, actor=HR)] == ["module"]
    # leaders do not author modules: they see what they can complete
    assert translations.missing_content(session=session, actor=LEADER) == []


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.ADMIN])
def test_only_hr_and_leaders(session: Session, role: Role) -> None:
    someone = Actor(employee_id=None, email="x@acme.test", name="X", roles=frozenset({role}))
    with pytest.raises(NotAllowed):
        translations.missing_content(session=session, actor=someone)
