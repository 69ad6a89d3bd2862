"""Factories for small hand-built organisations."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlmodel import Session

from engagement.authz import Role
from engagement.models import Department, DepartmentKind, Employee, ManagerScope, RoleGrant

_ids = itertools.count(1)


def department(
    session: Session, name: str, parent: Department | None = None, kind: str | None = None
) -> Department:
    dept = Department(
        name=name,
        parent_id=parent.id if parent else None,
        kind=kind
        or (DepartmentKind.COMPANY.value if parent is None else DepartmentKind.DEPARTMENT.value),
    )
    session.add(dept)
    session.flush()
    return dept


def employee(
    session: Session,
    dept: Department,
    name: str | None = None,
    *,
    email: str | None = "",
    **fields: Any,
) -> Employee:
    n = next(_ids)
    name = name if name is not None else f"Person {n}"
    if email == "":
        email = f"{name.lower().replace(' ', '.')}.{n}@example.com"
    assert dept.id is not None
    person = Employee(
        external_id=fields.pop("external_id", f"T{n:05d}"),
        email=email,
        name=name,
        department_id=dept.id,
        hire_date=fields.pop("hire_date", date(2020, 1, 1)),
        **fields,
    )
    session.add(person)
    session.flush()
    return person


def grant(
    session: Session, person: Employee, role: Role, departments: tuple[Department, ...] = ()
) -> None:
    assert person.id is not None
    session.add(RoleGrant(employee_id=person.id, role=role.value, granted_by="test"))
    for dept in departments:
        assert dept.id is not None
        session.add(ManagerScope(employee_id=person.id, department_id=dept.id))
    session.flush()


def release_as_is(session: Session, today: date) -> int:
    """Release everything pooled with k = 1 — each answer stored as submitted — for tests of
    what an answer holds or how figures are computed from answers. The mixer's own rules
    (k at a time, coarsened snapshots) are tested in tests/test_mixer.py."""
    from sqlalchemy import Engine

    from engagement.services import mixer

    session.commit()
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    released = mixer.release(bind, k=1, today=today).released
    session.expire_all()
    return released
