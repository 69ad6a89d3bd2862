"""Engine, sessions and migrations. SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from engagement import PROJECT_DIR
from engagement.config import DatabaseTimeouts
from engagement.maintenance import file_lock, sqlite_path
from engagement.text_rules import check_flush

MIGRATIONS_DIR = PROJECT_DIR / "migrations"
# An arbitrary constant: replicas starting together take turns to migrate PostgreSQL.
_MIGRATION_LOCK_ID = 0x56495241
DEFAULT_TIMEOUTS = DatabaseTimeouts()
# the domain judges every string before the database sees it, on SQLite as on PostgreSQL
event.listen(OrmSession, "before_flush", check_flush)


def _sqlite_pragmas(busy_ms: int, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # the one busy timeout (it overrides the driver's `timeout` argument)
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (its WAL and shared-memory files take
    the database file's mode): answers and comments are for Virage, not every local user."""
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class _Engines:
    """One engine per database URL, timeouts and process (`get_engine(url)` is the same engine
    as `get_engine(url, DEFAULT_TIMEOUTS)`)."""

    def __call__(self, url: str, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS) -> Engine:
        return _engine(url, timeouts)

    def cache_clear(self) -> None:
        _engine.cache_clear()


get_engine = _Engines()


@lru_cache(maxsize=16)
def _engine(url: str, timeouts: DatabaseTimeouts) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _private_file(path)
        engine = create_engine(url, hide_parameters=True, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", partial(_sqlite_pragmas, timeouts.lock * 1000))
        return engine
    # -c options are applied by the server when the session starts; libpq's connect_timeout
    # also bounds a server that accepts the connection and never answers
    options = (
        f"-c statement_timeout={timeouts.statement * 1000} -c lock_timeout={timeouts.lock * 1000}"
    )
    return create_engine(
        url,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=timeouts.connect + timeouts.lock,
        connect_args={"connect_timeout": timeouts.connect, "options": options},
    )


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One user action: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    """Alembic configuration for our migrations folder and a database URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS) -> None:
    """Upgrade the database to the newest schema (safe to call from several processes)."""
    engine = get_engine(url, timeouts)
    cfg = alembic_config(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # a replica waits for another's migration, and a migration may outlast the
            # per-statement timeout: neither timeout applies to this connection until reset
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(text("SET lock_timeout = 0"))
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_ID})
                conn.execute(text("RESET statement_timeout"))
                conn.execute(text("RESET lock_timeout"))
                conn.commit()
    else:
        # SQLite has no advisory lock: a file beside the database serialises processes, or
        # `init & tick & tick` on a new file race to create the same tables
        path = sqlite_path(url)
        with (
            file_lock(path, "migrate", wait=True) if path else _nothing(),
            engine.connect() as conn,
        ):
            # a column change copies the table (batch mode): with foreign keys on, dropping
            # the old copy of a table others point at fails as soon as it holds rows. Off for
            # the migration only (it cannot change inside a transaction), checked after.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} dangling references")
            finally:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


@contextmanager
def _nothing() -> Iterator[None]:
    yield
