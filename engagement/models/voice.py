"""Employees' voice: the board of questions and objections, and “you said, we did”.

An anonymous item stores no author at all — not hidden, absent — and a database constraint
refuses one with an author. Like pulse answers, items have random ids and only the day they
were posted, so neither id order nor times can be matched to anything a person did. An
upvote is a keyed token per (item, person) (engagement/privacy.py), never a person id: it
stops a second vote, and votes cannot be traced to people or linked to each other.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from engagement.models.org import utcnow
from engagement.models.pulses import NO_ROWID, random_id

BODY_MAX = 1_000
ANSWER_MAX = 4_000
REASON_MAX = 500


class ItemKind(StrEnum):
    QUESTION = "question"
    OBJECTION = "objection"


class ItemStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    DECLINED = "declined"


class BoardItem(SQLModel, table=True):
    """A question or an objection, about a pillar or a campaign, answered in public.

    `department_id` is the author's department for a named item. For an anonymous one it is
    only kept when it cannot point at the author (see services/board.py), else it is empty.
    """

    __table_args__ = (
        CheckConstraint("NOT anonymous OR author_id IS NULL", name="anonymous_no_author"),
        NO_ROWID,
    )

    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    body: str = Field(max_length=BODY_MAX)
    language: str = Field(max_length=8)  # the language its author wrote it in
    pillar: str | None = Field(default=None, max_length=16, index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    anonymous: bool = Field(default=False)
    author_id: int | None = Field(default=None, foreign_key="employee.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    posted_on: date = Field(index=True)  # the day only, never the time
    # set by leaders and HR
    dimension: str | None = Field(default=None, max_length=24)
    status: str = Field(default=ItemStatus.OPEN.value, max_length=16, index=True)
    decline_reason: str | None = Field(default=None, max_length=REASON_MAX)
    owner_id: int | None = Field(default=None, foreign_key="employee.id")
    answer: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    answered_by_id: int | None = Field(default=None, foreign_key="employee.id")
    answered_on: date | None = None
    hidden: bool = Field(default=False)
    hidden_reason: str | None = Field(default=None, max_length=REASON_MAX)


class BoardVote(SQLModel, table=True):
    """An upvote: a token of (item, person), no person id, no time."""

    __table_args__ = NO_ROWID

    item_id: str = Field(foreign_key="boarditem.id", primary_key=True, max_length=32)
    token: str = Field(primary_key=True, max_length=40)


class YouSaidWeDid(SQLModel, table=True):
    """After a wave: what was heard and what will change, published to everyone."""

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int | None = Field(default=None, foreign_key="wave.id")
    pillar: str | None = Field(default=None, max_length=16)
    heard: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    changes: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    published_by_id: int | None = Field(default=None, foreign_key="employee.id")
    published_at: datetime = Field(default_factory=utcnow, index=True)
