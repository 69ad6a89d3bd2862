"""Engine, sessions and migrations. SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlmodel import Session, create_engine

from engagement import PROJECT_DIR

MIGRATIONS_DIR = PROJECT_DIR / "migrations"
# An arbitrary constant: replicas starting together take turns to migrate PostgreSQL.
_MIGRATION_LOCK_ID = 0x56495241


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=16)
def get_engine(url: str) -> Engine:
    """One engine per database URL and process."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


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


def migrate(url: str) -> None:
    """Upgrade the database to the newest schema (safe to call from several processes)."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_ID})
                conn.commit()
    else:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
