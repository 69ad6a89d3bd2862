"""Coaching: managers' logs of their conversations, and the HR partners of departments.

A coaching log is private to the manager who wrote it, the HR partners of its department
(or of a department above it) and administrators (engagement/services/coaching.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow

TOPIC_MAX = 200
NOTES_MAX = 4_000
COMMITMENTS_MAX = 2_000


class HrPartner(SQLModel, table=True):
    """An HR person who partners a department and everything below it (assigned by an admin)."""

    department_id: int = Field(foreign_key="department.id", primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", primary_key=True, index=True)
    assigned_by: str = Field(default="", max_length=320)
    assigned_at: datetime = Field(default_factory=utcnow)


class CoachingLog(SQLModel, table=True):
    """One coaching conversation a manager held with a team, and what was agreed."""

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="employee.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    held_on: date
    dimension: str = Field(max_length=24)  # the dimension the conversation targeted
    topic: str = Field(max_length=TOPIC_MAX)
    notes: str = Field(default="", max_length=NOTES_MAX)
    commitments: str = Field(default="", max_length=COMMITMENTS_MAX)
    follow_up_on: date | None = None
    followed_up_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
