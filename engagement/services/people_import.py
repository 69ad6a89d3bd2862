"""Importing people from an HR export (admin only): preview the file, then import it whole."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from engagement.authz import Actor, Role, require_role
from engagement.errors import ImportProblem, ImportRejected
from engagement.i18n import _, format_number
from engagement.maintenance import exclusive
from engagement.models import PeopleImport
from engagement.people_import import mapping as columns_
from engagement.people_import.apply import apply_plan, load_directory
from engagement.people_import.mapping import ColumnMap
from engagement.people_import.plan import build_plan
from engagement.people_import.reader import Table, read_table
from engagement.people_import.records import ROW_ID_PREFIX, date_notes, date_orders, read_records
from engagement.services import audit

PREVIEW_ROWS = 10
# (done, total) steps: the rows are checked, then (unless a dry run) written
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportPreview:
    """How a file was read and what each column would become, before anything is written."""

    file_name: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]  # column -> field, "extra" or "ignore"
    rows: list[list[str]]  # the first rows, as cells
    total_rows: int
    notes: list[str]  # things worth knowing that do not stop the import


@dataclass(frozen=True)
class ImportReport:
    """What an import changed (or, for a dry run, would change)."""

    file_name: str
    rows: int
    created: int
    updated: int
    deactivated: int
    unchanged: int
    full: bool
    dry_run: bool
    notes: list[str]


def one_import_at_a_time(engine: Engine, *, dry_run: bool) -> AbstractContextManager[None]:
    """Hold the import lock of this database: a second import is told another is running
    (two at once would each check the file against a directory the other is changing). A
    dry run writes nothing and needs no lock."""
    if dry_run:
        return contextlib.nullcontext()
    return exclusive(engine, "import-people", _("import of people"))


def _read(data: bytes, mapping: Mapping[str, str] | None) -> tuple[Table, ColumnMap]:
    table = read_table(data)
    columns, problems = columns_.resolve(table.headers, mapping)
    if problems:
        raise ImportRejected(_sorted(problems, table.headers))
    return table, columns


def _notes(table: Table, columns: ColumnMap, orders: dict[str, str]) -> list[str]:
    notes = list(columns.notes)
    if not columns.has("external_id"):
        notes.append(
            _(
                "The file has no HR id column, so people are numbered by their row "
                "(“{first}”, “{second}”, …). Re-import only this same file in the same order, "
                "or map the column that holds the id."
            ).format(first=f"{ROW_ID_PREFIX}1", second=f"{ROW_ID_PREFIX}2")
        )
    return notes + date_notes(orders)


def preview_import(
    *,
    session: Session,
    actor: Actor,
    data: bytes,
    file_name: str,
    mapping: Mapping[str, str] | None = None,
) -> ImportPreview:
    """How the file reads: encoding, delimiter, columns and their fields, the first rows."""
    require_role(actor, Role.ADMIN)
    table, columns = _read(data, mapping)
    return ImportPreview(
        file_name=file_name,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        mapping=dict(columns.fields),
        rows=[row.cells for row in table.rows[:PREVIEW_ROWS]],
        total_rows=len(table.rows),
        notes=_notes(table, columns, date_orders(table, columns)),
    )


def _sorted(problems: list[ImportProblem], headers: list[str]) -> list[ImportProblem]:
    order = {h: i for i, h in enumerate(headers)}
    return sorted(problems, key=lambda p: (p.line, order.get(p.column, -1)))


def import_people(
    *,
    session: Session,
    actor: Actor,
    data: bytes,
    file_name: str,
    mapping: Mapping[str, str] | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportReport:
    """Create and update people from an HR export, all or nothing, keyed on the HR id.

    Every row is checked before anything is written; any problem raises ImportRejected
    listing them all, and nothing changes. With `full`, active people missing from the file
    are deactivated (never deleted). A dry run returns the same counts and writes nothing.
    Day/month dates such as 01/03/2024 are read day first (see `values.date_order`).
    """
    require_role(actor, Role.ADMIN)
    today = today or date.today()
    table, columns = _read(data, mapping)
    total = len(table.rows)
    # progress: checking the rows is the first half, writing them the second
    steps = total if dry_run else 2 * total

    def report(done: int) -> None:
        if progress:
            progress(done, steps)

    orders = date_orders(table, columns)
    # the rows are consumed into records (the peak memory of an import at the size limit)
    records, problems = read_records(table, columns, orders)
    directory = load_directory(session)
    me = next((p for p in directory.people.values() if p.id == actor.employee_id), None)
    plan = build_plan(
        records,
        columns,
        directory,
        full=full,
        today=today,
        keep_active=me.external_id if me else None,
        progress=report,
    )
    problems = _sorted([*problems, *plan.problems], table.headers)
    if problems:
        raise ImportRejected(problems)
    if not dry_run:
        apply_plan(session, plan, directory, progress=lambda done: report(total + done))
        session.add(
            PeopleImport(
                imported_by=actor.email,
                file_name=file_name[:255],
                rows=total,
                created=plan.created,
                updated=plan.updated,
                deactivated=len(plan.deactivate),
                unchanged=plan.unchanged,
                full=full,
            )
        )
        counts = {"rows": total, "created": plan.created, "updated": plan.updated}
        counts |= {"deactivated": len(plan.deactivate), "unchanged": plan.unchanged, "full": full}
        audit.record(session, actor=actor, action="people.import", target=file_name, after=counts)
        session.flush()
    report(steps)
    return ImportReport(
        file_name=file_name,
        rows=total,
        created=plan.created,
        updated=plan.updated,
        deactivated=len(plan.deactivate),
        unchanged=plan.unchanged,
        full=full,
        dry_run=dry_run,
        notes=_notes(table, columns, orders),
    )


def report_summary(report: ImportReport) -> str:
    """One line saying what the import changed (or would change)."""
    counts = {
        "created": format_number(report.created),
        "updated": format_number(report.updated),
        "deactivated": format_number(report.deactivated),
        "unchanged": format_number(report.unchanged),
    }
    if report.dry_run:
        return _(
            "Dry run — nothing written. Created {created}, updated {updated}, deactivated "
            "{deactivated}, unchanged {unchanged}."
        ).format(**counts)
    return _(
        "Created {created}, updated {updated}, deactivated {deactivated}, unchanged {unchanged}."
    ).format(**counts)


def problem_line(problem: ImportProblem) -> str:
    """A problem as one line: where it is, then what to fix."""
    if problem.column:
        return _("line {line}, column {column}: {message}").format(
            line=problem.line, column=problem.column, message=problem.message
        )
    return _("line {line}: {message}").format(line=problem.line, message=problem.message)
