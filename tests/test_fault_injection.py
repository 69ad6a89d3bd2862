"""Faults as tests: backends terminated during answers, an import and a wave's close; a TCP
proxy that drops, delays and hangs connections; an exclusive SQLite lock; kill -9 during an
import. Nothing half-written, every answer stored exactly once, no raw error reaches a person.

Each test adds its figures to test-artifacts/fault-figures.json: the README's table
("Faults survived") is written from them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, make_url, text
from sqlmodel import Session, select

from engagement import failures
from engagement.authz import SYSTEM, Actor, Role
from engagement.config import DatabaseTimeouts
from engagement.db import get_engine, unit_of_work
from engagement.errors import InvalidInput, VirageError
from engagement.measures import rollups
from engagement.models import Answer, Employee, Participation, Response, Wave
from engagement.services import directory, mixer, pulses
from engagement.services import people_import as import_service
from engagement.services.pulses import PulseDraft
from tests import factories
from tests.conftest import PG_URL, PROJECT, fresh_pg_database
from tests.faults import proxy_to

ARTIFACTS = PROJECT / "test-artifacts"
FIGURES = ARTIFACTS / "fault-figures.json"
ITEM = "understand_mission"
WRITERS = 8
PER_WRITER = 30  # 240 answers in all
FAST = DatabaseTimeouts(connect=2, statement=10, lock=2)


def record(name: str, **figures: Any) -> None:
    """Add this test's figures to the file the README's table is written from."""
    ARTIFACTS.mkdir(exist_ok=True)
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[name] = figures
    FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database("virage_faults") as url:
        yield url


def company(url: str, people: int, start: date | None = None) -> tuple[int, list[Actor]]:
    """A department of `people`, an HR person, a weekly pulse and its open wave."""
    start = start or date.today()
    with unit_of_work(get_engine(url)) as s:
        dept = factories.department(s, "Plant")
        factories.grant(s, factories.employee(s, dept, "Hana HR", email="hana@x.test"), Role.HR)
        for i in range(people):
            factories.employee(s, dept, f"Worker {i}", email=f"w{i}@x.test")
    with unit_of_work(get_engine(url)) as s:
        hr = directory.actor_for_email(session=s, email="hana@x.test")
        draft = PulseDraft(name="Pulse", item_ids=[ITEM], start_date=start)
        pulses.create_pulse(session=s, actor=hr, draft=draft)
    with unit_of_work(get_engine(url)) as s:
        pulses.open_due_waves(s, start)
        wave_id = int(s.exec(select(Wave.id)).one())
        actors = [directory.actor_for_email(session=s, email=f"w{i}@x.test") for i in range(people)]
    return wave_id, actors


class Terminator:
    """Terminate every other backend of a PostgreSQL database every `every` seconds."""

    def __init__(self, url: str, every: float = 0.25) -> None:
        self.database = make_url(url).database
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        self.every = every
        self.terminated = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.admin.connect() as conn:
            while not self._stop.wait(self.every):
                self.terminated += (
                    conn.execute(
                        text(
                            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                            "FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
                        ),
                        {"d": self.database},
                    ).scalar()
                    or 0
                )

    def __enter__(self) -> Terminator:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.admin.dispose()


def answer_all(
    engine_url: str, wave_id: int, actors: list[Actor], timeouts: DatabaseTimeouts = FAST
) -> Counter[str]:
    """8 writers answering for `actors`, each answer retried as the portal does; the outcome
    of each: stored, stored before (a retry after a commit whose reply was lost), or the
    failure a person would read."""
    engine = get_engine(engine_url, timeouts)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def one(actor: Actor) -> str:
        def attempt() -> bool:
            with unit_of_work(engine) as s:
                return pulses.submit_response(
                    session=s, actor=actor, wave_id=wave_id, answers={ITEM: 4}
                )

        try:
            failures.retry_transient(attempt)
            return "stored"
        except InvalidInput as exc:
            return "stored before" if "already answered" in str(exc) else f"refused: {exc}"
        except VirageError as exc:
            return f"refused: {exc}"
        except Exception as exc:
            failure = failures.describe(exc)  # what a person would read: never raw
            return f"told: {failure.kind.value}"

    def writer(chunk: list[Actor]) -> None:
        for actor in chunk:
            result = one(actor)
            with lock:
                outcomes[result] += 1

    chunks = [actors[i::WRITERS] for i in range(WRITERS)]
    threads = [threading.Thread(target=writer, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def stored(url: str, wave_id: int) -> tuple[int, int, int]:
    """(tokens, responses, answers) of a wave: equal when nothing is half-written (the pool
    released first, as it is, k = 1: the mixer's own rules are tested in test_mixer.py)."""
    mixer.release(get_engine(url), k=1)
    with Session(get_engine(url)) as s:
        tokens = s.exec(
            select(func.count()).select_from(Participation).where(Participation.wave_id == wave_id)
        ).one()
        responses = s.exec(
            select(func.count()).select_from(Response).where(Response.wave_id == wave_id)
        ).one()
        answers = s.exec(select(func.count()).select_from(Answer)).one()
    return int(tokens), int(responses), int(answers)


@pytest.mark.postgres
def test_answers_survive_backends_terminated_every_quarter_second(pg_url: str) -> None:
    wave_id, actors = company(pg_url, WRITERS * PER_WRITER)
    started = time.monotonic()
    with Terminator(pg_url) as killer:
        outcomes = answer_all(pg_url, wave_id, actors)
    seconds = time.monotonic() - started
    assert killer.terminated >= 3, killer.terminated  # the faults did happen
    assert set(outcomes) <= {"stored", "stored before"}, outcomes
    assert stored(pg_url, wave_id) == (len(actors), len(actors), len(actors))  # exactly once
    record(
        "terminated during answers",
        writers=WRITERS,
        answers=len(actors),
        backends_terminated=killer.terminated,
        stored_once=len(actors),
        raw_errors=0,
        seconds=round(seconds, 1),
    )


@pytest.mark.postgres
def test_answers_survive_a_proxy_that_drops_connections(pg_url: str) -> None:
    wave_id, actors = company(pg_url, WRITERS * PER_WRITER)
    with proxy_to(pg_url) as proxy:
        stop = threading.Event()

        def cut() -> None:
            while not stop.wait(0.3):
                proxy.drop()

        cutter = threading.Thread(target=cut, daemon=True)
        cutter.start()
        outcomes = answer_all(proxy.url(pg_url), wave_id, actors)
        stop.set()
        cutter.join(5)
        get_engine(proxy.url(pg_url), FAST).dispose()
    assert proxy.dropped >= 3, proxy.dropped
    assert set(outcomes) <= {"stored", "stored before"}, outcomes
    assert stored(pg_url, wave_id) == (len(actors), len(actors), len(actors))
    record(
        "connections dropped by a proxy",
        answers=len(actors),
        connections_dropped=proxy.dropped,
        stored_once=len(actors),
        raw_errors=0,
    )


@pytest.mark.postgres
def test_answers_through_a_slow_network_and_a_hung_one(pg_url: str) -> None:
    wave_id, actors = company(pg_url, 24)
    with proxy_to(pg_url) as proxy:
        url = proxy.url(pg_url)
        proxy.delay = 0.02  # 20 ms per packet each way
        outcomes = answer_all(url, wave_id, actors[:16])
        assert outcomes == Counter({"stored": 16})
        # then the network hangs: new connections are accepted and never answered
        proxy.mode = "hang"
        proxy.drop()
        get_engine(url, FAST).dispose()
        started = time.monotonic()
        hung = answer_all(url, wave_id, actors[16:17])
        waited = time.monotonic() - started
        get_engine(url, FAST).dispose()
    assert hung == Counter({"told: unavailable": 1})
    # connect timeout (2 s) per attempt, retries within their budget: never for ever
    assert waited < failures.RETRY_BUDGET + 2 * FAST.connect + 2, waited
    assert stored(pg_url, wave_id)[:2] == (16, 16)
    record(
        "slow and hung network",
        answers_through_delay=16,
        delay_ms=20,
        hung_told_within_s=round(waited, 1),
    )


def _people_csv(n: int, prefix: str = "P") -> bytes:
    lines = ["external_id,name,email,department"]
    lines += [
        f"{prefix}{i},Person {i},{prefix.lower()}{i}@x.test,Plant > Line {i % 20}" for i in range(n)
    ]
    return ("\n".join(lines) + "\n").encode()


def _employees(url: str) -> int:
    with Session(get_engine(url)) as s:
        return int(s.exec(select(func.count()).select_from(Employee)).one())


@pytest.mark.postgres
def test_an_import_under_terminated_backends_is_all_or_nothing(pg_url: str) -> None:
    people = 3000
    data = _people_csv(people)
    outcomes: list[str] = []
    with Terminator(pg_url, every=0.25) as killer:
        for _round in range(3):
            try:
                with unit_of_work(get_engine(pg_url, FAST)) as s:
                    import_service.import_people(
                        session=s, actor=SYSTEM, data=data, file_name="p.csv"
                    )
                outcomes.append("imported")
                break
            except VirageError:
                raise
            except Exception as exc:
                outcomes.append(failures.describe(exc).kind.value)
                assert _employees(pg_url) == 0  # nothing half-written
    assert killer.terminated >= 1
    assert set(outcomes) <= {"imported", "connection-lost", "unavailable"}, outcomes
    if "imported" not in outcomes:  # once the faults stop, the same file goes in whole
        with unit_of_work(get_engine(pg_url, FAST)) as s:
            import_service.import_people(session=s, actor=SYSTEM, data=data, file_name="p.csv")
    assert _employees(pg_url) == people
    record(
        "terminated during an import",
        people=people,
        attempts=len(outcomes),
        interrupted=len([o for o in outcomes if o != "imported"]),
        backends_terminated=killer.terminated,
        half_written=0,
    )


def _closed(url: str, wave_id: int) -> tuple[bool, int]:
    """Whether the wave's roll-up is stored, and how many department tallies it has."""
    with get_engine(url, FAST).connect() as conn:
        closed = conn.execute(
            text("SELECT count(*) FROM waverollup WHERE wave_id = :w"), {"w": wave_id}
        ).scalar()
        tallies = conn.execute(
            text("SELECT count(*) FROM departmenttally WHERE wave_id = :w"), {"w": wave_id}
        ).scalar()
    return bool(closed), int(tallies or 0)


@pytest.mark.postgres
def test_a_wave_close_terminated_midway_is_all_or_nothing(pg_url: str) -> None:
    """The backend is terminated inside the close's transaction, after the roll-up row and
    before the commit (deterministic); then the close runs again as `tick` would."""
    start = date.today() - timedelta(days=21)
    wave_id, actors = company(pg_url, 60, start=start)
    with unit_of_work(get_engine(pg_url)) as s:
        for actor in actors:
            pulses.submit_response(
                session=s, actor=actor, wave_id=wave_id, answers={ITEM: 3}, today=start
            )
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    told = ""
    try:
        with unit_of_work(get_engine(pg_url, FAST)) as s:
            rollups.store(s, s.get(Wave, wave_id))  # type: ignore[arg-type]
            assert s.exec(text("SELECT count(*) FROM waverollup")).scalar() == 1  # type: ignore[call-overload]
            pid = s.exec(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[call-overload]
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    except Exception as exc:
        told = failures.describe(exc).kind.value
    finally:
        admin.dispose()
    assert told == "connection-lost"
    assert _closed(pg_url, wave_id) == (False, 0)  # nothing half-written
    with unit_of_work(get_engine(pg_url, FAST)) as s:
        rollups.store(s, s.get(Wave, wave_id))  # type: ignore[arg-type]
    closed, tallies = _closed(pg_url, wave_id)
    assert closed and tallies >= 1
    record("terminated during a wave close", terminated_midway=1, half_written=0, closed_after=1)


def test_answers_wait_out_an_exclusive_sqlite_lock(sqlite_url: str) -> None:
    if not sqlite_url.startswith("sqlite"):
        pytest.skip("the SQLite lock")
    wave_id, actors = company(sqlite_url, WRITERS * PER_WRITER)
    path = make_url(sqlite_url).database or ""
    held = threading.Event()
    hold_s = 4.0

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(hold_s)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    outcomes = answer_all(sqlite_url, wave_id, actors, DatabaseTimeouts(lock=1))
    holder.join()
    assert outcomes == Counter({"stored": len(actors)}), outcomes
    assert stored(sqlite_url, wave_id) == (len(actors), len(actors), len(actors))
    record(
        "exclusive SQLite lock",
        answers=len(actors),
        lock_held_s=hold_s,
        busy_timeout_s=1,
        stored_once=len(actors),
        raw_errors=0,
    )


def _kill_import(url: str, csv_path: Path, after: float) -> int:
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engagement", "import-people", str(csv_path)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(30)


@pytest.mark.parametrize("after", [3.0, 6.0])
def test_kill_9_during_an_import_leaves_all_or_nothing(
    sqlite_url: str, tmp_path: Path, after: float
) -> None:
    people = 12_000
    csv_path = tmp_path / "people.csv"
    csv_path.write_bytes(_people_csv(people))
    status = _kill_import(sqlite_url, csv_path, after)
    count = _employees(sqlite_url)
    assert count in (0, people), count  # all or nothing
    # the import lock went with the process: the same file goes in now
    env = {**os.environ, "DATABASE_URL": sqlite_url}
    again = subprocess.run(
        [sys.executable, "-m", "engagement", "import-people", str(csv_path)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert again.returncode == 0, again.stderr
    assert _employees(sqlite_url) == people
    record(
        f"kill -9 during an import after {after} s",
        people=people,
        killed=status == -signal.SIGKILL,
        found_after_kill=count,
        half_written=0,
    )
