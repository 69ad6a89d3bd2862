"""Settings an administrator changes in the app (the environment gives their defaults)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow


class AppSetting(SQLModel, table=True):
    """One setting's current value; every change is also in the audit log, before and after."""

    key: str = Field(primary_key=True, max_length=64)
    value: int
    updated_by: str = Field(max_length=320)
    updated_at: datetime = Field(default_factory=utcnow)
