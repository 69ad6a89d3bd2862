"""Ask and object: employees post questions and objections, upvote, and read the answers;
leaders and HR tag, own, answer, resolve, decline or hide them.

An anonymous item stores no author, in any table or log: the audit log records what leaders
and HR do to items, never who posted one. Its department is kept only when at least
`ANONYMOUS_POOL_MIN` active people could equally have written it (see `_anonymous_department`).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import N_, _, localized, normalize_language
from engagement.models import Campaign, Employee
from engagement.models.campaigns import CampaignAudience
from engagement.models.voice import (
    BODY_MAX,
    BoardItem,
    BoardVote,
    ItemKind,
    ItemStatus,
)
from engagement.names import clean_texts as clean_language_texts
from engagement.pillars import Pillar
from engagement.privacy import participant_token
from engagement.services.directory import load_nodes
from engagement.text_rules import clean_text

BODY_MIN = 10
ANONYMOUS_POOL_MIN = 10
LIST_LIMIT = 200
ANSWERERS = (Role.LEADER, Role.HR)
KIND_LABELS = {ItemKind.QUESTION: N_("Question"), ItemKind.OBJECTION: N_("Objection")}
STATUS_LABELS = {
    ItemStatus.OPEN: N_("Open"),
    ItemStatus.ANSWERED: N_("Answered"),
    ItemStatus.RESOLVED: N_("Resolved"),
    ItemStatus.DECLINED: N_("Declined"),
}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[ItemKind(kind)])


def status_label(status: str) -> str:
    return _(STATUS_LABELS[ItemStatus(status)])


def vote_scope(item_id: str) -> str:
    """One scope per item: a person's votes on two items cannot be matched to each other."""
    return f"board-vote:{item_id}"


def _person(actor: Actor) -> int:
    if actor.employee_id is None:
        raise NotAllowed(_("Only people in the directory can do this."))
    return actor.employee_id


def find_item(session: Session, item_id: str) -> BoardItem:
    """An item by its id, or NotFound."""
    item = session.get(BoardItem, item_id)
    if item is None:
        raise NotFound(_("That question or objection no longer exists."))
    return item


def clean_texts(texts: dict[str, str], limit: int) -> dict[str, str]:
    """Per-language texts trimmed, empty languages dropped; at least one, none too long."""
    cleaned = clean_language_texts(texts)
    if not cleaned:
        raise InvalidInput(_("Write it in English or in French (or both)."))
    for text in cleaned.values():
        if len(text) > limit:
            raise InvalidInput(
                _("Keep it under {limit} characters (it has {n}).").format(limit=limit, n=len(text))
            )
    return cleaned


def _anonymous_department(
    session: Session, department_id: int, campaign_id: int | None
) -> int | None:
    """The smallest department around the author (theirs, else one above it) with at least
    ANONYMOUS_POOL_MIN active people who could equally have posted it — people targeted by
    the campaign when it is about one. None when only the whole company is that large."""
    nodes = load_nodes(session)
    by_id = {n.id: n for n in nodes}
    pool = select(Employee.department_id, func.count()).where(col(Employee.active).is_(True))
    if campaign_id is not None:
        pool = pool.join(
            CampaignAudience,
            (col(CampaignAudience.employee_id) == Employee.id)
            & (CampaignAudience.campaign_id == campaign_id),
        )
    direct = {int(d): int(n) for d, n in session.exec(pool.group_by(col(Employee.department_id)))}
    totals = org_tree.subtree_totals(nodes, direct)
    current: int | None = department_id
    while current is not None and current in by_id:
        node = by_id[current]
        if node.parent_id is None:
            return None  # the company itself says nothing
        if totals.get(current, 0) >= ANONYMOUS_POOL_MIN:
            return current
        current = node.parent_id
    return None


def post_item(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    body: str,
    anonymous: bool,
    pillar: str | None = None,
    campaign_id: int | None = None,
    language: str | None = None,
    today: date | None = None,
) -> str:
    """Post a question or an objection about a pillar or a campaign; returns its id."""
    person_id = _person(actor)
    try:
        item_kind = ItemKind(kind)
    except ValueError:
        raise InvalidInput(_("Choose a question or an objection.")) from None
    text = clean_text(body, field=_("Your text"), multiline=True)
    if len(text) < BODY_MIN:
        raise InvalidInput(
            _("Write at least {n} characters so that others understand you.").format(n=BODY_MIN)
        )
    if len(text) > BODY_MAX:
        raise InvalidInput(
            _("Keep it under {limit} characters (it has {n}).").format(limit=BODY_MAX, n=len(text))
        )
    if campaign_id is not None:
        campaign = session.get(Campaign, campaign_id)
        # a campaign that did not reach you does not exist for you (services/campaigns.py)
        if campaign is None or session.get(CampaignAudience, (campaign_id, person_id)) is None:
            raise NotFound(_("That campaign is not available to you."))
        pillar = pillar or campaign.pillar
    if pillar not in {p.value for p in Pillar}:
        raise InvalidInput(_("Say what it is about: a pillar or a campaign."))
    person = session.get(Employee, person_id)
    if person is None or not person.active:
        raise NotAllowed(_("Only people in the directory can do this."))
    department = (
        _anonymous_department(session, person.department_id, campaign_id)
        if anonymous
        else person.department_id
    )
    item = BoardItem(
        kind=item_kind.value,
        body=text,
        language=normalize_language(language),
        pillar=pillar,
        campaign_id=campaign_id,
        anonymous=anonymous,
        author_id=None if anonymous else person_id,
        department_id=department,
        posted_on=today or date.today(),
    )
    session.add(item)
    session.flush()
    return item.id


def upvote_item(*, session: Session, actor: Actor, item_id: str) -> str:
    """Add the actor's one vote to an item (a token, never their id); returns the item id."""
    person_id = _person(actor)
    item = find_item(session, item_id)
    if item.hidden:
        raise NotFound(_("That question or objection no longer exists."))
    try:
        with session.begin_nested():
            token = participant_token(vote_scope(item_id), person_id)
            session.add(BoardVote(item_id=item_id, token=token))
            session.flush()
    except IntegrityError:
        raise InvalidInput(_("You already upvoted this one.")) from None
    return item_id


@dataclass(frozen=True)
class ItemView:
    """An item as a reader sees it. `author` is None for an anonymous item."""

    id: str
    kind: str
    body: str
    language: str
    pillar: str | None
    campaign: str | None
    campaign_id: int | None
    anonymous: bool
    author: str | None
    posted_on: date
    dimension: str | None
    status: str
    decline_reason: str | None
    owner: str | None
    owner_email: str | None
    answer: dict[str, str]
    answered_by: str | None
    answered_on: date | None
    hidden: bool
    hidden_reason: str | None
    votes: int
    voted: bool
    mine: bool


@dataclass(frozen=True)
class BoardFilter:
    status: str | None = None
    pillar: str | None = None
    kind: str | None = None
    order: str = "votes"  # or "newest"
    mine: bool = False
    include_hidden: bool = False


def _names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.exec(select(Employee).where(col(Employee.id).in_(sorted(ids)))).all()
    return {int(p.id or 0): (p.display_name, p.email or "") for p in rows}


def _campaign_titles(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Campaign).where(col(Campaign.id).in_(sorted(ids)))).all()
    return {int(c.id or 0): localized(c.title)[0] for c in rows}


def list_items(*, session: Session, actor: Actor, filters: BoardFilter) -> list[ItemView]:
    """The board: shown items with votes and answers (hidden ones only for leaders and HR)."""
    where: list[ColumnElement[bool]] = []
    if not (filters.include_hidden and actor.has_any(ANSWERERS)):
        where.append(col(BoardItem.hidden).is_(False))
    if filters.status:
        where.append(col(BoardItem.status) == filters.status)
    if filters.pillar:
        where.append(col(BoardItem.pillar) == filters.pillar)
    if filters.kind:
        where.append(col(BoardItem.kind) == filters.kind)
    if filters.mine:
        where.append(col(BoardItem.author_id) == (actor.employee_id or -1))
    votes = (
        select(BoardVote.item_id, func.count().label("n"))
        .group_by(col(BoardVote.item_id))
        .subquery()
    )
    count = func.coalesce(votes.c.n, 0)
    order = (
        (col(BoardItem.posted_on).desc(), col(BoardItem.id))
        if filters.order == "newest"
        else (count.desc(), col(BoardItem.posted_on).desc(), col(BoardItem.id))
    )
    rows = session.exec(
        select(BoardItem, count)
        .outerjoin(votes, votes.c.item_id == BoardItem.id)
        .where(*where)
        .order_by(*order)
        .limit(LIST_LIMIT)
    ).all()
    items = [item for item, _n in rows]
    mine = _my_votes(session, actor, [i.id for i in items])
    people = _names(
        session,
        {p for i in items for p in (i.author_id, i.owner_id, i.answered_by_id) if p is not None},
    )
    campaigns = _campaign_titles(session, {i.campaign_id for i in items if i.campaign_id})
    return [
        ItemView(
            id=i.id,
            kind=i.kind,
            body=i.body,
            language=i.language,
            pillar=i.pillar,
            campaign=campaigns.get(i.campaign_id) if i.campaign_id else None,
            campaign_id=i.campaign_id,
            anonymous=i.anonymous,
            author=people[i.author_id][0] if i.author_id in people else None,
            posted_on=i.posted_on,
            dimension=i.dimension,
            status=i.status,
            decline_reason=i.decline_reason,
            owner=people[i.owner_id][0] if i.owner_id in people else None,
            owner_email=people[i.owner_id][1] if i.owner_id in people else None,
            answer=dict(i.answer or {}),
            answered_by=people[i.answered_by_id][0] if i.answered_by_id in people else None,
            answered_on=i.answered_on,
            hidden=i.hidden,
            hidden_reason=i.hidden_reason,
            votes=int(n),
            voted=i.id in mine,
            mine=actor.employee_id is not None and i.author_id == actor.employee_id,
        )
        for i, n in rows
    ]


def _my_votes(session: Session, actor: Actor, item_ids: Sequence[str]) -> set[str]:
    if actor.employee_id is None or not item_ids:
        return set()
    tokens = {participant_token(vote_scope(i), actor.employee_id): i for i in item_ids}
    found = session.exec(
        select(BoardVote.item_id, BoardVote.token).where(col(BoardVote.token).in_(list(tokens)))
    ).all()
    return {item for item, token in found if tokens.get(token) == item}


@dataclass(frozen=True)
class BoardStats:
    """How many shown items are in each status, and the median days from posting to answer."""

    counts: dict[str, int]
    median_days_to_answer: float | None
    answered: int


def board_stats(*, session: Session, actor: Actor) -> BoardStats:
    """For the company summary: items per status and the median time to answer."""
    require_role(actor, *ANSWERERS)
    shown = col(BoardItem.hidden).is_(False)
    counts = {s.value: 0 for s in ItemStatus}
    for status, n in session.exec(
        select(BoardItem.status, func.count()).where(shown).group_by(col(BoardItem.status))
    ).all():
        counts[status] = int(n)
    pairs = session.exec(
        select(col(BoardItem.posted_on), col(BoardItem.answered_on)).where(
            shown, col(BoardItem.answered_on).is_not(None)
        )
    ).all()
    days = [(answered - posted).days for posted, answered in pairs if answered is not None]
    return BoardStats(
        counts=counts,
        median_days_to_answer=statistics.median(days) if days else None,
        answered=len(days),
    )
