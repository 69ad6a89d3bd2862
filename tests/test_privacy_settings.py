"""Privacy settings: admins set k and the comments threshold in the app; audited; used by pages."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from engagement.authz import Actor, Role
from engagement.db import get_engine
from engagement.errors import InvalidInput, NotAllowed
from engagement.models import AuditEntry
from engagement.services import reports, settings
from tests.test_pages import PROJECT, app, personas

ADMIN = Actor(employee_id=None, email="ada@acme.test", name="Ada", roles=frozenset({Role.ADMIN}))


def test_defaults_come_from_the_environment(session: Session) -> None:
    current = settings.privacy(session, default_k=6)
    assert (current.min_group_size, current.comment_min, current.updated_by) == (6, 10, None)
    assert settings.privacy(session, default_k=12).comment_min == 12  # never below k


def test_an_admin_change_is_used_and_audited(session: Session) -> None:
    settings.update_privacy(session=session, actor=ADMIN, min_group_size=7, comment_min=15)
    current = settings.privacy(session, default_k=5)
    assert (current.min_group_size, current.comment_min, current.updated_by) == (7, 15, ADMIN.email)
    settings.update_privacy(session=session, actor=ADMIN, min_group_size=7, comment_min=12)
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "setting.change")).all()
    assert [(e.before, e.after) for e in entries] == [
        ({"min_group_size": 5, "comment_min": 10}, {"min_group_size": 7, "comment_min": 15}),
        ({"comment_min": 15}, {"comment_min": 12}),
    ]


@pytest.mark.parametrize(
    ("k", "comment_min", "message"),
    [(2, 10, "between 3 and 100"), (101, 101, "between 3 and 100"), (8, 5, "at least as large")],
)
def test_unsafe_values_are_refused(
    session: Session, k: int, comment_min: int, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        settings.update_privacy(
            session=session, actor=ADMIN, min_group_size=k, comment_min=comment_min
        )
    assert settings.privacy(session, default_k=5).min_group_size == 5


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.LEADER])
def test_only_admins_change_them(session: Session, role: Role) -> None:
    someone = Actor(employee_id=None, email="x@acme.test", name="X", roles=frozenset({role}))
    with pytest.raises(NotAllowed):
        settings.update_privacy(session=session, actor=someone, min_group_size=9, comment_min=10)


def _hidden_rows(url: str, k: int) -> int:
    with Session(get_engine(url)) as s:
        return sum(1 for r in reports.company_report(s, k).rows if r.hidden is not None)


def test_admin_raises_k_and_the_heatmap_hides_more(demo_url: str) -> None:
    people = personas(demo_url)
    at = app(people[Role.ADMIN].email).switch_page(str(PROJECT / "pages/privacy.py")).run()
    assert not at.exception and at.number_input(key="privacy.k").value == 5
    at.number_input(key="privacy.k").set_value(9)
    at.number_input(key="privacy.comments").set_value(12)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and "Saved" in at.success[0].value
    assert "Last changed by" in " ".join(c.value for c in at.caption)
    hr = app(people[Role.HR].email).switch_page(str(PROJECT / "pages/heatmap.py")).run()
    assert not hr.exception
    assert any("Groups under 9 respondents are never shown" in c.value for c in hr.caption)
    assert _hidden_rows(demo_url, 9) > _hidden_rows(demo_url, 5)
