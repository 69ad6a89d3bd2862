"""Our direction: the current statement of each pillar, its history, and publishing a new one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES, _, localized
from engagement.models import DirectionStatement, Employee
from engagement.pillars import PILLARS, Pillar
from engagement.services import audit

STATEMENT_MAX, NOTE_MAX = 4_000, 600


@dataclass(frozen=True)
class Statement:
    pillar: Pillar
    version: int
    text: str
    fell_back: bool
    note: str
    published_by: str
    published_at: datetime
    previous_text: str | None  # the version before, in the same language (for "what changed")


def _name_of(session: Session, email: str) -> str:
    name = session.exec(select(Employee.name).where(Employee.email == email)).first()
    return name or email


def _statement(
    session: Session, row: DirectionStatement, before: DirectionStatement | None
) -> Statement:
    text, fell_back = localized(row.statement)
    return Statement(
        pillar=Pillar(row.pillar),
        version=row.version,
        text=text,
        fell_back=fell_back,
        note=localized(row.note)[0],
        published_by=_name_of(session, row.published_by),
        published_at=row.published_at,
        previous_text=localized(before.statement)[0] if before is not None else None,
    )


def current_direction(*, session: Session, actor: Actor) -> dict[Pillar, Statement | None]:
    """Every pillar's current statement (None where none is published yet): for everyone."""
    require_role(actor, Role.EMPLOYEE)
    rows = session.exec(
        select(DirectionStatement).order_by(
            col(DirectionStatement.pillar), col(DirectionStatement.version).desc()
        )
    ).all()
    by_pillar: dict[str, list[DirectionStatement]] = {}
    for row in rows:
        by_pillar.setdefault(row.pillar, []).append(row)
    out: dict[Pillar, Statement | None] = {}
    for pillar in PILLARS:
        versions = by_pillar.get(pillar.value, [])
        out[pillar] = (
            _statement(session, versions[0], versions[1] if len(versions) > 1 else None)
            if versions
            else None
        )
    return out


def history(*, session: Session, actor: Actor, pillar: str) -> list[Statement]:
    """Every version of a pillar's statement, newest first."""
    require_role(actor, Role.EMPLOYEE)
    rows = session.exec(
        select(DirectionStatement)
        .where(DirectionStatement.pillar == Pillar(pillar).value)
        .order_by(col(DirectionStatement.version).desc())
    ).all()
    return [
        _statement(session, row, rows[i + 1] if i + 1 < len(rows) else None)
        for i, row in enumerate(rows)
    ]


def changes(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level differences between two texts: ("same" | "added" | "removed", words)."""
    a, b = before.split(), after.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out


def publish_statement(
    *,
    session: Session,
    actor: Actor,
    pillar: str,
    statement: dict[str, str],
    note: dict[str, str],
    published_at: datetime | None = None,
) -> int:
    """Publish a new version of a pillar's statement (leaders); returns its version number."""
    require_role(actor, Role.LEADER)
    try:
        chosen = Pillar(pillar)
    except ValueError as exc:
        raise InvalidInput(_("Choose a pillar.")) from exc
    texts = {lang: (statement.get(lang) or "").strip() for lang in LANGUAGES}
    notes = {lang: (note.get(lang) or "").strip() for lang in LANGUAGES}
    if not any(texts.values()):
        raise InvalidInput(_("Write the statement in at least one language."))
    if any(len(t) > STATEMENT_MAX for t in texts.values()):
        raise InvalidInput(_("A statement is limited to {n} characters.").format(n=STATEMENT_MAX))
    if any(len(t) > NOTE_MAX for t in notes.values()):
        raise InvalidInput(_("The note is limited to {n} characters.").format(n=NOTE_MAX))
    last = session.exec(
        select(func.max(DirectionStatement.version)).where(
            DirectionStatement.pillar == chosen.value
        )
    ).one()
    version = int(last or 0) + 1
    row = DirectionStatement(
        pillar=chosen.value,
        version=version,
        statement={k: v for k, v in texts.items() if v},
        note={k: v for k, v in notes.items() if v},
        published_by=actor.email,
    )
    if published_at is not None:
        row.published_at = published_at
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="direction.publish",
        target=chosen.value,
        after={"version": version, "languages": sorted(row.statement)},
    )
    session.flush()
    return version
