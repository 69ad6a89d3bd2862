"""Coaching: managers log their conversations with the teams they manage; HR partners.

A coaching log is private: the manager who wrote it, the HR partners of its department (or
of a department above it) and administrators may read it — nobody else, not even another
manager of the same team. Administrators assign HR partners (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import N_, _
from engagement.models import Department, Employee, RoleGrant
from engagement.models.coaching import (
    COMMITMENTS_MAX,
    NOTES_MAX,
    TOPIC_MAX,
    CoachingLog,
    HrPartner,
)
from engagement.models.voice import BoardItem, ItemStatus
from engagement.questions import Dimension
from engagement.services import audit
from engagement.services.directory import ensure_employee_exists, load_nodes

PRIVATE = N_(
    "Coaching logs are private to the manager who wrote them, the team's HR partner and "
    "administrators."
)


# ---- HR partners (admin) ----


@dataclass(frozen=True)
class PartnerRow:
    email: str
    name: str
    department_id: int
    department: str  # its path, "Sales › Field Sales"


def _path(nodes: list[org_tree.Node], department_id: int) -> str:
    return " › ".join(org_tree.path_of({n.id: n for n in nodes}, department_id))


def list_hr_partners(*, session: Session, actor: Actor) -> list[PartnerRow]:
    """Every HR partner assignment, by department path."""
    require_role(actor, Role.ADMIN)
    nodes = load_nodes(session)
    rows = session.exec(
        select(HrPartner, Employee).join(Employee, col(Employee.id) == HrPartner.employee_id)
    ).all()
    out = [
        PartnerRow(p.email or "", p.display_name, a.department_id, _path(nodes, a.department_id))
        for a, p in rows
    ]
    return sorted(out, key=lambda r: (r.department, r.name))


def _partner_target(session: Session, email: str, department_id: int) -> tuple[Employee, str]:
    person = ensure_employee_exists(session, email)
    if session.get(Department, department_id) is None:
        raise InvalidInput(_("That department no longer exists."))
    return person, f"{person.display_name} — {_path(load_nodes(session), department_id)}"


def assign_hr_partner(*, session: Session, actor: Actor, email: str, department_id: int) -> str:
    """Make an HR person the partner of a department (and everything below it)."""
    require_role(actor, Role.ADMIN)
    person, target = _partner_target(session, email, department_id)
    is_hr = session.exec(
        select(RoleGrant).where(RoleGrant.employee_id == person.id, RoleGrant.role == Role.HR.value)
    ).first()
    if is_hr is None:
        raise InvalidInput(
            _("{name} does not hold the HR role: grant it first.").format(name=person.display_name)
        )
    assert person.id is not None
    if session.get(HrPartner, (department_id, person.id)) is not None:
        return _("{target}: already assigned.").format(target=target)
    session.add(
        HrPartner(department_id=department_id, employee_id=person.id, assigned_by=actor.email)
    )
    audit.record(session, actor=actor, action="hr_partner.assign", target=target)
    session.flush()
    return _("{target}: HR partner assigned.").format(target=target)


def remove_hr_partner(*, session: Session, actor: Actor, email: str, department_id: int) -> str:
    """End an HR partner assignment."""
    require_role(actor, Role.ADMIN)
    person, target = _partner_target(session, email, department_id)
    assignment = session.get(HrPartner, (department_id, person.id))
    if assignment is None:
        raise NotFound(_("{target}: no such assignment.").format(target=target))
    session.delete(assignment)
    audit.record(session, actor=actor, action="hr_partner.remove", target=target)
    session.flush()
    return _("{target}: HR partner removed.").format(target=target)


def _ancestors(nodes: list[org_tree.Node], department_id: int) -> set[int]:
    by_id = {n.id: n for n in nodes}
    out: set[int] = set()
    current: int | None = department_id
    while current is not None and current in by_id and current not in out:
        out.add(current)
        current = by_id[current].parent_id
    return out


def _partnered(session: Session, actor: Actor) -> set[int]:
    """The departments an HR actor partners, with everything below them."""
    if actor.employee_id is None or not actor.has(Role.HR):
        return set()
    roots = session.exec(
        select(HrPartner.department_id).where(HrPartner.employee_id == actor.employee_id)
    ).all()
    nodes = load_nodes(session)
    return set().union(*(org_tree.subtree_ids(nodes, d) for d in roots)) if roots else set()


# ---- the teams a manager coaches ----


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    path: str
    depth: int


def _managed(session: Session, actor: Actor) -> set[int]:
    nodes = load_nodes(session)
    return set().union(*(org_tree.subtree_ids(nodes, d) for d in actor.managed_department_ids))


def coached_teams(*, session: Session, actor: Actor) -> list[Team]:
    """The departments the actor manages (with everything below), in tree order."""
    require_role(actor, Role.MANAGER)
    nodes = load_nodes(session)
    by_id = {n.id: n for n in nodes}
    roots = org_tree.top_most(nodes, actor.managed_department_ids)
    return [
        Team(n.id, n.name, " › ".join(org_tree.path_of(by_id, n.id)), depth)
        for n, depth in org_tree.tree_order(nodes, roots)
    ]


def _require_team(session: Session, actor: Actor, department_id: int) -> None:
    require_role(actor, Role.MANAGER)
    if department_id not in _managed(session, actor):
        raise NotAllowed(_("That team is not one you manage."))


# ---- coaching logs ----


@dataclass(frozen=True)
class LogView:
    id: int
    manager: str
    department_id: int
    department: str
    held_on: date
    dimension: Dimension
    topic: str
    notes: str
    commitments: str
    follow_up_on: date | None
    followed_up_on: date | None
    mine: bool


@dataclass(frozen=True)
class LogDraft:
    department_id: int
    held_on: date
    dimension: str
    topic: str
    notes: str = ""
    commitments: str = ""
    follow_up_on: date | None = None


def _checked(draft: LogDraft, today: date) -> LogDraft:
    try:
        Dimension(draft.dimension)
    except ValueError:
        raise InvalidInput(_("Choose the dimension the conversation was about.")) from None
    topic, notes, commitments = (t.strip() for t in (draft.topic, draft.notes, draft.commitments))
    if not topic:
        raise InvalidInput(_("Give the conversation a topic."))
    for message, text, limit in (
        (N_("Keep the topic under {limit} characters (it has {n})."), topic, TOPIC_MAX),
        (N_("Keep the notes under {limit} characters (they have {n})."), notes, NOTES_MAX),
        (
            N_("Keep the commitments under {limit} characters (they have {n})."),
            commitments,
            COMMITMENTS_MAX,
        ),
    ):
        if len(text) > limit:
            raise InvalidInput(_(message).format(limit=limit, n=len(text)))
    if draft.held_on > today:
        raise InvalidInput(_("Log a conversation once it has taken place, not before."))
    if draft.follow_up_on is not None and draft.follow_up_on < draft.held_on:
        raise InvalidInput(_("The follow-up date comes before the conversation."))
    return LogDraft(
        draft.department_id,
        draft.held_on,
        draft.dimension,
        topic,
        notes,
        commitments,
        draft.follow_up_on,
    )


def save_log(
    *,
    session: Session,
    actor: Actor,
    draft: LogDraft,
    log_id: int | None = None,
    today: date | None = None,
) -> int:
    """Log a coaching conversation with a team the actor manages (or edit their own log)."""
    _require_team(session, actor, draft.department_id)
    clean = _checked(draft, today or date.today())
    if log_id is None:
        log = CoachingLog(
            manager_id=actor.employee_id or 0,
            department_id=clean.department_id,
            held_on=clean.held_on,
            dimension=clean.dimension,
            topic=clean.topic,
        )
    else:
        log = _own(session, actor, log_id)
    log.department_id, log.held_on, log.dimension = (
        clean.department_id,
        clean.held_on,
        clean.dimension,
    )
    log.topic, log.notes, log.commitments = clean.topic, clean.notes, clean.commitments
    log.follow_up_on = clean.follow_up_on
    session.add(log)
    session.flush()
    assert log.id is not None
    return log.id


def _own(session: Session, actor: Actor, log_id: int) -> CoachingLog:
    log = session.get(CoachingLog, log_id)
    if log is None:
        raise NotFound(_("That coaching log no longer exists."))
    if actor.employee_id is None or log.manager_id != actor.employee_id:
        raise NotAllowed(_("Only the manager who wrote a coaching log can change it."))
    return log


def mark_followed_up(
    *, session: Session, actor: Actor, log_id: int, today: date | None = None
) -> int:
    """Record that the follow-up of a conversation took place."""
    require_role(actor, Role.MANAGER)
    log = _own(session, actor, log_id)
    log.followed_up_on = today or date.today()
    session.add(log)
    session.flush()
    return log_id


def _may_read(session: Session, actor: Actor, log: CoachingLog) -> bool:
    if actor.has(Role.ADMIN):
        return True
    if actor.employee_id is not None and log.manager_id == actor.employee_id:
        return True
    return log.department_id in _partnered(session, actor)


def _views(session: Session, actor: Actor, logs: list[CoachingLog]) -> list[LogView]:
    nodes = load_nodes(session)
    names = {
        p.id: p.display_name
        for p in session.exec(
            select(Employee).where(col(Employee.id).in_({g.manager_id for g in logs}))
        ).all()
    }
    return [
        LogView(
            id=g.id or 0,
            manager=names.get(g.manager_id, "?"),
            department_id=g.department_id,
            department=_path(nodes, g.department_id),
            held_on=g.held_on,
            dimension=Dimension(g.dimension),
            topic=g.topic,
            notes=g.notes,
            commitments=g.commitments,
            follow_up_on=g.follow_up_on,
            followed_up_on=g.followed_up_on,
            mine=g.manager_id == actor.employee_id,
        )
        for g in logs
    ]


def read_log(*, session: Session, actor: Actor, log_id: int) -> LogView:
    """One coaching log, for the people it is private to; anyone else is refused."""
    log = session.get(CoachingLog, log_id)
    if log is None:
        raise NotFound(_("That coaching log no longer exists."))
    if not _may_read(session, actor, log):
        raise NotAllowed(_(PRIVATE))
    return _views(session, actor, [log])[0]


READ_LIMIT = 200
NEWEST_FIRST = (col(CoachingLog.held_on).desc(), col(CoachingLog.id).desc())


def my_logs(*, session: Session, actor: Actor, department_id: int) -> list[LogView]:
    """The actor's own logs for a team they manage, newest first."""
    _require_team(session, actor, department_id)
    logs = session.exec(
        select(CoachingLog)
        .where(
            CoachingLog.manager_id == actor.employee_id,
            CoachingLog.department_id == department_id,
        )
        .order_by(*NEWEST_FIRST)
    ).all()
    return _views(session, actor, list(logs))


def readable_logs(*, session: Session, actor: Actor) -> list[LogView]:
    """For HR partners (their departments) and administrators (all): the newest logs they may
    read (at most READ_LIMIT)."""
    require_role(actor, Role.HR, Role.ADMIN)
    stmt = select(CoachingLog)
    if not actor.has(Role.ADMIN):
        partnered = _partnered(session, actor)
        if not partnered:
            return []
        stmt = stmt.where(col(CoachingLog.department_id).in_(sorted(partnered)))
    newest = stmt.order_by(*NEWEST_FIRST).limit(READ_LIMIT)
    return _views(session, actor, list(session.exec(newest).all()))


# ---- nudges from the log and the board ----


@dataclass(frozen=True)
class Nudges:
    days_since_last: int | None  # None: no conversation logged yet
    open_items: int  # open questions and objections from the team
    follow_ups_due: list[LogView]


def team_nudges(
    *, session: Session, actor: Actor, department_id: int, today: date | None = None
) -> Nudges:
    """What needs the manager's attention for a team (measures come from the heatmap rows)."""
    _require_team(session, actor, department_id)
    today = today or date.today()
    subtree = org_tree.subtree_ids(load_nodes(session), department_id)
    last = session.exec(
        select(func.max(CoachingLog.held_on)).where(
            CoachingLog.manager_id == actor.employee_id,
            col(CoachingLog.department_id).in_(sorted(subtree)),
        )
    ).one()
    open_items = session.exec(
        select(func.count())
        .select_from(BoardItem)
        .where(
            col(BoardItem.department_id).in_(sorted(subtree)),
            BoardItem.status == ItemStatus.OPEN.value,
            col(BoardItem.hidden).is_(False),
        )
    ).one()
    due = session.exec(
        select(CoachingLog)
        .where(
            CoachingLog.manager_id == actor.employee_id,
            col(CoachingLog.department_id).in_(sorted(subtree)),
            col(CoachingLog.follow_up_on).is_not(None),
            col(CoachingLog.follow_up_on) <= today,
            col(CoachingLog.followed_up_on).is_(None),
        )
        .order_by(*NEWEST_FIRST)
    ).all()
    return Nudges(
        days_since_last=(today - last).days if last else None,
        open_items=int(open_items),
        follow_ups_due=_views(session, actor, list(due)),
    )
