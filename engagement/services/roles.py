"""Granting and revoking roles (admin only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, parse_role, require_role, role_label
from engagement.errors import InvalidInput
from engagement.i18n import _
from engagement.models import Department, Employee, ManagerScope, RoleGrant
from engagement.services import audit
from engagement.services.directory import ensure_employee_exists, load_nodes


@dataclass(frozen=True)
class GrantRow:
    """A role held by a person, with the departments it covers (managers only)."""

    email: str
    name: str
    role: Role
    departments: list[str]
    department_ids: list[int]
    granted_at: datetime
    granted_by: str


def _target(
    session: Session, actor: Actor, email: str, role: str
) -> tuple[Role, Employee, RoleGrant | None]:
    """Check the actor is an admin; the role, the person, and their grant of it if any."""
    require_role(actor, Role.ADMIN)
    parsed = parse_role(role)
    person = ensure_employee_exists(session, email)
    assert person.id is not None
    grant = session.exec(
        select(RoleGrant).where(RoleGrant.employee_id == person.id, RoleGrant.role == parsed.value)
    ).first()
    return parsed, person, grant


def grant_role(
    *,
    session: Session,
    actor: Actor,
    email: str,
    role: str,
    department_ids: Sequence[int] = (),
) -> str:
    """Give a person a role; managers need at least one department. Returns what changed."""
    parsed, person, existing = _target(session, actor, email, role)
    assert person.id is not None
    if parsed is Role.MANAGER and not department_ids:
        raise InvalidInput(_("A manager needs at least one department to manage."))
    if parsed is not Role.MANAGER and department_ids:
        raise InvalidInput(_("Only managers are given departments."))
    for dept_id in department_ids:
        if session.get(Department, dept_id) is None:
            raise InvalidInput(_("That department no longer exists."))
    before = audit.roles_of(session, person)
    if existing is None:
        session.add(RoleGrant(employee_id=person.id, role=parsed.value, granted_by=actor.email))
    have = set(
        session.exec(
            select(ManagerScope.department_id).where(ManagerScope.employee_id == person.id)
        ).all()
    )
    added = [d for d in dict.fromkeys(department_ids) if d not in have]
    for dept_id in added:
        session.add(ManagerScope(employee_id=person.id, department_id=dept_id))
    session.flush()
    if existing is not None and not added:
        return _("{name} already holds the role {role}.").format(
            name=person.display_name, role=role_label(parsed)
        )
    _audit(session, actor, "role.grant", person, before)
    return _("{name} now holds the role {role}.").format(
        name=person.display_name, role=role_label(parsed)
    )


def revoke_role(
    *,
    session: Session,
    actor: Actor,
    email: str,
    role: str,
    department_ids: Sequence[int] = (),
) -> str:
    """Take a role away (or, for a manager, some of their departments). Returns what changed."""
    parsed, person, grant = _target(session, actor, email, role)
    if grant is None:
        raise InvalidInput(
            _("{name} does not hold the role {role}.").format(
                name=person.display_name, role=role_label(parsed)
            )
        )
    if parsed is Role.ADMIN:
        admins = session.exec(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.ADMIN.value)
        ).one()
        if admins <= 1:
            raise InvalidInput(
                _("{name} is the last administrator: grant the role to someone else first.").format(
                    name=person.display_name
                )
            )
    scopes = session.exec(select(ManagerScope).where(ManagerScope.employee_id == person.id)).all()
    before = audit.roles_of(session, person)
    if department_ids:
        if parsed is not Role.MANAGER:
            raise InvalidInput(_("Only managers are given departments."))
        removing = [s for s in scopes if s.department_id in set(department_ids)]
        if not removing:
            raise InvalidInput(
                _("{name} does not manage that department.").format(name=person.display_name)
            )
        for scope in removing:
            session.delete(scope)
        if len(removing) < len(scopes):
            session.flush()
            _audit(session, actor, "role.revoke", person, before)
            return _("{name} no longer manages the departments removed.").format(
                name=person.display_name
            )
    elif parsed is Role.MANAGER:
        for scope in scopes:
            session.delete(scope)
    session.delete(grant)
    session.flush()
    _audit(session, actor, "role.revoke", person, before)
    return _("{name} no longer holds the role {role}.").format(
        name=person.display_name, role=role_label(parsed)
    )


def _audit(
    session: Session, actor: Actor, action: str, person: Employee, before: dict[str, list[str]]
) -> None:
    """Record a role change: the person's roles and departments before and after."""
    after = audit.roles_of(session, person)
    target = f"{person.display_name} <{person.email}>"
    audit.record(session, actor=actor, action=action, target=target, before=before, after=after)


def list_grants(*, session: Session, actor: Actor, email: str | None = None) -> list[GrantRow]:
    """Every role grant (or one person's), with managed departments as paths."""
    require_role(actor, Role.ADMIN)
    by_id = {n.id: n for n in load_nodes(session)}
    stmt = select(RoleGrant, Employee).join(Employee, col(Employee.id) == RoleGrant.employee_id)
    if email:
        person = ensure_employee_exists(session, email)
        stmt = stmt.where(RoleGrant.employee_id == person.id)
    scopes: dict[int, list[tuple[str, int]]] = {}
    for scope in session.exec(select(ManagerScope)).all():
        # below the top of the tree, the company's own name adds nothing
        names = org_tree.path_of(by_id, scope.department_id)
        path = " > ".join(names[1:] or names)
        scopes.setdefault(scope.employee_id, []).append((path, scope.department_id))
    rows = [
        GrantRow(
            email=person.email or "",
            name=person.display_name,
            role=Role(grant.role),
            departments=[p for p, _ in sorted(scopes.get(grant.employee_id, []))]
            if grant.role == Role.MANAGER.value
            else [],
            department_ids=[d for _, d in sorted(scopes.get(grant.employee_id, []))]
            if grant.role == Role.MANAGER.value
            else [],
            granted_at=grant.granted_at,
            granted_by=grant.granted_by,
        )
        for grant, person in session.exec(stmt).all()
    ]
    order = list(Role)
    return sorted(rows, key=lambda r: (order.index(r.role), r.name.casefold()))
