"""emails in the directory's one form (NFKC, lower case)

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03 14:30:00.000000
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _normalize(email: str) -> str:
    # engagement.emails.normalize_email as of this revision (a migration keeps its own copy)
    text = unicodedata.normalize("NFKC", email.strip()).strip()
    return unicodedata.normalize("NFKC", text.lower())


def upgrade() -> None:
    """Addresses stored before were only trimmed and lower-cased: a full-width or Kelvin-sign
    address from an old import takes the form sign-in compares. Plain ASCII ones (nearly all)
    do not change; one whose new form another person already holds is left as it was."""
    employee = sa.table("employee", sa.column("id", sa.Integer()), sa.column("email", sa.String()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(employee.c.id, employee.c.email).where(employee.c.email.is_not(None))
    ).all()
    taken = {email for _, email in rows}
    changes = []
    for row_id, email in rows:
        new = _normalize(email)
        if new != email and new not in taken:
            changes.append({"row_id": row_id, "new_email": new})
            taken.add(new)
    if changes:
        connection.execute(
            sa.update(employee)
            .where(employee.c.id == sa.bindparam("row_id"))
            .values(email=sa.bindparam("new_email")),
            changes,
        )


def downgrade() -> None:
    """Nothing to undo: the new form is a trimmed, lower-case address as before."""
