"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from engagement.models.markets import Market, MarketSnapshot, MarketSnapshotMember, PeopleImport
from engagement.models.org import Department, DepartmentKind, Employee, ManagerScope, RoleGrant

__all__ = [
    "Department",
    "DepartmentKind",
    "Employee",
    "ManagerScope",
    "Market",
    "MarketSnapshot",
    "MarketSnapshotMember",
    "PeopleImport",
    "RoleGrant",
]
