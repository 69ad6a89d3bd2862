"""Pulses: scheduling waves, answering once, check-ins — and answers no one can trace."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, func, select

from engagement.authz import Actor, Role
from engagement.db import get_engine
from engagement.errors import InvalidInput, NotAllowed
from engagement.i18n import language
from engagement.markets import Criteria, MarketRules
from engagement.models import (
    Answer,
    Checkin,
    CheckinDay,
    Participation,
    Pulse,
    Response,
    Wave,
    WaveInvite,
)
from engagement.services import directory, markets, pulses
from engagement.services.pulses import PulseDraft
from tests import factories as f

MONDAY = date(2026, 11, 2)
ITEMS = ["understand_mission", "desire_success", "first_thought"]


@pytest.fixture
def company(session: Session) -> dict[str, object]:
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme)
    ops = f.department(session, "Ops", acme)
    hr = f.employee(session, acme, "Hana HR", email="hana@acme.test")
    f.grant(session, hr, Role.HR)
    people = [
        f.employee(
            session,
            sales,
            f"Seller {i}",
            email=f"s{i}@acme.test",
            customer_facing=True,
            hire_date=date(2020, 1, 1),
        )
        for i in range(6)
    ]
    people += [f.employee(session, ops, f"Maker {i}", email=f"m{i}@acme.test") for i in range(4)]
    session.commit()
    return {"acme": acme, "sales": sales, "ops": ops, "hr": hr, "people": people}


def actor(session: Session, email: str) -> Actor:
    return directory.actor_for_email(session=session, email=email)


def front_line(session: Session, hr: Actor, names: dict[str, str]) -> int:
    """An internal market of everyone who faces customers, named as given."""
    return markets.save_market(
        session=session,
        actor=hr,
        names=names,
        rules=MarketRules(Criteria(customer_facing=True)),
    )


def make_pulse(session: Session, **kw: object) -> int:
    draft = PulseDraft(**{"name": "Weekly pulse", "item_ids": ITEMS, "start_date": MONDAY, **kw})  # type: ignore[arg-type]
    pulse_id = pulses.create_pulse(
        session=session, actor=actor(session, "hana@acme.test"), draft=draft
    )
    session.commit()
    return pulse_id


def test_waves_open_by_date_once_and_snapshot_who_is_invited(
    session: Session, company: dict[str, object]
) -> None:
    make_pulse(session)
    assert pulses.open_due_waves(session, MONDAY - timedelta(days=1)) == 0
    assert pulses.open_due_waves(session, MONDAY) == 1
    assert pulses.open_due_waves(session, MONDAY + timedelta(days=2)) == 0  # idempotent
    session.commit()
    wave = session.exec(select(Wave)).one()
    assert (wave.number, wave.opens_on, wave.closes_on, wave.invited) == (
        1,
        MONDAY,
        MONDAY + timedelta(days=4),
        11,
    )
    # a week later the second wave opens; after a gap of weeks only the current one opens
    assert pulses.open_due_waves(session, MONDAY + timedelta(days=7)) == 1
    assert pulses.open_due_waves(session, MONDAY + timedelta(days=7 * 5 + 1)) == 1
    session.commit()
    assert [w.number for w in session.exec(select(Wave).order_by(Wave.number)).all()] == [1, 2, 6]


def test_pulse_for_a_market_invites_its_members_only(
    session: Session, company: dict[str, object]
) -> None:
    hr = actor(session, "hana@acme.test")
    market_id = front_line(session, hr, {"en": "Front line"})
    make_pulse(session, market_ids=[market_id], cadence="once")
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    # the launch is kept in the market's profile, with who was in it then
    [launch] = markets.market_snapshots(session=session, actor=hr, market_id=market_id)
    assert (launch.reason, launch.members) == ("Weekly pulse #1", 6)
    assert session.exec(select(func.count()).select_from(WaveInvite)).one() == 6


def test_answering_once_skipping_items_and_refusals(
    session: Session, company: dict[str, object]
) -> None:
    make_pulse(session)
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    seller = actor(session, "s0@acme.test")
    [wave] = pulses.my_waves(session=session, actor=seller, today=MONDAY)
    assert not wave.answered and [i.id for i in wave.items] == ITEMS
    pulses.submit_response(
        session=session,
        actor=seller,
        wave_id=wave.wave_id,
        answers={"understand_mission": 4, "desire_success": None, "first_thought": "customer"},
        comment="  More training please  ",
        today=MONDAY,
    )
    session.commit()
    # sealed in the pool until the mixer releases it (tests/test_mixer.py)
    assert session.exec(select(func.count()).select_from(Response)).one() == 0
    assert f.release_as_is(session, MONDAY) == 1
    response = session.exec(select(Response)).one()
    assert response.comment == "More training please" and response.customer_facing
    assert {(a.item_id, a.value, a.choice) for a in session.exec(select(Answer)).all()} == {
        ("understand_mission", 4, None),
        ("first_thought", None, "customer"),
    }
    with pytest.raises(InvalidInput, match="already answered"):
        pulses.submit_response(
            session=session, actor=seller, wave_id=wave.wave_id, answers={}, today=MONDAY
        )
    session.rollback()
    assert pulses.my_waves(session=session, actor=seller, today=MONDAY)[0].answered
    # closed, not invited, bad values: clear refusals, nothing written
    maker = actor(session, "m0@acme.test")
    with pytest.raises(InvalidInput, match="closed"):
        pulses.submit_response(
            session=session,
            actor=maker,
            wave_id=wave.wave_id,
            answers={},
            today=MONDAY + timedelta(days=5),
        )
    with pytest.raises(InvalidInput, match="from 1 to 5"):
        pulses.submit_response(
            session=session,
            actor=maker,
            wave_id=wave.wave_id,
            answers={"understand_mission": 9},
            today=MONDAY,
        )
    stranger = Actor(employee_id=99999, email="x@y.z", name="X")
    with pytest.raises(NotAllowed):
        pulses.submit_response(
            session=session, actor=stranger, wave_id=wave.wave_id, answers={}, today=MONDAY
        )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Participation)).one() == 1


def test_morning_checkin_once_a_day(session: Session, company: dict[str, object]) -> None:
    seller = actor(session, "s1@acme.test")
    assert pulses.checkin_due(session=session, actor=seller, today=MONDAY)
    assert pulses.submit_checkin(session=session, actor=seller, choice="customer", today=MONDAY)
    assert not pulses.submit_checkin(session=session, actor=seller, choice="team", today=MONDAY)
    session.commit()
    assert not pulses.checkin_due(session=session, actor=seller, today=MONDAY)
    assert pulses.checkin_due(session=session, actor=seller, today=MONDAY + timedelta(days=1))
    # dismissing counts as done for the day, and stores no answer
    assert pulses.submit_checkin(
        session=session, actor=seller, choice=None, today=MONDAY + timedelta(days=1)
    )
    session.commit()
    assert session.exec(select(func.count()).select_from(Checkin)).one() == 0  # pooled
    assert f.release_as_is(session, MONDAY) == 1
    assert session.exec(select(func.count()).select_from(Checkin)).one() == 1
    assert session.exec(select(func.count()).select_from(CheckinDay)).one() == 2


# --- confidentiality: try to link answers to people ---

ANSWER_TABLES = (Response, Answer, Checkin)
PEOPLE_TABLES = (Participation, CheckinDay, WaveInvite)


def test_answer_tables_hold_nothing_that_points_at_a_person(database_url: str) -> None:
    insp = inspect(get_engine(database_url))
    for table in ANSWER_TABLES:
        columns = {c["name"]: str(c["type"]).upper() for c in insp.get_columns(table.__tablename__)}
        assert "employee_id" not in columns
        assert not any("TIME" in kind for kind in columns.values()), (table, columns)
        fks = {fk["referred_table"] for fk in insp.get_foreign_keys(table.__tablename__)}
        assert "employee" not in fks and "participation" not in fks and "checkinday" not in fks
    for table in PEOPLE_TABLES:
        columns = {c["name"]: str(c["type"]).upper() for c in insp.get_columns(table.__tablename__)}
        assert not any("TIME" in kind for kind in columns.values())
        assert not {"value", "choice", "comment"} & set(columns)
    # who answered is a keyed token, not a person id: even read beside the answers written in
    # the same transaction, it names nobody without the secret kept outside the database
    for table in (Participation, CheckinDay):
        columns = {c["name"] for c in insp.get_columns(table.__tablename__)}
        assert "employee_id" not in columns and "token" in columns
        fks = {fk["referred_table"] for fk in insp.get_foreign_keys(table.__tablename__)}
        assert "employee" not in fks


def test_neither_ids_nor_storage_order_follow_the_order_of_answers(
    session: Session, company: dict[str, object]
) -> None:
    make_pulse(session)
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    wave_id = session.exec(select(Wave.id)).one()
    people = company["people"]  # type: ignore[assignment]
    # people answer in the order of their employee ids, each choosing a different level
    for n, person in enumerate(people[:5], start=1):  # type: ignore[index]
        pulses.submit_response(
            session=session,
            actor=actor(session, person.email),
            wave_id=wave_id,
            answers={"understand_mission": n},
            today=MONDAY,
        )
        session.commit()
    assert f.release_as_is(session, MONDAY) == 5
    ids = session.exec(select(Response.id)).all()
    assert len(set(ids)) == 5 and all(len(i) == 32 for i in ids)
    # the ids are random (version-4 UUIDs), so they carry no time and no sequence...
    assert all(uuid.UUID(hex=i).version == 4 for i in ids)
    # ...and on SQLite the answers are stored in id order (WITHOUT ROWID), not answer order
    if session.get_bind().dialect.name == "sqlite":
        assert [r.id for r in session.exec(select(Response)).all()] == sorted(ids)
    assert all(r.answered_on == MONDAY for r in session.exec(select(Response)).all())
    tokens = [p.token for p in session.exec(select(Participation)).all()]
    employee_ids = {str(p.id) for p in people}  # type: ignore[attr-defined]
    assert len(set(tokens)) == 5 and not set(tokens) & employee_ids
    if session.get_bind().dialect.name == "sqlite":
        assert tokens == sorted(tokens)  # stored in token order, not answer order


def test_participation_tokens_need_the_secret_and_differ_between_waves() -> None:
    from engagement.privacy import checkin_scope, participant_token, wave_scope

    mine = participant_token(wave_scope(1), 42)
    assert mine == participant_token(wave_scope(1), 42)  # the app can find *your* record
    assert mine != participant_token(wave_scope(2), 42)  # waves cannot be matched up
    assert mine != participant_token(wave_scope(1), 43)
    assert mine != participant_token(wave_scope(1), 42, secret=b"another secret" * 4)
    assert participant_token(checkin_scope(MONDAY), 42) != participant_token(
        checkin_scope(MONDAY + timedelta(days=1)), 42
    )


def test_twenty_concurrent_submissions_leave_one_response(
    database_url: str, session: Session, company: dict[str, object]
) -> None:
    make_pulse(session)
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    wave_id = session.exec(select(Wave.id)).one()
    seller = actor(session, "s2@acme.test")
    engine = get_engine(database_url)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def submit() -> None:
        with Session(engine) as s:
            barrier.wait()
            try:
                pulses.submit_response(
                    session=s,
                    actor=seller,
                    wave_id=wave_id,
                    answers={"understand_mission": 5},
                    today=MONDAY,
                )
                s.commit()
                outcomes.append("ok")
            except InvalidInput:
                s.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 19
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Participation)).one() == 1
        assert f.release_as_is(s, MONDAY) == 1
        assert s.exec(select(func.count()).select_from(Response)).one() == 1
        assert s.exec(select(func.count()).select_from(Answer)).one() == 1


def test_pulse_validation(session: Session, company: dict[str, object]) -> None:
    make_pulse(session)
    with pytest.raises(
        InvalidInput,
        match="English name “weekly PULSE” is already used by the pulse survey “Weekly pulse”",
    ):
        make_pulse(session, name="weekly PULSE")
    session.rollback()
    with pytest.raises(InvalidInput, match="Unknown question"):
        make_pulse(session, name="Other", item_ids=["nope"])
    session.rollback()
    with pytest.raises(NotAllowed):
        pulses.create_pulse(
            session=session,
            actor=actor(session, "s0@acme.test"),
            draft=PulseDraft(name="Mine", item_ids=ITEMS, start_date=MONDAY),
        )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Pulse)).one() == 1


def test_a_pulse_question_of_its_own_is_answered_and_counted(
    session: Session, company: dict[str, object]
) -> None:
    from engagement.measures import engine
    from engagement.questions import Dimension
    from engagement.services.pulses import CustomQuestion

    make_pulse(
        session,
        item_ids=[],
        custom=[CustomQuestion("My lead explains the change.", "", "understanding")],
    )
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    seller = actor(session, "s0@acme.test")
    [wave] = pulses.my_waves(session=session, actor=seller, today=MONDAY)
    assert [(i.id, i.wording("fr")) for i in wave.items] == [
        ("custom_1", ("My lead explains the change.", True))  # no French yet: falls back
    ]
    pulses.submit_response(
        session=session, actor=seller, wave_id=wave.wave_id, answers={"custom_1": 5}, today=MONDAY
    )
    f.release_as_is(session, MONDAY)
    tallies = engine.wave_tallies(session, session.get(Wave, wave.wave_id))  # type: ignore[arg-type]
    sales = company["sales"].id  # type: ignore[attr-defined]
    assert tallies[sales].scale[Dimension.UNDERSTANDING] == [1, 1, 5]


def test_a_pulse_is_named_in_both_languages_and_read_in_the_readers(
    session: Session, company: dict[str, object]
) -> None:
    hr = actor(session, "hana@acme.test")
    market_id = front_line(session, hr, {"en": "Front line", "fr": "Première ligne"})
    pulse_id = make_pulse(
        session,
        names={"en": "Weekly change pulse", "fr": " Sondage éclair sur le changement "},
        market_ids=[market_id],
    )
    pulse = session.get(Pulse, pulse_id)
    assert pulse is not None and pulse.name == "Weekly change pulse"
    assert pulse.names == {"en": "Weekly change pulse", "fr": "Sondage éclair sur le changement"}
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    seller = actor(session, "s0@acme.test")
    [summary] = pulses.list_pulses(session=session, actor=hr, k=5, today=MONDAY)
    [wave] = pulses.my_waves(session=session, actor=seller, today=MONDAY)
    assert (summary.label, summary.targets, wave.pulse_name) == (
        "Weekly change pulse",
        ["Front line"],
        "Weekly change pulse",
    )
    with language("fr"):
        [summary] = pulses.list_pulses(session=session, actor=hr, k=5, today=MONDAY)
        [wave] = pulses.my_waves(session=session, actor=seller, today=MONDAY)
        assert (summary.label, summary.targets, wave.pulse_name) == (
            "Sondage éclair sur le changement",
            ["Première ligne"],
            "Sondage éclair sur le changement",
        )
        # the market's profile lists the wave's launch under the pulse's French name
        [launch] = markets.market_snapshots(session=session, actor=hr, market_id=market_id)
        assert launch.reason == "Sondage éclair sur le changement #1"
    [launch] = markets.market_snapshots(session=session, actor=hr, market_id=market_id)
    assert launch.reason == "Weekly change pulse #1"


def test_a_launch_recorded_before_a_translation_was_added_reads_in_the_new_language(
    session: Session, company: dict[str, object]
) -> None:
    """The launch was recorded under the only name of the day (French); once HR adds the
    English name, English readers see it there too."""
    hr = actor(session, "hana@acme.test")
    market_id = front_line(session, hr, {"fr": "Première ligne"})
    pulse_id = make_pulse(session, names={"fr": "Bilan des outils"}, market_ids=[market_id])
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    [launch] = markets.market_snapshots(session=session, actor=hr, market_id=market_id)
    assert launch.reason == "Bilan des outils #1"
    pulses.rename_pulse(
        session=session,
        actor=hr,
        pulse_id=pulse_id,
        names={"en": "Tools check", "fr": "Bilan des outils"},
    )
    session.commit()
    [launch] = markets.market_snapshots(session=session, actor=hr, market_id=market_id)
    assert launch.reason == "Tools check #1"


def test_a_pulse_named_in_one_language_shows_that_name_in_the_other(
    session: Session, company: dict[str, object]
) -> None:
    make_pulse(session, names={"fr": "Bilan des outils"})
    [summary] = pulses.list_pulses(session=session, actor=actor(session, "hana@acme.test"), k=5)
    assert (summary.name, summary.names, summary.label) == (
        "Bilan des outils",
        {"fr": "Bilan des outils"},
        "Bilan des outils",
    )


def test_a_pulse_name_no_one_could_tell_from_anothers_is_refused(
    session: Session, company: dict[str, object]
) -> None:
    weekly = make_pulse(session, names={"en": "Weekly pulse", "fr": "Sondage de la semaine"})
    with pytest.raises(InvalidInput) as refused:
        make_pulse(session, names={"en": "SONDAGE DE LA SEMAINE"})
    assert str(refused.value) == (
        "The English name “SONDAGE DE LA SEMAINE” is already used by the pulse survey "
        "“Weekly pulse”. Choose another English name."
    )
    session.rollback()
    with pytest.raises(InvalidInput, match="French name “weekly pulse” is already used"):
        make_pulse(session, names={"en": "Monthly pulse", "fr": "weekly pulse"})
    session.rollback()
    with pytest.raises(InvalidInput, match="Give the pulse a name in English or in French"):
        make_pulse(session, names={"en": "  ", "fr": ""})
    session.rollback()
    with pytest.raises(InvalidInput, match="at most 120 characters each"):
        make_pulse(session, names={"en": "Monthly pulse", "fr": "x" * 121})
    session.rollback()
    assert [p.id for p in session.exec(select(Pulse)).all()] == [weekly]


def test_hr_renames_a_pulse_to_give_it_its_french_name(
    session: Session, company: dict[str, object]
) -> None:
    hr = actor(session, "hana@acme.test")
    pulse_id = make_pulse(session)  # English only
    other = make_pulse(session, names={"en": "Tools check", "fr": "Bilan des outils"})
    with pytest.raises(InvalidInput, match="French name “bilan des outils” is already used"):
        pulses.rename_pulse(
            session=session,
            actor=hr,
            pulse_id=pulse_id,
            names={"en": "Weekly pulse", "fr": "bilan des outils"},
        )
    session.rollback()
    assert (
        pulses.rename_pulse(
            session=session,
            actor=hr,
            pulse_id=pulse_id,
            names={"en": "Weekly pulse", "fr": "Sondage de la semaine"},
        )
        == pulse_id
    )
    session.commit()
    pulse = session.get(Pulse, pulse_id)
    assert pulse is not None and pulse.names == {
        "en": "Weekly pulse",
        "fr": "Sondage de la semaine",
    }
    # renaming to its own names, or with only its French name, is fine
    pulses.rename_pulse(session=session, actor=hr, pulse_id=other, names={"fr": "Bilan des outils"})
    session.commit()
    assert session.get(Pulse, other).name == "Bilan des outils"  # type: ignore[union-attr]
    with pytest.raises(NotAllowed):
        pulses.rename_pulse(
            session=session, actor=actor(session, "s0@acme.test"), pulse_id=pulse_id, names={}
        )
