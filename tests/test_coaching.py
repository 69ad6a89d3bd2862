"""Coaching: HR partners, private coaching logs, nudges, and what coaching reads from the
measures (heatmap rows only) — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from engagement.authz import Actor, Role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.measures.engine import Tally, measures_of
from engagement.measures.suppression import Reason
from engagement.models import AuditEntry, Employee
from engagement.questions import Dimension
from engagement.services import board, coaching, directory, team_measures
from engagement.services.coaching import LogDraft
from engagement.services.reports import Heatmap, HeatmapRow
from tests import factories as f

TODAY = date(2026, 11, 26)


@pytest.fixture
def org(session: Session) -> dict[str, Any]:
    company = f.department(session, "Acme")
    sales = f.department(session, "Sales", company, kind="division")
    east = f.department(session, "East", sales, kind="team")
    west = f.department(session, "West", sales, kind="team")
    plant = f.department(session, "Plant", company)
    for i in range(10):
        f.employee(session, east, f"East {i}")
    boss = f.employee(session, sales, "Sam Sales", email="sam@acme.test")
    other = f.employee(session, plant, "Olga Other", email="olga@acme.test")
    west_lead = f.employee(session, west, "Wes West", email="wes@acme.test")
    partner = f.employee(session, company, "Pat Partner", email="pat@acme.test")
    stranger = f.employee(session, company, "Hal Hr", email="hal@acme.test")
    admin = f.employee(session, company, "Ada Admin", email="ada@acme.test")
    f.grant(session, boss, Role.MANAGER, (sales,))
    f.grant(session, other, Role.MANAGER, (plant,))
    f.grant(session, west_lead, Role.MANAGER, (west, east))  # also manages East, on paper
    f.grant(session, partner, Role.HR)
    f.grant(session, stranger, Role.HR)
    f.grant(session, admin, Role.ADMIN)
    session.commit()
    return {"company": company, "sales": sales, "east": east, "west": west, "plant": plant}


def actor(session: Session, email: str) -> Actor:
    return directory.actor_for_email(session=session, email=email)


def log(session: Session, who: str, team: int, **kw: Any) -> int:
    draft = LogDraft(
        department_id=team,
        held_on=kw.pop("held_on", TODAY - timedelta(days=10)),
        dimension=kw.pop("dimension", "desire"),
        topic=kw.pop("topic", "Why the new quote process matters"),
        notes=kw.pop("notes", "Two people fear the extra calls eat their selling time."),
        commitments=kw.pop("commitments", "Try the call script with three customers."),
        follow_up_on=kw.pop("follow_up_on", TODAY - timedelta(days=3)),
    )
    log_id = coaching.save_log(session=session, actor=actor(session, who), draft=draft, today=TODAY)
    session.commit()
    return log_id


def test_admin_assigns_hr_partners_and_it_is_audited(session: Session, org: dict[str, Any]) -> None:
    admin = actor(session, "ada@acme.test")
    sales = org["sales"].id
    with pytest.raises(NotAllowed):
        coaching.assign_hr_partner(
            session=session,
            actor=actor(session, "pat@acme.test"),
            email="pat@acme.test",
            department_id=sales,
        )
    with pytest.raises(InvalidInput, match="does not hold the HR role"):
        coaching.assign_hr_partner(
            session=session, actor=admin, email="sam@acme.test", department_id=sales
        )
    message = coaching.assign_hr_partner(
        session=session, actor=admin, email="pat@acme.test", department_id=sales
    )
    session.commit()
    assert "Pat Partner — Acme › Sales" in message
    rows = coaching.list_hr_partners(session=session, actor=admin)
    assert [(r.email, r.department) for r in rows] == [("pat@acme.test", "Acme › Sales")]
    coaching.remove_hr_partner(
        session=session, actor=admin, email="pat@acme.test", department_id=sales
    )
    session.commit()
    with pytest.raises(NotFound):
        coaching.remove_hr_partner(
            session=session, actor=admin, email="pat@acme.test", department_id=sales
        )
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    assert [(e.action, e.actor) for e in entries] == [
        ("hr_partner.assign", "ada@acme.test"),
        ("hr_partner.remove", "ada@acme.test"),
    ]


def test_a_coaching_log_is_private_to_its_manager_the_hr_partner_and_admins(
    session: Session, org: dict[str, Any]
) -> None:
    coaching.assign_hr_partner(
        session=session,
        actor=actor(session, "ada@acme.test"),
        email="pat@acme.test",
        department_id=org["sales"].id,
    )
    session.commit()
    log_id = log(session, "sam@acme.test", org["east"].id)
    for reader in ("sam@acme.test", "pat@acme.test", "ada@acme.test"):
        view = coaching.read_log(session=session, actor=actor(session, reader), log_id=log_id)
        assert view.topic == "Why the new quote process matters"
        assert view.department == "Acme › Sales › East" and view.manager == "Sam Sales"
    # another manager — even one who also manages East — and an HR person who is not the partner
    for reader in ("olga@acme.test", "wes@acme.test", "hal@acme.test"):
        with pytest.raises(NotAllowed, match="private to the manager who wrote them"):
            coaching.read_log(session=session, actor=actor(session, reader), log_id=log_id)
    assert (
        coaching.my_logs(
            session=session, actor=actor(session, "wes@acme.test"), department_id=org["east"].id
        )
        == []
    )
    assert [
        v.id for v in coaching.readable_logs(session=session, actor=actor(session, "pat@acme.test"))
    ] == [log_id]
    assert coaching.readable_logs(session=session, actor=actor(session, "hal@acme.test")) == []
    assert len(coaching.readable_logs(session=session, actor=actor(session, "ada@acme.test"))) == 1
    with pytest.raises(NotAllowed):
        coaching.readable_logs(session=session, actor=actor(session, "olga@acme.test"))


def test_managers_log_only_for_teams_they_manage_and_edit_only_their_own(
    session: Session, org: dict[str, Any]
) -> None:
    with pytest.raises(NotAllowed, match="not one you manage"):
        log(session, "olga@acme.test", org["east"].id)
    teams = coaching.coached_teams(session=session, actor=actor(session, "sam@acme.test"))
    assert [(t.name, t.depth) for t in teams] == [("Sales", 0), ("East", 1), ("West", 1)]
    log_id = log(session, "sam@acme.test", org["east"].id)
    draft = LogDraft(org["east"].id, TODAY, "tools", "Changed")
    with pytest.raises(NotAllowed, match="Only the manager who wrote"):
        coaching.save_log(
            session=session,
            actor=actor(session, "wes@acme.test"),
            draft=draft,
            log_id=log_id,
            today=TODAY,
        )
    coaching.save_log(
        session=session,
        actor=actor(session, "sam@acme.test"),
        draft=draft,
        log_id=log_id,
        today=TODAY,
    )
    session.commit()
    view = coaching.read_log(session=session, actor=actor(session, "sam@acme.test"), log_id=log_id)
    assert (view.topic, view.dimension, view.notes) == ("Changed", Dimension.TOOLS, "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topic": " "}, "Give the conversation a topic"),
        ({"topic": "x" * 201}, "topic under 200"),
        ({"notes": "x" * 4001}, "notes under 4000"),
        ({"commitments": "x" * 2001}, "commitments under 2000"),
        ({"dimension": "mood"}, "Choose the dimension"),
        ({"held_on": TODAY + timedelta(days=1)}, "once it has taken place"),
        ({"follow_up_on": TODAY - timedelta(days=30)}, "follow-up date comes before"),
    ],
)
def test_bad_logs_are_refused_with_a_clear_message(
    session: Session, org: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        log(session, "sam@acme.test", org["east"].id, **fields)


def test_nudges_count_days_open_items_and_follow_ups_due(
    session: Session, org: dict[str, Any]
) -> None:
    sam = actor(session, "sam@acme.test")
    east = org["east"].id
    empty = coaching.team_nudges(session=session, actor=sam, department_id=east, today=TODAY)
    assert (empty.days_since_last, empty.open_items, empty.follow_ups_due) == (None, 0, [])
    log_id = log(session, "sam@acme.test", east)
    log(session, "sam@acme.test", east, held_on=TODAY - timedelta(days=4), follow_up_on=None)
    poster = directory.actor_for_email(
        session=session,
        email=session.exec(select(Employee.email).where(Employee.name == "East 3")).one() or "",
    )
    board.post_item(
        session=session,
        actor=poster,
        kind="objection",
        body="Our targets still count volumes.",
        anonymous=True,
        pillar="strategy",
        today=TODAY,
    )
    session.commit()
    nudges = coaching.team_nudges(session=session, actor=sam, department_id=east, today=TODAY)
    assert nudges.days_since_last == 4
    assert nudges.open_items == 1  # East has 10 people: an anonymous item keeps its team
    assert [v.id for v in nudges.follow_ups_due] == [log_id]
    whole = coaching.team_nudges(
        session=session, actor=sam, department_id=org["sales"].id, today=TODAY
    )
    assert whole.open_items == 1 and len(whole.follow_ups_due) == 1
    assert whole.days_since_last == 4  # a talk with a team below counts for the department
    coaching.mark_followed_up(session=session, actor=sam, log_id=log_id, today=TODAY)
    session.commit()
    assert (
        coaching.team_nudges(
            session=session, actor=sam, department_id=east, today=TODAY
        ).follow_ups_due
        == []
    )
    with pytest.raises(NotAllowed):
        coaching.team_nudges(
            session=session, actor=actor(session, "olga@acme.test"), department_id=east
        )


# ---- reading the measures: heatmap rows only ----


def _report(
    number: int, opens: date, rows: list[tuple[int, int, int | None, Reason | None]]
) -> Heatmap:
    """A report with rows (department, respondents, favorable of desire out of them, hidden)."""
    out = []
    for dept, n, favorable, hidden in rows:
        tally = Tally(invited=n + 2, respondents=n)
        tally.scale[Dimension.DESIRE] = [
            n,
            favorable or 0,
            4 * (favorable or 0) + 2 * (n - (favorable or 0)),
        ]
        tally.scale[Dimension.UNDERSTANDING] = [n, n, 4 * n]
        tally.thought = [n // 2, n]
        measures = None if hidden else measures_of(tally, 5)
        out.append(HeatmapRow(dept, f"D{dept}", "", 1, dept == 1, n + 2, measures, hidden))
    return Heatmap(number, number, opens, None, 5, out)


def test_significant_drops_read_the_rows_and_keep_hidden_rows_hidden() -> None:
    before = _report(
        1, date(2026, 11, 2), [(1, 200, 150, None), (7, 60, 50, None), (8, 4, 2, Reason.MINIMUM)]
    )
    now = _report(
        2, date(2026, 11, 9), [(1, 200, 140, None), (7, 60, 20, None), (8, 4, 1, Reason.MINIMUM)]
    )
    drops = team_measures.significant_drops(now, before, 7)
    assert [d.dimension for d in drops.drops] == [Dimension.DESIRE] and drops.compared
    # published shares: whole percentages
    assert drops.drops[0].before == pytest.approx(0.83) and drops.drops[0].now == pytest.approx(
        0.33
    )
    assert team_measures.significant_drops(now, before, 1).drops == []  # 75 % → 70 %: noise
    hidden = team_measures.significant_drops(now, before, 8)
    assert hidden.drops == [] and hidden.hidden is Reason.MINIMUM
    assert not team_measures.significant_drops(now, None, 7).compared
    with pytest.raises(NotAllowed):
        team_measures.significant_drops(now, before, 99)  # not in the viewer's rows


def test_follow_through_compares_the_waves_after_a_conversation_with_the_one_before() -> None:
    reports = [
        _report(1, date(2026, 10, 5), [(7, 60, 20, None)]),
        _report(2, date(2026, 10, 12), [(7, 60, 21, None)]),
        _report(3, date(2026, 10, 19), [(7, 4, 3, Reason.HIERARCHY)]),
        _report(4, date(2026, 10, 26), [(7, 60, 45, None)]),
        _report(5, date(2026, 11, 2), [(7, 60, 50, None)]),
        _report(6, date(2026, 11, 9), [(7, 60, 51, None)]),
    ]
    result = team_measures.follow_through(reports, 7, Dimension.DESIRE, date(2026, 10, 14))
    assert result.baseline is not None and result.baseline.wave_number == 2
    assert [p.wave_number for p in result.after] == [3, 4, 5]
    hidden, up, more = result.after
    assert hidden.share is None and hidden.hidden is Reason.HIERARCHY and hidden.change is None
    assert up.change == pytest.approx((45 - 21) / 60) and up.significant
    assert more.significant
    thought = team_measures.follow_through(
        reports, 7, Dimension.CUSTOMER_THOUGHT, date(2026, 10, 14)
    )
    assert thought.after[1].change == pytest.approx(0) and not thought.after[1].significant
    early = team_measures.follow_through(reports, 7, Dimension.DESIRE, date(2026, 9, 1))
    assert early.baseline is None and [p.change for p in early.after] == [None, None, None]
    needed = team_measures.waves_needed(
        [(r.wave_id, r.opens_on) for r in reports], [date(2026, 10, 14), date(2026, 11, 20)]
    )
    assert needed == [2, 3, 4, 5, 6]
