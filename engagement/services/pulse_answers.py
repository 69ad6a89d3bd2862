"""Writing one pulse answer or check-in: its participation token and, sealed, its content.

Answering is the hot path of a pulse (thousands of people within minutes). Statements are built
once, run on the session's connection without ORM bookkeeping, and a second answer is stopped
by ON CONFLICT DO NOTHING on the token's key — no savepoint, race-safe between processes and
replicas, and the transaction stays usable.

What a person answered is not written as a response here: it goes, in the same transaction as
the token, into the pool as one fixed-length AES-GCM ciphertext (engagement/pool.py), and the
mixer releases it later among at least k others (services/mixer.py). Whoever reads the
statement log or the database sees who answered, never what. On PostgreSQL the two inserts are
one statement (data-modifying CTEs): the pool item is inserted only when the token was. SQLite
runs in-process (no round trips to save) and has no data-modifying CTEs: two statements.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

from engagement.models import CheckinDay, Participation, PoolItem
from engagement.models.pulses import Snapshot, random_id
from engagement.pool import seal
from engagement.privacy import checkin_scope, wave_scope
from engagement.services import mixer

SNAPSHOT_FIELDS = tuple(Snapshot.model_fields)
PARTICIPATIONS: Table = Participation.__table__  # type: ignore[attr-defined]

_INSERT_ONCE: dict[tuple[str, str], Any] = {
    (dialect, table.name): make(table)
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
    for dialect, make in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
    for table in (PARTICIPATIONS, CheckinDay.__table__)  # type: ignore[attr-defined]
}
POOL: Table = PoolItem.__table__  # type: ignore[attr-defined]
_INSERT_POOL = insert(POOL)


def _postgresql_write() -> Any:
    """Token and sealed item in one statement; it returns 1 if the token was new, else 0."""
    token = (
        pg_insert(PARTICIPATIONS)
        .values(wave_id=bindparam("wave_id"), token=bindparam("token"))
        .on_conflict_do_nothing()
        .returning(PARTICIPATIONS.c.wave_id)
        .cte("new_token")
    )
    # the pool item is inserted only when the token was: no token inserted, nothing pooled
    pooled = (
        insert(POOL)
        .from_select(
            ["id", "kind", "scope", "batch_key", "sealed"],
            sa_select(
                bindparam("id", type_=String),
                bindparam("kind", type_=String),
                bindparam("scope", type_=String),
                bindparam("batch_key", type_=String),
                bindparam("sealed", type_=LargeBinary),
            ).select_from(token),
        )
        .returning(literal_column("1"))
        .cte("new_item")
    )
    # PostgreSQL runs every data-modifying CTE to completion, read or not
    return sa_select(func.count()).select_from(token).add_cte(pooled)


_WRITE_POSTGRESQL = _postgresql_write()


def insert_once(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists (then False), even when another process races us."""
    connection = session.connection()
    stmt = _INSERT_ONCE[(connection.dialect.name, str(model.__tablename__))]
    return bool(connection.execute(stmt, values).rowcount)


def sealed_item(
    connection: Connection, kind: str, scope: str, content: dict[str, Any], today: date
) -> dict[str, Any]:
    """A pool row: a new random id, the batch key (the digest of the snapshot as it will be
    stored, coarsened), and the content sealed for it (engagement/pool.py)."""
    _stored, batch = mixer.prepare(connection, scope, content["snapshot"], today)
    item_id = random_id()
    sealed = seal(item_id, kind, scope, content)
    return {"id": item_id, "kind": kind, "scope": scope, "batch_key": batch, "sealed": sealed}


def write_response(
    session: Session,
    *,
    token: dict[str, Any],
    response: dict[str, Any],
    answers: dict[str, tuple[int | None, str | None]],
) -> bool:
    """Write a participation token and, sealed in the pool, the response and its answers;
    False (nothing written) if the token exists already — this person answered this wave."""
    wave_id = int(token["wave_id"])
    content = {
        "wave_id": wave_id,
        "comment": response["comment"],
        "answers": [[i, v, c] for i, (v, c) in answers.items()],
        "snapshot": {name: response[name] for name in SNAPSHOT_FIELDS},
    }
    connection: Connection = session.connection()
    day = response["answered_on"]
    item = sealed_item(connection, "response", wave_scope(wave_id), content, day)
    if connection.dialect.name == "postgresql":
        return bool(connection.execute(_WRITE_POSTGRESQL, {**token, **item}).scalar_one())
    if not insert_once(session, Participation, token):
        return False
    connection.execute(_INSERT_POOL, item)
    return True


def write_checkin(
    session: Session, *, day: date, token: str, content: dict[str, Any] | None
) -> bool:
    """Write a check-in's day token and, sealed in the pool, its answer (None: dismissed);
    False (nothing written) if this person already checked in that day."""
    if not insert_once(session, CheckinDay, {"day": day, "token": token}):
        return False
    if content is not None:
        connection = session.connection()
        item = sealed_item(connection, "checkin", checkin_scope(day), content, day)
        connection.execute(_INSERT_POOL, item)
    return True
