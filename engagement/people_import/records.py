"""From rows of cells to people records, one row at a time, collecting every problem."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from engagement import text_rules
from engagement.errors import ImportProblem, InvalidInput
from engagement.i18n import _
from engagement.people_import import values
from engagement.people_import.mapping import EXTRA, ColumnMap
from engagement.people_import.reader import Row, Table

T = TypeVar("T")
ROW_ID_PREFIX = "row-"
# the longest value each column of the directory holds
MAX_LENGTH = {
    "external_id": 100,
    "email": 320,
    "name": 200,
    "department": 200,
    "location": 120,
    "job_family": 120,
}


@dataclass(slots=True)  # tens of thousands of them per import: no per-record dict
class Record:
    """One person as the file describes them (fields whose column is missing keep defaults)."""

    line: int
    external_id: str
    email: str | None = None
    name: str = ""
    department: tuple[str, ...] = ()
    location: str | None = None
    job_family: str | None = None
    level: int | None = None
    hire_date: date | None = None
    years: int | None = None
    manager: str | None = None
    customer_facing: bool = False
    active: bool = True
    # header -> value; None for an empty cell (the attribute is then removed)
    extra: dict[str, str | None] = field(default_factory=dict)


class _RowReader:
    """Reads the cells of one row through the column map, noting problems as it goes."""

    def __init__(self, row: Row, headers: list[str], columns: ColumnMap, orders: dict[str, str]):
        self.row = row
        self.columns = columns
        self.orders = orders
        self.problems: list[ImportProblem] = []
        self.cells = {
            header: self._clean(header, cell)
            for header, cell in zip(headers, row.cells, strict=True)
        }

    def _clean(self, header: str, cell: str) -> str:
        """A cell through the domain's text rule: NFC, nothing hidden, no control character
        (a refused cell is a problem of its line, and reads as empty from then on)."""
        try:
            return text_rules.clean_text(cell, field=_("This value"), multiline=True)
        except InvalidInput as exc:
            self.problems.append(ImportProblem(self.row.line, header, str(exc)))
            return ""

    def text(self, field_name: str, limit_of: str | None = None) -> str:
        column = self.columns.column_of(field_name)
        value = self.cells[column].strip() if column else ""
        limit = MAX_LENGTH.get(limit_of or field_name)
        if column and limit and len(value) > limit:
            self.problem(
                column,
                _(
                    "This value has {length} characters; the most allowed is {limit}: shorten it."
                ).format(length=len(value), limit=limit),
            )
            return value[:limit]
        return value

    def parsed(self, field_name: str, parse: Callable[[str], T]) -> T | None:
        column = self.columns.column_of(field_name)
        raw = self.cells[column].strip() if column else ""
        if not column or not raw:
            return None
        try:
            return parse(raw)
        except values.BadValue as exc:
            self.problem(column, str(exc))
            return None

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.row.line, column, message))

    def department(self) -> tuple[str, ...]:
        parts = [
            part
            for name in ("division", "department", "team")
            for part in values.split_path(self.text(name))
        ]
        for part in parts:
            if len(part) > MAX_LENGTH["department"]:
                column = self.columns.column_of("department") or ""
                self.problem(
                    column,
                    _("The department name “{name}…” is too long: shorten it.").format(
                        name=part[:40]
                    ),
                )
        given = [c for c in map(self.columns.column_of, ("department", "division", "team")) if c]
        if not parts and given:  # with no department column at all, the file says so once
            column = given[0]
            self.problem(
                column,
                _(
                    "No department: every person belongs to one. Fill it in (a name, or a path "
                    "such as “Sales > Inside Sales”)."
                ),
            )
        return tuple(parts)

    def record(self, index: int) -> Record:
        if self.columns.has("external_id"):
            external_id = self.text("external_id")
            if not external_id:
                self.problem(
                    self.columns.column_of("external_id") or "",
                    _(
                        "No HR id: every person needs the id your HR system gives them. Fill "
                        "it in, or remove the row."
                    ),
                )
        else:
            external_id = f"{ROW_ID_PREFIX}{index}"
        name = self.text("name") or " ".join(
            p for p in (self.text("first_name", "name"), self.text("last_name", "name")) if p
        )
        return Record(
            line=self.row.line,
            external_id=external_id,
            email=self.parsed("email", values.parse_email),
            name=name[: MAX_LENGTH["name"]],
            # a few hundred distinct values over many rows: one string each
            department=tuple(sys.intern(part) for part in self.department()),
            location=_interned(self.text("location")),
            job_family=_interned(self.text("job_family")),
            level=self.parsed("level", values.parse_level),
            hire_date=self.parsed("hire_date", self._date),
            years=self.parsed("years_at_company", values.parse_years),
            manager=self.text("manager") or None,
            customer_facing=bool(self.parsed("customer_facing", values.parse_bool)),
            active=self.parsed("active", values.parse_bool) is not False,
            extra={
                column: self.cells[column].strip() or None
                for column, target in self.columns.fields.items()
                if target == EXTRA
            },
        )

    def _date(self, raw: str) -> date:
        column = self.columns.column_of("hire_date") or ""
        return values.parse_date(raw, self.orders.get(column, values.DAY_FIRST))


def _interned(text: str) -> str | None:
    return sys.intern(text) if text else None


def file_problems(columns: ColumnMap) -> list[ImportProblem]:
    """What the file as a whole lacks."""
    if not any(columns.has(f) for f in ("department", "division", "team")):
        return [
            ImportProblem(
                1,
                "",
                _(
                    "No column gives the department. Map the column that holds it to "
                    "“department” (or to “division” and “team” when the levels are in separate "
                    "columns)."
                ),
            )
        ]
    return []


def date_orders(table: Table, columns: ColumnMap) -> dict[str, str]:
    """How the date column reads day/month forms: day first unless only month first fits."""
    column = columns.column_of("hire_date")
    if column is None:
        return {}
    index = table.headers.index(column)
    return {column: values.date_order(r.cells[index] for r in table.rows)}


def date_notes(orders: dict[str, str]) -> list[str]:
    """Say so when a date column is read month first."""
    return [
        _(
            "Dates in “{column}” are read as month/day/year: some of them only make sense "
            "that way (such as 03/25/2024)."
        ).format(column=column)
        for column, order in orders.items()
        if order == values.MONTH_FIRST
    ]


def read_records(
    table: Table,
    columns: ColumnMap,
    orders: dict[str, str],
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Record], list[ImportProblem]]:
    """Every row as a record, and every problem found in single cells or rows.

    The table's rows are consumed: each row is let go once its record is made, so an import
    never holds a file's cells and its records whole at once."""
    problems = [*table.problems, *file_problems(columns)]
    records: list[Record] = []
    rows = table.rows
    rows.reverse()  # popped from the end, in file order
    i = 0
    while rows:
        row = rows.pop()
        i += 1
        reader = _RowReader(row, table.headers, columns, orders)
        records.append(reader.record(i))
        problems.extend(reader.problems)
        if progress and i % 500 == 0:
            progress(i)
    return records, problems
