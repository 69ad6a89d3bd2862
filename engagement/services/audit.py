"""The audit log: recording what people change or export, and searching it (admin only).

`record` is called inside the caller's unit of work, so an entry commits or rolls back
together with the change it describes. Nothing here updates or deletes an entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput, NotFound
from engagement.i18n import N_, _, format_number
from engagement.models import AuditEntry, Employee, ManagerScope, Market, Pulse, RoleGrant, Wave
from engagement.services.directory import load_nodes

# every action code the app records, with its label (translated where shown)
ACTIONS: dict[str, str] = {
    "role.grant": N_("Role granted"),
    "role.revoke": N_("Role revoked"),
    "people.import": N_("People imported"),
    "market.save": N_("Internal market saved"),
    "pulse.create": N_("Pulse survey created"),
    "pulse.rename": N_("Pulse survey renamed"),
    "export.heatmap_csv": N_("Heatmap exported (CSV)"),
    "export.heatmap_png": N_("Heatmap exported (PNG)"),
    "export.heatmap_csv.failed": N_("Heatmap export failed (CSV)"),
    "export.heatmap_png.failed": N_("Heatmap export failed (PNG)"),
    "direction.publish": N_("Direction statement published"),
    "module.save": N_("Module draft saved"),
    "module.publish": N_("Module published"),
    "module.import": N_("Modules imported"),
    "campaign.save": N_("Campaign saved"),
    "campaign.status": N_("Campaign status changed"),
    "setting.change": N_("Setting changed"),
    "board.answer": N_("Question or objection answered"),
    "board.status": N_("Question or objection status changed"),
    "board.update": N_("Question or objection tagged"),
    "board.hide": N_("Question or objection hidden"),
    "board.to_campaign": N_("Answer turned into a campaign"),
    "you_said.publish": N_("“You said, we did” published"),
    "hr_partner.assign": N_("HR partner assigned"),
    "hr_partner.remove": N_("HR partner removed"),
}
EXPORT_KINDS = ("heatmap_csv", "heatmap_png")
# the keys stored in `before` / `after`, with their labels
FIELDS: dict[str, str] = {
    "roles": N_("roles"),
    "departments": N_("departments"),
    "name": N_("name"),
    "names": N_("names in English and French"),
    "description": N_("description"),  # entries written before descriptions per language
    "descriptions": N_("descriptions in English and French"),
    "rules": N_("rules"),
    "rows": N_("rows"),
    "created": N_("created"),
    "updated": N_("updated"),
    "deactivated": N_("deactivated"),
    "unchanged": N_("unchanged"),
    "full": N_("full import"),
    "cadence": N_("cadence"),
    "open_days": N_("days open"),
    "start_date": N_("start date"),
    "item_ids": N_("questions"),
    "custom_items": N_("own questions"),
    "allow_comment": N_("comments allowed"),
    "markets": N_("internal markets"),
    "wave": N_("wave"),
    "market": N_("internal market"),
    "version": N_("version"),
    "languages": N_("languages"),
    "status": N_("status"),
    "title": N_("title"),
    "pillar": N_("pillar"),
    "modules": N_("modules"),
    "starts_on": N_("start date"),
    "ends_on": N_("end date"),
    "audience": N_("people reached"),
    "min_group_size": N_("minimum group size"),
    "comment_min": N_("minimum group for comments"),
    "dimension": N_("dimension"),
    "owner": N_("owner"),
    "decline_reason": N_("reason for declining"),
    "answer": N_("answer"),
    "hidden_reason": N_("reason for hiding"),
    "campaign": N_("campaign"),
    "heard": N_("what we heard"),
    "changes": N_("what will change"),
}
LIMIT = 200


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A detached, JSON-safe copy (dates become ISO text), so later changes cannot reach it."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def record(
    session: Session,
    *,
    actor: Actor | str,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one entry to the audit log, in the caller's unit of work."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(
        AuditEntry(
            actor=actor.email if isinstance(actor, Actor) else actor,
            action=action,
            target=target[:500],
            before=_jsonable(before),
            after=_jsonable(after),
        )
    )


def fields_of(obj: object, *names: str) -> dict[str, Any]:
    """Some attributes of a row, as the `before` or `after` of an entry."""
    return {name: getattr(obj, name) for name in names}


def roles_of(session: Session, person: Employee) -> dict[str, list[str]]:
    """A person's roles and managed departments (as paths), for role entries."""
    employee_id = person.id
    roles = session.exec(select(RoleGrant.role).where(RoleGrant.employee_id == employee_id)).all()
    scopes = session.exec(
        select(ManagerScope.department_id).where(ManagerScope.employee_id == employee_id)
    ).all()
    by_id = {n.id: n for n in load_nodes(session)} if scopes else {}
    return {
        "roles": sorted(roles),
        "departments": sorted(" > ".join(org_tree.path_of(by_id, d)) for d in scopes),
    }


def market_names(session: Session, market_ids: Iterable[int]) -> list[str]:
    """The names of internal markets (for pulse entries); none means the whole company."""
    ids = list(market_ids)
    if not ids:
        return []
    return sorted(session.exec(select(Market.name).where(col(Market.id).in_(ids))).all())


def record_export(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    wave_id: int,
    market_id: int | None = None,
    failed: bool = False,
) -> None:
    """Record that a heatmap (CSV or PNG) of a wave was produced for the actor — or, with
    `failed`, that it could not be: called once the file exists (or has failed), never when
    it is only asked for."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    if kind not in EXPORT_KINDS:
        raise InvalidInput(_("Unknown export: {value}.").format(value=kind))
    found = session.exec(
        select(Wave, Pulse).join(Pulse, col(Pulse.id) == Wave.pulse_id).where(Wave.id == wave_id)
    ).first()
    if found is None:
        raise NotFound(_("That wave no longer exists."))
    wave, pulse = found
    market = session.get(Market, market_id) if market_id is not None else None
    record(
        session,
        actor=actor,
        action=f"export.{kind}.failed" if failed else f"export.{kind}",
        target=f"{pulse.name} #{wave.number}",
        after={"wave": wave.number, "market": market.name if market else None},
    )


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    """The newest matching entries (at most `limit`) and how many matched in all."""

    rows: list[AuditRow]
    total: int
    limit: int


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_audit(
    *,
    session: Session,
    actor: Actor,
    text: str = "",
    actions: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    limit: int = LIMIT,
) -> AuditPage:
    """Entries matching the filters, newest first: text in who or target, actions, days (UTC)."""
    require_role(actor, Role.ADMIN)
    if since and until and since > until:
        raise InvalidInput(_("The start of the period is after its end."))
    where: list[ColumnElement[bool]] = []
    if needle := text.strip().lower():
        where.append(
            or_(
                func.lower(col(AuditEntry.actor)).contains(needle, autoescape=True),
                func.lower(col(AuditEntry.target)).contains(needle, autoescape=True),
            )
        )
    if actions:
        where.append(col(AuditEntry.action).in_(list(actions)))
    if since:
        where.append(col(AuditEntry.at) >= _start(since))
    if until:
        where.append(col(AuditEntry.at) < _start(until + timedelta(days=1)))
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*where)).one()
    entries = session.exec(
        select(AuditEntry)
        .where(*where)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()
    rows = [AuditRow(e.at, e.actor, e.action, e.target, e.before, e.after) for e in entries]
    return AuditPage(rows=rows, total=int(total), limit=limit)


def action_label(action: str) -> str:
    """An action's name in the current language (its code when unknown)."""
    return _(ACTIONS[action]) if action in ACTIONS else action


def _show(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def summary(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What changed, one `field: before → after` per changed field (`field: value` if new)."""
    old, new = before or {}, after or {}
    parts = []
    for key in dict.fromkeys([*new, *old]):
        label = _(FIELDS[key]) if key in FIELDS else key
        if before is None:
            parts.append(f"{label}: {_show(new.get(key))}")
        elif old.get(key) != new.get(key):
            parts.append(f"{label}: {_show(old.get(key))} → {_show(new.get(key))}")
    return "; ".join(parts)
