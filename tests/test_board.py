"""Ask and object: posting (named and anonymous), votes, answers, statuses, hiding, the
summary figures and turning an answer into a campaign — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from engagement.authz import Actor, Role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.models import (
    AuditEntry,
    BoardItem,
    BoardVote,
    Campaign,
    CampaignAudience,
    CampaignMarket,
    Employee,
    Market,
)
from engagement.services import answering, board, directory
from engagement.services.board import BoardFilter
from tests import factories as f

TODAY = date(2026, 11, 26)
SECRET_ID = 987_654  # an id no other row of the test can hold by chance


@pytest.fixture
def org(session: Session) -> dict[str, Any]:
    company = f.department(session, "Acme")
    plant = f.department(session, "Plant", company)
    line = f.department(session, "Line A", plant, kind="team")
    tiny = f.department(session, "Lab", company)
    poster = Employee(
        id=SECRET_ID,
        external_id="ANON1",
        email="zelda.quist@acme.test",
        name="Zelda Quist",
        department_id=line.id or 0,
        hire_date=date(2020, 1, 1),
    )
    session.add(poster)
    session.flush()
    for i in range(11):
        f.employee(session, line, f"Line Worker {i}")
    loner = f.employee(session, tiny, "Lone Researcher", email="lone@acme.test")
    leader = f.employee(session, company, "Lea Leader", email="lea@acme.test")
    hr = f.employee(session, company, "Hugo Hr", email="hugo@acme.test")
    manager = f.employee(session, plant, "Mona Manager", email="mona@acme.test")
    f.grant(session, leader, Role.LEADER)
    f.grant(session, hr, Role.HR)
    f.grant(session, manager, Role.MANAGER, (plant,))
    session.commit()
    return {"company": company, "plant": plant, "line": line, "tiny": tiny, "loner": loner}


def actor(session: Session, email: str) -> Actor:
    return directory.actor_for_email(session=session, email=email)


def _hashable(value: object) -> object:
    return (
        json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value
    )


def dump(session: Session) -> set[tuple[str, tuple[object, ...]]]:
    """Every row of every table (the audit log included), as (table, values)."""
    session.expire_all()
    rows: set[tuple[str, tuple[object, ...]]] = set()
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(table.select()).all():
            rows.add((table.name, tuple(_hashable(v) for v in row)))
    return rows


def post(session: Session, who: Actor, anonymous: bool, **kw: Any) -> str:
    kw.setdefault("kind", "objection")
    kw.setdefault("body", "Why should the assembly line care about customers we never meet?")
    kw.setdefault("pillar", "mission")
    item_id = board.post_item(
        session=session, actor=who, anonymous=anonymous, today=TODAY, language="en", **kw
    )
    session.commit()
    return item_id


def test_an_anonymous_post_stores_no_author_in_any_table_or_log(
    session: Session, org: dict[str, Any]
) -> None:
    poster = actor(session, "zelda.quist@acme.test")
    before = dump(session)
    item_id = post(session, poster, anonymous=True)
    board.upvote_item(session=session, actor=poster, item_id=item_id)
    session.commit()
    leader = actor(session, "lea@acme.test")
    answering.answer_item(
        session=session,
        actor=leader,
        item_id=item_id,
        answer={"en": "Because every instrument ends up in a customer's hands."},
        today=TODAY,
    )
    answering.hide_item(session=session, actor=leader, item_id=item_id, reason="test of hiding")
    session.commit()
    new_rows = dump(session) - before
    tables = {table for table, _row in new_rows}
    assert {"boarditem", "boardvote", "auditentry"} <= tables
    for table, row in new_rows:
        for value in row:
            assert value != SECRET_ID, (table, row)
            flat = str(value).lower()
            for needle in ("zelda", "quist", "zelda.quist@acme.test", str(SECRET_ID)):
                assert needle not in flat, (table, row)
    item = session.get(BoardItem, item_id)
    assert item is not None and item.anonymous and item.author_id is None
    assert item.posted_on == TODAY  # the day, never the time
    # Line A has 12 active people: enough that its name cannot point at anyone
    assert item.department_id == org["line"].id


def test_the_database_refuses_an_anonymous_item_with_an_author(
    session: Session, org: dict[str, Any]
) -> None:
    session.add(
        BoardItem(
            kind="question",
            body="Who wrote this?",
            language="en",
            anonymous=True,
            author_id=SECRET_ID,
            posted_on=TODAY,
        )
    )
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        session.commit()
    session.rollback()


def test_an_anonymous_post_from_a_small_department_keeps_no_department(
    session: Session, org: dict[str, Any]
) -> None:
    loner = actor(session, "lone@acme.test")
    item = session.get(BoardItem, post(session, loner, anonymous=True))
    assert item is not None and item.department_id is None  # Lab has one person; Acme says nothing
    named = session.get(BoardItem, post(session, loner, anonymous=False))
    assert named is not None and named.author_id == org["loner"].id
    assert named.department_id == org["tiny"].id


def test_anonymous_about_a_campaign_counts_only_the_people_it_reached(
    session: Session, org: dict[str, Any]
) -> None:
    campaign = Campaign(
        title={"en": "Customer first"}, pillar="strategy", starts_on=TODAY, ends_on=TODAY
    )
    session.add(campaign)
    session.flush()
    # the campaign reached the poster and 4 colleagues of Line A only: 5 < 10
    people = session.exec(select(Employee).where(Employee.department_id == org["line"].id)).all()
    for person in people[:5]:
        session.add(
            CampaignAudience(
                campaign_id=campaign.id or 0,
                employee_id=person.id or 0,
                department_id=person.department_id,
            )
        )
    session.commit()
    poster = actor(session, "zelda.quist@acme.test")
    assert any(p.id == SECRET_ID for p in people[:5])
    item_id = post(session, poster, anonymous=True, pillar=None, campaign_id=campaign.id)
    item = session.get(BoardItem, item_id)
    assert item is not None and item.department_id is None and item.pillar == "strategy"
    # a campaign that did not reach someone does not exist for them
    with pytest.raises(NotFound, match="not available to you"):
        post(session, actor(session, "lone@acme.test"), anonymous=False, campaign_id=campaign.id)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "Why?"}, "at least 10 characters"),
        ({"body": "x" * 1001}, "under 1000 characters"),
        ({"pillar": None}, "a pillar or a campaign"),
        ({"pillar": "vibes"}, "a pillar or a campaign"),
        ({"kind": "rant"}, "a question or an objection"),
    ],
)
def test_bad_posts_are_refused_with_a_clear_message(
    session: Session, org: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        post(session, actor(session, "lone@acme.test"), anonymous=False, **fields)


def test_upvote_once_only_with_unlinkable_tokens(session: Session, org: dict[str, Any]) -> None:
    loner = actor(session, "lone@acme.test")
    first = post(session, loner, anonymous=False)
    second = post(
        session, loner, anonymous=True, kind="question", body="When do the new tools arrive?"
    )
    voter = actor(session, "zelda.quist@acme.test")
    for item_id in (first, second):
        board.upvote_item(session=session, actor=voter, item_id=item_id)
    session.commit()
    with pytest.raises(InvalidInput, match="already upvoted"):
        board.upvote_item(session=session, actor=voter, item_id=first)
    session.rollback()
    tokens = session.exec(select(BoardVote.token)).all()
    assert len(tokens) == 2 and len(set(tokens)) == 2  # one person's two votes do not match
    views = {v.id: v for v in board.list_items(session=session, actor=voter, filters=BoardFilter())}
    assert views[first].votes == 1 and views[first].voted
    others = board.list_items(session=session, actor=loner, filters=BoardFilter())
    assert all(not v.voted for v in others)
    assert {v.id: v.mine for v in others} == {first: True, second: False}
    assert {v.id: v.author for v in others} == {first: "Lone Researcher", second: None}


def test_leaders_answer_tag_own_resolve_and_every_change_is_audited(
    session: Session, org: dict[str, Any]
) -> None:
    item_id = post(session, actor(session, "zelda.quist@acme.test"), anonymous=True)
    for who in ("lone@acme.test", "mona@acme.test"):  # an employee, a manager
        with pytest.raises(NotAllowed):
            answering.answer_item(
                session=session, actor=actor(session, who), item_id=item_id, answer={"en": "No."}
            )
    hr = actor(session, "hugo@acme.test")
    with pytest.raises(InvalidInput, match="English or in French"):
        answering.answer_item(session=session, actor=hr, item_id=item_id, answer={"en": " "})
    with pytest.raises(InvalidInput, match="under 4000"):
        answering.answer_item(session=session, actor=hr, item_id=item_id, answer={"fr": "x" * 4001})
    answering.update_item(
        session=session,
        actor=hr,
        item_id=item_id,
        status="open",
        pillar="mission",
        dimension="desire",
        owner_email="lea@acme.test",
    )
    answering.answer_item(
        session=session,
        actor=hr,
        item_id=item_id,
        answer={"fr": "Parce que chaque instrument finit chez un client."},
        today=TODAY,
    )
    answering.update_item(
        session=session,
        actor=hr,
        item_id=item_id,
        status="resolved",
        pillar="mission",
        dimension="desire",
        owner_email="lea@acme.test",
    )
    session.commit()
    view = board.list_items(session=session, actor=hr, filters=BoardFilter())[0]
    assert (view.status, view.dimension, view.owner, view.answered_by) == (
        "resolved",
        "desire",
        "Lea Leader",
        "Hugo Hr",
    )
    actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]  # type: ignore[arg-type]
    assert actions == ["board.update", "board.answer", "board.status"]
    last = session.exec(select(AuditEntry).where(AuditEntry.action == "board.status")).one()
    assert last.actor == "hugo@acme.test"
    assert last.before and last.after
    assert (last.before["status"], last.after["status"]) == ("answered", "resolved")
    assert last.after["owner"] == "lea@acme.test"


def test_declining_needs_a_reason_and_owners_must_be_leaders_or_hr(
    session: Session, org: dict[str, Any]
) -> None:
    item_id = post(session, actor(session, "lone@acme.test"), anonymous=False)
    leader = actor(session, "lea@acme.test")
    base = {"session": session, "actor": leader, "item_id": item_id, "pillar": "mission"}
    with pytest.raises(InvalidInput, match="Say why it is declined"):
        answering.update_item(**base, status="declined", dimension=None, owner_email=None)
    with pytest.raises(InvalidInput, match="leader or an HR person"):
        answering.update_item(**base, status="open", dimension=None, owner_email="lone@acme.test")
    with pytest.raises(InvalidInput, match="Write the answer first"):
        answering.update_item(**base, status="answered", dimension=None, owner_email=None)
    with pytest.raises(InvalidInput, match="Unknown dimension"):
        answering.update_item(**base, status="open", dimension="mood", owner_email=None)
    answering.update_item(
        **base,
        status="declined",
        dimension=None,
        owner_email=None,
        decline_reason="Out of scope: salaries are negotiated with the union.",
    )
    session.commit()
    view = board.list_items(session=session, actor=leader, filters=BoardFilter())[0]
    assert view.status == "declined" and "union" in (view.decline_reason or "")


def test_hidden_items_leave_the_board_but_stay_for_the_audit(
    session: Session, org: dict[str, Any]
) -> None:
    item_id = post(session, actor(session, "lone@acme.test"), anonymous=False)
    hr = actor(session, "hugo@acme.test")
    with pytest.raises(InvalidInput, match="Say why it is hidden"):
        answering.hide_item(session=session, actor=hr, item_id=item_id, reason=" ")
    with pytest.raises(NotAllowed):
        answering.hide_item(
            session=session, actor=actor(session, "lone@acme.test"), item_id=item_id, reason="mine"
        )
    answering.hide_item(session=session, actor=hr, item_id=item_id, reason="Insults a colleague")
    session.commit()
    employee = actor(session, "zelda.quist@acme.test")
    everything = BoardFilter(include_hidden=True)
    assert board.list_items(session=session, actor=employee, filters=everything) == []
    with pytest.raises(NotFound):
        board.upvote_item(session=session, actor=employee, item_id=item_id)
    shown = board.list_items(session=session, actor=hr, filters=everything)
    assert shown[0].hidden and shown[0].hidden_reason == "Insults a colleague"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "board.hide")).one()
    assert entry.after and entry.after["hidden_reason"] == "Insults a colleague"
    assert session.get(BoardItem, item_id) is not None


def test_board_stats_count_statuses_and_the_median_time_to_answer(
    session: Session, org: dict[str, Any]
) -> None:
    loner = actor(session, "lone@acme.test")
    leader = actor(session, "lea@acme.test")
    ids = [
        board.post_item(
            session=session,
            actor=loner,
            kind="question",
            body=f"Question number {n} about the mission?",
            anonymous=False,
            pillar="mission",
            today=date(2026, 11, 1),
        )
        for n in range(4)
    ]
    for item_id, day in zip(ids[:3], (2, 5, 11), strict=False):
        answering.answer_item(
            session=session,
            actor=leader,
            item_id=item_id,
            answer={"en": "Here is why."},
            today=date(2026, 11, day),
        )
    answering.update_item(
        session=session,
        actor=leader,
        item_id=ids[2],
        status="resolved",
        pillar="mission",
        dimension=None,
        owner_email=None,
    )
    session.commit()
    with pytest.raises(NotAllowed):
        board.board_stats(session=session, actor=loner)
    stats = board.board_stats(session=session, actor=leader)
    assert stats.counts == {"open": 1, "answered": 2, "resolved": 1, "declined": 0}
    assert stats.median_days_to_answer == 4 and stats.answered == 3


def test_an_answer_becomes_a_draft_campaign_for_the_markets_that_asked(
    session: Session, org: dict[str, Any]
) -> None:
    market = Market(name="Plant floor", rules={})
    session.add(market)
    session.flush()
    campaign = Campaign(
        title={"en": "Quality is a customer promise"},
        pillar="identity",
        starts_on=TODAY,
        ends_on=TODAY,
    )
    session.add(campaign)
    session.flush()
    session.add(CampaignMarket(campaign_id=campaign.id or 0, market_id=market.id or 0))
    session.add(
        CampaignAudience(
            campaign_id=campaign.id or 0, employee_id=org["loner"].id, department_id=org["tiny"].id
        )
    )
    session.commit()
    loner = actor(session, "lone@acme.test")
    item_id = post(
        session,
        loner,
        anonymous=False,
        pillar=None,
        campaign_id=campaign.id,
        kind="question",
        body="Does *customer first* mean we ship before calibration is done?",
    )
    hr = actor(session, "hugo@acme.test")
    with pytest.raises(InvalidInput, match="Answer it first"):
        answering.turn_into_campaign(session=session, actor=hr, item_id=item_id)
    answering.answer_item(
        session=session,
        actor=hr,
        item_id=item_id,
        answer={"en": "No: calibration is part of what the customer buys.", "fr": "Non."},
    )
    new_id = answering.turn_into_campaign(session=session, actor=hr, item_id=item_id)
    session.commit()
    draft = session.get(Campaign, new_id)
    assert draft is not None and draft.status == "draft" and draft.pillar == "identity"
    assert set(draft.title) == {"en", "fr"}
    assert draft.title["en"].startswith("You asked: Does *customer first*")
    assert "calibration is part of what the customer buys" in draft.message["en"]
    assert r"\*customer first\*" in draft.message["en"]  # the question shown as plain text
    markets = session.exec(
        select(CampaignMarket.market_id).where(CampaignMarket.campaign_id == new_id)
    ).all()
    assert markets == [market.id]
    assert "Lone" not in draft.message["en"]  # the asker is not named to the audience
    with pytest.raises(NotAllowed):
        answering.turn_into_campaign(session=session, actor=loner, item_id=item_id)


def test_filters_and_order(session: Session, org: dict[str, Any]) -> None:
    loner = actor(session, "lone@acme.test")
    a = post(
        session,
        loner,
        anonymous=False,
        kind="question",
        body="First question about tools?",
        pillar="capabilities",
    )
    b = post(
        session,
        loner,
        anonymous=False,
        body="An objection about the strategy itself.",
        pillar="strategy",
    )
    board.upvote_item(session=session, actor=actor(session, "lea@acme.test"), item_id=b)
    session.commit()
    everyone = board.list_items(session=session, actor=loner, filters=BoardFilter())
    assert [v.id for v in everyone] == [b, a]  # most upvoted first
    only = board.list_items(session=session, actor=loner, filters=BoardFilter(kind="question"))
    assert [v.id for v in only] == [a]
    by_pillar = board.list_items(
        session=session, actor=loner, filters=BoardFilter(pillar="strategy")
    )
    assert [v.id for v in by_pillar] == [b]
    open_ones = board.list_items(
        session=session, actor=loner, filters=BoardFilter(status="answered")
    )
    assert open_ones == []
    assert session.execute(text("SELECT count(*) FROM boarditem")).scalar() == 2
