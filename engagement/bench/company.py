"""A synthetic company for the benchmark: an org tree, people, weekly waves and check-ins.

About one department per 50 people in a company > divisions > departments > teams tree of
varied sizes; every wave invites everyone hired by then and about 60 % answer. Everything is
written with bulk inserts (`session.execute(insert(Model), rows)`), one commit per wave.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlmodel import Session, select

from engagement.authz import Role
from engagement.db import unit_of_work
from engagement.measures import rollups
from engagement.models import (
    Checkin,
    CheckinDay,
    Department,
    DepartmentKind,
    Employee,
    Pulse,
    RoleGrant,
    Wave,
)
from engagement.models.pulses import random_id
from engagement.privacy import checkin_scope, participant_token
from engagement.questions import CHANGE_PATH, CUSTOMER_OPTION, Dimension, default_bank
from engagement.services.pulses import open_wave, tenure_band
from engagement.synthetic import start_wave

PULSE_NAME = "Benchmark pulse"
LOCATIONS = {"Montréal": 40, "Toronto": 25, "Lyon": 15, "Boston": 12, "Remote": 8}
JOB_FAMILIES = ["Sales", "Service", "Engineering", "Operations", "Finance", "People"]
CHECKIN_RATE = 0.25  # about one working day in four, as in the demo company
Progress = Callable[[int], object]


@dataclass(frozen=True)
class Person:
    id: int
    department_id: int
    division: int
    location: str
    job_family: str
    level: int
    hire_date: date
    customer_facing: bool
    manager: bool
    extra: dict[str, str]


@dataclass
class Company:
    """What the benchmark needs to know about the company it built."""

    people: list[Person]
    departments: int
    division_ids: list[int]
    largest_department_id: int
    leader_email: str
    pulse_id: int
    start: date  # the Monday wave 1 opens
    wave_ids: list[int] = field(default_factory=list)
    eagerness: dict[int, float] = field(default_factory=dict)
    favorable: dict[tuple[int, Dimension], float] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)


@dataclass
class _Unit:
    name: str
    kind: str
    parent: _Unit | None
    weight: float
    division: int
    id: int = 0
    people: int = 0


def _tree(employees: int, rng: random.Random) -> list[_Unit]:
    """Company first, then divisions, departments and teams; parents before children."""
    units_wanted = max(3, round(employees / 50))
    n_div = max(1, round(units_wanted / 25))
    n_dept = max(n_div, round((units_wanted - n_div) * 0.6))
    n_team = max(0, units_wanted - n_div - n_dept)
    company = _Unit("Benchmark Company", DepartmentKind.COMPANY.value, None, 0.3, -1)
    divisions = [
        _Unit(f"Division {i + 1:02d}", DepartmentKind.DIVISION.value, company, 0.5, i)
        for i in range(n_div)
    ]
    div_size = [rng.lognormvariate(0, 0.6) for _ in divisions]
    departments = []
    for i in range(n_dept):
        div = divisions[i] if i < n_div else rng.choices(divisions, weights=div_size)[0]
        departments.append(
            _Unit(
                f"Department {i + 1:03d}",
                DepartmentKind.DEPARTMENT.value,
                div,
                rng.lognormvariate(0, 0.7),
                div.division,
            )
        )
    teams = []
    for i in range(n_team):
        dept = rng.choice(departments)
        dept.weight *= 0.6  # a department with teams keeps fewer direct members
        teams.append(
            _Unit(
                f"Team {i + 1:03d}",
                DepartmentKind.TEAM.value,
                dept,
                rng.lognormvariate(0, 0.6),
                dept.division,
            )
        )
    return [company, *divisions, *departments, *teams]


def _share(units: list[_Unit], employees: int) -> None:
    """Share people in proportion to the weights (largest remainder), at least one each."""
    total = sum(u.weight for u in units)
    exact = [u.weight * employees / total for u in units]
    for unit, share in zip(units, exact, strict=True):
        unit.people = max(1, int(share))
    left = employees - sum(u.people for u in units)
    order = sorted(range(len(units)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order[: max(left, 0)]:
        units[i].people += 1


def build_company(
    *, engine: Engine, employees: int, waves: int, today: date, seed: int = 11
) -> Company:
    """The org tree, its people (with managers) and the weekly pulse, committed."""
    rng = random.Random(seed)
    units = _tree(employees, rng)
    _share(units, employees)
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=waves)  # the last history wave closes before today
    locations, weights = list(LOCATIONS), list(LOCATIONS.values())
    with unit_of_work(engine) as session:
        for unit in units:  # a few hundred rows: ids are needed for the children
            dept = Department(
                name=unit.name, kind=unit.kind, parent_id=unit.parent.id if unit.parent else None
            )
            session.add(dept)
            session.flush()
            unit.id = int(dept.id or 0)
        rows: list[dict[str, Any]] = []
        owner: list[_Unit] = []
        for unit in units:
            family = JOB_FAMILIES[unit.division % len(JOB_FAMILIES)]
            for i in range(unit.people):
                n = len(rows) + 1
                new_joiner = rng.random() < 0.06
                hired = (
                    start + timedelta(days=rng.randint(0, 7 * waves))
                    if new_joiner
                    else start - timedelta(days=rng.randint(30, 365 * 15))
                )
                rows.append(
                    {
                        "external_id": f"B{n:07d}",
                        "email": f"person{n}@bench.example",
                        "name": f"Person {n}",
                        "department_id": unit.id,
                        "location": rng.choices(locations, weights=weights)[0],
                        "job_family": family,
                        "level": 5 if i == 0 else rng.choices([1, 2, 3, 4], [35, 35, 20, 10])[0],
                        "hire_date": hired,
                        "customer_facing": family in ("Sales", "Service"),
                        "active": True,
                        "extra": {"shift": "night" if rng.random() < 0.15 else "day"},
                    }
                )
                owner.append(unit)
        session.execute(insert(Employee), rows)
        ids = dict(session.exec(select(Employee.external_id, Employee.id)).all())
        head: dict[int, int] = {}
        people = []
        for row, unit in zip(rows, owner, strict=True):
            pid = int(ids[row["external_id"]] or 0)
            head.setdefault(unit.id, pid)
            people.append((pid, row, unit))
        managers = []
        for pid, _row, unit in people:
            boss = head[unit.id] if head[unit.id] != pid else None
            if boss is None and unit.parent is not None:
                boss = head.get(unit.parent.id)
            if boss is not None:
                managers.append({"id": pid, "manager_id": boss})
        session.execute(update(Employee), managers)
        bosses = {m["manager_id"] for m in managers}
        # the head of the company leads: someone who sees every department's heatmap
        leader = head[units[0].id]
        session.add(RoleGrant(employee_id=leader, role=Role.LEADER.value, granted_by="bench"))
        pulse = Pulse(
            name=PULSE_NAME,
            cadence="weekly",
            open_days=5,
            start_date=start,
            item_ids=list(default_bank().items),
            created_by="bench",
        )
        session.add(pulse)
        session.flush()
        largest = max(
            (u for u in units if u.kind == DepartmentKind.DEPARTMENT.value),
            key=lambda u: u.people,
        )
        company = Company(
            people=[
                Person(
                    id=pid,
                    department_id=unit.id,
                    division=unit.division,
                    location=row["location"],
                    job_family=row["job_family"],
                    level=row["level"],
                    hire_date=row["hire_date"],
                    customer_facing=row["customer_facing"],
                    manager=pid in bosses,
                    extra=row["extra"],
                )
                for pid, row, unit in people
            ],
            departments=len(units),
            division_ids=[u.id for u in units if u.kind == DepartmentKind.DIVISION.value],
            largest_department_id=largest.id,
            leader_email=next(r["email"] for pid, r, _u in people if pid == leader),
            pulse_id=int(pulse.id or 0),
            start=start,
            rng=rng,
        )
    company.eagerness = {u.id: rng.uniform(0.45, 0.75) for u in units}
    for div in range(-1, len(company.division_ids)):
        for dim in CHANGE_PATH:
            company.favorable[(div, dim)] = rng.uniform(0.35, 0.7)
    return company


def _snapshot(person: Person, day: date) -> dict[str, Any]:
    return {
        "department_id": person.department_id,
        "location": person.location,
        "job_family": person.job_family,
        "level": person.level,
        "tenure_band": tenure_band(person.hire_date, day),
        "customer_facing": person.customer_facing,
        "people_manager": person.manager,
        "extra": dict(person.extra),
    }


def _answer(company: Company, person: Person, item_id: str, dim: Dimension | None) -> Any:
    rng = company.rng
    if dim is Dimension.CUSTOMER_THOUGHT:
        customer = rng.random() < (0.45 if person.customer_facing else 0.12)
        other = rng.choice(["own_tasks", "team", "products", "nothing"])
        return None, CUSTOMER_OPTION if customer else other
    fav = rng.random() < company.favorable.get((person.division, dim or Dimension.TOOLS), 0.5)
    return (rng.choice([4, 4, 5]) if fav else rng.choice([1, 2, 3, 3])), None


def add_waves(engine: Engine, company: Company, upto: int, progress: Progress | None) -> None:
    """Add the weekly waves (answers, invitations, check-ins) until `upto` exist."""
    rng = company.rng
    dims = {i: item.dimension for i, item in default_bank().items.items()}
    while len(company.wave_ids) < upto:
        number = len(company.wave_ids) + 1
        opens = company.start + timedelta(weeks=number - 1)
        members = [p for p in company.people if p.hire_date <= opens]
        with unit_of_work(engine) as session:
            batch = start_wave(
                session,
                pulse_id=company.pulse_id,
                number=number,
                opens=opens,
                invited=len(members),
            )
            wave_id = batch.wave_id
            for person in members:
                batch.invite(person.id, person.department_id)
                if rng.random() > company.eagerness[person.department_id]:
                    continue
                fields = {
                    "answered_on": opens + timedelta(days=rng.randint(0, 4)),
                    "comment": "A benchmark comment." if rng.random() < 0.05 else None,
                    **_snapshot(person, opens),
                }
                response_id = batch.respond(person.id, fields)
                for item_id, dim in dims.items():
                    if rng.random() < 0.05:
                        continue  # skipped
                    value, choice = _answer(company, person, item_id, dim)
                    batch.answer(response_id, item_id, value, choice)
            days, checkins = _checkins(company, members, opens)
            batch.write(session, (CheckinDay, days), (Checkin, checkins))
            wave = session.get(Wave, wave_id)
            assert wave is not None
            if rollups.is_closed(wave):  # as the demo: closed waves get their roll-ups at once
                rollups.store(session, wave)
        company.wave_ids.append(wave_id)
        if progress:
            progress(1)


def _checkins(
    company: Company, members: list[Person], monday: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The morning check-ins of a wave's five working days."""
    rng = company.rng
    days: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    for offset in range(5):
        day = monday + timedelta(days=offset)
        scope = checkin_scope(day)
        for person in members:
            if rng.random() >= CHECKIN_RATE:
                continue
            days.append({"day": day, "token": participant_token(scope, person.id)})
            _value, choice = _answer(company, person, "first_thought", Dimension.CUSTOMER_THOUGHT)
            checkins.append(
                {"id": random_id(), "day": day, "choice": choice, **_snapshot(person, day)}
            )
    return days, checkins


def open_bench_wave(session: Session, company: Company) -> Wave:
    """Open the next wave through the pulse service (everyone active is invited)."""
    pulse = session.get(Pulse, company.pulse_id)
    assert pulse is not None
    wave = open_wave(session, pulse, len(company.wave_ids) + 1)
    assert wave is not None
    return wave
