"""The demo company's direction statements, modules and campaigns, with what people did.

The campaigns match the pulse history (engagement/demo_history.py): the mission reached
Customer Service in week 5, Sales and Marketing in week 9, Operations in week 17, and the
understanding of those divisions rises after each launch — so the lift shows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import yaml
from sqlmodel import Session, col, select

from engagement import CONTENT_DIR
from engagement.authz import Actor, Role
from engagement.markets import Criteria, MarketRules
from engagement.models import (
    CampaignAudience,
    CampaignEvent,
    CampaignReceipt,
    Department,
    Employee,
    Market,
    ModuleProgress,
)
from engagement.services import campaigns, direction
from engagement.services.directory import actor_for_employee, demo_personas
from engagement.services.modules import load_shipped_modules

DIRECTION = CONTENT_DIR / "demo" / "direction.yaml"
CAMPAIGNS = CONTENT_DIR / "demo" / "campaigns.yaml"
# English (canonical) name: French name, divisions, description per language; campaigns.yaml
# names them
DIVISION_MARKETS = {
    "Customer Service division": (
        "Division Service à la clientèle",
        ["Customer Service"],
        {
            "en": "The whole Customer Service division.",
            "fr": "Toute la division Service à la clientèle.",
        },
    ),
    "Sales & Marketing": (
        "Ventes et marketing",
        ["Sales", "Marketing"],
        {
            "en": "The Sales and Marketing divisions.",
            "fr": "Les divisions Ventes et Marketing réunies.",
        },
    ),
    "Operations division": (
        "Division des opérations",
        ["Operations"],
        {
            "en": "Production, logistics and the plants.",
            "fr": "La production, la logistique et nos usines.",
        },
    ),
}


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _person_actor(session: Session, email: str, role: Role) -> Actor:
    person = session.exec(select(Employee).where(Employee.email == email)).one()
    actor = actor_for_employee(session=session, employee=person)
    return Actor(
        employee_id=actor.employee_id,
        email=actor.email,
        name=actor.name,
        roles=actor.roles | {role},
        department_id=actor.department_id,
    )


def _authors(session: Session) -> dict[str, Actor]:
    personas = {p.role: p for p in demo_personas(session=session)}
    leader = _person_actor(session, personas[Role.LEADER].email, Role.LEADER)
    root = session.exec(select(Department.id).where(col(Department.parent_id).is_(None))).first()
    ceo_row = session.exec(
        select(Employee)
        .where(Employee.department_id == root)
        .order_by(col(Employee.level).desc(), col(Employee.id))
    ).first()
    ceo = (
        _person_actor(session, ceo_row.email, Role.LEADER) if ceo_row and ceo_row.email else leader
    )
    hr = _person_actor(session, personas[Role.HR].email, Role.HR)
    return {"ceo": ceo, "leader": leader, "hr": hr}


def _add_division_markets(session: Session) -> dict[str, int]:
    ids = {d.name: d.id for d in session.exec(select(Department)).all()}
    out = {m.name: m.id or 0 for m in session.exec(select(Market)).all()}
    for name, (french, divisions, descriptions) in DIVISION_MARKETS.items():
        depts = [i for d in divisions if (i := ids.get(d)) is not None]
        market = Market(
            name=name,
            names={"en": name, "fr": french},
            descriptions=descriptions,
            rules=MarketRules(Criteria(department_ids=depts), Criteria()).to_json(),
            created_by="demo",
        )
        session.add(market)
        session.flush()
        out[name] = market.id or 0
    return out


def _publish_direction(session: Session, authors: dict[str, Actor], today: date) -> None:
    data = yaml.safe_load(DIRECTION.read_text(encoding="utf-8"))
    for pillar, versions in data["pillars"].items():
        for version in versions:
            direction.publish_statement(
                session=session,
                actor=authors.get(version.get("published_by", "leader"), authors["leader"]),
                pillar=pillar,
                statement=version["statement"],
                note=version.get("note", {}),
                published_at=_at(today - timedelta(weeks=int(version["weeks_ago"]))),
            )


def _learning(
    session: Session,
    campaign_id: int,
    raw: dict[str, Any],
    starts: date,
    keep_open: set[int],
    rng: random.Random,
) -> None:
    """Receipts and module progress of the people a past or live campaign reached."""
    audience = session.exec(
        select(CampaignAudience.employee_id)
        .where(CampaignAudience.campaign_id == campaign_id)
        .order_by(col(CampaignAudience.employee_id))  # the same draws on every database
    ).all()
    eager = 0.6 if "Operations division" in raw["markets"] else 0.85
    modules = list(raw.get("modules", []))
    for person in audience:
        if person in keep_open or rng.random() > eager:
            continue
        opened = _at(starts + timedelta(days=rng.randint(0, 6)), rng.randint(8, 17))
        passed_all = True
        for key in modules:
            if rng.random() > 0.75:
                passed_all = False
                continue
            mine = session.get(ModuleProgress, (person, key)) or ModuleProgress(
                employee_id=person, module_key=key, version=1
            )
            mine.step, mine.completed_at = 4, opened + timedelta(hours=1)
            mine.attempts += rng.choice([1, 1, 1, 2])
            mine.last_score = rng.choice([80, 100]) if rng.random() < 0.85 else 60
            if mine.last_score >= 80:
                mine.passed_at = mine.completed_at
            else:
                passed_all = False
            session.add(mine)
            session.flush()
        acknowledged = raw.get("must_acknowledge") and rng.random() < 0.85
        if raw.get("ack_after_pass") and not passed_all:
            acknowledged = False
        session.add(
            CampaignReceipt(
                campaign_id=campaign_id,
                employee_id=person,
                opened_at=opened,
                acknowledged_at=opened + timedelta(minutes=12) if acknowledged else None,
            )
        )
    session.flush()


def build_demo_campaigns(*, session: Session, today: date, weeks: int, seed: int = 7) -> int:
    """Direction statements, the shipped modules and the demo campaigns; returns campaigns."""
    rng = random.Random(seed * 17 + 3)
    load_shipped_modules(session)
    authors = _authors(session)
    _publish_direction(session, authors, today)
    markets = _add_division_markets(session)
    monday = today - timedelta(days=today.weekday())
    first_week = monday - timedelta(weeks=weeks - 1)
    keep_open = {
        int(e.id or 0)
        for e in session.exec(
            select(Employee).where(
                col(Employee.email).in_([p.email for p in demo_personas(session=session)])
            )
        ).all()
    }
    data = yaml.safe_load(CAMPAIGNS.read_text(encoding="utf-8"))
    made = 0
    for raw in data["campaigns"]:
        starts = first_week + timedelta(weeks=int(raw["start_week"]) - 1)
        ends = starts + timedelta(days=7 * int(raw.get("weeks", 4)) - 1)
        draft = campaigns.CampaignDraft(
            title=raw["title"],
            pillar=raw["pillar"],
            message=raw["message"],
            market_ids=[markets[m] for m in raw["markets"] if m in markets],
            module_ids=list(raw.get("modules", [])),
            starts_on=starts,
            ends_on=ends,
            must_acknowledge=bool(raw.get("must_acknowledge")),
            ack_after_pass=bool(raw.get("ack_after_pass")),
        )
        campaign_id = campaigns.save_campaign(
            session=session, actor=authors["hr"], campaign_id=None, draft=draft
        )
        made += 1
        if raw.get("draft"):
            continue
        launched_on = min(starts, today)
        campaigns.launch_campaign(
            session=session, actor=authors["hr"], campaign_id=campaign_id, today=launched_on
        )
        if starts <= today:
            _learning(session, campaign_id, raw, starts, keep_open, rng)
        campaigns.advance_campaigns(session, today)
        # the lifecycle happened on the demo's dates, not today
        for event in session.exec(
            select(CampaignEvent).where(CampaignEvent.campaign_id == campaign_id)
        ).all():
            event.at = _at(
                {"draft": launched_on - timedelta(days=3), "closed": ends + timedelta(days=1)}.get(
                    event.to_status, launched_on
                )
            )
            session.add(event)
    session.flush()
    return made
