"""The demo company's voice: questions and objections with answers and votes, “you said, we
did” posts, HR partners and managers' coaching logs (content/demo/voice.yaml).

Everything goes through the same services as the app, so an anonymous demo item is stored
exactly like a real one: no author, its department only when 10 people could have written it.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import yaml
from sqlmodel import Session, col, select

from engagement import CONTENT_DIR
from engagement.authz import Actor, Role
from engagement.models import (
    Campaign,
    CampaignAudience,
    Department,
    Employee,
    ManagerScope,
    RoleGrant,
    Wave,
    YouSaidWeDid,
)
from engagement.services import answering, board, coaching, you_said
from engagement.services.coaching import LogDraft
from engagement.services.directory import actor_for_employee, demo_personas

VOICE = CONTENT_DIR / "demo" / "voice.yaml"
CAMPAIGNS = CONTENT_DIR / "demo" / "campaigns.yaml"


class _People:
    """Demo people looked up by department and role, deterministically."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.departments = {d.name: d.id or 0 for d in session.exec(select(Department)).all()}
        self.personas = {p.role: p.email for p in demo_personas(session=session)}
        self.persona_emails = set(self.personas.values())

    def actor(self, person: Employee, *extra: Role) -> Actor:
        actor = actor_for_employee(session=self.session, employee=person)
        return Actor(
            employee_id=actor.employee_id,
            email=actor.email,
            name=actor.name,
            roles=actor.roles | set(extra),
            managed_department_ids=actor.managed_department_ids,
            department_id=actor.department_id,
        )

    def by_email(self, email: str) -> Employee:
        return self.session.exec(select(Employee).where(Employee.email == email)).one()

    def members(self, department: str, campaign_id: int | None = None) -> list[Employee]:
        """Active people sitting in a department (not its head), the reachable ones first."""
        stmt = select(Employee).where(
            Employee.department_id == self.departments.get(department, -1),
            col(Employee.active).is_(True),
            col(Employee.email).is_not(None),
        )
        if campaign_id is not None:
            stmt = stmt.join(
                CampaignAudience,
                (col(CampaignAudience.employee_id) == Employee.id)
                & (CampaignAudience.campaign_id == campaign_id),
            )
        people = list(self.session.exec(stmt.order_by(col(Employee.external_id))).all())
        others = [p for p in people if p.email not in self.persona_emails]
        return others[1:] or others or people  # the first one is the head

    def head_of(self, department: str) -> Employee | None:
        return self.session.exec(
            select(Employee)
            .join(ManagerScope, col(ManagerScope.employee_id) == Employee.id)
            .where(ManagerScope.department_id == self.departments.get(department, -1))
            .order_by(col(Employee.external_id))
        ).first()

    def answerers(self) -> dict[str, Actor]:
        root = self.session.exec(
            select(Department.id).where(col(Department.parent_id).is_(None))
        ).first()
        ceo = self.session.exec(
            select(Employee)
            .where(Employee.department_id == root)
            .order_by(col(Employee.level).desc(), col(Employee.id))
        ).first()
        leader = self.by_email(self.personas[Role.LEADER])
        hr = self.by_email(self.personas[Role.HR])
        return {
            "ceo": self.actor(ceo or leader, Role.LEADER),
            "leader": self.actor(leader, Role.LEADER),
            "hr": self.actor(hr, Role.HR),
        }


def _campaign_ids(session: Session) -> dict[str, int]:
    """Demo campaign keys to ids, matched by their English title."""
    raw = yaml.safe_load(CAMPAIGNS.read_text(encoding="utf-8")) if CAMPAIGNS.exists() else {}
    titles = {c["title"]["en"]: c["key"] for c in (raw or {}).get("campaigns", [])}
    return {
        titles[c.title.get("en", "")]: c.id or 0
        for c in session.exec(select(Campaign)).all()
        if c.title.get("en", "") in titles
    }


def _item(
    people: _People,
    raw: dict[str, Any],
    index: int,
    today: date,
    campaigns: dict[str, int],
    answerers: dict[str, Actor],
    rng: random.Random,
) -> None:
    campaign_id = campaigns.get(raw.get("campaign", ""))
    reached = people.members(raw["from"], campaign_id) if campaign_id is not None else []
    if not reached:
        campaign_id = None  # a campaign may not reach that team (a small demo company)
    authors = reached or people.members(raw["from"])
    if not authors:
        return
    posted = today - timedelta(weeks=int(raw["weeks_ago"]), days=index % 3)
    session = people.session
    item_id = board.post_item(
        session=session,
        actor=people.actor(authors[index % len(authors)]),
        kind=raw["kind"],
        body=raw["body"],
        anonymous=bool(raw.get("anonymous")),
        pillar=raw.get("pillar"),
        campaign_id=campaign_id,
        language=raw["language"],
        today=posted,
    )
    if raw.get("answer"):
        answering.answer_item(
            session=session,
            actor=answerers[raw.get("answered_by", "leader")],
            item_id=item_id,
            answer=raw["answer"],
            today=min(today, posted + timedelta(days=int(raw.get("answered_after", 3)))),
        )
    owner = answerers[raw["owner"]].email if raw.get("owner") else None
    answering.update_item(
        session=session,
        actor=answerers["hr"],
        item_id=item_id,
        status=raw.get("status", "open"),
        pillar=board.find_item(session, item_id).pillar,
        dimension=raw.get("dimension"),
        owner_email=owner,
        decline_reason=raw.get("decline_reason"),
    )
    voters = list(
        session.exec(
            select(Employee).where(col(Employee.active).is_(True)).order_by(col(Employee.id))
        ).all()
    )  # ordered: rng.sample draws the same voters on every database
    for voter in rng.sample(voters, min(int(raw.get("votes", 0)), len(voters))):
        board.upvote_item(session=session, actor=people.actor(voter), item_id=item_id)
    if raw.get("hidden"):
        answering.hide_item(
            session=session, actor=answerers["hr"], item_id=item_id, reason=raw["hidden"]
        )


def _you_said(people: _People, raw: dict[str, Any], answerers: dict[str, Actor]) -> None:
    session = people.session
    wave = session.exec(select(Wave).where(Wave.number == int(raw["after_wave"]))).first()
    post_id = you_said.publish_you_said(
        session=session,
        actor=answerers[raw.get("by", "hr")],
        heard=raw["heard"],
        changes=raw["changes"],
        wave_id=wave.id if wave else None,
        pillar=raw.get("pillar"),
    )
    post = session.get(YouSaidWeDid, post_id)
    if post is not None and wave is not None:  # published a few days after the wave closed
        post.published_at = datetime.combine(wave.closes_on + timedelta(days=3), time(10), UTC)
        session.add(post)


def _partners(people: _People, raw: dict[str, Any], admin: Actor) -> None:
    session = people.session
    if raw["who"] == "persona":
        email = people.personas[Role.HR]
    else:
        hr_ids = select(RoleGrant.employee_id).where(RoleGrant.role == Role.HR.value)
        others = [
            p
            for p in people.members("HR Business Partners")
            if p.id in set(session.exec(hr_ids).all()) and p.email != people.personas[Role.HR]
        ]
        if not others:
            return
        email = others[(int(raw["who"]) - 1) % len(others)].email or ""
    for name in raw["departments"]:
        if name in people.departments:
            coaching.assign_hr_partner(
                session=session, actor=admin, email=email, department_id=people.departments[name]
            )


def _log(people: _People, raw: dict[str, Any], today: date) -> None:
    manager = people.head_of(raw["manager_of"])
    team = people.departments.get(raw["team"])
    if manager is None or team is None:
        return
    held = today - timedelta(weeks=int(raw["weeks_ago"]))
    follow = (
        held + timedelta(days=int(raw["follow_up_after"])) if raw.get("follow_up_after") else None
    )
    actor = people.actor(manager, Role.MANAGER)
    log_id = coaching.save_log(
        session=people.session,
        actor=actor,
        draft=LogDraft(
            department_id=team,
            held_on=held,
            dimension=raw["dimension"],
            topic=raw["topic"],
            notes=raw.get("notes", ""),
            commitments=raw.get("commitments", ""),
            follow_up_on=follow,
        ),
        today=today,
    )
    if raw.get("followed_up") and follow is not None:
        coaching.mark_followed_up(
            session=people.session, actor=actor, log_id=log_id, today=min(today, follow)
        )


def build_demo_voice(*, session: Session, today: date, seed: int = 7) -> int:
    """The board, “you said, we did”, HR partners and coaching logs; returns the items posted."""
    rng = random.Random(seed * 13 + 5)
    data = yaml.safe_load(VOICE.read_text(encoding="utf-8"))
    people = _People(session)
    answerers = people.answerers()
    campaigns = _campaign_ids(session)
    posted = 0
    for index, raw in enumerate(data["items"]):
        _item(people, raw, index, today, campaigns, answerers, rng)
        posted += 1
    for raw in data["you_said"]:
        _you_said(people, raw, answerers)
    admin = people.actor(people.by_email(people.personas[Role.ADMIN]), Role.ADMIN)
    for raw in data["hr_partners"]:
        _partners(people, raw, admin)
    for raw in data["coaching"]:
        _log(people, raw, today)
    session.flush()
    return posted
