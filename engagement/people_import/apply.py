"""Reading the directory once, and writing a checked plan to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.models import Department, DepartmentKind, Employee
from engagement.people_import.plan import DEFAULT_ROOT, Change, Directory, Key, Plan, key_of
from engagement.services.directory import load_nodes

_BATCH = 500
# what a new person has when the file gives no column for it
_NEW_PERSON: dict[str, Any] = {
    "email": None,
    "name": "",
    "location": None,
    "job_family": None,
    "level": None,
    "hire_date": None,
    "customer_facing": False,
    "manager_id": None,
    "active": True,
    "extra": {},
    "language": None,
}


def _top(nodes: list[org_tree.Node]) -> org_tree.Node | None:
    """The top of the tree: the company node (the oldest one if there were several)."""
    roots = sorted((n for n in nodes if n.parent_id is None), key=lambda n: n.id)
    return next((n for n in roots if n.kind == DepartmentKind.COMPANY.value), None) or next(
        iter(roots), None
    )


def load_directory(session: Session) -> Directory:
    """Every department (by path below the top) and every person, in two queries."""
    nodes = load_nodes(session)
    top = _top(nodes)
    departments: dict[Key, int] = {}
    if top is not None:
        by_id = {n.id: n for n in nodes}
        for node, _depth in org_tree.tree_order(nodes, [top.id]):
            departments[key_of(tuple(org_tree.path_of(by_id, node.id)[1:]))] = node.id
    people = {p.external_id: p for p in session.exec(select(Employee)).all()}
    return Directory(
        root_id=top.id if top else None,
        root_name=top.name if top else DEFAULT_ROOT,
        departments=departments,
        people=people,
    )


def _kind(depth: int) -> str:
    if depth == 1:
        return DepartmentKind.DIVISION.value
    return DepartmentKind.DEPARTMENT.value if depth == 2 else DepartmentKind.TEAM.value


def _create_departments(session: Session, plan: Plan, directory: Directory) -> dict[Key, int]:
    ids = dict(directory.departments)
    if plan.create_root:
        root = Department(name=plan.root_name, kind=DepartmentKind.COMPANY.value)
        session.add(root)
        session.flush()
        assert root.id is not None
        ids[()] = root.id
    for path in plan.new_departments:  # parents come first
        dept = Department(name=path[-1], kind=_kind(len(path)), parent_id=ids[key_of(path[:-1])])
        session.add(dept)
        session.flush()
        assert dept.id is not None
        ids[key_of(path)] = dept.id
    return ids


def _release_moving_emails(session: Session, plan: Plan) -> None:
    """Clear the emails that change first: two people may swap them within one file."""
    moving = [c.employee for c in plan.changes if c.employee and "email" in c.attributes]
    for employee in moving:
        employee.email = None
    if moving:
        session.flush()


def _new_row(change: Change, department_ids: dict[Key, int]) -> dict[str, Any]:
    assert change.department is not None  # a new person always gets one
    # every key on every row: the rows are inserted many at a time
    return {
        **_NEW_PERSON,
        **change.attributes,
        "external_id": change.record.external_id,
        "department_id": department_ids[change.department],
    }


def apply_plan(
    session: Session,
    plan: Plan,
    directory: Directory,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the plan: departments, people, then managers (everyone has an id by then).

    New people are inserted in batches without building an object for each, which keeps
    a 20,000-person file to a few seconds; existing people are updated as objects.
    """
    department_ids = _create_departments(session, plan, directory)
    _release_moving_emails(session, plan)
    ids = {ext: p.id for ext, p in directory.people.items() if p.id is not None}
    updates = [c for c in plan.changes if c.employee is not None]
    creates = [c for c in plan.changes if c.employee is None]
    for change in updates:
        assert change.employee is not None
        for name, value in change.attributes.items():
            setattr(change.employee, name, value)
        if change.department is not None:
            change.employee.department_id = department_ids[change.department]
    session.flush()
    if progress:
        progress(len(updates))
    for start in range(0, len(creates), _BATCH):
        batch = [_new_row(c, department_ids) for c in creates[start : start + _BATCH]]
        inserted = session.execute(
            insert(Employee).returning(col(Employee.external_id), col(Employee.id)), batch
        )
        ids.update({ext: int(new_id) for ext, new_id in inserted})
        if progress:
            progress(len(updates) + start + len(batch))
    for change in updates:
        if change.set_manager and change.employee is not None:
            change.employee.manager_id = ids[change.manager] if change.manager else None
    managers = [
        {"id": ids[c.record.external_id], "manager_id": ids[c.manager] if c.manager else None}
        for c in creates
        if c.set_manager
    ]
    if managers:
        session.execute(update(Employee), managers)
    for employee in plan.deactivate:
        employee.active = False
    session.flush()
