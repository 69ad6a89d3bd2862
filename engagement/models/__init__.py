"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from engagement.models.audit import AuditEntry
from engagement.models.campaigns import (
    Campaign,
    CampaignAudience,
    CampaignEvent,
    CampaignMarket,
    CampaignModule,
    CampaignReceipt,
    CampaignStatus,
    DirectionStatement,
    ModuleProgress,
    ModuleStatus,
    ModuleVersion,
)
from engagement.models.coaching import CoachingLog, HrPartner
from engagement.models.markets import Market, MarketSnapshot, MarketSnapshotMember, PeopleImport
from engagement.models.org import Department, DepartmentKind, Employee, ManagerScope, RoleGrant
from engagement.models.pool import PoolItem
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
from engagement.models.rollups import DepartmentTally, WaveRollup
from engagement.models.settings import AppSetting
from engagement.models.voice import BoardItem, BoardVote, ItemKind, ItemStatus, YouSaidWeDid

__all__ = [
    "Answer",
    "AppSetting",
    "AuditEntry",
    "BoardItem",
    "BoardVote",
    "Cadence",
    "Campaign",
    "CampaignAudience",
    "CampaignEvent",
    "CampaignMarket",
    "CampaignModule",
    "CampaignReceipt",
    "CampaignStatus",
    "Checkin",
    "CheckinDay",
    "CoachingLog",
    "Department",
    "DepartmentKind",
    "DepartmentTally",
    "DirectionStatement",
    "Employee",
    "HrPartner",
    "ItemKind",
    "ItemStatus",
    "ManagerScope",
    "Market",
    "MarketSnapshot",
    "MarketSnapshotMember",
    "ModuleProgress",
    "ModuleStatus",
    "ModuleVersion",
    "Participation",
    "PeopleImport",
    "PoolItem",
    "Pulse",
    "PulseTarget",
    "Response",
    "RoleGrant",
    "Wave",
    "WaveInvite",
    "WaveRollup",
    "YouSaidWeDid",
]
