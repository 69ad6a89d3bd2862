"""Granting and revoking roles, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from engagement.authz import SYSTEM, Role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.services import directory, roles
from tests import factories as f


@pytest.fixture
def people(session: Session) -> dict[str, object]:
    company = f.department(session, "Acme")
    sales = f.department(session, "Sales", company)
    ops = f.department(session, "Ops", company)
    admin = f.employee(session, company, "Ada", email="ada@acme.test")
    bob = f.employee(session, sales, "Bob", email="bob@acme.test")
    f.grant(session, admin, Role.ADMIN)
    session.commit()
    return {"sales": sales, "ops": ops, "admin": admin, "bob": bob}


def _actor(session: Session, email: str):  # type: ignore[no-untyped-def]
    return directory.actor_for_email(session=session, email=email)


def test_grant_manager_with_departments_then_revoke_one_then_all(
    session: Session, people: dict[str, object]
) -> None:
    admin = _actor(session, "ada@acme.test")
    sales, ops = people["sales"], people["ops"]
    msg = roles.grant_role(
        session=session,
        actor=admin,
        email="BOB@acme.test",
        role="manager",
        department_ids=[sales.id, ops.id],  # type: ignore[attr-defined]
    )
    session.commit()
    assert "now holds the role Manager" in msg
    bob = _actor(session, "bob@acme.test")
    assert bob.has(Role.MANAGER) and bob.managed_department_ids == {sales.id, ops.id}  # type: ignore[attr-defined]
    [row] = [
        g for g in roles.list_grants(session=session, actor=admin) if g.email == "bob@acme.test"
    ]
    assert row.departments == ["Ops", "Sales"]

    roles.revoke_role(
        session=session,
        actor=admin,
        email="bob@acme.test",
        role="manager",
        department_ids=[ops.id],  # type: ignore[attr-defined]
    )
    session.commit()
    bob = _actor(session, "bob@acme.test")
    assert bob.has(Role.MANAGER) and bob.managed_department_ids == {sales.id}  # type: ignore[attr-defined]

    roles.revoke_role(session=session, actor=admin, email="bob@acme.test", role="manager")
    session.commit()
    bob = _actor(session, "bob@acme.test")
    assert not bob.has(Role.MANAGER) and not bob.managed_department_ids


def test_grant_is_idempotent(session: Session, people: dict[str, object]) -> None:
    admin = _actor(session, "ada@acme.test")
    roles.grant_role(session=session, actor=admin, email="bob@acme.test", role="hr")
    again = roles.grant_role(session=session, actor=admin, email="bob@acme.test", role="hr")
    session.commit()
    assert "already holds" in again
    assert len(roles.list_grants(session=session, actor=admin, email="bob@acme.test")) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"role": "manager"}, InvalidInput, "at least one department"),
        ({"role": "wizard"}, InvalidInput, "Unknown role"),
        ({"role": "employee"}, InvalidInput, "Unknown role"),
        ({"role": "hr", "email": "nobody@acme.test"}, NotFound, "nobody@acme.test"),
        ({"role": "hr", "department_ids": [1]}, InvalidInput, "Only managers"),
    ],
)
def test_bad_grants_are_refused_and_change_nothing(
    session: Session, people: dict[str, object], kwargs: dict[str, object], error: type, needle: str
) -> None:
    admin = _actor(session, "ada@acme.test")
    before = roles.list_grants(session=session, actor=admin)
    args = {"email": "bob@acme.test", **kwargs}
    with pytest.raises(error, match=needle):
        roles.grant_role(session=session, actor=admin, **args)  # type: ignore[arg-type]
    session.rollback()
    assert roles.list_grants(session=session, actor=admin) == before


def test_only_admins_may_grant_or_list(session: Session, people: dict[str, object]) -> None:
    bob = _actor(session, "bob@acme.test")
    with pytest.raises(NotAllowed):
        roles.grant_role(session=session, actor=bob, email="bob@acme.test", role="admin")
    with pytest.raises(NotAllowed):
        roles.revoke_role(session=session, actor=bob, email="ada@acme.test", role="admin")
    with pytest.raises(NotAllowed):
        roles.list_grants(session=session, actor=bob)


def test_the_last_admin_cannot_be_revoked(session: Session, people: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="last administrator"):
        roles.revoke_role(session=session, actor=SYSTEM, email="ada@acme.test", role="admin")
    roles.grant_role(session=session, actor=SYSTEM, email="bob@acme.test", role="admin")
    roles.revoke_role(session=session, actor=SYSTEM, email="ada@acme.test", role="admin")
    session.commit()
    assert not _actor(session, "ada@acme.test").has(Role.ADMIN)


def test_revoking_a_role_not_held_says_so(session: Session, people: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="does not hold"):
        roles.revoke_role(session=session, actor=SYSTEM, email="bob@acme.test", role="leader")
