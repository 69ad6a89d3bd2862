"""Migration downgrades keep data or refuse: none drops a table or column that holds rows.

A downgrade whose tables (or columns) still hold data stops before changing anything and says
what it would lose. `alembic -x drop_data=yes downgrade REV` is the deliberate way through
(after a backup); it is not offered by the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context
from sqlalchemy import Connection, text

from engagement.errors import VirageError
from engagement.i18n import _


class DowngradeRefused(VirageError):
    """A downgrade would delete data."""


def _forced() -> bool:
    try:
        return context.get_x_argument(as_dictionary=True).get("drop_data") == "yes"
    except Exception:  # not run by Alembic's command line: no -x arguments
        return False


def _refuse(revision: str, what: str) -> None:
    raise DowngradeRefused(
        _(
            "Downgrading below migration {revision} would delete {what}. Nothing was changed. "
            "Keep the newer release, or back up the database and run "
            "“alembic -x drop_data=yes downgrade …” to drop it anyway."
        ).format(revision=revision, what=what)
    )


def refuse_to_drop_rows(connection: Connection, revision: str, tables: Sequence[str]) -> None:
    """Stop the downgrade of `revision` if any of `tables` holds a row."""
    if _forced():
        return
    full = [
        name
        for name in tables
        if connection.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
    ]
    if full:
        _refuse(revision, _("the rows of {tables}").format(tables=", ".join(full)))


def refuse_to_lose(connection: Connection, revision: str, what: str, count: int) -> None:
    """Stop the downgrade of `revision` when `count` values (described by `what`) would go."""
    if count and not _forced():
        _refuse(revision, what)
