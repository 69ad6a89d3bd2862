"""The directory: who is signing in, the org chart with head counts, the employee list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.emails import normalize_email, sign_in_key
from engagement.errors import InvalidInput, NotFound
from engagement.i18n import LANGUAGES, _
from engagement.models import Department, Employee, ManagerScope, RoleGrant
from engagement.text_rules import clean_text


def load_nodes(session: Session) -> list[org_tree.Node]:
    """Every department as a tree node (a few hundred rows even in a large company)."""
    rows = session.exec(
        select(Department.id, Department.name, Department.kind, Department.parent_id)
    ).all()
    return [org_tree.Node(id=int(r[0] or 0), name=r[1], kind=r[2], parent_id=r[3]) for r in rows]


def actor_for_email(*, session: Session, email: str) -> Actor:
    """The signed-in person as an Actor, or NotFound with a friendly explanation.

    Compared as mail systems do (`engagement.emails`): a look-alike address matches no one."""
    key = sign_in_key(email)
    if key is None:
        raise NotFound(
            _(
                "The address `{email}` holds characters that only look like ordinary letters "
                "(for example the Kelvin sign K or full-width letters), so Virage cannot tell "
                "whose it is. Ask your IT team to correct the address at your identity "
                "provider."
            ).format(email=email.strip().replace("`", ""))  # shown as code: as it was sent
        )
    person = session.exec(select(Employee).where(Employee.email == key)).first()
    if person is None:
        raise NotFound(
            _(
                "We could not find {email} in the company directory. If you joined recently, "
                "your HR record may not have been imported yet: ask your HR partner or a "
                "Virage administrator to add you."
            ).format(email=key)
        )
    if not person.active:
        raise NotFound(
            _(
                "The directory lists {email} as no longer active. If this is a mistake, ask "
                "your HR partner to update your record."
            ).format(email=key)
        )
    assert person.id is not None
    return actor_for_employee(session=session, employee=person)


def actor_for_employee(*, session: Session, employee: Employee) -> Actor:
    """Build the Actor of a directory entry: its roles and managed departments."""
    roles = {
        Role(r)
        for r in session.exec(select(RoleGrant.role).where(RoleGrant.employee_id == employee.id))
    }
    managed = frozenset(
        session.exec(
            select(ManagerScope.department_id).where(ManagerScope.employee_id == employee.id)
        ).all()
    )
    return Actor(
        employee_id=employee.id,
        email=employee.email or "",
        name=employee.display_name,
        roles=frozenset(roles),
        managed_department_ids=managed,
        department_id=employee.department_id,
        language=employee.language,
    )


@dataclass(frozen=True)
class Profile:
    """What the Home page shows about the signed-in person."""

    name: str
    email: str
    department_path: list[str]
    location: str | None
    job_family: str | None
    hire_date: date | None
    manager_name: str | None
    roles: list[Role]
    managed_paths: list[list[str]]
    language: str | None


def my_profile(*, session: Session, actor: Actor) -> Profile:
    """The actor's own directory entry, roles and managed departments."""
    if actor.employee_id is None:
        raise NotFound(_("The command line has no profile."))
    person = session.get(Employee, actor.employee_id)
    if person is None:
        raise NotFound(_("Your directory entry no longer exists."))
    by_id = {n.id: n for n in load_nodes(session)}
    manager = session.get(Employee, person.manager_id) if person.manager_id else None
    roles = [Role.EMPLOYEE, *sorted(actor.roles, key=list(Role).index)]
    managed = org_tree.top_most(by_id.values(), actor.managed_department_ids)
    return Profile(
        name=person.display_name,
        email=person.email or "",
        department_path=org_tree.path_of(by_id, person.department_id),
        location=person.location,
        job_family=person.job_family,
        hire_date=person.hire_date,
        manager_name=manager.display_name if manager else None,
        roles=roles,
        managed_paths=[org_tree.path_of(by_id, d) for d in managed],
        language=person.language,
    )


def set_language(*, session: Session, actor: Actor, language: str) -> None:
    """Remember the actor's interface language."""
    if language not in LANGUAGES:
        raise InvalidInput(_("Unsupported language: {value}.").format(value=language))
    if actor.employee_id is None:
        return
    person = session.get(Employee, actor.employee_id)
    if person is not None and person.language != language:
        person.language = language
        session.add(person)


@dataclass(frozen=True)
class OrgRow:
    """A department in tree order, with its head counts (active people only)."""

    id: int
    name: str
    kind: str
    depth: int
    parent_id: int | None
    direct: int
    total: int
    managers: list[str] = field(default_factory=list)


def org_chart(*, session: Session, actor: Actor, scope: str = "company") -> list[OrgRow]:
    """The department tree with head counts: the whole company, or the actor's managed subtrees."""
    nodes = load_nodes(session)
    if scope == "company":
        require_role(actor, Role.ADMIN, Role.HR, Role.LEADER)
        roots: list[int] | None = None
    elif scope == "managed":
        require_role(actor, Role.MANAGER)
        roots = org_tree.top_most(nodes, actor.managed_department_ids)
    else:
        raise InvalidInput(_("Unknown scope: {value}.").format(value=scope))
    counts = dict(
        session.exec(
            select(Employee.department_id, func.count())
            .where(Employee.active == True)  # noqa: E712
            .group_by(col(Employee.department_id))
        ).all()
    )
    totals = org_tree.subtree_totals(nodes, counts)
    managers: dict[int, list[str]] = {}
    for dept_id, name, ext in session.exec(
        select(ManagerScope.department_id, Employee.name, Employee.external_id).join(
            Employee, col(Employee.id) == ManagerScope.employee_id
        )
    ).all():
        managers.setdefault(dept_id, []).append(name or ext)
    return [
        OrgRow(
            id=node.id,
            name=node.name,
            kind=node.kind,
            depth=depth,
            parent_id=node.parent_id,
            direct=counts.get(node.id, 0),
            total=totals.get(node.id, 0),
            managers=sorted(managers.get(node.id, [])),
        )
        for node, depth in org_tree.tree_order(nodes, roots)
    ]


@dataclass(frozen=True)
class EmployeeFilter:
    """The People & org filters; empty fields do not filter."""

    text: str = ""
    department_id: int | None = None  # with its whole subtree
    locations: Sequence[str] = ()
    job_families: Sequence[str] = ()
    status: str = "active"  # active | inactive | all
    limit: int = 500


@dataclass(frozen=True)
class EmployeeRow:
    external_id: str
    name: str
    email: str | None
    department: str
    location: str | None
    job_family: str | None
    level: int | None
    hire_date: date | None
    customer_facing: bool
    manager: str | None
    active: bool


@dataclass(frozen=True)
class EmployeePage:
    rows: list[EmployeeRow]
    total: int


def search_employees(*, session: Session, actor: Actor, filters: EmployeeFilter) -> EmployeePage:
    """The employees matching the filters (admin only), at most `limit` rows plus the total."""
    require_role(actor, Role.ADMIN)
    nodes = load_nodes(session)
    by_id = {n.id: n for n in nodes}
    conditions = []
    if filters.text.strip():
        like = f"%{filters.text.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(Employee.name).like(like),
                func.lower(func.coalesce(Employee.email, "")).like(like),
                func.lower(Employee.external_id).like(like),
            )
        )
    if filters.department_id is not None:
        if filters.department_id not in by_id:
            raise NotFound(_("That department no longer exists."))
        ids = org_tree.subtree_ids(nodes, filters.department_id)
        conditions.append(col(Employee.department_id).in_(ids))
    if filters.locations:
        conditions.append(col(Employee.location).in_(list(filters.locations)))
    if filters.job_families:
        conditions.append(col(Employee.job_family).in_(list(filters.job_families)))
    if filters.status == "active":
        conditions.append(col(Employee.active).is_(True))
    elif filters.status == "inactive":
        conditions.append(col(Employee.active).is_(False))
    total = session.exec(select(func.count()).select_from(Employee).where(*conditions)).one()
    people = session.exec(
        select(Employee).where(*conditions).order_by(Employee.name).limit(max(filters.limit, 0))
    ).all()
    manager_ids = {p.manager_id for p in people if p.manager_id}
    managers = {
        m.id: m.display_name
        for m in session.exec(select(Employee).where(col(Employee.id).in_(manager_ids))).all()
    }
    rows = [
        EmployeeRow(
            external_id=p.external_id,
            name=p.display_name,
            email=p.email,
            department=" › ".join(org_tree.path_of(by_id, p.department_id)[1:])
            or by_id[p.department_id].name,
            location=p.location,
            job_family=p.job_family,
            level=p.level,
            hire_date=p.hire_date,
            customer_facing=p.customer_facing,
            manager=managers.get(p.manager_id) if p.manager_id else None,
            active=p.active,
        )
        for p in people
    ]
    return EmployeePage(rows=rows, total=int(total))


@dataclass(frozen=True)
class FilterOptions:
    locations: list[str]
    job_families: list[str]


def employee_filter_options(*, session: Session, actor: Actor) -> FilterOptions:
    """The distinct locations and job families, for the filter widgets."""
    require_role(actor, Role.ADMIN)
    locations = session.exec(
        select(Employee.location).where(col(Employee.location).is_not(None)).distinct()
    ).all()
    families = session.exec(
        select(Employee.job_family).where(col(Employee.job_family).is_not(None)).distinct()
    ).all()
    return FilterOptions(
        locations=sorted(x for x in locations if x), job_families=sorted(x for x in families if x)
    )


@dataclass(frozen=True)
class PersonChoice:
    email: str
    label: str


def people_choices(*, session: Session, actor: Actor) -> list[PersonChoice]:
    """Active people who can sign in (they have an email), for pickers (admin only)."""
    require_role(actor, Role.ADMIN)
    rows = session.exec(
        select(Employee.email, Employee.name, Employee.external_id)
        .where(Employee.active == True, col(Employee.email).is_not(None))  # noqa: E712
        .order_by(Employee.name)
    ).all()
    return [PersonChoice(email=e, label=f"{n or x} — {e}") for e, n, x in rows if e]


@dataclass(frozen=True)
class Persona:
    """A real person from the directory offered on the demo sign-in page."""

    role: Role
    name: str
    email: str
    department: str


def demo_personas(*, session: Session) -> list[Persona]:
    """One person per role to sign in as in demo mode, chosen from the data deterministically."""
    nodes = {n.id: n for n in load_nodes(session)}
    personas: list[Persona] = []
    used: set[int] = set()

    parents = {n.parent_id for n in nodes.values()}
    scopes: dict[int, set[int]] = {}
    for employee_id, department_id in session.exec(
        select(ManagerScope.employee_id, ManagerScope.department_id)
    ).all():
        scopes.setdefault(employee_id, set()).add(department_id)

    def shows_a_subtree(person: Employee) -> bool:
        # a manager of a department with teams below it shows more than a single team
        return any(
            d in parents and nodes[d].kind == "department" for d in scopes.get(person.id or 0, ())
        )

    def pick(role: Role, stmt: object) -> None:
        candidates = list(session.exec(stmt).all())  # type: ignore[call-overload]
        if role is Role.MANAGER:
            candidates.sort(key=lambda p: not shows_a_subtree(p))
        elif role is Role.EMPLOYEE:  # someone on a front-line team, not a division's assistant
            candidates.sort(key=lambda p: p.department_id in parents)
        for person in candidates:
            if person.id not in used and person.email:
                used.add(person.id)
                personas.append(
                    Persona(
                        role, person.display_name, person.email, nodes[person.department_id].name
                    )
                )
                return

    base = select(Employee).where(Employee.active == True, col(Employee.email).is_not(None))  # noqa: E712
    granted = select(RoleGrant.employee_id)
    pick(
        Role.EMPLOYEE,
        base.where(col(Employee.id).not_in(granted), Employee.customer_facing == True).order_by(  # noqa: E712
            Employee.external_id
        ),
    )
    for role in (Role.MANAGER, Role.HR, Role.LEADER, Role.ADMIN):
        only_this = select(RoleGrant.employee_id).where(RoleGrant.role != role.value)
        holders = select(RoleGrant.employee_id).where(RoleGrant.role == role.value)
        # prefer someone whose only role is this one, so each persona shows one point of view
        pick(
            role,
            base.where(col(Employee.id).in_(holders), col(Employee.id).not_in(only_this)).order_by(
                Employee.external_id
            ),
        )
        if not any(p.role is role for p in personas):
            pick(role, base.where(col(Employee.id).in_(holders)).order_by(Employee.external_id))
    return personas


def ensure_employee_exists(session: Session, email: str) -> Employee:
    """The active employee with this email, or NotFound saying so."""
    # like any text, without control characters: PostgreSQL cannot even look up a NUL
    key = normalize_email(clean_text(email, field=_("The email")))
    person = session.exec(select(Employee).where(Employee.email == key)).first()
    if person is None:
        raise NotFound(_("No one in the directory has the email {email}.").format(email=key))
    if not person.active:
        raise InvalidInput(_("{email} is no longer active in the directory.").format(email=key))
    return person


def find_department(session: Session, ref: str) -> Department:
    """A department by its path (“Sales > Inside Sales”) or its unique name."""
    nodes = load_nodes(session)
    by_id = {n.id: n for n in nodes}
    wanted = [p.strip().casefold() for p in ref.replace("›", ">").split(">") if p.strip()]
    if not wanted:
        raise InvalidInput(_("Name a department."))
    matches = []
    for node in nodes:
        path = [p.casefold() for p in org_tree.path_of(by_id, node.id)]
        if path[-len(wanted) :] == wanted:
            matches.append(node)
    if not matches:
        raise NotFound(_("No department is called “{ref}”.").format(ref=ref))
    if len(matches) > 1:
        options = "; ".join(" > ".join(org_tree.path_of(by_id, m.id)) for m in matches[:5])
        raise InvalidInput(
            _("“{ref}” matches several departments; give its path, e.g. {options}.").format(
                ref=ref, options=options
            )
        )
    department = session.get(Department, matches[0].id)
    if department is None:  # pragma: no cover - just listed
        raise NotFound(ref)
    return department
