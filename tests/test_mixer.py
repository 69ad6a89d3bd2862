"""Mix before store: answers wait sealed in the pool and come out only k or more at a time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from engagement.models import Answer, Checkin, Participation, PoolItem, Response, Wave
from engagement.pool import sealed_length
from engagement.privacy import checkin_scope, wave_scope
from engagement.services import mixer, pulses
from tests.test_pulses import MONDAY, actor, company, make_pulse  # noqa: F401 (fixture)

K = 5


@pytest.fixture
def acme(request: pytest.FixtureRequest) -> dict[str, object]:
    """The small company of test_pulses: Sales (6 customer-facing), Ops (4), HR at the top."""
    mixer.forget_populations()  # the same URL may hold another company (PostgreSQL runs)
    found: dict[str, object] = request.getfixturevalue("company")
    return found


SECRET_COMMENT = "The night shift needs a second forklift"


def _wave(session: Session) -> Wave:
    make_pulse(session)
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    return session.exec(select(Wave)).one()


def _answer(session: Session, email: str, wave: Wave, comment: str | None = None) -> None:
    pulses.submit_response(
        session=session,
        actor=actor(session, email),
        wave_id=wave.id or 0,
        answers={"understand_mission": 4, "first_thought": "customer"},
        comment=comment,
        today=MONDAY,
    )
    session.commit()


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind


def test_an_answer_waits_sealed_and_is_released_with_k_of_its_group(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    engine = _engine(session)
    for i in range(K - 1):
        _answer(session, f"s{i}@acme.test", wave, SECRET_COMMENT * (i % 2) or None)
        assert mixer.release_if_due(engine, scope=wave_scope(wave.id or 0), k=K).released == 0
    # who answered is recorded at once; what they answered is only sealed
    assert _count(session, Participation) == K - 1 and _count(session, Response) == 0
    sealed = session.exec(select(PoolItem)).all()
    assert {len(p.sealed) for p in sealed} == {sealed_length("response")}
    assert all(SECRET_COMMENT.encode() not in p.sealed for p in sealed)
    assert {(p.kind, p.scope) for p in sealed} == {("response", wave_scope(wave.id or 0))}
    # the k-th answer of the group releases the batch
    _answer(session, f"s{K - 1}@acme.test", wave, SECRET_COMMENT)
    done = mixer.release_if_due(engine, scope=wave_scope(wave.id or 0), k=K, today=MONDAY)
    assert (done.released, done.batches, done.waiting) == (K, 1, 0)
    session.expire_all()
    assert _count(session, PoolItem) == 0 and _count(session, Response) == K
    responses = session.exec(select(Response)).all()
    assert sorted(r.comment or "" for r in responses).count(SECRET_COMMENT) == 3
    sales = acme["sales"]
    assert {(r.department_id, r.customer_facing, r.answered_on) for r in responses} == {
        (sales.id, True, MONDAY)  # type: ignore[attr-defined]
    }
    assert _count(session, Answer) == 2 * K


def test_a_second_answer_is_still_refused_while_the_first_waits_in_the_pool(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    _answer(session, "s0@acme.test", wave)
    with pytest.raises(Exception, match="already answered"):
        _answer(session, "s0@acme.test", wave)
    session.rollback()
    assert _count(session, PoolItem) == 1 and _count(session, Participation) == 1


def test_small_groups_wait_while_the_wave_is_open_and_climb_the_tree_once_it_closed(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    engine = _engine(session)
    for email in ("s0@acme.test", "s1@acme.test", "s2@acme.test", "m0@acme.test", "m1@acme.test"):
        _answer(session, email, wave)
    assert mixer.release(engine, k=K, today=MONDAY).released == 0  # 3 sellers, 2 makers
    after = wave.closes_on + timedelta(days=1)
    done = mixer.release(engine, k=K, today=after)
    assert (done.released, done.waiting) == (K, 0)
    session.expire_all()
    top = acme["acme"]
    stored = {
        (r.department_id, r.customer_facing, r.tenure_band, r.answered_on)
        for r in session.exec(select(Response)).all()
    }
    # only the department is kept, the one where all five could be: the company
    assert stored == {(top.id, None, None, wave.closes_on)}  # type: ignore[attr-defined]


def test_fewer_than_k_in_a_closed_wave_stay_sealed(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    for email in ("s0@acme.test", "m0@acme.test"):
        _answer(session, email, wave)
    done = mixer.release(_engine(session), k=K, today=wave.closes_on + timedelta(days=3))
    assert (done.released, done.waiting) == (0, 2)
    assert _count(session, Response) == 0 and _count(session, PoolItem) == 2


def test_a_release_that_fails_halfway_loses_nothing_and_is_done_once_later(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    for i in range(K):
        _answer(session, f"s{i}@acme.test", wave)
    engine = _engine(session)
    postgres = engine.dialect.name == "postgresql"
    # a real failure after the responses are written and before the pool is emptied
    with engine.begin() as connection:
        if postgres:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
                )
            )
            connection.execute(
                text("CREATE TRIGGER crash BEFORE INSERT ON answer EXECUTE FUNCTION refuse()")
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER crash BEFORE INSERT ON answer "
                    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )
    with pytest.raises(DBAPIError, match="disk full"):
        mixer.release(engine, k=K, today=MONDAY)
    assert _count(session, Response) == 0 and _count(session, PoolItem) == K
    with engine.begin() as connection:
        connection.execute(
            text("DROP TRIGGER crash ON answer" if postgres else "DROP TRIGGER crash")
        )
    assert mixer.release(engine, k=K, today=MONDAY).released == K
    assert mixer.release(engine, k=K, today=MONDAY).released == 0
    session.expire_all()
    assert _count(session, Response) == K and _count(session, PoolItem) == 0


def test_mixers_running_at_once_release_each_item_exactly_once(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    for i in range(6):
        _answer(session, f"s{i}@acme.test", wave)
    engine = _engine(session)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(mixer.release(engine, k=K, today=MONDAY).released)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    session.expire_all()
    assert sum(results) == _count(session, Response) == 6 and _count(session, PoolItem) == 0


def test_a_checkin_is_pooled_and_released_with_the_days_others(
    session: Session, acme: dict[str, object]
) -> None:
    engine = _engine(session)
    for i in range(K):
        assert pulses.submit_checkin(
            session=session,
            actor=actor(session, f"s{i}@acme.test"),
            choice="customer",
            today=MONDAY,
        )
        session.commit()
        assert _count(session, Checkin) == 0 or i == K - 1
        mixer.release_if_due(engine, scope=checkin_scope(MONDAY), k=K, today=MONDAY)
    session.expire_all()
    assert _count(session, Checkin) == K and _count(session, PoolItem) == 0
    assert {c.day for c in session.exec(select(Checkin)).all()} == {MONDAY}
    # a dismissed check-in pools nothing: it is only the day's token
    pulses.submit_checkin(
        session=session, actor=actor(session, "m0@acme.test"), choice=None, today=MONDAY
    )
    session.commit()
    assert _count(session, PoolItem) == 0


def test_a_pooled_item_edited_in_the_database_does_not_open(
    session: Session, acme: dict[str, object]
) -> None:
    wave = _wave(session)
    for i in range(K):
        _answer(session, f"s{i}@acme.test", wave)
    first, second = session.exec(select(PoolItem)).all()[:2]
    first.sealed = second.sealed  # one ciphertext copied onto another row by hand
    session.add(first)
    session.commit()
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        mixer.release(_engine(session), k=K, today=MONDAY)
