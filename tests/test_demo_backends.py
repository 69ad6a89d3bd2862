"""The demo is the same company on SQLite and PostgreSQL for one seed, answer for answer.

Random ids and tokens differ by design (they say nothing about order or person), so the
comparison is by content: each response with its snapshot and answers, each check-in,
each campaign receipt and module progress, each vote — as sorted lists.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from engagement.db import get_engine, unit_of_work
from engagement.demo import build_demo_company
from engagement.models import (
    Answer,
    CampaignReceipt,
    Checkin,
    Department,
    Employee,
    ModuleProgress,
    Response,
    Wave,
)
from engagement.models.voice import BoardItem, BoardVote
from tests.conftest import fresh_pg_database

TODAY = date(2026, 11, 26)


def _fingerprint(url: str) -> dict[str, list[Any]]:
    """Everything the demo generated at random, keyed by content rather than by id."""
    with Session(get_engine(url)) as s:
        dept = {d.id: d.name for d in s.exec(select(Department)).all()}
        person = {e.id: e.external_id for e in s.exec(select(Employee)).all()}
        wave = {w.id: w.number for w in s.exec(select(Wave)).all()}
        answers: dict[str, list[tuple[Any, ...]]] = {}
        for a in s.exec(select(Answer)).all():
            answers.setdefault(a.response_id, []).append((a.item_id, a.value, a.choice))
        responses = sorted(
            (
                wave[r.wave_id],
                dept[r.department_id],
                r.answered_on.isoformat(),
                r.comment or "",
                r.location or "",
                r.job_family or "",
                r.level or 0,
                r.tenure_band or "",
                r.customer_facing,
                r.people_manager,
                repr(sorted((r.extra or {}).items())),
                tuple(sorted(answers.get(r.id, []), key=repr)),
            )
            for r in s.exec(select(Response)).all()
        )
        checkins = sorted(
            (c.day.isoformat(), dept[c.department_id], c.choice, c.location or "", c.level or 0)
            for c in s.exec(select(Checkin)).all()
        )
        employees = sorted(
            (e.external_id, e.email or "", e.name, dept[e.department_id], e.location or "")
            for e in s.exec(select(Employee)).all()
        )
        receipts = sorted(
            (r.campaign_id, person[r.employee_id], str(r.opened_at), str(r.acknowledged_at))
            for r in s.exec(select(CampaignReceipt)).all()
        )
        progress = sorted(
            (person[m.employee_id], m.module_key, m.attempts, m.last_score or 0)
            for m in s.exec(select(ModuleProgress)).all()
        )
        body = {i.id: i.body for i in s.exec(select(BoardItem)).all()}
        votes = sorted(body[v.item_id] for v in s.exec(select(BoardVote)).all())
    return {
        "employees": employees,
        "responses": responses,
        "checkins": checkins,
        "receipts": receipts,
        "progress": progress,
        "votes": votes,
    }


def _build(url: str, employees: int = 600) -> dict[str, list[Any]]:
    # 600 (the `make run` size): PostgreSQL's row order departs from insertion order there
    with unit_of_work(get_engine(url)) as s:
        build_demo_company(session=s, employees=employees, seed=7, today=TODAY)
    return _fingerprint(url)


@pytest.mark.postgres
def test_demo_is_the_same_company_on_both_databases(sqlite_template: Path, tmp_path: Path) -> None:
    with fresh_pg_database("virage_test_demo_same") as url:
        on_pg = _build(url)
    path = tmp_path / "demo.db"
    shutil.copy(sqlite_template, path)
    on_sqlite = _build(f"sqlite:///{path}")
    assert on_sqlite["responses"], "the demo has answers"
    for table in on_sqlite:
        assert on_sqlite[table] == on_pg[table], f"{table} differ between SQLite and PostgreSQL"


def test_demo_is_the_same_company_twice(sqlite_template: Path, tmp_path: Path) -> None:
    """Two builds on the same backend with the same seed give the same answers."""
    runs = []
    for name in ("a.db", "b.db"):
        shutil.copy(sqlite_template, tmp_path / name)
        runs.append(_build(f"sqlite:///{tmp_path / name}", employees=150))
    assert runs[0] == runs[1]
