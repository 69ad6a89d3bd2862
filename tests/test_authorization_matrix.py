"""The authorization matrix: every service, called as every kind of actor, allows exactly the
roles it declares and refuses everyone else with a clear sentence — including a manager asking
about a department outside their scope. A new service without an entry here fails the test.

The README's "Who sees what" is rendered from the same table (and checked against it).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import engagement.services
from engagement.authz import SYSTEM, Actor, Role
from engagement.db import get_engine
from engagement.errors import NotAllowed, NotFound
from engagement.markets import Criteria, MarketRules
from engagement.models import Employee
from engagement.services import (
    answering,
    board,
    campaigns,
    coaching,
    direction,
    directory,
    markets,
    modules,
    pulses,
    reports,
    team_measures,
    you_said,
)
from engagement.services.board import BoardFilter
from engagement.services.campaigns import CampaignDraft
from engagement.services.coaching import LogDraft
from engagement.services.directory import EmployeeFilter
from engagement.services.pulses import PulseDraft
from tests import factories as f

PROJECT = Path(__file__).resolve().parent.parent
TODAY = date.today()
K = 5
ITEMS = ["understand_mission", "desire_success", "tools_support", "first_thought"]


# ---- the declared matrix ---------------------------------------------------------------


class Limit(StrEnum):
    """What restricts an allowed actor further (the README's "Limits" column)."""

    NONE = ""
    DEPARTMENTS = "managers: only departments they manage"
    DEPARTMENTS_SHOWN = "managers: only departments they manage (others left out)"
    REACHED = "only campaigns and pulse waves that reached the person"
    OWN = "the person's own data only"
    PRIVATE = "only its author, its team's HR partner and admins"
    OWN_LOGS = "managers: only their own logs, of teams they manage"
    PARTNERED_SHOWN = "HR: only departments they partner (others left out)"


EVERYONE = frozenset({Role.EMPLOYEE})  # everyone holds the employee role
M, H, L, A = Role.MANAGER, Role.HR, Role.LEADER, Role.ADMIN


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    limit: Limit = Limit.NONE
    note: str = ""
    system: bool = True  # False: needs a person, so the command line (every role) is refused
    hides: bool = False  # refusals may be NotFound: what you may not see does not exist for you


def rule(*roles: Role, **kw: Any) -> Rule:
    return Rule(frozenset(roles), **kw)


def everyone(**kw: Any) -> Rule:
    return Rule(EVERYONE, **kw)


MATRIX: dict[str, Rule] = {
    "answering.answer_item": rule(H, L),
    "answering.hide_item": rule(H, L),
    "answering.owner_choices": rule(H, L),
    "answering.turn_into_campaign": rule(H, L),
    "answering.update_item": rule(H, L),
    "audit.record": everyone(note="internal: the calling service has checked; no page calls it"),
    "audit.record_export": rule(M, H, L),
    "audit.search_audit": rule(A),
    "board.board_stats": rule(H, L),
    "board.list_items": everyone(note="hidden items only for HR and leaders"),
    "board.post_item": everyone(limit=Limit.REACHED, hides=True, system=False),
    "board.upvote_item": everyone(system=False),
    "campaign_analytics.campaign_funnel": rule(H, L),
    "campaign_analytics.campaign_lift": rule(H, L),
    "campaigns.acknowledge_campaign": everyone(limit=Limit.REACHED, hides=True, system=False),
    "campaigns.advance_campaigns_now": everyone(note="moves campaigns along by date"),
    "campaigns.campaign_detail": rule(H, L),
    "campaigns.campaigns_about": everyone(
        note="own data only: campaigns that reached you (HR, leaders: all)"
    ),
    "campaigns.close_campaign": rule(H, L),
    "campaigns.launch_campaign": rule(H, L),
    "campaigns.list_campaigns": rule(H, L),
    "campaigns.my_campaigns": everyone(limit=Limit.OWN),
    "campaigns.open_campaign": everyone(limit=Limit.REACHED, hides=True, system=False),
    "campaigns.pulse_choices": rule(H, L),
    "campaigns.save_campaign": rule(H, L),
    "campaigns.unschedule_campaign": rule(H, L),
    "coaching.assign_hr_partner": rule(A),
    "coaching.coached_teams": rule(M, limit=Limit.DEPARTMENTS_SHOWN),
    "coaching.list_hr_partners": rule(A),
    "coaching.mark_followed_up": rule(M, limit=Limit.OWN_LOGS, system=False),
    "coaching.my_logs": rule(M, limit=Limit.DEPARTMENTS, system=False),
    "coaching.read_log": rule(M, H, A, limit=Limit.PRIVATE),
    "coaching.readable_logs": rule(H, A, limit=Limit.PARTNERED_SHOWN),
    "coaching.remove_hr_partner": rule(A),
    "coaching.save_log": rule(M, limit=Limit.DEPARTMENTS, system=False),
    "coaching.team_nudges": rule(M, limit=Limit.DEPARTMENTS, system=False),
    "direction.current_direction": everyone(),
    "direction.history": everyone(),
    "direction.publish_statement": rule(L),
    "drivers.driver_analysis": rule(M, H, L, limit=Limit.DEPARTMENTS),
    "directory.employee_filter_options": rule(A),
    "directory.my_profile": everyone(limit=Limit.OWN, hides=True, system=False),
    "directory.org_chart": rule(
        M, H, L, A, limit=Limit.DEPARTMENTS, note="the whole company: HR, leaders, admins"
    ),
    "directory.people_choices": rule(A),
    "directory.search_employees": rule(A),
    "directory.set_language": everyone(limit=Limit.OWN),
    "markets.get_market": rule(H, L),
    "markets.list_markets": rule(H, L),
    "markets.market_snapshots": rule(H, L),
    "markets.preview_market": rule(H, L),
    "markets.rule_choices": rule(H, L),
    "markets.save_market": rule(H),
    "markets.snapshot_market": rule(H, L),
    "modules.export_module": rule(H),
    "modules.import_modules": rule(H),
    "modules.list_modules": rule(H, L),
    "modules.missing_translations": rule(H, L),
    "modules.module_for_editing": rule(H),
    "modules.my_modules": everyone(limit=Limit.OWN),
    "modules.publish_module": rule(H),
    "modules.read_module": everyone(note="published modules"),
    "modules.save_module_draft": rule(H),
    "modules.save_step": everyone(limit=Limit.OWN, system=False),
    "modules.submit_check": everyone(limit=Limit.OWN, system=False),
    "people_import.import_people": rule(A),
    "people_import.preview_import": rule(A),
    "pulses.checkin_due": everyone(limit=Limit.OWN),
    "pulses.create_pulse": rule(H),
    "pulses.list_pulses": rule(H),
    "pulses.missing_translations": rule(H),
    "pulses.my_waves": everyone(limit=Limit.OWN),
    "pulses.previous_wave_id": everyone(note="a wave's number only"),
    "pulses.rename_pulse": rule(H),
    "pulses.submit_checkin": everyone(limit=Limit.OWN, system=False),
    "pulses.submit_response": everyone(limit=Limit.REACHED, system=False),
    "reports.comments": rule(
        M, H, L, limit=Limit.DEPARTMENTS, note="managers: not the company row's comments"
    ),
    "reports.heatmap": rule(M, H, L, limit=Limit.DEPARTMENTS_SHOWN),
    "reports.previous_wave_id_for": rule(M, H, L),
    "reports.scope_of": rule(M, H, L, note="managers get their own departments only"),
    "reports.scoped": rule(M, H, L, limit=Limit.DEPARTMENTS_SHOWN),
    "reports.wave_ids_until": rule(M, H, L),
    "reports.wave_options": rule(M, H, L),
    "reports.what_we_heard": everyone(limit=Limit.OWN, note="own department and the company"),
    "roles.grant_role": rule(A),
    "roles.list_grants": rule(A),
    "roles.revoke_role": rule(A),
    "settings.privacy_settings": rule(A),
    "settings.update_privacy": rule(A),
    "translations.missing_content": rule(
        H, L, note="internal markets, pulses and modules only for HR"
    ),
    "you_said.list_you_said": everyone(),
    "you_said.publish_you_said": rule(H, L),
}


# ---- actor kinds -------------------------------------------------------------------------

ROLE_KINDS = ("employee", "manager", "hr", "leader", "admin")
MANAGER_OUTSIDE, HR_OUTSIDE, SYSTEM_KIND = "manager-outside", "hr-outside", "system"
ACTOR_OF = {MANAGER_OUTSIDE: "manager", HR_OUTSIDE: "hr"}
# refused unless the limit only leaves things out (then the result is checked instead)
SHOWN = {Limit.DEPARTMENTS_SHOWN, Limit.PARTNERED_SHOWN}
OUTSIDE_KINDS = {
    MANAGER_OUTSIDE: {
        Limit.DEPARTMENTS,
        Limit.DEPARTMENTS_SHOWN,
        Limit.REACHED,
        Limit.PRIVATE,
        Limit.OWN_LOGS,
    },
    HR_OUTSIDE: {Limit.PRIVATE, Limit.PARTNERED_SHOWN},
}


def kinds_for(r: Rule) -> list[str]:
    """Every role, the command line, and the outside cases the rule's limit calls for."""
    outside = [kind for kind, limits in OUTSIDE_KINDS.items() if r.limit in limits]
    return [*ROLE_KINDS, *outside, SYSTEM_KIND]


def is_allowed(r: Rule, kind: str) -> bool:
    if kind == SYSTEM_KIND:
        return r.system
    if kind in OUTSIDE_KINDS:
        return r.limit in SHOWN
    return Role.EMPLOYEE in r.roles or Role(kind) in r.roles


# ---- the company, built once per module and database -----------------------------------


@dataclass(frozen=True)
class Side:
    """What a call asks about: the actor's own team, or one outside their scope."""

    department_id: int
    log_id: int  # a coaching log of this team, by its manager
    campaign_id: int  # a live campaign that reached this team only (or everyone but the other)
    wave_id: int  # an open wave this team was invited to


@dataclass(frozen=True)
class Company:
    actors: dict[str, Actor]
    company_id: int
    mine: Side  # Assembly: the manager's team, the HR partner's department, Eve's team
    outside: Side  # Logistics: managed by someone else, partnered by nobody
    market_id: int
    closed_wave_id: int
    draft_campaign_id: int
    scheduled_campaign_id: int
    question_id: str  # an answered question on the board
    quiz: list[int | None]  # the right answers to the mission module's check
    pilot: dict[str, modules.ModuleText]  # texts for a module draft


def _actor(s: Session, email: str) -> Actor:
    return directory.actor_for_email(session=s, email=email)


def _campaign(s: Session, hr: Actor, market_id: int, starts_on: date, launch: bool = True) -> int:
    draft = CampaignDraft(
        title={"en": "Our customers first", "fr": "Nos clients d’abord"},
        pillar="mission",
        message={"en": "Why we change.", "fr": "Pourquoi nous changeons."},
        market_ids=[market_id],
        starts_on=starts_on,
        ends_on=TODAY + timedelta(days=14),
        must_acknowledge=True,
    )
    cid = campaigns.save_campaign(session=s, actor=hr, campaign_id=None, draft=draft)
    if launch:
        campaigns.launch_campaign(session=s, actor=hr, campaign_id=cid)
    return cid


def _log(s: Session, manager: Actor, department_id: int) -> int:
    draft = LogDraft(
        department_id=department_id,
        held_on=TODAY - timedelta(days=3),
        dimension="desire",
        topic="What the new quote process changes",
        follow_up_on=TODAY,
    )
    return coaching.save_log(session=s, actor=manager, draft=draft)


def build_company(s: Session) -> Company:
    acme = f.department(s, "Acme")
    office = f.department(s, "Head office", acme)
    ops = f.department(s, "Operations", acme, kind="division")
    assembly = f.department(s, "Assembly", ops, kind="team")
    logistics = f.department(s, "Logistics", ops, kind="team")
    people = {
        "employee": ("eve@acme.test", assembly, None),
        "manager": ("mia@acme.test", assembly, M),
        "other manager": ("lou@acme.test", logistics, M),
        "hr": ("hana@acme.test", office, H),
        "leader": ("leo@acme.test", office, L),
        "admin": ("ada@acme.test", office, A),
    }
    for kind, (email, dept, role) in people.items():
        person = f.employee(s, dept, kind.title(), email=email)
        if role is not None:
            f.grant(s, person, role, (dept,) if role is M else ())
    answering_people = [f.employee(s, assembly, f"Assembler {i}") for i in range(6)]
    answering_people += [f.employee(s, logistics, f"Driver {i}") for i in range(6)]
    s.commit()
    modules.load_shipped_modules(s)
    hr, leader, admin = (_actor(s, people[k][0]) for k in ("hr", "leader", "admin"))
    manager, lou = _actor(s, "mia@acme.test"), _actor(s, "lou@acme.test")
    company_id, mine, other = (int(d.id or 0) for d in (acme, assembly, logistics))

    def market(name: str, include: int, exclude: int | None = None) -> int:
        excluded = [exclude] if exclude is not None else []
        rules = MarketRules(Criteria(department_ids=[include]), Criteria(department_ids=excluded))
        return markets.save_market(session=s, actor=hr, name=name, rules=rules)

    but_logistics = market("Everyone but Logistics", company_id, other)
    only_logistics = market("Logistics", other)
    weekly = PulseDraft(name="Weekly pulse", item_ids=ITEMS, start_date=TODAY - timedelta(days=7))
    pulses.create_pulse(session=s, actor=hr, draft=weekly)
    pulses.open_due_waves(s, TODAY - timedelta(days=7))
    closed_wave = _wave(s, "Weekly pulse", 1)
    for person in answering_people:  # 12 in the company: enough for its comments (10)
        pulses.submit_response(
            session=s,
            actor=directory.actor_for_employee(session=s, employee=person),
            wave_id=closed_wave,
            answers={"understand_mission": 4, "desire_success": 2, "first_thought": "customer"},
            comment=f"{person.name}: the new process takes time we do not have.",
            today=TODAY - timedelta(days=6),
        )
    f.release_as_is(s, TODAY - timedelta(days=6))  # released as given (tests/test_mixer.py)
    drivers = PulseDraft(
        name="Logistics pulse", item_ids=ITEMS, start_date=TODAY, market_ids=[only_logistics]
    )
    pulses.create_pulse(session=s, actor=hr, draft=drivers)
    pulses.open_due_waves(s, TODAY)
    coaching.assign_hr_partner(session=s, actor=admin, email="hana@acme.test", department_id=mine)
    eve = _actor(s, "eve@acme.test")
    question = board.post_item(
        session=s,
        actor=eve,
        kind="question",
        body="Why does the new mission change our shifts?",
        anonymous=False,
        pillar="mission",
    )
    answering.answer_item(
        session=s, actor=leader, item_id=question, answer={"en": "Because customers call late."}
    )
    hidden = board.post_item(
        session=s,
        actor=eve,
        kind="objection",
        body="Rude words, not an objection.",
        anonymous=True,
        pillar="identity",
    )
    answering.hide_item(session=s, actor=hr, item_id=hidden, reason="Insults a colleague.")
    direction.publish_statement(
        session=s, actor=leader, pillar="mission", statement={"en": "Customers first."}, note={}
    )
    you_said.publish_you_said(
        session=s,
        actor=hr,
        heard={"en": "Tools are missing."},
        changes={"en": "New scanners."},
        wave_id=closed_wave,
    )
    mission = modules.module_for_editing(session=s, actor=hr, key="mission")
    modules.save_module_draft(
        session=s,
        actor=hr,
        key="pilot",
        pillar="mission",
        minutes=mission.minutes,
        pass_mark=mission.pass_mark,
        texts=mission.texts,
    )
    company = Company(
        actors={"employee": eve, "manager": manager, "hr": hr, "leader": leader, "admin": admin}
        | {"other manager": lou, SYSTEM_KIND: SYSTEM},
        company_id=company_id,
        mine=Side(
            mine,
            _log(s, manager, mine),
            _campaign(s, hr, but_logistics, TODAY),
            _wave(s, "Weekly pulse", 2),
        ),
        outside=Side(
            other,
            _log(s, lou, other),
            _campaign(s, hr, only_logistics, TODAY),
            _wave(s, "Logistics pulse", 1),
        ),
        market_id=but_logistics,
        closed_wave_id=closed_wave,
        draft_campaign_id=_campaign(s, hr, but_logistics, TODAY, launch=False),
        scheduled_campaign_id=_campaign(s, hr, but_logistics, TODAY + timedelta(days=1)),
        question_id=question,
        quiz=[q.correct_index for q in mission.texts["en"].quiz],
        pilot=mission.texts,
    )
    s.commit()
    return company


def _pulse_id(s: Session, name: str) -> int:
    return next(p.id for p in pulses.list_pulses(session=s, actor=SYSTEM, k=K) if p.name == name)


def _wave(s: Session, pulse: str, number: int) -> int:
    options = reports.wave_options(session=s, actor=SYSTEM, today=TODAY)
    return next(w.id for w in options if w.pulse == pulse and w.number == number)


def _empty(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """Overrides conftest's: one database per module and backend, shared by every test here.

    Each test still gets conftest's fresh `session` on it, and nothing is committed after the
    company is built: closing the session rolls each call back, so tests cannot see each other.
    """
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("matrix") / "company.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database_url")
        _empty(url)
    yield url
    if request.param == "postgresql":
        _empty(url)
    get_engine(url).dispose()
    get_engine.cache_clear()


@pytest.fixture(scope="module")
def company(database_url: str) -> Company:
    with Session(get_engine(database_url), expire_on_commit=False) as s:
        return build_company(s)


# ---- plausible arguments per service ----------------------------------------------------


@dataclass(frozen=True)
class Call:
    s: Session
    c: Company
    kind: str

    @property
    def side(self) -> Side:
        return self.c.outside if self.kind in OUTSIDE_KINDS else self.c.mine

    def report(self) -> reports.Heatmap:
        return reports.company_report(self.s, K, self.c.closed_wave_id)


def _log_draft(q: Call) -> LogDraft:
    return LogDraft(q.side.department_id, TODAY, "tools", "Scanners", follow_up_on=TODAY)


def _campaign_draft(q: Call) -> CampaignDraft:
    return CampaignDraft(
        title={"en": "A new campaign"}, pillar="strategy", message={}, market_ids=[q.c.market_id]
    )


def _csv() -> bytes:
    return b"Employee ID,Full Name,Email,Department\r\nN1,Nia New,nia@acme.test,Assembly\r\n"


Args = Callable[[Call], dict[str, Any]]
# services not listed take nothing beyond session and actor
ARGS: dict[str, Args] = {
    "answering.answer_item": lambda q: {"item_id": q.c.question_id, "answer": {"en": "Yes."}},
    "answering.hide_item": lambda q: {"item_id": q.c.question_id, "reason": "Off topic."},
    "answering.turn_into_campaign": lambda q: {"item_id": q.c.question_id},
    "answering.update_item": lambda q: {
        "item_id": q.c.question_id,
        "status": "resolved",
        "pillar": "mission",
        "dimension": "understanding",
        "owner_email": "leo@acme.test",
    },
    "audit.record": lambda q: {"action": "campaign.save", "target": "A campaign"},
    "audit.record_export": lambda q: {"kind": "heatmap_csv", "wave_id": q.c.closed_wave_id},
    "audit.search_audit": lambda q: {"text": "hana"},
    "settings.update_privacy": lambda q: {"min_group_size": 6, "comment_min": 10},
    "board.list_items": lambda q: {"filters": BoardFilter(include_hidden=True)},
    "board.post_item": lambda q: {
        "kind": "question",
        "body": "Will the campaign change our targets?",
        "anonymous": True,
        "campaign_id": q.side.campaign_id,
    },
    "board.upvote_item": lambda q: {"item_id": q.c.question_id},
    "campaign_analytics.campaign_funnel": lambda q: {"campaign_id": q.c.mine.campaign_id, "k": K},
    "campaign_analytics.campaign_lift": lambda q: {"campaign_id": q.c.mine.campaign_id, "k": K},
    "campaigns.acknowledge_campaign": lambda q: {"campaign_id": q.side.campaign_id},
    "campaigns.campaign_detail": lambda q: {"campaign_id": q.c.mine.campaign_id},
    "campaigns.close_campaign": lambda q: {"campaign_id": q.c.mine.campaign_id},
    "campaigns.launch_campaign": lambda q: {"campaign_id": q.c.draft_campaign_id},
    "campaigns.open_campaign": lambda q: {"campaign_id": q.side.campaign_id},
    "campaigns.save_campaign": lambda q: {"campaign_id": None, "draft": _campaign_draft(q)},
    "campaigns.unschedule_campaign": lambda q: {"campaign_id": q.c.scheduled_campaign_id},
    "coaching.assign_hr_partner": lambda q: {
        "email": "hana@acme.test",
        "department_id": q.c.outside.department_id,
    },
    "coaching.mark_followed_up": lambda q: {"log_id": q.side.log_id},
    "coaching.my_logs": lambda q: {"department_id": q.side.department_id},
    "coaching.read_log": lambda q: {"log_id": q.side.log_id},
    "coaching.remove_hr_partner": lambda q: {
        "email": "hana@acme.test",
        "department_id": q.c.mine.department_id,
    },
    "coaching.save_log": lambda q: {"draft": _log_draft(q)},
    "coaching.team_nudges": lambda q: {"department_id": q.side.department_id},
    "direction.history": lambda q: {"pillar": "mission"},
    "direction.publish_statement": lambda q: {
        "pillar": "identity",
        "statement": {"en": "We are the customer's advocate."},
        "note": {},
    },
    # a manager asks for their own subtrees; asking for the whole company is the outside case
    "directory.org_chart": lambda q: {"scope": "managed" if q.kind == "manager" else "company"},
    "directory.search_employees": lambda q: {"filters": EmployeeFilter(text="eve")},
    "directory.set_language": lambda q: {"language": "fr"},
    "markets.get_market": lambda q: {"market_id": q.c.market_id},
    "markets.market_snapshots": lambda q: {"market_id": q.c.market_id},
    "markets.preview_market": lambda q: {
        "rules": MarketRules(Criteria(department_ids=[q.c.mine.department_id]), Criteria()),
        "min_group_size": K,
    },
    "markets.save_market": lambda q: {
        "name": "Assemblers",
        "rules": MarketRules(Criteria(department_ids=[q.c.mine.department_id]), Criteria()),
    },
    "markets.snapshot_market": lambda q: {"market_id": q.c.market_id, "reason": "A check"},
    "modules.export_module": lambda q: {"key": "mission", "language": "en"},
    "modules.import_modules": lambda q: {
        "files": [("mission.en.md", (PROJECT / "content/modules/mission.en.md").read_bytes())]
    },
    "modules.module_for_editing": lambda q: {"key": "mission"},
    "modules.publish_module": lambda q: {"key": "pilot"},
    "modules.read_module": lambda q: {"key": "mission"},
    "modules.save_module_draft": lambda q: {
        "key": "pilot",
        "pillar": "mission",
        "minutes": 5,
        "pass_mark": 3,
        "texts": q.c.pilot,
    },
    "modules.save_step": lambda q: {"key": "mission", "step": 2},
    "modules.submit_check": lambda q: {"key": "mission", "chosen": q.c.quiz},
    "people_import.import_people": lambda q: {
        "data": _csv(),
        "file_name": "hr.csv",
        "dry_run": True,
    },
    "people_import.preview_import": lambda q: {"data": _csv(), "file_name": "hr.csv"},
    "pulses.create_pulse": lambda q: {
        "draft": PulseDraft(name="Monthly pulse", item_ids=ITEMS, start_date=TODAY)
    },
    "pulses.list_pulses": lambda q: {"k": K},
    "pulses.previous_wave_id": lambda q: {"wave_id": q.c.mine.wave_id},
    "pulses.rename_pulse": lambda q: {
        "pulse_id": _pulse_id(q.s, "Weekly pulse"),
        "names": {"en": "Weekly pulse", "fr": "Sondage de la semaine"},
    },
    "pulses.submit_checkin": lambda q: {"choice": "customer"},
    "pulses.submit_response": lambda q: {
        "wave_id": q.side.wave_id,
        "answers": {"understand_mission": 4},
    },
    "reports.comments": lambda q: {"report": q.report(), "department_id": q.side.department_id},
    "drivers.driver_analysis": lambda q: {
        "report": q.report(),
        "department_id": q.side.department_id,
        "outcome": "customer_thought",
    },
    "reports.heatmap": lambda q: {"k": K},
    "reports.previous_wave_id_for": lambda q: {"wave_id": q.c.mine.wave_id},
    "reports.scoped": lambda q: {"report": q.report()},
    "reports.wave_ids_until": lambda q: {"wave_id": q.c.mine.wave_id},
    "reports.what_we_heard": lambda q: {"wave_id": q.c.closed_wave_id, "k": K},
    "roles.grant_role": lambda q: {"email": "eve@acme.test", "role": "leader"},
    "roles.revoke_role": lambda q: {"email": "leo@acme.test", "role": "leader"},
    "you_said.publish_you_said": lambda q: {
        "heard": {"en": "Shifts are too short."},
        "changes": {"en": "Longer handovers."},
    },
}


# ---- what an allowed caller must not see -------------------------------------------------


def _other_department(rows: list[Any], q: Call, attribute: str = "department_id") -> bool:
    return any(getattr(r, attribute) == q.c.outside.department_id for r in rows)


Leak = Callable[[Any, Call], bool]
LEAKS: dict[str, Leak] = {
    "reports.heatmap": lambda r, q: q.kind.startswith("manager") and _other_department(r.rows, q),
    "reports.scoped": lambda r, q: q.kind.startswith("manager") and _other_department(r.rows, q),
    "coaching.coached_teams": lambda r, q: _other_department(r, q, "id"),
    "directory.org_chart": lambda r, q: q.kind == "manager" and _other_department(r, q, "id"),
    "coaching.readable_logs": lambda r, q: q.kind.startswith("hr") and _other_department(r, q),
    "board.list_items": lambda r, q: (
        q.kind in ("employee", "manager", "admin") and any(i.hidden for i in r)
    ),
}


# ---- the tests ---------------------------------------------------------------------------


def discovered() -> dict[str, Callable[..., Any]]:
    """Every public function of engagement.services.* that takes an `actor` keyword."""
    found: dict[str, Callable[..., Any]] = {}
    prefix = "engagement.services."
    for info in pkgutil.walk_packages(engagement.services.__path__, prefix):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue  # imported from elsewhere: declared where it lives
            actor = inspect.signature(fn).parameters.get("actor")
            if actor is not None and actor.kind in (
                actor.KEYWORD_ONLY,
                actor.POSITIONAL_OR_KEYWORD,
            ):
                found[f"{info.name.removeprefix(prefix)}.{name}"] = fn
    return found


SERVICES = discovered()


def test_every_service_is_declared() -> None:
    missing = sorted(set(SERVICES) - set(MATRIX))
    assert not missing, (
        f"Services taking an actor without an entry in MATRIX: {missing}. Declare who may call "
        "them (and their limit), give them plausible arguments in ARGS, and render the README "
        "table again (see test_readme_lists_every_service)."
    )
    assert not sorted(set(MATRIX) - set(SERVICES)), "MATRIX names services that no longer exist"
    needs_args = {name for name, fn in SERVICES.items() if _required(fn) - {"session", "actor"}}
    assert not sorted(needs_args - set(ARGS)), "give these services arguments in ARGS"
    assert set(ARGS) <= set(MATRIX), sorted(set(ARGS) - set(MATRIX))


def _required(fn: Callable[..., Any]) -> set[str]:
    parameters = inspect.signature(fn).parameters.values()
    return {p.name for p in parameters if p.default is inspect.Parameter.empty}


def test_internal_helpers_are_not_called_by_pages() -> None:
    """audit.record trusts its caller: only services (after their own check) may use it."""
    callers = [
        p.relative_to(PROJECT)
        for folder in ("pages", "engagement/ui")
        for p in sorted((PROJECT / folder).rglob("*.py"))
        if re.search(r"\baudit\.record\(", p.read_text(encoding="utf-8"))
    ]
    assert callers == []


CASES = [
    pytest.param(name, kind, id=f"{name}-{kind}")
    for name, r in MATRIX.items()
    if name in SERVICES
    for kind in kinds_for(r)
]
CLASS_NAME = re.compile(r"\b[A-Z][a-z]+[A-Z]\w*|\w+Error\b|\bTraceback\b|\bNone\b|[{}<>]")


def assert_sentence(message: str) -> None:
    """A refusal reads as one clear sentence: no traceback, class name or placeholder."""
    assert message and message == message.strip(), repr(message)
    assert message[0].isupper() or message[0] in "“«\"'", message
    assert message.endswith((".", "!", "?", "…")), message
    assert not CLASS_NAME.search(message), message
    assert "\n" not in message, message


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_service_as_every_kind_of_actor(
    session: Session, company: Company, name: str, kind: str
) -> None:
    r, call = MATRIX[name], Call(session, company, kind)
    actor = company.actors[ACTOR_OF.get(kind, kind)]
    kwargs = ARGS[name](call) if name in ARGS else {}
    service = SERVICES[name]
    if is_allowed(r, kind):
        result = service(session=session, actor=actor, **kwargs)
        leak = LEAKS.get(name)
        assert leak is None or not leak(result, call), f"{name} shows {kind} too much"
        return
    refusals: tuple[type[Exception], ...] = (NotAllowed, NotFound) if r.hides else (NotAllowed,)
    with pytest.raises(refusals) as refused:
        service(session=session, actor=actor, **kwargs)
    assert_sentence(str(refused.value))


# who sees what the limited actor must not: proves each leak check can fail
WIDER = {
    "reports.heatmap": ("hr", "manager"),
    "reports.scoped": ("hr", "manager"),
    "coaching.coached_teams": ("other manager", "manager"),
    "directory.org_chart": ("hr", "manager"),
    "coaching.readable_logs": ("admin", "hr"),
    "board.list_items": ("leader", "employee"),
}


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_each_leak_check_would_catch_a_leak(session: Session, company: Company, name: str) -> None:
    wider, limited = WIDER[name]
    kwargs = ARGS[name](Call(session, company, wider)) if name in ARGS else {}
    seen = SERVICES[name](session=session, actor=company.actors[wider], **kwargs)
    assert LEAKS[name](seen, Call(session, company, limited))


def test_a_manager_never_reads_comments_beyond_their_departments(
    session: Session, company: Company
) -> None:
    """The company row is a manager's benchmark, but its comments come from everyone."""
    report = Call(session, company, "hr").report()
    asked = {"report": report, "department_id": company.company_id}
    everyone_wrote = reports.comments(session=session, actor=company.actors["hr"], **asked)
    assert everyone_wrote and any(t.startswith("Driver") for t in everyone_wrote)
    assert reports.comments(session=session, actor=company.actors["manager"], **asked) is None


def test_a_managers_drill_down_refuses_other_departments(
    session: Session, company: Company
) -> None:
    """The drill-down and the team page read already-scoped reports: another team is refused."""
    manager = company.actors["manager"]
    mine = reports.heatmap(session=session, actor=manager, k=K, wave_id=company.closed_wave_id)
    other = company.outside.department_id
    for read in (
        lambda: reports.trend_of([mine], other),
        lambda: team_measures.team_row(mine, other),
    ):
        with pytest.raises(NotAllowed) as refused:
            read()
        assert_sentence(str(refused.value))
    assert reports.trend_of([mine], company.mine.department_id)


def test_the_company_is_what_the_matrix_assumes(session: Session, company: Company) -> None:
    """The allowed cases mean something only if the actors hold exactly their role."""
    for kind in ROLE_KINDS:
        actor = company.actors[kind]
        assert actor.roles == (frozenset() if kind == "employee" else {Role(kind)})
    assert company.actors["manager"].managed_department_ids == {company.mine.department_id}
    eve = session.get(Employee, company.actors["employee"].employee_id)
    assert eve is not None and eve.department_id == company.mine.department_id


# ---- the README's table ------------------------------------------------------------------

README_COLUMNS = (Role.EMPLOYEE, M, H, L, A)


def readme_rows() -> list[str]:
    """The README's services-by-role table, rendered from MATRIX."""
    rows = []
    for name, r in sorted(MATRIX.items()):
        ticks = [
            "✓" if Role.EMPLOYEE in r.roles or role in r.roles else "" for role in README_COLUMNS
        ]
        person = "" if r.system else "needs a person (not the command line)"
        limits = "; ".join(t for t in (r.limit.value, r.note, person) if t)
        rows.append(f"| `{name}` | " + " | ".join(ticks) + f" | {limits} |")
    return rows


def test_readme_lists_every_service() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Services by role", 1)[-1].split("\n## ", 1)[0]
    shown = [line.strip() for line in section.splitlines() if line.startswith("| `")]
    expected = readme_rows()
    missing = [row for row in expected if row not in shown]
    assert not missing, (
        "README.md “Services by role” lacks or differs on these rows (print them all with "
        "`python -c 'from tests.test_authorization_matrix import readme_rows as r; "
        "print(*r(), sep=chr(10))'`):\n" + "\n".join(missing)
    )
    assert shown == expected, "README.md “Services by role”: remove stale rows, keep the order"
