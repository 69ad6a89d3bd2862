"""Writing whole pulse waves in bulk, for the demo history and the benchmark.

Rows go in with the same shape the services write one by one: invitations, a participation
token per answerer, a response with a random id and its answers — never linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, SQLModel

from engagement.models import Answer, Participation, Response, Wave, WaveInvite
from engagement.models.pulses import random_id
from engagement.privacy import participant_token, wave_scope

Rows = list[dict[str, Any]]


@dataclass
class WaveBatch:
    """One wave's rows, gathered in memory and written with a few bulk inserts."""

    wave_id: int
    invites: Rows = field(default_factory=list)
    participations: Rows = field(default_factory=list)
    responses: Rows = field(default_factory=list)
    answers: Rows = field(default_factory=list)

    def invite(self, employee_id: int, department_id: int) -> None:
        self.invites.append(
            {"wave_id": self.wave_id, "employee_id": employee_id, "department_id": department_id}
        )

    def respond(self, employee_id: int, fields: dict[str, Any]) -> str:
        """Record that someone answered (a token) and their response; returns its id."""
        token = participant_token(wave_scope(self.wave_id), employee_id)
        self.participations.append({"wave_id": self.wave_id, "token": token})
        response_id = random_id()
        self.responses.append({"id": response_id, "wave_id": self.wave_id, **fields})
        return response_id

    def answer(self, response_id: str, item_id: str, value: int | None, choice: str | None) -> None:
        self.answers.append(
            {"response_id": response_id, "item_id": item_id, "value": value, "choice": choice}
        )

    def write(self, session: Session, *more: tuple[type[SQLModel], Rows]) -> None:
        """Insert everything gathered (and any other tables' rows), parents first."""
        tables: list[tuple[type[SQLModel], Rows]] = [
            (WaveInvite, self.invites),
            (Participation, self.participations),
            (Response, self.responses),
            (Answer, self.answers),
            *more,
        ]
        for model, rows in tables:
            if rows:
                session.execute(insert(model), rows)


def start_wave(
    session: Session, *, pulse_id: int, number: int, opens: date, invited: int
) -> WaveBatch:
    """Create a five-day wave and an empty batch for its rows."""
    wave = Wave(
        pulse_id=pulse_id,
        number=number,
        opens_on=opens,
        closes_on=opens + timedelta(days=4),
        invited=invited,
    )
    session.add(wave)
    session.flush()
    return WaveBatch(wave_id=int(wave.id or 0))
