"""What an import would change, worked out in memory against the directory as it stands.

Nothing here touches the database: the plan is built from the records and a snapshot of
the directory, checked across rows (ids, emails, managers), and only then applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engagement.emails import normalize_email
from engagement.errors import ImportProblem
from engagement.i18n import _
from engagement.models import Employee
from engagement.people_import import values
from engagement.people_import.mapping import ColumnMap
from engagement.people_import.records import Record

DEFAULT_ROOT = "Company"
Key = tuple[str, ...]  # a department path below the top of the tree, case-folded


def key_of(path: tuple[str, ...]) -> Key:
    return tuple(part.casefold() for part in path)


@dataclass
class Directory:
    """The directory as it stands: the top of the tree, every department, every person."""

    root_id: int | None
    root_name: str
    departments: dict[Key, int]
    people: dict[str, Employee]  # by external id

    def external_id_of(self) -> dict[int, str]:
        return {p.id: ext for ext, p in self.people.items() if p.id is not None}


@dataclass
class Change:
    """One person to create (employee None) or update: the attributes to set."""

    record: Record
    employee: Employee | None
    attributes: dict[str, Any]
    department: Key | None  # None: unchanged
    manager: str | None  # the manager's external id (None: no manager)
    set_manager: bool


@dataclass
class Plan:
    rows: int
    create_root: bool
    root_name: str
    new_departments: list[tuple[str, ...]]  # paths below the root, parents first
    changes: list[Change]
    unchanged: int
    deactivate: list[Employee]
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for c in self.changes if c.employee is None)

    @property
    def updated(self) -> int:
        return sum(1 for c in self.changes if c.employee is not None)


class _Planner:
    def __init__(self, records: list[Record], columns: ColumnMap, directory: Directory):
        self.records = records
        self.columns = columns
        self.directory = directory
        self.problems: list[ImportProblem] = []
        self.by_id: dict[str, Record] = {}
        self.new_departments: dict[Key, tuple[str, ...]] = {}

    def column(self, name: str) -> str:
        return self.columns.column_of(name) or ""

    def problem(self, record: Record, column: str, message: str) -> None:
        self.problems.append(ImportProblem(record.line, column, message))

    def unique_ids(self) -> None:
        for record in self.records:
            if not record.external_id:
                continue
            first = self.by_id.setdefault(record.external_id, record)
            if first is not record:
                self.problem(
                    record,
                    self.column("external_id"),
                    _(
                        "HR id “{id}” is on line {first} too: each person may appear only "
                        "once. Remove one of the two rows or correct its id."
                    ).format(id=record.external_id, first=first.line),
                )

    def email_owners(self) -> dict[str, str]:
        """Who will hold each email after the import, with a problem for every clash."""
        # people the file gives an email to let go of the one they had
        replaced = set(self.by_id) if self.columns.has("email") else set()
        owners = {
            p.email: ext
            for ext, p in self.directory.people.items()
            if p.email and ext not in replaced
        }
        lines = {ext: r.line for ext, r in self.by_id.items()}
        for record in self.by_id.values():
            if record.email is None:
                continue
            holder = owners.setdefault(record.email, record.external_id)
            if holder == record.external_id:
                continue
            if holder in lines:
                message = _(
                    "“{email}” is the email on line {first} too: each email belongs to one "
                    "person. Correct one of them or leave it empty."
                ).format(email=record.email, first=lines[holder])
            else:
                other = self.directory.people[holder]
                message = _(
                    "“{email}” already belongs to {name} (HR id {id}) in the directory: "
                    "correct the email, or include {name} in the file with a different one."
                ).format(email=record.email, name=other.display_name, id=holder)
            self.problem(record, self.column("email"), message)
        return owners

    def resolve_manager(self, record: Record, owners: dict[str, str]) -> str | None:
        ref = record.manager
        if ref is None:
            return None
        if ref in self.by_id or ref in self.directory.people:
            ext: str | None = ref
        else:
            ext = owners.get(normalize_email(ref)) if "@" in ref else None
        if ext is None:
            self.problem(
                record,
                self.column("manager"),
                _(
                    "No one has the HR id or email “{ref}”, in this file or in the directory: "
                    "correct it, add the manager to the file, or leave the cell empty."
                ).format(ref=ref),
            )
        elif ext == record.external_id:
            self.problem(
                record,
                self.column("manager"),
                _("A person cannot be their own manager: correct the cell or leave it empty."),
            )
            ext = None
        return ext

    def department_key(self, path: tuple[str, ...]) -> Key:
        if path and path[0].casefold() == self.directory.root_name.casefold():
            path = path[1:]
        key = key_of(path)
        for depth in range(1, len(key) + 1):
            part = key[:depth]
            if part not in self.directory.departments and part not in self.new_departments:
                self.new_departments[part] = path[:depth]
        return key


def _attributes(
    record: Record, columns: ColumnMap, today: date, current: Employee | None
) -> dict[str, Any]:
    """The employee attributes the file gives, in the directory's own terms."""
    out: dict[str, Any] = {"active": record.active}
    if columns.has("email"):
        out["email"] = record.email
    if any(columns.has(f) for f in ("name", "first_name", "last_name")):
        out["name"] = record.name
    for name in ("location", "job_family", "level", "customer_facing"):
        if columns.has(name):
            out[name] = getattr(record, name)
    if columns.has("hire_date"):
        out["hire_date"] = record.hire_date
    elif columns.has("years_at_company"):
        out["hire_date"] = _hire_date(record.years, today, current)
    extra = dict(current.extra) if current is not None else {}
    for column, value in record.extra.items():
        if value is None:
            extra.pop(column, None)
        else:
            extra[column] = value
    out["extra"] = extra
    return out


def _hire_date(years: int | None, today: date, current: Employee | None) -> date | None:
    """Today minus the years at the company; a known hire date that agrees is kept."""
    if years is None:
        return None
    known = current.hire_date if current is not None else None
    if known is not None and values.full_years(known, today) == years:
        return known  # re-importing next month must not move everyone's hire date
    return values.years_before(today, years)


def build_plan(
    records: list[Record],
    columns: ColumnMap,
    directory: Directory,
    *,
    full: bool,
    today: date,
    keep_active: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Every change the records make, and every problem across rows.

    `keep_active` is the external id of the person importing: a full import that would
    deactivate them is refused, so an administrator cannot lock themselves out.
    """
    planner = _Planner(records, columns, directory)
    planner.unique_ids()
    owners = planner.email_owners()
    ext_of = directory.external_id_of()
    changes: list[Change] = []
    unchanged = 0
    for i, record in enumerate(planner.by_id.values(), start=1):
        manager = planner.resolve_manager(record, owners)
        key = planner.department_key(record.department)
        current = directory.people.get(record.external_id)
        attributes = _attributes(record, columns, today, current)
        set_manager = columns.has("manager")
        if current is None:
            changes.append(Change(record, None, attributes, key, manager, set_manager))
        else:
            changed = {k: v for k, v in attributes.items() if getattr(current, k) != v}
            dept = None if directory.departments.get(key) == current.department_id else key
            set_manager = set_manager and ext_of.get(current.manager_id or -1) != manager
            if changed or dept is not None or set_manager:
                changes.append(Change(record, current, changed, dept, manager, set_manager))
            else:
                unchanged += 1
        if progress and i % 500 == 0:
            progress(i)
    deactivate = [
        p for ext, p in directory.people.items() if full and p.active and ext not in planner.by_id
    ]
    if keep_active is not None and any(p.external_id == keep_active for p in deactivate):
        planner.problems.append(
            ImportProblem(
                1,
                "",
                _(
                    "You are not in this file, so a full import would deactivate your own "
                    "account. Add yourself to the file, or import without deactivating."
                ),
            )
        )
    return Plan(
        rows=len(records),
        create_root=directory.root_id is None,
        root_name=directory.root_name,
        new_departments=sorted(planner.new_departments.values(), key=len),
        changes=changes,
        unchanged=unchanged,
        deactivate=deactivate,
        problems=planner.problems,
    )
