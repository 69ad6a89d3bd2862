"""The organisation: departments (a tree), employees and the roles they hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

# Named constraints let later migrations alter tables on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware (sqlmodel rejects naive datetimes)."""
    return datetime.now(UTC)


class DepartmentKind(StrEnum):
    COMPANY = "company"
    DIVISION = "division"
    DEPARTMENT = "department"
    TEAM = "team"


class Department(SQLModel, table=True):
    """A node of the org tree: company > division > department > team."""

    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_department_parent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=DepartmentKind.DEPARTMENT.value, max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="department.id", index=True)


class Employee(SQLModel, table=True):
    """A person in the directory. The email is stored lower-case: it is the sign-in key."""

    # emails are compared case-insensitively: the database refuses any other spelling
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=100, unique=True, index=True)
    email: str | None = Field(default=None, max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    department_id: int = Field(foreign_key="department.id", index=True)
    location: str | None = Field(default=None, max_length=120)
    job_family: str | None = Field(default=None, max_length=120)
    level: int | None = Field(default=None)
    hire_date: date | None = Field(default=None)
    customer_facing: bool = Field(default=False)
    manager_id: int | None = Field(default=None, foreign_key="employee.id", index=True)
    active: bool = Field(default=True, index=True)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The person's chosen interface language; None follows the browser.
    language: str | None = Field(default=None, max_length=8)

    @property
    def display_name(self) -> str:
        """The name, or the external id when the HR file had no name."""
        return self.name or self.external_id


class RoleGrant(SQLModel, table=True):
    """A role held by a person beyond the implicit `employee`."""

    __table_args__ = (UniqueConstraint("employee_id", "role", name="uq_role_grant"),)

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    role: str = Field(max_length=16)
    granted_at: datetime = Field(default_factory=utcnow)
    granted_by: str = Field(default="", max_length=320)


class ManagerScope(SQLModel, table=True):
    """A department subtree that a manager manages."""

    __table_args__ = (UniqueConstraint("employee_id", "department_id", name="uq_manager_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
