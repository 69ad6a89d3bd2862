"""Writing one pulse answer: its participation token, the response and the response's answers.

Answering is the hot path of a pulse (thousands of people within minutes). Statements are built
once, run on the session's connection without ORM bookkeeping, and a second answer is stopped
by ON CONFLICT DO NOTHING on the token's key — no savepoint, race-safe between processes and
replicas, and the transaction stays usable.

On PostgreSQL the three inserts are one statement (data-modifying CTEs): the response and its
answers are inserted only when the token was, so one round trip does what three did, and the
database's CPU — on a shared host, the limit under many writers — parses and plans once. SQLite
runs in-process (no round trips to save) and has no data-modifying CTEs: three statements.
Both write the same rows; the suite runs on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    true,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

from engagement.models import Answer, CheckinDay, Participation, Response

RESPONSES: Table = Response.__table__  # type: ignore[attr-defined]
ANSWERS: Table = Answer.__table__  # type: ignore[attr-defined]
PARTICIPATIONS: Table = Participation.__table__  # type: ignore[attr-defined]

_INSERT_ONCE: dict[tuple[str, str], Any] = {
    (dialect, table.name): make(table)
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
    for dialect, make in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
    for table in (PARTICIPATIONS, CheckinDay.__table__)  # type: ignore[attr-defined]
}
_INSERT_RESPONSE = insert(RESPONSES)
# RETURNING makes SQLAlchemy send the answers as one multi-row INSERT (“insertmanyvalues”)
# rather than one statement per answer
_INSERT_ANSWERS = insert(ANSWERS).returning(ANSWERS.c.item_id)


def _postgresql_write() -> Any:
    """Token, response and answers in one statement; it returns 1 if the token was new, else 0."""
    token = (
        pg_insert(PARTICIPATIONS)
        .values(wave_id=bindparam("wave_id"), token=bindparam("token"))
        .on_conflict_do_nothing()
        .returning(PARTICIPATIONS.c.wave_id)
        .cte("new_token")
    )
    # every response column comes from a parameter of its own name, but the wave comes from
    # the token's row: no token inserted, no response
    columns = [c for c in RESPONSES.c if c.name != "wave_id"]
    response = (
        insert(RESPONSES)
        .from_select(
            [c.name for c in columns] + ["wave_id"],
            sa_select(*[bindparam(c.name, type_=c.type) for c in columns], token.c.wave_id),
        )
        .returning(RESPONSES.c.id)
        .cte("new_response")
    )
    items = (
        func.unnest(
            bindparam("item_ids", type_=ARRAY(String)),
            bindparam("values", type_=ARRAY(Integer)),
            bindparam("choices", type_=ARRAY(String)),
        )
        .table_valued("item_id", "value", "choice")
        .render_derived()
    )
    answers = (
        insert(ANSWERS)
        .from_select(
            ["response_id", "item_id", "value", "choice"],
            # every item joined to the one new response (none: nothing to join)
            sa_select(response.c.id, items.c.item_id, items.c.value, items.c.choice).select_from(
                response.join(items, true())
            ),
        )
        .returning(literal_column("1"))
        .cte("new_answers")
    )
    # PostgreSQL runs every data-modifying CTE to completion, read or not
    return sa_select(func.count()).select_from(token).add_cte(answers)


_WRITE_POSTGRESQL = _postgresql_write()


def insert_once(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists (then False), even when another process races us."""
    connection = session.connection()
    stmt = _INSERT_ONCE[(connection.dialect.name, str(model.__tablename__))]
    return bool(connection.execute(stmt, values).rowcount)


def write_response(
    session: Session,
    *,
    token: dict[str, Any],
    response: dict[str, Any],
    answers: dict[str, tuple[int | None, str | None]],
) -> bool:
    """Write a participation token, its response and answers; False (nothing written) if the
    token exists already — this person answered this wave before."""
    connection: Connection = session.connection()
    if connection.dialect.name == "postgresql":
        written = connection.execute(
            _WRITE_POSTGRESQL,
            {
                **token,
                **response,
                "item_ids": list(answers),
                "values": [v for v, _c in answers.values()],
                "choices": [c for _v, c in answers.values()],
            },
        ).scalar_one()
        return bool(written)
    if not insert_once(session, Participation, token):
        return False
    connection.execute(_INSERT_RESPONSE, response)
    if answers:
        connection.execute(
            _INSERT_ANSWERS,
            [
                {"response_id": response["id"], "item_id": i, "value": v, "choice": c}
                for i, (v, c) in answers.items()
            ],
        )
    return True
