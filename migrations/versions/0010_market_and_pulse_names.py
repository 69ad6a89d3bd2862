"""market and pulse names per language, market descriptions per language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:04:36.085420
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from engagement.downgrades import refuse_to_lose

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("market", "pulse")
LANGUAGES = ("en", "fr")


def _backfill(table_name: str) -> None:
    """Every name so far was written in English: it becomes the English name."""
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("names", sa.JSON()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.id, table.c.name)).all()
    if rows:
        connection.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(names=sa.bindparam("row_names", type_=sa.JSON())),
            [{"row_id": row_id, "row_names": {"en": name}} for row_id, name in rows],
        )


MARKET = sa.table(
    "market",
    sa.column("id", sa.Integer()),
    sa.column("description", sa.String()),
    sa.column("descriptions", sa.JSON()),
)


def _backfill_descriptions() -> None:
    """Every description so far was written in English: it becomes the English description."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(MARKET.c.id, MARKET.c.description).where(MARKET.c.description != "")
    ).all()
    if rows:
        connection.execute(
            sa.update(MARKET)
            .where(MARKET.c.id == sa.bindparam("row_id"))
            .values(descriptions=sa.bindparam("row_texts", type_=sa.JSON())),
            [{"row_id": row_id, "row_texts": {"en": text}} for row_id, text in rows],
        )


def _restore_descriptions() -> None:
    """Back to one description: the English one, else the French one (nothing is lost that
    the previous release could show)."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(MARKET.c.id, MARKET.c.descriptions)).all()
    restored = [
        {"row_id": row_id, "row_text": text}
        for row_id, texts in rows
        if (text := next((texts[lang] for lang in LANGUAGES if (texts or {}).get(lang)), ""))
    ]
    if restored:
        connection.execute(
            sa.update(MARKET)
            .where(MARKET.c.id == sa.bindparam("row_id"))
            .values(description=sa.bindparam("row_text")),
            restored,
        )


def upgrade() -> None:
    # NOT NULL with a constant default is a plain ALTER TABLE on SQLite too: no table copy,
    # which SQLite could not do here anyway (other tables' foreign keys point at both)
    for name in TABLES:
        with op.batch_alter_table(name, schema=None, recreate="never") as batch_op:
            batch_op.add_column(sa.Column("names", sa.JSON(), nullable=False, server_default="{}"))
        _backfill(name)
    # market.description stays, read by nothing: replicas of the previous release still select
    # it while a rolling upgrade runs (a later release drops it)
    with op.batch_alter_table("market", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("descriptions", sa.JSON(), nullable=False, server_default="{}")
        )
    _backfill_descriptions()


def _texts_lost() -> int:
    """Names and descriptions the previous release cannot hold: a name in a language other
    than the canonical one, a French description beside an English one."""
    connection = op.get_bind()
    lost = 0
    for name in TABLES:
        table = sa.table(name, sa.column("name", sa.String()), sa.column("names", sa.JSON()))
        for canonical, names in connection.execute(sa.select(table.c.name, table.c.names)):
            lost += sum(1 for text in (names or {}).values() if text and text != canonical)
    for (texts,) in connection.execute(sa.select(MARKET.c.descriptions)):
        kept = [lang for lang in LANGUAGES if (texts or {}).get(lang)]
        lost += max(len(kept) - 1, 0)
    return lost


def downgrade() -> None:
    refuse_to_lose(
        op.get_bind(), "0010", "names and descriptions in a second language", _texts_lost()
    )
    _restore_descriptions()
    with op.batch_alter_table("market", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("descriptions")
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("names")
