"""Stored roll-ups of closed waves: the same reports as the raw answers (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from engagement.bench.company import add_waves, build_company
from engagement.db import get_engine
from engagement.demo import build_demo_company
from engagement.measures import engine, rollups
from engagement.measures.publish import Bound
from engagement.models import (
    Department,
    DepartmentTally,
    Employee,
    Market,
    Pulse,
    Wave,
    WaveRollup,
)
from engagement.questions import Dimension, default_bank
from engagement.services import directory, pulses, reports
from tests import factories as f

K = 5


@pytest.fixture
def demo(session: Session) -> Session:
    build_demo_company(session=session, employees=150, seed=7)
    session.commit()
    return session


def _waves(session: Session) -> list[Wave]:
    return list(session.exec(select(Wave).order_by(col(Wave.number))).all())


def _stored_waves(session: Session) -> set[int]:
    return set(session.exec(select(WaveRollup.wave_id)).all())


def test_stored_rollups_give_the_raw_reports_for_every_wave(demo: Session) -> None:
    waves = _waves(demo)
    closed = [w for w in waves if rollups.is_closed(w)]
    # the demo builder stored every closed wave; the open one is counted live
    assert len(closed) == len(waves) - 1 and len(closed) > 20
    assert _stored_waves(demo) == {w.id for w in closed}
    market = demo.exec(select(Market).order_by(col(Market.name))).first()
    assert market is not None
    for wave in waves:
        for market_id in (None, market.id):
            stored = reports.company_report(demo, K, wave.id, market_id)
            raw = reports.company_report(demo, K, wave.id, market_id, stored=False)
            assert stored == raw, (wave.number, market_id)
    shown = [r for r in stored.rows if r.measures is not None]
    assert len(shown) > 3  # the comparison covered real figures, not only hidden rows
    assert {w.id for w in waves} - _stored_waves(demo) == {waves[-1].id}  # open: never stored


def test_reports_of_closed_waves_read_the_stored_counts(demo: Session) -> None:
    wave = _waves(demo)[-2]
    raw = reports.company_report(demo, K, wave.id, stored=False)
    # pretend every stored understanding answer was favorable: only a stored read sees it
    demo.execute(
        update(DepartmentTally)
        .where(col(DepartmentTally.wave_id) == wave.id)
        .values(understanding_favorable=DepartmentTally.understanding_answers)
    )
    stored = reports.company_report(demo, K, wave.id)
    company = next(r for r in stored.rows if r.is_company)
    raw_company = next(r for r in raw.rows if r.is_company)
    assert company.measures and raw_company.measures
    # every answer favorable, as the doctored roll-up says: published as "at least 98 %"
    stored_share = company.measures.dimensions[Dimension.UNDERSTANDING].published
    raw_share = raw_company.measures.dimensions[Dimension.UNDERSTANDING].published
    assert stored_share is not None and stored_share.bound is Bound.AT_LEAST
    assert raw_share is not None and raw_share.bound is Bound.EXACT


def test_the_open_wave_is_counted_live(demo: Session) -> None:
    wave = _waves(demo)[-1]
    assert not rollups.is_closed(wave)
    before = next(r for r in reports.company_report(demo, K, wave.id).rows if r.is_company)
    persona = directory.demo_personas(session=demo)[0]
    actor = directory.actor_for_email(session=demo, email=persona.email)
    today = min(date.today(), wave.closes_on)
    pulses.submit_response(
        session=demo,
        actor=actor,
        wave_id=wave.id or 0,
        answers={"understand_mission": 5},
        today=today,
    )
    demo.commit()
    # sealed in the pool: the live figures do not move by one answer
    waiting = next(r for r in reports.company_report(demo, K, wave.id).rows if r.is_company)
    assert waiting.measures and before.measures
    assert waiting.measures.respondents == before.measures.respondents
    assert f.release_as_is(demo, today) == 1  # once released, it counts at once
    after = next(r for r in reports.company_report(demo, K, wave.id).rows if r.is_company)
    assert after.measures
    assert after.measures.respondents == before.measures.respondents + 1
    assert wave.id not in _stored_waves(demo)


def test_a_closed_wave_is_stored_the_first_time_it_is_read(demo: Session) -> None:
    wave = _waves(demo)[3]
    demo.execute(delete(DepartmentTally).where(col(DepartmentTally.wave_id) == wave.id))
    demo.execute(delete(WaveRollup).where(col(WaveRollup.wave_id) == wave.id))
    demo.commit()
    assert wave.id not in _stored_waves(demo)
    first = reports.company_report(demo, K, wave.id)
    demo.commit()
    assert wave.id in _stored_waves(demo)
    rows = demo.exec(
        select(func.count()).select_from(DepartmentTally).where(DepartmentTally.wave_id == wave.id)
    ).one()
    assert rows > 0
    assert reports.company_report(demo, K, wave.id) == first
    assert first == reports.company_report(demo, K, wave.id, stored=False)


def test_processes_storing_the_same_wave_at_once_keep_one_copy(
    demo: Session, database_url: str
) -> None:
    wave = _waves(demo)[5]
    demo.execute(delete(DepartmentTally).where(col(DepartmentTally.wave_id) == wave.id))
    demo.execute(delete(WaveRollup).where(col(WaveRollup.wave_id) == wave.id))
    demo.commit()
    expected = rollups.raw_counts(demo, wave)
    start = threading.Barrier(2)
    results: list[rollups.WaveCounts] = []
    errors: list[BaseException] = []

    def store() -> None:
        try:
            with Session(get_engine(database_url)) as s:
                mine = s.get(Wave, wave.id)
                assert mine is not None
                start.wait()
                results.append(rollups.store(s, mine))
                s.commit()
        except BaseException as exc:  # shown below
            errors.append(exc)

    threads = [threading.Thread(target=store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert results == [expected, expected]
    # and once more in this session: the key stops it, the session goes on
    assert rollups.store(demo, wave) == expected
    demo.commit()
    assert list(demo.exec(select(WaveRollup.wave_id).where(WaveRollup.wave_id == wave.id))) == [
        wave.id
    ]
    assert rollups.load(demo, [wave.id or 0]) == {wave.id: expected}


def test_invitation_moves_follow_a_later_change_of_the_tree(session: Session) -> None:
    acme = f.department(session, "Acme")
    ops = f.department(session, "Ops", acme)
    team_a = f.department(session, "Team A", ops)
    team_b = f.department(session, "Team B", ops)
    sales = f.department(session, "Sales", acme)
    a = [f.employee(session, team_a) for _ in range(6)]
    b = [f.employee(session, team_b) for _ in range(6)]
    joiner = f.employee(session, sales)
    pulse = Pulse(
        name="Pulse",
        start_date=date.today() - timedelta(weeks=6),
        item_ids=list(default_bank().items),
    )
    session.add(pulse)
    session.flush()

    def ids(people: list[Employee], dept: Department) -> list[tuple[int, int]]:
        return [(p.id or 0, dept.id or 0) for p in people]

    first = pulses.open_wave(session, pulse, 1, ids(a, team_a) + ids(b, team_b))
    # a[0] moved from Team A to Team B, a[1] left, the joiner arrived in Sales
    second = pulses.open_wave(
        session,
        pulse,
        2,
        ids(a[2:], team_a) + ids([a[0], *b], team_b) + ids([joiner], sales),
    )
    assert first is not None and second is not None
    session.commit()
    expected = {team_a.id: 2, team_b.id: 1, ops.id: 1, sales.id: 1, acme.id: 2}
    nodes = directory.load_nodes(session)
    assert engine.invitation_changes(session, nodes, second, first) == expected
    counts = rollups.counts_of(session, [second])[second.id or 0]
    session.commit()
    assert second.id in _stored_waves(session)
    assert engine.subtree_changes(nodes, counts.moves or []) == expected
    # a reorganisation after the wave closed: Team B now sits under Sales
    team_b.parent_id = sales.id
    session.add(team_b)
    session.commit()
    nodes = directory.load_nodes(session)
    stored = rollups.load(session, [second.id or 0])[second.id or 0]
    moved = {team_a.id: 2, team_b.id: 1, ops.id: 2, sales.id: 2, acme.id: 2}
    assert engine.subtree_changes(nodes, stored.moves or []) == moved
    assert engine.invitation_changes(session, nodes, second, first) == moved


def test_the_benchmark_builder_stores_every_history_wave(
    session: Session, database_url: str
) -> None:
    bind = get_engine(database_url)
    company = build_company(engine=bind, employees=120, waves=3, today=date.today())
    add_waves(bind, company, 3, None)
    assert _stored_waves(session) == set(company.wave_ids)
    for wave_id in company.wave_ids:
        assert reports.company_report(session, K, wave_id) == reports.company_report(
            session, K, wave_id, stored=False
        )


def test_a_wave_with_a_stored_rollup_takes_no_more_answers(demo: Session) -> None:
    from engagement.authz import Actor
    from engagement.errors import InvalidInput
    from engagement.models import Participation, WaveInvite
    from engagement.privacy import participant_token, wave_scope

    wave = _waves(demo)[-2]
    assert wave.id in _stored_waves(demo)
    answered = set(
        demo.exec(select(Participation.token).where(Participation.wave_id == wave.id)).all()
    )
    silent = next(
        e
        for e in demo.exec(select(WaveInvite.employee_id).where(WaveInvite.wave_id == wave.id))
        if participant_token(wave_scope(wave.id or 0), e) not in answered
    )
    # even on a day inside the wave (a clock set back): its figures are final
    with pytest.raises(InvalidInput, match="closed"):
        pulses.submit_response(
            session=demo,
            actor=Actor(employee_id=silent, email="", name=""),
            wave_id=wave.id or 0,
            answers={"understand_mission": 5},
            today=wave.opens_on,
        )
