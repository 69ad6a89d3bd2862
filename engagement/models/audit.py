"""The audit log: who did what, to what, when, with the state before and after.

Entries are only ever added: no service updates or deletes them (a test checks this).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow


class AuditEntry(SQLModel, table=True):
    """One recorded action. `actor` is an email, or "cli" for the operator's command line."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=320, index=True)
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=500)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse to change or delete an entry through the ORM: the log is append-only."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise PermissionError("audit entries cannot be changed or deleted")
