"""The demo company: a believable customer-turn company, deterministic for a given seed."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import Session, select

from engagement import CONTENT_DIR
from engagement.authz import Role
from engagement.demo_campaigns import build_demo_campaigns
from engagement.demo_history import WEEKS, build_demo_history
from engagement.demo_voice import build_demo_voice
from engagement.errors import InvalidInput
from engagement.i18n import _
from engagement.markets import Criteria, MarketRules
from engagement.models import (
    Department,
    DepartmentKind,
    Employee,
    ManagerScope,
    Market,
    RoleGrant,
)

BLUEPRINT = CONTENT_DIR / "demo" / "company.yaml"
MIN_EMPLOYEES, MAX_EMPLOYEES = 60, 20_000
Progress = Callable[[int, int, str], None]


@dataclass
class Unit:
    """A unit of the blueprint, flattened with its parent and scaled size."""

    name: str
    kind: str
    size: float
    job_family: str
    customer_facing: bool
    locations: dict[str, int]
    extra: dict[str, list[str]]
    roles: list[str]
    parent: Unit | None = None
    people: int = 0
    department_id: int | None = None
    head_id: int | None = None
    children: list[Unit] = field(default_factory=list)


@dataclass(frozen=True)
class DemoSummary:
    departments: int
    employees: int
    company: str


def _unit(raw: dict[str, Any], parent: Unit | None, kind: str) -> Unit:
    return Unit(
        name=raw["name"],
        kind=raw.get("kind", kind),
        size=float(raw["size"]),
        job_family=raw.get("job_family", ""),
        customer_facing=bool(raw.get("customer_facing", False)),
        locations=dict(raw.get("location", {"Montréal": 1})),
        extra={k: [str(v) for v in vs] for k, vs in raw.get("extra", {}).items()},
        roles=list(raw.get("roles", [])),
        parent=parent,
    )


def load_blueprint(path: Path = BLUEPRINT) -> tuple[dict[str, Any], list[Unit]]:
    """The blueprint file and its units in tree order (company first)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    root = _unit(data["company"], None, DepartmentKind.COMPANY.value)
    root.kind = DepartmentKind.COMPANY.value
    units = [root]

    def walk(raws: list[dict[str, Any]], parent: Unit) -> None:
        for raw in raws:
            unit = _unit(raw, parent, DepartmentKind.DEPARTMENT.value)
            parent.children.append(unit)
            units.append(unit)
            walk(raw.get("units", []), unit)

    walk(data["units"], root)
    return data, units


def _scale(units: list[Unit], employees: int) -> None:
    """Share `employees` among units in proportion to their sizes (largest remainder), ≥ 1 each."""
    base = sum(u.size for u in units)
    exact = [u.size * employees / base for u in units]
    for unit, share in zip(units, exact, strict=True):
        unit.people = max(1, int(share))
    left = employees - sum(u.people for u in units)
    by_remainder = sorted(range(len(units)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in by_remainder[: max(left, 0)]:
        units[i].people += 1


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == "-")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def build_demo_company(
    *,
    session: Session,
    employees: int = 600,
    seed: int = 7,
    today: date | None = None,
    progress: Progress | None = None,
    history: bool = True,
) -> DemoSummary:
    """Create the demo org, people, roles, markets and (by default) six months of pulses."""
    if not MIN_EMPLOYEES <= employees <= MAX_EMPLOYEES:
        raise InvalidInput(
            _("The demo company needs between {low} and {high} employees, not {n}.").format(
                low=MIN_EMPLOYEES, high=MAX_EMPLOYEES, n=employees
            )
        )
    if session.exec(select(func.count()).select_from(Department)).one():
        raise InvalidInput(
            _("This database already holds a company: use an empty database for the demo.")
        )
    today = today or date.today()
    rng = random.Random(seed)
    data, units = load_blueprint()
    _scale(units, employees)
    domain = data["company"]["email_domain"]
    first_names: list[str] = data["first_names"]
    last_names: list[str] = data["last_names"]
    used_emails: set[str] = set()
    total = employees
    done = 0
    counter = 0
    for unit in units:
        dept = Department(
            name=unit.name,
            kind=unit.kind,
            parent_id=unit.parent.department_id if unit.parent else None,
        )
        session.add(dept)
        session.flush()
        assert dept.id is not None
        unit.department_id = dept.id
        for i in range(unit.people):
            counter += 1
            first, last = rng.choice(first_names), rng.choice(last_names)
            local = f"{_ascii(first)}.{_ascii(last)}"
            email, n = f"{local}@{domain}", 1
            while email in used_emails:
                n += 1
                email = f"{local}{n}@{domain}"
            used_emails.add(email)
            is_head = i == 0
            tenure_days = (
                rng.randint(20, 364) if rng.random() < 0.14 else rng.randint(365, 365 * 18)
            )
            level = _level(unit, is_head, rng)
            person = Employee(
                external_id=f"E{counter:05d}",
                email=email,
                name=f"{first} {last}",
                department_id=dept.id,
                location=_weighted(rng, unit.locations),
                job_family=unit.job_family or None,
                level=level,
                hire_date=today - timedelta(days=tenure_days),
                customer_facing=unit.customer_facing,
                manager_id=(
                    unit.head_id if not is_head else (unit.parent.head_id if unit.parent else None)
                ),
                extra={k: rng.choice(v) for k, v in sorted(unit.extra.items())},
            )
            session.add(person)
            session.flush()
            if is_head:
                unit.head_id = person.id
            _grant_roles(session, unit, person, is_head, i, data)
            done += 1
        if progress:
            progress(done, total, unit.name)
    session.flush()
    _add_markets(session, units)
    if history:
        build_demo_history(session=session, today=today, seed=seed, progress=progress)
        build_demo_campaigns(session=session, today=today, weeks=WEEKS, seed=seed)
        build_demo_voice(session=session, today=today, seed=seed)
    return DemoSummary(departments=len(units), employees=done, company=data["company"]["name"])


def _add_markets(session: Session, units: list[Unit]) -> None:
    """A handful of meaningful internal markets for the demo company."""
    by_name = {u.name: u.department_id for u in units}
    production = [d for d in (by_name.get("Production"),) if d is not None]
    # (English name, French name, description per language, who is in, who is left out);
    # campaigns and tests find markets by their English (canonical) name
    markets = [
        (
            "Front line — customer-facing",
            "Première ligne — en contact avec la clientèle",
            {
                "en": "Everyone who talks to customers every day.",
                "fr": "Toutes celles et ceux qui sont en contact avec la clientèle au quotidien.",
            },
            Criteria(customer_facing=True),
            Criteria(),
        ),
        (
            "Production floor",
            "Plancher de production",
            {
                "en": "Assembly and calibration teams, without their managers.",
                "fr": "Les équipes d’assemblage et d’étalonnage, sans leurs gestionnaires.",
            },
            Criteria(department_ids=production),
            Criteria(people_managers=True),
        ),
        (
            "New joiners (< 1 year)",
            "Nouvelles recrues (moins d’un an)",
            {
                "en": "People who joined in the last twelve months.",
                "fr": "Les personnes entrées en poste au cours de la dernière année.",
            },
            Criteria(tenure_bands=["lt1"]),
            Criteria(),
        ),
        (
            "People managers",
            "Gestionnaires d’équipe",
            {
                "en": "Everyone with at least one person reporting to them.",
                "fr": "Toute personne qui a au moins un employé sous sa supervision.",
            },
            Criteria(people_managers=True),
            Criteria(),
        ),
        (
            "Night shift",
            "Quart de nuit",
            {
                "en": "Plant people working nights.",
                "fr": "Le personnel d’usine qui travaille de nuit.",
            },
            Criteria(extra={"shift": ["night"]}),
            Criteria(),
        ),
    ]
    for name, french, descriptions, include, exclude in markets:
        session.add(
            Market(
                name=name,
                names={"en": name, "fr": french},
                descriptions=descriptions,
                rules=MarketRules(include, exclude).to_json(),
                created_by="demo",
            )
        )
    session.flush()


def _level(unit: Unit, is_head: bool, rng: random.Random) -> int:
    if is_head:
        return {"company": 7, "division": 6, "department": 5, "team": 4}[unit.kind]
    return rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]


def _grant_roles(
    session: Session, unit: Unit, person: Employee, is_head: bool, index: int, data: dict[str, Any]
) -> None:
    assert person.id is not None and unit.department_id is not None
    roles: set[str] = set()
    if is_head:
        roles.add(Role.MANAGER.value)
        session.add(ManagerScope(employee_id=person.id, department_id=unit.department_id))
        if unit.kind == DepartmentKind.COMPANY.value or unit.name in data["leader_divisions"]:
            roles.add(Role.LEADER.value)
    elif unit.kind == DepartmentKind.COMPANY.value and index <= data["company"].get(
        "leaders_without_team", 0
    ):
        roles.add(Role.LEADER.value)
    # a unit's roles go to its members (the first one only for admin: one admin is enough)
    for role in unit.roles:
        if role != Role.ADMIN.value or (index == 1 or (unit.people == 1 and is_head)):
            roles.add(role)
    for role in sorted(roles):
        session.add(RoleGrant(employee_id=person.id, role=role, granted_by="demo"))
