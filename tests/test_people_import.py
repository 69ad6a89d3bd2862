"""Importing people from HR exports: reading real files, all or nothing, SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from engagement.authz import SYSTEM, Actor, Role
from engagement.cli import main
from engagement.errors import ImportRejected, InvalidInput, NotAllowed
from engagement.models import Department, Employee, PeopleImport
from engagement.people_import import values
from engagement.services import directory
from engagement.services import people_import as svc
from engagement.services.people_import import ImportReport
from tests import factories as f

IBM = Path(__file__).resolve().parent / "fixtures" / "ibm_hr_attrition.csv"
TODAY = date(2026, 11, 26)


def csv_bytes(
    rows: Sequence[Sequence[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    """A file as an HR system would write it (values with the delimiter are quoted)."""

    def cell(value: str) -> str:
        if delimiter in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def run(session: Session, data: bytes, actor: Actor = SYSTEM, **kw: Any) -> ImportReport:
    """Import like one user action: the service, then the caller's commit."""
    report = svc.import_people(
        session=session, actor=actor, data=data, file_name="hr.csv", today=TODAY, **kw
    )
    session.commit()
    return report


def rejected(session: Session, data: bytes, **kw: Any) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as caught:
        svc.import_people(
            session=session, actor=SYSTEM, data=data, file_name="hr.csv", today=TODAY, **kw
        )
    return [(p.line, p.column) for p in caught.value.problems]


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return (report.created, report.updated, report.deactivated, report.unchanged)


def person(session: Session, external_id: str) -> Employee:
    found = session.exec(select(Employee).where(Employee.external_id == external_id)).one()
    session.refresh(found)
    return found


def path_of(session: Session, employee: Employee) -> list[str]:
    from engagement import org_tree

    nodes = {n.id: n for n in directory.load_nodes(session)}
    return org_tree.path_of(nodes, employee.department_id)


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order (to prove nothing changed at all)."""
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        out[table.name] = [tuple(r) for r in rows]
    return out


@dataclass
class Org:
    acme: Department
    sales: Department
    admin: Employee
    wanda: Employee
    worker: Actor


@pytest.fixture
def org(session: Session) -> Org:
    """A directory that already holds people: Acme > Sales, an admin and Wanda."""
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme, "division")
    admin = f.employee(session, acme, "Ada Admin", email="ada@acme.test", external_id="A0")
    wanda = f.employee(session, sales, "Wanda Worker", email="wanda@acme.test", external_id="W1")
    f.grant(session, admin, Role.ADMIN)
    session.commit()
    worker = directory.actor_for_email(session=session, email="wanda@acme.test")
    return Org(acme, sales, admin, wanda, worker)


# --- the IBM sample: a real export, imported without any mapping ----------------------------


def test_ibm_sample_imports_without_any_mapping(session: Session) -> None:
    data = IBM.read_bytes()
    preview = svc.preview_import(session=session, actor=SYSTEM, data=data, file_name=IBM.name)
    assert (preview.encoding, preview.delimiter, preview.total_rows) == ("utf-8-sig", ",", 1470)
    assert len(preview.rows) == 10 and preview.headers[0] == "Age"  # the BOM is not in the name
    assert {c: f for c, f in preview.mapping.items() if f != "extra"} == {
        "Department": "department",
        "JobLevel": "level",
        "JobRole": "job_family",
        "YearsAtCompany": "years_at_company",
    }
    assert any("no HR id column" in note for note in preview.notes)

    report = run(session, data)
    assert counts(report) == (1470, 0, 0, 0)
    people = session.exec(select(Employee)).all()
    assert len(people) == 1470
    root = session.exec(select(Department).where(col(Department.parent_id).is_(None))).one()
    assert (root.name, root.kind) == ("Company", "company")
    below = session.exec(select(Department).where(Department.parent_id == root.id)).all()
    assert {d.name for d in below} == {"Sales", "Research & Development", "Human Resources"}
    assert {d.kind for d in below} == {"division"}
    assert session.exec(select(func.count()).select_from(Department)).one() == 4
    assert len({p.job_family for p in people}) == 9
    assert {p.level for p in people} == {1, 2, 3, 4, 5}
    first = person(session, "row-1")  # 41, Sales Executive, 6 years at the company
    assert first.extra["Age"] == "41" and first.extra["OverTime"] == "Yes"
    assert "Department" not in first.extra and "JobRole" not in first.extra
    assert first.hire_date == date(2020, 11, 26)
    assert first.job_family == "Sales Executive" and first.name == "" and first.email is None
    assert first.display_name == "row-1"

    record = session.exec(select(PeopleImport)).one()
    assert (record.rows, record.created, record.updated, record.unchanged) == (1470, 1470, 0, 0)
    assert (record.imported_by, record.file_name, record.full) == ("cli", "hr.csv", False)

    again = run(session, data)
    assert counts(again) == (0, 0, 0, 1470)
    # a month later the tenure still holds: nobody's hire date moves
    later = svc.import_people(
        session=session,
        actor=SYSTEM,
        data=data,
        file_name="hr.csv",
        today=date(2026, 12, 26),
        dry_run=True,
    )
    assert counts(later) == (0, 0, 0, 1470)
    assert session.exec(select(func.count()).select_from(PeopleImport)).one() == 2


# --- all or nothing ---------------------------------------------------------------------------

BROKEN = [
    ["Matricule", "Nom complet", "Courriel", "Service", "Lieu", "Date d'embauche", "Gestionnaire"],
    ["B1", "Élise Côté", "elise@acme.test", "Ventes", "Montréal", "01/03/2024", ""],
    ["", "Sans Matricule", "sans@acme.test", "Ventes", "Montréal", "2024-03-01", "B1"],
    ["B1", "Deux Fois", "deux@acme.test", "Ventes", "Québec", "2024-03-01", ""],
    ["B4", "Mauvaise Date", "date@acme.test", "Ventes", "Montréal", "31/13/2024", "B1"],
    ["B5", "Chef Fantôme", "chef@acme.test", "Ventes", "Montréal", "2024-03-01", "Z999"],
    ["B6", "Même Courriel", "ELISE@acme.test", "Ventes", "Montréal", "2024-03-01", "B1"],
    ["B7", "Déjà Pris", "Wanda@acme.test", "Ventes", "Montréal", "2024-03-01", ""],
    ["B8", "Sans Service", "service@acme.test", "", "Montréal", "2024-03-01", ""],
    ["B9", "Mauvais Courriel", "pas-un-courriel", "Ventes", "Montréal", "2024-03-01", ""],
]


def test_broken_file_lists_every_problem_and_changes_nothing(session: Session, org: Org) -> None:
    data = csv_bytes(BROKEN, delimiter=";", encoding="cp1252")
    assert "Montréal".encode("cp1252") in data
    preview = svc.preview_import(session=session, actor=SYSTEM, data=data, file_name="x.csv")
    assert (preview.encoding, preview.delimiter) == ("cp1252", ";")
    assert preview.rows[0][4] == "Montréal" and preview.rows[0][1] == "Élise Côté"

    before = snapshot(session)
    with pytest.raises(ImportRejected) as caught:
        svc.import_people(session=session, actor=SYSTEM, data=data, file_name="x.csv")
    problems = caught.value.problems
    assert [(p.line, p.column) for p in problems] == [
        (3, "Matricule"),  # no id
        (4, "Matricule"),  # the id of line 2 again
        (5, "Date d'embauche"),  # month 13
        (6, "Gestionnaire"),  # nobody is Z999
        (7, "Courriel"),  # line 2's email, in capitals
        (8, "Courriel"),  # Wanda's, who is not in the file
        (9, "Service"),  # no department
        (10, "Courriel"),  # not an email
    ]
    messages = {(p.line, p.column): p.message for p in problems}
    assert "line 2" in messages[(4, "Matricule")]
    assert "line 2" in messages[(7, "Courriel")]
    assert "Wanda Worker" in messages[(8, "Courriel")]
    assert "31/13/2024" in messages[(5, "Date d'embauche")]
    assert "Z999" in messages[(6, "Gestionnaire")]
    assert str(caught.value) == "Nothing was imported: 8 problems."
    # validated before writing: not even the session holds a change
    assert snapshot(session) == before
    assert not session.new and not session.dirty


def test_a_file_without_a_department_column_says_so_once(session: Session) -> None:
    data = csv_bytes([["Employee ID", "Name"], ["1", "A"], ["2", "B"]])
    assert rejected(session, data) == [(1, "")]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"Employee ID,Department\r\n", "no people"),
        (b"PK\x03\x04rest-of-a-workbook", "spreadsheet workbook"),
    ],
)
def test_unreadable_files_get_a_clear_message(session: Session, data: bytes, needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle):
        svc.preview_import(session=session, actor=SYSTEM, data=data, file_name="x.csv")


def test_a_row_with_too_many_values_is_a_problem(session: Session) -> None:
    data = b"ID,Department\r\n1,Sales\r\n2,Sales,Oops\r\n3,Sales,\r\n"
    assert rejected(session, data) == [(3, "")]


# --- creating, updating, deactivating ------------------------------------------------------------

BASE = [
    ["Employee ID", "Full Name", "Email", "Department", "Location", "Hire Date"],
    ["E1", "Ann Able", "ann@acme.test", "Sales", "Montréal", "2020-01-15"],
    ["E2", "Bob Brook", "bob@acme.test", "Sales > Inside Sales", "Québec", "15/01/2021"],
    ["E3", "Cy Cole", "", "Operations", "", "1.2.2022"],
]


def test_update_changes_only_what_differs_and_counts_the_rest(session: Session) -> None:
    assert counts(run(session, csv_bytes(BASE))) == (3, 0, 0, 0)
    assert person(session, "E2").hire_date == date(2021, 1, 15)
    assert person(session, "E3").hire_date == date(2022, 2, 1)
    assert person(session, "E3").email is None
    changed = [row[:] for row in BASE]
    changed[1][1] = "Ann Able-Baker"
    changed[2][3] = "Operations > Planning"
    assert counts(run(session, csv_bytes(changed))) == (0, 2, 0, 1)
    assert person(session, "E1").name == "Ann Able-Baker"
    assert path_of(session, person(session, "E2")) == ["Company", "Operations", "Planning"]
    assert counts(run(session, csv_bytes(changed))) == (0, 0, 0, 3)


def test_only_a_full_import_deactivates_people_missing_from_the_file(session: Session) -> None:
    run(session, csv_bytes(BASE))
    without_cy = BASE[:3]
    assert counts(run(session, csv_bytes(without_cy))) == (0, 0, 0, 2)
    assert person(session, "E3").active
    assert counts(run(session, csv_bytes(without_cy), full=True)) == (0, 0, 1, 2)
    assert not person(session, "E3").active  # kept, never deleted
    assert session.exec(select(func.count()).select_from(Employee)).one() == 3
    assert session.exec(select(PeopleImport.full).order_by(col(PeopleImport.id).desc())).first()
    # back in the file: active again
    assert counts(run(session, csv_bytes(BASE))) == (0, 1, 0, 2)
    assert person(session, "E3").active


def test_a_full_import_may_not_lock_out_the_admin_running_it(session: Session, org: Org) -> None:
    admin = directory.actor_for_email(session=session, email="ada@acme.test")
    with pytest.raises(ImportRejected, match="1 problem") as caught:
        svc.import_people(
            session=session, actor=admin, data=csv_bytes(BASE), file_name="x.csv", full=True
        )
    assert "deactivate your own account" in caught.value.problems[0].message
    rows = [*BASE, ["A0", "Ada Admin", "ada@acme.test", "Acme", "", ""]]
    report = run(session, csv_bytes(rows), actor=admin, full=True)
    assert counts(report) == (3, 1, 1, 0)  # Ada's hire date is cleared; Wanda deactivated
    assert not person(session, "W1").active and person(session, "A0").active


def test_status_column_sets_active(session: Session) -> None:
    rows = [["ID", "Dept", "Status"], ["1", "Sales", "Active"], ["2", "Sales", "inactive"]]
    run(session, csv_bytes(rows))
    assert person(session, "1").active and not person(session, "2").active
    bad = [["ID", "Dept", "Customer Facing"], ["1", "Sales", "maybe"]]
    assert rejected(session, csv_bytes(bad)) == [(2, "Customer Facing")]


# --- managers ---------------------------------------------------------------------------------


def test_managers_by_id_or_email_in_the_file_or_the_directory(session: Session, org: Org) -> None:
    rows = [
        ["Employee ID", "Email", "Department", "Manager"],
        ["M1", "boss@acme.test", "Sales", "W1"],  # Wanda, already in the directory
        ["M2", "deputy@acme.test", "Sales", "BOSS@acme.test"],  # by email, any case
        ["M3", "", "Sales", "M2"],  # by id, in the file
        ["M4", "", "Sales", "ada@acme.test"],  # by email, in the directory
        ["M5", "", "Sales", ""],
    ]
    run(session, csv_bytes(rows))
    boss, deputy = person(session, "M1"), person(session, "M2")
    assert boss.manager_id == org.wanda.id
    assert deputy.manager_id == boss.id
    assert person(session, "M3").manager_id == deputy.id
    assert person(session, "M4").manager_id == org.admin.id
    assert person(session, "M5").manager_id is None
    rows[3][3] = "M1"  # a new manager counts as an update
    assert counts(run(session, csv_bytes(rows))) == (0, 1, 0, 4)
    assert person(session, "M3").manager_id == boss.id


def test_nobody_manages_themselves(session: Session) -> None:
    rows = [["ID", "Email", "Dept", "Manager Email"], ["1", "a@x.test", "Sales", "A@x.test"]]
    assert rejected(session, csv_bytes(rows)) == [(2, "Manager Email")]


# --- departments ------------------------------------------------------------------------------


def test_paths_go_under_the_existing_top_without_repeating_it(session: Session, org: Org) -> None:
    rows = [
        ["ID", "Department"],
        ["P1", "Acme > Sales > Inside Sales > East"],
        ["P2", "sales › inside sales"],
        ["P3", "Acme"],
    ]
    run(session, csv_bytes(rows))
    east = person(session, "P1")
    assert path_of(session, east) == ["Acme", "Sales", "Inside Sales", "East"]
    assert path_of(session, person(session, "P2")) == ["Acme", "Sales", "Inside Sales"]
    assert person(session, "P3").department_id == org.acme.id
    kinds = {d.name: d.kind for d in session.exec(select(Department)).all()}
    assert kinds == {"Acme": "company", "Sales": "division", "Inside Sales": "department"} | {
        "East": "team"
    }


def test_division_department_and_team_columns_build_the_path(session: Session) -> None:
    rows = [
        ["Employee Number", "Division", "Department", "Team"],
        ["1", "Sales", "Inside Sales", "East"],
        ["2", "Sales", "Inside Sales", ""],
        ["3", "Operations", "", ""],
    ]
    run(session, csv_bytes(rows))
    assert path_of(session, person(session, "1")) == ["Company", "Sales", "Inside Sales", "East"]
    assert path_of(session, person(session, "2")) == ["Company", "Sales", "Inside Sales"]
    assert path_of(session, person(session, "3")) == ["Company", "Operations"]


# --- mapping ----------------------------------------------------------------------------------

MAPPED = [
    ["Staff No", "ID", "Unit", "Prénom", "Nom", "Courriel"],
    ["S-01", "badge-9", "Sales", "Élise", "Côté", "Elise@Acme.test"],
]


def test_french_headers_are_recognised() -> None:
    from engagement.people_import.mapping import detect

    fields = detect(MAPPED[0]).fields
    assert fields == {
        "Staff No": "extra",
        "ID": "external_id",
        "Unit": "extra",
        "Prénom": "first_name",
        "Nom": "last_name",
        "Courriel": "email",
    }


def test_explicit_mapping_overrides_detection(session: Session) -> None:
    mapping = {"Staff No": "external_id", "id": "ignore", "UNIT": "department"}
    run(session, csv_bytes(MAPPED), mapping=mapping)
    elise = person(session, "S-01")
    assert (elise.name, elise.email) == ("Élise Côté", "elise@acme.test")
    assert elise.extra == {}  # "ID" ignored, the rest mapped


def test_mapping_to_an_unknown_field_or_column_names_the_choices(session: Session) -> None:
    with pytest.raises(ImportRejected) as caught:
        svc.import_people(
            session=session,
            actor=SYSTEM,
            data=csv_bytes(MAPPED),
            file_name="x.csv",
            mapping={
                "Unit": "departement",
                "Nope": "email",
                "Staff No": "email",
                "Courriel": "email",
            },
        )
    problems = caught.value.problems
    assert [(p.line, p.column) for p in problems] == [(1, "Nope"), (1, "Unit"), (1, "Courriel")]
    assert "Staff No, ID, Unit" in problems[0].message
    assert "job_family" in problems[1].message and "ignore" in problems[1].message
    assert "both mapped" in problems[2].message


# --- emails -----------------------------------------------------------------------------------


def test_emails_are_case_insensitive_and_stored_lower_case(session: Session, org: Org) -> None:
    rows = [["ID", "Dept", "E-mail"], ["W1", "Sales", "WANDA@Acme.Test"]]
    assert counts(run(session, csv_bytes(rows))) == (0, 0, 0, 1)
    rows.append(["X1", "Sales", "wanda@ACME.test"])
    assert rejected(session, csv_bytes(rows)) == [(3, "E-mail")]


def test_two_people_may_swap_emails_in_one_file(session: Session) -> None:
    run(session, csv_bytes(BASE))
    swapped = [row[:] for row in BASE]
    swapped[1][2], swapped[2][2] = "bob@acme.test", "ann@acme.test"
    assert counts(run(session, csv_bytes(swapped))) == (0, 2, 0, 1)
    assert person(session, "E1").email == "bob@acme.test"


# --- dry run and authorization ------------------------------------------------------------------


def test_dry_run_counts_the_same_and_writes_nothing(session: Session, org: Org) -> None:
    before = snapshot(session)
    dry = svc.import_people(
        session=session, actor=SYSTEM, data=csv_bytes(BASE), file_name="x.csv", dry_run=True
    )
    assert dry.dry_run and counts(dry) == (3, 0, 0, 0)
    assert snapshot(session) == before
    assert counts(run(session, csv_bytes(BASE))) == counts(dry)


def test_only_an_admin_may_preview_or_import(session: Session, org: Org) -> None:
    for call in (svc.preview_import, svc.import_people):
        with pytest.raises(NotAllowed):
            call(session=session, actor=org.worker, data=csv_bytes(BASE), file_name="x.csv")


# --- reading real-world files -------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_delimiter_and_encoding_are_detected(
    session: Session, delimiter: str, encoding: str
) -> None:
    rows = [
        ["Employee ID", "Name", "Department", "Location", "Notes"],
        ["1", "Zoë Lefèvre", "R&D > Labs", "Montréal", "likes; commas, and\ttabs"],
        ["2", "José Núñez", "R&D", "Trois-Rivières", ""],
    ]
    data = csv_bytes(rows, delimiter=delimiter, encoding=encoding)
    preview = svc.preview_import(session=session, actor=SYSTEM, data=data, file_name="x.csv")
    assert (preview.encoding, preview.delimiter) == (encoding, delimiter)
    run(session, data)
    zoe = person(session, "1")
    assert (zoe.name, zoe.location) == ("Zoë Lefèvre", "Montréal")
    assert zoe.extra == {"Notes": "likes; commas, and\ttabs"}


def test_line_numbers_count_lines_of_the_file_not_rows(session: Session) -> None:
    data = b'ID,Department,Note\r\n1,Sales,"two\r\nlines"\r\n\r\n2,,x\r\n'
    assert rejected(session, data) == [(5, "Department")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024/03/01", date(2024, 3, 1)),
        ("2024-03-01 00:00:00", date(2024, 3, 1)),
        ("01/03/2024", date(2024, 3, 1)),  # ambiguous: day first
        ("1.3.2024", date(2024, 3, 1)),
        ("01-03-2024", date(2024, 3, 1)),
        ("25/12/2023", date(2023, 12, 25)),
    ],
)
def test_dates_iso_and_day_first(text: str, expected: date) -> None:
    assert values.parse_date(text) == expected


@pytest.mark.parametrize("text", ["12/25/2023", "2023-02-30", "yesterday", "1/3/24"])
def test_bad_dates_say_how_to_write_them(text: str) -> None:
    with pytest.raises(values.BadValue, match="2024-03-01"):
        values.parse_date(text)


def test_a_column_that_only_makes_sense_month_first_is_read_month_first() -> None:
    assert values.date_order(["01/03/2024", "12/25/2023"]) == values.MONTH_FIRST
    assert values.date_order(["01/03/2024", "25/12/2023"]) == values.DAY_FIRST
    assert values.date_order(["01/03/2024", "25/12/2023", "12/25/2023"]) == values.DAY_FIRST
    assert values.parse_date("01/03/2024", values.MONTH_FIRST) == date(2024, 1, 3)
    assert values.parse_date("1.3.2024", values.MONTH_FIRST) == date(2024, 3, 1)


def test_levels_must_be_whole_numbers(session: Session) -> None:
    rows = [["ID", "Dept", "Grade"], ["1", "Sales", "3.0"], ["2", "Sales", "M3"]]
    assert rejected(session, csv_bytes(rows)) == [(3, "Grade")]


def test_twenty_thousand_people_in_a_few_seconds(session: Session) -> None:
    rows = [["Employee ID", "Name", "Email", "Department", "Manager ID", "Hire Date"]]
    for i in range(20_000):
        manager = f"E{(i - 1) // 10:05d}" if i else ""
        dept = f"Division {i % 7} > Department {i % 60} > Team {i % 300}"
        rows.append([f"E{i:05d}", f"Person {i}", f"p{i}@acme.test", dept, manager, "2019-05-01"])
    data = csv_bytes(rows)
    calls: list[tuple[int, int]] = []
    started = time.perf_counter()
    report = run(session, data, progress=lambda done, total: calls.append((done, total)))
    elapsed = time.perf_counter() - started
    assert counts(report) == (20_000, 0, 0, 0)
    assert elapsed < 20, elapsed  # about 2 s here; generous for slow CI machines
    assert len(calls) >= 20 and calls[-1][0] == calls[-1][1]
    assert person(session, "E00011").manager_id == person(session, "E00001").id


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    return sqlite_url


def test_cli_imports_and_summarises(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-people", str(IBM), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == (
        "Dry run — nothing written. Created 1,470, updated 0, deactivated 0, unchanged 0."
    )
    assert "no HR id column" in out.err
    assert main(["import-people", str(IBM)]) == 0
    assert capsys.readouterr().out.strip() == (
        "Created 1,470, updated 0, deactivated 0, unchanged 0."
    )
    assert main(["import-people", str(IBM), "--full"]) == 0
    assert "unchanged 1,470." in capsys.readouterr().out


def test_cli_lists_every_problem_and_exits_1(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "broken.csv"
    file.write_bytes(csv_bytes(BROKEN, delimiter=";", encoding="cp1252"))
    assert main(["import-people", str(file)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("line 3, column Matricule: No HR id")
    assert lines[2].startswith("line 5, column Date d'embauche: “31/13/2024”")
    assert len(lines) == 7 + 1  # Wanda is not in this database: 7 problems, then the summary
    assert lines[-1] == "Nothing was imported: 7 problems."
    assert "Traceback" not in "\n".join(lines)


def test_cli_map_option(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "mapped.csv"
    file.write_bytes(csv_bytes(MAPPED))
    argv = ["import-people", str(file), "--map", "Staff No=external_id", "--map", "Unit=department"]
    assert main(argv) == 0
    assert "Created 1," in capsys.readouterr().out
    assert main(["import-people", str(file), "--map", "Unit=nowhere"]) == 1
    err = capsys.readouterr().err
    assert "line 1, column Unit: “nowhere” is not a field" in err
    assert main(["import-people", str(file), "--map", "Unit"]) == 1
    assert "COLUMN=FIELD" in capsys.readouterr().err
    assert main(["import-people", str(tmp_path / "missing.csv")]) == 1
    assert "missing.csv" in capsys.readouterr().err


def test_cli_import_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import-people", "--help"])
    assert exc.value.code == 0
    assert "--dry-run" in capsys.readouterr().out
