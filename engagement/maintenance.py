"""One maintenance job at a time: migrations wait their turn, a second demo or import is told.

PostgreSQL has advisory locks; SQLite has none, so a lock file beside the database (flock)
does the same between processes of one machine — the only place SQLite is shared.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, make_url, text

from engagement.errors import AlreadyRunning


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


@contextmanager
def file_lock(database: Path, job: str, *, wait: bool, label: str = "") -> Iterator[None]:
    """Hold `<database>.<job>.lock`; wait for it, or raise AlreadyRunning(label) if taken."""
    lock_path = database.with_name(f"{database.name}.{job}.lock")
    lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise AlreadyRunning(label) from None
        yield  # the kernel releases the lock when the process dies, even by kill -9
    finally:
        os.close(fd)


def _lock_key(job: str) -> int:
    # a stable 32-bit key per job, apart from the migration lock's constant
    return zlib.crc32(f"virage.{job}".encode())


@contextmanager
def exclusive(engine: Engine, job: str, label: str) -> Iterator[None]:
    """Run a maintenance job alone on this database; AlreadyRunning(label) when one runs."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name != "postgresql":
        if path is None:  # an in-memory database belongs to one process anyway
            yield
            return
        with file_lock(path, job, wait=False, label=label):
            yield
        return
    # a session-level advisory lock on a connection of its own: released on unlock, and by
    # the server when the process dies and its connection drops
    with engine.connect() as conn:
        key = _lock_key(job)
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise AlreadyRunning(label)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
