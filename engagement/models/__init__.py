"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from engagement.models.org import Department, DepartmentKind, Employee, ManagerScope, RoleGrant

__all__ = ["Department", "DepartmentKind", "Employee", "ManagerScope", "RoleGrant"]
