"""You said, we did: after a wave, HR or leaders publish what was heard and what will change;
everyone reads it on Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput, NotFound
from engagement.i18n import _, display_name, localized, missing_languages
from engagement.models import Employee, Pulse, Wave
from engagement.models.voice import ANSWER_MAX, YouSaidWeDid
from engagement.pillars import Pillar
from engagement.services import audit
from engagement.services.board import clean_texts

PUBLISHERS = (Role.HR, Role.LEADER)
HOME_LIMIT = 3


def publish_you_said(
    *,
    session: Session,
    actor: Actor,
    heard: dict[str, str],
    changes: dict[str, str],
    wave_id: int | None = None,
    pillar: str | None = None,
) -> int:
    """Publish what was heard and what will change (English and/or French); returns its id."""
    require_role(actor, *PUBLISHERS)
    try:
        heard_texts = clean_texts(heard, ANSWER_MAX)
    except InvalidInput as exc:
        raise InvalidInput(_("What we heard: {problem}").format(problem=exc)) from None
    try:
        change_texts = clean_texts(changes, ANSWER_MAX)
    except InvalidInput as exc:
        raise InvalidInput(_("What will change: {problem}").format(problem=exc)) from None
    if pillar is not None and pillar not in {p.value for p in Pillar}:
        raise InvalidInput(_("Unknown pillar: {value}.").format(value=pillar))
    wave_label = ""
    if wave_id is not None:
        found = session.exec(
            select(Wave, Pulse)
            .join(Pulse, col(Pulse.id) == Wave.pulse_id)
            .where(Wave.id == wave_id)
        ).first()
        if found is None:
            raise NotFound(_("That pulse wave does not exist."))
        wave_label = f"{found[1].name} #{found[0].number}"
    post = YouSaidWeDid(
        wave_id=wave_id,
        pillar=pillar,
        heard=heard_texts,
        changes=change_texts,
        published_by_id=actor.employee_id,
    )
    session.add(post)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="you_said.publish",
        target=wave_label or localized(heard_texts)[0][:80],
        after={"heard": heard_texts, "changes": change_texts, "wave": wave_label or None},
    )
    assert post.id is not None
    return post.id


@dataclass(frozen=True)
class YouSaidView:
    id: int
    heard: str
    changes: str
    fell_back: bool  # shown in another language than the reader's
    missing: list[str]  # languages it lacks (for HR)
    pillar: str | None
    pulse: str | None  # the pulse and wave it follows, if any
    wave_number: int | None
    published_by: str | None
    published_at: datetime


def list_you_said(*, session: Session, actor: Actor, limit: int = HOME_LIMIT) -> list[YouSaidView]:
    """The newest posts, for everyone, in the reader's language where written."""
    require_role(actor, Role.EMPLOYEE)
    rows = session.exec(
        select(YouSaidWeDid, Employee, Wave, Pulse)
        .outerjoin(Employee, col(Employee.id) == YouSaidWeDid.published_by_id)
        .outerjoin(Wave, col(Wave.id) == YouSaidWeDid.wave_id)
        .outerjoin(Pulse, col(Pulse.id) == Wave.pulse_id)
        .order_by(col(YouSaidWeDid.published_at).desc(), col(YouSaidWeDid.id).desc())
        .limit(limit)
    ).all()
    out = []
    for post, person, wave, pulse in rows:
        heard, heard_fell_back = localized(post.heard)
        changes, changes_fell_back = localized(post.changes)
        out.append(
            YouSaidView(
                id=post.id or 0,
                heard=heard,
                changes=changes,
                fell_back=heard_fell_back or changes_fell_back,
                missing=sorted(
                    set(missing_languages(post.heard) + missing_languages(post.changes))
                ),
                pillar=post.pillar,
                pulse=display_name(pulse.name, pulse.names) if pulse else None,
                wave_number=wave.number if wave else None,
                published_by=person.display_name if person else None,
                published_at=post.published_at,
            )
        )
    return out
