"""The statement log, read by an attacker: who answered, yes; what each one answered, no.

Every statement and parameter the database receives is recorded per connection and in order
(an SQLAlchemy event listener sees what `log_statement = 'all'` would) while a morning runs:
people arriving in clusters and alone, comments, check-ins. The attacker holds that record,
the database with its storage order, and every named row (the directory). Without the key:
each released row must stay among at least k of the people whose submissions its batch held.
With the key but no log, after the release and a VACUUM: no pooled ciphertext is left to open.
The same attacker against immediate release (what direct writes amounted to) names people —
so the test can fail.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, select

from engagement.authz import Actor, Role
from engagement.models import Checkin, Department, Employee, Response, Wave
from engagement.privacy import checkin_scope, wave_scope
from engagement.services import mixer, pulses
from engagement.services.pulses import SNAPSHOT_COLUMNS, PulseDraft, snapshot_of
from tests import factories as f

MONDAY = date(2026, 11, 2)
K = 5


@dataclass
class Log:
    """What the database received: (connection, transaction, statement, parameters)."""

    entries: list[tuple[int, int, str, str]] = field(default_factory=list)
    transactions: dict[int, int] = field(default_factory=dict)

    def attach(self, engine: Engine) -> None:
        def record(
            conn: Any, _cursor: Any, statement: str, params: Any, context: Any, _many: bool
        ) -> None:
            # the values as sent, with their names where SQLAlchemy knows them (SQLite's
            # driver takes them by position; the log would show them in the same order)
            named = getattr(context, "compiled_parameters", None) or params
            key = id(conn.connection.dbapi_connection)
            self.entries.append((key, self.transactions.get(key, 0), statement, repr(named)))

        def end(conn: Any) -> None:
            key = id(conn.connection.dbapi_connection)
            self.transactions[key] = self.transactions.get(key, 0) + 1

        event.listen(engine, "before_cursor_execute", record)
        event.listen(engine, "commit", end)
        event.listen(engine, "rollback", end)


def _company(session: Session) -> dict[str, Any]:
    """About 40 people: two large departments, a small team, a lone specialist."""
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme)
    ops = f.department(session, "Ops", acme)
    lab = f.department(session, "Lab", ops)
    hr = f.employee(session, acme, "Hana HR", email="hana@acme.test")
    f.grant(session, hr, Role.HR)
    people = [
        f.employee(
            session,
            sales,
            f"Seller {i}",
            email=f"s{i}@acme.test",
            customer_facing=True,
            location=("Montréal", "Québec")[i % 2],
            hire_date=date(2015 + i % 8, 1, 1),
        )
        for i in range(16)
    ]
    people += [
        f.employee(session, ops, f"Maker {i}", email=f"m{i}@acme.test", level=1 + i % 3)
        for i in range(14)
    ]
    people += [f.employee(session, lab, f"Chemist {i}", email=f"c{i}@acme.test") for i in range(3)]
    session.commit()
    return {"hr": hr, "people": people}


def _morning(session: Session, people: list[Employee], immediate: bool) -> None:
    """Clusters arriving in the same second, people alone; comments and check-ins; the mixer
    after each submission as the portal runs it (or, `immediate`, each answer released alone)."""
    hr = Actor(
        employee_id=people[0].id, email="hana@acme.test", name="", roles=frozenset({Role.HR})
    )
    draft = PulseDraft(
        name="Pulse", item_ids=["understand_mission", "first_thought"], start_date=MONDAY
    )
    pulses.create_pulse(session=session, actor=_hr(session), draft=draft)
    pulses.open_due_waves(session, MONDAY)
    session.commit()
    del hr
    wave = session.exec(select(Wave)).one()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    arrivals = [people[i : i + n] for i, n in _clusters(len(people))]
    for cluster in arrivals:
        for person in cluster:
            actor = Actor(employee_id=person.id, email=person.email or "", name=person.name)
            pulses.submit_response(
                session=session,
                actor=actor,
                wave_id=wave.id or 0,
                answers={"understand_mission": 1 + (person.id or 0) % 5},
                comment=f"{person.name} thinks the rollout is rushed"
                if person.id % 3 == 0
                else None,  # type: ignore[operator]
                today=MONDAY,
            )
            session.commit()
            _release(engine, wave_scope(wave.id or 0), immediate)
            pulses.submit_checkin(session=session, actor=actor, choice="customer", today=MONDAY)
            session.commit()
            _release(engine, checkin_scope(MONDAY), immediate)
    # the day after the wave closed: tick
    mixer.release(engine, k=1 if immediate else K, today=wave.closes_on + timedelta(days=1))


def _hr(session: Session) -> Actor:
    from engagement.services import directory

    return directory.actor_for_email(session=session, email="hana@acme.test")


def _clusters(n: int) -> list[tuple[int, int]]:
    sizes = itertools.cycle([3, 1, 5, 1, 2, 4, 1])
    out, i = [], 0
    while i < n:
        size = min(next(sizes), n - i)
        out.append((i, size))
        i += size
    return out


def _release(engine: Engine, scope: str, immediate: bool) -> None:
    if immediate:
        mixer.release(engine, k=1, today=MONDAY, scopes=[scope])
    else:
        mixer.release_if_due(engine, scope=scope, k=K, today=MONDAY)


def _consistent(person: dict[str, Any], row: Any, ancestors: dict[int, set[int]]) -> bool:
    """Whether a stored row could be this person's: its department is theirs or above it,
    and every attribute it kept is theirs."""
    if row.department_id not in ancestors[person["department_id"]]:
        return False
    for name in (
        "location",
        "job_family",
        "level",
        "tenure_band",
        "customer_facing",
        "people_manager",
    ):
        if getattr(row, name) is not None and getattr(row, name) != person[name]:
            return False
    return not row.extra or row.extra == person["extra"]


def _attack(session: Session, log: Log) -> list[int]:
    """For every released response and check-in: how many people the attacker is left with."""
    by_id = {
        int(row[0]): snapshot_of(row[1:], MONDAY)
        for row in session.connection().execute(select(Employee.id, *SNAPSHOT_COLUMNS))
    }
    parents = {d.id: d.parent_id for d in session.exec(select(Department)).all()}
    ancestors: dict[int, set[int]] = {}
    for start in parents:
        chain, node = set(), start
        while node is not None:
            chain.add(node)
            node = parents[node]
        ancestors[start] = chain  # type: ignore[index]
    # 1. who put which pool item in: the person the same connection read just before
    owner: dict[str, int] = {}
    last_person: dict[int, int] = {}
    for conn, _txn, statement, params in log.entries:
        found = re.search(r"'employee_id(?:_\d+)?': (\d+)", params)
        if found:
            last_person[conn] = int(found.group(1))
        if "INSERT INTO poolitem" in statement:
            item = params.split("'id': '", 1)[1].split("'", 1)[0]
            owner[item] = last_person[conn]  # the check-in reads the person first, too
    # 2. which items each release took, and which rows it wrote: one transaction
    sizes = []
    rows = list(session.exec(select(Response)).all()) + list(session.exec(select(Checkin)).all())
    for row in rows:
        writer = next((c, t) for c, t, s, p in log.entries if "INSERT INTO" in s and row.id in p)
        batch = {
            owner[item]
            for c, t, s, p in log.entries
            if (c, t) == writer and s.startswith("DELETE FROM poolitem")
            for item in owner
            if item in p
        }
        candidates = {p for p in batch if _consistent(by_id[p], row, ancestors)}
        assert candidates, "the released row must be someone's in its batch"
        sizes.append(len(candidates))
    return sizes


@pytest.mark.parametrize("immediate", [False, True], ids=["mixed", "released-at-once"])
def test_the_statement_log_narrows_no_released_row_below_k(
    session: Session, immediate: bool
) -> None:
    mixer.forget_populations()
    company = _company(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    log = Log()
    log.attach(engine)
    _morning(session, company["people"], immediate)
    session.expire_all()
    sizes = _attack(session, log)
    assert len(sizes) > 40  # responses and check-ins were released
    if immediate:
        # today's writes, as the issue found them: most rows named outright
        assert min(sizes) == 1 and sizes.count(1) > len(sizes) // 2
    else:
        assert min(sizes) >= K, sorted(sizes)[:10]


def test_with_the_key_but_no_log_nothing_sealed_is_left_after_release_and_vacuum(
    session: Session,
) -> None:
    mixer.forget_populations()
    company = _company(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    sealed: list[bytes] = []

    def keep(_conn: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
        if "INSERT INTO poolitem" in statement:
            sealed.append(context.compiled_parameters[0]["sealed"])

    event.listen(engine, "before_cursor_execute", keep)
    _morning(session, company["people"], immediate=False)
    assert len(sealed) > 40
    per_scope = dict(
        session.exec(text("SELECT scope, count(*) FROM poolitem GROUP BY scope")).all()  # type: ignore[call-overload]
    )
    remaining = sum(per_scope.values())
    session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.exec_driver_sql("VACUUM FULL poolitem")
            auto.exec_driver_sql("CHECKPOINT")  # the pages on disk, where a copy would read them
            files = [
                conn.exec_driver_sql(
                    "SELECT pg_read_binary_file(pg_relation_filepath(c.oid)) FROM pg_class c "
                    f"WHERE c.oid = '{relation}'::regclass"
                ).scalar_one()
                for relation in ("poolitem",)
            ] + [
                conn.exec_driver_sql(
                    "SELECT pg_read_binary_file(pg_relation_filepath(reltoastrelid)) "
                    "FROM pg_class WHERE oid = 'poolitem'::regclass"
                ).scalar_one()
            ]
        content = b"".join(bytes(x) for x in files)
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with open(str(engine.url.database), "rb") as handle:
            content = handle.read()
    # what stays sealed (fewer than k in the whole scope) is what is still in the pool
    left = [s for s in sealed if s[12:60] in content]
    assert len(left) == remaining and all(n < K for n in per_scope.values())


def test_the_readme_threat_model_names_tests_that_exist() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Threat model") :]
    section = section[: section.index("\n### ", 1)] if "\n### " in section[1:] else section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) >= 7  # the header and one row per holder
    named = set(re.findall(r"`(tests/[\w/]+\.py)`", section))
    assert "tests/test_statement_log.py" in named and "tests/test_mixer.py" in named
    for path in named:
        assert (Path(__file__).resolve().parent.parent / path).exists(), path
    # the collusion that breaks the promise is said, and what is not done yet
    assert "this collusion breaks the promise" in section
    assert "anonymous board posts and upvotes are still written" in section
