"""The demo company: believable, deterministic, privacy edge cases included."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from engagement.authz import Role
from engagement.demo import build_demo_company
from engagement.errors import InvalidInput
from engagement.models import Department, Employee, ManagerScope, RoleGrant
from engagement.services import directory

TODAY = date(2026, 11, 26)


@pytest.fixture
def demo(session: Session) -> Session:
    calls: list[tuple[int, int, str]] = []
    build_demo_company(
        session=session,
        employees=600,
        seed=7,
        today=TODAY,
        progress=lambda d, t, label: calls.append((d, t, label)),
        history=False,
    )
    session.commit()
    assert calls and calls[-1][0] == calls[-1][1] == 600
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    return session


def test_company_shape(demo: Session) -> None:
    assert demo.exec(select(func.count()).select_from(Employee)).one() == 600
    depts = demo.exec(select(Department)).all()
    kinds = [d.kind for d in depts]
    assert kinds.count("company") == 1
    assert {
        "Sales",
        "Customer Service",
        "Operations",
        "Research & Development",
        "Finance",
        "Human Resources",
    } <= {d.name for d in depts if d.kind == "division"}
    assert 28 <= kinds.count("department") + kinds.count("team") <= 40
    sizes = dict(
        demo.exec(
            select(Employee.department_id, func.count()).group_by(Employee.department_id)
        ).all()
    )
    leaves = [d for d in depts if not any(c.parent_id == d.id for c in depts)]
    assert any(sizes.get(d.id, 0) < 5 for d in leaves), "some teams must be under the threshold"
    assert max(sizes.values()) >= 40
    locations = set(demo.exec(select(Employee.location)).all())
    assert len(locations) >= 3
    assert len(set(demo.exec(select(Employee.job_family)).all())) >= 10
    assert (
        demo.exec(select(func.count()).select_from(Employee).where(Employee.customer_facing)).one()
        > 100
    )


def test_every_department_has_a_manager_who_sits_in_it(demo: Session) -> None:
    depts = demo.exec(select(Department)).all()
    scopes = demo.exec(select(ManagerScope, Employee).join(Employee)).all()
    managed = {scope.department_id: person for scope, person in scopes}
    assert set(managed) == {d.id for d in depts}
    assert all(person.department_id == dept_id for dept_id, person in managed.items())
    # everyone but the CEO reports to someone
    assert (
        demo.exec(
            select(func.count()).select_from(Employee).where(col(Employee.manager_id).is_(None))
        ).one()
        == 1
    )


def test_roles_and_personas(demo: Session) -> None:
    counts = dict(demo.exec(select(RoleGrant.role, func.count()).group_by(RoleGrant.role)).all())
    assert counts["admin"] == 1 and 3 <= counts["leader"] <= 8 and 3 <= counts["hr"] <= 12
    personas = directory.demo_personas(session=demo)
    assert [p.role for p in personas] == list(Role)
    for persona in personas:
        actor = directory.actor_for_email(session=demo, email=persona.email)
        assert actor.has(persona.role)
    employee = directory.actor_for_email(session=demo, email=personas[0].email)
    assert employee.roles == frozenset()


def test_new_joiners_exist_and_dates_are_in_the_past(demo: Session) -> None:
    hires = demo.exec(select(Employee.hire_date)).all()
    assert all(h is not None and h < TODAY for h in hires)
    recent = [h for h in hires if h and (TODAY - h).days < 365]
    assert 30 <= len(recent) <= 150


def _snapshot(session: Session) -> list[tuple[object, ...]]:
    rows = session.exec(
        select(
            Employee.external_id,
            Employee.email,
            Employee.name,
            Employee.location,
            Employee.hire_date,
            Employee.level,
            Department.name,
        )
        .join(Department)
        .order_by(Employee.external_id)
    ).all()
    return [tuple(r) for r in rows]


def test_same_seed_same_company_other_seed_other_people(
    demo: Session, sqlite_template: object, tmp_path: object
) -> None:
    import shutil
    from pathlib import Path

    from engagement.db import get_engine

    def build(seed: int) -> list[tuple[object, ...]]:
        path = Path(str(tmp_path)) / f"seed{seed}.db"
        shutil.copy(str(sqlite_template), path)
        with Session(get_engine(f"sqlite:///{path}")) as s:
            build_demo_company(session=s, employees=600, seed=seed, today=TODAY, history=False)
            s.commit()
            return _snapshot(s)

    assert build(7) == _snapshot(demo)
    assert build(8) != _snapshot(demo)


def test_refuses_a_database_that_holds_a_company(demo: Session) -> None:
    with pytest.raises(InvalidInput, match="already holds a company"):
        build_demo_company(session=demo, employees=100)


@pytest.mark.parametrize("n", [0, 59, 20_001])
def test_refuses_absurd_sizes(session: Session, n: int) -> None:
    with pytest.raises(InvalidInput, match="between 60 and 20000"):
        build_demo_company(session=session, employees=n)


def test_scales_to_other_sizes(session: Session) -> None:
    build_demo_company(session=session, employees=150, seed=1, today=TODAY)
    session.commit()
    assert session.exec(select(func.count()).select_from(Employee)).one() == 150


def test_history_tells_the_story(session: Session) -> None:
    from engagement.authz import SYSTEM
    from engagement.models import Participation, Wave
    from engagement.questions import Dimension
    from engagement.services import pulses, reports

    calls: list[tuple[int, int, str]] = []
    build_demo_company(
        session=session,
        employees=600,
        seed=7,
        today=TODAY,
        progress=lambda d, t, label: calls.append((d, t, label)),
    )
    session.commit()
    assert calls[-1][:2] == (26, 26)  # the second stage: weeks of history
    waves = session.exec(select(Wave).order_by(Wave.number)).all()
    assert len(waves) == 26 and waves[-1].opens_on <= TODAY <= waves[-1].closes_on
    # the demo people have not answered the open wave: they can try it themselves
    for persona in directory.demo_personas(session=session):
        actor = directory.actor_for_email(session=session, email=persona.email)
        assert not pulses.my_waves(session=session, actor=actor, today=TODAY)[0].answered
    first = reports.heatmap(session=session, actor=SYSTEM, k=5, wave_id=waves[1].id)
    last = reports.heatmap(session=session, actor=SYSTEM, k=5, wave_id=waves[-2].id)

    def fav(report: reports.Heatmap, name: str, dim: Dimension) -> float:
        row = next(r for r in report.rows if r.department == name)
        assert row.measures is not None
        return row.measures.dimensions[dim].favorable_pct or 0.0

    # understanding rose where the campaign went first; Operations lags on desire
    assert (
        fav(last, "Customer Service", Dimension.UNDERSTANDING)
        > fav(first, "Customer Service", Dimension.UNDERSTANDING) + 0.15
    )
    assert (
        fav(last, "Operations", Dimension.DESIRE)
        < fav(last, "Customer Service", Dimension.DESIRE) - 0.15
    )
    company = last.rows[0].measures
    assert company is not None and 0.4 < (company.participation or 0) < 0.9
    assert session.exec(select(func.count()).select_from(Participation)).one() > 5000
