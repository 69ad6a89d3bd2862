"""Directory services on a small hand-built org, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from engagement.authz import Role
from engagement.errors import NotAllowed, NotFound
from engagement.models import Department, Employee
from engagement.services import directory
from engagement.services.directory import EmployeeFilter
from tests import factories as f


@dataclass
class Org:
    company: Department
    sales: Department
    inside: Department
    field: Department
    ops: Department
    admin: Employee
    manager: Employee
    worker: Employee


@pytest.fixture
def org(session: Session) -> Org:
    company = f.department(session, "Acme")
    sales = f.department(session, "Sales", company, "division")
    inside = f.department(session, "Inside Sales", sales)
    field = f.department(session, "Field Sales", sales)
    ops = f.department(session, "Operations", company, "division")
    admin = f.employee(session, company, "Ada Admin", email="ada@acme.test")
    manager = f.employee(session, sales, "Max Manager", email="Max@Acme.test".lower())
    worker = f.employee(
        session,
        inside,
        "Wanda Worker",
        email="wanda@acme.test",
        location="Montréal",
        job_family="Sales",
        manager_id=manager.id,
    )
    for i in range(3):
        f.employee(session, inside, f"Inside {i}", location="Toronto", job_family="Sales")
    for i in range(2):
        f.employee(session, field, f"Field {i}", location="Montréal", job_family="Sales")
    f.employee(session, ops, "Olga Ops", job_family="Production")
    f.employee(session, ops, "Gone Person", active=False)
    f.grant(session, admin, Role.ADMIN)
    f.grant(session, manager, Role.MANAGER, (sales,))
    session.commit()
    return Org(company, sales, inside, field, ops, admin, manager, worker)


def test_sign_in_email_is_case_insensitive(session: Session, org: Org) -> None:
    actor = directory.actor_for_email(session=session, email="  MAX@acme.TEST ")
    assert actor.employee_id == org.manager.id
    assert actor.has(Role.MANAGER) and not actor.has(Role.ADMIN) and actor.has(Role.EMPLOYEE)
    assert actor.managed_department_ids == {org.sales.id}


def test_unknown_and_inactive_people_get_a_friendly_explanation(session: Session, org: Org) -> None:
    with pytest.raises(
        NotFound, match=r"could not find stranger@acme\.test in the company directory"
    ):
        directory.actor_for_email(session=session, email="Stranger@acme.test")
    gone = f.employee(session, org.ops, "Left Already", email="left@acme.test", active=False)
    session.commit()
    with pytest.raises(NotFound, match="no longer active"):
        directory.actor_for_email(session=session, email=gone.email or "")


def test_email_is_unique(session: Session, org: Org) -> None:
    with pytest.raises(IntegrityError):
        f.employee(session, org.ops, "Copy Cat", email="wanda@acme.test")


def test_database_refuses_an_email_that_is_not_lower_case(session: Session, org: Org) -> None:
    """So that Wanda@… and wanda@… can never be two people."""
    with pytest.raises(IntegrityError):
        f.employee(session, org.ops, "Shouty", email="Shouty@acme.test")


def test_company_org_chart_counts_direct_and_subtree_members(session: Session, org: Org) -> None:
    admin = directory.actor_for_email(session=session, email="ada@acme.test")
    rows = directory.org_chart(session=session, actor=admin)
    table = {r.name: (r.depth, r.direct, r.total) for r in rows}
    # inactive people are not counted
    assert table == {
        "Acme": (0, 1, 9),
        "Operations": (1, 1, 1),
        "Sales": (1, 1, 7),
        "Field Sales": (2, 2, 2),
        "Inside Sales": (2, 4, 4),
    }
    assert [r.name for r in rows] == ["Acme", "Operations", "Sales", "Field Sales", "Inside Sales"]
    assert next(r for r in rows if r.name == "Sales").managers == ["Max Manager"]


def test_manager_sees_only_the_subtrees_they_manage(session: Session, org: Org) -> None:
    manager = directory.actor_for_email(session=session, email="max@acme.test")
    rows = directory.org_chart(session=session, actor=manager, scope="managed")
    assert [r.name for r in rows] == ["Sales", "Field Sales", "Inside Sales"]
    with pytest.raises(NotAllowed):
        directory.org_chart(session=session, actor=manager, scope="company")


def test_plain_employee_cannot_read_org_chart_or_people(session: Session, org: Org) -> None:
    worker = directory.actor_for_email(session=session, email="wanda@acme.test")
    with pytest.raises(NotAllowed):
        directory.org_chart(session=session, actor=worker)
    with pytest.raises(NotAllowed):
        directory.org_chart(session=session, actor=worker, scope="managed")
    with pytest.raises(NotAllowed):
        directory.search_employees(session=session, actor=worker, filters=EmployeeFilter())
    with pytest.raises(NotAllowed):
        directory.people_choices(session=session, actor=worker)
    manager = directory.actor_for_email(session=session, email="max@acme.test")
    with pytest.raises(NotAllowed):
        directory.search_employees(session=session, actor=manager, filters=EmployeeFilter())


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (EmployeeFilter(text="wanda"), {"Wanda Worker"}),
        (EmployeeFilter(text="ACME.TEST"), {"Ada Admin", "Max Manager", "Wanda Worker"}),
        (EmployeeFilter(locations=["Montréal"]), {"Wanda Worker", "Field 0", "Field 1"}),
        (EmployeeFilter(job_families=["Production"]), {"Olga Ops"}),
        (EmployeeFilter(status="inactive"), {"Gone Person"}),
    ],
)
def test_employee_search_filters(
    session: Session, org: Org, filters: EmployeeFilter, expected: set[str]
) -> None:
    admin = directory.actor_for_email(session=session, email="ada@acme.test")
    page = directory.search_employees(session=session, actor=admin, filters=filters)
    assert {r.name for r in page.rows} == expected
    assert page.total == len(expected)


def test_employee_search_by_subtree_and_limit(session: Session, org: Org) -> None:
    admin = directory.actor_for_email(session=session, email="ada@acme.test")
    page = directory.search_employees(
        session=session, actor=admin, filters=EmployeeFilter(department_id=org.sales.id, limit=3)
    )
    assert page.total == 7 and len(page.rows) == 3
    wanda = directory.search_employees(
        session=session, actor=admin, filters=EmployeeFilter(text="wanda")
    ).rows[0]
    assert wanda.department == "Sales › Inside Sales" and wanda.manager == "Max Manager"


def test_my_profile_and_saved_language(session: Session, org: Org) -> None:
    worker = directory.actor_for_email(session=session, email="wanda@acme.test")
    profile = directory.my_profile(session=session, actor=worker)
    assert profile.department_path == ["Acme", "Sales", "Inside Sales"]
    assert profile.manager_name == "Max Manager" and profile.roles == [Role.EMPLOYEE]
    directory.set_language(session=session, actor=worker, language="fr")
    session.commit()
    assert directory.actor_for_email(session=session, email="wanda@acme.test").language == "fr"


def test_find_department_by_name_or_path(session: Session, org: Org) -> None:
    assert directory.find_department(session, "inside sales").id == org.inside.id
    assert directory.find_department(session, "Sales > Field Sales").id == org.field.id
    with pytest.raises(NotFound, match="Nowhere"):
        directory.find_department(session, "Nowhere")
