"""the pool of sealed submissions waiting to be mixed; snapshot flags may be coarsened away

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT_TABLES = ("response", "checkin")
FLAGS = ("customer_facing", "people_manager")


def upgrade() -> None:
    op.create_table(
        "poolitem",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("batch_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_poolitem_scope_batch", "poolitem", ["scope", "batch_key"], unique=False)
    for table in SNAPSHOT_TABLES:
        with op.batch_alter_table(table) as batch:
            for flag in FLAGS:
                batch.alter_column(flag, existing_type=sa.Boolean(), nullable=True)


def downgrade() -> None:
    for table in SNAPSHOT_TABLES:
        for flag in FLAGS:  # a coarsened-away flag reads as "no" in the older schema
            op.execute(sa.text(f"UPDATE {table} SET {flag} = false WHERE {flag} IS NULL"))
        with op.batch_alter_table(table) as batch:
            for flag in FLAGS:
                batch.alter_column(flag, existing_type=sa.Boolean(), nullable=False)
    op.drop_index("ix_poolitem_scope_batch", table_name="poolitem")
    op.drop_table("poolitem")
