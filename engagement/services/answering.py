"""Leaders and HR on the board: answer in public, tag, own, set the status, hide abuse, and
turn an answer into campaign content for the markets that asked.

Every change is in the audit log with the item's leader-set fields before and after — never
who posted it (an anonymous item has no author to record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from engagement.authz import Actor, require_role
from engagement.emails import normalize_email
from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES, _, language
from engagement.models import Employee, RoleGrant
from engagement.models.voice import ANSWER_MAX, REASON_MAX, BoardItem, ItemStatus
from engagement.pillars import Pillar
from engagement.questions import Dimension
from engagement.safe_text import plain_markdown
from engagement.services import audit, campaigns
from engagement.services.board import ANSWERERS, clean_texts, find_item, kind_label


def _snapshot(session: Session, item: BoardItem) -> dict[str, object]:
    """An item's leader-set fields, as an audit entry's before or after (never its author)."""
    owner = session.get(Employee, item.owner_id) if item.owner_id is not None else None
    return {
        "status": item.status,
        "pillar": item.pillar,
        "dimension": item.dimension,
        "owner": owner.email if owner else None,
        "decline_reason": item.decline_reason,
        "answer": dict(item.answer or {}),
        "hidden_reason": item.hidden_reason,
    }


def _target(item: BoardItem) -> str:
    text = " ".join(item.body.split())
    return f"{kind_label(item.kind)}: {text[:80]}" + ("…" if len(text) > 80 else "")


def answer_item(
    *,
    session: Session,
    actor: Actor,
    item_id: str,
    answer: dict[str, str],
    resolve: bool = False,
    today: date | None = None,
) -> str:
    """Answer an item in public (English and/or French); it becomes answered or resolved."""
    require_role(actor, *ANSWERERS)
    item = find_item(session, item_id)
    texts = clean_texts(answer, ANSWER_MAX)
    before = _snapshot(session, item)
    item.answer = texts
    item.answered_by_id = actor.employee_id
    item.answered_on = today or date.today()
    item.status = (ItemStatus.RESOLVED if resolve else ItemStatus.ANSWERED).value
    item.decline_reason = None
    session.add(item)
    audit.record(
        session,
        actor=actor,
        action="board.answer",
        target=_target(item),
        before=before,
        after=_snapshot(session, item),
    )
    session.flush()
    return item_id


def update_item(
    *,
    session: Session,
    actor: Actor,
    item_id: str,
    status: str,
    pillar: str | None,
    dimension: str | None,
    owner_email: str | None,
    decline_reason: str | None = None,
) -> str:
    """Tag an item with its pillar and dimension, give it an owner and a status."""
    require_role(actor, *ANSWERERS)
    item = find_item(session, item_id)
    try:
        new_status = ItemStatus(status)
    except ValueError:
        raise InvalidInput(_("Unknown status: {value}.").format(value=status)) from None
    if pillar is not None and pillar not in {p.value for p in Pillar}:
        raise InvalidInput(_("Unknown pillar: {value}.").format(value=pillar))
    if dimension is not None and dimension not in {d.value for d in Dimension}:
        raise InvalidInput(_("Unknown dimension: {value}.").format(value=dimension))
    reason = (decline_reason or "").strip()
    if new_status is ItemStatus.DECLINED and not reason:
        raise InvalidInput(_("Say why it is declined: the reason is shown with the item."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("Keep it under {limit} characters (it has {n}).").format(
                limit=REASON_MAX, n=len(reason)
            )
        )
    if new_status is ItemStatus.ANSWERED and not item.answer:
        raise InvalidInput(_("Write the answer first: an item is answered when it has one."))
    before = _snapshot(session, item)
    item.owner_id = _owner(session, owner_email)
    item.status, item.pillar, item.dimension = new_status.value, pillar, dimension
    item.decline_reason = reason if new_status is ItemStatus.DECLINED else None
    after = _snapshot(session, item)
    if after == before:
        return item_id
    session.add(item)
    audit.record(
        session,
        actor=actor,
        action="board.status" if after["status"] != before["status"] else "board.update",
        target=_target(item),
        before=before,
        after=after,
    )
    session.flush()
    return item_id


def _owner(session: Session, email: str | None) -> int | None:
    if not email:
        return None
    person = session.exec(select(Employee).where(Employee.email == normalize_email(email))).first()
    roles = (
        set(session.exec(select(RoleGrant.role).where(RoleGrant.employee_id == person.id)).all())
        if person is not None
        else set()
    )
    if person is None or not person.active or not roles & {r.value for r in ANSWERERS}:
        raise InvalidInput(_("The owner must be a leader or an HR person."))
    return person.id


def hide_item(*, session: Session, actor: Actor, item_id: str, reason: str) -> str:
    """Hide an abusive item from the board; it is kept, with the reason, for the audit."""
    require_role(actor, *ANSWERERS)
    item = find_item(session, item_id)
    text = reason.strip()
    if len(text) < 3:
        raise InvalidInput(_("Say why it is hidden: the reason is kept in the audit log."))
    if len(text) > REASON_MAX:
        raise InvalidInput(
            _("Keep it under {limit} characters (it has {n}).").format(
                limit=REASON_MAX, n=len(text)
            )
        )
    before = _snapshot(session, item)
    item.hidden, item.hidden_reason = True, text
    session.add(item)
    audit.record(
        session,
        actor=actor,
        action="board.hide",
        target=_target(item),
        before=before,
        after=_snapshot(session, item),
    )
    session.flush()
    return item_id


@dataclass(frozen=True)
class OwnerChoice:
    email: str
    label: str


def owner_choices(*, session: Session, actor: Actor) -> list[OwnerChoice]:
    """The leaders and HR people who can own an item."""
    require_role(actor, *ANSWERERS)
    rows = session.exec(
        select(Employee)
        .join(RoleGrant, col(RoleGrant.employee_id) == Employee.id)
        .where(
            col(RoleGrant.role).in_([r.value for r in ANSWERERS]),
            col(Employee.active).is_(True),
            col(Employee.email).is_not(None),
        )
        .order_by(col(Employee.name))
    ).all()
    seen: dict[str, OwnerChoice] = {}
    for person in rows:
        seen.setdefault(person.email or "", OwnerChoice(person.email or "", person.display_name))
    return list(seen.values())


def _short(text: str, limit: int) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def turn_into_campaign(*, session: Session, actor: Actor, item_id: str) -> int:
    """A draft campaign built from an answered item: the question and its answer, aimed at
    the markets of the campaign it was about (or none). HR then edits and launches it."""
    require_role(actor, *ANSWERERS)
    item = find_item(session, item_id)
    if not item.answer:
        raise InvalidInput(_("Answer it first: the campaign carries the question and its answer."))
    if item.hidden:
        raise InvalidInput(_("A hidden item cannot become campaign content."))
    title: dict[str, str] = {}
    message: dict[str, str] = {}
    for lang in LANGUAGES:
        answer = item.answer.get(lang)
        if not answer:
            continue
        with language(lang):
            title[lang] = _("You asked: {question}").format(question=_short(item.body, 120))
            message[lang] = _("**You asked:** {question}\n\n**Our answer:** {answer}").format(
                question=plain_markdown(item.body), answer=answer
            )
    markets = campaigns.market_ids_of(session, item.campaign_id) if item.campaign_id else []
    draft = campaigns.CampaignDraft(
        title=title,
        pillar=item.pillar or Pillar.MISSION.value,
        message=message,
        market_ids=markets,
    )
    campaign_id = campaigns.save_campaign(
        session=session, actor=actor, campaign_id=None, draft=draft
    )
    audit.record(
        session,
        actor=actor,
        action="board.to_campaign",
        target=_target(item),
        after={"campaign": campaign_id, "markets": audit.market_names(session, markets)},
    )
    session.flush()
    return campaign_id
