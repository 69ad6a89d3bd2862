"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from engagement.models.audit import AuditEntry
from engagement.models.markets import Market, MarketSnapshot, MarketSnapshotMember, PeopleImport
from engagement.models.org import Department, DepartmentKind, Employee, ManagerScope, RoleGrant
from engagement.models.pulses import (
    Answer,
    Cadence,
    Checkin,
    CheckinDay,
    Participation,
    Pulse,
    PulseTarget,
    Response,
    Wave,
    WaveInvite,
)

__all__ = [
    "Answer",
    "AuditEntry",
    "Cadence",
    "Checkin",
    "CheckinDay",
    "Department",
    "DepartmentKind",
    "Employee",
    "ManagerScope",
    "Market",
    "MarketSnapshot",
    "MarketSnapshotMember",
    "Participation",
    "PeopleImport",
    "Pulse",
    "PulseTarget",
    "Response",
    "RoleGrant",
    "Wave",
    "WaveInvite",
]
