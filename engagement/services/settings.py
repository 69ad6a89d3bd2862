"""Privacy settings an administrator sets in the app: the minimum group size and the comments
threshold. The environment gives the defaults; a change is audited with before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from engagement.authz import Actor, Role, require_role
from engagement.config import MIN_GROUP_SIZE_FLOOR, load_settings
from engagement.errors import InvalidInput
from engagement.i18n import _
from engagement.measures.suppression import COMMENT_MIN_DEFAULT
from engagement.models import AppSetting
from engagement.models.org import utcnow
from engagement.services import audit

MIN_GROUP_SIZE, COMMENT_MIN = "min_group_size", "comment_min"
UPPER = 100


@dataclass(frozen=True)
class Privacy:
    min_group_size: int  # k: no figure from fewer respondents
    comment_min: int  # comments only from groups at least this large
    updated_by: str | None = None
    updated_at: datetime | None = None


def privacy(session: Session, default_k: int | None = None) -> Privacy:
    """The privacy thresholds in force: the administrator's, else the environment's defaults."""
    k = default_k if default_k is not None else load_settings().min_group_size
    rows = {r.key: r for r in session.exec(select(AppSetting)).all()}
    stored_k, stored_c = rows.get(MIN_GROUP_SIZE), rows.get(COMMENT_MIN)
    k = stored_k.value if stored_k else k
    comment_min = stored_c.value if stored_c else max(COMMENT_MIN_DEFAULT, k)
    last = max((r for r in rows.values()), key=lambda r: r.updated_at, default=None)
    return Privacy(
        min_group_size=max(k, MIN_GROUP_SIZE_FLOOR),
        comment_min=max(comment_min, k),
        updated_by=last.updated_by if last else None,
        updated_at=last.updated_at if last else None,
    )


def privacy_settings(*, session: Session, actor: Actor) -> Privacy:
    """The thresholds in force, for the administrator's settings page."""
    require_role(actor, Role.ADMIN)
    return privacy(session)


def update_privacy(
    *, session: Session, actor: Actor, min_group_size: int, comment_min: int
) -> Privacy:
    """Change the thresholds (administrators); every change is audited, before and after."""
    require_role(actor, Role.ADMIN)
    if not MIN_GROUP_SIZE_FLOOR <= min_group_size <= UPPER:
        raise InvalidInput(
            _("The minimum group size must be between {low} and {high}.").format(
                low=MIN_GROUP_SIZE_FLOOR, high=UPPER
            )
        )
    if not min_group_size <= comment_min <= UPPER:
        raise InvalidInput(
            _("Comments need a group at least as large as the minimum group size ({k}).").format(
                k=min_group_size
            )
        )
    before = privacy(session)
    wanted = {MIN_GROUP_SIZE: min_group_size, COMMENT_MIN: comment_min}
    old = {MIN_GROUP_SIZE: before.min_group_size, COMMENT_MIN: before.comment_min}
    changed = {key: value for key, value in wanted.items() if old[key] != value}
    for key, value in changed.items():
        row = session.get(AppSetting, key) or AppSetting(key=key, value=value, updated_by="")
        row.value, row.updated_by, row.updated_at = value, actor.email, utcnow()
        session.add(row)
    if changed:
        audit.record(
            session,
            actor=actor,
            action="setting.change",
            target=", ".join(sorted(changed)),
            before={key: old[key] for key in changed},
            after=changed,
        )
    session.flush()
    return privacy(session)
