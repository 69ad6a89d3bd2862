"""Our direction, change-explanation modules, campaigns, and what people did with them.

Texts written by people are stored per language ({"en": …, "fr": …}); a missing language
falls back to the other with a notice (engagement.i18n.localized).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow


class DirectionStatement(SQLModel, table=True):
    """One published version of a pillar's statement; versions are never edited."""

    __table_args__ = (UniqueConstraint("pillar", "version", name="uq_direction_pillar_version"),)

    id: int | None = Field(default=None, primary_key=True)
    pillar: str = Field(max_length=16, index=True)
    version: int
    statement: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # what changed in this version, and why
    note: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    published_by: str = Field(max_length=320)
    published_at: datetime = Field(default_factory=utcnow)


class ModuleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ModuleVersion(SQLModel, table=True):
    """A version of a change-explanation module; a published version is frozen.

    `content` holds, per language, the title, summary, the four steps and the quiz
    (see engagement/modules.py for its shape).
    """

    __table_args__ = (UniqueConstraint("module_key", "version", name="uq_module_version"),)

    id: int | None = Field(default=None, primary_key=True)
    module_key: str = Field(max_length=64, index=True)
    version: int
    status: str = Field(default=ModuleStatus.DRAFT.value, max_length=16)
    pillar: str = Field(max_length=16)
    minutes: int = Field(default=5)
    pass_mark: int = Field(default=80)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    published_by: str | None = Field(default=None, max_length=320)
    published_at: datetime | None = None


class ModuleProgress(SQLModel, table=True):
    """How far a person got in a module: a learning record (never a pulse answer)."""

    employee_id: int = Field(foreign_key="employee.id", primary_key=True)
    module_key: str = Field(max_length=64, primary_key=True)
    version: int
    step: int = Field(default=0)  # 0..3: the step being read; 4: the check
    completed_at: datetime | None = None  # read all four steps
    attempts: int = Field(default=0)
    last_score: int | None = None  # percent
    passed_at: datetime | None = None


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    CLOSED = "closed"


class Campaign(SQLModel, table=True):
    """A message about a pillar, aimed at internal markets, with modules and a schedule."""

    id: int | None = Field(default=None, primary_key=True)
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pillar: str = Field(max_length=16, index=True)
    message: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pulse_id: int | None = Field(default=None, foreign_key="pulse.id")
    starts_on: date
    ends_on: date
    must_acknowledge: bool = Field(default=False)
    ack_after_pass: bool = Field(default=False)
    status: str = Field(default=CampaignStatus.DRAFT.value, max_length=16, index=True)
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    launched_at: datetime | None = None


class CampaignMarket(SQLModel, table=True):
    """An internal market a campaign targets."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    market_id: int = Field(foreign_key="market.id", primary_key=True)
    # who was in the market at launch (engagement.models.MarketSnapshot)
    snapshot_id: int | None = Field(default=None, foreign_key="marketsnapshot.id")


class CampaignModule(SQLModel, table=True):
    """A module linked to a campaign, in reading order."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    module_key: str = Field(max_length=64, primary_key=True)
    position: int = Field(default=0)


class CampaignAudience(SQLModel, table=True):
    """Who the campaign reached at launch (the snapshot of its markets), with their department."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", primary_key=True, index=True)
    department_id: int = Field(foreign_key="department.id")


class CampaignReceipt(SQLModel, table=True):
    """When a targeted person opened and acknowledged a campaign."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", primary_key=True)
    opened_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None


class CampaignEvent(SQLModel, table=True):
    """A lifecycle transition of a campaign: who moved it from which status to which, when."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor: str = Field(max_length=320)
    at: datetime = Field(default_factory=utcnow)
