"""The Import people page (AppTest): upload, preview, check, import; problems; who may open it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select
from streamlit.testing.v1 import AppTest

from engagement.authz import Role
from engagement.db import get_engine
from engagement.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN, set_language
from engagement.models import Employee, PeopleImport
from tests.shown import shown
from tests.test_pages import PROJECT, app, directory_actor, personas, texts

PAGE = str(PROJECT / "pages/import_people.py")
IBM = PROJECT / "tests" / "fixtures" / "ibm_hr_attrition.csv"


def admin_on_page(url: str) -> AppTest:
    at = app(personas(url)[Role.ADMIN].email)
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="import.file").upload(name, data, "text/csv")
    return at.run()


def people(url: str) -> int:
    with Session(get_engine(url)) as s:
        return int(s.exec(select(func.count()).select_from(Employee)).one())


def everything(url: str) -> dict[str, list[tuple[object, ...]]]:
    with Session(get_engine(url)) as s:
        return {
            t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
            for t in SQLModel.metadata.sorted_tables
        }


def test_empty_state_explains_what_to_upload(demo_url: str) -> None:
    at = admin_on_page(demo_url)
    assert at.title[0].value == "Import people"
    hint = at.info[0].value
    assert "HR id" in hint and "department" in hint and "Matricule" in hint
    assert not at.main.button  # nothing to check or import yet


def test_admin_previews_checks_and_imports_the_ibm_sample(demo_url: str) -> None:
    before = people(demo_url)
    at = upload(admin_on_page(demo_url), IBM.name, IBM.read_bytes())
    assert not at.exception and not at.error
    assert any("1,470 people, 27 columns" in c.value for c in at.caption)
    assert any("UTF-8 with a byte-order mark" in c.value for c in at.caption)
    assert len(at.dataframe[0].value) == 10
    assert at.selectbox(key="import.map.Department").value == "department"
    assert at.selectbox(key="import.map.JobRole").value == "job_family"
    assert at.selectbox(key="import.map.Age").value == "extra"
    assert any("no HR id column" in w.value for w in at.warning)

    at.button(key="import.check").click().run()
    assert not at.error
    assert at.info[-1].value.startswith("Dry run — nothing written. Created 1,470")
    assert people(demo_url) == before

    at.selectbox(key="import.map.MonthlyIncome").set_value("ignore").run()
    at.button(key="import.run").click().run()
    assert not at.exception and not at.error
    assert at.success[-1].value == "Created 1,470, updated 0, deactivated 0, unchanged 0."
    assert people(demo_url) == before + 1470
    with Session(get_engine(demo_url)) as s:
        record = s.exec(select(PeopleImport)).one()
        assert (record.created, record.file_name) == (1470, IBM.name)
        assert record.imported_by == personas(demo_url)[Role.ADMIN].email
        sample = s.exec(select(Employee).where(Employee.external_id == "row-1")).one()
        assert "Age" in sample.extra and "MonthlyIncome" not in sample.extra


def test_a_broken_file_shows_every_problem_and_changes_nothing(demo_url: str) -> None:
    before = everything(demo_url)
    broken = (
        "Employee ID;Name;Email;Department;Hire Date\r\n"
        "1;Élise Côté;elise@example.test;Ventes;01/03/2024\r\n"
        ";No Id;noid@example.test;Ventes;2024-03-01\r\n"
        "1;Twice;twice@example.test;Ventes;2024-03-01\r\n"
        "4;Bad Date;bad@example.test;Montréal;2024-13-01\r\n"
    ).encode("cp1252")
    at = upload(admin_on_page(demo_url), "broken.csv", broken)
    assert any("Windows-1252" in c.value and "semicolons" in c.value for c in at.caption)
    at.button(key="import.run").click().run()
    assert not at.exception
    assert shown(at.error[0].value) == "Nothing was imported: 3 problems."
    table = at.table[-1].value
    assert list(zip(table["Line"], table["Column"], strict=True)) == [
        (3, "Employee ID"),
        (4, "Employee ID"),
        (5, "Hire Date"),
    ]
    assert everything(demo_url) == before


def test_an_empty_file_gets_a_clear_message(demo_url: str) -> None:
    at = upload(admin_on_page(demo_url), "empty.csv", b"")
    assert not at.exception
    assert "The file is empty" in at.error[0].value


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.LEADER])
def test_only_admins_can_open_it(demo_url: str, role: Role) -> None:
    persona = personas(demo_url)[role]
    at = app(persona.email)
    with pytest.raises(ValueError):
        at.switch_page(PAGE).run()
    direct = AppTest.from_file(PAGE, default_timeout=30)
    direct.session_state["virage.actor"] = directory_actor(demo_url, persona.email)
    direct.run()
    assert direct.error and "This page is for" in direct.error[0].value
    assert not direct.get("file_uploader")


def test_a_long_problem_list_is_cut_short_with_a_download(demo_url: str) -> None:
    rows = "".join(f"X{i},\r\n" for i in range(250))
    at = upload(admin_on_page(demo_url), "many.csv", f"ID,Department\r\n{rows}".encode())
    at.button(key="import.check").click().run()
    assert shown(at.error[0].value) == "Nothing was imported: 250 problems."
    assert len(at.table[-1].value) == 200
    assert any("The first 200 of 250 problems" in c.value for c in at.caption)
    assert at.get("download_button")


def test_the_page_with_a_file_renders_only_translated_text(demo_url: str) -> None:
    """Under the pseudo-locale, what is not wrapped in ⟦…⟧ must come from the file itself."""
    # AppTest formats select box options again in the test's own thread: same language there
    set_language(PSEUDO)
    data = b"Employee ID,Name,Department,Hire Date\r\n1,Ann,Sales,2024-13-01\r\n"
    at = app(personas(demo_url)[Role.ADMIN].email, language=PSEUDO)
    at.switch_page(PAGE).run()
    upload(at, "small.csv", data)
    at.button(key="import.check").click().run()
    assert not at.exception and at.error
    from_file = set(re.findall(r"[^\W\d_]{2,}", data.decode()))
    # translated terms inside translated sentences nest: remove the innermost pairs first
    innermost = re.compile(f"{PSEUDO_OPEN}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{PSEUDO_CLOSE}")

    def untranslated(text: str) -> set[str]:
        while (shorter := innermost.sub(" ", text)) != text:
            text = shorter
        return set(re.findall(r"[^\W\d_]{2,}", text))

    leftovers = set().union(*map(untranslated, texts(at))) - from_file
    assert not leftovers
