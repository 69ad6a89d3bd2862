"""Writing a pulse answer: the same rows on every database, all or nothing, once per token."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from engagement.models import Answer, Participation, Pulse, Response, Wave
from engagement.models.pool import PoolItem
from engagement.models.pulses import random_id
from engagement.services.pulse_answers import write_response
from tests import factories as f

DAY = date(2026, 11, 2)


@pytest.fixture
def wave_and_department(session: Session) -> tuple[int, int]:
    team = f.department(session, "Team")
    pulse = Pulse(name="Pulse", start_date=DAY, item_ids=["a", "b", "c"])
    session.add(pulse)
    session.flush()
    wave = Wave(pulse_id=pulse.id or 0, number=1, opens_on=DAY, closes_on=DAY)
    session.add(wave)
    session.commit()
    return int(wave.id or 0), int(team.id or 0)


def _response(wave_id: int, department_id: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": random_id(),
        "wave_id": wave_id,
        "answered_on": DAY,
        "comment": "Plus de formation, s’il vous plaît",
        "department_id": department_id,
        "location": "Montréal",
        "job_family": "Sales",
        "level": 3,
        "tenure_band": "1-3y",
        "customer_facing": True,
        "people_manager": False,
        "extra": {"shift": "night", "union": True},
        **kw,
    }


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_writes_the_token_the_response_and_its_answers(
    session: Session, wave_and_department: tuple[int, int]
) -> None:
    wave_id, department_id = wave_and_department
    response = _response(wave_id, department_id)
    answers = {"a": (4, None), "b": (None, "customer"), "c": (1, None)}
    token = {"wave_id": wave_id, "token": "t" * 40}
    assert write_response(session, token=token, response=response, answers=answers)
    session.commit()
    # written at once, but only sealed in the pool beside its token: no response row yet
    assert (_count(session, Participation), _count(session, PoolItem)) == (1, 1)
    assert _count(session, Response) == 0
    assert f.release_as_is(session, DAY) == 1
    stored = session.exec(select(Response)).one()
    # released with a new random id: nothing joins it to the pooled item or the token
    assert stored.id != response["id"]
    # the snapshot may be coarsened at release (tests/test_mixer.py); what places it stays
    assert (stored.wave_id, stored.department_id, stored.comment, stored.answered_on) == (
        response["wave_id"],
        response["department_id"],
        response["comment"],
        DAY,
    )
    assert {(a.item_id, a.value, a.choice) for a in session.exec(select(Answer)).all()} == {
        (i, v, c) for i, (v, c) in answers.items()
    }
    assert {a.response_id for a in session.exec(select(Answer)).all()} == {stored.id}
    assert [(p.wave_id, p.token) for p in session.exec(select(Participation)).all()] == [
        (wave_id, "t" * 40)
    ]
    assert _count(session, PoolItem) == 0


def test_a_second_answer_with_the_same_token_writes_nothing(
    session: Session, wave_and_department: tuple[int, int]
) -> None:
    wave_id, department_id = wave_and_department
    token = {"wave_id": wave_id, "token": "t" * 40}
    assert write_response(
        session, token=token, response=_response(wave_id, department_id), answers={"a": (5, None)}
    )
    session.commit()
    assert not write_response(
        session,
        token=token,
        response=_response(wave_id, department_id, comment="again"),
        answers={"a": (1, None), "b": (None, "tasks")},
    )
    session.commit()
    f.release_as_is(session, DAY)
    assert (_count(session, Participation), _count(session, Response), _count(session, Answer)) == (
        1,
        1,
        1,
    )
    assert session.exec(select(Answer.value)).one() == 5


def test_every_item_skipped_still_counts_as_an_answer(
    session: Session, wave_and_department: tuple[int, int]
) -> None:
    wave_id, department_id = wave_and_department
    assert write_response(
        session,
        token={"wave_id": wave_id, "token": "s" * 40},
        response=_response(wave_id, department_id, comment=None),
        answers={},
    )
    session.commit()
    f.release_as_is(session, DAY)
    assert (_count(session, Participation), _count(session, Response), _count(session, Answer)) == (
        1,
        1,
        0,
    )


def test_a_failed_write_leaves_no_token_behind(
    session: Session, wave_and_department: tuple[int, int]
) -> None:
    """A write the database refuses (here: a wave that does not exist) leaves neither token
    nor pooled item, so the person can answer again — nothing is half written."""
    _wave_id, department_id = wave_and_department
    with pytest.raises(IntegrityError):
        write_response(
            session,
            token={"wave_id": 987654, "token": "u" * 40},
            response=_response(987654, department_id),
            answers={"a": (3, None)},
        )
        session.commit()
    session.rollback()
    assert (_count(session, Participation), _count(session, Response), _count(session, Answer)) == (
        0,
        0,
        0,
    )
    assert _count(session, PoolItem) == 0
