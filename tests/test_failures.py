"""One failure path: infrastructure errors become one clear line (CLI) or Virage's own message
(portal), with an exit status by kind and an error id matching a log entry without personal
data. Real databases and real sockets: a closed port, a silent server, a held SQLite lock."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from engagement import failures
from engagement.cli import main
from engagement.config import DatabaseTimeouts
from engagement.db import get_engine, unit_of_work
from engagement.errors import AlreadyRunning, InvalidInput
from engagement.maintenance import exclusive
from engagement.models import CheckinDay, Employee
from engagement.services import pulses
from engagement.services.directory import actor_for_email, demo_personas
from tests.conftest import PROJECT
from tests.faults import closed_port, silent_server

ERROR_ID = re.compile(r"\(error id ([0-9a-f]{8})\)")
LOG_ID = re.compile(r"virage error ([0-9a-f]{8}) kind=")


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{err}"
    assert "Traceback" not in err
    return lines[0]


def test_closed_port_is_one_line_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x")
    started = time.monotonic()
    assert main(["init"]) == 4
    assert time.monotonic() - started < 10
    line = one_line(capsys.readouterr().err)
    assert line.startswith("Error: The database cannot be reached right now")
    found = ERROR_ID.search(line)
    assert found is not None
    # the bracketed log entry carries the same id, the kind and the driver's class
    assert f"[virage error {found.group(1)} kind=unavailable " in line
    assert "cause=psycopg." in line


def test_hung_database_is_one_line_within_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with silent_server() as port:
        monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
        monkeypatch.setenv("VIRAGE_DB_CONNECT_TIMEOUT", "2")
        started = time.monotonic()
        status = main(["init"])
        elapsed = time.monotonic() - started
    assert status == 4
    assert 1.5 < elapsed < 8, elapsed  # libpq's connect_timeout, not forever
    assert "cannot be reached" in one_line(capsys.readouterr().err)


def test_the_line_is_in_the_readers_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x")
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert main(["tick"]) == 4
    line = one_line(capsys.readouterr().err)
    assert line.startswith("Erreur\u00a0: La base de données est injoignable")
    assert "(identifiant d’erreur " in line


def _hold_sqlite_lock(path: Path, seconds: float) -> threading.Thread:
    """Another writer holding SQLite's exclusive lock for `seconds`."""
    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def test_a_held_sqlite_lock_is_busy_exit_5_within_the_lock_timeout(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not demo_url.startswith("sqlite"):
        pytest.skip("the SQLite lock (PostgreSQL's lock_timeout is tested below)")
    monkeypatch.setenv("VIRAGE_DB_LOCK_TIMEOUT", "1")
    with Session(get_engine(demo_url)) as s:
        email = s.exec(select(Employee.email)).first()
    holder = _hold_sqlite_lock(Path(demo_url.removeprefix("sqlite:///")), 4)
    started = time.monotonic()
    status = main(["roles", "grant", str(email), "hr"])
    elapsed = time.monotonic() - started
    holder.join()
    assert status == 5
    assert elapsed < 3.5, elapsed
    line = one_line(capsys.readouterr().err)
    assert "busy with another change" in line
    assert str(email) not in line  # the e-mail went in as a parameter: hidden everywhere


def test_an_answer_waits_out_a_lock_by_retrying(demo_url: str) -> None:
    """A check-in (idempotent by its token) survives a lock longer than the lock timeout."""
    if not demo_url.startswith("sqlite"):
        pytest.skip("the SQLite lock")
    engine = get_engine(demo_url, DatabaseTimeouts(lock=1))
    with Session(engine) as s:
        actor = actor_for_email(session=s, email=demo_personas(session=s)[0].email)
    with Session(engine) as s:
        before = len(s.exec(select(CheckinDay).where(CheckinDay.day == date.today())).all())
    holder = _hold_sqlite_lock(Path(demo_url.removeprefix("sqlite:///")), 1.8)
    attempts: list[int] = []

    def check_in() -> bool:
        attempts.append(1)
        with unit_of_work(engine) as s:
            return pulses.submit_checkin(session=s, actor=actor, choice=None)

    assert failures.retry_transient(check_in) is True
    holder.join()
    assert len(attempts) >= 2  # the first met the lock
    # and a second submission (a retry after a commit whose reply was lost) adds nothing
    assert failures.retry_transient(check_in) is False
    with Session(engine) as s:
        after = len(s.exec(select(CheckinDay).where(CheckinDay.day == date.today())).all())
    assert after == before + 1


def test_only_transient_faults_are_retried(sqlite_url: str) -> None:
    calls: list[int] = []

    def refuse() -> None:
        calls.append(1)
        raise InvalidInput("no")

    with pytest.raises(InvalidInput):
        failures.retry_transient(refuse, sleep=lambda _s: None)
    assert calls == [1]


def test_the_log_entry_and_message_hold_no_personal_data(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret_email = "amelie.tremblay@example.test"
    engine = get_engine(database_url)
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO nowhere (email) VALUES (:e)"), {"e": secret_email})
    assert secret_email not in str(caught.value)  # hide_parameters on the engine
    with caplog.at_level(logging.ERROR, logger="virage.failures"):
        failure = failures.describe(caught.value)
    assert failure.kind is failures.Kind.INTERNAL and failure.exit_status == 70
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1 and LOG_ID.match(logged[0])
    assert failure.error_id in logged[0] and failure.error_id in failure.line()
    for text_out in (*logged, failure.message, failure.line()):
        assert secret_email not in text_out and "nowhere" not in text_out


@pytest.mark.postgres
def test_postgresql_statement_and_lock_timeouts_are_kinds(pg_database_url: str) -> None:
    engine = get_engine(pg_database_url, DatabaseTimeouts(statement=1))
    with pytest.raises(DBAPIError) as slow, engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(3)"))
    assert failures.kind_of(slow.value) is failures.Kind.TIMEOUT
    assert failures.describe(slow.value).exit_status == 5
    with get_engine(pg_database_url).connect() as holder:
        holder.execute(text("LOCK TABLE department IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        waiting = get_engine(pg_database_url, DatabaseTimeouts(statement=30, lock=1))
        with pytest.raises(DBAPIError) as locked, waiting.connect() as conn:
            conn.execute(text("SELECT count(*) FROM department"))
        assert time.monotonic() - started < 3
        holder.rollback()
    assert failures.kind_of(locked.value) is failures.Kind.BUSY


@pytest.mark.parametrize("command", [["demo", "--employees", "60"], ["import-people", "x.csv"]])
def test_a_second_demo_or_import_is_told_another_runs(
    database_url: str,
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("external_id,department\n1,Sales\n", encoding="utf-8")
    job, label = ("demo", "demo build") if command[0] == "demo" else ("import-people", "import")
    with exclusive(get_engine(database_url), job, label):
        assert main(command) == 6
    line = one_line(capsys.readouterr().err)
    assert f"Another {label}" in line and "is running on this database" in line
    assert main(command) == 0  # once the first is done, it runs


def test_already_running_is_its_own_kind() -> None:
    assert failures.describe(AlreadyRunning("demo build")).exit_status == 6


def test_the_portal_shows_virages_message_not_a_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x")
    monkeypatch.delenv("VIRAGE_ENV", raising=False)
    at = AppTest.from_string((PROJECT / "app.py").read_text(encoding="utf-8"), default_timeout=30)
    at.run()
    assert not at.exception  # Streamlit's own error box
    errors = [str(e.value) for e in at.error]
    assert any("The database cannot be reached right now" in e for e in errors), errors
    captions = " ".join(str(c.value) for c in at.caption)
    assert re.search(r"Error id [0-9a-f]{8}", captions), captions


def test_streamlit_shows_no_details_links_nor_toolbar_export() -> None:
    config = (PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'showErrorDetails = "none"' in config
    assert "showErrorLinks = false" in config
    assert "disableDataExport = true" in config
