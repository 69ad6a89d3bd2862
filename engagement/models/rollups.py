"""Stored roll-ups: a closed wave's counts per department, written once and then only read.

A closed wave cannot change (answers and check-ins are refused after its last day, its
invitations were fixed when it opened), so the heatmap reads these few hundred rows instead
of grouping the wave's raw answers again. Only direct members are counted and the
invitation changes are kept per (department now, department before) pair, so a later
change of the department tree rolls up exactly as the raw answers would.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class WaveRollup(SQLModel, table=True):
    """That a closed wave's per-department counts are stored, and how its invitations changed.

    `moves` lists, for the people whose invitation differs from the previous wave, how many
    went from each department (`None`: not invited then) to each department (`None`: not
    invited now), as `[department now, department before, people]`.
    """

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    previous_wave_id: int | None = Field(default=None, foreign_key="wave.id")
    moves: list[list[int | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class DepartmentTally(SQLModel, table=True):
    """A closed wave's additive counts for one department's direct members."""

    wave_id: int = Field(foreign_key="waverollup.wave_id", primary_key=True)
    department_id: int = Field(foreign_key="department.id", primary_key=True)
    invited: int = 0
    respondents: int = 0
    # per dimension of the change path: answers, favorable answers (4 or 5), sum of values
    understanding_answers: int = 0
    understanding_favorable: int = 0
    understanding_sum: int = 0
    desire_answers: int = 0
    desire_favorable: int = 0
    desire_sum: int = 0
    relevance_answers: int = 0
    relevance_favorable: int = 0
    relevance_sum: int = 0
    tools_answers: int = 0
    tools_favorable: int = 0
    tools_sum: int = 0
    # the customer-thought pulse item: customer answers, answers
    thought_customer: int = 0
    thought_answered: int = 0
    # morning check-ins of the wave's days: customer, all, and all per day (ISO date → count)
    checkin_customer: int = 0
    checkin_all: int = 0
    checkin_days: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
