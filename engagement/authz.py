"""Who may do what: roles, the acting person, and the one check every service calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from engagement.errors import NotAllowed
from engagement.i18n import N_, _


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    HR = "hr"
    LEADER = "leader"
    ADMIN = "admin"


# Everyone is an employee; these are granted on top.
GRANTABLE_ROLES: tuple[Role, ...] = (Role.MANAGER, Role.HR, Role.LEADER, Role.ADMIN)

_ROLE_LABELS = {
    Role.EMPLOYEE: N_("Employee"),
    Role.MANAGER: N_("Manager"),
    Role.HR: N_("HR / internal communications"),
    Role.LEADER: N_("Leader"),
    Role.ADMIN: N_("Administrator"),
}


def role_label(role: Role | str) -> str:
    """The role's name in the current language."""
    return _(_ROLE_LABELS[Role(role)])


def parse_role(value: str) -> Role:
    """A grantable role from its code, or InvalidInput naming the choices."""
    from engagement.errors import InvalidInput

    try:
        role = Role(value.strip().lower())
    except ValueError:
        role = None
    if role is None or role not in GRANTABLE_ROLES:
        raise InvalidInput(
            _("Unknown role “{value}”: use one of {choices}.").format(
                value=value, choices=", ".join(r.value for r in GRANTABLE_ROLES)
            )
        )
    return role


@dataclass(frozen=True)
class Actor:
    """The person (or the operator's command line) on whose behalf a service runs."""

    employee_id: int | None
    email: str
    name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    managed_department_ids: frozenset[int] = field(default_factory=frozenset)
    department_id: int | None = None
    language: str | None = None  # the person's saved interface language
    is_system: bool = False

    def has(self, role: Role) -> bool:
        """Whether the actor holds a role (everyone holds `employee`)."""
        return self.is_system or role is Role.EMPLOYEE or role in self.roles

    def has_any(self, roles: Iterable[Role]) -> bool:
        return any(self.has(r) for r in roles)


# The operator at the command line: whoever can run it already owns the database.
SYSTEM = Actor(
    employee_id=None, email="cli", name="command line", roles=frozenset(Role), is_system=True
)


def require_role(actor: Actor, *roles: Role) -> None:
    """Raise NotAllowed unless the actor holds one of the roles."""
    if not actor.has_any(roles):
        raise NotAllowed(
            _("This needs the role: {roles}.").format(
                roles=" / ".join(role_label(r) for r in roles)
            )
        )
