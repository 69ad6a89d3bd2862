"""Two Streamlit replicas on one PostgreSQL database, as deploy/ sets them up.

Answers come in through both at once — from two writer processes through the services, and
from browsers on each replica, the same person on both at the same moment — and nothing is
lost or doubled; what one replica records, the other shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from engagement.authz import Role
from engagement.db import get_engine, unit_of_work
from engagement.demo import build_demo_company
from engagement.models import Participation, PoolItem, Response, Wave, WaveInvite
from engagement.privacy import participant_token, wave_scope
from engagement.services import directory, pulses
from engagement.services.pulses import PulseDraft
from tests.browser.conftest import LAUNCH_ARGS, PROJECT, start_server, stop_server
from tests.conftest import fresh_pg_database

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ITEMS = ["understand_mission", "desire_success", "first_thought"]
THANKS = "recorded without your name"
# one writer: answers for the people given, one unit of work each, as the portal would
WRITER = """
import json, sys
from sqlmodel import Session
from engagement.authz import Actor
from engagement.db import get_engine
from engagement.errors import InvalidInput
from engagement.services.pulses import submit_response

url, wave_id, people = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3].split(",")]
done = {"ok": 0, "refused": 0}
with Session(get_engine(url)) as session:
    for person in people:
        actor = Actor(employee_id=person, email="", name="")
        try:
            submit_response(
                session=session, actor=actor, wave_id=wave_id, answers={"understand_mission": 4}
            )
            session.commit()
            done["ok"] += 1
        except InvalidInput:  # already answered, here or on the other replica
            session.rollback()
            done["refused"] += 1
print(json.dumps(done))
"""


@dataclass(frozen=True)
class Replicas:
    a: str
    b: str
    url: str
    wave_id: int
    personas: dict[Role, directory.Persona]


@pytest.fixture
def replicas(chromium: str, tmp_path: Path) -> Iterator[Replicas]:
    with fresh_pg_database("virage_test_replicas") as url:  # migrated once, here
        engine = get_engine(url)
        with unit_of_work(engine) as s:
            build_demo_company(session=s, employees=150, seed=7, history=False)
        with unit_of_work(engine) as s:
            personas = {p.role: p for p in directory.demo_personas(session=s)}
            hr = directory.actor_for_email(session=s, email=personas[Role.HR].email)
            draft = PulseDraft(
                name="Replica pulse", item_ids=ITEMS, start_date=date.today(), cadence="once"
            )
            pulses.create_pulse(session=s, actor=hr, draft=draft)
            pulses.open_due_waves(s, date.today())
        with Session(engine) as s:
            wave_id = int(s.exec(select(Wave.id)).one() or 0)
        env = {**os.environ, "DATABASE_URL": url, "VIRAGE_ENV": "development"}
        a, base_a = start_server(env, tmp_path / "replica-a.log")
        try:
            b, base_b = start_server(env, tmp_path / "replica-b.log")
        except BaseException:
            stop_server(a)
            raise
        try:
            yield Replicas(base_a, base_b, url, wave_id, personas)
        finally:
            stop_server(a)
            stop_server(b)
            engine.dispose()


def _my_pulse(page, base: str, who: directory.Persona) -> None:  # type: ignore[no-untyped-def]
    page.goto(base)
    page.get_by_role("button", name=f"Sign in as {who.name}").click()
    page.get_by_role("heading", name=f"Hello, {who.name}").wait_for()
    page.get_by_role("link", name="My pulse").click()
    page.get_by_role("heading", name="My pulse").wait_for()


def _answer(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("Agree", exact=True).first.click()


def test_two_replicas_share_one_database(replicas: Replicas, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    engine = get_engine(replicas.url)
    with Session(engine) as s:
        invited = sorted(
            int(e)
            for e in s.exec(
                select(WaveInvite.employee_id).where(WaveInvite.wave_id == replicas.wave_id)
            ).all()
        )
        kept = {
            directory.actor_for_email(session=s, email=p.email).employee_id
            for p in replicas.personas.values()
        }
    people = [p for p in invited if p not in kept][:110]
    # 1. two writer processes at once, 30 people in both: each person is stored once
    halves = {"a": people[:70], "b": people[40:110]}
    writers = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                replicas.url,
                str(replicas.wave_id),
                ",".join(map(str, ids)),
            ],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, ids in halves.items()
    }
    done = {name: json.loads(proc.communicate(timeout=300)[0]) for name, proc in writers.items()}
    assert sum(d["ok"] for d in done.values()) == len(people)
    assert sum(d["refused"] for d in done.values()) == 30

    # 2. in browsers: the leader sends on both replicas at the same moment; the employee
    # answers on A and the manager on B, then each opens the other replica
    leader, employee, manager = (
        replicas.personas[r] for r in (Role.LEADER, Role.EMPLOYEE, Role.MANAGER)
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        pages = {}
        for key in ("leader-a", "leader-b", "employee", "manager"):
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            pages[key] = context.new_page()
            pages[key].set_default_timeout(30_000)
        _my_pulse(pages["leader-a"], replicas.a, leader)
        _my_pulse(pages["leader-b"], replicas.b, leader)
        for key in ("leader-a", "leader-b"):
            _answer(pages[key])
        send = [
            pages[k].get_by_role("button", name="Send my answers") for k in ("leader-a", "leader-b")
        ]
        for button in send:
            button.click(no_wait_after=True)
        # one of them is thanked; the other is told it already answered, or — when the
        # other replica's answer was in before its page reran — simply finds it answered
        for key in ("leader-a", "leader-b"):
            page = pages[key]
            page.get_by_text("recorded without your name").or_(
                page.get_by_text("You have already answered this wave")
            ).or_(page.get_by_text("You answered this wave. Thank you!")).first.wait_for()
        thanked = [k for k in ("leader-a", "leader-b") if pages[k].get_by_text(THANKS).count()]
        assert len(thanked) == 1, thanked

        for who, first, other in (
            (employee, replicas.a, replicas.b),
            (manager, replicas.b, replicas.a),
        ):
            page = pages["employee" if who is employee else "manager"]
            _my_pulse(page, first, who)
            _answer(page)
            page.get_by_role("button", name="Send my answers").click()
            page.get_by_text(THANKS).wait_for()
            _my_pulse(page, other, who)  # the other replica knows it is answered
            page.get_by_text("You answered this wave. Thank you!").wait_for()
            assert page.get_by_role("button", name="Send my answers").count() == 0
        browser.close()

    # 3. in the database: one response per person who answered, nothing lost, nothing doubled
    answered = len(people) + 3
    with Session(engine) as s:
        responses = s.exec(
            select(func.count()).select_from(Response).where(Response.wave_id == replicas.wave_id)
        ).one()
        # answers reach the responses through the mixer: the rest wait sealed in the pool
        pooled = s.exec(
            select(func.count())
            .select_from(PoolItem)
            .where(PoolItem.scope == wave_scope(replicas.wave_id))
        ).one()
        tokens = set(
            s.exec(
                select(Participation.token).where(col(Participation.wave_id) == replicas.wave_id)
            ).all()
        )
        ids = [
            int(directory.actor_for_email(session=s, email=w.email).employee_id or 0)
            for w in (leader, employee, manager)
        ]
    expected = {participant_token(wave_scope(replicas.wave_id), i) for i in [*people, *ids]}
    assert responses + pooled == len(tokens) == answered and responses > 0
    assert tokens == expected
