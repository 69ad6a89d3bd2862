"""Content someone would read in the other language: every kind, in one list, for HR and leaders.

People see their language and fall back to the other one with a notice; this is the list of
what would fall back, and where to complete it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from engagement.authz import Actor, Role, require_role
from engagement.coaching_guides import shipped_guides
from engagement.i18n import N_, _, display_name, localized, missing_languages
from engagement.models import BoardItem, DirectionStatement, Market, Pulse, YouSaidWeDid
from engagement.names import sort_key
from engagement.pillars import pillar_label
from engagement.questions import dimension_label
from engagement.services import campaigns, modules, pulses

KINDS = {
    "market": N_("Internal market name"),
    "market_description": N_("Internal market description"),
    "pulse": N_("Pulse survey name"),
    "question": N_("Pulse question"),
    "module": N_("Module"),
    "campaign": N_("Campaign"),
    "direction": N_("Direction statement"),
    "answer": N_("Answer on the board"),
    "you_said": N_("You said, we did"),
    "guide": N_("Conversation guide"),
}
# the page where each kind is completed
WHERE = {
    "market": "pages/markets.py",
    "market_description": "pages/markets.py",
    "pulse": "pages/pulses.py",
    "question": "pages/pulses.py",
    "module": "pages/modules.py",
    "campaign": "pages/campaigns.py",
    "direction": "pages/direction.py",
    "answer": "pages/board.py",
    "you_said": "pages/board.py",
    "guide": "content/coaching/",
}
EXCERPT = 90


@dataclass(frozen=True)
class MissingContent:
    kind: str
    item: str
    missing: list[str]  # language codes


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _newest_statements(session: Session) -> list[DirectionStatement]:
    newest: dict[str, DirectionStatement] = {}
    for row in session.exec(
        select(DirectionStatement).order_by(col(DirectionStatement.version).desc())
    ).all():
        newest.setdefault(row.pillar, row)
    return list(newest.values())


def _lacking(
    kind: str,
    rows: Iterable[Market | Pulse],
    texts: Callable[[Any], dict[str, str]],  # the texts of a row
    *,
    optional: bool = False,
) -> list[MissingContent]:
    """Internal markets or pulses whose `texts` lack a language, by name; an `optional` text
    written in no language at all is nothing to translate."""
    out = [
        MissingContent(kind, display_name(row.name, row.names), missing_languages(texts(row)))
        for row in rows
        if missing_languages(texts(row)) and (texts(row) or not optional)
    ]
    return sorted(out, key=lambda r: sort_key(r.item))


def missing_content(*, session: Session, actor: Actor) -> list[MissingContent]:
    """Every piece of content people read that lacks a language."""
    require_role(actor, Role.HR, Role.LEADER)
    out: list[MissingContent] = []
    if actor.has(Role.HR):  # markets, pulses and modules are HR's own pages
        markets = session.exec(select(Market)).all()
        out += _lacking("market", markets, lambda m: m.names)
        out += _lacking(
            "market_description",
            markets,
            lambda m: m.descriptions,
            optional=True,
        )
        out += _lacking("pulse", session.exec(select(Pulse)).all(), lambda p: p.names)
        by_item: dict[tuple[str, str], list[str]] = {}
        for m in pulses.missing_translations(session=session, actor=actor):
            by_item.setdefault((m.where, m.question), []).append(m.language)
        out += [
            MissingContent(
                "question", f"{pulse} · {_excerpt(text)}" if pulse else _excerpt(text), langs
            )
            for (pulse, text), langs in by_item.items()
        ]
        out += [
            MissingContent("module", m.title, m.missing)
            for m in modules.list_modules(session=session, actor=actor)
            if m.missing
        ]
    out += [
        MissingContent("campaign", c.title, c.missing)
        for c in campaigns.list_campaigns(session=session, actor=actor)
        if c.missing
    ]
    out += [
        MissingContent("direction", pillar_label(s.pillar), missing_languages(s.statement))
        for s in _newest_statements(session)
        if missing_languages(s.statement)
    ]
    for item in session.exec(
        select(BoardItem).where(col(BoardItem.hidden).is_(False)).order_by(col(BoardItem.id))
    ).all():
        if item.answer and missing_languages(item.answer):
            out.append(
                MissingContent("answer", _excerpt(item.body), missing_languages(item.answer))
            )
    for post in session.exec(select(YouSaidWeDid).order_by(col(YouSaidWeDid.id))).all():
        lacking = sorted(set(missing_languages(post.heard)) | set(missing_languages(post.changes)))
        if lacking:
            out.append(MissingContent("you_said", _excerpt(localized(post.heard)[0]), lacking))
    library = shipped_guides()
    guides: dict[str, list[str]] = {}
    for dimension, language in library.missing():
        guides.setdefault(dimension_label(dimension), []).append(language)
    out += [MissingContent("guide", name, langs) for name, langs in guides.items()]
    return out


def kind_label(kind: str) -> str:
    return _(KINDS[kind])
