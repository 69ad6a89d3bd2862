"""The main journeys in a real browser; screenshots land in test-artifacts/ to be looked at."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from engagement.authz import Role
from engagement.db import get_engine
from engagement.services import directory
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def persona(db_url: str, role: Role) -> directory.Persona:
    with Session(get_engine(db_url)) as s:
        return next(p for p in directory.demo_personas(session=s) if p.role is role)


def sign_in(page, base: str, who: directory.Persona) -> None:  # type: ignore[no-untyped-def]
    page.goto(base)
    page.get_by_text("Demo mode: no identity provider configured").wait_for()
    page.get_by_role("button", name=f"Sign in as {who.name}").click()
    page.get_by_role("heading", name=f"Hello, {who.name}").wait_for()


def test_admin_opens_people_and_org(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.goto(base)
    page.get_by_text("Demo mode: no identity provider configured").wait_for()
    page.screenshot(path=ARTIFACTS / "sign-in.png", full_page=True)
    admin = persona(db_url, Role.ADMIN)
    sign_in(page, base, admin)
    page.get_by_role("link", name="People & org").click()
    page.get_by_role("heading", name="People & org").wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    assert grid.is_visible()
    assert page.get_by_role("tab", name="Department tree").is_visible()
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "people-and-org.png", full_page=True)
    page.get_by_role("tab", name="Employees").click()
    page.get_by_text("Showing 150 of 150 people").wait_for()
    page.screenshot(path=ARTIFACTS / "people-and-org-employees.png", full_page=True)


def test_language_switch_and_sign_out(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    manager = persona(db_url, Role.MANAGER)
    sign_in(page, base, manager)
    page.get_by_role("link", name="My departments").click()
    page.get_by_role("heading", name="My departments").wait_for()
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name="Français").click()
    page.get_by_role("heading", name="Mes services").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "my-departments-fr.png", full_page=True)
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Bienvenue dans Virage").wait_for()
    # signed out means signed out: the page behind it is not reachable by its URL
    page.goto(f"{base}/my-departments")
    page.get_by_role("heading", name="Welcome to Virage").wait_for()
    assert page.get_by_role("heading", name="My departments").count() == 0


def test_home_on_a_phone(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, persona(db_url, Role.EMPLOYEE))
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "home-phone.png", full_page=True)
    assert page.get_by_role("heading", name="Who I am").is_visible()
