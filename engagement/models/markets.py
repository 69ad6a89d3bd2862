"""Internal markets (segments), their membership snapshots, and the record of people imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow


class Market(SQLModel, table=True):
    """A named rule over employee attributes; membership is computed, never hand-kept."""

    id: int | None = Field(default=None, primary_key=True)
    # the canonical name (unique; the English one when given), and the name per language
    # ({"en": …, "fr": …}) that people read (engagement.i18n.display_name)
    name: str = Field(max_length=120, unique=True)
    names: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # the description per language ({"en": …, "fr": …}), read through engagement.i18n.localized
    descriptions: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # deprecated, read and written by nothing: kept only because replicas of the previous release
    # still select it during a rolling upgrade; migration 0010 moved it into `descriptions`
    description: str = Field(default="", max_length=500)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MarketSnapshot(SQLModel, table=True):
    """Who was in a market when something was launched to it (a campaign, a pulse wave)."""

    id: int | None = Field(default=None, primary_key=True)
    market_id: int = Field(foreign_key="market.id", index=True)
    taken_at: datetime = Field(default_factory=utcnow)
    reason: str = Field(default="", max_length=200)
    members: int = Field(default=0)


class MarketSnapshotMember(SQLModel, table=True):
    snapshot_id: int = Field(foreign_key="marketsnapshot.id", primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", primary_key=True, index=True)


class PeopleImport(SQLModel, table=True):
    """One import of an HR export: who, when, which file, what changed."""

    id: int | None = Field(default=None, primary_key=True)
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(max_length=320)
    file_name: str = Field(max_length=255)
    rows: int = Field(default=0)
    created: int = Field(default=0)
    updated: int = Field(default=0)
    deactivated: int = Field(default=0)
    unchanged: int = Field(default=0)
    full: bool = Field(default=False)
