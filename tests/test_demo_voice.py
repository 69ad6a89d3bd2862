"""The demo company's voice matches its story: questions and objections in both languages,
answered or not, “you said, we did” after waves, and the coaching logs of the Field Sales
manager, private as any other."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from engagement import org_tree
from engagement.authz import Role
from engagement.db import get_engine
from engagement.errors import NotAllowed
from engagement.i18n import language
from engagement.models import BoardItem, CoachingLog, Department, Employee
from engagement.services import board, coaching, directory, you_said
from engagement.services.board import BoardFilter
from tests.test_pages import personas


def test_the_board_tells_the_story(demo_url: str) -> None:
    people = personas(demo_url)
    with Session(get_engine(demo_url)) as s:
        items = s.exec(select(BoardItem)).all()
        assert len(items) >= 12
        assert {i.status for i in items} == {"open", "answered", "resolved", "declined"}
        assert {i.language for i in items} == {"en", "fr"}
        anonymous = [i for i in items if i.anonymous]
        assert anonymous and all(i.author_id is None for i in anonymous)
        assert any(not i.anonymous and i.author_id for i in items)
        assert sum(i.hidden for i in items) == 1
        assert any(i.answer.keys() == {"en", "fr"} for i in items)
        assert any(i.answer and len(i.answer) == 1 for i in items)  # shows the fallback notice
        operations = s.exec(select(Department).where(Department.name == "Operations")).one()
        below = org_tree.subtree_ids(directory.load_nodes(s), operations.id or 0)
        resisting = [i for i in items if i.department_id in below and i.dimension == "desire"]
        assert len(resisting) >= 3  # Operations resists on desire
        employee = directory.actor_for_email(session=s, email=people[Role.EMPLOYEE].email)
        shown = board.list_items(session=s, actor=employee, filters=BoardFilter())
        assert len(shown) == len(items) - 1 and shown[0].votes >= shown[-1].votes
        assert shown[0].votes > 10
        with language("fr"):
            posts = you_said.list_you_said(session=s, actor=employee)
        assert len(posts) == 3 and not any(p.fell_back for p in posts)
        assert posts[0].wave_number == 25


def test_the_field_sales_manager_has_private_coaching_logs(demo_url: str) -> None:
    people = personas(demo_url)
    with Session(get_engine(demo_url)) as s:
        manager = directory.actor_for_email(session=s, email=people[Role.MANAGER].email)
        assert people[Role.MANAGER].department == "Field Sales"
        logs = s.exec(
            select(CoachingLog).where(CoachingLog.manager_id == manager.employee_id)
        ).all()
        assert len(logs) >= 4 and {g.dimension for g in logs} >= {"understanding", "tools"}
        hr = directory.actor_for_email(session=s, email=people[Role.HR].email)
        assert coaching.read_log(session=s, actor=hr, log_id=logs[0].id or 0)  # their partner
        other = s.exec(
            select(Employee).where(Employee.id != manager.employee_id, Employee.level >= 4)
        ).all()
        another = next(
            a
            for p in other
            if (a := directory.actor_for_employee(session=s, employee=p)).has(Role.MANAGER)
            and not a.has(Role.ADMIN)
        )
        with pytest.raises(NotAllowed):
            coaching.read_log(session=s, actor=another, log_id=logs[0].id or 0)
        due = [
            n
            for team in coaching.coached_teams(session=s, actor=manager)
            for n in coaching.team_nudges(
                session=s, actor=manager, department_id=team.id
            ).follow_ups_due
        ]
        assert due  # one follow-up is waiting
