"""market and pulse names per language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:04:36.085420
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("market", "pulse")


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


def upgrade() -> None:
    # NOT NULL with a constant default is a plain ALTER TABLE on SQLite too: no table copy,
    # which SQLite could not do here anyway (other tables' foreign keys point at both)
    for name in TABLES:
        with op.batch_alter_table(name, schema=None, recreate="never") as batch_op:
            batch_op.add_column(sa.Column("names", sa.JSON(), nullable=False, server_default="{}"))
        _backfill(name)


def downgrade() -> None:
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("names")
