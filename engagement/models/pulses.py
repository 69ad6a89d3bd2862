"""Pulse surveys, their waves, and answers that cannot be linked to the person who gave them.

Two separate records for each answer: a *participation* (a keyed token of person and wave)
that stops double answers and holds no answer, and a *response* that holds the
answers with a random id, the day (never the time) and a snapshot of the respondent's
department and segment attributes — nothing that joins it to the participation. On SQLite
the answer tables are WITHOUT ROWID, so even their storage order is that of the random id.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow

NO_ROWID = {"sqlite_with_rowid": False}


def random_id() -> str:
    """A random identifier: it says nothing about when or in which order it was made."""
    return uuid.uuid4().hex


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    ONCE = "once"


class Pulse(SQLModel, table=True):
    """A short recurring survey; each occurrence is a wave."""

    id: int | None = Field(default=None, primary_key=True)
    # the canonical name (unique; the English one when given), and the name per language
    # ({"en": …, "fr": …}) that people read (engagement.i18n.display_name)
    name: str = Field(max_length=120, unique=True)
    names: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    cadence: str = Field(default=Cadence.WEEKLY.value, max_length=16)
    open_days: int = Field(default=5)
    start_date: date
    item_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # custom questions written for this pulse: [{"id", "dimension", "type", "text": {en, fr}}]
    custom_items: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    allow_comment: bool = Field(default=True)
    active: bool = Field(default=True)
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


class PulseTarget(SQLModel, table=True):
    """An internal market a pulse is aimed at (none: the whole company)."""

    pulse_id: int = Field(foreign_key="pulse.id", primary_key=True)
    market_id: int = Field(foreign_key="market.id", primary_key=True)


class Wave(SQLModel, table=True):
    """One occurrence of a pulse, open from `opens_on` to `closes_on` (inclusive)."""

    __table_args__ = (UniqueConstraint("pulse_id", "number", name="uq_wave_pulse_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pulse_id: int = Field(foreign_key="pulse.id", index=True)
    number: int
    opens_on: date = Field(index=True)
    closes_on: date = Field(index=True)
    invited: int = Field(default=0)


class WaveInvite(SQLModel, table=True):
    """Who was invited when the wave opened (the membership snapshot), and their department."""

    __table_args__ = NO_ROWID

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", primary_key=True, index=True)
    department_id: int = Field(foreign_key="department.id", index=True)


class Participation(SQLModel, table=True):
    """That someone answered a wave — no answer, no time, and no person id: a token.

    The token is HMAC(secret, wave, person) (engagement/privacy.py): the app can tell
    whether *you* answered; the database alone cannot tell who did. Its key stops a second
    answer.
    """

    __table_args__ = NO_ROWID

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    token: str = Field(primary_key=True, max_length=40)


class Snapshot(SQLModel):
    """The respondent's department and segment attributes when they answered."""

    department_id: int = Field(foreign_key="department.id", index=True)
    location: str | None = Field(default=None, max_length=120)
    job_family: str | None = Field(default=None, max_length=120)
    level: int | None = None
    tenure_band: str | None = Field(default=None, max_length=8)
    # None: coarsened away (engagement/services/coarsening.py) — neither yes nor no
    customer_facing: bool | None = False
    people_manager: bool | None = False
    # sa_type, not sa_column: a Column object cannot be shared by the two tables using this
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)


class Response(Snapshot, table=True):
    """One person's answers to one wave, unlinkable to them."""

    __table_args__ = NO_ROWID

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    answered_on: date
    comment: str | None = Field(default=None, max_length=2000)


class Answer(SQLModel, table=True):
    """One item of a response: a scale value (1–5) or a choice."""

    __table_args__ = NO_ROWID

    response_id: str = Field(foreign_key="response.id", primary_key=True, max_length=32)
    # no index of its own: every read goes through the response (the key's first column),
    # and each answer written would pay for one (EXPLAIN, README "Performance")
    item_id: str = Field(primary_key=True, max_length=64)
    value: int | None = None
    choice: str | None = Field(default=None, max_length=64)


class CheckinDay(SQLModel, table=True):
    """That someone answered (or dismissed) the morning check-in on a day: a token per day."""

    __table_args__ = NO_ROWID

    day: date = Field(primary_key=True)
    token: str = Field(primary_key=True, max_length=40)


class Checkin(Snapshot, table=True):
    """A morning check-in answer, unlinkable to the person."""

    __table_args__ = NO_ROWID

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    day: date = Field(index=True)
    choice: str = Field(max_length=64)
